// Idempotency keys and crash recovery of whole builds: the same key returns the same response and never makes
// a second set of tasks; a builder killed mid-upload leaves nothing half-created once the service restarts.
#include <signal.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/tm/build_world.h"
#include "tests/tm/publish_support.h"

namespace tb::tm {
namespace {

using testing_support::BuildWorld;
using testing_support::TakeCensus;

TEST(IdempotentBuildTest, SameKeySameResponseNoDuplicateTasks) {
  testing::TempDir dir;
  BuildWorld world(dir.path());
  const std::string body = world.Request();
  pipeline::BuildResult first = world.Build("key-1", body);
  ASSERT_FALSE(first.response.has_error_info()) << first.response.error_info().error_message();
  EXPECT_EQ(first.response.task_group().training_task().task_id(), 1);
  EXPECT_EQ(first.response.task_group().eval_task().task_id(), 2);
  EXPECT_EQ(first.response.task_group().eval_task().info().evaluation_info().training_task_id(), 1);
  pipeline::BuildResult again = world.Build("key-1", body);
  EXPECT_EQ(::tb::SerializeDeterministic(again.response), ::tb::SerializeDeterministic(first.response));
  auto census = TakeCensus(world.tm().service(), world.blobs());
  EXPECT_EQ(census.complete, 2);
  EXPECT_EQ(census.cancelled, 0);
  // Without a key, a second build of the same population is refused by TM's one-active rule (nothing left over).
  pipeline::BuildResult no_key = world.Build("", body);
  ASSERT_TRUE(no_key.response.has_error_info());
  EXPECT_TRUE(absl::StrContains(no_key.response.error_info().error_message(), "409: Conflict"));
  EXPECT_EQ(TakeCensus(world.tm().service(), world.blobs()).complete, 2);
}

TEST(IdempotentBuildTest, KeyReusedForAnotherRequestIsRefused) {
  testing::TempDir dir;
  BuildWorld world(dir.path());
  ASSERT_FALSE(world.Build("k", world.Request("pop_a")).response.has_error_info());
  pipeline::BuildResult other = world.Build("k", world.Request("pop_b"));
  EXPECT_EQ(other.response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(other.response.error_info().error_message(), "Idempotency-Key 'k' was already used for a different request.");
  pipeline::BuildResult artifacts_route =
      pipeline::HandleIdempotentBuildRequest(&world.journal(), "k", world.Request("pop_a"), true, world.services());
  EXPECT_EQ(artifacts_route.response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
  EXPECT_EQ(pipeline::HandleIdempotentBuildRequest(&world.journal(), std::string(300, 'k'), world.Request(), false,
                                                   world.services())
                .response.error_info()
                .error_message(),
            "Idempotency-Key is longer than 256 bytes.");
}

TEST(IdempotentBuildTest, ConcurrentRetriesWithOneKeyBuildOnce) {
  testing::TempDir dir;
  BuildWorld world(dir.path(), /*slow_put_ms=*/50);
  const std::string body = world.Request();
  std::vector<std::string> responses(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { responses[i] = ::tb::SerializeDeterministic(world.Build("same", body).response); });
  }
  for (auto& t : threads) t.join();
  for (int i = 1; i < 4; ++i) EXPECT_EQ(responses[i], responses[0]);
  odp::BuildTaskResponse r;
  ASSERT_TRUE(r.ParseFromString(responses[0]));
  EXPECT_FALSE(r.has_error_info()) << r.error_info().error_message();
  auto census = TakeCensus(world.tm().service(), world.blobs());
  EXPECT_EQ(census.complete, 2);
  EXPECT_EQ(census.cancelled, 0);
}

TEST(IdempotentBuildTest, BuilderKilledMidUploadLeavesNothingHalfCreated) {
  testing::TempDir dir;
  const std::string helper = testing::BinaryDir() + "/tests/tm/tm_killed_builder";
  testing::Subprocess builder({.argv = {helper, dir.path(), "key-crash"}, .env = {}, .working_dir = ""});
  ASSERT_TRUE(builder.started());
  // Wait until both tasks exist and the (slow) uploads have begun, then kill it without warning.
  for (int i = 0; i < 600 && builder.Stdout().find("created my_new_population/2") == std::string::npos; ++i) {
    ASSERT_FALSE(builder.Wait(std::chrono::milliseconds(50)).has_value()) << builder.Stdout() << builder.Stderr();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // one artifact written, the rest not
  builder.Signal(SIGKILL);
  ASSERT_EQ(builder.Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  ASSERT_EQ(builder.Stdout().find("done"), std::string::npos) << "the build finished before it was killed";

  // The service restarts: the embedded TM's start-up recovery and the journal's together.
  BuildWorld world(dir.path());
  ASSERT_EQ(world.tm().startup_recovery().cancelled.size(), 2u);
  auto recovery = world.journal().RecoverAbandoned(world.tm());
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  EXPECT_EQ(recovery->abandoned_keys, 1);
  EXPECT_TRUE(recovery->failures.empty()) << absl::StrJoin(recovery->failures, "; ");
  auto census = TakeCensus(world.tm().service(), world.blobs());
  EXPECT_EQ(census.half_created, 0) << absl::StrJoin(census.problems, "; ");
  EXPECT_EQ(census.cancelled, 2);
  // The client retries with its key: the build runs afresh and succeeds (no collision with the dead attempt).
  pipeline::BuildResult retry = world.Build("key-crash", world.Request());
  ASSERT_FALSE(retry.response.has_error_info()) << retry.response.error_info().error_message();
  EXPECT_EQ(retry.response.task_group().training_task().task_id(), 3);
  census = TakeCensus(world.tm().service(), world.blobs());
  EXPECT_EQ(census.complete, 2);
  EXPECT_EQ(census.half_created, 0);
}

TEST(IdempotentBuildTest, KilledAfterUploadsButBeforeTheAnswerIsRecoveredToo) {
  // A build whose tasks are complete but whose response was never stored: recovery cancels them (the client never
  // learned about them) so the retry can take the population's slots.
  testing::TempDir dir;
  {
    BuildWorld world(dir.path());
    auto claim = world.journal().ClaimKey("k", "build-task-group\n" + world.Request());
    ASSERT_TRUE(claim.ok());
    pipeline::PipelineServices s = world.services();
    s.on_task_created = [&](const odp::Task& t) { ASSERT_TRUE(world.journal().RecordCreatedTask("k", t).ok()); };
    ASSERT_FALSE(pipeline::HandleBuildRequest(world.Request(), false, s).response.has_error_info());
    // ...and the process dies before Complete().
  }
  BuildWorld world(dir.path());
  EXPECT_TRUE(world.tm().startup_recovery().cancelled.empty());  // their artifacts are all there
  auto recovery = world.journal().RecoverAbandoned(world.tm());
  ASSERT_TRUE(recovery.ok());
  EXPECT_EQ(recovery->cancelled, (std::vector<std::string>{"my_new_population/2", "my_new_population/1"}));
  pipeline::BuildResult retry = world.Build("k", world.Request());
  ASSERT_FALSE(retry.response.has_error_info()) << retry.response.error_info().error_message();
  auto census = TakeCensus(world.tm().service(), world.blobs());
  EXPECT_EQ(census.complete, 2);
  EXPECT_EQ(census.cancelled, 2);
}

}  // namespace
}  // namespace tb::tm
