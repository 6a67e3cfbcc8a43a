#include "tests/graph/tfjs_runner.h"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "tf/tensor_proto.h"
#include "nlohmann/json.hpp"
#include "tests/testing/testing.h"

namespace tb::testing {
namespace {

std::string ScriptDir() { return SourceDir() + "/tests/js/tfjs"; }

// The `node` executable on PATH (Subprocess runs argv[0] as a path, not a PATH search).
std::string NodeBinary() {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/bin:/usr/local/bin", ':')) {
    std::string candidate = absl::StrCat(dir, "/node");
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

std::string TfjsMissing() {
  if (!std::filesystem::exists(ScriptDir() + "/node_modules/@tensorflow/tfjs-converter")) {
    return "tfjs is not installed: run scripts/install-js.sh";
  }
  if (NodeBinary().empty()) return "node is not on PATH";
  return "";
}

absl::Status WriteTfjsModel(const tensorflow::GraphDef& graph_def, const std::string& dir) {
  nlohmann::json weights = nlohmann::json::array();
  std::string data;
  for (const auto& nd : graph_def.node()) {
    if (nd.op() != "Const") continue;
    TB_ASSIGN_OR_RETURN(tf::Tensor t, tf::TensorFromProto(nd.attr().at("value").tensor()));
    nlohmann::json spec = {{"name", nd.name()}, {"shape", t.shape()}};
    switch (t.dtype()) {
      case tf::DType::kFloat:
        spec["dtype"] = "float32";
        data.append(t.bytes());
        break;
      case tf::DType::kInt32:
        spec["dtype"] = "int32";
        data.append(t.bytes());
        break;
      case tf::DType::kInt64: {  // tfjs has no int64 weights: ship them as int32
        spec["dtype"] = "int32";
        for (int64_t v : t.flat<int64_t>()) {
          int32_t x = static_cast<int32_t>(v);
          data.append(reinterpret_cast<const char*>(&x), 4);
        }
        break;
      }
      case tf::DType::kBool:
        spec["dtype"] = "bool";
        for (bool v : t.flat<bool>()) data.push_back(v ? 1 : 0);
        break;
      default:
        return absl::UnimplementedError(absl::StrCat("tfjs export: Const ", nd.name(), " has dtype ", t.DebugType()));
    }
    weights.push_back(spec);
  }
  std::string topology;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = false;
  auto s = google::protobuf::util::MessageToJsonString(graph_def, &topology, opts);
  if (!s.ok()) return absl::InternalError(std::string(s.message()));
  nlohmann::json model = {{"format", "graph-model"},
                          {"generatedBy", "taskbuilder"},
                          {"convertedBy", "taskbuilder"},
                          {"modelTopology", nlohmann::json::parse(topology)},
                          {"weightsManifest", {{{"paths", {"weights.bin"}}, {"weights", weights}}}}};
  TB_RETURN_IF_ERROR(WriteFile(dir + "/model.json", model.dump()));
  return WriteFile(dir + "/weights.bin", data);
}

absl::StatusOr<std::vector<tf::Tensor>> RunTfjs(const std::string& dir, const std::map<std::string, tf::Tensor>& inputs,
                                                const std::vector<std::string>& outputs) {
  nlohmann::json request;
  request["outputs"] = outputs;
  request["inputs"] = nlohmann::json::object();
  for (const auto& [name, t] : inputs) {
    nlohmann::json in = {{"shape", t.shape()}};
    if (t.dtype() == tf::DType::kFloat) {
      in["dtype"] = "float32";
      in["values"] = std::vector<float>(t.flat<float>().begin(), t.flat<float>().end());
    } else if (t.dtype() == tf::DType::kInt32) {
      in["dtype"] = "int32";
      in["values"] = std::vector<int32_t>(t.flat<int32_t>().begin(), t.flat<int32_t>().end());
    } else if (t.dtype() == tf::DType::kInt64) {
      in["dtype"] = "int32";
      std::vector<int32_t> v;
      for (int64_t x : t.flat<int64_t>()) v.push_back(static_cast<int32_t>(x));
      in["values"] = v;
    } else {
      return absl::UnimplementedError(absl::StrCat("tfjs input ", name, " has dtype ", t.DebugType()));
    }
    request["inputs"][name] = in;
  }
  TB_RETURN_IF_ERROR(WriteFile(dir + "/request.json", request.dump()));
  auto r = Run({NodeBinary(), ScriptDir() + "/run_graph.js", dir}, std::chrono::seconds(300),
               {{"NODE_PATH", ScriptDir() + "/node_modules"}});
  if (r.exit_code != 0) return absl::InternalError(absl::StrCat("tfjs failed (", r.exit_code, "): ", r.err));
  nlohmann::json result = nlohmann::json::parse(r.out, nullptr, false);
  if (result.is_discarded()) return absl::InternalError(absl::StrCat("tfjs printed no JSON: ", r.out.substr(0, 200)));
  std::vector<tf::Tensor> out;
  for (const auto& o : result["outputs"]) {
    tf::Shape shape = o["shape"].get<std::vector<int64_t>>();
    if (o["dtype"] == "float32") {
      out.push_back(tf::Tensor::FromVector<float>(o["values"].get<std::vector<float>>(), shape));
    } else {
      out.push_back(tf::Tensor::FromVector<int32_t>(o["values"].get<std::vector<int32_t>>(), shape));
    }
  }
  return out;
}

}  // namespace tb::testing
