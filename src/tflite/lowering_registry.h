// The table of op lowerings: TF op name -> a function that expresses that op with TFLite builtins (or declines,
// making it a Flex op). Each family lives in its own lower_<family>.cc and adds itself through its Register*
// function (explicit calls, so the static linker cannot drop a family). Immutable after construction.
#ifndef TASKBUILDER_TFLITE_LOWERING_REGISTRY_H_
#define TASKBUILDER_TFLITE_LOWERING_REGISTRY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tflite/lowering_context.h"

namespace tb::tflite {

using LowerFn = absl::Status (*)(NodeContext& ctx);

class LoweringRegistry {
 public:
  static const LoweringRegistry& Get();

  void Add(std::string_view op, LowerFn fn) { fns_[std::string(op)] = fn; }
  // nullptr when the op has no builtin lowering.
  LowerFn Find(std::string_view op) const;
  // Sorted.
  std::vector<std::string> Ops() const;

 private:
  std::map<std::string, LowerFn, std::less<>> fns_;
};

void RegisterElementwiseLowerings(LoweringRegistry& r);
void RegisterActivationGradLowerings(LoweringRegistry& r);
void RegisterReductionLowerings(LoweringRegistry& r);
void RegisterArrayLowerings(LoweringRegistry& r);
void RegisterNnLowerings(LoweringRegistry& r);
void RegisterNnGradLowerings(LoweringRegistry& r);
void RegisterBroadcastGradLowerings(LoweringRegistry& r);

}  // namespace tb::tflite

#endif  // TASKBUILDER_TFLITE_LOWERING_REGISTRY_H_
