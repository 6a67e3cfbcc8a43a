// tf.data, iterator and optional ops, ParseExampleV2, and FCP's ExternalDataset (TF dataset_ops.cc,
// parsing_ops.cc and FCP external_dataset_op.cc facts, tf-ops.md §7.14–§7.15). Dataset values are scalar
// variants; element structure travels in output_types/output_shapes attrs. ExternalDataset exists only in FCP's
// client runtime: never put it in a server graph.
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "graph/function.h"
#include "graph/op_registry.h"
#include "graph/ops/register_ops.h"
#include "graph/shape_inference.h"

namespace tb::graph {
namespace {

absl::Status ElementShapes(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(auto shapes, c.GetShapeList("output_shapes"));
  if (static_cast<int>(shapes.size()) != c.num_outputs()) {
    return c.Error(absl::StrCat("output_shapes has ", shapes.size(), " entries for ", c.num_outputs(), " components"));
  }
  for (int i = 0; i < c.num_outputs(); ++i) c.set_output(i, shapes[i]);
  return absl::OkStatus();
}

// Datasets: a scalar variant handle, and output_types/output_shapes must describe the same components.
absl::Status DatasetShape(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(auto shapes, c.GetShapeList("output_shapes"));
  const tensorflow::AttrValue* types = c.node().attr("output_types");
  if (types && types->list().type_size() != static_cast<int>(shapes.size())) {
    return c.Error("output_types and output_shapes describe a different number of components");
  }
  return shape_fns::Scalar(c);
}

absl::Status ParseExampleV2Shape(InferenceContext& c) {
  TB_ASSIGN_OR_RETURN(int64_t num_sparse, c.GetInt("num_sparse"));
  TB_ASSIGN_OR_RETURN(auto dense_shapes, c.GetShapeList("dense_shapes"));
  const tensorflow::AttrValue* sparse_types = c.node().attr("sparse_types");
  const tensorflow::AttrValue* tdense = c.node().attr("Tdense");
  const int nd = tdense ? tdense->list().type_size() : 0;
  if (static_cast<int>(dense_shapes.size()) != nd) return c.Error("dense_shapes must have one entry per Tdense type");
  if (sparse_types && sparse_types->list().type_size() != num_sparse) {
    return c.Error("sparse_types must have num_sparse entries");
  }
  const PartialShape& serialized = c.input_shape(0);
  int out = 0;
  for (int i = 0; i < num_sparse; ++i) c.set_output(out++, PartialShape({-1, -1}));
  for (int i = 0; i < num_sparse; ++i) c.set_output(out++, PartialShape({-1}));
  for (int i = 0; i < num_sparse; ++i) c.set_output(out++, PartialShape({-1}));
  for (int i = 0; i < nd; ++i) {
    PartialShape s = dense_shapes[i];
    if (serialized.rank_known() && s.rank_known()) {
      std::vector<int64_t> dims = serialized.dims();
      dims.insert(dims.end(), s.dims().begin(), s.dims().end());
      s = dims.size() <= static_cast<size_t>(kMaxRank) ? PartialShape(dims) : PartialShape();
    } else {
      s = PartialShape();
    }
    c.set_output(out++, s);
  }
  while (out < c.num_outputs()) c.set_output(out++, PartialShape({-1}));
  return absl::OkStatus();
}

absl::Status ReduceDatasetShape(InferenceContext& c) {
  TB_RETURN_IF_ERROR(ElementShapes(c));
  const tensorflow::AttrValue* f = c.node().attr("f");
  const Function* fn = (f && c.library()) ? c.library()->Find(f->func().name()) : nullptr;
  if (fn != nullptr && static_cast<int>(fn->returns().size()) != c.num_outputs()) {
    return c.Error(absl::StrCat("reduce function '", fn->name(), "' returns ", fn->returns().size(),
                                " values for a state of ", c.num_outputs()));
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterDataOps(OpRegistry& r) {
  for (const char* op : {"BatchDatasetV2", "MapDataset", "TakeDataset"}) r.Register(op, DatasetShape);
  r.Register("ReduceDataset", ReduceDatasetShape);
  for (const char* op : {"AnonymousIteratorV3", "IteratorGetNextAsOptional", "OptionalHasValue", "ExternalDataset"}) {
    r.Register(op, shape_fns::Scalar);
  }
  r.Register("MakeIterator", shape_fns::NoOutputs);
  r.Register("OptionalGetValue", ElementShapes);
  r.Register("ParseExampleV2", ParseExampleV2Shape);
}

}  // namespace tb::graph
