// The table format: our builder's output is read back by our reader and by libleveldb, seeks land where they
// should, TF's large-entry flush and snappy rule hold, and corrupted tables give errors, not crashes.
#include <map>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tests/tf/leveldb_check.h"
#include "tf/file_io.h"
#include "tf/table_builder.h"
#include "tf/table_reader.h"

namespace tb::tf::table {
namespace {

using ::testing::HasSubstr;

std::string Build(const std::map<std::string, std::string>& entries, TableOptions options = {}) {
  std::string out;
  auto file = NewStringWritableFile("mem", &out);
  TableBuilder builder(options, file.get());
  for (const auto& [k, v] : entries) EXPECT_TRUE(builder.Add(k, v).ok());
  EXPECT_TRUE(builder.Finish().ok());
  EXPECT_EQ(builder.file_size(), out.size());
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ReadAll(const std::string& bytes) {
  auto table = TableReader::Open(NewMemoryFile("mem", bytes));
  if (!table.ok()) return table.status();
  std::map<std::string, std::string> out;
  absl::Status s = (*table)->ForEach([&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

std::map<std::string, std::string> RandomEntries(int n, size_t max_value, uint32_t seed) {
  std::mt19937 rng(seed);
  std::map<std::string, std::string> entries;
  while (static_cast<int>(entries.size()) < n) {
    std::string key = "key/" + std::to_string(rng() % 100000);
    if (rng() % 4 == 0) key.push_back('\0');
    if (rng() % 5 == 0) key.push_back('\xff');
    std::string value(rng() % (max_value + 1), '\0');
    for (char& c : value) c = static_cast<char>(rng() % 7);  // Compressible.
    entries[key] = value;
  }
  return entries;
}

TEST(TableTest, EmptyTableIsTheKnownLayout) {
  const std::string bytes = Build({});
  // Empty metaindex (8 bytes + trailer), empty index (8 + 5), footer (48).
  EXPECT_EQ(bytes.size(), 13u + 13u + 48u);
  auto entries = ReadAll(bytes);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_TRUE(entries->empty());
}

TEST(TableTest, RoundTripsAndLevelDbAgrees) {
  tb::testing::TempDir dir;
  for (Compression c : {Compression::kNone, Compression::kSnappy}) {
    for (size_t block_size : {size_t{64}, size_t{4096}, size_t{262144}}) {
      TableOptions options;
      options.block_size = block_size;
      options.compression = c;
      const auto entries = RandomEntries(500, 300, static_cast<uint32_t>(block_size));
      const std::string bytes = Build(entries, options);
      auto ours = ReadAll(bytes);
      ASSERT_TRUE(ours.ok()) << ours.status();
      EXPECT_EQ(*ours, entries);
      const std::string path = dir.Join("t.tbl");
      tb::testing::WriteFileOrDie(path, bytes);
      auto theirs = leveldb_check::ReadWithLevelDb(path);
      ASSERT_TRUE(theirs.ok()) << theirs.status();
      EXPECT_EQ((std::map<std::string, std::string>(theirs->begin(), theirs->end())), entries);
    }
  }
}

TEST(TableTest, SeekFindsFirstKeyAtOrAfterTarget) {
  std::map<std::string, std::string> entries;
  for (int i = 0; i < 1000; i += 2) {
    char key[16];
    std::snprintf(key, sizeof key, "k%05d", i);
    entries[key] = std::string(50, 'v');
  }
  TableOptions options;
  options.block_size = 512;
  const std::string bytes = Build(entries, options);
  auto table = TableReader::Open(NewMemoryFile("mem", bytes));
  ASSERT_TRUE(table.ok());
  EXPECT_GT((*table)->num_data_blocks(), 10u);
  auto it = (*table)->NewIterator();
  it.Seek("k00501");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "k00502");
  it.Seek("k00500");
  EXPECT_EQ(it.key(), "k00500");
  it.Seek("a");
  EXPECT_EQ(it.key(), "k00000");
  it.Seek("z");
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
  auto got = (*table)->Get("k00998");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  auto missing = (*table)->Get("k00999");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(TableTest, LargeEntryGetsItsOwnBlockLikeTensorFlow) {
  // Small, then one entry >= 2x block size, then small: TF flushes before the big one, giving three blocks.
  TableOptions options;
  options.block_size = 1024;
  std::map<std::string, std::string> entries = {{"a", "1"}, {"b", std::string(5000, 'x')}, {"c", "3"}};
  const std::string bytes = Build(entries, options);
  auto table = TableReader::Open(NewMemoryFile("mem", bytes));
  ASSERT_TRUE(table.ok());
  EXPECT_EQ((*table)->num_data_blocks(), 3u);
  auto it = (*table)->NewIterator();
  it.SeekToFirst();
  const uint64_t first = it.block_offset();
  it.Next();
  EXPECT_NE(it.block_offset(), first);
  EXPECT_EQ(it.value().size(), 5000u);
  // Streaming pieces gives the same bytes as one value.
  std::string streamed;
  auto file = NewStringWritableFile("mem", &streamed);
  TableBuilder builder(options, file.get());
  ASSERT_TRUE(builder.Add("a", "1").ok());
  const std::string big(5000, 'x');
  const std::string_view pieces[] = {std::string_view(big).substr(0, 10), std::string_view(big).substr(10)};
  ASSERT_TRUE(builder.AddPieces("b", pieces).ok());
  ASSERT_TRUE(builder.Add("c", "3").ok());
  ASSERT_TRUE(builder.Finish().ok());
  EXPECT_EQ(streamed, bytes);
}

TEST(TableTest, RejectsOutOfOrderKeys) {
  std::string out;
  auto file = NewStringWritableFile("mem", &out);
  TableBuilder builder(TableOptions{}, file.get());
  ASSERT_TRUE(builder.Add("b", "").ok());
  EXPECT_FALSE(builder.Add("a", "").ok());
  EXPECT_FALSE(builder.Add("b", "").ok());
}

TEST(TableTest, ShortestSeparatorAndSuccessor) {
  std::string s = "abcd";
  FindShortestSeparator(&s, "abzz");
  EXPECT_EQ(s, "abd");
  s = "abc";
  FindShortestSeparator(&s, "abcd");
  EXPECT_EQ(s, "abc");
  s = std::string("\xff\xff", 2);
  FindShortSuccessor(&s);
  EXPECT_EQ(s, std::string("\xff\xff", 2));
  s = "\x00server";
  s = std::string("\x00server", 7);
  FindShortSuccessor(&s);
  EXPECT_EQ(s, std::string("\x01", 1));
}

class CorruptTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TableOptions options;
    options.block_size = 256;
    bytes_ = Build(RandomEntries(100, 64, 7), options);
  }
  std::string bytes_;
};

TEST_F(CorruptTableTest, TruncatedFiles) {
  for (size_t n : {size_t{0}, size_t{10}, size_t{47}, bytes_.size() / 2, bytes_.size() - 1}) {
    auto r = ReadAll(bytes_.substr(0, n));
    EXPECT_FALSE(r.ok()) << "length " << n;
  }
  auto r = ReadAll(bytes_.substr(0, 20));
  EXPECT_THAT(r.status().message(), HasSubstr("too short"));
}

TEST_F(CorruptTableTest, WrongMagic) {
  std::string bad = bytes_;
  bad[bad.size() - 1] ^= 1;
  auto r = ReadAll(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("bad magic"));
}

TEST_F(CorruptTableTest, EveryFlippedByteIsCaught) {
  // Each flip must give an error (CRC, magic or handle), never wrong data or a crash. Like TF, readers never look
  // at the metaindex block, and footer padding is not covered by a checksum: flips there change nothing.
  auto footer = Footer::Decode(std::string_view(bytes_).substr(bytes_.size() - kFooterSize), "mem");
  ASSERT_TRUE(footer.ok());
  const uint64_t meta_begin = footer->metaindex.offset;
  const uint64_t meta_end = meta_begin + footer->metaindex.size + kBlockTrailerSize;
  for (size_t i = 0; i < bytes_.size(); ++i) {
    std::string bad = bytes_;
    bad[i] ^= 0x20;
    auto r = ReadAll(bad);
    if (r.ok()) {
      const bool unchecked = (i >= meta_begin && i < meta_end) || i >= bytes_.size() - kFooterSize;
      EXPECT_TRUE(unchecked) << "byte " << i;
      EXPECT_EQ(*r, *ReadAll(bytes_));
    }
  }
}

TEST_F(CorruptTableTest, ChecksumMismatchNamesTheBlock) {
  std::string bad = bytes_;
  bad[3] ^= 1;
  auto r = ReadAll(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("checksum mismatch"));
  EXPECT_THAT(r.status().message(), HasSubstr("block at offset 0"));
}

TEST_F(CorruptTableTest, LyingHandlesAreRejected) {
  // Rewrite the footer so the index handle points past the end of the file.
  Footer footer;
  footer.index.offset = bytes_.size() + 100;
  footer.index.size = 10;
  std::string bad = bytes_.substr(0, bytes_.size() - kFooterSize) + footer.Encode();
  auto r = ReadAll(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("past the end"));
  // A huge size must not allocate.
  footer.index.offset = 0;
  footer.index.size = uint64_t{1} << 62;
  bad = bytes_.substr(0, bytes_.size() - kFooterSize) + footer.Encode();
  EXPECT_FALSE(ReadAll(bad).ok());
}

TEST(TableTest, HonoursMaxBlockBytes) {
  const std::string bytes = Build({{"k", std::string(100000, 'a')}});
  TableReadOptions options;
  options.max_block_bytes = 1000;
  auto table = TableReader::Open(NewMemoryFile("mem", bytes), options);
  ASSERT_TRUE(table.ok());
  absl::Status s = (*table)->ForEach([](std::string_view, std::string_view) { return absl::OkStatus(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace tb::tf::table
