// Starts the real `taskbuilder serve` binary on a free loopback port for end-to-end tests (server and cli).
#ifndef TASKBUILDER_TESTS_SERVER_SERVE_PROCESS_H_
#define TASKBUILDER_TESTS_SERVER_SERVE_PROCESS_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/testing.h"

namespace tb::testing {

class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> extra_flags = {}, std::map<std::string, std::string> env = {}) {
    port_ = PickUnusedPort();
    Subprocess::Options options;
    options.argv = {TaskbuilderBinary(), "serve", "--host=127.0.0.1", "--port=" + std::to_string(port_)};
    for (auto& flag : extra_flags) options.argv.push_back(std::move(flag));
    options.env = std::move(env);
    options.env.emplace("TASKBUILDER_HOME", home_.path());
    process_ = std::make_unique<Subprocess>(std::move(options));
    // The port accepts connections a moment before serve logs what it serves and "listening on": tests that read
    // the log wait for that line too.
    ready_ = WaitForPort(port_, std::chrono::seconds(20)) && WaitForLogLine("listening on", std::chrono::seconds(20));
    EXPECT_TRUE(ready_) << "taskbuilder serve did not start: " << process_->Stderr();
  }

  bool ready() const { return ready_; }
  // Polls the server's stderr until it contains `text`.
  bool WaitForLogLine(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process_->Stderr().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  int port() const { return port_; }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  Subprocess& process() { return *process_; }
  const std::string& home() const { return home_.path(); }

 private:
  TempDir home_;
  int port_ = 0;
  bool ready_ = false;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace tb::testing

#endif  // TASKBUILDER_TESTS_SERVER_SERVE_PROCESS_H_
