// The global registry: every op family, registered once on first use.
#include "graph/op_registry.h"
#include "graph/ops/register_ops.h"

namespace tb::graph {

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    RegisterMathOps(*r);
    RegisterNnOps(*r);
    RegisterArrayOps(*r);
    RegisterFunctionalOps(*r);
    RegisterStateOps(*r);
    RegisterDataOps(*r);
    return r;
  }();
  return *registry;
}

}  // namespace tb::graph
