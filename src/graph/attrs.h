// Node attributes as tensorflow.AttrValue (so they export to NodeDef/FunctionDef losslessly), with typed readers
// and small constructors. AttrMap is sorted so everything built from it is deterministic. Readers never guess:
// a missing or wrongly kinded attr is an error naming the attr.
#ifndef TASKBUILDER_GRAPH_ATTRS_H_
#define TASKBUILDER_GRAPH_ATTRS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "graph/types.h"
#include "tensorflow/attr_value.pb.h"
#include "tensorflow/op_def.pb.h"
#include "tf/dtype.h"
#include "tf/tensor.h"

namespace tb::graph {

using AttrMap = std::map<std::string, tensorflow::AttrValue, std::less<>>;
using ProtoAttrMap = google::protobuf::Map<std::string, tensorflow::AttrValue>;

// A read-only view over either attr container (the IR's sorted map or a NodeDef's proto map), so kernels and
// shape functions take attrs from the IR, a GraphDef or a Flex NodeDef without copying.
class AttrView {
 public:
  AttrView() = default;
  AttrView(const AttrMap& map) : map_(&map) {}                 // NOLINT: implicit by design
  AttrView(const ProtoAttrMap& proto) : proto_(&proto) {}      // NOLINT: implicit by design
  // The same view, falling back to `op`'s default values for attrs the container lacks.
  AttrView WithDefaults(const tensorflow::OpDef* op) const {
    AttrView v = *this;
    v.defaults_ = op;
    return v;
  }
  // nullptr when absent (and, with defaults, when the OpDef has no default either).
  const tensorflow::AttrValue* Find(std::string_view name) const;
  // Attr names present in the container, in sorted order (defaults not included).
  std::vector<std::string> Names() const;

 private:
  const AttrMap* map_ = nullptr;
  const ProtoAttrMap* proto_ = nullptr;
  const tensorflow::OpDef* defaults_ = nullptr;
};

// Typed readers of one AttrValue; `name` is used in error messages only.
absl::StatusOr<int64_t> AttrAsInt(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<float> AttrAsFloat(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<bool> AttrAsBool(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<std::string> AttrAsString(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<tf::DType> AttrAsType(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<PartialShape> AttrAsShape(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<std::vector<int64_t>> AttrAsIntList(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<std::vector<float>> AttrAsFloatList(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<std::vector<std::string>> AttrAsStringList(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<std::vector<tf::DType>> AttrAsTypeList(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<std::vector<PartialShape>> AttrAsShapeList(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<tf::Tensor> AttrAsTensor(const tensorflow::AttrValue& v, std::string_view name);
absl::StatusOr<tensorflow::NameAttrList> AttrAsFunc(const tensorflow::AttrValue& v, std::string_view name);

// Constructors.
tensorflow::AttrValue AttrInt(int64_t v);
tensorflow::AttrValue AttrFloat(float v);
tensorflow::AttrValue AttrBool(bool v);
tensorflow::AttrValue AttrString(std::string_view v);
tensorflow::AttrValue AttrType(tf::DType v);
tensorflow::AttrValue AttrShape(const PartialShape& v);
tensorflow::AttrValue AttrIntList(const std::vector<int64_t>& v);
tensorflow::AttrValue AttrFloatList(const std::vector<float>& v);
tensorflow::AttrValue AttrStringList(const std::vector<std::string>& v);
tensorflow::AttrValue AttrTypeList(const std::vector<tf::DType>& v);
tensorflow::AttrValue AttrShapeList(const std::vector<PartialShape>& v);
// Encodes like TF 2.14 Python: a uniform numeric tensor as one *_val entry, other numerics as tensor_content,
// strings as string_val.
tensorflow::AttrValue AttrTensor(const tf::Tensor& v);
tensorflow::AttrValue AttrFunc(std::string_view name, const AttrMap& attrs = {});

// Deterministic equality (protobuf maps compared as sorted maps; floats bitwise) and hash, for CSE.
bool AttrValuesEqual(const tensorflow::AttrValue& a, const tensorflow::AttrValue& b);
uint64_t HashAttrValue(const tensorflow::AttrValue& v);

// "i: 3", "type: DT_FLOAT", "list(int) [1,2,2,1]" — short, for error messages and debug dumps.
std::string AttrSummary(const tensorflow::AttrValue& v);

}  // namespace tb::graph

#endif  // TASKBUILDER_GRAPH_ATTRS_H_
