// The transactional publish (pipeline/publish.h) with real parts: the embedded TM (SQLite) in-process or over
// loopback HTTP, local storage or the Cloud Storage emulator as a child process — and faults injected into
// them: storage failing on the Nth upload, the emulator restarted mid-build, a TM that is down, slow, answers
// 500/409/garbage (before or after acting), a TM without cancel, concurrent builds for one population. Every
// test ends with a census: no task may be left CREATED without its artifacts.
#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "nlohmann/json.hpp"
#include "pipeline/publish.h"
#include "storage/pipeline_blob_store.h"
#include "storage/uri_blob_store.h"
#include "tests/storage/gcs_emulator.h"
#include "tests/tm/publish_support.h"
#include "tm/task_management_http.h"
#include "tm/task_management_ports.h"

namespace tb::tm {
namespace {

using testing_support::Artifacts;
using testing_support::Census;
using testing_support::EvalTask;
using testing_support::TakeCensus;
using testing_support::TrainingTask;

struct Group {
  pipeline::TaskArtifacts main = Artifacts(1);
  pipeline::TaskArtifacts eval = Artifacts(7, 1000);
  pipeline::PublishPlan Plan(const std::string& pop) {
    pipeline::PublishPlan p;
    p.main = TrainingTask(pop);
    p.optional = EvalTask(pop);
    p.main_artifacts = &main;
    p.optional_artifacts = &eval;
    return p;
  }
};

// The embedded TM over local storage, in-process.
class LocalWorld {
 public:
  explicit LocalWorld(const std::string& root) : blobs_(root) {
    EmbeddedTaskManagementOptions o;
    o.storage_root = root + "/artifacts";
    o.database_path = root + "/tm.db";
    auto tm = EmbeddedTaskManagement::Open(o);
    EXPECT_TRUE(tm.ok()) << tm.status();
    tm_ = std::move(*tm);
    storage::PipelineBlobStoreOptions so;
    so.write_root = root + "/artifacts";
    store_ = std::make_unique<storage::PipelineBlobStore>(so);
  }
  EmbeddedTaskManagement& tm() { return *tm_; }
  storage::PipelineBlobStore& store() { return *store_; }
  Census census() { return TakeCensus(tm_->service(), blobs_); }
  storage::LocalBlobStore& blobs() { return blobs_; }

 private:
  storage::LocalBlobStore blobs_;
  std::unique_ptr<EmbeddedTaskManagement> tm_;
  std::unique_ptr<storage::PipelineBlobStore> store_;
};

TEST(PublishTest, TrainingAndEvalEndToEndOnLocalStorage) {
  testing::TempDir dir;
  LocalWorld world(dir.path());
  Group g;
  pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan("pop"), &world.tm(), world.store());
  ASSERT_TRUE(out.ok) << out.error_message;
  EXPECT_EQ(out.main.task_id(), 1);
  ASSERT_TRUE(out.optional.has_value());
  EXPECT_EQ(out.optional->task_id(), 2);
  // §12.12: the eval task evaluates the training task just created, not the config's guess.
  EXPECT_EQ(out.optional->info().evaluation_info().training_task_id(), 1);
  EXPECT_EQ(world.tm().service().GetTask("pop", 2)->info().evaluation_info().training_task_id(), 1);
  EXPECT_EQ(*world.blobs().Get(out.main.init_checkpoint_url(0)), g.main.initial_checkpoint);
  EXPECT_EQ(*world.blobs().Get(out.main.server_phase_url(0)), g.main.plan);
  EXPECT_EQ(*world.blobs().Get(out.optional->client_only_plan_url(0)), g.eval.client_only_plan);
  Census c = world.census();
  EXPECT_EQ(c.complete, 2);
  EXPECT_EQ(c.half_created, 0);
}

TEST(PublishTest, ConflictOnTheEvalTaskCancelsTheTrainingTask) {
  testing::TempDir dir;
  LocalWorld world(dir.path());
  // An unrelated active eval task occupies the population's evaluation slot.
  ASSERT_TRUE(world.tm().service().CreateTask("pop", EvalTask("pop")).ok());
  Group g;
  pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan("pop"), &world.tm(), world.store());
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error_type, odp::ErrorType::TASK_MANAGEMENT_ERROR);
  EXPECT_EQ(out.error_message,
            "Failed to create tasks by task management service: 409: Conflict: failed to create new created task: "
            "only one active training and/or one evaluation task is allowed under one population, there are "
            "already active tasks: [pop/1] Cancelled the tasks this build created: pop/2.");
  EXPECT_EQ(world.tm().service().GetTask("pop", 2)->status(), odp::TaskStatus::CANCELED);
  EXPECT_EQ(world.census().cancelled, 1);
}

TEST(PublishTest, ConcurrentBuildsForOnePopulationLoseNothing) {
  testing::TempDir dir;
  LocalWorld world(dir.path());
  constexpr int kBuilds = 6;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kBuilds);
  for (int i = 0; i < kBuilds; ++i) {
    threads.emplace_back([&, i] {
      Group g;
      pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan("shared"), &world.tm(), world.store());
      if (out.ok) {
        ++succeeded;
      } else {
        errors[i] = out.error_message;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), 1);  // one active training task per population
  for (const auto& e : errors) {
    if (!e.empty()) {
      EXPECT_NE(e.find("409: Conflict"), std::string::npos) << e;
    }
  }
  Census c = world.census();
  EXPECT_EQ(c.complete, 2);
  EXPECT_EQ(c.half_created, 0) << absl::StrJoin(c.problems, "; ");
}

TEST(PublishTest, InvalidEvalUrlIsCaughtBeforeAnyUpload) {
  testing::TempDir dir;
  LocalWorld world(dir.path());
  // Artifact-only with the training URLs fine and an eval URL outside the artifact root.
  Group g;
  pipeline::PublishPlan p = g.Plan("pop");
  p.artifact_only = true;
  p.main.add_init_checkpoint_url(dir.Join("artifacts/a/ckpt"));
  p.main.add_server_phase_url(dir.Join("artifacts/a/plan"));
  p.main.add_client_only_plan_url(dir.Join("artifacts/a/client"));
  p.optional->add_server_phase_url("/etc/evil");
  pipeline::PublishOutcome out = pipeline::PublishTaskGroup(std::move(p), nullptr, world.store());
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error_message,
            "Artifact failed to upload for task 0: Cannot build artifacts because createTask returns invalid URLs: "
            "/etc/evil. Stop building remaining artifacts.");
  EXPECT_FALSE(world.blobs().Stat(dir.Join("artifacts/a/ckpt"))->has_value());
}

// ---- Cloud Storage emulator ----

class EmulatorWorld {
 public:
  EmulatorWorld(const std::string& root, testing::GcsEmulator* emu) : emu_(emu) {
    EmbeddedTaskManagementOptions o;
    o.storage_root = "gs://fcp-test-m-0";
    o.database_path = root + "/tm.db";
    auto tm = EmbeddedTaskManagement::Open(o);
    EXPECT_TRUE(tm.ok()) << tm.status();
    tm_ = std::move(*tm);
    storage::PipelineBlobStoreOptions so;
    so.write_root = root;
    so.gcs.endpoint = emu->endpoint();
    so.gcs.credentials = storage::NoAccessToken();
    so.gcs.retry.initial_backoff = std::chrono::milliseconds(20);
    so.gcs.retry.max_attempts = 3;
    store_ = std::make_unique<storage::PipelineBlobStore>(so);
    storage::GcsOptions go = so.gcs;
    gcs_ = std::make_unique<storage::GcsBlobStore>(go);
  }
  EmbeddedTaskManagement& tm() { return *tm_; }
  storage::PipelineBlobStore& store() { return *store_; }
  storage::GcsBlobStore& gcs() { return *gcs_; }
  Census census() { return TakeCensus(tm_->service(), *gcs_); }

 private:
  testing::GcsEmulator* emu_;
  std::unique_ptr<EmbeddedTaskManagement> tm_;
  std::unique_ptr<storage::PipelineBlobStore> store_;
  std::unique_ptr<storage::GcsBlobStore> gcs_;
};

TEST(PublishEmulatorTest, EndToEndWithGzipObjects) {
  TB_REQUIRE_GCS_EMULATOR(emu);
  testing::TempDir dir;
  EmulatorWorld world(dir.path(), emu.get());
  Group g;
  pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan("pop"), &world.tm(), world.store());
  ASSERT_TRUE(out.ok) << out.error_message;
  EXPECT_EQ(out.main.init_checkpoint_url(0), "gs://fcp-test-m-0/pop/1/0/s/0/checkpoint");
  auto info = world.gcs().Stat(out.main.init_checkpoint_url(0));
  ASSERT_TRUE(info.ok() && info->has_value());
  EXPECT_EQ((*info)->content_encoding, "gzip");
  EXPECT_LT((*info)->size, g.main.initial_checkpoint.size());
  EXPECT_EQ(*world.gcs().Get(out.main.init_checkpoint_url(0)), g.main.initial_checkpoint);
  EXPECT_EQ(world.census().complete, 2);
}

TEST(PublishEmulatorTest, StorageFailingOnTheNthUploadLeavesNothingHalfCreated) {
  TB_REQUIRE_GCS_EMULATOR(emu);
  testing::TempDir dir;
  EmulatorWorld world(dir.path(), emu.get());
  // A training+eval group uploads 6 objects; fail from the Nth on, for every N.
  for (int n = 1; n <= 6; ++n) {
    emu->ClearFaults();
    emu->SetFaults(absl::StrCat(R"({"fail_uploads_from": )", n, "}"));
    Group g;
    const std::string pop = absl::StrCat("pop", n);
    pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan(pop), &world.tm(), world.store());
    ASSERT_FALSE(out.ok) << n;
    EXPECT_EQ(out.error_type, odp::ErrorType::ARTIFACT_BUILDING_ERROR);
    EXPECT_TRUE(absl::StartsWith(out.error_message, "Artifact failed to upload for task 1: Cannot upload artifact to: gs://"))
        << out.error_message;
    EXPECT_TRUE(absl::EndsWith(out.error_message, absl::StrCat("Cancelled the tasks this build created: ", pop, "/2, ",
                                                               pop, "/1.")))
        << out.error_message;
  }
  emu->ClearFaults();
  Census c = world.census();
  EXPECT_EQ(c.half_created, 0) << absl::StrJoin(c.problems, "; ");
  EXPECT_EQ(c.cancelled, 12);
  EXPECT_EQ(c.complete, 0);
  // The population is free again: a build after the outage succeeds.
  Group g;
  EXPECT_TRUE(pipeline::PublishTaskGroup(g.Plan("pop1"), &world.tm(), world.store()).ok);
}

// Restarts the emulator (which keeps nothing across restarts) right after the Nth successful Put.
class RestartingStore : public pipeline::BlobStore {
 public:
  RestartingStore(pipeline::BlobStore* inner, testing::GcsEmulator* emu, int after) : inner_(inner), emu_(emu), after_(after) {}
  absl::Status CheckArtifactUri(const std::string& uri) override { return inner_->CheckArtifactUri(uri); }
  absl::Status Put(const std::string& uri, std::string_view data) override {
    absl::Status s = inner_->Put(uri, data);
    if (s.ok() && ++puts_ == after_) {
      EXPECT_TRUE(emu_->Restart());
    }
    return s;
  }
  absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max) override { return inner_->Get(uri, max); }
  absl::StatusOr<std::string> FetchDirectory(const std::string& uri, const std::string& d) override {
    return inner_->FetchDirectory(uri, d);
  }
  absl::StatusOr<bool> Exists(const std::string& uri) override { return inner_->Exists(uri); }

 private:
  pipeline::BlobStore* inner_;
  testing::GcsEmulator* emu_;
  int after_;
  int puts_ = 0;
};

TEST(PublishEmulatorTest, EmulatorRestartedMidBuildIsDetectedAndCompensated) {
  TB_REQUIRE_GCS_EMULATOR(emu);
  testing::TempDir dir;
  EmulatorWorld world(dir.path(), emu.get());
  Group g;
  RestartingStore restarting(&world.store(), emu.get(), 2);
  pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan("pop"), &world.tm(), restarting);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.error_message,
            "Artifact failed to upload for task 1: Cannot upload artifact to: gs://fcp-test-m-0/pop/1/0/s/0/checkpoint "
            "(it is gone after the upload; did the storage restart?). Stop building remaining artifacts. Cancelled "
            "the tasks this build created: pop/2, pop/1.");
  Census c = world.census();
  EXPECT_EQ(c.half_created, 0) << absl::StrJoin(c.problems, "; ");
  EXPECT_EQ(c.cancelled, 2);
}

// ---- Task management over HTTP, misbehaving ----

// The real embedded TM behind a loopback HTTP server that injects one fault into the Nth create-task:
// refusing it (never reaching the TM) or losing the answer after the TM acted.
struct FaultyTm {
  enum class Fault { kNone, kRefuse500, kRefuse409, kRefuseGarbage, kLose500, kLoseGarbage, kLoseSlow, kJavaLike };
  Fault fault = Fault::kNone;
  int target = 0;  // 1-based index of the create-task to hit
  std::atomic<int> creates{0};
  http::Handler inner;
  std::unique_ptr<http::Server> server;

  explicit FaultyTm(TaskManagementService* service) : inner(MakeTaskManagementHandler(service)) {
    auto s = http::Server::Start({.address = "127.0.0.1", .worker_threads = 4}, [this](const http::ServerRequest& r) {
      const bool create = absl::EndsWith(r.path, ":create-task");
      if (fault == Fault::kJavaLike) {
        if (absl::EndsWith(r.path, ":cancel")) return Plain(404, "");
        if (create && ++creates == target) return Plain(500, "");
        http::ServerResponse resp = inner(r);
        resp.headers.clear();  // no idempotency support advertised
        return resp;
      }
      if (!create || ++creates != target) return inner(r);
      switch (fault) {
        case Fault::kRefuse500: return Plain(500, "");
        case Fault::kRefuse409: return Plain(409, "");
        case Fault::kRefuseGarbage: return Garbage();
        case Fault::kLose500: inner(r); return Plain(500, "");
        case Fault::kLoseGarbage: inner(r); return Garbage();
        case Fault::kLoseSlow: {
          http::ServerResponse resp = inner(r);
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          return resp;
        }
        default: return inner(r);
      }
    });
    EXPECT_TRUE(s.ok());
    server = std::move(*s);
  }
  static http::ServerResponse Plain(int status, std::string body) {
    return http::ServerResponse{.status = status, .content_type = "application/json", .headers = {},
                                .body = std::move(body)};
  }
  static http::ServerResponse Garbage() {
    return http::ServerResponse{.status = 200, .content_type = "application/x-protobuf", .headers = {},
                                .body = "\x0a\xff\xff\xff\xff\x01"};
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

RemoteTaskManagementOptions RemoteOptions(const std::string& url) {
  RemoteTaskManagementOptions o;
  o.locator.explicit_url = url;
  o.client.retry.initial_backoff = std::chrono::milliseconds(10);
  o.client.retry.max_attempts = 3;
  o.client.http.timeout = std::chrono::milliseconds(800);
  return o;
}

TEST(PublishRemoteTmTest, EveryCreateFaultOnEveryCreateLeavesNothingHalfCreated) {
  using Fault = FaultyTm::Fault;
  struct Case {
    Fault fault;
    const char* name;
    bool can_succeed;  // the client can recover (same idempotency key) and finish the build
  };
  const Case cases[] = {{Fault::kRefuse500, "refuse500", true},   {Fault::kRefuse409, "refuse409", false},
                        {Fault::kRefuseGarbage, "refuseGarbage", true}, {Fault::kLose500, "lose500", true},
                        {Fault::kLoseGarbage, "loseGarbage", true}, {Fault::kLoseSlow, "loseSlow", true}};
  for (const Case& c : cases) {
    for (int target : {1, 2}) {
      SCOPED_TRACE(absl::StrCat(c.name, " on create #", target));
      testing::TempDir dir;
      LocalWorld world(dir.path());
      FaultyTm tm(&world.tm().service());
      tm.fault = c.fault;
      tm.target = target;
      RemoteTaskManagement remote(RemoteOptions(tm.url()));
      ASSERT_TRUE(remote.CheckAvailable().ok());
      Group g;
      pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan("pop"), &remote, world.store());
      Census census = world.census();
      EXPECT_EQ(census.half_created, 0) << absl::StrJoin(census.problems, "; ") << " / " << out.error_message;
      if (out.ok) {
        EXPECT_TRUE(c.can_succeed);
        EXPECT_EQ(census.complete, 2);
        EXPECT_EQ(out.optional->info().evaluation_info().training_task_id(), out.main.task_id());
      } else {
        EXPECT_EQ(out.error_type, odp::ErrorType::TASK_MANAGEMENT_ERROR);
        EXPECT_EQ(census.complete, 0) << out.error_message;
        if (target == 2) {
          EXPECT_NE(out.error_message.find("Cancelled the tasks this build created: pop/1."), std::string::npos)
              << out.error_message;
        }
      }
      if (c.fault == Fault::kRefuse409) {
        EXPECT_FALSE(out.ok);
        EXPECT_TRUE(absl::StartsWith(out.error_message, "Failed to create tasks by task management service: 409: Conflict"))
            << out.error_message;
      }
    }
  }
}

TEST(PublishRemoteTmTest, TmDownBeforeTheBuildIsCaughtByCheckAvailable) {
  RemoteTaskManagement remote(RemoteOptions("http://127.0.0.1:" + std::to_string(testing::PickUnusedPort())));
  absl::Status s = remote.CheckAvailable();
  EXPECT_TRUE(absl::StartsWith(s.message(), "Fail to connect: http://127.0.0.1:")) << s;
}

TEST(PublishRemoteTmTest, WithoutCancelTheOrphanedTaskIsNamed) {
  testing::TempDir dir;
  LocalWorld world(dir.path());
  FaultyTm tm(&world.tm().service());
  tm.fault = FaultyTm::Fault::kJavaLike;
  tm.target = 2;  // the eval create fails with a bare 500, as ODP's Java TM answers errors
  RemoteTaskManagement remote(RemoteOptions(tm.url()));
  Group g;
  pipeline::PublishOutcome out = pipeline::PublishTaskGroup(g.Plan("pop"), &remote, world.store());
  ASSERT_FALSE(out.ok);
  EXPECT_TRUE(absl::StartsWith(out.error_message,
                               "Failed to create tasks by task management service: 500: Internal Server Error "
                               "Could not cancel, left in task management: pop/1 (the task management service at "))
      << out.error_message;
  EXPECT_NE(out.error_message.find("has no cancel endpoint"), std::string::npos);
}

}  // namespace
}  // namespace tb::tm
