#include "storage/local_blob_store.h"

#include <unistd.h>

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/testing/testing.h"

namespace tb::storage {
namespace {

TEST(LocalBlobStoreTest, PutGetStatListDelete) {
  testing::TempDir dir;
  LocalBlobStore store(dir.path());
  ASSERT_TRUE(store.Put("pop/1/0/s/0/checkpoint", "ckpt").ok());
  ASSERT_TRUE(store.Put("file://" + dir.path() + "/pop/1/0/s/0/server_phase", "plan").ok());
  ASSERT_TRUE(store.Put(dir.Join("pop/1/0/s/0/client_only_plan"), std::string(3000, '\0')).ok());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("pop/1/0/s/0/checkpoint")), "ckpt");
  EXPECT_EQ(*store.Get(dir.Join("pop/1/0/s/0/server_phase")), "plan");
  auto st = store.Stat("pop/1/0/s/0/client_only_plan");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->has_value());
  EXPECT_EQ((*st)->size, 3000u);
  EXPECT_FALSE(store.Stat("pop/1/missing")->has_value());
  auto list = store.List("pop/1");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "0/s/0/checkpoint");
  EXPECT_EQ((*list)[1].name, "0/s/0/client_only_plan");
  EXPECT_EQ((*list)[2].name, "0/s/0/server_phase");
  EXPECT_EQ((*list)[0].size, 4u);
  ASSERT_TRUE(store.Delete("pop/1/0/s/0/checkpoint").ok());
  ASSERT_TRUE(store.Delete("pop/1/0/s/0/checkpoint").ok());  // already gone: still OK
  EXPECT_EQ(store.Get("pop/1/0/s/0/checkpoint").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store.List("nothing/here")->empty());
}

TEST(LocalBlobStoreTest, ListUsesDirectoryBoundaries) {
  testing::TempDir dir;
  LocalBlobStore store(dir.path());
  ASSERT_TRUE(store.Put("model/saved_model.pb", "a").ok());
  ASSERT_TRUE(store.Put("model2/saved_model.pb", "b").ok());
  auto list = store.List("model");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "saved_model.pb");
  EXPECT_EQ(store.List("model", 0).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(LocalBlobStoreTest, OverwriteIsAtomicAndLeavesNoTempFiles) {
  testing::TempDir dir;
  LocalBlobStore store(dir.path());
  ASSERT_TRUE(store.Put("a/b", "first").ok());
  ASSERT_TRUE(store.Put("a/b", "second, longer").ok());
  EXPECT_EQ(*store.Get("a/b"), "second, longer");
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.Join("a"))) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  // A temp file left by a crashed writer is not listed as an object.
  testing::WriteFileOrDie(dir.Join("a/c.tmp-123-456"), "partial");
  EXPECT_EQ(store.List(dir.path())->size(), 1u);
}

TEST(LocalBlobStoreTest, NothingEscapesTheRoot) {
  testing::TempDir dir;
  testing::TempDir outside;
  LocalBlobStore store(dir.path());
  for (const std::string& uri : {std::string("../escape"), std::string("a/../../escape"), outside.Join("x"),
                                 "file://" + outside.Join("x"), std::string("/etc/passwd")}) {
    auto put = store.Put(uri, "x");
    EXPECT_EQ(put.code(), absl::StatusCode::kPermissionDenied) << uri << ": " << put;
    EXPECT_EQ(store.Get(uri).status().code(), absl::StatusCode::kPermissionDenied) << uri;
  }
  EXPECT_FALSE(std::filesystem::exists(outside.Join("x")));
  // A symlink inside the root pointing out of it is refused too.
  ASSERT_EQ(::symlink(outside.path().c_str(), dir.Join("link").c_str()), 0);
  EXPECT_EQ(store.Put("link/evil", "x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(std::filesystem::exists(outside.Join("evil")));
  // Inside-the-root ".." is fine.
  EXPECT_TRUE(store.Put("a/../b", "ok").ok());
  EXPECT_EQ(*store.Get("b"), "ok");
  EXPECT_EQ(store.Put("gs://bucket/x", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Put(dir.path(), "x").code(), absl::StatusCode::kInvalidArgument);
}

TEST(LocalBlobStoreTest, RootSlashAllowsAnyPath) {
  testing::TempDir dir;
  LocalBlobStore store("/");
  ASSERT_TRUE(store.Put(dir.Join("any/where"), "x").ok());
  EXPECT_EQ(*store.Get("file://" + dir.Join("any/where")), "x");
}

TEST(LocalBlobStoreTest, GetEnforcesTheSizeLimit) {
  testing::TempDir dir;
  LocalBlobStore store(dir.path());
  ASSERT_TRUE(store.Put("big", std::string(1000, 'x')).ok());
  EXPECT_EQ(store.Get("big", 999).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(store.Get("big", 1000).ok());
}

}  // namespace
}  // namespace tb::storage
