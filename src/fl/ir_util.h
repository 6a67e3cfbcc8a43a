// Small IR idioms the federated lowering uses in several places, on top of graph::Builder.
#ifndef TASKBUILDER_FL_IR_UTIL_H_
#define TASKBUILDER_FL_IR_UTIL_H_

#include <vector>

#include "graph/builder.h"
#include "graph/function.h"
#include "tf/tensor.h"

namespace tb::fl {

using graph::Output;

// tf.zeros(shape, dtype): a Const below 1000 elements, else Fill(shape, 0), so big zero tensors never become
// constant payloads in a program. Named like TF: the Fill takes the builder's next name, its inputs live below it.
Output TfZeros(const graph::Builder& b, tf::DType dtype, const tf::Shape& shape);

// The result of instantiating a function body into another graph.
struct Instantiated {
  std::vector<Output> outputs;          // the function's returns, in order
  std::vector<graph::Node*> control;    // its control returns (stateful nodes the caller must run)
};

// Copies `fn`'s body into `b`'s graph under `b`'s scope (graph::InlineFunctionBody: node "n" becomes
// "<scope>/n", made unique), with the arguments replaced by `args` and `source_deps` as control inputs of the
// body's source nodes. Calls inside stay calls (graph::InlineCalls flattens them). Errors are recorded in `b`.
Instantiated Instantiate(const graph::Builder& b, const graph::Function& fn, const std::vector<Output>& args,
                         const std::vector<graph::Node*>& source_deps = {});

// "node:index" as TensorflowSpec and SaverDef name tensors.
std::string TensorName(const Output& o);

}  // namespace tb::fl

#endif  // TASKBUILDER_FL_IR_UTIL_H_
