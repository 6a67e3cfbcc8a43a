#include "tflite/op_versions.h"

#include <algorithm>
#include <vector>

namespace tb::tflite {
namespace {

using Op = fb::BuiltinOperator;
using tf::DType;

// What the versioner reads from the flatbuffer: the written `shape` vectors (unknown dims as 1, unranked as []).
struct Operand {
  bool present = false;
  DType dtype = DType::kInvalid;
  std::vector<int64_t> dims;
  int rank() const { return static_cast<int>(dims.size()); }
};

Operand Read(const SubgraphDef& sg, int32_t index) {
  Operand o;
  if (index < 0 || index >= static_cast<int32_t>(sg.tensors.size())) return o;
  const TensorDef& t = sg.tensors[index];
  o.present = true;
  o.dtype = t.dtype;
  if (t.shape.rank_known()) {
    for (int64_t d : t.shape.dims()) o.dims.push_back(d < 0 ? 1 : d);
  }
  return o;
}

// Two-operand element-wise ops: "need_broadcast" and "num_dims" as op_signature.cc computes them.
bool BroadcastsAboveRank4(const Operand& a, const Operand& b) {
  return a.dims != b.dims && std::max(a.rank(), b.rank()) > 4;
}

}  // namespace

int BuiltinOpVersion(const SubgraphDef& sg, const OperatorDef& op) {
  std::vector<Operand> in;
  for (int32_t t : op.inputs) in.push_back(Read(sg, t));
  std::vector<Operand> out;
  for (int32_t t : op.outputs) out.push_back(Read(sg, t));
  const Operand none;
  const Operand& a = in.empty() ? none : in[0];
  const Operand& b = in.size() > 1 ? in[1] : none;
  auto max_rank = [&]() {
    int r = 0;
    for (const Operand& o : in) r = std::max(r, o.rank());
    return r;
  };
  int v = 1;
  auto at_least = [&](bool cond, int version) {
    if (cond) v = std::max(v, version);
  };
  switch (op.code) {
    case Op::ADD:
      at_least(a.dtype == DType::kInt64, 4);
      at_least(a.dtype == DType::kInt16, 5);
      break;
    case Op::SUB:
      at_least(BroadcastsAboveRank4(a, b), 3);
      at_least(a.dtype == DType::kInt64, 4);
      break;
    case Op::MUL:
      at_least(a.dtype == DType::kInt16, 4);
      at_least(a.dtype == DType::kInt64, 5);
      break;
    case Op::DIV:
      at_least(BroadcastsAboveRank4(a, b), 2);
      break;
    case Op::MAXIMUM:
    case Op::MINIMUM:
      at_least(BroadcastsAboveRank4(a, b), 3);
      at_least(a.dtype == DType::kInt16, 4);
      break;
    case Op::FULLY_CONNECTED:
      at_least(op.flags.fully_connected_keep_num_dims, 5);
      at_least(op.inputs.size() == 2, 6);
      break;
    case Op::CONV_2D:
      // Grouped convolution: input channels differ from the filter's input channels.
      at_least(a.rank() == 4 && b.rank() == 4 && a.dims[3] != b.dims[3], 6);
      break;
    case Op::DEPTHWISE_CONV_2D:
      at_least(op.flags.depthwise_dilated, 2);
      break;
    case Op::TRANSPOSE_CONV:
      at_least(in.size() > 3 && in[3].present, 3);
      break;
    case Op::TRANSPOSE:
      at_least(a.dtype == DType::kBool, 3);
      at_least(a.rank() > 4, 4);
      at_least(a.dtype == DType::kInt16, 5);
      at_least(a.rank() > 5, 6);
      break;
    case Op::STRIDED_SLICE:
      at_least(a.dtype == DType::kBool, 3);
      at_least(a.rank() > 4, 4);
      at_least(a.dtype == DType::kString, 5);
      at_least(op.flags.strided_slice_ellipsis_or_new_axis, 6);
      at_least(a.dtype == DType::kUInt32, 7);
      break;
    case Op::SLICE:
      at_least(a.dtype == DType::kString, 3);
      at_least(a.dtype == DType::kInt16, 4);
      at_least(a.rank() > 4, 5);
      at_least(a.dtype == DType::kUInt32, 6);
      break;
    case Op::GATHER:
      at_least(a.dtype == DType::kBool, 3);
      at_least(a.dtype == DType::kInt16, 4);
      at_least(op.flags.gather_batch_dims, 5);
      at_least(b.dtype == DType::kInt16, 6);
      break;
    case Op::CONCATENATION:
    case Op::PACK:
      at_least(a.dtype == DType::kInt16, 3);
      at_least(a.dtype == DType::kUInt32, 4);
      break;
    case Op::UNPACK:
      at_least(a.dtype == DType::kBool, 3);
      at_least(a.dtype == DType::kInt16, 4);
      break;
    case Op::CAST: {
      const DType to = out.empty() ? DType::kInvalid : out[0].dtype;
      auto any = [&](DType t) { return a.dtype == t || to == t; };
      at_least(any(DType::kUInt32), 2);
      at_least(any(DType::kInt8), 3);
      at_least(any(DType::kUInt16), 4);
      at_least(any(DType::kHalf) || any(DType::kDouble), 5);
      break;
    }
    case Op::FILL:
      at_least(b.dtype == DType::kBool || b.dtype == DType::kString, 2);
      at_least(b.dtype == DType::kInt8 || b.dtype == DType::kInt16, 3);
      at_least(b.dtype == DType::kHalf, 4);
      break;
    case Op::RANGE:
      at_least(a.dtype == DType::kInt64, 2);
      break;
    case Op::SELECT:
      at_least(max_rank() == 5, 3);
      at_least(in.size() > 1 && in[1].dtype == DType::kUInt32, 4);
      break;
    case Op::SELECT_V2:
      at_least(in.size() > 1 && in[1].dtype == DType::kUInt32, 2);
      break;
    case Op::EQUAL:
      at_least(a.dtype == DType::kString, 3);
      at_least(a.dtype == DType::kInt16, 4);
      break;
    case Op::NOT_EQUAL:
      at_least(a.dtype == DType::kString, 3);
      break;
    case Op::GREATER_EQUAL:
    case Op::LESS:
      at_least(a.dtype == DType::kInt16, 3);
      break;
    case Op::ARG_MAX:
    case Op::ARG_MIN:
      at_least(a.dtype == DType::kBool, 3);
      break;
    case Op::TILE:
      at_least(a.dtype == DType::kString, 2);
      break;
    case Op::SQUEEZE:
      at_least(a.dtype == DType::kString, 2);
      break;
    case Op::BROADCAST_TO:
      v = 2;  // version 1 was never registered by any runtime
      at_least(a.dtype == DType::kInt8 || a.dtype == DType::kInt16, 3);
      break;
    case Op::WHERE:
      at_least(a.dtype != DType::kBool, 2);
      break;
    case Op::PAD:
    case Op::PADV2:
      at_least(a.dtype == DType::kInt16, 3);
      at_least(a.rank() > 4, 4);
      break;
    case Op::MEAN:
    case Op::REDUCE_MAX:
    case Op::REDUCE_MIN:
    case Op::SOFTMAX:
    case Op::RELU6:
    case Op::LOGISTIC:
    case Op::TANH:
    case Op::RELU:
      at_least(a.dtype == DType::kInt16, 3);
      break;
    case Op::ABS:
      at_least(a.dtype == DType::kInt16, 3);
      at_least(a.dtype == DType::kInt32, 4);
      break;
    default:
      break;
  }
  return v;
}

}  // namespace tb::tflite
