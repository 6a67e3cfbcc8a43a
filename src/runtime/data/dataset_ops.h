// The dataset transformations ODP client programs use (tflite-lowering.md §4.3, artifacts.md §3.3): a dataset of
// serialized examples (what ExternalDataset yields), BatchDatasetV2, MapDataset, TakeDataset and ReduceDataset.
// Each checks what it is given (batch shapes, function arity and dtypes) and reports the dataset it failed in.
#ifndef TASKBUILDER_RUNTIME_DATA_DATASET_OPS_H_
#define TASKBUILDER_RUNTIME_DATA_DATASET_OPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/data/dataset.h"

namespace tb::runtime::data {

// Elements are scalar strings, in order.
DatasetPtr MakeStringsDataset(std::shared_ptr<const std::vector<std::string>> records, std::string source);

// Stacks `batch_size` consecutive elements per component ([n] + shape); the last batch is shorter unless
// `drop_remainder`. Elements must agree in dtype and shape per component.
absl::StatusOr<DatasetPtr> MakeBatchDataset(DatasetPtr input, int64_t batch_size, bool drop_remainder);

// Applies `fn` to each element (its components are the function's arguments).
DatasetPtr MakeMapDataset(DatasetPtr input, DatasetFunction fn, std::string fn_name);

// The first `count` elements; all of them when count < 0.
DatasetPtr MakeTakeDataset(DatasetPtr input, int64_t count);

// Folds `fn(state..., element...) -> state...` over the dataset; the state keeps its arity and dtypes.
absl::StatusOr<std::vector<tf::Tensor>> ReduceDataset(const Dataset& input, std::vector<tf::Tensor> initial_state,
                                                      const DatasetFunction& fn, const std::string& fn_name);

}  // namespace tb::runtime::data

#endif  // TASKBUILDER_RUNTIME_DATA_DATASET_OPS_H_
