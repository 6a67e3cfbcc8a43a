// `taskbuilder dp epsilon|noise|table`: the task builder's privacy accounting from the command line. `epsilon`
// gives ε for a noise multiplier, `noise` calibrates the smallest noise multiplier for a target ε (both print one
// JSON object), and `table` is a planner over a grid (rounds × noise, rounds × target ε, or rounds × report goals).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/command.h"
#include "dp/accounting.h"
#include "nlohmann/json.hpp"

namespace tb::cli {
namespace {

constexpr char kUsage[] =
    "taskbuilder dp epsilon --report_goal=N --rounds=T --delta=D --noise=S --aggregator=A [--population=N]\n"
    "taskbuilder dp noise   --report_goal=N --rounds=T --delta=D --epsilon=E --aggregator=A [--population=N]\n"
    "taskbuilder dp table   --report_goal=N[,N...] --rounds=T[,T...] --delta=D (--noise=S[,S...] | --epsilon=E[,E...])\n"
    "                       --aggregator=A [--population=N] [--json]\n"
    "  A is FIXED_GAUSSIAN, ADAPTIVE_GAUSSIAN, TREE_AGGREGATION or ADAPTIVE_TREE. --delta defaults to 1/3000000 and\n"
    "  --population to 3000000 (Poisson sampling probability = report_goal / population).\n"
    "  --reference_procedure computes every step as dp_accounting does (δ at every bin, its Chernoff window, both\n"
    "  adjacency directions, its bracket search and Brent calibration): slower, for checking a result.\n"
    "  `table` prints ε for each (rounds, noise) or the calibrated noise multiplier for each (rounds, ε); the columns\n"
    "  are whichever of --noise/--epsilon or --report_goal lists several values.\n";

int Fail(const std::string& message) {
  std::cerr << "taskbuilder dp: " << message << "\n";
  return 2;
}

// JSON numbers for finite values; +inf (σ = 0) as null, since JSON has no infinity.
nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

template <typename T>
bool ParseList(const std::string& text, std::vector<T>* out) {
  for (absl::string_view part : absl::StrSplit(absl::string_view(text.data(), text.size()), ',')) {
    T v;
    if constexpr (std::is_same_v<T, double>) {
      if (!absl::SimpleAtod(part, &v)) return false;
    } else {
      if (!absl::SimpleAtoi(part, &v)) return false;
    }
    out->push_back(v);
  }
  return !out->empty();
}

struct Common {
  dp::AccountingParams params;
  std::vector<int64_t> report_goals, rounds;
  std::vector<double> noises, epsilons;
};

// Parses the flags shared by every mode; `lists` allows comma-separated grids.
bool ParseCommon(const Flags& flags, bool lists, Common* c, std::string* error) {
  std::set<std::string> known = {"report_goal", "rounds", "delta", "noise", "epsilon", "aggregator",
                                 "population", "reference_procedure", "help", "quiet", "verbose"};
  if (lists) known.insert("json");
  if (absl::Status s = flags.CheckKnown(known); !s.ok()) {
    *error = std::string(s.message());
    return false;
  }
  const std::string aggregator = flags.GetOr("aggregator", "");
  if (aggregator.empty()) {
    *error = "--aggregator is required (FIXED_GAUSSIAN, ADAPTIVE_GAUSSIAN, TREE_AGGREGATION or ADAPTIVE_TREE)";
    return false;
  }
  if (!dp::ParseAggregator(aggregator, &c->params.aggregator_type) || c->params.aggregator_type == 0) {
    *error = "unknown --aggregator '" + aggregator + "'";
    return false;
  }
  auto delta = flags.GetDouble("delta", 1.0 / 3000000);
  if (!delta.ok()) {
    *error = std::string(delta.status().message());
    return false;
  }
  c->params.delta = *delta;
  auto population = flags.GetInt("population", dp::kDefaultPopulation);
  if (!population.ok()) {
    *error = std::string(population.status().message());
    return false;
  }
  c->params.population = *population;
  c->params.limits.exhaustive = flags.GetBool("reference_procedure");
  auto list = [&](const char* name, auto* out, bool required) {
    auto v = flags.Get(name);
    if (!v) {
      if (required) *error = std::string("--") + name + " is required";
      return !required;
    }
    if (!ParseList(*v, out) || (!lists && out->size() != 1)) {
      *error = std::string("bad --") + name + " value '" + *v + "'";
      return false;
    }
    return true;
  };
  const bool tree = dp::UsesTreeAccounting(c->params.aggregator_type);
  if (!list("report_goal", &c->report_goals, !tree) || !list("rounds", &c->rounds, true) ||
      !list("noise", &c->noises, false) || !list("epsilon", &c->epsilons, false)) {
    return false;
  }
  if (c->report_goals.empty()) c->report_goals.push_back(0);  // tree accounting ignores it
  return true;
}

int RunSingle(const Flags& flags, bool noise_mode) {
  Common c;
  std::string error;
  if (!ParseCommon(flags, false, &c, &error)) return Fail(error);
  c.params.report_goal = c.report_goals[0];
  c.params.rounds = c.rounds[0];
  nlohmann::json out;
  if (noise_mode) {
    if (c.epsilons.empty() || !c.noises.empty()) return Fail("`dp noise` takes --epsilon and no --noise");
    dp::CalibrationStats stats;
    auto sigma = dp::EpsilonToNoise(c.params, c.epsilons[0], &stats);
    if (!sigma.ok()) return Fail(std::string(sigma.status().message()));
    out["epsilon"] = c.epsilons[0];
    out["noise_multiplier"] = *sigma;
    out["achieved_epsilon"] = Number(stats.achieved_epsilon);
    out["epsilon_evaluations"] = stats.evaluations;
  } else {
    if (c.noises.empty() || !c.epsilons.empty()) return Fail("`dp epsilon` takes --noise and no --epsilon");
    auto eps = dp::NoiseToEpsilon(c.params, c.noises[0]);
    if (!eps.ok()) return Fail(std::string(eps.status().message()));
    out["epsilon"] = Number(*eps);
    out["noise_multiplier"] = c.noises[0];
  }
  out["delta"] = c.params.delta;
  out["rounds"] = c.params.rounds;
  out["report_goal"] = c.params.report_goal;
  out["aggregator"] = dp::AggregatorName(c.params.aggregator_type);
  out["population"] = c.params.population;
  out["sampling_probability"] = dp::UsesTreeAccounting(c.params.aggregator_type)
                                    ? nlohmann::json(nullptr)
                                    : nlohmann::json(dp::SamplingProbability(c.params));
  out["accountant"] = c.params.rounds == 0 ? "NONE"
                      : dp::UsesTreeAccounting(c.params.aggregator_type) ? "RDP_TREE"
                                                                          : "PLD";
  std::cout << out.dump() << "\n";
  return 0;
}

std::string Cell(double v) {
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

int RunTable(const Flags& flags) {
  Common c;
  std::string error;
  if (!ParseCommon(flags, true, &c, &error)) return Fail(error);
  const bool noise_mode = !c.epsilons.empty();
  if (noise_mode == !c.noises.empty()) return Fail("`dp table` takes exactly one of --noise and --epsilon");
  const std::vector<double>& values = noise_mode ? c.epsilons : c.noises;
  if (values.size() > 1 && c.report_goals.size() > 1) {
    return Fail("give several values for only one of --report_goal and --" +
                std::string(noise_mode ? "epsilon" : "noise"));
  }
  const bool columns_are_goals = c.report_goals.size() > 1;
  const size_t columns = columns_are_goals ? c.report_goals.size() : values.size();
  if (c.rounds.size() * columns > 400) return Fail("the grid has more than 400 cells");
  nlohmann::json json;
  json["quantity"] = noise_mode ? "noise_multiplier" : "epsilon";
  json["columns"] = columns_are_goals ? "report_goal" : (noise_mode ? "epsilon" : "noise_multiplier");
  json["delta"] = c.params.delta;
  json["aggregator"] = dp::AggregatorName(c.params.aggregator_type);
  json["population"] = c.params.population;
  json["rows"] = nlohmann::json::array();
  std::vector<std::string> notes;
  std::vector<std::vector<std::string>> text(c.rounds.size());
  for (size_t r = 0; r < c.rounds.size(); ++r) {
    for (size_t k = 0; k < columns; ++k) {
      dp::AccountingParams p = c.params;
      p.rounds = c.rounds[r];
      p.report_goal = columns_are_goals ? c.report_goals[k] : c.report_goals[0];
      const double value = columns_are_goals ? values[0] : values[k];
      absl::StatusOr<double> result =
          noise_mode ? dp::EpsilonToNoise(p, value) : dp::NoiseToEpsilon(p, value);
      nlohmann::json cell;
      cell["rounds"] = p.rounds;
      cell["report_goal"] = p.report_goal;
      cell[noise_mode ? "epsilon" : "noise_multiplier"] = value;
      if (result.ok()) {
        cell[noise_mode ? "noise_multiplier" : "epsilon"] = Number(*result);
        text[r].push_back(Cell(*result));
      } else {
        cell["error"] = std::string(result.status().message());
        notes.push_back(std::string(result.status().message()));
        text[r].push_back("error[" + std::to_string(notes.size()) + "]");
      }
      json["rows"].push_back(cell);
    }
  }
  if (flags.GetBool("json")) {
    std::cout << json.dump(2) << "\n";
    return 0;
  }
  std::ostringstream os;
  os << (noise_mode ? "Calibrated noise multiplier" : "Epsilon") << " at delta=" << c.params.delta << ", "
     << dp::AggregatorName(c.params.aggregator_type) << ", population " << c.params.population;
  if (!columns_are_goals && !dp::UsesTreeAccounting(c.params.aggregator_type)) {
    os << ", report_goal " << c.report_goals[0];
  }
  if (columns_are_goals) os << (noise_mode ? ", epsilon " : ", noise ") << values[0];
  os << "\n";
  const std::string corner = columns_are_goals ? "rounds \\ report_goal" : (noise_mode ? "rounds \\ epsilon" : "rounds \\ noise");
  constexpr int kWidth = 14;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-22s", corner.c_str());
  os << buf;
  for (size_t k = 0; k < columns; ++k) {
    const std::string head = columns_are_goals ? std::to_string(c.report_goals[k]) : Cell(values[k]);
    std::snprintf(buf, sizeof buf, "%*s", kWidth, head.c_str());
    os << buf;
  }
  os << "\n";
  for (size_t r = 0; r < c.rounds.size(); ++r) {
    std::snprintf(buf, sizeof buf, "%-22lld", static_cast<long long>(c.rounds[r]));
    os << buf;
    for (const std::string& t : text[r]) {
      std::snprintf(buf, sizeof buf, "%*s", kWidth, t.c_str());
      os << buf;
    }
    os << "\n";
  }
  for (size_t i = 0; i < notes.size(); ++i) os << "[" << i + 1 << "] " << notes[i] << "\n";
  std::cout << os.str();
  return 0;
}

int RunDp(const Flags& flags) {
  if (flags.positional().size() != 1) return Fail(std::string("expected one of epsilon, noise, table\n") + kUsage);
  const std::string& mode = flags.positional()[0];
  if (mode == "epsilon") return RunSingle(flags, false);
  if (mode == "noise") return RunSingle(flags, true);
  if (mode == "table") return RunTable(flags);
  return Fail("unknown mode '" + mode + "' (expected epsilon, noise or table)");
}

}  // namespace

TB_REGISTER_COMMAND({.name = "dp",
                     .summary = "Privacy accounting: epsilon for a noise multiplier, noise calibration, planner table.",
                     .usage = kUsage,
                     .bool_flags = {"json", "reference_procedure"},
                     .run = &RunDp});

}  // namespace tb::cli
