// `taskbuilder inspect PATH`: a JSON summary of an artifact — SavedModel directory, tensor bundle, V1 checkpoint,
// bare table, Plan / ClientOnlyPlan (once proto/fcp/plan.proto exists), fingerprint.pb, and TFLite flatbuffers
// through the tflite layer's hook (see InspectTfLite below). Every checksum is verified; exit code 1 when the
// artifact is corrupt or unreadable, 2 for usage errors.
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "cli/command.h"
#include "nlohmann/json.hpp"
#include "tensorflow/fingerprint.pb.h"
#include "tf/inspect.h"
#include "fcp/plan.pb.h"
#include "tflite/inspect.h"

namespace tb::cli {
namespace {

using nlohmann::json;

constexpr char kUsage[] =
    "taskbuilder inspect PATH [--kind=saved_model|bundle|checkpoint|table|plan|client_only_plan|tflite|fingerprint]\n"
    "  PATH is a SavedModel directory, a bundle prefix or .index file, a V1 checkpoint (.ckp), a plan.pb,\n"
    "  client_only_plan.pb, a TFLite file or fingerprint.pb. The kind is detected from the bytes unless --kind\n"
    "  is given. Prints JSON on stdout; every checksum is verified.\n";

int Fail(int code, const std::string& message) {
  std::cerr << "taskbuilder inspect: " << message << "\n";
  return code;
}

absl::StatusOr<json> InspectProtoFile(const std::string& path, const std::string& kind) {
  auto bytes = ReadFile(path, uint64_t{2} << 30);
  if (!bytes.ok()) return bytes.status();
  if (kind == "fingerprint") {
    tensorflow::FingerprintDef fp;
    if (!fp.ParseFromString(*bytes)) return absl::InvalidArgumentError(path + " is not a FingerprintDef");
    json j = tf::ProtoToJson(fp);
    j["kind"] = "fingerprint";
    return j;
  }
  namespace plan = ::google::internal::federated::plan;
  if (kind == "client_only_plan") {
    plan::ClientOnlyPlan p;
    if (!p.ParseFromString(*bytes)) return absl::InvalidArgumentError(path + " is not a ClientOnlyPlan");
    json j = tf::ProtoToJson(p);
    j["kind"] = "client_only_plan";
    j["bytes"] = bytes->size();
    return j;
  }
  if (kind == "plan") {
    plan::Plan p;
    if (!p.ParseFromString(*bytes)) return absl::InvalidArgumentError(path + " is not a Plan");
    json j = tf::ProtoToJson(p);
    j["kind"] = "plan";
    j["bytes"] = bytes->size();
    return j;
  }
  return absl::InvalidArgumentError(absl::StrCat("cannot inspect ", path, " as ", kind));
}

absl::StatusOr<json> InspectTfLite(const std::string& path) {
  auto bytes = ReadFile(path, uint64_t{2} << 30);
  if (!bytes.ok()) return bytes.status();
  auto text = ::tb::tflite::InspectToJson(*bytes);
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InternalError("the TFLite inspector returned invalid JSON");
  return json{{"kind", "tflite"}, {"path", path}, {"tflite", j}};
}

// A guess for non-table protos from the file name, the way the original names its outputs.
std::string ProtoKindFromName(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  if (name == "fingerprint.pb") return "fingerprint";
  if (name.find("client_only_plan") != std::string::npos) return "client_only_plan";
  return "plan";
}

int RunInspect(const Flags& flags) {
  if (absl::Status s = flags.CheckKnown({"kind", "help", "quiet", "verbose"}); !s.ok()) {
    return Fail(2, std::string(s.message()));
  }
  if (flags.positional().size() != 1) return Fail(2, std::string("expected exactly one PATH\n") + kUsage);
  const std::string path = flags.positional()[0];
  std::string kind = flags.GetOr("kind", "");
  if (kind.empty()) {
    auto detected = tf::DetectArtifact(path);
    if (!detected.ok()) return Fail(1, std::string(detected.status().message()));
    switch (*detected) {
      case tf::ArtifactKind::kSavedModel: kind = "saved_model"; break;
      case tf::ArtifactKind::kBundle: kind = "bundle"; break;
      case tf::ArtifactKind::kV1Checkpoint: kind = "checkpoint"; break;
      case tf::ArtifactKind::kTable: kind = "table"; break;
      case tf::ArtifactKind::kTfLite: kind = "tflite"; break;
      case tf::ArtifactKind::kOther: kind = ProtoKindFromName(path); break;
    }
  }
  absl::StatusOr<json> result = absl::InvalidArgumentError("unknown --kind '" + kind + "'\n" + kUsage);
  if (kind == "saved_model") result = tf::InspectSavedModel(path);
  if (kind == "bundle") result = tf::InspectBundle(path);
  if (kind == "checkpoint") result = tf::InspectCheckpoint(path);
  if (kind == "table") result = tf::InspectTable(path);
  if (kind == "tflite") result = InspectTfLite(path);
  if (kind == "plan" || kind == "client_only_plan" || kind == "fingerprint") result = InspectProtoFile(path, kind);
  if (!result.ok()) return Fail(1, std::string(result.status().message()));
  std::cout << result->dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  const bool corrupt = (result->contains("checksums_ok") && !(*result)["checksums_ok"].get<bool>()) ||
                       (result->contains("variables") && (*result)["variables"].contains("checksums_ok") &&
                        !(*result)["variables"]["checksums_ok"].get<bool>());
  return corrupt ? 1 : 0;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "inspect",
                     .summary = "Show a SavedModel, bundle, checkpoint, plan or TFLite file as JSON.",
                     .usage = kUsage,
                     .bool_flags = {},
                     .run = &RunInspect});

}  // namespace tb::cli
