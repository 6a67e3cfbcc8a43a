// The PLD accountant over a grid of (report goal, rounds, δ, σ) against the Appendix C oracle
// (tests/dp/oracle/pld_oracle.py, which matches dp_accounting 0.4.3 bit for bit). The expected values are checked
// in (tests/dp/testdata/pld_grid.tsv, regenerated with `pld_oracle.py grid`); when python3 with numpy and scipy
// is available the test also runs the oracle live on configurations outside the grid.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dp/accounting.h"
#include "gtest/gtest.h"
#include "tests/dp/tolerance.h"
#include "tests/testing/testing.h"

namespace tb::dp {
namespace {

struct Row {
  std::string kind;
  int64_t report_goal, rounds;
  double delta, parameter, expected;
};

std::string Repr(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<Row> ReadGrid() {
  std::ifstream in(testing::SourceDir() + "/tests/dp/testdata/pld_grid.tsv");
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    Row r;
    s >> r.kind >> r.report_goal >> r.rounds >> r.delta >> r.parameter >> r.expected;
    if (s) rows.push_back(r);
  }
  return rows;
}

AccountingParams Params(const Row& r) {
  AccountingParams p;
  p.aggregator_type = kFixedGaussian;
  p.report_goal = r.report_goal;
  p.rounds = r.rounds;
  p.delta = r.delta;
  return p;
}

TEST(OracleGridTest, EpsilonMatchesOracleOverTheGrid) {
  const std::vector<Row> rows = ReadGrid();
  ASSERT_GE(rows.size(), 140u) << "tests/dp/testdata/pld_grid.tsv missing or short";
  double worst = 0;
  std::string worst_case;
  int checked = 0;
  std::map<double, double> worst_by_delta;
  for (const Row& r : rows) {
    if (r.kind != "eps") continue;
    auto got = NoiseToEpsilon(Params(r), r.parameter);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_NEAR(*got, r.expected, PldEpsilonTolerance(r.expected, r.delta))
        << "rg=" << r.report_goal << " T=" << r.rounds << " delta=" << r.delta << " sigma=" << r.parameter;
    const double rel = r.expected == 0 ? std::fabs(*got) : std::fabs(*got - r.expected) / std::fabs(r.expected);
    worst_by_delta[r.delta] = std::max(worst_by_delta[r.delta], rel);
    if (rel > worst) {
      worst = rel;
      worst_case = "rg=" + std::to_string(r.report_goal) + " T=" + std::to_string(r.rounds) +
                   " delta=" + std::to_string(r.delta) + " sigma=" + std::to_string(r.parameter);
    }
    ++checked;
  }
  std::printf("checked %d grid points; max relative error %.3g (%s)\n", checked, worst, worst_case.c_str());
  for (const auto& [delta, rel] : worst_by_delta) std::printf("  delta %.3g: max relative error %.3g\n", delta, rel);
}

TEST(OracleGridTest, CalibrationMatchesOracle) {
  for (const Row& r : ReadGrid()) {
    if (r.kind != "noise") continue;
    CalibrationStats stats;
    auto sigma = EpsilonToNoise(Params(r), r.parameter, &stats);
    ASSERT_TRUE(sigma.ok()) << sigma.status();
    EXPECT_TRUE(CalibratedNear(*sigma, r.expected, r.delta))
        << "rg=" << r.report_goal << " T=" << r.rounds << " eps=" << r.parameter;
    EXPECT_LE(stats.achieved_epsilon, r.parameter);
  }
}

// Runs the Python oracle when numpy and scipy are importable (CI installs them); skips otherwise.
TEST(OracleGridTest, LiveOracleAgreesOffGrid) {
  const std::string oracle = testing::SourceDir() + "/tests/dp/oracle/pld_oracle.py";
  // Debian's interpreter first: a pyenv python3 earlier on PATH usually lacks numpy.
  std::string python;
  for (const char* candidate : {"/usr/bin/python3", "python3"}) {
    if (testing::Run({candidate, "-c", "import numpy, scipy"}, std::chrono::seconds(60)).exit_code == 0) {
      python = candidate;
      break;
    }
  }
  if (python.empty()) GTEST_SKIP() << "python3 with numpy and scipy not available";
  struct {
    int64_t rg, t;
    double delta, sigma;
  } cases[] = {{500, 50, 1e-6, 0.9}, {12345, 7, 1e-5, 1.3}, {7, 300, 2e-7, 0.8}};
  for (const auto& c : cases) {
    auto run =
        testing::Run({python, oracle, "eps", std::to_string(c.rg), std::to_string(c.t), Repr(c.delta), Repr(c.sigma)},
                     std::chrono::seconds(600));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const double want = std::stod(run.out);
    AccountingParams p;
    p.report_goal = c.rg;
    p.rounds = c.t;
    p.delta = c.delta;
    auto got = NoiseToEpsilon(p, c.sigma);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_NEAR(*got, want, PldEpsilonTolerance(want, p.delta)) << c.rg << " " << c.t << " " << c.sigma;
  }
}

}  // namespace
}  // namespace tb::dp
