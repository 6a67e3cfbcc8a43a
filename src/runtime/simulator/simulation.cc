#include "runtime/simulator/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "runtime/data/random.h"
#include "runtime/data/synthetic_examples.h"
#include "runtime/data/tfrecord.h"
#include "tf/checkpoint_reader.h"

namespace tb::runtime::simulator {
namespace {

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

bool IsBad(float v) { return !std::isfinite(v) || std::abs(v) == std::numeric_limits<float>::max(); }

// The first non-finite (or float-saturated) element of a float tensor, as a description, or nullopt.
std::optional<std::string> FirstBadValue(const tf::Tensor& t) {
  if (t.dtype() == tf::DType::kFloat) {
    auto v = t.flat<float>();
    for (size_t i = 0; i < v.size(); ++i) {
      if (IsBad(v[i])) return absl::StrCat("element ", i, " is ", v[i]);
    }
  } else if (t.dtype() == tf::DType::kDouble) {
    auto v = t.flat<double>();
    for (size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i])) return absl::StrCat("element ", i, " is ", v[i]);
    }
  }
  return std::nullopt;
}

// Model-delta tensors of an update: the `update/1/...` group ODP's MapReduce plans use for the weight delta;
// when absent, every non-scalar float tensor.
bool IsDelta(const tf::NamedTensor& t, bool has_group) {
  if (has_group) return t.name.rfind("update/1/", 0) == 0;
  return t.tensor.dtype() == tf::DType::kFloat && t.tensor.rank() > 0;
}

}  // namespace

Simulation::~Simulation() {
  if (owns_work_dir_) (void)RemoveAll(work_dir_);
}

absl::StatusOr<std::unique_ptr<Simulation>> Simulation::Create(TaskArtifacts artifacts, SimulationOptions options) {
  std::unique_ptr<Simulation> sim(new Simulation());
  if (options.clients_per_round < 1) return absl::InvalidArgumentError("clients per round must be at least 1");
  if (options.population == 0) options.population = options.clients_per_round;
  if (options.population < options.clients_per_round) {
    return absl::InvalidArgumentError(absl::StrCat("population ", options.population, " is smaller than ",
                                                   options.clients_per_round, " clients per round"));
  }
  sim->options_ = options;
  TB_ASSIGN_OR_RETURN(sim->server_, LoadServerProgram(artifacts.plan));
  auto client = ClientProgram::Create(artifacts.client_plan);
  if (!client.ok()) return Annotate(client.status(), artifacts.client_plan_path);
  sim->client_ = std::move(*client);
  if (sim->client_->is_tflite()) {
    const ::tb::tflite::FlexAllowlist& allowlist =
        options.allowlist != nullptr ? *options.allowlist : ::tb::tflite::FlexAllowlist::Default();
    ::tb::tflite::AllowlistVerdict verdict = ::tb::tflite::CheckFlexOps(sim->client_->FlexOps(), allowlist);
    sim->min_client_version_ = verdict.min_client_version;
    if (options.check_allowlist && !verdict.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          artifacts.client_plan_path, ": the device cannot run this program: Flex ops outside the ODP allowlist: ",
          absl::StrJoin(verdict.unsupported, ", "), " (Please contact Google to register these ops)"));
    }
  }
  if (options.work_dir.empty()) {
    TB_ASSIGN_OR_RETURN(sim->work_dir_, MakeTempDir("tb-simulate-"));
    sim->owns_work_dir_ = true;
  } else {
    sim->work_dir_ = options.work_dir;
    std::error_code ec;
    std::filesystem::create_directories(sim->work_dir_, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", sim->work_dir_, ": ", ec.message()));
  }
  sim->checkpoint_ = artifacts.checkpoint_path;
  // The starting checkpoint must restore; fail here, not in round 0's client.
  {
    auto probe = ServerSession::Create(sim->server_, sim->checkpoint_, {.seed = options.seed});
    if (!probe.ok()) return Annotate(probe.status(), absl::StrCat("server checkpoint ", sim->checkpoint_));
  }
  sim->artifacts_ = std::move(artifacts);
  TB_RETURN_IF_ERROR(sim->PrepareExamples());
  return sim;
}

absl::Status Simulation::PrepareExamples() {
  const int population = options_.population;
  if (!options_.examples_file.empty()) {
    TB_ASSIGN_OR_RETURN(std::vector<std::string> records, data::ReadTFRecordFile(options_.examples_file));
    if (static_cast<int64_t>(records.size()) < population) {
      return absl::InvalidArgumentError(absl::StrCat(options_.examples_file, " holds ", records.size(),
                                                     " examples, fewer than the ", population, " clients"));
    }
    const size_t per = records.size() / population, extra = records.size() % population;
    size_t at = 0;
    for (int c = 0; c < population; ++c) {
      const size_t n = per + (static_cast<size_t>(c) < extra ? 1 : 0);
      client_examples_.push_back(std::make_shared<const std::vector<std::string>>(records.begin() + at,
                                                                                  records.begin() + at + n));
      at += n;
    }
    examples_source_ = absl::StrCat(options_.examples_file, " (", records.size(), " examples over ", population,
                                    " clients)");
    return absl::OkStatus();
  }
  const auto& spec = client_->example_spec();
  if (!spec.has_value() || spec->dense.empty()) {
    return absl::FailedPreconditionError("the client program parses no dense features (no ParseExampleV2 found); "
                                         "pass --examples=FILE.tfrecord");
  }
  data::SyntheticTaskSpec synthetic;
  for (size_t i = 0; i < spec->dense.size(); ++i) {
    const auto& d = spec->dense[i];
    tf::Shape shape = d.shape;
    for (int64_t& dim : shape) {
      if (dim < 0) dim = 1;  // a variable-length feature gets one value
    }
    data::SyntheticFeature f{d.key, d.dtype, shape};
    // The last feature is the label, as in the (x, y) input specs of functional models; a lone feature is data.
    if (i + 1 == spec->dense.size() && spec->dense.size() > 1) {
      synthetic.label = f;
    } else {
      synthetic.inputs.push_back(f);
    }
  }
  synthetic.num_classes = synthetic.label.dtype == tf::DType::kFloat && options_.num_classes < 2 ? 0 : options_.num_classes;
  for (int c = 0; c < population; ++c) {
    auto examples = data::GenerateSyntheticExamples(synthetic, options_.examples_per_client, options_.seed,
                                                    options_.seed * 1000003 + static_cast<uint64_t>(c));
    if (!examples.ok()) return Annotate(examples.status(), "synthetic examples");
    client_examples_.push_back(std::make_shared<const std::vector<std::string>>(std::move(*examples)));
  }
  std::vector<std::string> features;
  for (const auto& f : synthetic.inputs) features.push_back(absl::StrCat(f.name, ":", ToAbsl(tf::DTypeName(f.dtype)), tf::ShapeToString(f.shape)));
  examples_source_ = absl::StrCat("synthetic (", options_.examples_per_client, " per client; features ",
                                  absl::StrJoin(features, ", "),
                                  synthetic.label.name.empty()
                                      ? std::string("; no label")
                                      : absl::StrCat("; label ", synthetic.label.name, " with ", synthetic.num_classes,
                                                     " classes"),
                                  ")");
  return absl::OkStatus();
}

absl::StatusOr<std::string> Simulation::Aggregate(const std::vector<std::string>& updates, const std::string& dir,
                                                  std::optional<std::string>* warning) {
  const int n = static_cast<int>(updates.size());
  const int partition = options_.odp_two_layer_aggregation
                            ? static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))))
                            : std::max(n, 1);
  const ServerSessionOptions so{.seed = options_.seed};
  std::vector<std::string> inputs = updates;
  bool intermediate = false;
  if ((n + partition - 1) / partition > 1) {
    std::vector<std::string> parts;
    for (int start = 0, p = 0; start < n; start += partition, ++p) {
      TB_ASSIGN_OR_RETURN(auto session, ServerSession::Create(server_, std::nullopt, so));
      for (int k = start; k < std::min(n, start + partition); ++k) {
        absl::Status s = session->AccumulateClientUpdate(updates[k]);
        if (!s.ok()) return Annotate(s, absl::StrCat("aggregating client update ", k));
      }
      const std::string path = absl::StrCat(dir, "/intermediate_", p, ".ckp");
      TB_RETURN_IF_ERROR(session->WriteIntermediateUpdate(path));
      parts.push_back(path);
    }
    inputs = std::move(parts);
    intermediate = true;
  }
  TB_ASSIGN_OR_RETURN(auto session, ServerSession::Create(server_, std::nullopt, so));
  for (size_t k = 0; k < inputs.size(); ++k) {
    absl::Status s = intermediate ? session->AccumulateIntermediateUpdate(inputs[k])
                                  : session->AccumulateClientUpdate(inputs[k]);
    if (!s.ok()) return Annotate(s, absl::StrCat("aggregating ", intermediate ? "intermediate " : "client update ", k));
  }
  const std::string path = dir + "/aggregate.ckp";
  TB_RETURN_IF_ERROR(session->WriteIntermediateUpdate(path));
  // Did the second layer's output keep every partition? Compare it, tensor by tensor in sorted order, with the
  // merged accumulators (write_accumulators) when the plan can save those.
  if (intermediate && server_->phase().has_write_accumulators() &&
      server_->phase().write_accumulators().has_saver_def()) {
    const std::string merged = dir + "/accumulators.ckp";
    TB_RETURN_IF_ERROR(session->WriteAccumulators(merged));
    auto a = tf::CheckpointReader::Open(path);
    auto b = tf::CheckpointReader::Open(merged);
    if (a.ok() && b.ok()) {
      auto ta = (*a)->ReadAll();
      auto tb_ = (*b)->ReadAll();
      if (ta.ok() && tb_.ok() && ta->size() == tb_->size()) {
        auto by_name = [](const tf::NamedTensor& x, const tf::NamedTensor& y) { return x.name < y.name; };
        std::sort(ta->begin(), ta->end(), by_name);
        std::sort(tb_->begin(), tb_->end(), by_name);
        int differ = 0;
        for (size_t i = 0; i < ta->size(); ++i) differ += (*ta)[i].tensor.Equals((*tb_)[i].tensor) ? 0 : 1;
        if (differ > 0) {
          *warning = absl::StrCat("ODP's second aggregation layer kept only the last of ", inputs.size(),
                                  " partitions (", differ, " of ", ta->size(),
                                  " aggregate tensors differ from the merged accumulators): write_intermediate_update "
                                  "saves the intermediate accumulators; this reproduces the ODP aggregator");
        }
      }
    }
  }
  return path;
}

absl::StatusOr<RoundReport> Simulation::RunRound(int round, const ProgressFn& progress) {
  const auto round_start = std::chrono::steady_clock::now();
  RoundReport report;
  report.round = round;
  const std::string dir = absl::StrCat(work_dir_, "/round_", round);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  auto fail = [round](const absl::Status& s, std::string_view what) {
    return Annotate(s, absl::StrCat("round ", round, ": ", ToAbsl(what)));
  };

  // 1. The server writes the checkpoint the clients download.
  const std::string client_ckpt = dir + "/client_checkpoint.ckp";
  {
    auto session = ServerSession::Create(server_, checkpoint_, {.seed = options_.seed + round});
    if (!session.ok()) return fail(session.status(), "restoring the server checkpoint");
    absl::Status s = (*session)->WriteClientCheckpoint(client_ckpt);
    if (!s.ok()) return fail(s, "writing the client checkpoint");
  }
  auto client_reader = tf::CheckpointReader::Open(client_ckpt);
  if (!client_reader.ok()) return fail(client_reader.status(), "reading the client checkpoint");
  if (const tf::CheckpointTensorInfo* clip = (*client_reader)->Find("client/1");
      clip != nullptr && clip->dtype == tf::DType::kFloat && clip->shape.empty()) {
    auto value = (*client_reader)->Read("client/1");
    if (value.ok()) report.clip_norm = value->scalar<float>();
  }

  // 2. Sample this round's clients and run each on its own examples.
  std::vector<int> members(options_.population);
  for (int i = 0; i < options_.population; ++i) members[i] = i;
  data::Rng rng = data::Rng::Derive(options_.seed, 0x5e1ec7 + static_cast<uint64_t>(round));
  for (int i = 0; i < options_.clients_per_round; ++i) {
    std::swap(members[i], members[i + rng.Below(options_.population - i)]);
  }
  members.resize(options_.clients_per_round);
  std::vector<std::string> updates;
  int clipped = 0;
  const auto clients_start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < members.size(); ++k) {
    const int c = members[k];
    ClientReport cr;
    cr.client = c;
    cr.examples = static_cast<int64_t>(client_examples_[c]->size());
    const std::string update = absl::StrCat(dir, "/update_", c, ".ckp");
    const auto start = std::chrono::steady_clock::now();
    auto run = client_->Run(client_examples_[c], client_ckpt, update);
    cr.millis = MillisSince(start);
    if (!run.ok()) return fail(run.status(), absl::StrCat("client ", c));
    auto reader = tf::CheckpointReader::Open(update);
    if (!reader.ok()) return fail(reader.status(), absl::StrCat("client ", c, " update"));
    auto tensors = (*reader)->ReadAll();
    if (!tensors.ok()) return fail(tensors.status(), absl::StrCat("client ", c, " update"));
    bool has_group = false;
    for (const auto& t : *tensors) has_group |= t.name.rfind("update/1/", 0) == 0;
    double norm2 = 0;
    for (const auto& t : *tensors) {
      if (auto bad = FirstBadValue(t.tensor); bad.has_value() && !cr.nonfinite.has_value()) {
        cr.nonfinite = absl::StrCat("tensor '", t.name, "' ", *bad);
        // Name the operator: run the same client again with every operator's outputs checked.
        if (client_->is_tflite()) {
          auto located = client_->Run(client_examples_[c], client_ckpt, update + ".locate", /*locate_nonfinite=*/true);
          if (located.ok() && located->first_nonfinite.has_value()) {
            absl::StrAppend(&*cr.nonfinite, "; first NaN/inf at ", *located->first_nonfinite);
          }
        }
      }
      if (IsDelta(t, has_group) && t.tensor.dtype() == tf::DType::kFloat) {
        for (float v : t.tensor.flat<float>()) norm2 += static_cast<double>(v) * v;
      }
    }
    cr.update_norm = std::sqrt(norm2);
    if (report.clip_norm.has_value() && cr.update_norm >= *report.clip_norm * (1 - 1e-3) && *report.clip_norm > 0) {
      cr.clipped = true;
      ++clipped;
    }
    if (cr.nonfinite.has_value() && !options_.allow_nonfinite) {
      return absl::DataLossError(absl::StrCat("round ", round, ": client ", c, " produced a non-finite update: ",
                                              *cr.nonfinite));
    }
    report.examples += cr.examples;
    report.update_norm_mean += cr.update_norm / members.size();
    report.update_norm_max = std::max(report.update_norm_max, cr.update_norm);
    report.clients.push_back(std::move(cr));
    updates.push_back(update);
    if (progress) progress(static_cast<int>(k) + 1, static_cast<int>(members.size()));
  }
  report.client_millis = MillisSince(clients_start);
  if (report.clip_norm.has_value()) report.clipped_fraction = static_cast<double>(clipped) / members.size();

  // 3. The aggregator's two-layer sum.
  const auto agg_start = std::chrono::steady_clock::now();
  auto aggregate = Aggregate(updates, dir, &report.aggregation_warning);
  if (!aggregate.ok()) return fail(aggregate.status(), "aggregation");
  report.aggregation_millis = MillisSince(agg_start);

  // 4. The model updater applies it and reads the metrics.
  const auto apply_start = std::chrono::steady_clock::now();
  auto updater = ServerSession::Create(server_, checkpoint_, {.seed = options_.seed * 7919 + round});
  if (!updater.ok()) return fail(updater.status(), "model updater");
  absl::Status s = (*updater)->AccumulateIntermediateUpdate(*aggregate);
  if (s.ok()) s = (*updater)->ApplyAggregatedUpdates();
  if (!s.ok()) return fail(s, "applying the aggregated update");
  const std::string next = dir + "/server_checkpoint.ckp";
  s = (*updater)->WriteCheckpoint(next);
  if (!s.ok()) return fail(s, "writing the server checkpoint");
  auto metrics = (*updater)->Metrics();
  if (!metrics.ok()) return fail(metrics.status(), "metrics");
  report.metrics = std::move(*metrics);
  report.apply_millis = MillisSince(apply_start);
  for (const auto& [name, value] : report.metrics) {
    if (!std::isfinite(value) && !options_.allow_nonfinite) {
      return absl::DataLossError(absl::StrCat("round ", round, ": metric '", name, "' is ", value));
    }
  }
  // The new server state must be finite: a diverging model is a failure, reported with the tensor that broke.
  auto state = tf::CheckpointReader::Open(next);
  if (!state.ok()) return fail(state.status(), "reading the new server checkpoint");
  auto tensors = (*state)->ReadAll();
  if (!tensors.ok()) return fail(tensors.status(), "reading the new server checkpoint");
  for (const auto& t : *tensors) {
    if (auto bad = FirstBadValue(t.tensor); bad.has_value() && !options_.allow_nonfinite) {
      return absl::DataLossError(absl::StrCat("round ", round, ": server state '", t.name, "' became non-finite (",
                                              *bad, "); the model diverged"));
    }
  }
  checkpoint_ = next;
  report.server_checkpoint = next;
  report.round_millis = MillisSince(round_start);
  return report;
}

}  // namespace tb::runtime::simulator
