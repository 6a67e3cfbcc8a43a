#include "runtime/data/tfrecord.h"

#include <zlib.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"

namespace tb::runtime::data {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> SomeRecords() { return {"", "a", std::string(1000, 'x'), std::string("\0\xff\x01", 3)}; }

TEST(TFRecordTest, RoundTripsThroughAFile) {
  tb::testing::TempDir dir;
  std::string path = dir.Join("examples.tfrecord");
  ASSERT_TRUE(WriteTFRecordFile(path, SomeRecords()).ok());
  auto records = ReadTFRecordFile(path);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(*records, SomeRecords());
  // 12-byte header + data + 4-byte footer per record.
  EXPECT_EQ(tb::testing::ReadFileOrDie(path).size(), 4 * 16 + 0 + 1 + 1000 + 3);
}

TEST(TFRecordTest, FramingBytes) {
  std::string framed = EncodeTFRecord("abc");
  ASSERT_EQ(framed.size(), 19u);
  EXPECT_EQ(framed.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(framed.substr(12, 3), "abc");
}

absl::StatusOr<std::vector<std::string>> ReadBytes(const std::string& bytes, TFRecordLimits limits = {}) {
  auto reader = TFRecordReader::Open(tf::NewOwnedMemoryFile("mem.tfrecord", bytes), limits);
  if (!reader.ok()) return reader.status();
  std::vector<std::string> out;
  while (true) {
    auto next = (*reader)->Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) return out;
    out.push_back(**next);
  }
}

TEST(TFRecordTest, DetectsCorruptionAndNamesTheRecord) {
  std::string bytes = EncodeTFRecord("first") + EncodeTFRecord("second");
  std::string bad_data = bytes;
  bad_data[21 + 12 + 2] ^= 1;  // a byte inside "second"
  auto status = ReadBytes(bad_data).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("mem.tfrecord: TFRecord 1 at byte 21: data CRC mismatch"));

  std::string bad_length = bytes;
  bad_length[0] = 9;
  EXPECT_THAT(std::string(ReadBytes(bad_length).status().message()), HasSubstr("length CRC mismatch"));

  EXPECT_THAT(std::string(ReadBytes(bytes.substr(0, bytes.size() - 1)).status().message()),
              HasSubstr("record of 6 bytes is truncated"));
  EXPECT_THAT(std::string(ReadBytes(bytes.substr(0, 30)).status().message()), HasSubstr("truncated header"));
  EXPECT_THAT(std::string(ReadBytes("not a tfrecord file at all").status().message()), HasSubstr("length CRC"));
  auto empty = ReadBytes("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(TFRecordTest, EnforcesLimitsBeforeAllocating) {
  TFRecordLimits limits;
  limits.max_record_bytes = 10;
  EXPECT_THAT(std::string(ReadBytes(EncodeTFRecord(std::string(11, 'z')), limits).status().message()),
              HasSubstr("exceeds the limit of 10"));
  limits = {};
  limits.max_records = 1;
  EXPECT_EQ(ReadBytes(EncodeTFRecord("a") + EncodeTFRecord("b"), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
  // A header that claims an enormous record in a tiny file: refused without allocating it.
  std::string huge = EncodeTFRecord("abc");
  huge.replace(0, 8, std::string("\0\0\0\0\0\0\0\x40", 8));
  EXPECT_FALSE(ReadBytes(huge).ok());
}

TEST(TFRecordTest, ReadsGzipCompressedFiles) {
  std::string plain = EncodeTFRecord("compressed-1") + EncodeTFRecord("compressed-2");
  std::string gz(compressBound(plain.size()) + 64, '\0');
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(plain.data());
  zs.avail_in = plain.size();
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = gz.size();
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  auto records = ReadBytes(gz);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_THAT(*records, ::testing::ElementsAre("compressed-1", "compressed-2"));
  EXPECT_EQ(ReadBytes(gz.substr(0, gz.size() / 2)).status().code(), absl::StatusCode::kDataLoss);
}

TEST(TFRecordTest, MissingFileIsNotFound) {
  auto records = ReadTFRecordFile("/nonexistent/examples.tfrecord");
  EXPECT_EQ(records.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(records.status().message()), HasSubstr("/nonexistent/examples.tfrecord"));
}

}  // namespace
}  // namespace tb::runtime::data
