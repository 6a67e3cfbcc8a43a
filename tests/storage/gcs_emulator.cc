#include "tests/storage/gcs_emulator.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "http/client.h"

namespace tb::testing {
namespace {

// tb_test's CTest ENVIRONMENT property does not reach the tests (only the first entry of the list survives the
// set_tests_properties expansion), so fill in the locations CMake knows when they are missing.
const bool kEnvDefaults = [] {
  ::setenv("TB_SOURCE_DIR", TB_DEFAULT_SOURCE_DIR, /*overwrite=*/0);
  ::setenv("TB_BINARY_DIR", TB_DEFAULT_BINARY_DIR, /*overwrite=*/0);
  return true;
}();

std::string EmulatorDir() { return SourceDir() + "/tests/js/gcs-emulator"; }

bool Exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

http::Response Call(const std::string& method, const std::string& url, const std::string& body) {
  http::ClientOptions o;
  o.timeout = std::chrono::milliseconds(10000);
  http::Client client(o);
  http::Request req;
  req.method = method;
  req.url = url;
  req.body = body;
  if (!body.empty()) req.headers = {{"Content-Type", "application/json"}};
  auto resp = client.Send(req);
  EXPECT_TRUE(resp.ok()) << resp.status();
  return resp.ok() ? *resp : http::Response{};
}

std::string FindNode() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t colon = p.find(':', start);
    if (colon == std::string::npos) colon = p.size();
    const std::string candidate = p.substr(start, colon - start) + "/node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return "";
}

}  // namespace

std::string GcsEmulator::UnavailableReason() {
  if (FindNode().empty()) return "GCS emulator needs node on PATH";
  if (!Exists(EmulatorDir() + "/node_modules/firebase-tools")) {
    return "GCS emulator not installed (run scripts/install-js.sh to install tests/js/gcs-emulator/node_modules)";
  }
  return "";
}

std::unique_ptr<GcsEmulator> GcsEmulator::Start(int port) {
  std::unique_ptr<GcsEmulator> emu(new GcsEmulator(port == 0 ? PickUnusedPort() : port));
  if (!emu->Launch()) return nullptr;
  return emu;
}

bool GcsEmulator::Launch() {
  process_ = std::make_unique<Subprocess>(Subprocess::Options{
      .argv = {FindNode(), EmulatorDir() + "/gcs-emulator.js", std::to_string(port_)}, .env = {}, .working_dir = ""});
  // The emulator needs a couple of seconds to load firebase-tools; the front listens only once it is ready.
  for (int i = 0; i < 300; ++i) {
    if (process_->Stdout().find("listening") != std::string::npos && WaitForPort(port_, std::chrono::seconds(1))) {
      return true;
    }
    if (process_->Wait(std::chrono::milliseconds(100)).has_value()) break;
  }
  ADD_FAILURE() << "GCS emulator did not start on port " << port_ << "\nstdout: " << process_->Stdout()
                << "\nstderr: " << process_->Stderr();
  return false;
}

GcsEmulator::~GcsEmulator() { Kill(); }

void GcsEmulator::Kill() {
  if (process_) {
    process_->Signal(SIGKILL);
    process_->Wait(std::chrono::seconds(10));
    process_.reset();
  }
}

bool GcsEmulator::Restart() {
  Kill();
  return Launch();
}

void GcsEmulator::SetFaults(const std::string& json) {
  http::Response r = Call("POST", endpoint() + "/_emulator/faults", json);
  EXPECT_EQ(r.status, 200) << r.body;
}

void GcsEmulator::ClearFaults() { Call("DELETE", endpoint() + "/_emulator/faults", ""); }

std::string GcsEmulator::Faults() { return Call("GET", endpoint() + "/_emulator/faults", "").body; }

}  // namespace tb::testing
