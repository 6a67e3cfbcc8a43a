// Shared test support: locating fixtures and binaries, temp dirs, subprocesses and loopback ports.
// Tests that need ../shared fixtures call TB_REQUIRE_FIXTURE so the suite still passes (skipping those cases)
// on a machine without them; everything else must work from data the project generates itself.
#ifndef TASKBUILDER_TESTS_TESTING_TESTING_H_
#define TASKBUILDER_TESTS_TESTING_TESTING_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tb::testing {

// $TB_SHARED_DIR/fixtures/odp/<relative>, or nullopt when the fixture is not present on this machine.
std::optional<std::string> FixturePath(const std::string& relative);

// The checked-in test data directory (tests/testdata) joined with `relative`.
std::string TestDataPath(const std::string& relative);

// The repository root and the build directory (from the CTest environment; falls back to the cwd).
std::string SourceDir();
std::string BinaryDir();

// Path to the built `taskbuilder` executable.
std::string TaskbuilderBinary();

// A fresh temp directory removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads a file or fails the current test.
std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& data);

// A child process with stdout/stderr redirected to files. The destructor kills (SIGKILL) and reaps it.
class Subprocess {
 public:
  struct Options {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // added to (and overriding) the parent's environment
    std::string working_dir;                 // empty: inherit
  };
  explicit Subprocess(Options options);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Sends `signal` (e.g. SIGTERM) to the child.
  void Signal(int signal);
  // Waits up to `timeout` for exit; returns the exit code (128+signal if killed) or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // Output captured so far.
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_;
  std::string stderr_path_;
  TempDir dir_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs a command to completion (killing it after `timeout`).
RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(120),
              const std::map<std::string, std::string>& env = {});

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickUnusedPort();

// Polls until a TCP connect to 127.0.0.1:port succeeds, or the timeout passes.
bool WaitForPort(int port, std::chrono::milliseconds timeout);

}  // namespace tb::testing

// Skips the current test when a ../shared fixture is missing, binding `var` to its path otherwise.
#define TB_REQUIRE_FIXTURE(var, relative)                                         \
  std::string var;                                                                \
  do {                                                                            \
    auto tb_fixture_ = ::tb::testing::FixturePath(relative);                      \
    if (!tb_fixture_) GTEST_SKIP() << "fixture not available: " << (relative);    \
    var = *tb_fixture_;                                                           \
  } while (0)

#endif  // TASKBUILDER_TESTS_TESTING_TESTING_H_
