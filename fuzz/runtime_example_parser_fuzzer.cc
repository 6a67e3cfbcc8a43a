// tf.Example parsing on arbitrary bytes: the zero-copy view and ParseExampleV2's dense/sparse semantics.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/data/example.h"
#include "runtime/data/parse_example.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto view = tb::runtime::data::ExampleView::Parse(bytes);
  if (view.ok()) {
    for (const auto& [name, values] : view->features()) {
      auto count = values.Count();
      if (!count.ok() || *count > 4096) continue;
      std::vector<float> f(*count);
      std::vector<int64_t> i(*count);
      std::vector<std::string> s(*count);
      (void)values.DecodeFloats(absl::MakeSpan(f));
      (void)values.DecodeInt64s(absl::MakeSpan(i));
      (void)values.DecodeBytes(absl::MakeSpan(s));
    }
  }
  tb::runtime::data::ParseExampleSpec spec;
  spec.dense.push_back({"x", tb::tf::DType::kFloat, {4}, tb::tf::Tensor::FromVector<float>({0, 0, 0, 0})});
  spec.dense.push_back({"ids", tb::tf::DType::kInt64, {-1}, {}});
  spec.dense.push_back({"s", tb::tf::DType::kString, {}, tb::tf::Tensor::FromVector<std::string>({""})});
  spec.sparse.push_back({"tags", tb::tf::DType::kString});
  (void)tb::runtime::data::ParseExamples({bytes, bytes}, spec);
  return 0;
}
