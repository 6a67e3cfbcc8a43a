#include "tflite/lowering_registry.h"

namespace tb::tflite {

const LoweringRegistry& LoweringRegistry::Get() {
  static const LoweringRegistry* registry = [] {
    auto* r = new LoweringRegistry();
    RegisterElementwiseLowerings(*r);
    RegisterActivationGradLowerings(*r);
    RegisterReductionLowerings(*r);
    RegisterArrayLowerings(*r);
    RegisterNnLowerings(*r);
    RegisterNnGradLowerings(*r);
    RegisterBroadcastGradLowerings(*r);
    return r;
  }();
  return *registry;
}

LowerFn LoweringRegistry::Find(std::string_view op) const {
  auto it = fns_.find(op);
  return it == fns_.end() ? nullptr : it->second;
}

std::vector<std::string> LoweringRegistry::Ops() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : fns_) out.push_back(name);
  return out;
}

}  // namespace tb::tflite
