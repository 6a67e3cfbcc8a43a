#include "runtime/simulator/client_program.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/graphdef/session.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "runtime/kernels/resource.h"
#include "tf/tensor_proto.h"
#include "tflite/flex_payload.h"
#include "tflite/model_reader.h"

namespace tb::runtime::simulator {
namespace {

constexpr char kToken[] = "simulated-client";

// Builds the spec from a ParseExampleV2's attrs and its dense_keys constant.
absl::StatusOr<data::ParseExampleSpec> SpecFrom(const google::protobuf::Map<std::string, tensorflow::AttrValue>& attrs,
                                                const std::vector<std::string>& keys) {
  data::ParseExampleSpec spec;
  auto tdense = attrs.find("Tdense");
  auto shapes = attrs.find("dense_shapes");
  if (tdense == attrs.end() || shapes == attrs.end() ||
      tdense->second.list().type_size() != shapes->second.list().shape_size() ||
      tdense->second.list().type_size() != static_cast<int>(keys.size())) {
    return absl::InvalidArgumentError("ParseExampleV2 node lacks consistent Tdense/dense_shapes/dense_keys");
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    auto dtype = tf::FromProto(tdense->second.list().type(static_cast<int>(i)));
    if (!dtype.ok()) return dtype.status();
    auto shape = tf::PartialShapeFromProto(shapes->second.list().shape(static_cast<int>(i)));
    if (!shape.ok()) return shape.status();
    spec.dense.push_back({keys[i], *dtype, *shape, {}});
  }
  return spec;
}

std::optional<data::ParseExampleSpec> TfliteExampleSpec(const ::tb::tflite::Model& m) {
  for (int s = 0; s < m.num_subgraphs(); ++s) {
    const auto& sg = m.subgraph(s);
    for (const auto* op : *sg.operators()) {
      if (::tb::tflite::FlexOpFromCustomCode(m.CustomCode(*op)) != "ParseExampleV2") continue;
      auto payload = ::tb::tflite::DecodeFlexPayload(m.CustomOptions(*op));
      tensorflow::NodeDef node;
      if (!payload.ok() || !node.ParseFromString(payload->node_def) || op->inputs()->size() < 4) continue;
      const int32_t keys_tensor = op->inputs()->Get(3);
      if (keys_tensor < 0) continue;
      auto data = m.ConstantData(*sg.tensors()->Get(keys_tensor));
      if (!data.has_value()) continue;
      auto keys = ::tb::tflite::DecodeStringBuffer(*data);
      if (!keys.ok()) continue;
      auto spec = SpecFrom(node.attr(), *keys);
      if (spec.ok()) return *spec;
    }
  }
  return std::nullopt;
}

std::optional<data::ParseExampleSpec> GraphExampleSpec(const tensorflow::GraphDef& g) {
  auto try_nodes = [](const auto& nodes, auto find_const) -> std::optional<data::ParseExampleSpec> {
    for (const tensorflow::NodeDef& n : nodes) {
      if (n.op() != "ParseExampleV2" || n.input_size() < 4) continue;
      std::string key_node = n.input(3).substr(0, n.input(3).find(':'));
      const tensorflow::NodeDef* c = find_const(key_node);
      if (c == nullptr || c->op() != "Const" || !c->attr().count("value")) continue;
      auto t = tf::TensorFromProto(c->attr().at("value").tensor());
      if (!t.ok() || t->dtype() != tf::DType::kString) continue;
      std::vector<std::string> keys(t->flat<std::string>().begin(), t->flat<std::string>().end());
      auto spec = SpecFrom(n.attr(), keys);
      if (spec.ok()) return *spec;
    }
    return std::nullopt;
  };
  auto in_graph = [&g](const std::string& name) -> const tensorflow::NodeDef* {
    for (const auto& n : g.node()) {
      if (n.name() == name) return &n;
    }
    return nullptr;
  };
  if (auto s = try_nodes(g.node(), in_graph)) return s;
  for (const auto& f : g.library().function()) {
    auto in_fn = [&f](const std::string& name) -> const tensorflow::NodeDef* {
      for (const auto& n : f.node_def()) {
        if (n.name() == name) return &n;
      }
      return nullptr;
    };
    if (auto s = try_nodes(f.node_def(), in_fn)) return s;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClientProgram>> ClientProgram::Create(const plan::ClientOnlyPlan& p) {
  std::unique_ptr<ClientProgram> c(new ClientProgram());
  if (!p.phase().has_tensorflow_spec()) return absl::InvalidArgumentError("the ClientOnlyPlan's phase has no tensorflow_spec");
  if (!p.phase().has_federated_compute()) {
    return absl::InvalidArgumentError("the ClientOnlyPlan's phase has no federated_compute IO router");
  }
  c->spec_ = p.phase().tensorflow_spec();
  c->input_name_ = p.phase().federated_compute().input_filepath_tensor_name();
  c->output_name_ = p.phase().federated_compute().output_filepath_tensor_name();
  if (c->spec_.dataset_token_tensor_name().empty() || c->input_name_.empty() || c->output_name_.empty()) {
    return absl::InvalidArgumentError("the ClientOnlyPlan does not name its dataset token and checkpoint tensors");
  }
  if (!p.tflite_graph().empty()) {
    auto model = ::tb::tflite::Model::Parse(p.tflite_graph());
    if (!model.ok()) return Annotate(model.status(), "ClientOnlyPlan.tflite_graph");
    auto shared = std::make_shared<const ::tb::tflite::Model>(std::move(*model));
    auto inventory = ::tb::tflite::TakeOpInventory(*shared);
    if (!inventory.ok()) return inventory.status();
    c->inventory_ = std::move(*inventory);
    c->example_spec_ = TfliteExampleSpec(*shared);
    auto interp = tflite::Interpreter::Create(shared);
    if (!interp.ok()) return Annotate(interp.status(), "ClientOnlyPlan.tflite_graph");
    c->interpreter_ = std::move(*interp);
    return c;
  }
  if (p.graph().empty()) return absl::InvalidArgumentError("the ClientOnlyPlan has neither tflite_graph nor graph");
  auto graph = std::make_shared<tensorflow::GraphDef>();
  if (!graph->ParseFromString(p.graph())) return absl::InvalidArgumentError("ClientOnlyPlan.graph is not a GraphDef");
  std::set<std::string> ops;
  for (const auto& n : graph->node()) ops.insert(n.op());
  for (const auto& f : graph->library().function()) {
    for (const auto& n : f.node_def()) ops.insert(n.op());
  }
  c->graph_ops_.assign(ops.begin(), ops.end());
  c->example_spec_ = GraphExampleSpec(*graph);
  // Validate once (kernels for every op, resolvable inputs); each run gets a fresh session.
  auto probe = graphdef::Session::Create(graph);
  if (!probe.ok()) return Annotate(probe.status(), "ClientOnlyPlan.graph");
  c->graph_ = std::move(graph);
  return c;
}

std::vector<std::string> ClientProgram::FlexOps() const {
  if (inventory_.has_value()) return ::tb::tflite::FlexOpNames(*inventory_);
  return graph_ops_;
}

void ClientProgram::set_profiling(bool on) {
  if (interpreter_ != nullptr) interpreter_->set_profiling(on);
}

std::map<std::string, tflite::OpProfile> ClientProgram::profile() const {
  if (interpreter_ == nullptr) return {};
  return interpreter_->profile();
}

absl::StatusOr<ClientRunResult> ClientProgram::Run(std::shared_ptr<const std::vector<std::string>> examples,
                                                   const std::string& input_checkpoint,
                                                   const std::string& output_checkpoint, bool locate_nonfinite) {
  tf::Tensor records(tf::DType::kString, {static_cast<int64_t>(examples->size())});
  auto flat = records.flat<std::string>();
  for (size_t i = 0; i < examples->size(); ++i) flat[i] = (*examples)[i];
  ClientRunResult result;
  if (interpreter_ != nullptr) {
    ResourceStore resources;
    resources.Set(ExternalDatasetKey(kToken), records);
    KernelEnv env;
    env.resources = &resources;
    interpreter_->set_env(env);
    interpreter_->set_nonfinite_watch(locate_nonfinite);
    interpreter_->ResetNonFiniteWatch();
    auto out = interpreter_->InvokeMain({{spec_.dataset_token_tensor_name(), tf::Tensor::StringScalar(kToken)},
                                         {input_name_, tf::Tensor::StringScalar(input_checkpoint)},
                                         {output_name_, tf::Tensor::StringScalar(output_checkpoint)}});
    interpreter_->set_env(KernelEnv());
    if (!out.ok()) return out.status();
    result.first_nonfinite = interpreter_->first_nonfinite();
    return result;
  }
  TB_ASSIGN_OR_RETURN(auto session, graphdef::Session::Create(graph_));
  session->resources().Set(ExternalDatasetKey(kToken), records);
  std::vector<std::pair<std::string, tf::Tensor>> feeds = {
      {spec_.dataset_token_tensor_name(), tf::Tensor::StringScalar(kToken)},
      {input_name_, tf::Tensor::StringScalar(input_checkpoint)},
      {output_name_, tf::Tensor::StringScalar(output_checkpoint)}};
  for (const auto& [name, proto] : spec_.constant_inputs()) {
    TB_ASSIGN_OR_RETURN(tf::Tensor value, tf::TensorFromProto(proto));
    feeds.emplace_back(name, value);
  }
  std::vector<std::string> targets(spec_.target_node_names().begin(), spec_.target_node_names().end());
  auto out = session->Run(feeds, {}, targets);
  if (!out.ok()) return out.status();
  return result;
}

}  // namespace tb::runtime::simulator
