#include "tflite/inspect.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "tensorflow/node_def.pb.h"
#include "tf/inspect.h"
#include "tflite/device_compat.h"
#include "tflite/flex_payload.h"
#include "tflite/model_reader.h"
#include "tflite/op_inventory.h"

namespace tb::tflite {
namespace {

using nlohmann::json;
constexpr int64_t kPreviewElements = 16;

json IntVector(const flatbuffers::Vector<int32_t>* v) {
  json out = json::array();
  if (v != nullptr) {
    for (int32_t x : *v) out.push_back(x);
  }
  return out;
}

template <typename T>
json Preview(std::string_view data, int64_t count) {
  json out = json::array();
  for (int64_t i = 0; i < count && i < kPreviewElements; ++i) {
    T v;
    std::memcpy(&v, data.data() + i * sizeof(T), sizeof(T));
    out.push_back(v);
  }
  return out;
}

json ConstantJson(const fb::Tensor& t, std::string_view data) {
  json c = {{"bytes", data.size()}};
  switch (t.type()) {
    case fb::TensorType::FLOAT32: c["values"] = Preview<float>(data, data.size() / 4); break;
    case fb::TensorType::INT32: c["values"] = Preview<int32_t>(data, data.size() / 4); break;
    case fb::TensorType::INT64: c["values"] = Preview<int64_t>(data, data.size() / 8); break;
    case fb::TensorType::BOOL: c["values"] = Preview<bool>(data, data.size()); break;
    case fb::TensorType::STRING: {
      auto strings = DecodeStringBuffer(data);
      if (!strings.ok()) break;
      json values = json::array();
      for (size_t i = 0; i < strings->size() && i < static_cast<size_t>(kPreviewElements); ++i) {
        values.push_back((*strings)[i]);
      }
      c["values"] = values;
      break;
    }
    default: break;
  }
  return c;
}

json OptionsJson(const fb::Operator& op) {
  json o = json::object();
  using BO = fb::BuiltinOptions;
  const BO type = op.builtin_options_type();
  if (type == BO::NONE) return o;
  o["type"] = fb::EnumNameBuiltinOptions(type);
  switch (type) {
    case BO::Conv2DOptions: {
      auto* p = op.builtin_options_as_Conv2DOptions();
      o.update({{"padding", fb::EnumNamePadding(p->padding())}, {"stride_h", p->stride_h()}, {"stride_w", p->stride_w()},
                {"dilation_h", p->dilation_h_factor()}, {"dilation_w", p->dilation_w_factor()},
                {"activation", fb::EnumNameActivationFunctionType(p->fused_activation_function())}});
      break;
    }
    case BO::DepthwiseConv2DOptions: {
      auto* p = op.builtin_options_as_DepthwiseConv2DOptions();
      o.update({{"padding", fb::EnumNamePadding(p->padding())}, {"stride_h", p->stride_h()}, {"stride_w", p->stride_w()},
                {"depth_multiplier", p->depth_multiplier()}, {"dilation_h", p->dilation_h_factor()},
                {"dilation_w", p->dilation_w_factor()}});
      break;
    }
    case BO::TransposeConvOptions: {
      auto* p = op.builtin_options_as_TransposeConvOptions();
      o.update({{"padding", fb::EnumNamePadding(p->padding())}, {"stride_h", p->stride_h()}, {"stride_w", p->stride_w()}});
      break;
    }
    case BO::Pool2DOptions: {
      auto* p = op.builtin_options_as_Pool2DOptions();
      o.update({{"padding", fb::EnumNamePadding(p->padding())}, {"stride_h", p->stride_h()}, {"stride_w", p->stride_w()},
                {"filter_h", p->filter_height()}, {"filter_w", p->filter_width()}});
      break;
    }
    case BO::FullyConnectedOptions: {
      auto* p = op.builtin_options_as_FullyConnectedOptions();
      o.update({{"keep_num_dims", p->keep_num_dims()},
                {"activation", fb::EnumNameActivationFunctionType(p->fused_activation_function())}});
      break;
    }
    case BO::BatchMatMulOptions: {
      auto* p = op.builtin_options_as_BatchMatMulOptions();
      o.update({{"adj_x", p->adj_x()}, {"adj_y", p->adj_y()}});
      break;
    }
    case BO::SoftmaxOptions: o["beta"] = op.builtin_options_as_SoftmaxOptions()->beta(); break;
    case BO::LeakyReluOptions: o["alpha"] = op.builtin_options_as_LeakyReluOptions()->alpha(); break;
    case BO::ConcatenationOptions: o["axis"] = op.builtin_options_as_ConcatenationOptions()->axis(); break;
    case BO::PackOptions: {
      auto* p = op.builtin_options_as_PackOptions();
      o.update({{"values_count", p->values_count()}, {"axis", p->axis()}});
      break;
    }
    case BO::UnpackOptions: {
      auto* p = op.builtin_options_as_UnpackOptions();
      o.update({{"num", p->num()}, {"axis", p->axis()}});
      break;
    }
    case BO::ReducerOptions: o["keep_dims"] = op.builtin_options_as_ReducerOptions()->keep_dims(); break;
    case BO::SqueezeOptions: o["squeeze_dims"] = IntVector(op.builtin_options_as_SqueezeOptions()->squeeze_dims()); break;
    case BO::StridedSliceOptions: {
      auto* p = op.builtin_options_as_StridedSliceOptions();
      o.update({{"begin_mask", p->begin_mask()}, {"end_mask", p->end_mask()}, {"ellipsis_mask", p->ellipsis_mask()},
                {"new_axis_mask", p->new_axis_mask()}, {"shrink_axis_mask", p->shrink_axis_mask()}});
      break;
    }
    case BO::GatherOptions: {
      auto* p = op.builtin_options_as_GatherOptions();
      o.update({{"axis", p->axis()}, {"batch_dims", p->batch_dims()}});
      break;
    }
    case BO::ShapeOptions: o["out_type"] = TensorTypeName(op.builtin_options_as_ShapeOptions()->out_type()); break;
    case BO::ArgMaxOptions: o["output_type"] = TensorTypeName(op.builtin_options_as_ArgMaxOptions()->output_type()); break;
    case BO::ArgMinOptions: o["output_type"] = TensorTypeName(op.builtin_options_as_ArgMinOptions()->output_type()); break;
    case BO::CastOptions: {
      auto* p = op.builtin_options_as_CastOptions();
      o.update({{"in", TensorTypeName(p->in_data_type())}, {"out", TensorTypeName(p->out_data_type())}});
      break;
    }
    case BO::IfOptions: {
      auto* p = op.builtin_options_as_IfOptions();
      o.update({{"then_subgraph", p->then_subgraph_index()}, {"else_subgraph", p->else_subgraph_index()}});
      break;
    }
    case BO::WhileOptions: {
      auto* p = op.builtin_options_as_WhileOptions();
      o.update({{"cond_subgraph", p->cond_subgraph_index()}, {"body_subgraph", p->body_subgraph_index()}});
      break;
    }
    default: break;
  }
  return o;
}

json TensorJson(const Model& model, const fb::Tensor& t, int index) {
  json j = {{"index", index},
            {"name", t.name() != nullptr ? t.name()->str() : std::string()},
            {"type", TensorTypeName(t.type())},
            {"shape", IntVector(t.shape())}};
  if (t.shape_signature() != nullptr) j["shape_signature"] = IntVector(t.shape_signature());
  if (!t.has_rank() && (t.shape() == nullptr || t.shape()->size() == 0)) j["rank_known"] = false;
  if (std::optional<std::string_view> data = model.ConstantData(t); data.has_value()) {
    j["constant"] = ConstantJson(t, *data);
  }
  return j;
}

absl::StatusOr<json> OperatorJson(const Model& model, int s, int i) {
  const fb::Operator& op = *model.subgraph(s).operators()->Get(i);
  json j = {{"index", i}, {"op", model.OpName(op)}, {"inputs", IntVector(op.inputs())}, {"outputs", IntVector(op.outputs())}};
  const std::string_view custom = model.CustomCode(op);
  if (custom.empty()) {
    j["kind"] = "builtin";
    j["version"] = model.OpVersion(op);
    json options = OptionsJson(op);
    if (!options.empty()) j["options"] = options;
    return j;
  }
  const std::string_view tf_op = FlexOpFromCustomCode(custom);
  j["kind"] = tf_op.empty() ? "custom" : "flex";
  const std::string_view payload = model.CustomOptions(op);
  if (tf_op.empty() || payload.empty()) {
    j["custom_options_bytes"] = payload.size();
    return j;
  }
  auto decoded = DecodeFlexPayload(payload);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(model.DescribeOperator(s, i), ": ", decoded.status().message()));
  }
  tensorflow::NodeDef node_def;
  if (!node_def.ParseFromString(decoded->node_def)) {
    return absl::InvalidArgumentError(absl::StrCat(model.DescribeOperator(s, i), ": the Flex NodeDef does not parse"));
  }
  j["flex"] = {{"op", decoded->op}, {"payload_bytes", payload.size()}, {"node_def", tf::ProtoToJson(node_def)}};
  return j;
}

}  // namespace

absl::StatusOr<std::string> InspectToJson(std::string_view bytes) {
  TB_ASSIGN_OR_RETURN(Model model, Model::Parse(std::string(bytes)));
  TB_ASSIGN_OR_RETURN(OpInventory inventory, TakeOpInventory(model));
  const fb::Model& root = model.root();
  json out;
  out["bytes"] = bytes.size();
  out["schema_version"] = root.version();
  if (root.description() != nullptr) out["description"] = root.description()->str();
  out["min_runtime_version"] = inventory.declared_min_runtime.value_or("");
  out["implied_min_runtime_version"] = inventory.implied_min_runtime;
  out["num_buffers"] = root.buffers()->size();

  json codes = json::array();
  if (root.operator_codes() != nullptr) {
    for (const fb::OperatorCode* c : *root.operator_codes()) {
      json code = {{"deprecated_builtin_code", c->deprecated_builtin_code()},
                   {"builtin_code", static_cast<int32_t>(c->builtin_code())},
                   {"version", c->version()}};
      const int32_t effective = std::max<int32_t>(static_cast<int32_t>(c->builtin_code()), c->deprecated_builtin_code());
      code["op"] = c->custom_code() != nullptr ? c->custom_code()->str() : BuiltinName(effective);
      codes.push_back(code);
    }
  }
  out["operator_codes"] = codes;

  json subgraphs = json::array();
  for (int s = 0; s < model.num_subgraphs(); ++s) {
    const fb::SubGraph& sg = model.subgraph(s);
    json j = {{"index", s}, {"name", model.SubgraphName(s)}};
    json tensors = json::array();
    for (uint32_t t = 0; t < sg.tensors()->size(); ++t) {
      tensors.push_back(TensorJson(model, *sg.tensors()->Get(t), static_cast<int>(t)));
    }
    auto io = [&](const flatbuffers::Vector<int32_t>* v) {
      json list = json::array();
      if (v == nullptr) return list;
      for (int32_t t : *v) list.push_back(tensors[static_cast<size_t>(t)]);
      return list;
    };
    j["inputs"] = io(sg.inputs());
    j["outputs"] = io(sg.outputs());
    json ops = json::array();
    for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
      TB_ASSIGN_OR_RETURN(json op, OperatorJson(model, s, static_cast<int>(i)));
      ops.push_back(op);
    }
    j["num_tensors"] = tensors.size();
    j["num_operators"] = ops.size();
    j["operators"] = ops;
    j["tensors"] = tensors;
    subgraphs.push_back(j);
  }
  out["subgraphs"] = subgraphs;

  json builtins = json::array();
  for (const BuiltinUse& b : inventory.builtins) {
    builtins.push_back({{"op", b.name}, {"version", b.version}, {"count", b.count}, {"min_runtime", b.min_runtime}});
  }
  const FlexAllowlist& allowlist = FlexAllowlist::Default();
  json flex = json::array();
  for (const FlexUse& f : inventory.flex_ops) {
    json e = {{"op", f.op}, {"count", f.count}};
    if (std::optional<int64_t> v = allowlist.VersionOf(f.op); v.has_value()) {
      e["odp_module"] = *v;
    } else {
      e["odp_module"] = nullptr;
    }
    flex.push_back(e);
  }
  out["inventory"] = {{"builtins", builtins}, {"flex_ops", flex}};

  json device;
  absl::StatusOr<DeviceCompatibility> compat = CheckDeviceCompatibility(bytes);
  if (compat.ok()) {
    device = {{"runs_on_odp", true}, {"min_client_version", compat->min_client_version_string()}};
  } else {
    const AllowlistVerdict verdict = CheckFlexOps(FlexOpNames(inventory), allowlist);
    device = {{"runs_on_odp", false}, {"unsupported_flex_ops", verdict.unsupported},
              {"message", std::string(compat.status().message())}};
  }
  out["odp_device"] = device;
  return out.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace tb::tflite
