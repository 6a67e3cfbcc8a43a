// The gs:// backend against the real Cloud Storage emulator on loopback (tests/js/gcs-emulator), including its
// fault injection: transient 503s, persistent failures, a dead server and a restarted one.
#include "storage/gcs_blob_store.h"

#include <random>
#include <thread>

#include <filesystem>

#include "gtest/gtest.h"
#include "http/client.h"
#include "nlohmann/json.hpp"
#include "storage/directory_download.h"
#include "storage/gzip.h"
#include "tests/storage/gcs_emulator.h"

namespace tb::storage {
namespace {

using testing::GcsEmulator;

std::string RandomBytes(size_t n, int seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

GcsOptions Options(const GcsEmulator& emu) {
  GcsOptions o;
  o.endpoint = emu.endpoint();
  o.credentials = NoAccessToken();
  o.retry.initial_backoff = std::chrono::milliseconds(20);
  o.retry.max_attempts = 3;
  o.http.timeout = std::chrono::milliseconds(20000);
  return o;
}

// Metadata as the emulator reports it, read with a plain HTTP client (not the code under test).
nlohmann::json RawMetadata(const GcsEmulator& emu, const std::string& bucket, const std::string& object) {
  http::Client c;
  auto r = c.Send({.method = "GET",
                   .url = emu.endpoint() + "/storage/v1/b/" + bucket + "/o/" + http::PercentEncode(object),
                   .headers = {},
                   .body = ""});
  EXPECT_TRUE(r.ok());
  return nlohmann::json::parse(r->body, nullptr, false);
}

class GcsBlobStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!GcsEmulator::UnavailableReason().empty()) return;
    emulator_ = GcsEmulator::Start().release();
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }
  void SetUp() override {
    if (std::string why = GcsEmulator::UnavailableReason(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_NE(emulator_, nullptr);
    emulator_->ClearFaults();
  }
  static GcsEmulator* emulator_;
};
GcsEmulator* GcsBlobStoreTest::emulator_ = nullptr;

TEST_F(GcsBlobStoreTest, MediaUploadDownloadStatDelete) {
  GcsBlobStore store(Options(*emulator_));
  const std::string data = RandomBytes(300 * 1024, 1);
  ASSERT_TRUE(store.Put("gs://test-bucket/pop/1/0/s/0/checkpoint", data).ok());
  auto got = store.Get("gs://test-bucket/pop/1/0/s/0/checkpoint");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
  auto st = store.Stat("gs://test-bucket/pop/1/0/s/0/checkpoint");
  ASSERT_TRUE(st.ok() && st->has_value());
  EXPECT_EQ((*st)->size, data.size());
  EXPECT_TRUE((*st)->crc32c.has_value());
  EXPECT_EQ(RawMetadata(*emulator_, "test-bucket", "pop/1/0/s/0/checkpoint")["contentType"],
            "application/octet-stream");
  ASSERT_TRUE(store.Delete("gs://test-bucket/pop/1/0/s/0/checkpoint").ok());
  EXPECT_TRUE(store.Delete("gs://test-bucket/pop/1/0/s/0/checkpoint").ok());
  EXPECT_FALSE(store.Stat("gs://test-bucket/pop/1/0/s/0/checkpoint")->has_value());
  auto missing = store.Get("gs://test-bucket/pop/1/0/s/0/checkpoint");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("gs://test-bucket/pop/1/0/s/0/checkpoint"), std::string::npos);
}

TEST_F(GcsBlobStoreTest, ObjectNamesWithSpecialCharactersRoundTrip) {
  GcsBlobStore store(Options(*emulator_));
  const std::string uri = "gs://test-bucket/odd names/a+b?c#d%e:f";
  ASSERT_TRUE(store.Put(uri, "odd").ok());
  EXPECT_EQ(*store.Get(uri), "odd");
  EXPECT_EQ(RawMetadata(*emulator_, "test-bucket", "odd names/a+b?c#d%e:f")["size"], "3");
}

TEST_F(GcsBlobStoreTest, GzipUploadsSetContentEncodingAndReadBackPlain) {
  GcsBlobStore store(Options(*emulator_));
  const std::string data(200000, 'z');
  ASSERT_TRUE(store.Put("gs://test-bucket/gz/plan", data, {.gzip = true}).ok());
  nlohmann::json meta = RawMetadata(*emulator_, "test-bucket", "gz/plan");
  EXPECT_EQ(meta["contentEncoding"], "gzip");
  EXPECT_LT(std::stoull(meta["size"].get<std::string>()), data.size() / 10);
  auto got = store.Get("gs://test-bucket/gz/plan");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
}

TEST_F(GcsBlobStoreTest, LargeObjectsUseChunkedResumableUploads) {
  GcsOptions o = Options(*emulator_);
  o.resumable_threshold = 512 * 1024;
  o.chunk_size = 256 * 1024;
  GcsBlobStore store(o);
  const std::string data = RandomBytes(3 * 1024 * 1024 + 17, 2);
  ASSERT_TRUE(store.Put("gs://test-bucket/big/checkpoint", data).ok());
  EXPECT_EQ(*store.Get("gs://test-bucket/big/checkpoint"), data);
  // Gzip through the resumable path too.
  ASSERT_TRUE(store.Put("gs://test-bucket/big/checkpoint.gz", data, {.gzip = true}).ok());
  EXPECT_EQ(RawMetadata(*emulator_, "test-bucket", "big/checkpoint.gz")["contentEncoding"], "gzip");
  EXPECT_EQ(*store.Get("gs://test-bucket/big/checkpoint.gz"), data);
  // One upload start per object: the chunks went to one session each.
  EXPECT_EQ(nlohmann::json::parse(emulator_->Faults())["uploads"], 2);
}

TEST_F(GcsBlobStoreTest, ResumableUploadResumesAfterAFailedChunk) {
  GcsOptions o = Options(*emulator_);
  o.resumable_threshold = 256 * 1024;
  o.chunk_size = 256 * 1024;
  GcsBlobStore store(o);
  const std::string data = RandomBytes(2 * 1024 * 1024, 3);
  // Chunk 2 is refused (its bytes dropped), chunk 4's answer is lost after the server kept its bytes: the
  // uploader must ask the server for its offset and continue from there, not restart from zero.
  emulator_->SetFaults(R"({"fail_chunks": [2], "fail_chunks_after_store": [4]})");
  absl::Status put = store.Put("gs://test-bucket/resume/ckpt", data);
  ASSERT_TRUE(put.ok()) << put;
  nlohmann::json f = nlohmann::json::parse(emulator_->Faults());
  EXPECT_EQ(f["injected"], 2);
  EXPECT_EQ(f["uploads"], 1);
  // 8 chunks of 256 KiB + the refused one; the stored-then-failed chunk is not sent again.
  EXPECT_EQ(f["chunks"], 9);
  emulator_->ClearFaults();
  EXPECT_EQ(*store.Get("gs://test-bucket/resume/ckpt"), data);
}

TEST_F(GcsBlobStoreTest, ListHasDirectoryBoundariesAndPaginates) {
  GcsOptions o = Options(*emulator_);
  o.list_page_size = 2;
  GcsBlobStore store(o);
  for (const char* name : {"model/saved_model.pb", "model/variables/variables.index",
                           "model/variables/variables.data-00000-of-00001", "model2/saved_model.pb", "modelx"}) {
    ASSERT_TRUE(store.Put(std::string("gs://list-bucket/") + name, name).ok());
  }
  auto list = store.List("gs://list-bucket/model");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "saved_model.pb");
  EXPECT_EQ((*list)[1].name, "variables/variables.data-00000-of-00001");
  EXPECT_EQ((*list)[2].name, "variables/variables.index");
  EXPECT_EQ((*list)[2].uri, "gs://list-bucket/model/variables/variables.index");
  EXPECT_EQ(store.List("gs://list-bucket/model/")->size(), 3u);
  EXPECT_EQ(store.List("gs://list-bucket")->size(), 5u);
  EXPECT_EQ(store.List("gs://list-bucket/model", 2).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(store.List("gs://list-bucket/none")->empty());
}

TEST_F(GcsBlobStoreTest, DownloadDirectoryRefusesTraversalNames) {
  GcsBlobStore store(Options(*emulator_));
  ASSERT_TRUE(store.Put("gs://evil-bucket/model/saved_model.pb", "ok").ok());
  ASSERT_TRUE(store.Put("gs://evil-bucket/model/../../../escape", "evil").ok());
  testing::TempDir dst;
  auto n = DownloadDirectory(store, "gs://evil-bucket/model", dst.Join("m"));
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("'..'"), std::string::npos) << n.status();
  EXPECT_FALSE(std::filesystem::exists(dst.Join("escape")));
  ASSERT_TRUE(store.Delete("gs://evil-bucket/model/../../../escape").ok());
  ASSERT_TRUE(DownloadDirectory(store, "gs://evil-bucket/model", dst.Join("m")).ok());
  EXPECT_EQ(testing::ReadFileOrDie(dst.Join("m/saved_model.pb")), "ok");
}

TEST_F(GcsBlobStoreTest, TransientFailuresAreRetried) {
  GcsBlobStore store(Options(*emulator_));
  emulator_->SetFaults(R"({"fail_uploads": [1, 2]})");
  absl::Status put = store.Put("gs://test-bucket/retry/x", "payload");
  ASSERT_TRUE(put.ok()) << put;
  nlohmann::json f = nlohmann::json::parse(emulator_->Faults());
  EXPECT_EQ(f["injected"], 2);
  EXPECT_EQ(f["uploads"], 3);
  EXPECT_EQ(*store.Get("gs://test-bucket/retry/x"), "payload");
}

TEST_F(GcsBlobStoreTest, PersistentFailuresAreBoundedAndNamed) {
  GcsBlobStore store(Options(*emulator_));
  emulator_->SetFaults(R"({"fail_uploads_from": 1, "fail_status": 500})");
  absl::Status put = store.Put("gs://test-bucket/fail/x", "payload");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(put.message(), "cannot upload gs://test-bucket/fail/x: HTTP 500 Internal Server Error: injected failure");
  EXPECT_EQ(nlohmann::json::parse(emulator_->Faults())["uploads"], 3);  // max_attempts
  emulator_->ClearFaults();
  EXPECT_FALSE(store.Stat("gs://test-bucket/fail/x")->has_value());
}

TEST_F(GcsBlobStoreTest, GetEnforcesTheSizeLimit) {
  GcsBlobStore store(Options(*emulator_));
  ASSERT_TRUE(store.Put("gs://test-bucket/limit/x", std::string(5000, 'x')).ok());
  EXPECT_EQ(store.Get("gs://test-bucket/limit/x", 4999).status().code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(store.Put("gs://test-bucket/limit/gz", std::string(500000, 'x'), {.gzip = true}).ok());
  // Small when stored, large when served: the served size is bounded too.
  EXPECT_EQ(store.Get("gs://test-bucket/limit/gz", 100000).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(GcsBlobStoreTest, RefusesNonGcsUris) {
  GcsBlobStore store(Options(*emulator_));
  EXPECT_EQ(store.Put("/tmp/x", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Put("gs://bucket/", "x").code(), absl::StatusCode::kInvalidArgument);
}

TEST(GcsBlobStoreDeadServerTest, ConnectionErrorsAreBoundedUnavailable) {
  GcsOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(testing::PickUnusedPort());
  o.credentials = NoAccessToken();
  o.retry.initial_backoff = std::chrono::milliseconds(10);
  o.retry.max_attempts = 2;
  GcsBlobStore store(o);
  absl::Status put = store.Put("gs://test-bucket/x", "x");
  EXPECT_EQ(put.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(put.message().find("cannot upload gs://test-bucket/x"), std::string::npos) << put;
}

TEST(GcsBlobStoreRestartTest, SurvivesAnEmulatorRestartBetweenRequests) {
  TB_REQUIRE_GCS_EMULATOR(emu);
  GcsOptions o = Options(*emu);
  // Generous: the emulator (Node) can take many seconds to come back on a loaded machine.
  o.retry.max_attempts = 25;
  o.retry.initial_backoff = std::chrono::milliseconds(200);
  o.retry.max_backoff = std::chrono::milliseconds(2000);
  GcsBlobStore store(o);
  ASSERT_TRUE(store.Put("gs://restart-bucket/a", "before").ok());
  emu->Kill();
  // The server is down for the first attempts and back (empty: it keeps nothing in memory) for a later one.
  std::thread restarter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE(emu->Restart());
  });
  absl::Status put = store.Put("gs://restart-bucket/b", "after");
  restarter.join();
  ASSERT_TRUE(put.ok()) << put;
  EXPECT_EQ(*store.Get("gs://restart-bucket/b"), "after");
  EXPECT_FALSE(store.Stat("gs://restart-bucket/a")->has_value());  // what a restart loses, Stat reveals
}

TEST(GcsEndpointTest, FromEnvironment) {
  ::setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:9199", 1);
  EXPECT_EQ(GcsEndpointFromEnvironment(), "http://127.0.0.1:9199");
  ::setenv("STORAGE_EMULATOR_HOST", "http://localhost:9023/", 1);
  EXPECT_EQ(GcsEndpointFromEnvironment(), "http://localhost:9023");
  ::unsetenv("STORAGE_EMULATOR_HOST");
  EXPECT_EQ(GcsEndpointFromEnvironment(), "https://storage.googleapis.com");
}

}  // namespace
}  // namespace tb::storage
