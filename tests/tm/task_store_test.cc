#include "tm/task_store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gtest/gtest.h"
#include "tests/testing/testing.h"

namespace tb::tm {
namespace {

odp::Task MakeTask(const std::string& pop) {
  odp::Task t;
  t.set_population_name(pop);
  t.set_status(odp::TaskStatus::CREATED);
  t.set_min_aggregation_size(10);
  return t;
}

TEST(TaskStoreTest, AssignsIdsPerPopulationAndEnforcesOneActivePerKind) {
  testing::TempDir dir;
  auto store = TaskStore::Open(dir.Join("tm.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto a = (*store)->Insert(MakeTask("p"), TaskKind::kTraining, "", "", 1000, nullptr);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->task.task_id(), 1);
  EXPECT_FALSE(a->conflict.has_value());
  auto eval = (*store)->Insert(MakeTask("p"), TaskKind::kEvaluation, "", "", 1000, nullptr);
  EXPECT_EQ(eval->task.task_id(), 2);
  auto other = (*store)->Insert(MakeTask("q"), TaskKind::kTraining, "", "", 1000, nullptr);
  EXPECT_EQ(other->task.task_id(), 1);
  auto dup = (*store)->Insert(MakeTask("p"), TaskKind::kTraining, "", "", 1000, nullptr);
  ASSERT_TRUE(dup.ok());
  ASSERT_TRUE(dup->conflict.has_value());
  EXPECT_EQ(dup->conflict->active_task_ids, std::vector<int64_t>{1});
  // Cancelling frees the slot; ids keep growing.
  ASSERT_TRUE((*store)->SetStatus("p", 1, {odp::TaskStatus::CREATED}, odp::TaskStatus::CANCELED, "test", 2000).ok());
  auto again = (*store)->Insert(MakeTask("p"), TaskKind::kTraining, "", "", 3000, nullptr);
  ASSERT_FALSE(again->conflict.has_value());
  EXPECT_EQ(again->task.task_id(), 3);
}

TEST(TaskStoreTest, IdempotencyKeysReplayOrRefuse) {
  testing::TempDir dir;
  auto store = TaskStore::Open(dir.Join("tm.db"));
  ASSERT_TRUE(store.ok());
  auto first = (*store)->Insert(MakeTask("p"), TaskKind::kTraining, "k1", "request-bytes", 1000, nullptr);
  auto replay = (*store)->Insert(MakeTask("p"), TaskKind::kTraining, "k1", "request-bytes", 2000, nullptr);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->task.task_id(), first->task.task_id());
  auto mismatch = (*store)->Insert(MakeTask("p"), TaskKind::kTraining, "k1", "other-bytes", 2000, nullptr);
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store)->ListByStatus(odp::TaskStatus::CREATED)->size(), 1u);
}

TEST(TaskStoreTest, StatusTransitionsAndHistory) {
  testing::TempDir dir;
  auto store = TaskStore::Open(dir.Join("tm.db"));
  ASSERT_TRUE((*store)->Insert(MakeTask("p"), TaskKind::kTraining, "", "", 1000, nullptr).ok());
  auto c = (*store)->SetStatus("p", 1, {odp::TaskStatus::CREATED}, odp::TaskStatus::CANCELED, "why", 5500);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->changed);
  EXPECT_EQ(c->task.status(), odp::TaskStatus::CANCELED);
  EXPECT_EQ(c->task.stop_time().seconds(), 5);
  auto again = (*store)->SetStatus("p", 1, {odp::TaskStatus::CREATED}, odp::TaskStatus::CANCELED, "why", 6000);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  auto bad = (*store)->SetStatus("p", 1, {odp::TaskStatus::CREATED}, odp::TaskStatus::OPEN, "no", 6000);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(bad.status().message(), "task p/1 is CANCELED and cannot become OPEN");
  EXPECT_EQ((*store)->SetStatus("p", 9, {}, odp::TaskStatus::OPEN, "", 0).status().code(),
            absl::StatusCode::kNotFound);
  auto history = (*store)->History("p", 1);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].status, odp::TaskStatus::CANCELED);
  EXPECT_EQ((*history)[1].reason, "why");
}

TEST(TaskStoreTest, OneProcessPerDatabase) {
  testing::TempDir dir;
  auto first = TaskStore::Open(dir.Join("tm.db"));
  ASSERT_TRUE(first.ok());
  auto second = TaskStore::Open(dir.Join("tm.db"));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use by another taskbuilder process"), std::string::npos);
  first->reset();
  EXPECT_TRUE(TaskStore::Open(dir.Join("tm.db")).ok());
}

TEST(TaskStoreTest, CommittedCreatesSurviveAKilledProcess) {
  testing::TempDir dir;
  const std::string path = dir.Join("tm.db");
  const pid_t child = ::fork();
  if (child == 0) {
    auto store = TaskStore::Open(path);
    if (!store.ok()) _exit(3);
    for (int i = 0; i < 20; ++i) {
      if (!(*store)->Insert(MakeTask("pop" + std::to_string(i)), TaskKind::kTraining, "", "", 1000, nullptr).ok()) {
        _exit(4);
      }
    }
    ::raise(SIGKILL);  // no destructor, no checkpoint, no unlock: as if the machine's process died
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  auto store = TaskStore::Open(path);  // the lock died with the process
  ASSERT_TRUE(store.ok()) << store.status();
  auto all = (*store)->ListByStatus(odp::TaskStatus::CREATED);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 20u);
}

TEST(TaskStoreTest, RefusesANewerSchema) {
  testing::TempDir dir;
  { ASSERT_TRUE(TaskStore::Open(dir.Join("tm.db")).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.Join("tm.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = TaskStore::Open(dir.Join("tm.db"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tb::tm
