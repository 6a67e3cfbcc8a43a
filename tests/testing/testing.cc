#include "tests/testing/testing.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace tb::testing {
namespace {

// CTest's environment first; then the paths CMake compiled in (gtest_discover_tests in CMake 3.25 cannot pass a
// list-valued ENVIRONMENT property, so the variables tb_test sets may not arrive).
std::string Env(const char* name) {
  const char* v = std::getenv(name);
  if (v != nullptr && *v != '\0') return v;
#ifdef TB_TESTING_DEFAULT_SOURCE_DIR
  if (std::strcmp(name, "TB_SOURCE_DIR") == 0) return TB_TESTING_DEFAULT_SOURCE_DIR;
  if (std::strcmp(name, "TB_BINARY_DIR") == 0) return TB_TESTING_DEFAULT_BINARY_DIR;
  if (std::strcmp(name, "TB_SHARED_DIR") == 0) return TB_TESTING_DEFAULT_SHARED_DIR;
  if (std::strcmp(name, "TB_TESTDATA_DIR") == 0) return TB_TESTING_DEFAULT_TESTDATA_DIR;
#endif
  return "";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<std::string> FixturePath(const std::string& relative) {
  std::string shared = Env("TB_SHARED_DIR");
  if (shared.empty()) shared = SourceDir() + "/../shared";
  const std::string path = shared + "/fixtures/odp/" + relative;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  // Some fixture files were published empty (LFS); treat those as absent too.
  if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == 0) return std::nullopt;
  return path;
}

std::string SourceDir() {
  std::string dir = Env("TB_SOURCE_DIR");
  return dir.empty() ? std::filesystem::current_path().string() : dir;
}

std::string BinaryDir() {
  std::string dir = Env("TB_BINARY_DIR");
  return dir.empty() ? std::filesystem::current_path().string() : dir;
}

std::string TestDataPath(const std::string& relative) {
  std::string dir = Env("TB_TESTDATA_DIR");
  if (dir.empty()) dir = SourceDir() + "/tests/testdata";
  return dir + "/" + relative;
}

std::string TaskbuilderBinary() { return BinaryDir() + "/src/cli/taskbuilder"; }

TempDir::TempDir() {
  std::string templ = (Env("TMPDIR").empty() ? std::string("/tmp") : Env("TMPDIR")) + "/tbtest-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed: " << std::strerror(errno);
  }
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

Subprocess::Subprocess(Options options) {
  stdout_path_ = dir_.Join("stdout");
  stderr_path_ = dir_.Join("stderr");
  std::vector<std::string> env_strings;
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) merged[k] = v;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);

  std::vector<char*> argv;
  for (auto& a : options.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int out = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null_in = ::open("/dev/null", O_RDONLY);
    ::dup2(null_in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) != 0) _exit(126);
    ::execvpe(argv[0], argv.data(), envp.data());  // searches PATH for bare names such as "node"
    _exit(127);
  }
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return;
  }
  pid_ = pid;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void Subprocess::Signal(int signal) {
  if (pid_ > 0 && !exit_code_) ::kill(pid_, signal);
}

std::optional<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string Subprocess::Stdout() const { return Slurp(stdout_path_); }
std::string Subprocess::Stderr() const { return Slurp(stderr_path_); }

RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const std::map<std::string, std::string>& env) {
  Subprocess p({argv, env, ""});
  RunResult r;
  auto code = p.Wait(timeout);
  r.exit_code = code ? *code : -1;
  if (!code) ADD_FAILURE() << "command timed out: " << argv[0];
  r.out = p.Stdout();
  r.err = p.Stderr();
  return r;
}

int PickUnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

bool WaitForPort(int port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    if (rc == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace tb::testing
