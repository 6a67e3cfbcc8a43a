// Test doubles for the pipeline's ports, so the pipeline's orchestration (stage order, messages, compensation)
// can be tested on its own. The blob store writes real files under a temp directory; task management keeps its
// tasks in memory with ODP's id and URL layout; the artifact builder returns small deterministic bytes and can be
// told to fail at any stage. Production implementations live in storage/, tm/ and the artifact compiler.
#ifndef TASKBUILDER_TESTS_PIPELINE_PIPELINE_FAKES_H_
#define TASKBUILDER_TESTS_PIPELINE_PIPELINE_FAKES_H_

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/build_pipeline.h"
#include "pipeline/ports.h"

namespace tb::pipeline::testing {

// A BlobStore over a local directory: gs://bucket/object maps to <root>/gs/bucket/object, absolute paths map to
// themselves. Put number `fail_put_number` (1-based) fails.
class DirectoryBlobStore : public BlobStore {
 public:
  explicit DirectoryBlobStore(std::string root) : root_(std::move(root)) {}

  absl::Status CheckArtifactUri(const std::string& uri) override {
    if (uri.rfind("gs://", 0) == 0) {
      const std::string rest = uri.substr(5);
      const size_t slash = rest.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
        return absl::InvalidArgumentError("needs a bucket and an object");
      }
      return absl::OkStatus();
    }
    if (!uri.empty() && uri[0] == '/') return absl::OkStatus();
    return absl::InvalidArgumentError("unsupported scheme");
  }

  absl::Status Put(const std::string& uri, std::string_view data) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++puts_;
    if (puts_ == fail_put_number) return absl::UnavailableError("injected storage failure");
    const std::string path = PathFor(uri);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << data;
    written_.push_back(uri);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max_bytes) override {
    std::ifstream in(PathFor(uri), std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(uri, " not found"));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  absl::StatusOr<std::string> FetchDirectory(const std::string& uri, const std::string& scratch_dir) override {
    ++fetches;
    if (!std::filesystem::is_directory(PathFor(uri))) return absl::NotFoundError(absl::StrCat("no objects under ", uri));
    return PathFor(uri);
  }

  std::string PathFor(const std::string& uri) const {
    if (uri.rfind("gs://", 0) == 0) return root_ + "/gs/" + uri.substr(5);
    return uri;
  }
  std::string Read(const std::string& uri) const {
    std::ifstream in(PathFor(uri), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::vector<std::string> written() const {
    std::lock_guard<std::mutex> lock(mu_);
    return written_;
  }

  int fail_put_number = 0;
  int fetches = 0;

 private:
  std::string root_;
  mutable std::mutex mu_;
  int puts_ = 0;
  std::vector<std::string> written_;
};

// In-memory TM with ODP's semantics: ids per population from 1, status CREATED, URLs in the GCS layout.
class RecordingTaskManagement : public TaskManagement {
 public:
  absl::Status CheckAvailable() override { return available; }

  absl::StatusOr<odp::Task> CreateTask(const odp::Task& task) override {
    requests.push_back(task);
    if (static_cast<int>(requests.size()) == fail_create_number) return create_error;
    odp::Task out = task;
    out.set_task_id(++next_id_[task.population_name()]);
    out.set_status(odp::TaskStatus::CREATED);
    const std::string base =
        absl::StrCat("gs://", bucket, "/", task.population_name(), "/", out.task_id(), "/0/s/0/");
    out.clear_client_only_plan_url();
    out.clear_server_phase_url();
    out.clear_init_checkpoint_url();
    out.add_client_only_plan_url(base + "client_only_plan");
    out.add_server_phase_url(server_phase_url_override.empty() ? base + "server_phase" : server_phase_url_override);
    out.add_init_checkpoint_url(base + "checkpoint");
    out.add_metrics_url(base + "metrics");
    return out;
  }

  absl::Status CancelTask(const odp::Task& created) override {
    cancelled.push_back(absl::StrCat(created.population_name(), "/", created.task_id()));
    return cancel_error;
  }

  absl::Status available = absl::OkStatus();
  int fail_create_number = 0;
  absl::Status create_error = absl::UnavailableError("409: Conflict");
  absl::Status cancel_error = absl::OkStatus();
  std::string bucket = "fcp-test-m-0";
  std::string server_phase_url_override;
  std::vector<odp::Task> requests;
  std::vector<std::string> cancelled;

 private:
  std::map<std::string, int64_t> next_id_;
};

// Deterministic artifacts: "plan:<role>:<population>" etc.; min_client_version as the original's tests observed
// (training plans use L2Loss: 341912000; eval plans 341812000) unless the flex-op check is skipped.
class ScriptedArtifactBuilder : public ArtifactBuilder {
 public:
  class Prepared : public PreparedLearning {
   public:
    Prepared(ScriptedArtifactBuilder* owner, odp::TaskConfig config, odp::ExperimentFlags flags)
        : owner_(owner), config_(std::move(config)), flags_(std::move(flags)) {}
    absl::StatusOr<TaskArtifacts> Build(TaskRole role) override {
      const bool training = role == TaskRole::kTraining;
      owner_->built_roles.push_back(role);
      if (training && !owner_->training_build_error.ok()) return owner_->training_build_error;
      if (!training && !owner_->eval_build_error.ok()) return owner_->eval_build_error;
      const std::string tag = absl::StrCat(training ? "training" : "eval", ":", config_.population_name());
      TaskArtifacts out;
      out.plan = "plan:" + tag;
      out.client_only_plan = "client_only_plan:" + tag;
      out.initial_checkpoint = "checkpoint:" + tag;
      if (!flags_.skip_flex_ops_check()) out.min_client_version = training ? "341912000" : "341812000";
      return out;
    }

   private:
    ScriptedArtifactBuilder* owner_;
    odp::TaskConfig config_;
    odp::ExperimentFlags flags_;
  };

  absl::Status CheckModelInputs(const ArtifactInputs& inputs) override {
    seen_model = inputs.model;
    seen_dp = *inputs.dp;
    return check_error;
  }
  absl::StatusOr<std::unique_ptr<PreparedLearning>> Prepare(const ArtifactInputs& inputs) override {
    if (!prepare_error.ok()) return prepare_error;
    return std::unique_ptr<PreparedLearning>(new Prepared(this, *inputs.config, *inputs.flags));
  }

  absl::Status check_error = absl::OkStatus();
  absl::Status prepare_error = absl::OkStatus();
  absl::Status training_build_error = absl::OkStatus();
  absl::Status eval_build_error = absl::OkStatus();
  const tf::FunctionalModel* seen_model = nullptr;
  DpSettings seen_dp;
  std::vector<TaskRole> built_roles;
};

// A stand-in for a loaded model. The pipeline only passes the pointer through to the artifact builder, so an
// opaque non-null pointer is enough here (the real type belongs to tf/).
inline std::shared_ptr<const tf::FunctionalModel> OpaqueModel() {
  static char token;
  return std::shared_ptr<const tf::FunctionalModel>(std::shared_ptr<void>(),
                                                    reinterpret_cast<const tf::FunctionalModel*>(&token));
}

// DP values of the original's GOOD config (behavior.md §11 test_validate_fcp_dp).
inline DpSettings GoodDp() {
  DpSettings dp;
  dp.noise_multiplier = 6.0;
  dp.clip_norm = 0.1;
  dp.delta = 1e-9;
  dp.epsilon = 0.017875321190415894;
  dp.num_training_rounds = 1000;
  dp.aggregator = odp::DpAggregator::FIXED_GAUSSIAN;
  return dp;
}

}  // namespace tb::pipeline::testing

#endif  // TASKBUILDER_TESTS_PIPELINE_PIPELINE_FAKES_H_
