// Shared pieces of the tf.data kernels (ExternalDataset, BatchDatasetV2, MapDataset, TakeDataset, ReduceDataset,
// the iterator and optional ops): reading dataset/iterator/optional handles from inputs, calling a dataset
// function through KernelEnv::functions, and where ExternalDataset finds a client's examples.
#ifndef TASKBUILDER_RUNTIME_KERNELS_DATASET_KERNEL_UTIL_H_
#define TASKBUILDER_RUNTIME_KERNELS_DATASET_KERNEL_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/data/dataset.h"
#include "runtime/kernels/kernel.h"

namespace tb::runtime {

// ExternalDataset (FCP's example-store op) serves the examples registered under its token, the way FCP's engine
// serves the example iterator registered for the data_token it feeds: a DT_STRING vector of serialized
// tf.Examples stored in KernelEnv::resources under this key.
inline std::string ExternalDatasetKey(std::string_view token) { return "fcp/external_dataset/" + std::string(token); }

absl::StatusOr<data::DatasetPtr> DatasetInput(const KernelContext& ctx, int i);

// A dataset function calling `fn` through ctx.env().functions with `captured` arguments appended, checking its
// results against `output_types` when that attr is non-empty. The runner must outlive the returned function.
absl::StatusOr<data::DatasetFunction> BindFunction(KernelContext& ctx, const tensorflow::NameAttrList& fn,
                                                   std::vector<tf::Tensor> captured,
                                                   std::vector<tf::DType> output_types);

}  // namespace tb::runtime

#endif  // TASKBUILDER_RUNTIME_KERNELS_DATASET_KERNEL_UTIL_H_
