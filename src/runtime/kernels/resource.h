// Resource variables for the reference runtime: the handle value a VarHandleOp produces (the element of a
// DT_RESOURCE tensor) and the store that holds variable values for one interpreter session. Single-threaded by
// design (interpreters run one node at a time); never shared across sessions.
#ifndef TASKBUILDER_RUNTIME_KERNELS_RESOURCE_H_
#define TASKBUILDER_RUNTIME_KERNELS_RESOURCE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/types.h"
#include "runtime/kernels/kernel.h"
#include "tf/tensor.h"

namespace tb::runtime {

class ResourceHandle : public tf::Opaque {
 public:
  ResourceHandle(std::string container, std::string name, tf::DType dtype, graph::PartialShape shape)
      : container_(std::move(container)), name_(std::move(name)), dtype_(dtype), shape_(std::move(shape)) {}
  std::string TypeName() const override { return "ResourceHandle"; }
  const std::string& container() const { return container_; }
  const std::string& name() const { return name_; }
  tf::DType dtype() const { return dtype_; }
  const graph::PartialShape& shape() const { return shape_; }
  // "container/name" (just "name" when the container is empty): the store key.
  std::string key() const { return container_.empty() ? name_ : container_ + "/" + name_; }

 private:
  std::string container_, name_;
  tf::DType dtype_;
  graph::PartialShape shape_;
};

class ResourceStore {
 public:
  // Errors (FailedPrecondition) name the variable when it was never assigned.
  absl::StatusOr<tf::Tensor> Read(const ResourceHandle& h) const;
  void Assign(const ResourceHandle& h, tf::Tensor value) { vars_[h.key()] = std::move(value); }
  bool IsInitialized(const ResourceHandle& h) const { return vars_.count(h.key()) > 0; }
  // Direct access by key, for tests and for loading/saving state around a run.
  void Set(const std::string& key, tf::Tensor value) { vars_[key] = std::move(value); }
  const tf::Tensor* Get(const std::string& key) const;
  std::vector<std::string> Keys() const;

 private:
  std::map<std::string, tf::Tensor> vars_;
};

// The handle inside input `i` (a scalar DT_RESOURCE tensor holding a ResourceHandle), or an error naming the node.
absl::StatusOr<const ResourceHandle*> HandleInput(const KernelContext& ctx, int i);

}  // namespace tb::runtime

#endif  // TASKBUILDER_RUNTIME_KERNELS_RESOURCE_H_
