// V1 (tensor-slice) checkpoints: byte-identical reproduction of the original builder's initial checkpoints,
// round trips of every supported type, partitioned tensors, libleveldb as an independent reader, bad input.
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tensorflow/saved_tensor_slice.pb.h"
#include "tests/testing/testing.h"
#include "tests/tf/leveldb_check.h"
#include "tf/bundle.h"
#include "tf/checkpoint_reader.h"
#include "tf/checkpoint_writer.h"
#include "tf/ordered_code.h"
#include "tf/table_builder.h"

namespace tb::tf {
namespace {

using ::testing::HasSubstr;

// The 12 server tensors of the keras sample, in SaveSlices (alphabetical) order, with the given values.
std::vector<NamedTensor> KerasServerState(const std::vector<Tensor>& weights, const std::string& class_name,
                                          const std::string& module_name, float noise, bool is_init,
                                          float denominator, float clip, float stddev, float lr) {
  std::vector<NamedTensor> t = {
      {"server/aggregator/dp_event/class_name", Tensor::StringScalar(class_name)},
      {"server/aggregator/dp_event/module_name", Tensor::StringScalar(module_name)},
      {"server/aggregator/dp_event/noise_multiplier", Tensor::Scalar<float>(noise)},
      {"server/aggregator/is_init_state", Tensor::Scalar<bool>(is_init)},
      {"server/aggregator/query_state/denominator", Tensor::Scalar<float>(denominator)},
      {"server/aggregator/query_state/numerator_state/l2_norm_clip", Tensor::Scalar<float>(clip)},
      {"server/aggregator/query_state/numerator_state/stddev", Tensor::Scalar<float>(stddev)},
      {"server/finalizer/learning_rate", Tensor::Scalar<float>(lr)},
  };
  for (size_t i = 0; i < weights.size(); ++i) {
    t.push_back({"server/global_model_weights/trainable/" + std::to_string(i), weights[i]});
  }
  return t;
}

TEST(CheckpointTest, ReproducesKerasEvalInitialStateFromScratch) {
  TB_REQUIRE_FIXTURE(path, "keras/output/eval_initial_state.server.ckp");
  // Every value is zero / "" / false; only names, dtypes and shapes matter.
  std::vector<Tensor> zeros = {Tensor(DType::kFloat, {784, 256}), Tensor(DType::kFloat, {256}),
                               Tensor(DType::kFloat, {256, 2}), Tensor(DType::kFloat, {2})};
  auto bytes = SerializeCheckpoint(KerasServerState(zeros, "", "", 0, false, 0, 0, 0, 0));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  const std::string want = tb::testing::ReadFileOrDie(path);
  ASSERT_EQ(bytes->size(), want.size());
  EXPECT_TRUE(*bytes == want);
}

TEST(CheckpointTest, ReproducesKerasInitialStateFromTheSavedModelWeights) {
  TB_REQUIRE_FIXTURE(path, "keras/output/initial_state.server.ckp");
  TB_REQUIRE_FIXTURE(index, "keras/input/keras_model/variables/variables.index");
  auto bundle = BundleReader::Open(index.substr(0, index.size() - 6));
  ASSERT_TRUE(bundle.ok());
  std::vector<Tensor> weights;
  for (int i = 0; i < 4; ++i) {
    auto w = (*bundle)->Read("_weights/0/" + std::to_string(i) + "/.ATTRIBUTES/VARIABLE_VALUE");
    ASSERT_TRUE(w.ok());
    weights.push_back(*w);
  }
  // DP values of the sample (artifacts.md §6); the float32 bit patterns are those TF computed.
  auto bits = [](uint32_t b) {
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  };
  const std::string want = tb::testing::ReadFileOrDie(path);
  auto reader = CheckpointReader::Open(NewMemoryFile(path, want));
  ASSERT_TRUE(reader.ok()) << reader.status();
  const float noise = (*reader)->Read("server/aggregator/dp_event/noise_multiplier")->scalar<float>();
  const float stddev = (*reader)->Read("server/aggregator/query_state/numerator_state/stddev")->scalar<float>();
  EXPECT_NEAR(noise, 0.22200349, 1e-7);
  EXPECT_NEAR(stddev, 0.022200350, 1e-8);
  auto bytes = SerializeCheckpoint(KerasServerState(weights, "GaussianDpEvent", "dp_accounting.dp_event", noise,
                                                    true, 2.0f, bits(0x3dcccccd) /* 0.1f */, stddev, 1.0f));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_EQ(bytes->size(), want.size());
  EXPECT_TRUE(*bytes == want);
}

TEST(CheckpointTest, ReadsFixtureAndRewritesItIdentically) {
  for (const char* name : {"keras/output/initial_state.server.ckp", "e2e/checkpoint_v1", "e2e/gradient_v1"}) {
    auto path = tb::testing::FixturePath(name);
    if (!path) continue;
    const std::string want = tb::testing::ReadFileOrDie(*path);
    auto reader = CheckpointReader::Open(*path);
    ASSERT_TRUE(reader.ok()) << name << ": " << reader.status();
    auto tensors = (*reader)->ReadAll();
    ASSERT_TRUE(tensors.ok()) << tensors.status();
    auto bytes = SerializeCheckpoint(*tensors);
    ASSERT_TRUE(bytes.ok());
    EXPECT_TRUE(*bytes == want) << name;
  }
}

TEST(CheckpointTest, KeyEncodingMatchesTensorFlow) {
  EXPECT_EQ(EncodeTensorNameSliceKey("server/finalizer/learning_rate", 0),
            std::string("\0server/finalizer/learning_rate\0\1\0", 34));
  EXPECT_EQ(EncodeTensorNameSliceKey("w", 2), std::string("\0w\0\1\1\2\x80\x7f\x80\x7f", 10));
}

TEST(CheckpointTest, RoundTripsEveryTypeAndLevelDbReadsIt) {
  Tensor s(DType::kString, {2});
  s.flat<std::string>()[0] = "x";
  s.flat<std::string>()[1] = std::string(1000, '\0');
  std::vector<NamedTensor> tensors = {
      {"b/f", Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3})},
      {"a/d", Tensor::FromVector<double>({-1.5})},
      {"i32", Tensor::FromVector<int32_t>({-7, 0, INT32_MAX})},
      {"i64", Tensor::FromVector<int64_t>({INT64_MIN, 3})},
      {"i16", Tensor::FromVector<int16_t>({-300})},
      {"i8", Tensor::FromVector<int8_t>({-3, 4})},
      {"u8", Tensor::FromVector<uint8_t>({200})},
      {"bool", Tensor::FromVector<bool>({true, false, true})},
      {"str", s},
      {"scalar", Tensor::Scalar<float>(0.5f)},
      {"empty", Tensor(DType::kFloat, {0})},
      {"big", Tensor(DType::kFloat, {300000})},  // > 2 blocks: its own block.
  };
  tensors.back().tensor.flat<float>()[12345] = 9.0f;
  tb::testing::TempDir dir;
  const std::string path = dir.Join("c.ckp");
  ASSERT_TRUE(WriteCheckpointFile(path, tensors).ok());
  auto reader = CheckpointReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_EQ((*reader)->tensors().size(), tensors.size());
  EXPECT_EQ((*reader)->tensors()[0].name, "b/f");  // Metadata keeps the input order.
  EXPECT_EQ((*reader)->versions().producer(), 1);
  for (const auto& nt : tensors) {
    auto got = (*reader)->Read(nt.name);
    ASSERT_TRUE(got.ok()) << nt.name << ": " << got.status();
    EXPECT_TRUE(got->Equals(nt.tensor)) << nt.name;
  }
  auto theirs = leveldb_check::ReadWithLevelDb(path);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  ASSERT_EQ(theirs->size(), tensors.size() + 1);
  tensorflow::SavedTensorSlices meta;
  ASSERT_TRUE(meta.ParseFromString((*theirs)[0].second));
  EXPECT_EQ(meta.meta().tensor_size(), static_cast<int>(tensors.size()));
}

TEST(CheckpointTest, LargeTensorsAreReadDirectlyAndStillChecksummed) {
  Tensor big(DType::kFloat, {200000, 3});
  for (int64_t i = 0; i < big.num_elements(); ++i) big.flat<float>()[i] = static_cast<float>(i);
  Tensor big_d(DType::kDouble, {70000});
  big_d.flat<double>()[69999] = -1;
  auto bytes = SerializeCheckpoint({{"b", big}, {"a", Tensor::Scalar<float>(1)}, {"d", big_d}});
  ASSERT_TRUE(bytes.ok());
  auto reader = CheckpointReader::Open(NewMemoryFile("c", *bytes));
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE((*reader)->Read("b")->Equals(big));
  EXPECT_TRUE((*reader)->Read("d")->Equals(big_d));
  // A flipped value byte is caught by the block CRC on the direct path; a flipped header byte sends the read
  // down the generic path, which catches it too.
  const size_t header = bytes->find(std::string("\0b\0\1", 4)) + 8;  // Inside the SavedSlice header of "b".
  ASSERT_LT(header, 1000u);
  for (size_t offset : {bytes->size() / 3, header}) {
    std::string bad = *bytes;
    bad[offset] ^= 0x10;
    auto r = CheckpointReader::Open(NewMemoryFile("c", bad));
    if (!r.ok()) continue;
    auto all = (*r)->ReadAll();
    ASSERT_FALSE(all.ok()) << offset;
    EXPECT_THAT(all.status().message(), HasSubstr("checksum mismatch")) << offset;
  }
}

TEST(CheckpointTest, WriterRejectsBadInput) {
  EXPECT_FALSE(SerializeCheckpoint({{"a", Tensor::Scalar<float>(1)}, {"a", Tensor::Scalar<float>(2)}}).ok());
  EXPECT_FALSE(SerializeCheckpoint({{"", Tensor::Scalar<float>(1)}}).ok());
  EXPECT_FALSE(SerializeCheckpoint({{"u", Tensor::Scalar<uint32_t>(1)}}).ok());
}

// Builds a checkpoint table by hand from SavedTensorSlices records.
std::string HandMade(const tensorflow::SavedTensorSlices& meta,
                     const std::vector<std::pair<std::string, tensorflow::SavedTensorSlices>>& data) {
  std::string out;
  auto file = NewStringWritableFile("hand.ckp", &out);
  table::TableBuilder builder(table::TableOptions{}, file.get());
  EXPECT_TRUE(builder.Add("", meta.SerializeAsString()).ok());
  for (const auto& [k, v] : data) EXPECT_TRUE(builder.Add(k, v.SerializeAsString()).ok());
  EXPECT_TRUE(builder.Finish().ok());
  return out;
}

std::string SliceKey(const std::string& name, std::vector<std::pair<int64_t, int64_t>> extents) {
  std::string key;
  ordered_code::WriteNumIncreasing(&key, 0);
  ordered_code::WriteString(&key, name);
  ordered_code::WriteNumIncreasing(&key, extents.size());
  for (auto [s, l] : extents) {
    ordered_code::WriteSignedNumIncreasing(&key, s);
    ordered_code::WriteSignedNumIncreasing(&key, l);
  }
  return key;
}

TEST(CheckpointTest, ReadsPartitionedTensors) {
  // A [3,2] float tensor saved as rows [0,2) and [2,3).
  tensorflow::SavedTensorSlices meta;
  auto* m = meta.mutable_meta()->add_tensor();
  m->set_name("p");
  m->mutable_shape()->add_dim()->set_size(3);
  m->mutable_shape()->add_dim()->set_size(2);
  m->set_type(tensorflow::DT_FLOAT);
  std::vector<std::pair<std::string, tensorflow::SavedTensorSlices>> data;
  for (auto [start, len] : {std::pair<int64_t, int64_t>{0, 2}, {2, 1}}) {
    auto* s = m->add_slice();
    auto* e = s->add_extent();
    e->set_start(start);
    e->set_length(len);
    s->add_extent();
    tensorflow::SavedTensorSlices rec;
    rec.mutable_data()->set_name("p");
    *rec.mutable_data()->mutable_slice() = *s;
    for (int64_t i = start * 2; i < (start + len) * 2; ++i) rec.mutable_data()->mutable_data()->add_float_val(i);
    data.emplace_back(SliceKey("p", {{start, len}, {0, -1}}), rec);
  }
  const std::string bytes = HandMade(meta, data);
  auto reader = CheckpointReader::Open(NewOwnedMemoryFile("hand.ckp", bytes));
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto t = (*reader)->Read("p");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->Equals(Tensor::FromVector<float>({0, 1, 2, 3, 4, 5}, {3, 2})));
}

TEST(CheckpointTest, BadRecordsGiveNamedErrors) {
  tensorflow::SavedTensorSlices meta;
  auto* m = meta.mutable_meta()->add_tensor();
  m->set_name("w");
  m->mutable_shape()->add_dim()->set_size(4);
  m->set_type(tensorflow::DT_FLOAT);
  m->add_slice()->add_extent();
  tensorflow::SavedTensorSlices rec;
  rec.mutable_data()->set_name("w");
  rec.mutable_data()->mutable_slice()->add_extent();
  rec.mutable_data()->mutable_data()->add_float_val(1);  // 1 value for 4 elements.
  {
    auto reader = CheckpointReader::Open(NewOwnedMemoryFile("c", HandMade(meta, {{SliceKey("w", {{0, -1}}), rec}})));
    ASSERT_TRUE(reader.ok());
    auto t = (*reader)->Read("w");
    ASSERT_FALSE(t.ok());
    EXPECT_THAT(t.status().message(), HasSubstr("'w'"));
  }
  {
    auto reader = CheckpointReader::Open(NewOwnedMemoryFile("c", HandMade(meta, {})));
    ASSERT_TRUE(reader.ok());
    auto t = (*reader)->Read("w");
    ASSERT_FALSE(t.ok());
    EXPECT_THAT(t.status().message(), HasSubstr("missing"));
  }
  {
    auto bad = meta;
    bad.mutable_meta()->mutable_tensor(0)->mutable_shape()->mutable_dim(0)->set_size(int64_t{1} << 62);
    EXPECT_FALSE(CheckpointReader::Open(NewOwnedMemoryFile("c", HandMade(bad, {}))).ok());
  }
  {
    auto bad = meta;
    auto* e = bad.mutable_meta()->mutable_tensor(0)->mutable_slice(0)->mutable_extent(0);
    e->set_start(2);
    e->set_length(5);
    EXPECT_FALSE(CheckpointReader::Open(NewOwnedMemoryFile("c", HandMade(bad, {}))).ok());
  }
  {
    tensorflow::SavedTensorSlices not_meta;
    not_meta.mutable_data()->set_name("x");
    auto r = CheckpointReader::Open(NewOwnedMemoryFile("c", HandMade(not_meta, {})));
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr("metadata"));
  }
}

}  // namespace
}  // namespace tb::tf
