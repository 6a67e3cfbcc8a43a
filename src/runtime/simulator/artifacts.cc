#include "runtime/simulator/artifacts.h"

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "base/status_macros.h"

namespace tb::runtime::simulator {
namespace {

bool NonEmptyFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) > 0;
}

absl::Status RequireFile(const std::string& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(ToAbsl(what), " not found: ", path));
  }
  if (!NonEmptyFile(path)) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), " is empty: ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TaskArtifacts> LoadTaskArtifacts(const std::string& dir, TaskKind kind,
                                                const std::string& checkpoint_override) {
  TaskArtifacts a;
  a.kind = kind;
  const std::string prefix = kind == TaskKind::kEvaluation ? "eval_" : "";
  a.plan_path = dir + "/" + prefix + "plan.pb";
  a.client_plan_path = dir + "/" + prefix + "client_only_plan.pb";
  if (!checkpoint_override.empty()) {
    a.checkpoint_path = checkpoint_override;
  } else if (kind == TaskKind::kEvaluation && NonEmptyFile(dir + "/initial_state.server.ckp")) {
    a.checkpoint_path = dir + "/initial_state.server.ckp";
  } else {
    a.checkpoint_path = dir + "/" + prefix + "initial_state.server.ckp";
  }
  TB_RETURN_IF_ERROR(RequireFile(a.plan_path, "Plan"));
  TB_RETURN_IF_ERROR(RequireFile(a.client_plan_path, "ClientOnlyPlan"));
  TB_RETURN_IF_ERROR(RequireFile(a.checkpoint_path, "server checkpoint"));
  TB_ASSIGN_OR_RETURN(std::string plan_bytes, ReadFile(a.plan_path));
  if (!a.plan.ParseFromString(plan_bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(a.plan_path, " is not a google.internal.federated.plan.Plan"));
  }
  TB_ASSIGN_OR_RETURN(std::string client_bytes, ReadFile(a.client_plan_path));
  if (!a.client_plan.ParseFromString(client_bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(a.client_plan_path, " is not a ClientOnlyPlan"));
  }
  return a;
}

}  // namespace tb::runtime::simulator
