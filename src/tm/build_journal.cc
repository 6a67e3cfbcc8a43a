#include "tm/build_journal.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"

namespace tb::tm {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS builds(
  key TEXT PRIMARY KEY,
  digest BLOB NOT NULL,
  done INTEGER NOT NULL,
  response BLOB,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS build_tasks(
  key TEXT NOT NULL,
  population TEXT NOT NULL,
  task_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS build_tasks_by_key ON build_tasks(key);
)sql";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

absl::Status Err(sqlite3* db, std::string_view what) {
  return absl::InternalError(absl::StrCat("build journal: ", ToAbsl(what), ": ", sqlite3_errmsg(db)));
}

absl::Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat("build journal: ", err ? err : "error"));
    sqlite3_free(err);
    return s;
  }
  return absl::OkStatus();
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
  ~Stmt() { sqlite3_finalize(s); }
  void Text(int i, std::string_view v) { sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void Blob(int i, std::string_view v) { sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void Int(int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
  std::string ColBlob(int c) {
    const void* p = sqlite3_column_blob(s, c);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, c))) : std::string();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteBuildJournal>> SqliteBuildJournal::Open(const std::string& path,
                                                                            BuildJournalOptions options) {
  std::error_code ec;
  if (std::filesystem::path(path).has_parent_path()) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  }
  const int lock_fd = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return absl::InternalError(absl::StrCat("cannot open ", path, ".lock: ", std::strerror(errno)));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return absl::FailedPreconditionError(absl::StrCat("the build journal ", path, " is in use by another process"));
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ::close(lock_fd);
    return absl::InternalError(absl::StrCat("cannot open build journal ", path));
  }
  std::unique_ptr<SqliteBuildJournal> j(new SqliteBuildJournal(db, lock_fd, options));
  TB_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  TB_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=FULL"));
  TB_RETURN_IF_ERROR(Exec(db, kSchema));
  const int64_t cutoff = NowMs() - std::chrono::duration_cast<std::chrono::milliseconds>(options.retention).count();
  TB_RETURN_IF_ERROR(Exec(db, absl::StrCat("DELETE FROM builds WHERE done = 1 AND created_ms < ", cutoff)));
  return j;
}

SqliteBuildJournal::~SqliteBuildJournal() {
  sqlite3_close(db_);
  ::flock(lock_fd_, LOCK_UN);
  ::close(lock_fd_);
}

absl::StatusOr<pipeline::BuildJournal::Claim> SqliteBuildJournal::ClaimKey(const std::string& key,
                                                                          std::string_view request) {
  const std::string digest = Sha256(request);
  const auto deadline = std::chrono::steady_clock::now() + options_.wait_for_running;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      Stmt get(db_, "SELECT digest, done, response FROM builds WHERE key = ?");
      get.Text(1, key);
      const int rc = sqlite3_step(get.s);
      if (rc == SQLITE_DONE) {
        Stmt insert(db_, "INSERT INTO builds(key, digest, done, created_ms) VALUES(?, ?, 0, ?)");
        insert.Text(1, key);
        insert.Blob(2, digest);
        insert.Int(3, NowMs());
        if (sqlite3_step(insert.s) != SQLITE_DONE) return Err(db_, "claim key");
        return Claim{ClaimState::kNew, ""};
      }
      if (rc != SQLITE_ROW) return Err(db_, "read key");
      if (get.ColBlob(0) != digest) return Claim{ClaimState::kMismatch, ""};
      if (sqlite3_column_int(get.s, 1) == 1) return Claim{ClaimState::kCompleted, get.ColBlob(2)};
    }
    // Another attempt with this key is running in this process: wait for its answer rather than build twice.
    if (std::chrono::steady_clock::now() >= deadline) return Claim{ClaimState::kInProgress, ""};
    std::this_thread::sleep_for(options_.poll);
  }
}

absl::Status SqliteBuildJournal::RecordCreatedTask(const std::string& key, const odp::Task& task) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt insert(db_, "INSERT INTO build_tasks(key, population, task_id) VALUES(?, ?, ?)");
  insert.Text(1, key);
  insert.Text(2, task.population_name());
  insert.Int(3, task.task_id());
  if (sqlite3_step(insert.s) != SQLITE_DONE) return Err(db_, "record task");
  return absl::OkStatus();
}

absl::Status SqliteBuildJournal::Complete(const std::string& key, const std::string& response) {
  std::lock_guard<std::mutex> lock(mu_);
  TB_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  Stmt update(db_, "UPDATE builds SET done = 1, response = ? WHERE key = ?");
  update.Blob(1, response);
  update.Text(2, key);
  Stmt forget(db_, "DELETE FROM build_tasks WHERE key = ?");
  forget.Text(1, key);
  if (sqlite3_step(update.s) != SQLITE_DONE || sqlite3_step(forget.s) != SQLITE_DONE) {
    Exec(db_, "ROLLBACK").IgnoreError();
    return Err(db_, "complete key");
  }
  return Exec(db_, "COMMIT");
}

absl::StatusOr<SqliteBuildJournal::Recovery> SqliteBuildJournal::RecoverAbandoned(pipeline::TaskManagement& tm) {
  std::vector<std::pair<std::string, odp::Task>> tasks;
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt list(db_,
              "SELECT b.key, t.population, t.task_id FROM builds b LEFT JOIN build_tasks t ON t.key = b.key "
              "WHERE b.done = 0 ORDER BY t.rowid DESC");
    while (sqlite3_step(list.s) == SQLITE_ROW) {
      const std::string key = list.ColBlob(0);
      if (keys.empty() || keys.back() != key) keys.push_back(key);
      if (sqlite3_column_type(list.s, 1) == SQLITE_NULL) continue;
      odp::Task t;
      t.set_population_name(list.ColBlob(1));
      t.set_task_id(sqlite3_column_int64(list.s, 2));
      tasks.emplace_back(key, t);
    }
  }
  Recovery r;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  r.abandoned_keys = static_cast<int>(keys.size());
  for (const auto& [key, t] : tasks) {
    const std::string name = absl::StrCat(t.population_name(), "/", t.task_id());
    absl::Status s = tm.CancelTask(t);
    if (s.ok()) {
      r.cancelled.push_back(name);
      TB_LOG(WARNING) << "build journal: cancelled " << name << ", created by an unfinished build (key " << key << ")";
    } else {
      r.failures.push_back(absl::StrCat(name, " (", s.message(), ")"));
      TB_LOG(ERROR) << "build journal: cannot cancel " << name << " of an unfinished build: " << s.message();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  TB_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  for (const std::string& key : keys) {
    Stmt d1(db_, "DELETE FROM build_tasks WHERE key = ?");
    d1.Text(1, key);
    Stmt d2(db_, "DELETE FROM builds WHERE key = ? AND done = 0");
    d2.Text(1, key);
    if (sqlite3_step(d1.s) != SQLITE_DONE || sqlite3_step(d2.s) != SQLITE_DONE) {
      Exec(db_, "ROLLBACK").IgnoreError();
      return Err(db_, "forget abandoned keys");
    }
  }
  TB_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
  return r;
}

}  // namespace tb::tm
