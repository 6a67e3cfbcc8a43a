// The pipeline's ports: what the build use case needs from the outside world, as small abstract interfaces that
// the edges implement and inject at start-up (storage/ -> BlobStore, tm/ -> TaskManagement, the artifact compiler
// -> ArtifactBuilder, tf/ -> ModelLoader). The pipeline never does I/O except through these; a missing port is
// answered with a clear protobuf error naming the missing capability, never a crash or a fake success.
#ifndef TASKBUILDER_PIPELINE_PORTS_H_
#define TASKBUILDER_PIPELINE_PORTS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "odp/task.pb.h"
#include "odp/task_builder.pb.h"

namespace tb::tf {
struct FunctionalModel;  // tf/functional_model.h (formats session)
}  // namespace tb::tf

namespace tb::pipeline {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

// Object storage addressed by URI: gs://bucket/object, file:///path and plain local paths. Thread-safe.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // OK when an artifact may be written to `uri` (well-formed, a scheme this store serves), without writing.
  // The pipeline calls it for every artifact URL before building anything; the message is logged, and the
  // client sees the original's "Cannot build artifacts because createTask returns invalid URLs: <uri>".
  virtual absl::Status CheckArtifactUri(const std::string& uri) = 0;

  // Writes one artifact (overwrite; all-or-nothing).
  virtual absl::Status Put(const std::string& uri, std::string_view data) = 0;

  // Reads one object of at most `max_bytes` (task configs).
  virtual absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes) = 0;

  // Makes the directory `uri` (a SavedModel) readable as a local directory and returns its path: the directory
  // itself when `uri` is local, else a copy downloaded into `scratch_dir` (which exists and is empty). Object
  // names must be checked before they become paths.
  virtual absl::StatusOr<std::string> FetchDirectory(const std::string& uri, const std::string& scratch_dir) = 0;

  // Whether an object exists at `uri` now; the publish step confirms every artifact after uploading (a storage
  // server that restarted mid-build loses what it had). Unimplemented: the store cannot tell, nothing is checked.
  virtual absl::StatusOr<bool> Exists(const std::string& uri) {
    return absl::UnimplementedError("this BlobStore cannot check for objects");
  }
};

// ODP's task-management service (behavior.md §7): the embedded one or a remote one. Thread-safe.
class TaskManagement {
 public:
  virtual ~TaskManagement() = default;

  // Called once per :build-task-group request before anything is built. NotFound means no TM is configured or
  // resolvable; its message becomes the error text as is (the original's "Cannot find task management server.").
  // Any other error is reported as "Failed to create tasks by task management service: <message>".
  virtual absl::Status CheckAvailable() = 0;

  // Creates `task` in task.population_name() and returns the Task as TM answers it (task_id, status, the URL
  // lists). Error messages are the original's texts: "Fail to connect: <endpoint>", "<code>: <reason>",
  // "Server returned unreadable response.".
  virtual absl::StatusOr<odp::Task> CreateTask(const odp::Task& task) = 0;

  // Cancels a task this build created (compensation when a later step fails).
  virtual absl::Status CancelTask(const odp::Task& created) = 0;

  // The task as TM has it now; the publish step confirms its tasks were not cancelled while it uploaded.
  // Unimplemented: this TM cannot be asked, nothing is checked.
  virtual absl::StatusOr<odp::Task> GetTask(const std::string& population, int64_t task_id) {
    return absl::UnimplementedError("this task management cannot look tasks up");
  }
};

// Differential-privacy parameters after defaulting and accounting (behavior.md §4.1), as the artifact compiler
// and the task report use them.
struct DpSettings {
  double noise_multiplier = 0;
  double clip_norm = 0;  // the initial clip for adaptive aggregators
  double delta = 0;
  double epsilon = 0;
  int64_t num_training_rounds = 0;
  odp::DpAggregator::Enum aggregator = odp::DpAggregator::FIXED_GAUSSIAN;  // UNKNOWN already defaulted
};

// Loads a TFF functional-model SavedModel from a local directory.
using ModelLoader =
    std::function<absl::StatusOr<std::shared_ptr<const tf::FunctionalModel>>(const std::string& saved_model_dir)>;

// What one task's build produces (behavior.md §10.2).
struct TaskArtifacts {
  std::string plan;                // serialized google.internal.federated.plan.Plan (deterministic)
  std::string client_only_plan;    // serialized ClientOnlyPlan (deterministic)
  std::string initial_checkpoint;  // TF V1 checkpoint bytes of the initial server state
  // The minimum Android module version the device program needs (flex-op check, §10.4); nullopt when the check
  // was skipped (ExperimentFlags.skip_flex_ops_check), which leaves the task's "0".
  std::optional<std::string> min_client_version;
};

enum class TaskRole { kTraining, kEvaluation };

struct ArtifactInputs {
  const tf::FunctionalModel* model = nullptr;  // never null
  const odp::TaskConfig* config = nullptr;
  const odp::ExperimentFlags* flags = nullptr;
  const DpSettings* dp = nullptr;
};

// Stage B's result: the learning (and evaluation) processes composed for one request.
class PreparedLearning {
 public:
  virtual ~PreparedLearning() = default;
  // Stages D/E: the artifacts of one task. kTraining uses the training process and the training example
  // selector; kEvaluation the evaluation ones. Error messages are the original's str(e) part, e.g.
  // "Cannot build the plan: ...", "Cannot build the initial checkpoint: ...".
  virtual absl::StatusOr<TaskArtifacts> Build(TaskRole role) = 0;
};

// The artifact compiler (model + config + DP -> Plan, ClientOnlyPlan, checkpoint). Thread-safe.
class ArtifactBuilder {
 public:
  virtual ~ArtifactBuilder() = default;
  // Stage B, first half (the original's compose_preprocessing_fn): the model's input spec against the dataset
  // policy and label name. The message is what follows "Failed to build learning algorithm based on
  // `learning_process` config: ", e.g. "Input spec must be a tuple" or "Label name cannot be empty.".
  virtual absl::Status CheckModelInputs(const ArtifactInputs& inputs) = 0;
  // Stage B, second half (compose_iterative_processes): the processes the requested mode needs.
  virtual absl::StatusOr<std::unique_ptr<PreparedLearning>> Prepare(const ArtifactInputs& inputs) = 0;
};

}  // namespace tb::pipeline

#endif  // TASKBUILDER_PIPELINE_PORTS_H_
