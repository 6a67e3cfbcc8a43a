// The efficient (Honaker) tree aggregator of tensorflow_privacy's tree_aggregation.py as IR for the flat server
// graph (fl-semantics.md §4.4): a buffer of node noises per record tensor with their tree levels, the weighted
// cumulative noise, and the buffer update that merges completed subtrees. TFP's while loop is unrolled to a
// bound derived from the number of training rounds; draws of iterations that do not happen have zero size, so an
// unrolled step costs nothing when it is not taken. Node noise is drawn with the server's random generator
// (RandomStandardNormal) rather than TFP's Philox stream from the stored seeds: the same distribution, not the
// same numbers. The seeds are kept and advanced exactly as TFP advances them.
#ifndef TASKBUILDER_FL_TREE_NOISE_H_
#define TASKBUILDER_FL_TREE_NOISE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/ir_util.h"
#include "graph/types.h"
#include "tf/tensor.h"

namespace tb::fl {

// One tree's state: per record tensor a buffer [L, *shape], the levels [L] (int32), the generator state.
struct TreeState {
  std::vector<Output> level_buffer;
  Output level_buffer_idx;
  Output seeds;   // int64[2]
  Output stddev;  // float32 []
};

struct TreeStep {
  std::vector<Output> cumsum;  // the weighted noise sum before the update, one per record tensor
  TreeState next;
  Output overflow;  // bool []: the tree grew past the unroll bound (the caller must not release this round)
};

// Levels the unrolled buffer update handles: enough for `rounds` rounds (at least 1; 32 when rounds is 0).
int TreeDepthBound(int64_t rounds);

// get_cumsum_and_update for records of `shapes` (fully defined).
TreeStep EmitTreeStep(const graph::Builder& b, const TreeState& state, const std::vector<graph::TensorType>& shapes,
                      int depth_bound);

// A fresh single-leaf tree (TFP's init_state, used at restarts) drawn with `stddev` when `active`, else `state`
// unchanged. Buffers of different lengths are chosen between with a dynamic slice, so this needs no control flow.
TreeState EmitTreeRestart(const graph::Builder& b, const TreeState& state, Output active,
                          const std::vector<graph::TensorType>& shapes);

// `active ? a : b` for tensors whose leading dimension may differ (concatenate, then slice the chosen part).
Output SelectRows(const graph::Builder& b, Output active, Output a, Output c);

// The initial tree of the initial checkpoint: one leaf drawn as stddev * N(0,1) from a generator seeded by
// `seeds` (so the checkpoint is a function of the seeds), levels [0], seeds advanced by one draw per tensor.
struct InitialTree {
  std::vector<tf::Tensor> level_buffer;
  tf::Tensor level_buffer_idx;
  tf::Tensor seeds;
};
InitialTree MakeInitialTree(std::array<int64_t, 2> seeds, float stddev, const std::vector<graph::TensorType>& shapes);

// Seeds from the system's entropy source (what TFP's clock-based seeds stand for, without being guessable).
std::array<int64_t, 2> RandomSeeds();

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_TREE_NOISE_H_
