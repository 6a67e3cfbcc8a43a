#include "tests/fl/round_harness.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "runtime/interpreter/ir_interpreter.h"
#include "runtime/kernels/dataset_kernel_util.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"

namespace tb::fl::testing {

RoundHarness::RoundHarness(const MapReduceProgram& program, uint64_t seed) : program_(program), seed_(seed) {
  for (const StateTensor& s : program.server_state) state_.push_back(s.initial);
}

const tf::Tensor& RoundHarness::State(const std::string& path) const {
  for (size_t i = 0; i < program_.server_state.size(); ++i) {
    if (program_.server_state[i].slot.path == path) return state_[i];
  }
  static const tf::Tensor* missing = new tf::Tensor();
  ADD_FAILURE() << "no state " << path;
  return *missing;
}

absl::StatusOr<std::map<std::string, tf::Tensor>> RoundHarness::RunClient(
    const std::map<std::string, tf::Tensor>& broadcast, const std::vector<std::string>& examples) {
  const ClientProgram& client = program_.client;
  const int run = runs_++;
  const std::string in = dir_.Join(absl::StrCat("client_", run, ".ckp"));
  const std::string out = dir_.Join(absl::StrCat("update_", run, ".ckp"));
  std::vector<tf::NamedTensor> tensors;
  for (const auto& [name, t] : broadcast) tensors.push_back({name, t});
  TB_RETURN_IF_ERROR(tf::WriteCheckpointFile(in, tensors));

  runtime::IrInterpreter interpreter(client.library.get(), seed_ + static_cast<uint64_t>(run));
  const std::string token = absl::StrCat("client-", run);
  tf::Tensor records(tf::DType::kString, {static_cast<int64_t>(examples.size())});
  for (size_t i = 0; i < examples.size(); ++i) records.flat<std::string>()[i] = examples[i];
  interpreter.resources().Set(runtime::ExternalDatasetKey(token), records);
  const graph::Graph& g = *client.graph;
  auto node = [&](const std::string& tensor) { return g.FindNode(tensor.substr(0, tensor.find(':'))); };
  graph::Node* save = g.FindNode(client.target_node);
  if (save == nullptr) return absl::NotFoundError("no target node " + client.target_node);
  std::map<graph::Output, tf::Tensor> feeds = {
      {graph::Output(node(client.dataset_token_tensor), 0), tf::Tensor::StringScalar(token)},
      {graph::Output(node(client.input_filepath_tensor), 0), tf::Tensor::StringScalar(in)},
      {graph::Output(node(client.output_filepath_tensor), 0), tf::Tensor::StringScalar(out)}};
  TB_RETURN_IF_ERROR(interpreter.Run(g, feeds, {}, {save}).status());
  TB_ASSIGN_OR_RETURN(auto reader, tf::CheckpointReader::Open(out));
  TB_ASSIGN_OR_RETURN(std::vector<tf::NamedTensor> all, reader->ReadAll());
  std::map<std::string, tf::Tensor> update;
  for (auto& t : all) update[t.name] = std::move(t.tensor);
  return update;
}

absl::StatusOr<RoundResult> RoundHarness::RunRound(const std::vector<std::vector<std::string>>& client_examples) {
  RoundResult result;
  runtime::IrInterpreter server(program_.server_library.get(), seed_ * 7919 + static_cast<uint64_t>(runs_));
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> broadcast, server.Call(*program_.prepare, state_));
  for (size_t i = 0; i < broadcast.size(); ++i) {
    result.broadcast[absl::StrCat("client/", program_.broadcast[i].path)] = broadcast[i];
  }
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> acc, server.Call(*program_.zero, {}));
  for (const auto& examples : client_examples) {
    TB_ASSIGN_OR_RETURN(auto update, RunClient(result.broadcast, examples));
    std::vector<tf::Tensor> args = acc;
    for (const TensorSlot& s : program_.client_update) {
      auto it = update.find(absl::StrCat("update/", s.path));
      if (it == update.end()) return absl::NotFoundError("client update lacks update/" + s.path);
      args.push_back(it->second);
    }
    result.client_updates.push_back(std::move(update));
    TB_ASSIGN_OR_RETURN(acc, server.Call(*program_.accumulate, args));
  }
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> aggregate, server.Call(*program_.report, acc));
  std::vector<tf::Tensor> args = state_;
  args.insert(args.end(), aggregate.begin(), aggregate.end());
  TB_ASSIGN_OR_RETURN(std::vector<tf::Tensor> out, server.Call(*program_.update, args));
  const size_t ns = state_.size();
  state_.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(ns));
  for (size_t i = 0; i < program_.metrics.size(); ++i) result.metrics[program_.metrics[i].path] = out[ns + i];
  return result;
}

}  // namespace tb::fl::testing
