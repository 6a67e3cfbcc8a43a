#include "plan/client_phase.h"

namespace tb::plan {
namespace {

void AddScalarStringInput(fcp::TensorflowSpec* spec, const std::string& name) {
  tensorflow::TensorSpecProto* input = spec->add_input_tensor_specs();
  input->set_name(name);
  input->mutable_shape();  // present and empty: a scalar
  input->set_dtype(tensorflow::DT_STRING);
}

}  // namespace

absl::StatusOr<fcp::ClientPhase> MakeClientPhase(const fl::ClientProgram& client) {
  fcp::ClientPhase phase;
  fcp::TensorflowSpec* spec = phase.mutable_tensorflow_spec();
  spec->set_dataset_token_tensor_name(client.dataset_token_tensor);
  AddScalarStringInput(spec, client.input_filepath_tensor);
  AddScalarStringInput(spec, client.output_filepath_tensor);
  spec->add_target_node_names(client.target_node);
  if (!spec->mutable_example_selector()->ParseFromString(client.example_selector)) {
    return absl::InvalidArgumentError("the example selector is not a serialized ExampleSelector");
  }
  fcp::FederatedComputeIORouter* io = phase.mutable_federated_compute();
  io->set_input_filepath_tensor_name(client.input_filepath_tensor);
  io->set_output_filepath_tensor_name(client.output_filepath_tensor);
  return phase;
}

}  // namespace tb::plan
