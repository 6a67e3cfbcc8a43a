// Minimal leveled logging to stderr (progress and logs go to stderr; machine output to stdout, DESIGN.md §3).
// Usage: TB_LOG(INFO) << "Build artifacts for task " << id << ".";
// Tests can capture lines with ScopedLogCapture.
#ifndef TASKBUILDER_BASE_LOGGING_H_
#define TASKBUILDER_BASE_LOGGING_H_

#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace tb {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

// Messages below this level are dropped. Default kInfo; the CLI lowers/raises it with --verbosity / --quiet.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();

// Receives every emitted line (level, message without prefix). Replaces stderr output while installed.
using LogSink = std::function<void(LogLevel, std::string_view)>;

// Installs `sink` for its lifetime; restores the previous sink afterwards. Not for concurrent use by tests.
class ScopedLogCapture {
 public:
  explicit ScopedLogCapture(LogSink sink);
  ~ScopedLogCapture();
  ScopedLogCapture(const ScopedLogCapture&) = delete;
  ScopedLogCapture& operator=(const ScopedLogCapture&) = delete;

 private:
  LogSink previous_;
};

namespace internal {
class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  const char* file_;
  int line_;
  std::ostringstream stream_;
};
}  // namespace internal
}  // namespace tb

#define TB_LOG_LEVEL_DEBUG ::tb::LogLevel::kDebug
#define TB_LOG_LEVEL_INFO ::tb::LogLevel::kInfo
#define TB_LOG_LEVEL_WARNING ::tb::LogLevel::kWarning
#define TB_LOG_LEVEL_ERROR ::tb::LogLevel::kError

#define TB_LOG(level)                                             \
  if (TB_LOG_LEVEL_##level < ::tb::MinLogLevel()) {               \
  } else                                                          \
    ::tb::internal::LogMessage(TB_LOG_LEVEL_##level, __FILE__, __LINE__).stream()

#endif  // TASKBUILDER_BASE_LOGGING_H_
