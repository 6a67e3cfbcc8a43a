// Runs a MapReduce program's rounds in the IR interpreter as the ODP server and devices run its artifacts:
// prepare -> each client's program (restore the broadcast from a V1 checkpoint file, train on its examples,
// save the update to another) -> zero / accumulate / report -> update. For tests of fl/ only.
#ifndef TASKBUILDER_TESTS_FL_ROUND_HARNESS_H_
#define TASKBUILDER_TESTS_FL_ROUND_HARNESS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fl/map_reduce_program.h"
#include "tests/testing/testing.h"
#include "tf/tensor.h"

namespace tb::fl::testing {

struct RoundResult {
  std::map<std::string, tf::Tensor> metrics;                    // by metric path
  std::vector<std::map<std::string, tf::Tensor>> client_updates;  // per client, by "update/<path>"
  std::map<std::string, tf::Tensor> broadcast;                  // by "client/<path>"
};

class RoundHarness {
 public:
  explicit RoundHarness(const MapReduceProgram& program, uint64_t seed = 1);

  // The current server state, in program.server_state order.
  std::vector<tf::Tensor>& state() { return state_; }
  const tf::Tensor& State(const std::string& path) const;

  absl::StatusOr<RoundResult> RunRound(const std::vector<std::vector<std::string>>& client_examples);
  // Just one client's program on `broadcast` (by "client/<path>"), returning its update by "update/<path>".
  absl::StatusOr<std::map<std::string, tf::Tensor>> RunClient(const std::map<std::string, tf::Tensor>& broadcast,
                                                              const std::vector<std::string>& examples);

 private:
  const MapReduceProgram& program_;
  std::vector<tf::Tensor> state_;
  uint64_t seed_;
  ::tb::testing::TempDir dir_;
  int runs_ = 0;
};

}  // namespace tb::fl::testing

#endif  // TASKBUILDER_TESTS_FL_ROUND_HARNESS_H_
