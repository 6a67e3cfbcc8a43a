#include "tf/op_defs.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/logging.h"
#include "base/status_macros.h"

namespace tb::tf {
namespace {

// One op in a compact, REGISTER_OP-like notation:
//   args:  "name: T" (type attr), "name: float" (fixed type), "name: N*T" (number attr), "name: Tin" (type list)
//   attrs: "name: kind [{allowed, ...}] [>= min] [= default]", kinds as in AttrDef.type; "$F4" etc. expand to
//          TF's type sets; a shape default of "?" is unknown rank.
struct OpSpec {
  const char* name;
  const char* inputs;
  const char* outputs;
  const char* attrs;
  bool stateful = false;
};

constexpr const char* kBinaryT = "T: type {bfloat16, half, float, double, uint8, int8, uint16, int16, int32, int64, complex64, complex128}";
constexpr const char* kMinMaxT = "T: type {bfloat16, half, float, double, int16, int32, int64}";
constexpr const char* kConvAttrs =
    "T: type {half, bfloat16, float, double, int32}; strides: list(int); use_cudnn_on_gpu: bool = true; "
    "padding: string {SAME, VALID, EXPLICIT}; explicit_paddings: list(int) = []; "
    "data_format: string {NHWC, NCHW} = NHWC; dilations: list(int) = [1, 1, 1, 1]";
constexpr const char* kConvGradFilterAttrs =
    "T: type {$F4}; strides: list(int); use_cudnn_on_gpu: bool = true; padding: string {SAME, VALID, EXPLICIT}; "
    "explicit_paddings: list(int) = []; data_format: string {NHWC, NCHW} = NHWC; dilations: list(int) = [1, 1, 1, 1]";
constexpr const char* kDepthwiseAttrs =
    "T: type {$F4}; strides: list(int); padding: string {SAME, VALID, EXPLICIT}; explicit_paddings: list(int) = []; "
    "data_format: string {NHWC, NCHW} = NHWC; dilations: list(int) = [1, 1, 1, 1]";
constexpr const char* kReduceAttrs = "keep_dims: bool = false; T: type {$num}; Tidx: type {int32, int64} = int32";
constexpr const char* kMaxMinReduceAttrs =
    "keep_dims: bool = false; T: type {float, double, int32, uint8, int16, int8, int64, qint8, quint8, qint32, "
    "bfloat16, uint16, half, uint32, uint64}; Tidx: type {int32, int64} = int32";
constexpr const char* kElemAttrs = "output_types: list(type) >= 1; output_shapes: list(shape) >= 1";
constexpr const char* kCallAttrs =
    "Tin: list(type) >= 0; Tout: list(type) >= 0; f: func; config: string = \"\"; config_proto: string = \"\"; "
    "executor_type: string = \"\"";
constexpr const char* kIfAttrs =
    "Tcond: type; Tin: list(type) >= 0; Tout: list(type) >= 0; then_branch: func; else_branch: func; "
    "output_shapes: list(shape) = []";
constexpr const char* kWhileAttrs =
    "T: list(type) >= 0; cond: func; body: func; output_shapes: list(shape) = []; parallel_iterations: int = 10";
constexpr const char* kCompareT = "T: type {$real}";
constexpr const char* kEqualAttrs =
    "T: type {bfloat16, half, float, double, uint8, int8, int16, int32, int64, complex64, quint8, qint8, qint32, "
    "string, bool, complex128}; incompatible_shape_error: bool = true";

const OpSpec kOps[] = {
    // Element-wise binary.
    {"AddV2", "x: T; y: T", "z: T", kBinaryT},
    {"Add", "x: T; y: T", "z: T", "T: type {bfloat16, half, float, double, uint8, int8, int16, int32, int64, complex64, complex128, string}"},
    {"Sub", "x: T; y: T", "z: T", kBinaryT},
    {"Mul", "x: T; y: T", "z: T", kBinaryT},
    {"RealDiv", "x: T; y: T", "z: T", kBinaryT},
    {"Div", "x: T; y: T", "z: T", kBinaryT},
    {"DivNoNan", "x: T; y: T", "z: T", "T: type {half, float, bfloat16, double, complex64, complex128}"},
    {"FloorDiv", "x: T; y: T", "z: T", kBinaryT},
    {"FloorMod", "x: T; y: T", "z: T", "T: type {int8, int16, int32, int64, uint8, uint16, uint32, uint64, bfloat16, half, float, double}"},
    {"Pow", "x: T; y: T", "z: T", "T: type {bfloat16, float, half, double, int8, int16, int32, int64, complex64, complex128}"},
    {"SquaredDifference", "x: T; y: T", "z: T", "T: type {bfloat16, half, float, double, int32, int64, complex64, complex128}"},
    {"Maximum", "x: T; y: T", "z: T", kMinMaxT},
    {"Minimum", "x: T; y: T", "z: T", kMinMaxT},
    {"AddN", "inputs: N*T", "sum: T", "N: int >= 1; T: type {$num, variant}"},
    // Element-wise unary and their gradients.
    {"Neg", "x: T", "y: T", "T: type {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}"},
    {"Abs", "x: T", "y: T", "T: type {bfloat16, half, float, double, int8, int16, int32, int64}"},
    {"Sign", "x: T", "y: T", "T: type {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}"},
    {"Square", "x: T", "y: T", "T: type {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}"},
    {"Reciprocal", "x: T", "y: T", "T: type {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}"},
    {"Sqrt", "x: T", "y: T", "T: type {$FC}"},
    {"Rsqrt", "x: T", "y: T", "T: type {$FC}"},
    {"Exp", "x: T", "y: T", "T: type {$FC}"},
    {"Log", "x: T", "y: T", "T: type {$FC}"},
    {"Log1p", "x: T", "y: T", "T: type {$FC}"},
    {"Sigmoid", "x: T", "y: T", "T: type {$FC}"},
    {"Tanh", "x: T", "y: T", "T: type {$FC}"},
    {"Floor", "x: T", "y: T", "T: type {$F4}"},
    {"Ceil", "x: T", "y: T", "T: type {$F4}"},
    {"Round", "x: T", "y: T", "T: type {bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128}"},
    {"SigmoidGrad", "y: T; dy: T", "z: T", "T: type {$FC}"},
    {"TanhGrad", "y: T; dy: T", "z: T", "T: type {$FC}"},
    {"SqrtGrad", "y: T; dy: T", "z: T", "T: type {$FC}"},
    {"RsqrtGrad", "y: T; dy: T", "z: T", "T: type {$FC}"},
    {"ReciprocalGrad", "y: T; dy: T", "z: T", "T: type {$FC}"},
    {"IsFinite", "x: T", "y: bool", "T: type {$F4}"},
    {"IsNan", "x: T", "y: bool", "T: type {$F4}"},
    // Activations.
    {"Relu", "features: T", "activations: T", "T: type {$real, qint8}"},
    {"ReluGrad", "gradients: T; features: T", "backprops: T", "T: type {$real}"},
    {"Relu6", "features: T", "activations: T", "T: type {$real}"},
    {"Relu6Grad", "gradients: T; features: T", "backprops: T", "T: type {$real}"},
    {"Elu", "features: T", "activations: T", "T: type {$F4}"},
    {"EluGrad", "gradients: T; outputs: T", "backprops: T", "T: type {$F4}"},
    {"Selu", "features: T", "activations: T", "T: type {$F4}"},
    {"SeluGrad", "gradients: T; outputs: T", "backprops: T", "T: type {$F4}"},
    {"LeakyRelu", "features: T", "activations: T", "alpha: float = 0.2; T: type {half, bfloat16, float, double} = float"},
    {"LeakyReluGrad", "gradients: T; features: T", "backprops: T", "alpha: float = 0.2; T: type {half, bfloat16, float, double} = float"},
    {"Softplus", "features: T", "activations: T", "T: type {$F4}"},
    {"SoftplusGrad", "gradients: T; features: T", "backprops: T", "T: type {$F4}"},
    {"Softmax", "logits: T", "softmax: T", "T: type {$F4}"},
    {"LogSoftmax", "logits: T", "logsoftmax: T", "T: type {$F4}"},
    // Matrix products and bias.
    {"MatMul", "a: T; b: T", "product: T",
     "transpose_a: bool = false; transpose_b: bool = false; T: type {bfloat16, half, float, double, int32, int64, complex64, complex128}"},
    {"BatchMatMulV2", "x: T; y: T", "output: T",
     "T: type {bfloat16, half, float, double, int16, int32, int64, complex64, complex128}; adj_x: bool = false; adj_y: bool = false"},
    {"BiasAdd", "value: T; bias: T", "output: T", "T: type {$num}; data_format: string {NHWC, NCHW} = NHWC"},
    {"BiasAddGrad", "out_backprop: T", "output: T", "T: type {$num}; data_format: string {NHWC, NCHW} = NHWC"},
    {"Einsum", "inputs: N*T", "output: T", "equation: string; N: int >= 1; T: type"},
    // Convolution and pooling.
    {"Conv2D", "input: T; filter: T", "output: T", kConvAttrs},
    {"Conv2DBackpropInput", "input_sizes: int32; filter: T; out_backprop: T", "output: T", kConvAttrs},
    {"Conv2DBackpropFilter", "input: T; filter_sizes: int32; out_backprop: T", "output: T", kConvGradFilterAttrs},
    {"DepthwiseConv2dNative", "input: T; filter: T", "output: T", kDepthwiseAttrs},
    {"DepthwiseConv2dNativeBackpropInput", "input_sizes: int32; filter: T; out_backprop: T", "output: T", kDepthwiseAttrs},
    {"DepthwiseConv2dNativeBackpropFilter", "input: T; filter_sizes: int32; out_backprop: T", "output: T", kDepthwiseAttrs},
    {"MaxPool", "input: T", "output: T",
     "T: type {half, bfloat16, float, double, int32, int64, uint8, int16, int8, uint16, qint8} = float; "
     "ksize: list(int) >= 4; strides: list(int) >= 4; padding: string {SAME, VALID, EXPLICIT}; "
     "explicit_paddings: list(int) = []; data_format: string {NHWC, NCHW, NCHW_VECT_C} = NHWC"},
    {"MaxPoolGrad", "orig_input: T; orig_output: T; grad: T", "output: T",
     "ksize: list(int) >= 4; strides: list(int) >= 4; padding: string {SAME, VALID, EXPLICIT}; "
     "explicit_paddings: list(int) = []; data_format: string {NHWC, NCHW} = NHWC; T: type {$real} = float"},
    {"AvgPool", "value: T", "output: T",
     "ksize: list(int) >= 4; strides: list(int) >= 4; padding: string {SAME, VALID}; "
     "data_format: string {NHWC, NCHW} = NHWC; T: type {$F4}"},
    {"AvgPoolGrad", "orig_input_shape: int32; grad: T", "output: T",
     "ksize: list(int) >= 4; strides: list(int) >= 4; padding: string {SAME, VALID}; "
     "data_format: string {NHWC, NCHW} = NHWC; T: type {$F4}"},
    {"FusedBatchNormV3", "x: T; scale: U; offset: U; mean: U; variance: U",
     "y: T; batch_mean: U; batch_variance: U; reserve_space_1: U; reserve_space_2: U; reserve_space_3: U",
     "T: type {half, bfloat16, float}; U: type {float}; epsilon: float = 0.0001; exponential_avg_factor: float = 1; "
     "data_format: string {NHWC, NCHW, NDHWC, NCDHW} = NHWC; is_training: bool = true"},
    // Losses.
    {"L2Loss", "t: T", "output: T", "T: type {$F4}"},
    {"SparseSoftmaxCrossEntropyWithLogits", "features: T; labels: Tlabels", "loss: T; backprop: T",
     "T: type {$F4}; Tlabels: type {int32, int64} = int64"},
    {"SoftmaxCrossEntropyWithLogits", "features: T; labels: T", "loss: T; backprop: T", "T: type {$F4}"},
    // Reductions.
    {"Sum", "input: T; reduction_indices: Tidx", "output: T", kReduceAttrs},
    {"Mean", "input: T; reduction_indices: Tidx", "output: T", kReduceAttrs},
    {"Prod", "input: T; reduction_indices: Tidx", "output: T", kReduceAttrs},
    {"Max", "input: T; reduction_indices: Tidx", "output: T", kMaxMinReduceAttrs},
    {"Min", "input: T; reduction_indices: Tidx", "output: T", kMaxMinReduceAttrs},
    {"All", "input: bool; reduction_indices: Tidx", "output: bool", "keep_dims: bool = false; Tidx: type {int32, int64} = int32"},
    {"Any", "input: bool; reduction_indices: Tidx", "output: bool", "keep_dims: bool = false; Tidx: type {int32, int64} = int32"},
    {"ArgMax", "input: T; dimension: Tidx", "output: output_type",
     "T: type {$num}; Tidx: type {int32, int64} = int32; output_type: type {int32, int64} = int64"},
    {"ArgMin", "input: T; dimension: Tidx", "output: output_type",
     "T: type {$num}; Tidx: type {int32, int64} = int32; output_type: type {int32, int64} = int64"},
    // Shapes, indexing and arrays.
    {"Reshape", "tensor: T; shape: Tshape", "output: T", "T: type; Tshape: type {int32, int64} = int32"},
    {"Squeeze", "input: T", "output: T", "T: type; squeeze_dims: list(int) >= 0 = []"},
    {"ExpandDims", "input: T; dim: Tdim", "output: T", "T: type; Tdim: type {int32, int64} = int32"},
    {"Transpose", "x: T; perm: Tperm", "y: T", "T: type; Tperm: type {int32, int64} = int32"},
    {"InvertPermutation", "x: T", "y: T", "T: type {int32, int64} = int32"},
    {"ConcatV2", "values: N*T; axis: Tidx", "output: T", "N: int >= 2; T: type; Tidx: type {int32, int64} = int32"},
    {"ConcatOffset", "concat_dim: int32; shape: N*int32", "offset: N*int32", "N: int >= 2"},
    {"Pack", "values: N*T", "output: T", "N: int >= 1; T: type; axis: int = 0"},
    {"Unpack", "value: T", "output: num*T", "num: int >= 0; T: type; axis: int = 0"},
    {"StridedSlice", "input: T; begin: Index; end: Index; strides: Index", "output: T",
     "T: type; Index: type {int32, int64}; begin_mask: int = 0; end_mask: int = 0; ellipsis_mask: int = 0; "
     "new_axis_mask: int = 0; shrink_axis_mask: int = 0"},
    {"StridedSliceGrad", "shape: Index; begin: Index; end: Index; strides: Index; dy: T", "output: T",
     "T: type; Index: type {int32, int64}; begin_mask: int = 0; end_mask: int = 0; ellipsis_mask: int = 0; "
     "new_axis_mask: int = 0; shrink_axis_mask: int = 0"},
    {"Slice", "input: T; begin: Index; size: Index", "output: T", "T: type; Index: type {int32, int64}"},
    {"GatherV2", "params: Tparams; indices: Tindices; axis: Taxis", "output: Tparams",
     "batch_dims: int = 0; Tparams: type; Tindices: type {int32, int64}; Taxis: type {int32, int64}"},
    {"Tile", "input: T; multiples: Tmultiples", "output: T", "T: type; Tmultiples: type {int32, int64} = int32"},
    {"BroadcastTo", "input: T; shape: Tidx", "output: T", "T: type; Tidx: type {int32, int64} = int32"},
    {"BroadcastGradientArgs", "s0: T; s1: T", "r0: T; r1: T", "T: type {int32, int64} = int32"},
    {"Fill", "dims: index_type; value: T", "output: T", "T: type; index_type: type {int32, int64} = int32"},
    {"ZerosLike", "x: T", "y: T", "T: type"},
    {"OnesLike", "x: T", "y: T",
     "T: type {bfloat16, half, float, double, int8, uint8, int16, uint16, int32, int64, complex64, complex128, bool}"},
    {"Shape", "input: T", "output: out_type", "T: type; out_type: type {int32, int64} = int32"},
    {"ShapeN", "input: N*T", "output: N*out_type", "N: int >= 1; T: type; out_type: type {int32, int64} = int32"},
    {"Size", "input: T", "output: out_type", "T: type; out_type: type {int32, int64} = int32"},
    {"Rank", "input: T", "output: int32", "T: type"},
    {"Range", "start: Tidx; limit: Tidx; delta: Tidx", "output: Tidx",
     "Tidx: type {bfloat16, half, float, double, int32, int64} = int32"},
    {"Cast", "x: SrcT", "y: DstT", "SrcT: type; DstT: type; Truncate: bool = false"},
    {"Pad", "input: T; paddings: Tpaddings", "output: T", "T: type; Tpaddings: type {int32, int64} = int32"},
    {"Split", "split_dim: int32; value: T", "output: num_split*T", "num_split: int >= 1; T: type"},
    {"SplitV", "value: T; size_splits: Tlen; split_dim: int32", "output: num_split*T",
     "num_split: int >= 1; T: type; Tlen: type {int8, int32, int64} = int64"},
    {"UnsortedSegmentSum", "data: T; segment_ids: Tindices; num_segments: Tnumsegments", "output: T",
     "T: type {$num}; Tindices: type {int32, int64}; Tnumsegments: type {int32, int64} = int32"},
    {"OneHot", "indices: TI; depth: int32; on_value: T; off_value: T", "output: T",
     "axis: int = -1; T: type; TI: type {uint8, int8, int32, int64} = int64"},
    // Selection, comparison and logic.
    {"Select", "condition: bool; t: T; e: T", "output: T", "T: type"},
    {"SelectV2", "condition: bool; t: T; e: T", "output: T", "T: type"},
    {"Equal", "x: T; y: T", "z: bool", kEqualAttrs},
    {"NotEqual", "x: T; y: T", "z: bool", kEqualAttrs},
    {"Greater", "x: T; y: T", "z: bool", kCompareT},
    {"GreaterEqual", "x: T; y: T", "z: bool", kCompareT},
    {"Less", "x: T; y: T", "z: bool", kCompareT},
    {"LessEqual", "x: T; y: T", "z: bool", kCompareT},
    {"LogicalAnd", "x: bool; y: bool", "z: bool", ""},
    {"LogicalOr", "x: bool; y: bool", "z: bool", ""},
    {"LogicalNot", "x: bool", "y: bool", ""},
    // Graph plumbing.
    {"Identity", "input: T", "output: T", "T: type"},
    {"IdentityN", "input: T", "output: T", "T: list(type) >= 1"},
    {"NoOp", "", "", ""},
    {"Const", "", "output: dtype", "value: tensor; dtype: type"},
    {"Placeholder", "", "output: dtype", "dtype: type; shape: shape = ?"},
    {"PlaceholderWithDefault", "input: dtype", "output: dtype", "dtype: type; shape: shape"},
    {"StopGradient", "input: T", "output: T", "T: type"},
    {"PreventGradient", "input: T", "output: T", "T: type; message: string = \"\""},
    // Function calls and control flow.
    {"PartitionedCall", "args: Tin", "output: Tout", kCallAttrs},
    {"StatefulPartitionedCall", "args: Tin", "output: Tout", kCallAttrs, true},
    {"If", "cond: Tcond; input: Tin", "output: Tout", kIfAttrs, true},
    {"StatelessIf", "cond: Tcond; input: Tin", "output: Tout", kIfAttrs},
    {"While", "input: T", "output: T", kWhileAttrs, true},
    {"StatelessWhile", "input: T", "output: T", kWhileAttrs},
    {"Switch", "data: T; pred: bool", "output_false: T; output_true: T", "T: type"},
    {"Merge", "inputs: N*T", "output: T; value_index: int32", "T: type; N: int >= 1"},
    // Variables and checkpoints.
    {"VarHandleOp", "", "resource: resource",
     "container: string = \"\"; shared_name: string = \"\"; dtype: type; shape: shape; allowed_devices: list(string) = []",
     true},
    {"ReadVariableOp", "resource: resource", "value: dtype", "dtype: type", true},
    {"AssignVariableOp", "resource: resource; value: dtype", "", "dtype: type; validate_shape: bool = false", true},
    {"AssignAddVariableOp", "resource: resource; value: dtype", "", "dtype: type", true},
    {"AssignSubVariableOp", "resource: resource; value: dtype", "", "dtype: type", true},
    {"VarIsInitializedOp", "resource: resource", "is_initialized: bool", "", true},
    {"DisableCopyOnRead", "resource: resource", "", "", true},
    {"RestoreV2", "prefix: string; tensor_names: string; shape_and_slices: string", "tensors: dtypes",
     "dtypes: list(type) >= 1", true},
    {"SaveV2", "prefix: string; tensor_names: string; shape_and_slices: string; tensors: dtypes", "",
     "dtypes: list(type) >= 1", true},
    {"SaveSlices", "filename: string; tensor_names: string; shapes_and_slices: string; data: T", "",
     "T: list(type) >= 1", true},
    {"MergeV2Checkpoints", "checkpoint_prefixes: string; destination_prefix: string", "",
     "delete_old_dirs: bool = true", true},
    {"ShardedFilename", "basename: string; shard: int32; num_shards: int32", "filename: string", ""},
    {"StringJoin", "inputs: N*string", "output: string", "N: int >= 1; separator: string = \"\""},
    {"StaticRegexFullMatch", "input: string", "output: bool", "pattern: string"},
    // Random numbers.
    // TF's function-argument op. It never appears in a GraphDef we export; the compiler's IR uses it for function
    // parameters and records the parameter's shape in `shape`.
    {"_Arg", "", "output: T", "T: type; index: int >= 0; shape: shape = ?"},
    {"StatelessRandomNormalV2", "shape: Tshape; key: uint64; counter: uint64; alg: int32", "output: dtype",
     "dtype: type {half, bfloat16, float, double} = float; Tshape: type {int32, int64} = int32"},
    {"RandomStandardNormal", "shape: T", "output: dtype",
     "seed: int = 0; seed2: int = 0; dtype: type {half, bfloat16, float, double}; T: type {int32, int64}", true},
    {"RandomUniform", "shape: T", "output: dtype",
     "seed: int = 0; seed2: int = 0; dtype: type {half, bfloat16, float, double}; T: type {int32, int64}", true},
    // Parsing.
    {"ParseExampleV2",
     "serialized: string; names: string; sparse_keys: string; dense_keys: string; ragged_keys: string; "
     "dense_defaults: Tdense",
     "sparse_indices: num_sparse*int64; sparse_values: sparse_types; sparse_shapes: num_sparse*int64; "
     "dense_values: Tdense; ragged_values: ragged_value_types; ragged_row_splits: ragged_split_types",
     "Tdense: list(type) >= 0 {float, int64, string}; num_sparse: int >= 0; "
     "sparse_types: list(type) >= 0 {float, int64, string}; ragged_value_types: list(type) >= 0 {float, int64, string}; "
     "ragged_split_types: list(type) >= 0 {int32, int64}; dense_shapes: list(shape) >= 0"},
    // tf.data.
    {"BatchDatasetV2", "input_dataset: variant; batch_size: int64; drop_remainder: bool", "handle: variant",
     "parallel_copy: bool = false; output_types: list(type) >= 1; output_shapes: list(shape) >= 1; metadata: string = \"\""},
    {"MapDataset", "input_dataset: variant; other_arguments: Targuments", "handle: variant",
     "f: func; Targuments: list(type) >= 0; output_types: list(type) >= 1; output_shapes: list(shape) >= 1; "
     "use_inter_op_parallelism: bool = true; preserve_cardinality: bool = false; metadata: string = \"\""},
    {"TakeDataset", "input_dataset: variant; count: int64", "handle: variant",
     "output_types: list(type) >= 1; output_shapes: list(shape) >= 1; metadata: string = \"\""},
    {"ReduceDataset", "input_dataset: variant; initial_state: Tstate; other_arguments: Targuments",
     "components: output_types",
     "f: func; Tstate: list(type) >= 1; Targuments: list(type) >= 0; output_types: list(type) >= 1; "
     "output_shapes: list(shape) >= 1; use_inter_op_parallelism: bool = true; metadata: string = \"\"",
     true},
    {"AnonymousIteratorV3", "", "handle: resource", kElemAttrs, true},
    // ODP's own dataset op (registered by the ODP Android runtime, not TF core): an example store query.
    {"ExternalDataset", "token: string; selector: string", "handle: variant", "", true},
    {"MakeIterator", "dataset: variant; iterator: resource", "", "", true},
    {"IteratorGetNextAsOptional", "iterator: resource", "optional: variant", kElemAttrs, true},
    {"OptionalHasValue", "optional: variant", "has_value: bool", ""},
    {"OptionalGetValue", "optional: variant", "components: output_types", kElemAttrs},
};

const std::map<std::string, std::vector<std::string>, std::less<>>& TypeSets() {
  static const auto* sets = new std::map<std::string, std::vector<std::string>, std::less<>>{
      {"$F4", {"half", "bfloat16", "float", "double"}},
      {"$FC", {"bfloat16", "half", "float", "double", "complex64", "complex128"}},
      {"$real",
       {"float", "double", "int32", "uint8", "int16", "int8", "int64", "bfloat16", "uint16", "half", "uint32",
        "uint64"}},
      {"$num",
       {"float", "double", "int32", "uint8", "int16", "int8", "complex64", "int64", "qint8", "quint8", "qint32",
        "bfloat16", "qint16", "quint16", "uint16", "complex128", "half", "uint32", "uint64"}},
  };
  return *sets;
}

std::optional<tensorflow::DataType> ParseDType(std::string_view name) {
  static const auto* names = new std::map<std::string, tensorflow::DataType, std::less<>>{
      {"float", tensorflow::DT_FLOAT},       {"double", tensorflow::DT_DOUBLE},
      {"int32", tensorflow::DT_INT32},       {"uint8", tensorflow::DT_UINT8},
      {"int16", tensorflow::DT_INT16},       {"int8", tensorflow::DT_INT8},
      {"string", tensorflow::DT_STRING},     {"complex64", tensorflow::DT_COMPLEX64},
      {"int64", tensorflow::DT_INT64},       {"bool", tensorflow::DT_BOOL},
      {"qint8", tensorflow::DT_QINT8},       {"quint8", tensorflow::DT_QUINT8},
      {"qint32", tensorflow::DT_QINT32},     {"bfloat16", tensorflow::DT_BFLOAT16},
      {"qint16", tensorflow::DT_QINT16},     {"quint16", tensorflow::DT_QUINT16},
      {"uint16", tensorflow::DT_UINT16},     {"complex128", tensorflow::DT_COMPLEX128},
      {"half", tensorflow::DT_HALF},         {"resource", tensorflow::DT_RESOURCE},
      {"variant", tensorflow::DT_VARIANT},   {"uint32", tensorflow::DT_UINT32},
      {"uint64", tensorflow::DT_UINT64},
  };
  auto it = names->find(name);
  if (it == names->end()) return std::nullopt;
  return it->second;
}

std::vector<std::string_view> SplitList(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (absl::string_view piece : absl::StrSplit(ToAbsl(s), sep, absl::SkipWhitespace())) {
    out.push_back(FromAbsl(absl::StripAsciiWhitespace(piece)));
  }
  return out;
}

absl::Status ParseAttr(std::string_view spec, tensorflow::OpDef::AttrDef* attr) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return absl::InternalError(absl::StrCat("bad attr spec ", ToAbsl(spec)));
  attr->set_name(std::string(FromAbsl(absl::StripAsciiWhitespace(ToAbsl(spec.substr(0, colon))))));
  std::string_view rest = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(spec.substr(colon + 1))));
  std::string_view default_text;
  bool has_default = false;
  // The default is whatever follows the first '=' that is not part of ">=".
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '=' && (i == 0 || rest[i - 1] != '>')) {
      default_text = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(rest.substr(i + 1))));
      rest = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(rest.substr(0, i))));
      has_default = true;
      break;
    }
  }
  const size_t ge = rest.find(">=");
  if (ge != std::string_view::npos) {
    std::string_view after = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(rest.substr(ge + 2))));
    std::string_view number = after.substr(0, after.find(' '));
    int64_t min = 0;
    if (!absl::SimpleAtoi(ToAbsl(number), &min)) return absl::InternalError(absl::StrCat("bad minimum in ", ToAbsl(spec)));
    attr->set_has_minimum(true);
    attr->set_minimum(min);
    std::string_view allowed_part = after.substr(number.size());
    rest = std::string_view(rest.data(), ge);
    rest = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(rest)));
    if (!allowed_part.empty()) {
      // "list(type) >= 0 {float, int64}" form.
      std::string joined = absl::StrCat(ToAbsl(rest), " ", absl::StripAsciiWhitespace(ToAbsl(allowed_part)));
      tensorflow::OpDef::AttrDef tmp;
      TB_RETURN_IF_ERROR(ParseAttr(absl::StrCat(attr->name(), ": ", joined), &tmp));
      attr->set_type(tmp.type());
      *attr->mutable_allowed_values() = tmp.allowed_values();
      rest = "";
    }
  }
  if (!rest.empty()) {
    const size_t brace = rest.find('{');
    std::string_view kind = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(rest.substr(0, brace))));
    attr->set_type(std::string(kind));
    if (brace != std::string_view::npos) {
      const size_t close = rest.find('}', brace);
      if (close == std::string_view::npos) return absl::InternalError(absl::StrCat("bad allowed list in ", ToAbsl(spec)));
      auto* list = attr->mutable_allowed_values()->mutable_list();
      for (std::string_view item : SplitList(rest.substr(brace + 1, close - brace - 1), ',')) {
        if (kind == "type" || kind == "list(type)") {
          auto set = TypeSets().find(item);
          if (set != TypeSets().end()) {
            for (const std::string& t : set->second) list->add_type(*ParseDType(t));
            continue;
          }
          auto dt = ParseDType(item);
          if (!dt) return absl::InternalError(absl::StrCat("bad type ", ToAbsl(item), " in ", ToAbsl(spec)));
          list->add_type(*dt);
        } else {
          list->add_s(std::string(item));
        }
      }
    }
  }
  if (!has_default) return absl::OkStatus();
  auto* d = attr->mutable_default_value();
  const std::string& kind = attr->type();
  if (kind == "bool") {
    d->set_b(default_text == "true");
  } else if (kind == "int") {
    int64_t v = 0;
    if (!absl::SimpleAtoi(ToAbsl(default_text), &v)) return absl::InternalError(absl::StrCat("bad default in ", ToAbsl(spec)));
    d->set_i(v);
  } else if (kind == "float") {
    float v = 0;
    if (!absl::SimpleAtof(ToAbsl(default_text), &v)) return absl::InternalError(absl::StrCat("bad default in ", ToAbsl(spec)));
    d->set_f(v);
  } else if (kind == "string") {
    d->set_s(default_text == "\"\"" ? std::string() : std::string(default_text));
  } else if (kind == "type") {
    auto dt = ParseDType(default_text);
    if (!dt) return absl::InternalError(absl::StrCat("bad default in ", ToAbsl(spec)));
    d->set_type(*dt);
  } else if (kind == "shape") {
    if (default_text != "?") return absl::InternalError(absl::StrCat("bad default in ", ToAbsl(spec)));
    d->mutable_shape()->set_unknown_rank(true);
  } else if (kind.starts_with("list(")) {
    auto* list = d->mutable_list();
    std::string_view inner = default_text;  // "[1, 1, 1, 1]" or "[]".
    if (!inner.empty() && inner.front() == '[') inner.remove_prefix(1);
    if (!inner.empty() && inner.back() == ']') inner.remove_suffix(1);
    for (std::string_view item : SplitList(inner, ',')) {
      int64_t v = 0;
      if (kind != "list(int)" || !absl::SimpleAtoi(ToAbsl(item), &v)) {
        return absl::InternalError(absl::StrCat("bad default in ", ToAbsl(spec)));
      }
      list->add_i(v);
    }
  } else {
    return absl::InternalError(absl::StrCat("no default syntax for kind ", kind));
  }
  return absl::OkStatus();
}

absl::Status ParseArg(std::string_view spec, const tensorflow::OpDef& op, tensorflow::OpDef::ArgDef* arg) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return absl::InternalError(absl::StrCat("bad arg spec ", ToAbsl(spec)));
  arg->set_name(std::string(FromAbsl(absl::StripAsciiWhitespace(ToAbsl(spec.substr(0, colon))))));
  std::string_view type = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(spec.substr(colon + 1))));
  const size_t star = type.find('*');
  if (star != std::string_view::npos) {
    arg->set_number_attr(std::string(type.substr(0, star)));
    type = type.substr(star + 1);
  }
  if (auto dt = ParseDType(type)) {
    arg->set_type(*dt);
    return absl::OkStatus();
  }
  for (const auto& a : op.attr()) {
    if (a.name() != type) continue;
    if (a.type() == "type") {
      arg->set_type_attr(std::string(type));
    } else if (a.type() == "list(type)" && arg->number_attr().empty()) {
      arg->set_type_list_attr(std::string(type));
    } else {
      return absl::InternalError(absl::StrCat("arg ", ToAbsl(spec), " names attr of kind ", a.type()));
    }
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(op.name(), ": arg ", ToAbsl(spec), " names no attr"));
}

absl::StatusOr<tensorflow::OpDef> BuildOpDef(const OpSpec& spec) {
  tensorflow::OpDef op;
  op.set_name(spec.name);
  for (std::string_view a : SplitList(spec.attrs, ';')) TB_RETURN_IF_ERROR(ParseAttr(a, op.add_attr()));
  for (std::string_view a : SplitList(spec.inputs, ';')) TB_RETURN_IF_ERROR(ParseArg(a, op, op.add_input_arg()));
  for (std::string_view a : SplitList(spec.outputs, ';')) TB_RETURN_IF_ERROR(ParseArg(a, op, op.add_output_arg()));
  if (spec.stateful) op.set_is_stateful(true);
  // TF's SetIsCommutative / SetIsAggregate marks (optimizer hints, carried in OpDefs and stripped op lists).
  static const std::set<std::string_view> kCommutative = {"AddN", "AddV2", "Equal", "LogicalAnd", "LogicalOr",
                                                          "Mul", "NotEqual", "SquaredDifference"};
  static const std::set<std::string_view> kAggregate = {"AddN", "AddV2"};
  if (kCommutative.count(spec.name)) op.set_is_commutative(true);
  if (kAggregate.count(spec.name)) op.set_is_aggregate(true);
  return op;
}

const std::map<std::string, tensorflow::OpDef, std::less<>>& Registry() {
  static const auto* registry = [] {
    auto* r = new std::map<std::string, tensorflow::OpDef, std::less<>>();
    for (const OpSpec& spec : kOps) {
      auto op = BuildOpDef(spec);
      if (!op.ok()) {
        // A malformed table entry is a programming error caught by op_defs_test.
        TB_LOG(ERROR) << "op table: " << op.status();
        continue;
      }
      r->emplace(spec.name, *std::move(op));
    }
    return r;
  }();
  return *registry;
}

}  // namespace

const tensorflow::OpDef* FindOpDef(std::string_view op) {
  const auto& r = Registry();
  auto it = r.find(op);
  return it == r.end() ? nullptr : &it->second;
}

std::vector<std::string> KnownOps() {
  std::vector<std::string> out;
  for (const auto& [name, def] : Registry()) out.push_back(name);
  return out;
}

void AddDefaultAttrs(const tensorflow::OpDef& op_def, tensorflow::NodeDef* node) {
  for (const auto& a : op_def.attr()) {
    if (a.has_default_value() && !node->attr().contains(a.name())) (*node->mutable_attr())[a.name()] = a.default_value();
  }
}

namespace {

const tensorflow::AttrValue* FindAttr(const tensorflow::NodeDef& node, const std::string& name) {
  auto it = node.attr().find(name);
  return it == node.attr().end() ? nullptr : &it->second;
}

absl::Status CountArg(const tensorflow::NodeDef& node, const tensorflow::OpDef::ArgDef& arg, int* count) {
  if (!arg.number_attr().empty()) {
    const tensorflow::AttrValue* n = FindAttr(node, arg.number_attr());
    if (n == nullptr || n->value_case() != tensorflow::AttrValue::kI || n->i() < 0 || n->i() > (1 << 20)) {
      return absl::InvalidArgumentError(absl::StrCat("node '", node.name(), "' (", node.op(), "): attr '",
                                                     arg.number_attr(), "' must be a non-negative int"));
    }
    *count = static_cast<int>(n->i());
  } else if (!arg.type_list_attr().empty()) {
    const tensorflow::AttrValue* t = FindAttr(node, arg.type_list_attr());
    *count = t == nullptr ? 0 : t->list().type_size();
  } else {
    *count = 1;
  }
  return absl::OkStatus();
}

std::string KindOf(const tensorflow::AttrValue& v) {
  switch (v.value_case()) {
    case tensorflow::AttrValue::kS: return "string";
    case tensorflow::AttrValue::kI: return "int";
    case tensorflow::AttrValue::kF: return "float";
    case tensorflow::AttrValue::kB: return "bool";
    case tensorflow::AttrValue::kType: return "type";
    case tensorflow::AttrValue::kShape: return "shape";
    case tensorflow::AttrValue::kTensor: return "tensor";
    case tensorflow::AttrValue::kFunc: return "func";
    case tensorflow::AttrValue::kPlaceholder: return "placeholder";
    case tensorflow::AttrValue::kList: {
      const auto& l = v.list();
      if (l.s_size()) return "list(string)";
      if (l.i_size()) return "list(int)";
      if (l.f_size()) return "list(float)";
      if (l.b_size()) return "list(bool)";
      if (l.type_size()) return "list(type)";
      if (l.shape_size()) return "list(shape)";
      if (l.tensor_size()) return "list(tensor)";
      if (l.func_size()) return "list(func)";
      return "list";
    }
    case tensorflow::AttrValue::VALUE_NOT_SET: return "";
  }
  return "";
}

int ListSize(const tensorflow::AttrValue& v) {
  const auto& l = v.list();
  return l.s_size() + l.i_size() + l.f_size() + l.b_size() + l.type_size() + l.shape_size() + l.tensor_size() +
         l.func_size();
}

}  // namespace

absl::Status CountArgs(const tensorflow::NodeDef& node, const tensorflow::OpDef& op_def, int* num_inputs,
                       int* num_outputs) {
  *num_inputs = 0;
  *num_outputs = 0;
  for (const auto& a : op_def.input_arg()) {
    int n = 0;
    TB_RETURN_IF_ERROR(CountArg(node, a, &n));
    *num_inputs += n;
  }
  for (const auto& a : op_def.output_arg()) {
    int n = 0;
    TB_RETURN_IF_ERROR(CountArg(node, a, &n));
    *num_outputs += n;
  }
  return absl::OkStatus();
}

absl::Status ValidateNodeDef(const tensorflow::NodeDef& node, const tensorflow::OpDef& op_def) {
  auto where = [&] { return absl::StrCat("node '", node.name(), "' (", node.op(), ")"); };
  if (node.op() != op_def.name()) return absl::InvalidArgumentError(absl::StrCat(where(), " checked against ", op_def.name()));
  std::map<std::string, const tensorflow::OpDef::AttrDef*> defs;
  for (const auto& a : op_def.attr()) defs[a.name()] = &a;
  for (const auto& [name, value] : node.attr()) {
    if (name.starts_with("_")) continue;
    auto it = defs.find(name);
    if (it == defs.end()) {
      return absl::InvalidArgumentError(absl::StrCat(where(), " has attr '", name, "', which ", op_def.name(),
                                                     " does not define"));
    }
    const auto& def = *it->second;
    const std::string kind = KindOf(value);
    const bool is_list = def.type().starts_with("list(");
    if (kind == "placeholder") {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' is an unresolved placeholder"));
    }
    if (is_list) {
      if (!(kind.empty() || kind == "list" || kind == def.type())) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' has kind ", kind, ", expected ",
                                                       def.type()));
      }
    } else if (kind != def.type()) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' has kind ",
                                                     kind.empty() ? "(no value)" : kind, ", expected ", def.type()));
    }
    if (def.has_minimum()) {
      if (def.type() == "int" && value.i() < def.minimum()) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' is ", value.i(),
                                                       ", less than the minimum ", def.minimum()));
      }
      if (is_list && ListSize(value) < def.minimum()) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' has ", ListSize(value),
                                                       " elements, fewer than the minimum ", def.minimum()));
      }
    }
    if (def.has_allowed_values()) {
      const auto& allowed = def.allowed_values().list();
      auto type_ok = [&](int t) {
        return std::find(allowed.type().begin(), allowed.type().end(), t) != allowed.type().end();
      };
      auto string_ok = [&](const std::string& s) {
        return std::find(allowed.s().begin(), allowed.s().end(), s) != allowed.s().end();
      };
      if (def.type() == "type" && !type_ok(value.type())) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' value ",
                                                       tensorflow::DataType_Name(value.type()),
                                                       " is not in the list of allowed values"));
      }
      if (def.type() == "list(type)") {
        for (int t : value.list().type()) {
          if (!type_ok(t)) {
            return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' contains type ", t,
                                                           ", which is not allowed"));
          }
        }
      }
      if (def.type() == "string" && !string_ok(value.s())) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' value \"", value.s(),
                                                       "\" is not in the list of allowed values"));
      }
    }
    if (def.type() == "type" && (value.type() == tensorflow::DT_INVALID || value.type() > 100)) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": attr '", name, "' is not a valid data type"));
    }
  }
  for (const auto& a : op_def.attr()) {
    if (!node.attr().contains(a.name())) {
      return absl::InvalidArgumentError(absl::StrCat(where(), " is missing attr '", a.name(), "'"));
    }
  }
  int data_inputs = 0;
  bool seen_control = false;
  for (const std::string& in : node.input()) {
    if (in.starts_with("^")) {
      seen_control = true;
      if (in.find(':') != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": control input '", in, "' has an output index"));
      }
    } else {
      if (seen_control) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": data input '", in, "' after a control input"));
      }
      ++data_inputs;
    }
  }
  int want_inputs = 0, outputs = 0;
  TB_RETURN_IF_ERROR(CountArgs(node, op_def, &want_inputs, &outputs));
  if (data_inputs != want_inputs) {
    return absl::InvalidArgumentError(absl::StrCat(where(), " has ", data_inputs, " data inputs, ", op_def.name(),
                                                   " expects ", want_inputs));
  }
  return absl::OkStatus();
}

absl::Status ValidateFunctionDef(const tensorflow::FunctionDef& function,
                                 const tensorflow::FunctionDefLibrary& library) {
  const std::string& fname = function.signature().name();
  auto where = [&] { return absl::StrCat("function '", fname, "'"); };
  std::map<std::string, const tensorflow::FunctionDef*> functions;
  for (const auto& f : library.function()) functions[f.signature().name()] = &f;
  // Output args (name -> element count) of every body node, and the input arg names.
  std::map<std::string, std::map<std::string, int>> outputs;
  std::set<std::string> args;
  for (const auto& a : function.signature().input_arg()) args.insert(a.name());
  for (const auto& node : function.node_def()) {
    if (outputs.contains(node.name()) || args.contains(node.name())) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": duplicate node name '", node.name(), "'"));
    }
    std::map<std::string, int>& outs = outputs[node.name()];
    if (auto f = functions.find(node.op()); f != functions.end()) {
      for (const auto& o : f->second->signature().output_arg()) outs[o.name()] = 1;
      int data_inputs = 0;
      for (const std::string& in : node.input()) data_inputs += in.starts_with("^") ? 0 : 1;
      if (data_inputs != f->second->signature().input_arg_size()) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": call '", node.name(), "' passes ", data_inputs,
                                                       " inputs to ", node.op()));
      }
      continue;
    }
    const tensorflow::OpDef* op = FindOpDef(node.op());
    if (op == nullptr) return absl::InvalidArgumentError(absl::StrCat(where(), ": node '", node.name(), "' uses unknown op ", node.op()));
    TB_RETURN_IF_ERROR(Annotate(ValidateNodeDef(node, *op), where()));
    for (const auto& o : op->output_arg()) {
      int n = 0;
      TB_RETURN_IF_ERROR(CountArg(node, o, &n));
      outs[o.name()] = n;
    }
  }
  auto check_ref = [&](const std::string& ref, const std::string& user) -> absl::Status {
    if (ref.starts_with("^")) {
      if (!outputs.contains(ref.substr(1))) {
        return absl::InvalidArgumentError(absl::StrCat(where(), ": ", user, " has control input '", ref,
                                                       "' to a missing node"));
      }
      return absl::OkStatus();
    }
    std::vector<std::string> parts = absl::StrSplit(ref, ':');
    if (parts.size() == 1 && args.contains(parts[0])) return absl::OkStatus();
    if (parts.size() == 3) {
      auto node = outputs.find(parts[0]);
      int index = -1;
      if (node != outputs.end() && node->second.contains(parts[1]) && absl::SimpleAtoi(parts[2], &index) &&
          index >= 0 && index < node->second.at(parts[1])) {
        return absl::OkStatus();
      }
    }
    if (parts.size() == 2 && args.contains(parts[0])) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(where(), ": ", user, " refers to '", ref,
                                                   "', which is not an argument or node output"));
  };
  for (const auto& node : function.node_def()) {
    for (const std::string& in : node.input()) TB_RETURN_IF_ERROR(check_ref(in, absl::StrCat("node '", node.name(), "'")));
  }
  for (const auto& o : function.signature().output_arg()) {
    auto it = function.ret().find(o.name());
    if (it == function.ret().end()) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": output '", o.name(), "' has no ret entry"));
    }
    TB_RETURN_IF_ERROR(check_ref(it->second, absl::StrCat("ret '", o.name(), "'")));
  }
  for (const auto& [name, node] : function.control_ret()) {
    if (!outputs.contains(node)) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": control_ret '", name, "' names missing node '", node, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace tb::tf
