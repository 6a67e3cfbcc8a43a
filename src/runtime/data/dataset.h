// tf.data semantics for the client programs' input pipelines: immutable Dataset values (what a VARIANT dataset
// handle holds), Iterators over them, the mutable iterator resource behind AnonymousIteratorV3/MakeIterator, and
// the Optional values of IteratorGetNextAsOptional. Datasets never run user code themselves: map/reduce functions
// are callbacks supplied by the interpreter that owns the program.
#ifndef TASKBUILDER_RUNTIME_DATA_DATASET_H_
#define TASKBUILDER_RUNTIME_DATA_DATASET_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tf/tensor.h"

namespace tb::runtime::data {

// One dataset element: its components, in order.
using Element = std::vector<tf::Tensor>;

// A function a dataset applies (MapDataset's `f`, ReduceDataset's `f`): tensors in, tensors out.
using DatasetFunction = std::function<absl::StatusOr<std::vector<tf::Tensor>>(std::vector<tf::Tensor>)>;

class Iterator {
 public:
  virtual ~Iterator() = default;
  // The next element, or nullopt at the end. After an error or the end, further calls return the end.
  virtual absl::StatusOr<std::optional<Element>> GetNext() = 0;
};

// Datasets are always owned by shared_ptr (DatasetPtr); their iterators keep them alive through shared_from_this(),
// as TF iterators hold a reference to their dataset, so an iterator may outlive every handle to its dataset.
class Dataset : public tf::Opaque, public std::enable_shared_from_this<Dataset> {
 public:
  std::string TypeName() const override { return "Dataset"; }
  // "Batch(3)<-Examples(12)" for messages.
  virtual std::string DebugString() const = 0;
  virtual absl::StatusOr<std::unique_ptr<Iterator>> MakeIterator() const = 0;
};

using DatasetPtr = std::shared_ptr<const Dataset>;

// The resource behind an iterator handle (AnonymousIteratorV3 creates it empty, MakeIterator binds a dataset).
// Handles are shared const pointers (tf::Opaque), so the state is internally synchronized and mutable.
class IteratorResource : public tf::Opaque {
 public:
  std::string TypeName() const override { return "Iterator"; }
  absl::Status Bind(const Dataset& dataset) const;
  // FailedPrecondition if no dataset was bound.
  absl::StatusOr<std::optional<Element>> GetNext() const;

 private:
  mutable std::mutex mu_;
  mutable std::unique_ptr<Iterator> iterator_;
};

// The value of an Optional variant (IteratorGetNextAsOptional / OptionalHasValue / OptionalGetValue).
class OptionalValue : public tf::Opaque {
 public:
  explicit OptionalValue(std::optional<Element> value) : value_(std::move(value)) {}
  std::string TypeName() const override { return "Optional"; }
  bool has_value() const { return value_.has_value(); }
  const Element& value() const { return *value_; }

 private:
  std::optional<Element> value_;
};

// Reads the Dataset (or IteratorResource / OptionalValue) out of a scalar VARIANT/RESOURCE tensor, or fails
// naming what the tensor holds instead.
absl::StatusOr<DatasetPtr> DatasetFromTensor(const tf::Tensor& t);
absl::StatusOr<std::shared_ptr<const IteratorResource>> IteratorFromTensor(const tf::Tensor& t);
absl::StatusOr<std::shared_ptr<const OptionalValue>> OptionalFromTensor(const tf::Tensor& t);
// A scalar VARIANT/RESOURCE tensor holding `value`.
tf::Tensor OpaqueScalar(tf::DType dtype, std::shared_ptr<const tf::Opaque> value);

}  // namespace tb::runtime::data

#endif  // TASKBUILDER_RUNTIME_DATA_DATASET_H_
