// Test support: the Cloud Storage emulator (tests/js/gcs-emulator) as a real child process on a loopback port,
// with its fault-injection controls. Tests skip with a message when `scripts/install-js.sh` has not installed
// its node_modules, and fail for any other start-up problem.
#ifndef TASKBUILDER_TESTS_STORAGE_GCS_EMULATOR_H_
#define TASKBUILDER_TESTS_STORAGE_GCS_EMULATOR_H_

#include <memory>
#include <string>

#include "tests/testing/testing.h"

namespace tb::testing {

class GcsEmulator {
 public:
  // Why the emulator cannot run on this machine ("" when it can).
  static std::string UnavailableReason();

  // Starts the emulator on `port` (0: a free one) and waits until it answers. Null (with a test failure) if it
  // does not come up.
  static std::unique_ptr<GcsEmulator> Start(int port = 0);
  ~GcsEmulator();

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Kills the process (SIGKILL: everything it held is gone) and, for Restart, starts a new one on the same port.
  void Kill();
  bool Restart();

  // POSTs a JSON fault rule to /_emulator/faults (see gcs-emulator.js); Clear() removes rules and counters.
  void SetFaults(const std::string& json);
  void ClearFaults();
  // The JSON from GET /_emulator/faults.
  std::string Faults();

 private:
  explicit GcsEmulator(int port) : port_(port) {}
  bool Launch();

  int port_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace tb::testing

// Binds `var` to a running emulator, or skips the test when node_modules is absent.
#define TB_REQUIRE_GCS_EMULATOR(var)                                                  \
  if (std::string tb_why_ = ::tb::testing::GcsEmulator::UnavailableReason(); !tb_why_.empty()) \
    GTEST_SKIP() << tb_why_;                                                          \
  auto var = ::tb::testing::GcsEmulator::Start();                                     \
  ASSERT_NE(var, nullptr)

#endif  // TASKBUILDER_TESTS_STORAGE_GCS_EMULATOR_H_
