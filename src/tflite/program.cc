#include "tflite/program.h"

#include <vector>

namespace tb::tflite {

std::optional<fb::TensorType> TensorTypeFromDType(tf::DType dtype) {
  switch (dtype) {
    case tf::DType::kFloat: return fb::TensorType::FLOAT32;
    case tf::DType::kDouble: return fb::TensorType::FLOAT64;
    case tf::DType::kInt32: return fb::TensorType::INT32;
    case tf::DType::kUInt8: return fb::TensorType::UINT8;
    case tf::DType::kInt16: return fb::TensorType::INT16;
    case tf::DType::kInt8: return fb::TensorType::INT8;
    case tf::DType::kString: return fb::TensorType::STRING;
    case tf::DType::kInt64: return fb::TensorType::INT64;
    case tf::DType::kBool: return fb::TensorType::BOOL;
    case tf::DType::kUInt16: return fb::TensorType::UINT16;
    case tf::DType::kHalf: return fb::TensorType::FLOAT16;
    case tf::DType::kResource: return fb::TensorType::RESOURCE;
    case tf::DType::kVariant: return fb::TensorType::VARIANT;
    case tf::DType::kUInt32: return fb::TensorType::UINT32;
    case tf::DType::kUInt64: return fb::TensorType::UINT64;
    default: return std::nullopt;
  }
}

int PruneUnused(SubgraphDef& sg) {
  const int num_tensors = static_cast<int>(sg.tensors.size());
  std::vector<bool> needed(num_tensors, false);
  for (int32_t t : sg.outputs) {
    if (t >= 0 && t < num_tensors) needed[t] = true;
  }
  // Operators are in execution order, so one backward pass sees every reader before its producer.
  std::vector<bool> keep(sg.operators.size(), false);
  int removed = 0;
  for (int i = static_cast<int>(sg.operators.size()) - 1; i >= 0; --i) {
    const OperatorDef& op = sg.operators[i];
    bool used = op.has_side_effects;
    for (int32_t t : op.outputs) used = used || (t >= 0 && needed[t]);
    if (!used) {
      ++removed;
      continue;
    }
    keep[i] = true;
    for (int32_t t : op.inputs) {
      if (t >= 0) needed[t] = true;
    }
  }
  std::vector<OperatorDef> ops;
  ops.reserve(sg.operators.size() - removed);
  for (size_t i = 0; i < sg.operators.size(); ++i) {
    if (keep[i]) ops.push_back(std::move(sg.operators[i]));
  }
  sg.operators = std::move(ops);

  // Tensors: keep inputs, outputs and every operand of a kept operator.
  std::vector<bool> referenced(num_tensors, false);
  auto mark = [&](const std::vector<int32_t>& v) {
    for (int32_t t : v) {
      if (t >= 0 && t < num_tensors) referenced[t] = true;
    }
  };
  mark(sg.inputs);
  mark(sg.outputs);
  for (const OperatorDef& op : sg.operators) {
    mark(op.inputs);
    mark(op.outputs);
  }
  std::vector<int32_t> remap(num_tensors, -1);
  std::vector<TensorDef> tensors;
  for (int t = 0; t < num_tensors; ++t) {
    if (!referenced[t]) continue;
    remap[t] = static_cast<int32_t>(tensors.size());
    tensors.push_back(std::move(sg.tensors[t]));
  }
  sg.tensors = std::move(tensors);
  auto apply = [&](std::vector<int32_t>& v) {
    for (int32_t& t : v) {
      if (t >= 0) t = remap[t];
    }
  };
  apply(sg.inputs);
  apply(sg.outputs);
  for (OperatorDef& op : sg.operators) {
    apply(op.inputs);
    apply(op.outputs);
  }
  return removed;
}

}  // namespace tb::tflite
