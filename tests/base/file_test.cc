#include "base/file.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/testing/testing.h"

namespace tb {
namespace {

TEST(FileTest, WriteAtomicCreatesParentsAndReadsBack) {
  testing::TempDir dir;
  const std::string path = dir.Join("a/b/c.bin");
  std::string data("bytes\0with nul", 14);
  ASSERT_TRUE(WriteFileAtomic(path, data).ok());
  auto got = ReadFile(path);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
  // No temp files are left behind.
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.Join("a/b"))) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(FileTest, ReadErrorsNameThePath) {
  testing::TempDir dir;
  auto missing = ReadFile(dir.Join("nope"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  auto is_dir = ReadFile(dir.path());
  EXPECT_EQ(is_dir.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FileTest, ReadEnforcesSizeLimit) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("f"), std::string(100, 'x')).ok());
  EXPECT_EQ(ReadFile(dir.Join("f"), 99).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(ReadFile(dir.Join("f"), 100).ok());
}

}  // namespace
}  // namespace tb
