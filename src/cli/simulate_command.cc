// `taskbuilder simulate`: runs a task's artifacts the way ODP would — round after round, the server program and the
// device program, on the user's examples or on synthetic learnable ones — before any phone sees them. Prints one
// JSON object per round and a final summary on stdout, a progress bar on stderr, and exits non-zero naming the
// round, client, operator or tensor when anything fails or goes non-finite.
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "base/file.h"
#include "cli/command.h"
#include "nlohmann/json.hpp"
#include "runtime/simulator/simulation.h"
#include "tflite/flex_allowlist.h"

namespace tb::cli {
namespace {

constexpr char kUsage[] =
    "taskbuilder simulate --artifacts=DIR [--rounds=N] [--clients=K] [--examples=FILE.tfrecord]\n"
    "                     [--task=training|evaluation] [--population=P] [--examples_per_client=30]\n"
    "                     [--num_classes=2] [--seed=1] [--initial_checkpoint=FILE] [--allowlist=support_ops.csv]\n"
    "                     [--skip_flex_ops_check] [--allow_nonfinite] [--exact_aggregation] [--work_dir=DIR]\n"
    "                     [--progress|--noprogress]\n"
    "  Runs the task in DIR (plan.pb, client_only_plan.pb, initial_state.server.ckp; eval_* for --task=evaluation)\n"
    "  for N rounds (default 1) of K clients (default 2) sampled from P (default K). Each client gets its share of\n"
    "  --examples (a TFRecord of tf.Example, split evenly) or synthetic learnable examples built from the program's\n"
    "  ParseExampleV2 features (the last feature is the label, with --num_classes classes).\n"
    "  The device's Flex-op allowlist is checked first (built-in ODP list, or --allowlist) unless\n"
    "  --skip_flex_ops_check. Updates are aggregated in ODP's two layers, which keep only the last partition when a\n"
    "  round has 3 or more clients (reported as aggregation_warning); --exact_aggregation sums them all in one layer.\n"
    "  stdout: one JSON object per round, then a summary. Exit codes: 0 ok, 1 bad flags or\n"
    "  artifacts, 2 the program failed, 3 a non-finite update, metric or model state.\n";

int Usage(const std::string& message) {
  std::cerr << "taskbuilder simulate: " << message << "\n" << kUsage;
  return 1;
}

nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(std::to_string(v)); }

void DrawProgress(int round, int rounds, int done, int total) {
  constexpr int kWidth = 30;
  const double fraction = (round + static_cast<double>(done) / std::max(total, 1)) / std::max(rounds, 1);
  const int filled = static_cast<int>(fraction * kWidth);
  std::fprintf(stderr, "\r[%-*s] round %d/%d, client %d/%d", kWidth, std::string(filled, '#').c_str(), round + 1,
               rounds, done, total);
  std::fflush(stderr);
}

nlohmann::json RoundJson(const runtime::simulator::RoundReport& r) {
  nlohmann::json j;
  j["round"] = r.round;
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, value] : r.metrics) metrics[name] = Number(value);
  j["metrics"] = metrics;
  j["clients"] = r.clients.size();
  j["examples"] = r.examples;
  j["update_norm"] = {{"mean", Number(r.update_norm_mean)}, {"max", Number(r.update_norm_max)}};
  if (r.clip_norm.has_value()) j["clip_norm"] = Number(*r.clip_norm);
  if (r.clipped_fraction.has_value()) j["clipped_fraction"] = *r.clipped_fraction;
  nlohmann::json nonfinite = nlohmann::json::array();
  for (const auto& c : r.clients) {
    if (c.nonfinite.has_value()) nonfinite.push_back({{"client", c.client}, {"detail", *c.nonfinite}});
  }
  if (!nonfinite.empty()) j["nonfinite_clients"] = nonfinite;
  if (r.aggregation_warning.has_value()) j["aggregation_warning"] = *r.aggregation_warning;
  j["timings_ms"] = {{"clients", r.client_millis},
                     {"client_mean", r.clients.empty() ? 0.0 : r.client_millis / r.clients.size()},
                     {"aggregation", r.aggregation_millis},
                     {"apply", r.apply_millis},
                     {"round", r.round_millis}};
  return j;
}

// The loss-like metric to summarize: the first metric whose name ends in "loss".
std::optional<double> Loss(const runtime::simulator::RoundReport& r) {
  for (const auto& [name, value] : r.metrics) {
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, "loss") == 0) return value;
  }
  return std::nullopt;
}

// Every client run allocates and frees the same large tensors (weights, activations, gradients) thousands of times.
// glibc serves blocks above its mmap threshold with fresh mappings and trims the heap top eagerly, so each of those
// allocations came back as new zeroed pages: a third of a CNN simulation's time was page faults in the kernel.
// Keeping blocks up to 32 MiB on the heap and trimming only above 512 MiB free reuses the memory instead.
void KeepLargeBlocksOnTheHeap() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

int RunSimulate(const Flags& flags) {
  KeepLargeBlocksOnTheHeap();
  if (absl::Status s = flags.CheckKnown({"artifacts", "rounds", "clients", "examples", "task", "population",
                                         "examples_per_client", "num_classes", "seed", "initial_checkpoint",
                                         "allowlist", "skip_flex_ops_check", "allow_nonfinite", "exact_aggregation", "work_dir",
                                         "progress",
                                         "help", "quiet", "verbose"});
      !s.ok()) {
    return Usage(std::string(s.message()));
  }
  const std::string dir = flags.GetOr("artifacts", "");
  if (dir.empty()) return Usage("--artifacts=DIR is required");
  auto rounds = flags.GetInt("rounds", 1);
  auto clients = flags.GetInt("clients", 2);
  auto population = flags.GetInt("population", 0);
  auto per_client = flags.GetInt("examples_per_client", 30);
  auto classes = flags.GetInt("num_classes", 2);
  auto seed = flags.GetInt("seed", 1);
  for (const auto* v : {&rounds, &clients, &population, &per_client, &classes, &seed}) {
    if (!v->ok()) return Usage(std::string(v->status().message()));
  }
  if (*rounds < 1 || *clients < 1 || *population < 0 || *per_client < 1 || *seed < 0) {
    return Usage("--rounds, --clients and --examples_per_client must be positive; --population and --seed >= 0");
  }
  const std::string task = flags.GetOr("task", "training");
  runtime::simulator::TaskKind kind;
  if (task == "training") {
    kind = runtime::simulator::TaskKind::kTraining;
  } else if (task == "evaluation") {
    kind = runtime::simulator::TaskKind::kEvaluation;
  } else {
    return Usage("--task must be training or evaluation, got '" + task + "'");
  }
  std::optional<tflite::FlexAllowlist> allowlist;
  if (flags.Has("allowlist")) {
    auto csv = ReadFile(flags.GetOr("allowlist", ""), 1 << 20);
    if (!csv.ok()) return Usage(std::string(csv.status().message()));
    auto parsed = tflite::FlexAllowlist::ParseCsv(*csv);
    if (!parsed.ok()) return Usage(std::string(parsed.status().message()));
    allowlist = std::move(*parsed);
  }
  auto artifacts = runtime::simulator::LoadTaskArtifacts(dir, kind, flags.GetOr("initial_checkpoint", ""));
  if (!artifacts.ok()) {
    std::cerr << "taskbuilder simulate: " << artifacts.status().message() << "\n";
    return 1;
  }
  runtime::simulator::SimulationOptions options;
  options.clients_per_round = static_cast<int>(*clients);
  options.population = static_cast<int>(*population);
  options.examples_per_client = *per_client;
  options.examples_file = flags.GetOr("examples", "");
  options.num_classes = static_cast<int>(*classes);
  options.seed = static_cast<uint64_t>(*seed);
  options.check_allowlist = !flags.GetBool("skip_flex_ops_check");
  options.allowlist = allowlist.has_value() ? &*allowlist : nullptr;
  options.allow_nonfinite = flags.GetBool("allow_nonfinite");
  options.odp_two_layer_aggregation = !flags.GetBool("exact_aggregation");
  options.work_dir = flags.GetOr("work_dir", "");
  auto sim = runtime::simulator::Simulation::Create(std::move(*artifacts), options);
  if (!sim.ok()) {
    std::cerr << "taskbuilder simulate: " << sim.status().message() << "\n";
    return sim.status().code() == absl::StatusCode::kFailedPrecondition ||
                   sim.status().code() == absl::StatusCode::kNotFound ||
                   sim.status().code() == absl::StatusCode::kInvalidArgument
               ? 1
               : 2;
  }
  std::cerr << "simulating " << dir << " (" << task << "): " << *rounds << " rounds x " << *clients
            << " clients; examples: " << (*sim)->examples_source() << "\n";
  const bool progress = flags.Has("progress") ? flags.GetBool("progress") : ::isatty(STDERR_FILENO) != 0;
  std::optional<double> first_loss, last_loss;
  double total_ms = 0;
  for (int r = 0; r < *rounds; ++r) {
    runtime::simulator::ProgressFn draw;
    if (progress) draw = [&](int done, int total) { DrawProgress(r, static_cast<int>(*rounds), done, total); };
    auto report = (*sim)->RunRound(r, draw);
    if (progress) std::fprintf(stderr, "\n");
    if (!report.ok()) {
      std::cerr << "taskbuilder simulate: " << report.status().message() << "\n";
      nlohmann::json summary = {{"summary", true}, {"rounds_completed", r}, {"error", report.status().message()}};
      std::cout << summary.dump() << "\n";
      return report.status().code() == absl::StatusCode::kDataLoss ? 3 : 2;
    }
    std::cout << RoundJson(*report).dump() << "\n" << std::flush;
    if (auto loss = Loss(*report); loss.has_value()) {
      if (!first_loss.has_value()) first_loss = *loss;
      last_loss = *loss;
    }
    total_ms += report->round_millis;
  }
  nlohmann::json summary = {{"summary", true},
                            {"task", task},
                            {"rounds_completed", *rounds},
                            {"clients_per_round", *clients},
                            {"total_ms", total_ms},
                            {"rounds_per_second", total_ms > 0 ? 1000.0 * *rounds / total_ms : 0.0},
                            {"min_client_version", (*sim)->min_client_version()}};
  if (first_loss.has_value()) {
    summary["first_loss"] = Number(*first_loss);
    summary["last_loss"] = Number(*last_loss);
  }
  if (!options.work_dir.empty()) {  // a temporary work dir is removed on exit; a given one is kept
    summary["work_dir"] = options.work_dir;
    summary["final_checkpoint"] = (*sim)->server_checkpoint();
  }
  std::cout << summary.dump() << "\n";
  return 0;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "simulate",
                     .summary = "Run a task's artifacts for federated rounds, as ODP's server and devices would.",
                     .usage = kUsage,
                     .bool_flags = {"skip_flex_ops_check", "allow_nonfinite", "exact_aggregation", "progress"},
                     .run = &RunSimulate});

}  // namespace tb::cli
