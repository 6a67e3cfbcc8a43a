#include "tm/task_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "base/deterministic_serialization.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace tb::tm {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tasks(
  population TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  status INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  task BLOB NOT NULL,
  idempotency_key TEXT,
  request BLOB,
  PRIMARY KEY(population, task_id));
CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_idempotency_key ON tasks(population, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks(status, created_ms);
CREATE TABLE IF NOT EXISTS status_history(
  population TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  status INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS status_history_by_task ON status_history(population, task_id);
)sql";

absl::Status SqlError(sqlite3* db, std::string_view what) {
  return absl::InternalError(absl::StrCat("task database: ", ToAbsl(what), ": ", sqlite3_errmsg(db)));
}

// One prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  absl::Status ok() const { return rc_ == SQLITE_OK ? absl::OkStatus() : SqlError(db_, "prepare"); }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Blob(int col) {
    const void* p = sqlite3_column_blob(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), static_cast<size_t>(n));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

absl::Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat("task database: ", err ? err : "error", " in: ", sql));
    sqlite3_free(err);
    return s;
  }
  return absl::OkStatus();
}

// Rolls back unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  absl::Status Begin() {
    TB_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    open_ = true;
    return absl::OkStatus();
  }
  absl::Status Commit() {
    TB_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
    open_ = false;
    return absl::OkStatus();
  }
  ~Transaction() {
    if (open_) Exec(db_, "ROLLBACK").IgnoreError();
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

absl::StatusOr<odp::Task> ParseTask(const std::string& bytes, const std::string& where) {
  odp::Task task;
  if (!task.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("task database: unreadable task record ", where));
  }
  return task;
}

std::string Serialize(const odp::Task& task) { return SerializeDeterministic(task); }

absl::Status AddHistory(sqlite3* db, const std::string& population, int64_t task_id, int status, int64_t now_ms,
                        const std::string& reason) {
  Stmt h(db, "INSERT INTO status_history(population, task_id, status, time_ms, reason) VALUES(?,?,?,?,?)");
  TB_RETURN_IF_ERROR(h.ok());
  h.Bind(1, population).Bind(2, task_id).Bind(3, int64_t{status}).Bind(4, now_ms).Bind(5, reason);
  if (h.Step() != SQLITE_DONE) return SqlError(db, "insert status history");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TaskStore>> TaskStore::Open(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  const std::string lock_path = path + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return absl::InternalError(absl::StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return absl::FailedPreconditionError(
        absl::StrCat("the task database ", path, " is in use by another taskbuilder process"));
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat("cannot open task database ", path, ": ",
                                                      db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    ::close(lock_fd);
    return s;
  }
  std::unique_ptr<TaskStore> store(new TaskStore(path, db, lock_fd));
  sqlite3_busy_timeout(db, 5000);
  // WAL keeps readers off the writer's back; synchronous=FULL fsyncs the WAL on every commit, so a create that
  // was answered is on disk.
  TB_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  TB_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=FULL"));
  TB_RETURN_IF_ERROR(Exec(db, "PRAGMA foreign_keys=ON"));
  Stmt version(db, "PRAGMA user_version");
  TB_RETURN_IF_ERROR(version.ok());
  const int64_t have = version.Step() == SQLITE_ROW ? version.Int(0) : 0;
  if (have > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat("task database ", path, " has schema version ", have,
                                                      ", newer than this taskbuilder understands (", kSchemaVersion,
                                                      ")"));
  }
  TB_RETURN_IF_ERROR(Exec(db, kSchema));
  TB_RETURN_IF_ERROR(Exec(db, absl::StrCat("PRAGMA user_version=", kSchemaVersion).c_str()));
  return store;
}

TaskStore::~TaskStore() {
  sqlite3_close(db_);
  if (lock_fd_ >= 0) {
    ::flock(lock_fd_, LOCK_UN);
    ::close(lock_fd_);
  }
}

absl::StatusOr<TaskStore::InsertResult> TaskStore::Insert(const odp::Task& task, TaskKind kind,
                                                          const std::string& idempotency_key,
                                                          const std::string& request, int64_t now_ms,
                                                          const std::function<void(odp::Task&)>& finish) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction txn(db_);
  TB_RETURN_IF_ERROR(txn.Begin());
  const std::string& pop = task.population_name();
  InsertResult result;
  if (!idempotency_key.empty()) {
    Stmt prior(db_, "SELECT task, request FROM tasks WHERE population = ? AND idempotency_key = ?");
    TB_RETURN_IF_ERROR(prior.ok());
    prior.Bind(1, pop).Bind(2, idempotency_key);
    if (prior.Step() == SQLITE_ROW) {
      if (prior.Blob(1) != request) {
        return absl::FailedPreconditionError(absl::StrCat(
            "idempotency key '", idempotency_key, "' was already used for a different create-task request in ", pop));
      }
      TB_ASSIGN_OR_RETURN(result.task, ParseTask(prior.Blob(0), absl::StrCat(pop, " key ", idempotency_key)));
      result.replayed = true;
      return result;
    }
  }
  {
    Stmt active(db_,
                "SELECT task_id FROM tasks WHERE population = ? AND kind = ? AND status IN (?, ?) ORDER BY task_id");
    TB_RETURN_IF_ERROR(active.ok());
    active.Bind(1, pop).Bind(2, int64_t{static_cast<int>(kind)});
    active.Bind(3, int64_t{odp::TaskStatus::CREATED}).Bind(4, int64_t{odp::TaskStatus::OPEN});
    Conflict conflict;
    while (active.Step() == SQLITE_ROW) conflict.active_task_ids.push_back(active.Int(0));
    if (!conflict.active_task_ids.empty()) {
      result.conflict = std::move(conflict);
      return result;
    }
  }
  int64_t next_id = 1;
  {
    Stmt max(db_, "SELECT MAX(task_id) FROM tasks WHERE population = ?");
    TB_RETURN_IF_ERROR(max.ok());
    max.Bind(1, pop);
    if (max.Step() == SQLITE_ROW && !max.IsNull(0)) next_id = max.Int(0) + 1;
  }
  result.task = task;
  result.task.set_task_id(next_id);
  if (finish) finish(result.task);
  Stmt insert(db_,
              "INSERT INTO tasks(population, task_id, status, kind, created_ms, updated_ms, task, idempotency_key, "
              "request) VALUES(?,?,?,?,?,?,?,?,?)");
  TB_RETURN_IF_ERROR(insert.ok());
  insert.Bind(1, pop).Bind(2, next_id).Bind(3, int64_t{result.task.status()});
  insert.Bind(4, int64_t{static_cast<int>(kind)}).Bind(5, now_ms).Bind(6, now_ms).BindBlob(7, Serialize(result.task));
  if (idempotency_key.empty()) {
    insert.BindNull(8).BindNull(9);
  } else {
    insert.Bind(8, idempotency_key).BindBlob(9, request);
  }
  if (insert.Step() != SQLITE_DONE) return SqlError(db_, "insert task");
  TB_RETURN_IF_ERROR(AddHistory(db_, pop, next_id, result.task.status(), now_ms, "created"));
  TB_RETURN_IF_ERROR(txn.Commit());
  return result;
}

absl::StatusOr<std::optional<odp::Task>> TaskStore::Get(const std::string& population, int64_t task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt get(db_, "SELECT task FROM tasks WHERE population = ? AND task_id = ?");
  TB_RETURN_IF_ERROR(get.ok());
  get.Bind(1, population).Bind(2, task_id);
  const int rc = get.Step();
  if (rc == SQLITE_DONE) return std::optional<odp::Task>();
  if (rc != SQLITE_ROW) return SqlError(db_, "read task");
  TB_ASSIGN_OR_RETURN(odp::Task task, ParseTask(get.Blob(0), absl::StrCat(population, "/", task_id)));
  return std::optional<odp::Task>(std::move(task));
}

absl::StatusOr<TaskStore::Transition> TaskStore::SetStatus(const std::string& population, int64_t task_id,
                                                           const std::vector<odp::TaskStatus::Enum>& from,
                                                           odp::TaskStatus::Enum to, const std::string& reason,
                                                           int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction txn(db_);
  TB_RETURN_IF_ERROR(txn.Begin());
  Stmt get(db_, "SELECT task FROM tasks WHERE population = ? AND task_id = ?");
  TB_RETURN_IF_ERROR(get.ok());
  get.Bind(1, population).Bind(2, task_id);
  if (get.Step() != SQLITE_ROW) {
    return absl::NotFoundError(absl::StrCat("no task ", task_id, " in population ", population));
  }
  Transition t;
  TB_ASSIGN_OR_RETURN(t.task, ParseTask(get.Blob(0), absl::StrCat(population, "/", task_id)));
  if (t.task.status() == to) return t;
  if (std::find(from.begin(), from.end(), t.task.status()) == from.end()) {
    return absl::FailedPreconditionError(absl::StrCat("task ", population, "/", task_id, " is ",
                                                      odp::TaskStatus::Enum_Name(t.task.status()), " and cannot become ",
                                                      odp::TaskStatus::Enum_Name(to)));
  }
  t.task.set_status(to);
  if (to == odp::TaskStatus::CANCELED || to == odp::TaskStatus::FAILED || to == odp::TaskStatus::COMPLETED) {
    t.task.mutable_stop_time()->set_seconds(now_ms / 1000);
    t.task.mutable_stop_time()->set_nanos(static_cast<int32_t>(now_ms % 1000) * 1000000);
  }
  Stmt update(db_, "UPDATE tasks SET status = ?, updated_ms = ?, task = ? WHERE population = ? AND task_id = ?");
  TB_RETURN_IF_ERROR(update.ok());
  update.Bind(1, int64_t{to}).Bind(2, now_ms).BindBlob(3, Serialize(t.task)).Bind(4, population).Bind(5, task_id);
  if (update.Step() != SQLITE_DONE) return SqlError(db_, "update task status");
  TB_RETURN_IF_ERROR(AddHistory(db_, population, task_id, to, now_ms, reason));
  TB_RETURN_IF_ERROR(txn.Commit());
  t.changed = true;
  return t;
}

absl::StatusOr<std::vector<odp::Task>> TaskStore::ListByStatus(odp::TaskStatus::Enum status) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt list(db_, "SELECT task, population, task_id FROM tasks WHERE status = ? ORDER BY created_ms, task_id");
  TB_RETURN_IF_ERROR(list.ok());
  list.Bind(1, int64_t{status});
  std::vector<odp::Task> out;
  int rc;
  while ((rc = list.Step()) == SQLITE_ROW) {
    TB_ASSIGN_OR_RETURN(odp::Task task, ParseTask(list.Blob(0), absl::StrCat(list.Blob(1), "/", list.Int(2))));
    out.push_back(std::move(task));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list tasks");
  return out;
}

absl::StatusOr<std::vector<TaskStore::HistoryEntry>> TaskStore::History(const std::string& population,
                                                                       int64_t task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt h(db_, "SELECT status, time_ms, reason FROM status_history WHERE population = ? AND task_id = ? ORDER BY rowid");
  TB_RETURN_IF_ERROR(h.ok());
  h.Bind(1, population).Bind(2, task_id);
  std::vector<HistoryEntry> out;
  while (h.Step() == SQLITE_ROW) {
    out.push_back({static_cast<odp::TaskStatus::Enum>(h.Int(0)), h.Int(1), h.Blob(2)});
  }
  return out;
}

}  // namespace tb::tm
