// ParseExampleV2(serialized, names, sparse_keys, dense_keys, ragged_keys, dense_defaults: Tdense) with attrs
// num_sparse, sparse_types, Tdense, dense_shapes, ragged_*: parses a scalar or a vector of serialized tf.Examples
// (runtime/data/parse_example.h has the semantics). Ragged features are refused by name.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/data/parse_example.h"
#include "runtime/kernels/kernel.h"

namespace tb::runtime {
namespace {

absl::StatusOr<std::vector<std::string>> Strings(const KernelContext& ctx, int i, std::string_view what) {
  const tf::Tensor& t = ctx.input(i);
  if (t.dtype() != tf::DType::kString || t.rank() > 1) {
    return ctx.Error(absl::StrCat(ToAbsl(what), " must be a string vector, got ", t.DebugType()));
  }
  auto flat = t.flat<std::string>();
  return std::vector<std::string>(flat.begin(), flat.end());
}

absl::Status ParseExampleV2(KernelContext& ctx) {
  TB_ASSIGN_OR_RETURN(std::vector<tf::DType> tdense, ctx.GetTypeList("Tdense"));
  TB_ASSIGN_OR_RETURN(int64_t num_sparse, ctx.GetInt("num_sparse"));
  std::vector<tf::DType> sparse_types, ragged_types;
  if (ctx.FindAttr("sparse_types") != nullptr) {
    TB_ASSIGN_OR_RETURN(sparse_types, ctx.GetTypeList("sparse_types"));
  }
  if (ctx.FindAttr("ragged_value_types") != nullptr) {
    TB_ASSIGN_OR_RETURN(ragged_types, ctx.GetTypeList("ragged_value_types"));
  }
  TB_ASSIGN_OR_RETURN(std::vector<graph::PartialShape> dense_shapes, ctx.GetShapeList("dense_shapes"));
  if (static_cast<int64_t>(sparse_types.size()) != num_sparse) {
    return ctx.Error(absl::StrCat("sparse_types has ", sparse_types.size(), " entries, num_sparse is ", num_sparse));
  }
  if (dense_shapes.size() != tdense.size()) {
    return ctx.Error(absl::StrCat("dense_shapes has ", dense_shapes.size(), " entries, Tdense has ", tdense.size()));
  }
  if (!ragged_types.empty()) return absl::UnimplementedError(ctx.Error("ragged features are not supported").message());
  TB_RETURN_IF_ERROR(ctx.CheckNumInputs(5 + static_cast<int>(tdense.size())));

  const tf::Tensor& serialized = ctx.input(0);
  if (serialized.dtype() != tf::DType::kString || serialized.rank() > 1) {
    return ctx.Error(absl::StrCat("serialized must be a string scalar or vector, got ", serialized.DebugType()));
  }
  TB_ASSIGN_OR_RETURN(std::vector<std::string> sparse_keys, Strings(ctx, 2, "sparse_keys"));
  TB_ASSIGN_OR_RETURN(std::vector<std::string> dense_keys, Strings(ctx, 3, "dense_keys"));
  TB_ASSIGN_OR_RETURN(std::vector<std::string> ragged_keys, Strings(ctx, 4, "ragged_keys"));
  if (dense_keys.size() != tdense.size() || static_cast<int64_t>(sparse_keys.size()) != num_sparse) {
    return ctx.Error(absl::StrCat("got ", dense_keys.size(), " dense keys for ", tdense.size(), " Tdense and ",
                                  sparse_keys.size(), " sparse keys for num_sparse ", num_sparse));
  }
  if (!ragged_keys.empty()) return absl::UnimplementedError(ctx.Error("ragged features are not supported").message());

  data::ParseExampleSpec spec;
  for (size_t i = 0; i < tdense.size(); ++i) {
    if (!dense_shapes[i].rank_known()) {
      return ctx.Error(absl::StrCat("dense_shapes[", i, "] for '", dense_keys[i], "' has unknown rank"));
    }
    const tf::Tensor& def = ctx.input(5 + static_cast<int>(i));
    if (def.num_elements() > 0 && def.dtype() != tdense[i]) {
      return ctx.Error(absl::StrCat("dense_defaults[", i, "] is ", def.DebugType(), ", Tdense says ",
                                    ToAbsl(tf::DTypeName(tdense[i]))));
    }
    spec.dense.push_back({dense_keys[i], tdense[i], dense_shapes[i].dims(), def});
  }
  for (int64_t i = 0; i < num_sparse; ++i) spec.sparse.push_back({sparse_keys[i], sparse_types[i]});

  auto flat = serialized.flat<std::string>();
  std::vector<std::string> records(flat.begin(), flat.end());
  auto parsed = data::ParseExamples(records, spec, /*scalar_input=*/serialized.rank() == 0);
  if (!parsed.ok()) return ctx.Annotate(parsed.status());
  int out = 0;
  for (auto& s : parsed->sparse) ctx.set_output(out++, std::move(s.indices));
  for (auto& s : parsed->sparse) ctx.set_output(out++, std::move(s.values));
  for (auto& s : parsed->sparse) ctx.set_output(out++, std::move(s.shape));
  for (auto& d : parsed->dense) ctx.set_output(out++, std::move(d));
  return absl::OkStatus();
}

}  // namespace

TB_REGISTER_KERNEL("ParseExampleV2", ParseExampleV2);

}  // namespace tb::runtime
