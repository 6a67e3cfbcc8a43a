// The registration entry points of the op families (graph/ops/*.cc), called once by OpRegistry::Global().
// Internal to the registry: nothing outside graph/ includes this.
#ifndef TASKBUILDER_GRAPH_OPS_REGISTER_OPS_H_
#define TASKBUILDER_GRAPH_OPS_REGISTER_OPS_H_

namespace tb::graph {

class OpRegistry;

void RegisterMathOps(OpRegistry& r);
void RegisterNnOps(OpRegistry& r);
void RegisterArrayOps(OpRegistry& r);
void RegisterFunctionalOps(OpRegistry& r);
void RegisterStateOps(OpRegistry& r);
void RegisterDataOps(OpRegistry& r);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_OPS_REGISTER_OPS_H_
