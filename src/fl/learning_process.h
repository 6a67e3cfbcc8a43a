// Composes the learning processes ODP builds (behavior.md §10.1) as MapReduce programs: the training process
// (unweighted FedAvg or FedSGD with the client/server optimizers and the DP aggregator of the spec) and the
// evaluation process that reuses the training state type (zero-initialized; broadcast model weights; metrics only).
// Where the original cannot build a combination (fl-semantics.md §8) it is built where the semantics are sound
// (noted in MapReduceProgram::notes) or refused with InvalidArgument saying why.
#ifndef TASKBUILDER_FL_LEARNING_PROCESS_H_
#define TASKBUILDER_FL_LEARNING_PROCESS_H_

#include "absl/status/statusor.h"
#include "fl/learning_spec.h"
#include "fl/map_reduce_program.h"
#include "tf/functional_model.h"

namespace tb::fl {

absl::StatusOr<MapReduceProgram> BuildTrainingProcess(const tf::FunctionalModel& model, const LearningSpec& spec);
absl::StatusOr<MapReduceProgram> BuildEvaluationProcess(const tf::FunctionalModel& model, const LearningSpec& spec);

// As above, from the training server state TrainingServerState returned for the same model and spec (null: computed
// here). One build composes its processes from one state, so parameter-sized initial values (the tree aggregators'
// initial noise, Adam's zeros) are made once, and the training task's checkpoint holds the very state its plan and
// the evaluation task's layout were built for. InvalidArgument when the state's layout does not fit the model.
absl::StatusOr<MapReduceProgram> BuildTrainingProcess(const tf::FunctionalModel& model, const LearningSpec& spec,
                                                      const std::vector<StateTensor>* training_state);
absl::StatusOr<MapReduceProgram> BuildEvaluationProcess(const tf::FunctionalModel& model, const LearningSpec& spec,
                                                        const std::vector<StateTensor>* training_state);

// The server side alone (state, layouts and the six pieces; `client` left empty): what plan/ needs for the server
// graph and the initial checkpoint, and what tests run without a model program.
absl::StatusOr<MapReduceProgram> BuildTrainingServerPieces(const tf::FunctionalModel& model, const LearningSpec& spec);
absl::StatusOr<MapReduceProgram> BuildEvaluationServerPieces(const tf::FunctionalModel& model,
                                                              const LearningSpec& spec);

// The training process's server state without building any program: names, types and initial values (what the
// initial checkpoint holds). Cheap; used by evaluation (whose state is this, zeroed) and by tests.
absl::StatusOr<std::vector<StateTensor>> TrainingServerState(const tf::FunctionalModel& model,
                                                             const LearningSpec& spec);

// The all-zero instance of a state (0, "", false; unknown dimensions become 0), as the evaluation process and
// its initial checkpoint use it.
std::vector<StateTensor> ZeroState(const std::vector<StateTensor>& state);

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_LEARNING_PROCESS_H_
