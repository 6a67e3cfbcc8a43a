// Fuzzes the functional-model loader: the input is a saved_model.pb; the variables come from a small example MLP
// written once at start-up, so mutations of a valid model reach the call-chain, object-graph and spec checks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/file.h"
#include "tf/example_models.h"
#include "tf/functional_model.h"
#include "tf/functional_model_writer.h"
#include "tf/saved_model.h"

namespace {

const tb::tf::BundleReader* Variables() {
  static const tb::tf::BundleReader* reader = [] {
    auto dir = tb::MakeTempDir("tb_saved_model_fuzzer");
    auto model = tb::tf::BuildMlpModel({.input_dim = 4, .hidden_units = 3});
    if (!dir.ok() || !model.ok() || !tb::tf::WriteFunctionalModel(*model, *dir).ok()) std::abort();
    auto r = tb::tf::OpenSavedModelVariables(*dir);
    if (!r.ok()) std::abort();
    return r->release();
  }();
  return reader;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tb::tf::BundleReader* variables = Variables();
  auto sm = tb::tf::ParseSavedModel(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!sm.ok()) return 0;
  (void)tb::tf::LoadFunctionalModelFrom(*sm, *variables, "fuzz");
  return 0;
}
