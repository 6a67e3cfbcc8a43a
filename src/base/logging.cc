#include "base/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

namespace tb {
namespace {

std::atomic<LogLevel> g_min_level{LogLevel::kInfo};
std::mutex g_mu;
LogSink g_sink;  // guarded by g_mu

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return 'D';
    case LogLevel::kInfo: return 'I';
    case LogLevel::kWarning: return 'W';
    case LogLevel::kError: return 'E';
    default: return '?';
  }
}

const char* Basename(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

}  // namespace

void SetMinLogLevel(LogLevel level) { g_min_level.store(level); }
LogLevel MinLogLevel() { return g_min_level.load(); }

ScopedLogCapture::ScopedLogCapture(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  previous_ = std::move(g_sink);
  g_sink = std::move(sink);
}

ScopedLogCapture::~ScopedLogCapture() {
  std::lock_guard<std::mutex> lock(g_mu);
  g_sink = std::move(previous_);
}

namespace internal {

LogMessage::LogMessage(LogLevel level, const char* file, int line) : level_(level), file_(file), line_(line) {}

LogMessage::~LogMessage() {
  const std::string message = stream_.str();
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sink) {
    g_sink(level_, message);
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const int millis =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::fprintf(stderr, "%c%02d%02d %02d:%02d:%02d.%03d %s:%d] %s\n", LevelLetter(level_), tm.tm_mon + 1, tm.tm_mday,
               tm.tm_hour, tm.tm_min, tm.tm_sec, millis, Basename(file_), line_, message.c_str());
}

}  // namespace internal
}  // namespace tb
