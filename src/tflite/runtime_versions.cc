#include "tflite/runtime_versions.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tflite/tflite_generated.h"

namespace tb::tflite {
namespace {

using VersionList = std::vector<std::pair<int, std::string_view>>;

// Per builtin: (opcode version, first runtime release that registers it), as TF's converter records them
// (tensorflow/lite/tools/versioning/runtime_version.cc). BROADCAST_TO has no version 1 on purpose.
const std::map<fb::BuiltinOperator, VersionList>& Table() {
  static const auto* table = new std::map<fb::BuiltinOperator, VersionList>({
      {fb::BuiltinOperator::ABS, {{1, "1.13.0"}, {2, "2.4.0"}, {3, "2.5.0"}, {4, "2.6.0"}}},
      {fb::BuiltinOperator::ADD, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.4.0"}, {4, "2.6.0"}}},
      {fb::BuiltinOperator::ADD_N, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::ARG_MAX, {{1, "1.9.0"}, {2, "1.14.0"}, {3, "2.9.0"}}},
      {fb::BuiltinOperator::ARG_MIN, {{1, "1.9.0"}, {2, "1.14.0"}, {3, "2.9.0"}}},
      {fb::BuiltinOperator::ASSIGN_VARIABLE, {{1, "2.6.0"}}},
      {fb::BuiltinOperator::ATAN2, {{1, "2.10.0"}}},
      {fb::BuiltinOperator::AVERAGE_POOL_2D, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::BATCH_MATMUL, {{1, "2.3.0"}, {2, "2.3.0"}, {3, "2.4.0"}, {4, "2.5.0"}}},
      {fb::BuiltinOperator::BATCH_TO_SPACE_ND, {{1, "1.6.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::BIDIRECTIONAL_SEQUENCE_LSTM, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "1.14.0"}}},
      {fb::BuiltinOperator::BIDIRECTIONAL_SEQUENCE_RNN, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::BROADCAST_ARGS, {{1, "2.6.0"}}},
      {fb::BuiltinOperator::BROADCAST_TO, {{2, "2.5.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::BUCKETIZE, {{1, "2.8.0"}}},
      {fb::BuiltinOperator::CALL_ONCE, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::CAST, {{1, "1.5.0"}, {2, "2.7.0"}, {3, "2.8.0"}, {4, "2.9.0"}}},
      {fb::BuiltinOperator::CEIL, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::COMPLEX_ABS, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::CONCATENATION, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::CONV_2D, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "1.14.0"}, {4, "2.3.0"}, {5, "2.4.0"}, {6, "2.9.0"}}},
      {fb::BuiltinOperator::CONV_3D, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::CONV_3D_TRANSPOSE, {{1, "2.6.0"}}},
      {fb::BuiltinOperator::COS, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::CUMSUM, {{1, "2.4.0"}}},
      {fb::BuiltinOperator::DENSIFY, {{1, "2.2.0"}}},
      {fb::BuiltinOperator::DEPTHWISE_CONV_2D, {{1, "1.5.0"}, {2, "1.12.0"}, {3, "1.14.0"}, {4, "2.2.0"}, {5, "2.3.0"}, {6, "2.3.0"}}},
      {fb::BuiltinOperator::DEPTH_TO_SPACE, {{1, "2.1.0"}, {2, "2.5.0"}}},
      {fb::BuiltinOperator::DEQUANTIZE, {{1, "1.13.1"}, {2, "1.14.0"}, {3, "1.15.0"}, {4, "2.2.0"}, {5, "2.7.0"}}},
      {fb::BuiltinOperator::DIV, {{1, "1.6.0"}, {2, "2.3.0"}}},
      {fb::BuiltinOperator::DYNAMIC_UPDATE_SLICE, {{1, "2.9.0"}}},
      {fb::BuiltinOperator::ELU, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::EMBEDDING_LOOKUP, {{1, "1.13.0"}, {2, "1.14.0"}, {3, "1.14.0"}}},
      {fb::BuiltinOperator::EMBEDDING_LOOKUP_SPARSE, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::EQUAL, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::EXP, {{1, "1.7.0"}}},
      {fb::BuiltinOperator::EXPAND_DIMS, {{1, "1.10.0"}}},
      {fb::BuiltinOperator::FAKE_QUANT, {{1, "1.5.0"}, {2, "1.10.0"}}},
      {fb::BuiltinOperator::FILL, {{1, "1.13.0"}, {2, "2.3.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::FLOOR, {{1, "1.9.0"}}},
      {fb::BuiltinOperator::FLOOR_DIV, {{1, "1.14.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::FLOOR_MOD, {{1, "1.13.0"}}},
      {fb::BuiltinOperator::FULLY_CONNECTED, {{1, "1.5.0"}, {2, "1.10.0"}, {3, "1.14.0"}, {4, "1.14.0"}, {5, "2.0.0"}, {6, "2.1.0"}, {7, "2.3.0"}, {8, "2.3.0"}, {9, "2.3.0"}}},
      {fb::BuiltinOperator::GATHER, {{1, "1.6.0"}, {2, "1.14.0"}, {3, "1.15.0"}, {4, "2.4.0"}, {5, "2.5.0"}}},
      {fb::BuiltinOperator::GATHER_ND, {{1, "1.14.0"}, {2, "2.3.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::GELU, {{1, "2.9.0"}, {2, "2.9.0"}}},
      {fb::BuiltinOperator::GREATER, {{1, "1.14.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::GREATER_EQUAL, {{1, "1.14.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::HARD_SWISH, {{1, "1.15.0"}}},
      {fb::BuiltinOperator::HASHTABLE, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::HASHTABLE_FIND, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::HASHTABLE_IMPORT, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::HASHTABLE_LOOKUP, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::HASHTABLE_SIZE, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::IF, {{1, "1.15.0"}}},
      {fb::BuiltinOperator::IMAG, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::L2_NORMALIZATION, {{1, "1.5.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::L2_POOL_2D, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::LEAKY_RELU, {{1, "1.13.1"}, {2, "2.3.0"}}},
      {fb::BuiltinOperator::LESS, {{1, "1.14.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::LESS_EQUAL, {{1, "1.14.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::LOCAL_RESPONSE_NORMALIZATION, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::LOG, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::LOGICAL_AND, {{1, "1.11.0"}}},
      {fb::BuiltinOperator::LOGICAL_NOT, {{1, "1.11.0"}}},
      {fb::BuiltinOperator::LOGICAL_OR, {{1, "1.11.0"}}},
      {fb::BuiltinOperator::LOGISTIC, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::LOG_SOFTMAX, {{1, "1.14.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::LSH_PROJECTION, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::LSTM, {{1, "1.7.0"}, {2, "1.10.0"}, {3, "1.14.0"}, {4, "2.3.0"}}},
      {fb::BuiltinOperator::MATRIX_DIAG, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::MATRIX_SET_DIAG, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::MAXIMUM, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}, {4, "2.3.0"}}},
      {fb::BuiltinOperator::MAX_POOL_2D, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::MEAN, {{1, "1.6.0"}, {2, "1.14.0"}, {3, "2.4.0"}}},
      {fb::BuiltinOperator::MINIMUM, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}, {4, "2.3.0"}}},
      {fb::BuiltinOperator::MIRROR_PAD, {{1, "1.13.1"}, {2, "2.3.0"}}},
      {fb::BuiltinOperator::MUL, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "1.15.0"}, {4, "2.3.0"}, {5, "2.6.0"}}},
      {fb::BuiltinOperator::MULTINOMIAL, {{1, "2.8.0"}}},
      {fb::BuiltinOperator::NEG, {{1, "1.9.0"}}},
      {fb::BuiltinOperator::NON_MAX_SUPPRESSION_V4, {{1, "2.1.0"}}},
      {fb::BuiltinOperator::NON_MAX_SUPPRESSION_V5, {{1, "2.1.0"}}},
      {fb::BuiltinOperator::NOT_EQUAL, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::ONE_HOT, {{1, "1.11.0"}}},
      {fb::BuiltinOperator::PACK, {{1, "1.11.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::PAD, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.4.0"}, {4, "2.6.0"}}},
      {fb::BuiltinOperator::PADV2, {{1, "1.9.0"}, {2, "1.14.0"}, {3, "2.4.0"}, {4, "2.6.0"}}},
      {fb::BuiltinOperator::POW, {{1, "1.10.0"}}},
      {fb::BuiltinOperator::PRELU, {{1, "1.8.0"}}},
      {fb::BuiltinOperator::QUANTIZE, {{1, "1.14.0"}, {2, "1.15.0"}, {3, "2.7.0"}}},
      {fb::BuiltinOperator::RANDOM_STANDARD_NORMAL, {{1, "2.8.0"}}},
      {fb::BuiltinOperator::RANDOM_UNIFORM, {{1, "2.8.0"}}},
      {fb::BuiltinOperator::RANGE, {{1, "1.13.0"}}},
      {fb::BuiltinOperator::RANK, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::READ_VARIABLE, {{1, "2.6.0"}}},
      {fb::BuiltinOperator::REAL, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::REDUCE_ALL, {{1, "2.6.0"}}},
      {fb::BuiltinOperator::REDUCE_ANY, {{1, "1.11.0"}}},
      {fb::BuiltinOperator::REDUCE_MAX, {{1, "1.11.0"}, {2, "1.14.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::REDUCE_MIN, {{1, "1.11.0"}, {2, "1.14.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::REDUCE_PROD, {{1, "1.11.0"}, {2, "2.6.0"}}},
      {fb::BuiltinOperator::RELU, {{1, "1.5.0"}, {2, "2.1.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::RELU6, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::RELU_0_TO_1, {{1, "2.10.0"}}},
      {fb::BuiltinOperator::RELU_N1_TO_1, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::RESHAPE, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::RESIZE_BILINEAR, {{1, "1.7.0"}, {2, "1.14.0"}, {3, "2.2.0"}, {4, "2.5.0"}}},
      {fb::BuiltinOperator::RESIZE_NEAREST_NEIGHBOR, {{1, "1.13.1"}, {2, "1.14.0"}, {3, "2.3.0"}, {4, "2.4.0"}}},
      {fb::BuiltinOperator::REVERSE_SEQUENCE, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::REVERSE_V2, {{1, "1.14.0"}, {2, "2.2.0"}, {3, "2.5.0"}}},
      {fb::BuiltinOperator::RFFT2D, {{1, "2.5.0"}}},
      {fb::BuiltinOperator::RNN, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::ROUND, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::RSQRT, {{1, "1.10.0"}, {2, "2.5.0"}}},
      {fb::BuiltinOperator::SCATTER_ND, {{1, "2.1.0"}}},
      {fb::BuiltinOperator::SEGMENT_SUM, {{1, "2.2.0"}}},
      {fb::BuiltinOperator::SELECT, {{1, "1.14.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::SELECT_V2, {{1, "2.2.0"}}},
      {fb::BuiltinOperator::SHAPE, {{1, "1.10.0"}}},
      {fb::BuiltinOperator::SIN, {{1, "1.9.0"}}},
      {fb::BuiltinOperator::SKIP_GRAM, {{1, "1.5.0"}}},
      {fb::BuiltinOperator::SLICE, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "1.14.0"}, {4, "2.4.0"}, {5, "2.5.0"}}},
      {fb::BuiltinOperator::SOFTMAX, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::SPACE_TO_BATCH_ND, {{1, "1.6.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::SPACE_TO_DEPTH, {{1, "1.5.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::SPARSE_TO_DENSE, {{1, "1.9.0"}, {2, "1.14.0"}, {3, "1.15.0"}}},
      {fb::BuiltinOperator::SPLIT, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "1.14.0"}, {4, "2.3.0"}}},
      {fb::BuiltinOperator::SPLIT_V, {{1, "1.13.1"}, {2, "2.3.0"}}},
      {fb::BuiltinOperator::SQRT, {{1, "1.10.0"}}},
      {fb::BuiltinOperator::SQUARE, {{1, "1.12.0"}}},
      {fb::BuiltinOperator::SQUARED_DIFFERENCE, {{1, "1.13.1"}, {2, "2.5.0"}}},
      {fb::BuiltinOperator::SQUEEZE, {{1, "1.6.0"}, {2, "2.5.0"}}},
      {fb::BuiltinOperator::STRIDED_SLICE, {{1, "1.6.0"}, {2, "1.14.0"}, {3, "2.1.0"}, {4, "2.2.0"}, {5, "2.5.0"}, {6, "2.6.0"}}},
      {fb::BuiltinOperator::SUB, {{1, "1.6.0"}, {2, "1.14.0"}, {3, "2.3.0"}, {4, "2.4.0"}, {5, "2.4.0"}}},
      {fb::BuiltinOperator::SUM, {{1, "1.10.0"}, {2, "1.15.0"}}},
      {fb::BuiltinOperator::SVDF, {{1, "1.5.0"}, {2, "1.14.0"}, {3, "2.2.0"}, {4, "2.3.0"}}},
      {fb::BuiltinOperator::TANH, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::TILE, {{1, "1.10.1"}, {2, "2.2.0"}, {3, "2.8.0"}}},
      {fb::BuiltinOperator::TOPK_V2, {{1, "1.7.0"}, {2, "1.14.0"}}},
      {fb::BuiltinOperator::TRANSPOSE, {{1, "1.6.0"}, {2, "1.14.0"}, {3, "1.15.0"}, {4, "2.3.0"}, {5, "2.4.0"}}},
      {fb::BuiltinOperator::TRANSPOSE_CONV, {{1, "1.9.0"}, {2, "2.2.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM, {{1, "1.13.1"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_RNN, {{1, "1.14.0"}, {2, "1.14.0"}, {3, "2.3.0"}}},
      {fb::BuiltinOperator::UNIQUE, {{1, "1.14.0"}}},
      {fb::BuiltinOperator::UNPACK, {{1, "1.11.0"}, {2, "1.14.0"}, {3, "2.2.0"}, {4, "2.3.0"}}},
      {fb::BuiltinOperator::UNSORTED_SEGMENT_MAX, {{1, "2.10.0"}}},
      {fb::BuiltinOperator::UNSORTED_SEGMENT_MIN, {{1, "2.11.0"}}},
      {fb::BuiltinOperator::UNSORTED_SEGMENT_PROD, {{1, "2.10.0"}}},
      {fb::BuiltinOperator::UNSORTED_SEGMENT_SUM, {{1, "2.10.0"}}},
      {fb::BuiltinOperator::VAR_HANDLE, {{1, "2.6.0"}}},
      {fb::BuiltinOperator::WHERE, {{1, "1.14.0"}, {2, "2.8.0"}}},
      {fb::BuiltinOperator::WHILE, {{1, "1.15.0"}}},
      {fb::BuiltinOperator::ZEROS_LIKE, {{1, "1.12.0"}}},
  });
  return *table;
}

}  // namespace

std::string_view MinRuntimeVersionForOp(int32_t builtin_code, int version) {
  auto it = Table().find(static_cast<fb::BuiltinOperator>(builtin_code));
  if (it == Table().end()) return {};
  for (const auto& [v, runtime] : it->second) {
    if (v == version) return runtime;
  }
  return {};
}

int CompareRuntimeVersions(std::string_view a, std::string_view b) {
  std::vector<absl::string_view> pa = absl::StrSplit(absl::string_view(a.data(), a.size()), '.');
  std::vector<absl::string_view> pb = absl::StrSplit(absl::string_view(b.data(), b.size()), '.');
  if (a.empty()) pa.clear();
  if (b.empty()) pb.clear();
  size_t n = std::min(pa.size(), pb.size());
  for (size_t i = 0; i < n; ++i) {
    int va = 0, vb = 0;
    if (!absl::SimpleAtoi(pa[i], &va)) va = 0;
    if (!absl::SimpleAtoi(pb[i], &vb)) vb = 0;
    if (va != vb) return va < vb ? -1 : 1;
  }
  if (pa.size() == pb.size()) return 0;
  return pa.size() < pb.size() ? -1 : 1;
}

}  // namespace tb::tflite
