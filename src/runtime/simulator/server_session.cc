#include "runtime/simulator/server_session.h"

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::runtime::simulator {

absl::StatusOr<std::shared_ptr<const ServerProgram>> LoadServerProgram(plan::Plan p) {
  if (p.phase_size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("the Plan has ", p.phase_size(), " phases; ODP plans have one"));
  }
  if (p.phase(0).has_server_phase_v2()) {
    return absl::UnimplementedError("the Plan uses ServerPhaseV2 (DistributeAggregateForm); only V1 ServerPhase "
                                    "plans can be simulated");
  }
  if (!p.phase(0).has_server_phase()) return absl::InvalidArgumentError("the Plan's phase has no server_phase");
  if (!p.has_server_graph_bytes()) return absl::InvalidArgumentError("the Plan has no server_graph_bytes");
  auto graph = std::make_shared<tensorflow::GraphDef>();
  if (!graph->ParseFromString(p.server_graph_bytes().value())) {
    return absl::InvalidArgumentError("the Plan's server_graph_bytes is not a tensorflow.GraphDef");
  }
  p.clear_server_graph_bytes();
  auto program = std::make_shared<ServerProgram>();
  program->plan = std::move(p);
  program->graph = std::move(graph);
  return std::shared_ptr<const ServerProgram>(std::move(program));
}

absl::StatusOr<std::unique_ptr<ServerSession>> ServerSession::Create(std::shared_ptr<const ServerProgram> program,
                                                                     const std::optional<std::string>& checkpoint,
                                                                     ServerSessionOptions options) {
  graphdef::SessionOptions so;
  so.seed = options.seed;
  auto session = graphdef::Session::Create(program->graph, so);
  if (!session.ok()) return Annotate(session.status(), "server graph");
  std::unique_ptr<ServerSession> s(new ServerSession(std::move(program), std::move(*session)));
  if (checkpoint.has_value()) {
    TB_RETURN_IF_ERROR(s->Restore(s->program_->plan.server_savepoint(), *checkpoint, "server_savepoint"));
  }
  return s;
}

absl::Status ServerSession::RunOp(const std::string& op, const std::string& what) {
  if (op.empty()) return absl::OkStatus();
  auto r = session_->Run({}, {}, {op});
  if (!r.ok()) return Annotate(r.status(), absl::StrCat(what, " ('", op, "')"));
  return absl::OkStatus();
}

absl::Status ServerSession::Restore(const plan::CheckpointOp& op, const std::string& path, const std::string& what) {
  std::vector<std::pair<std::string, tf::Tensor>> feeds;
  if (op.has_saver_def() && !op.saver_def().filename_tensor_name().empty()) {
    feeds.emplace_back(op.saver_def().filename_tensor_name(), tf::Tensor::StringScalar(path));
  }
  if (!op.before_restore_op().empty()) {
    auto r = session_->Run(feeds, {}, {op.before_restore_op()});
    if (!r.ok()) return Annotate(r.status(), absl::StrCat(what, " before_restore_op '", op.before_restore_op(), "'"));
  }
  if (op.has_saver_def() && !op.saver_def().restore_op_name().empty()) {
    auto r = session_->Run(feeds, {}, {op.saver_def().restore_op_name()});
    if (!r.ok()) {
      return Annotate(r.status(), absl::StrCat(what, " restore '", op.saver_def().restore_op_name(), "' from '", path, "'"));
    }
  }
  return RunOp(op.after_restore_op(), absl::StrCat(what, " after_restore_op"));
}

absl::Status ServerSession::Save(const plan::CheckpointOp& op, const std::string& path, const std::string& what) {
  TB_RETURN_IF_ERROR(RunOp(op.before_save_op(), absl::StrCat(what, " before_save_op")));
  if (op.has_saver_def()) {
    const plan::CheckpointOp& c = op;
    if (c.saver_def().save_tensor_name().empty() || c.saver_def().filename_tensor_name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": SaverDef lacks filename or save tensor"));
    }
    auto r = session_->Run({{c.saver_def().filename_tensor_name(), tf::Tensor::StringScalar(path)}},
                           {c.saver_def().save_tensor_name()}, {});
    if (!r.ok()) return Annotate(r.status(), absl::StrCat(what, " save '", c.saver_def().save_tensor_name(), "'"));
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return absl::InternalError(absl::StrCat(what, ": running '", c.saver_def().save_tensor_name(),
                                              "' wrote no checkpoint at '", path, "'"));
    }
  }
  return RunOp(op.after_save_op(), absl::StrCat(what, " after_save_op"));
}

absl::Status ServerSession::InitOnce() {
  if (accumulated_) return absl::OkStatus();
  accumulated_ = true;
  return RunOp(program_->phase().phase_init_op(), "phase_init_op");
}

absl::Status ServerSession::AccumulateClientUpdate(const std::string& update_path) {
  TB_RETURN_IF_ERROR(InitOnce());
  TB_RETURN_IF_ERROR(Restore(program_->phase().read_update(), update_path, "read_update"));
  return RunOp(program_->phase().aggregate_into_accumulators_op(), "aggregate_into_accumulators_op");
}

absl::Status ServerSession::AccumulateIntermediateUpdate(const std::string& intermediate_path) {
  TB_RETURN_IF_ERROR(InitOnce());
  TB_RETURN_IF_ERROR(Restore(program_->phase().read_intermediate_update(), intermediate_path, "read_intermediate_update"));
  return RunOp(program_->phase().intermediate_aggregate_into_accumulators_op(),
               "intermediate_aggregate_into_accumulators_op");
}

absl::Status ServerSession::ApplyAggregatedUpdates() {
  return RunOp(program_->phase().apply_aggregrated_updates_op(), "apply_aggregrated_updates_op");
}

absl::Status ServerSession::WriteCheckpoint(const std::string& path) {
  return Save(program_->plan.server_savepoint(), path, "server_savepoint");
}

absl::Status ServerSession::WriteIntermediateUpdate(const std::string& path) {
  return Save(program_->phase().write_intermediate_update(), path, "write_intermediate_update");
}

absl::Status ServerSession::WriteClientCheckpoint(const std::string& path) {
  return Save(program_->phase().write_client_init(), path, "write_client_init");
}

absl::Status ServerSession::WriteAccumulators(const std::string& path) {
  return Save(program_->phase().write_accumulators(), path, "write_accumulators");
}

absl::StatusOr<std::vector<std::pair<std::string, double>>> ServerSession::Metrics() {
  std::vector<std::string> names;
  for (const plan::Metric& m : program_->phase().metrics()) names.push_back(m.variable_name());
  if (names.empty()) return std::vector<std::pair<std::string, double>>();
  auto values = session_->Run({}, names, {});
  if (!values.ok()) return Annotate(values.status(), "metrics");
  std::vector<std::pair<std::string, double>> out;
  for (int i = 0; i < program_->phase().metrics_size(); ++i) {
    const tf::Tensor& t = (*values)[i];
    double v = 0;
    if (t.num_elements() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("metric '", program_->phase().metrics(i).stat_name(), "' is ",
                                                     t.DebugType(), ", not a scalar"));
    }
    switch (t.dtype()) {
      case tf::DType::kFloat: v = t.flat<float>()[0]; break;
      case tf::DType::kDouble: v = t.flat<double>()[0]; break;
      case tf::DType::kInt32: v = t.flat<int32_t>()[0]; break;
      case tf::DType::kInt64: v = static_cast<double>(t.flat<int64_t>()[0]); break;
      case tf::DType::kBool: v = t.flat<bool>()[0] ? 1.0 : 0.0; break;
      default: v = 0.0;  // FCP reports other types as 0
    }
    out.emplace_back(program_->phase().metrics(i).stat_name(), v);
  }
  return out;
}

}  // namespace tb::runtime::simulator
