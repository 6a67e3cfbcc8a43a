#include "storage/directory_download.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "storage/local_blob_store.h"
#include "tests/testing/testing.h"

namespace tb::storage {
namespace {

TEST(DirectoryDownloadTest, CopiesATreeKeepingRelativeNames) {
  testing::TempDir src;
  testing::TempDir dst;
  LocalBlobStore store("/");
  testing::WriteFileOrDie(src.Join("saved_model.pb"), "graph");
  std::filesystem::create_directories(src.Join("variables"));
  testing::WriteFileOrDie(src.Join("variables/variables.index"), "index");
  testing::WriteFileOrDie(src.Join("variables/variables.data-00000-of-00001"), "data");
  auto n = DownloadDirectory(store, src.path(), dst.Join("model"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(testing::ReadFileOrDie(dst.Join("model/saved_model.pb")), "graph");
  EXPECT_EQ(testing::ReadFileOrDie(dst.Join("model/variables/variables.data-00000-of-00001")), "data");
}

TEST(DirectoryDownloadTest, EnforcesLimitsAndEmptiness) {
  testing::TempDir src;
  testing::TempDir dst;
  LocalBlobStore store("/");
  EXPECT_EQ(DownloadDirectory(store, src.path(), dst.path()).status().code(), absl::StatusCode::kNotFound);
  testing::WriteFileOrDie(src.Join("a"), std::string(100, 'a'));
  testing::WriteFileOrDie(src.Join("b"), std::string(100, 'b'));
  EXPECT_EQ(DownloadDirectory(store, src.path(), dst.path(), {.max_files = 1}).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(DownloadDirectory(store, src.path(), dst.path(), {.max_total_bytes = 150}).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(DirectoryDownloadTest, ValidatesNames) {
  EXPECT_TRUE(ValidateRelativeName("variables/variables.index").ok());
  for (const char* bad : {"", "/abs", "../x", "a/../../x", "a//b", "a/./b", "a\\b", "..", "a/"}) {
    EXPECT_FALSE(ValidateRelativeName(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tb::storage
