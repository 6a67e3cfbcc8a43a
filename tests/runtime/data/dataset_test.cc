#include "runtime/data/dataset.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/data/dataset_ops.h"

namespace tb::runtime::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

DatasetPtr Strings(int n) {
  auto records = std::make_shared<std::vector<std::string>>();
  for (int i = 0; i < n; ++i) records->push_back(std::string(1, static_cast<char>('a' + i)));
  return MakeStringsDataset(records, "test");
}

std::vector<Element> Drain(const Dataset& ds) {
  std::vector<Element> out;
  auto it = ds.MakeIterator();
  EXPECT_TRUE(it.ok());
  while (true) {
    auto next = (*it)->GetNext();
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !next->has_value()) break;
    out.push_back(**next);
  }
  return out;
}

TEST(DatasetTest, BatchStacksAndKeepsTheShortRemainder) {
  auto batched = MakeBatchDataset(Strings(7), 3, false);
  ASSERT_TRUE(batched.ok());
  auto batches = Drain(**batched);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0][0].shape(), (tf::Shape{3}));
  EXPECT_THAT(batches[0][0].flat<std::string>(), ElementsAre("a", "b", "c"));
  EXPECT_THAT(batches[2][0].flat<std::string>(), ElementsAre("g"));
  auto dropped = MakeBatchDataset(Strings(7), 3, true);
  EXPECT_EQ(Drain(**dropped).size(), 2u);
  EXPECT_FALSE(MakeBatchDataset(Strings(1), 0, false).ok());
}

TEST(DatasetTest, MapTakeReduce) {
  DatasetFunction length = [](std::vector<tf::Tensor> in) -> absl::StatusOr<std::vector<tf::Tensor>> {
    float n = static_cast<float>(in[0].num_elements());
    return std::vector<tf::Tensor>{tf::Tensor::Scalar<float>(n), tf::Tensor::Scalar<int64_t>(1)};
  };
  auto batched = MakeBatchDataset(Strings(10), 4, false);
  DatasetPtr mapped = MakeMapDataset(*batched, length, "length");
  DatasetPtr taken = MakeTakeDataset(mapped, 2);
  EXPECT_EQ(taken->DebugString(), "Take(2)<-Map(length)<-Batch(4)<-Examples(test, 10)");
  DatasetFunction sum = [](std::vector<tf::Tensor> in) -> absl::StatusOr<std::vector<tf::Tensor>> {
    return std::vector<tf::Tensor>{tf::Tensor::Scalar<float>(in[0].scalar<float>() + in[2].scalar<float>()),
                                   tf::Tensor::Scalar<int64_t>(in[1].scalar<int64_t>() + in[3].scalar<int64_t>())};
  };
  auto total = ReduceDataset(*taken, {tf::Tensor::Scalar<float>(0), tf::Tensor::Scalar<int64_t>(0)}, sum, "sum");
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ((*total)[0].scalar<float>(), 8.0f);
  EXPECT_EQ((*total)[1].scalar<int64_t>(), 2);
  auto all = ReduceDataset(*MakeTakeDataset(mapped, -1), {tf::Tensor::Scalar<float>(0), tf::Tensor::Scalar<int64_t>(0)},
                           sum, "sum");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].scalar<float>(), 10.0f);
}

TEST(DatasetTest, ErrorsCarryTheirContext) {
  DatasetFunction failing = [](std::vector<tf::Tensor>) -> absl::StatusOr<std::vector<tf::Tensor>> {
    return absl::InvalidArgumentError("boom");
  };
  DatasetPtr mapped = MakeMapDataset(Strings(2), failing, "parse_fn");
  auto it = mapped->MakeIterator();
  auto next = (*it)->GetNext();
  EXPECT_THAT(std::string(next.status().message()), HasSubstr("in the function 'parse_fn' of MapDataset: boom"));

  // Components whose shapes differ cannot be batched.
  int calls = 0;
  DatasetFunction ragged = [&calls](std::vector<tf::Tensor>) -> absl::StatusOr<std::vector<tf::Tensor>> {
    return std::vector<tf::Tensor>{tf::Tensor(tf::DType::kFloat, {++calls})};
  };
  auto batched = MakeBatchDataset(MakeMapDataset(Strings(3), ragged, "ragged"), 3, false);
  auto bit = (*batched)->MakeIterator();
  EXPECT_THAT(std::string((*bit)->GetNext().status().message()),
              HasSubstr("Cannot batch tensors with different shapes in component 0"));

  DatasetFunction wrong_arity = [](std::vector<tf::Tensor>) -> absl::StatusOr<std::vector<tf::Tensor>> {
    return std::vector<tf::Tensor>{};
  };
  EXPECT_THAT(std::string(ReduceDataset(*Strings(1), {tf::Tensor::Scalar<float>(0)}, wrong_arity, "f")
                              .status()
                              .message()),
              HasSubstr("returned 0 values for a state of 1"));
}

// An iterator keeps its dataset chain alive after every handle to the dataset is gone (MakeIterator's dataset
// tensor is released by the interpreter while the iterator is still in use).
TEST(DatasetTest, IteratorsOutliveTheirDatasetHandles) {
  auto resource = std::make_shared<IteratorResource>();
  {
    DatasetFunction identity = [](std::vector<tf::Tensor> in) -> absl::StatusOr<std::vector<tf::Tensor>> { return in; };
    auto batched = MakeBatchDataset(MakeMapDataset(Strings(5), identity, "identity"), 2, false);
    ASSERT_TRUE(resource->Bind(**batched).ok());
  }
  int batches = 0;
  while (true) {
    auto next = resource->GetNext();
    ASSERT_TRUE(next.ok()) << next.status();
    if (!next->has_value()) break;
    ++batches;
  }
  EXPECT_EQ(batches, 3);
}

TEST(DatasetTest, IteratorResourceAndOptionals) {
  auto resource = std::make_shared<IteratorResource>();
  EXPECT_EQ(resource->GetNext().status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(resource->Bind(*Strings(2)).ok());
  tf::Tensor handle = OpaqueScalar(tf::DType::kResource, resource);
  auto from = IteratorFromTensor(handle);
  ASSERT_TRUE(from.ok());
  EXPECT_TRUE((*from)->GetNext()->has_value());
  EXPECT_TRUE((*from)->GetNext()->has_value());
  EXPECT_FALSE((*from)->GetNext()->has_value());
  // A dataset handle is not an iterator.
  tf::Tensor ds = OpaqueScalar(tf::DType::kVariant, Strings(1));
  EXPECT_THAT(std::string(IteratorFromTensor(ds).status().message()), HasSubstr("got a Dataset"));
  EXPECT_TRUE(DatasetFromTensor(ds).ok());
  EXPECT_FALSE(OptionalFromTensor(tf::Tensor::Scalar<float>(1)).ok());
  auto opt = std::make_shared<OptionalValue>(std::nullopt);
  EXPECT_FALSE((*OptionalFromTensor(OpaqueScalar(tf::DType::kVariant, opt)))->has_value());
}

}  // namespace
}  // namespace tb::runtime::data
