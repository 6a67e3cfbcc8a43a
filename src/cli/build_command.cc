// `taskbuilder build`: the local build. Runs the build pipeline artifact-only (no task management) and writes the
// artifacts into --out under the original's sample file names, plus the BuildTaskResponse and the task report.
// JSON summary on stdout; logs on stderr.
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "base/logging.h"
#include "cli/command.h"
#include "config/defaults.h"
#include "config/task_config_text.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "pipeline/build_pipeline.h"
#include "server/build_services.h"

namespace tb::cli {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

constexpr char kUsage[] =
    "taskbuilder build --saved_model=PATH|gs://... --task_config=FILE.pbtxt|gs://... --out=DIR\n"
    "                  [--skip_flex_ops_check] [--skip_dp_check] [--skip_dp_aggregator] [--population_name=NAME]\n\n"
    "Builds the artifacts of the task config's mode without task management (as :build-artifacts does) and writes\n"
    "them to DIR: plan.pb, client_only_plan.pb, initial_state.server.ckp for the training task, eval_plan.pb,\n"
    "eval_client_only_plan.pb, eval_initial_state.server.ckp for the evaluation task, build_task_response.pb and\n"
    "task_report.json. --build_artifact_only is accepted and always on. Exit 0 on success, 1 when the build failed\n"
    "(the error is in the JSON on stdout and in build_task_response.pb), 2 on bad flags.\n";

std::string Absolutize(const std::string& path) {
  if (path.rfind("gs://", 0) == 0 || path.rfind("file://", 0) == 0 || path.empty() || path[0] == '/') return path;
  return (std::filesystem::current_path() / path).lexically_normal().string();
}

void PointArtifactsAt(const std::string& dir, const std::string& prefix, odp::ArtifactBuilding* building) {
  building->set_plan_url(absl::StrCat(dir, "/", prefix, "plan.pb"));
  building->set_client_plan_url(absl::StrCat(dir, "/", prefix, "client_only_plan.pb"));
  building->set_checkpoint_url(absl::StrCat(dir, "/", prefix, "initial_state.server.ckp"));
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

int RunBuild(const Flags& flags) {
  if (absl::Status s = flags.CheckKnown({"saved_model", "task_config", "out", "build_artifact_only",
                                         "skip_flex_ops_check", "skip_dp_check", "skip_dp_aggregator",
                                         "population_name", "quiet", "verbose", "help"});
      !s.ok()) {
    std::cerr << "taskbuilder build: " << s.message() << "\n" << kUsage;
    return 2;
  }
  for (const char* required : {"saved_model", "task_config", "out"}) {
    if (flags.GetOr(required, "").empty()) {
      std::cerr << "taskbuilder build: --" << required << " is required\n" << kUsage;
      return 2;
    }
  }
  const std::string out = std::filesystem::absolute(flags.GetOr("out", "")).lexically_normal().string();
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::cerr << "taskbuilder build: cannot create " << out << ": " << ec.message() << "\n";
    return 1;
  }

  server::ServiceOptions options;
  options.storage = out;
  options.artifact_root = out;
  options.with_task_management = false;
  auto services = server::BuildServices::Create(options);
  if (!services.ok()) {
    std::cerr << "taskbuilder build: " << services.status().message() << "\n";
    return 1;
  }
  for (const std::string& line : (*services)->Describe()) TB_LOG(DEBUG) << line;

  const std::string config_path = Absolutize(flags.GetOr("task_config", ""));
  auto text = (*services)->blob_store().Get(config_path, config::kMaxTaskConfigTextBytes);
  auto config = text.ok() ? config::ParseTaskConfigText(*text) : absl::StatusOr<odp::TaskConfig>(text.status());
  if (!config.ok()) {
    std::cerr << "taskbuilder build: Cannot load task config from " << config_path << ". "
              << config.status().message() << "\n";
    return 1;
  }
  odp::BuildTaskRequest request;
  request.mutable_saved_model()->set_uri(Absolutize(flags.GetOr("saved_model", "")));
  *request.mutable_task_config() = *std::move(config);
  odp::TaskConfig* task_config = request.mutable_task_config();
  if (const std::string population = flags.GetOr("population_name", ""); !population.empty()) {
    task_config->set_population_name(population);
  }
  PointArtifactsAt(out, "", task_config->mutable_federated_learning()->mutable_learning_process()->mutable_artifact_building());
  PointArtifactsAt(out, "eval_", task_config->mutable_federated_learning()->mutable_evaluation()->mutable_artifact_building());
  request.mutable_flags()->set_skip_flex_ops_check(flags.GetBool("skip_flex_ops_check"));
  request.mutable_flags()->set_skip_dp_check(flags.GetBool("skip_dp_check"));
  request.mutable_flags()->set_skip_dp_aggregator(flags.GetBool("skip_dp_aggregator"));

  TB_LOG(INFO) << "Building the artifacts of " << request.saved_model().uri() << " into " << out;
  const pipeline::BuildResult result = pipeline::RunBuild(request, /*artifact_only=*/true, (*services)->pipeline());
  const odp::BuildTaskResponse& response = result.response;
  if (absl::Status s = WriteFileAtomic(out + "/build_task_response.pb", ::tb::SerializeDeterministic(response));
      !s.ok()) {
    std::cerr << "taskbuilder build: " << s.message() << "\n";
    return 1;
  }
  if (absl::Status s = WriteFileAtomic(out + "/task_report.json", ToJson(response.task_report()) + "\n"); !s.ok()) {
    std::cerr << "taskbuilder build: " << s.message() << "\n";
    return 1;
  }

  nlohmann::ordered_json summary;
  summary["ok"] = response.has_task_group();
  summary["out"] = out;
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  for (const char* name : {"plan.pb", "client_only_plan.pb", "initial_state.server.ckp", "eval_plan.pb",
                           "eval_client_only_plan.pb", "eval_initial_state.server.ckp", "build_task_response.pb",
                           "task_report.json"}) {
    const std::string path = out + "/" + name;
    if (std::filesystem::exists(path, ec)) files[name] = std::filesystem::file_size(path, ec);
  }
  summary["files"] = files;
  summary["response"] = nlohmann::ordered_json::parse(ToJson(response), nullptr, false);
  std::cout << summary.dump(2) << "\n";
  if (!response.has_task_group()) {
    std::cerr << "taskbuilder build: " << odp::ErrorType::Enum_Name(response.error_info().error_type()) << ": "
              << response.error_info().error_message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "build",
                     .summary = "Build a task's artifacts locally into a directory (no task management).",
                     .usage = kUsage,
                     .bool_flags = {"build_artifact_only", "skip_flex_ops_check", "skip_dp_check",
                                    "skip_dp_aggregator"},
                     .run = &RunBuild});

}  // namespace tb::cli
