// V2 tensor bundles: the keras fixture's index is reproduced byte for byte, its weights read with verified CRCs,
// our bundles round-trip (numbers and strings) and libleveldb reads our index; bad bundles give named errors.
#include "tf/bundle.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tests/tf/leveldb_check.h"
#include "tf/table_builder.h"

namespace tb::tf {
namespace {

using ::testing::HasSubstr;

std::string KerasPrefix(const std::string& index_path) {
  return index_path.substr(0, index_path.size() - std::string(".index").size());
}

TEST(BundleTest, ReadsKerasFixtureWeightsWithVerifiedChecksums) {
  TB_REQUIRE_FIXTURE(index, "keras/input/keras_model/variables/variables.index");
  auto reader = BundleReader::Open(KerasPrefix(index));
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->header().num_shards(), 1);
  EXPECT_EQ((*reader)->header().version().producer(), 1);
  ASSERT_EQ((*reader)->entries().size(), 9u);
  const BundleEntry* w0 = (*reader)->Find("_weights/0/0/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_NE(w0, nullptr);
  EXPECT_EQ(w0->shape, (Shape{784, 256}));
  EXPECT_EQ(w0->proto.offset(), 101);
  EXPECT_EQ(w0->proto.crc32c(), 0x4c68758du);
  for (const BundleEntry& e : (*reader)->entries()) {
    auto t = (*reader)->Read(e);
    ASSERT_TRUE(t.ok()) << e.key << ": " << t.status();
    EXPECT_TRUE((*reader)->VerifyChecksum(e).ok());
  }
  auto spec = (*reader)->Read("serialized_input_spec/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->flat<std::string>()[0].size(), 45u);
  auto b = (*reader)->Read("_weights/0/1/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_TRUE(b.ok());
  for (float v : b->flat<float>()) EXPECT_EQ(v, 0.0f);
}

TEST(BundleTest, RewritesKerasFixtureByteForByte) {
  TB_REQUIRE_FIXTURE(index, "keras/input/keras_model/variables/variables.index");
  const std::string prefix = KerasPrefix(index);
  auto reader = BundleReader::Open(prefix);
  ASSERT_TRUE(reader.ok()) << reader.status();
  // The data file is in insertion order: re-add in data-file offset order.
  std::vector<const BundleEntry*> by_offset;
  for (const auto& e : (*reader)->entries()) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const BundleEntry* a, const BundleEntry* b) { return a->proto.offset() < b->proto.offset(); });
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const BundleEntry* e : by_offset) tensors.emplace_back(e->key, *(*reader)->Read(*e));
  tb::testing::TempDir dir;
  const std::string out = dir.Join("variables");
  ASSERT_TRUE(WriteBundle(out, tensors).ok());
  EXPECT_EQ(tb::testing::ReadFileOrDie(BundleIndexPath(out)), tb::testing::ReadFileOrDie(index));
  EXPECT_EQ(tb::testing::ReadFileOrDie(BundleDataPath(out, 0, 1)), tb::testing::ReadFileOrDie(BundleDataPath(prefix, 0, 1)));
}

TEST(BundleTest, MnistFixtureIndexReadsButMissingDataFileIsNamed) {
  TB_REQUIRE_FIXTURE(index, "mnist/input/mnist_model/variables/variables.index");
  auto reader = BundleReader::Open(KerasPrefix(index));
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->entries().size(), 13u);
  if (std::filesystem::exists(BundleDataPath(KerasPrefix(index), 0, 1))) GTEST_SKIP() << "data file present";
  auto t = (*reader)->Read("_weights/0/0/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("variables.data-00000-of-00001"));
}

TEST(BundleTest, RoundTripsEveryTypeAndLevelDbReadsTheIndex) {
  tb::testing::TempDir dir;
  const std::string prefix = dir.Join("ckpt");
  Tensor strings(DType::kString, {3});
  strings.flat<std::string>()[0] = "";
  strings.flat<std::string>()[1] = std::string("a\0b", 3);
  strings.flat<std::string>()[2] = std::string(300, 'z');  // 2-byte varint length.
  std::vector<std::pair<std::string, Tensor>> tensors = {
      {"z/float", Tensor::FromVector<float>({1.5f, -2.0f, 3.25f, 0.0f}, {2, 2})},
      {"a/int64", Tensor::FromVector<int64_t>({1, -2, INT64_MAX})},
      {"m/bool", Tensor::FromVector<bool>({true, false})},
      {"m/strings", strings},
      {"scalar", Tensor::Scalar<int32_t>(7)},
      {"empty", Tensor(DType::kFloat, {0, 3})},
      {"u8", Tensor::FromVector<uint8_t>({0, 255})},
      {"d", Tensor::FromVector<double>({1e300})},
  };
  ASSERT_TRUE(WriteBundle(prefix, tensors).ok());
  auto reader = BundleReader::Open(prefix);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_EQ((*reader)->entries().size(), tensors.size());
  for (const auto& [key, want] : tensors) {
    auto got = (*reader)->Read(key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status();
    EXPECT_TRUE(got->Equals(want)) << key;
  }
  auto theirs = leveldb_check::ReadWithLevelDb(BundleIndexPath(prefix));
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_EQ(theirs->size(), tensors.size() + 1);
  EXPECT_EQ((*theirs)[0].first, "");
}

TEST(BundleTest, DuplicateKeysAreRejected) {
  tb::testing::TempDir dir;
  auto w = BundleWriter::Create(dir.Join("x"));
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Add("k", Tensor::Scalar<float>(1)).ok());
  EXPECT_FALSE((*w)->Add("k", Tensor::Scalar<float>(2)).ok());
  EXPECT_FALSE((*w)->Add("", Tensor::Scalar<float>(2)).ok());
}

class BadBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = dir_.Join("b");
    ASSERT_TRUE(WriteBundle(prefix_, {{"w", Tensor::FromVector<float>({1, 2, 3, 4})},
                                      {"s", Tensor::StringScalar("hello")}})
                    .ok());
  }
  // Rewrites the index with one entry replaced.
  void WriteIndex(const tensorflow::BundleHeaderProto& header,
                  const std::vector<std::pair<std::string, tensorflow::BundleEntryProto>>& entries) {
    std::string out;
    auto file = NewStringWritableFile("idx", &out);
    table::TableBuilder builder(table::TableOptions{}, file.get());
    ASSERT_TRUE(builder.Add("", header.SerializeAsString()).ok());
    for (const auto& [k, e] : entries) ASSERT_TRUE(builder.Add(k, e.SerializeAsString()).ok());
    ASSERT_TRUE(builder.Finish().ok());
    tb::testing::WriteFileOrDie(BundleIndexPath(prefix_), out);
  }
  tensorflow::BundleEntryProto Entry(const std::string& key) {
    auto r = BundleReader::Open(prefix_);
    return (*r)->Find(key)->proto;
  }
  tensorflow::BundleHeaderProto Header() {
    tensorflow::BundleHeaderProto h;
    h.set_num_shards(1);
    return h;
  }
  tb::testing::TempDir dir_;
  std::string prefix_;
};

TEST_F(BadBundleTest, CorruptedDataIsACrcMismatchNamingTheKey) {
  std::string data = tb::testing::ReadFileOrDie(BundleDataPath(prefix_, 0, 1));
  data[2] ^= 1;
  tb::testing::WriteFileOrDie(BundleDataPath(prefix_, 0, 1), data);
  auto r = BundleReader::Open(prefix_);
  ASSERT_TRUE(r.ok());
  auto t = (*r)->Read("w");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("'w'"));
  EXPECT_THAT(t.status().message(), HasSubstr("checksum mismatch"));
  EXPECT_FALSE((*r)->VerifyChecksum(*(*r)->Find("w")).ok());
}

TEST_F(BadBundleTest, LyingOffsetsAndSizes) {
  auto w = Entry("w");
  auto s = Entry("s");
  {
    auto bad = w;
    bad.set_offset(1000000);
    WriteIndex(Header(), {{"s", s}, {"w", bad}});
    auto r = BundleReader::Open(prefix_);
    ASSERT_TRUE(r.ok());
    auto t = (*r)->Read("w");
    ASSERT_FALSE(t.ok());
    EXPECT_THAT(t.status().message(), HasSubstr("past the end"));
  }
  {
    auto bad = w;
    bad.set_size(12);  // 4 floats need 16 bytes.
    WriteIndex(Header(), {{"s", s}, {"w", bad}});
    auto r = BundleReader::Open(prefix_);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("does not match"));
  }
  {
    auto bad = s;
    bad.set_size(4);  // Too small for one length and the length checksum.
    WriteIndex(Header(), {{"s", bad}, {"w", w}});
    EXPECT_FALSE(BundleReader::Open(prefix_).ok());
  }
  {
    auto bad = w;
    bad.set_offset(-4);
    WriteIndex(Header(), {{"s", s}, {"w", bad}});
    EXPECT_FALSE(BundleReader::Open(prefix_).ok());
  }
  {
    auto bad = w;
    bad.set_shard_id(3);
    WriteIndex(Header(), {{"s", s}, {"w", bad}});
    EXPECT_FALSE(BundleReader::Open(prefix_).ok());
  }
}

TEST_F(BadBundleTest, OverflowingShapesAreRejectedWithoutAllocating) {
  auto w = Entry("w");
  w.mutable_shape()->clear_dim();
  w.mutable_shape()->add_dim()->set_size(int64_t{1} << 40);
  w.mutable_shape()->add_dim()->set_size(int64_t{1} << 40);
  WriteIndex(Header(), {{"w", w}});
  auto r = BundleReader::Open(prefix_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("'w'"));
  w.mutable_shape()->mutable_dim(0)->set_size(-5);
  WriteIndex(Header(), {{"w", w}});
  EXPECT_FALSE(BundleReader::Open(prefix_).ok());
}

TEST_F(BadBundleTest, MissingHeaderOrIndex) {
  std::string out;
  auto file = NewStringWritableFile("idx", &out);
  table::TableBuilder builder(table::TableOptions{}, file.get());
  ASSERT_TRUE(builder.Add("w", Entry("w").SerializeAsString()).ok());
  ASSERT_TRUE(builder.Finish().ok());
  tb::testing::WriteFileOrDie(BundleIndexPath(prefix_), out);
  auto r = BundleReader::Open(prefix_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no header"));
  auto missing = BundleReader::Open(dir_.Join("nothing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tb::tf
