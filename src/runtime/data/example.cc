#include "runtime/data/example.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/coding.h"
#include "base/status_macros.h"

namespace tb::runtime::data {
namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed tf.Example: ", ToAbsl(what)));
}

// Reads one field header and, for length-delimited fields, the payload. Skips nothing.
struct Field {
  uint32_t number = 0;
  int wire = 0;
  uint64_t varint = 0;
  std::string_view bytes;  // payload of a length-delimited field, or the 4/8 raw bytes of fixed fields
};

bool NextField(std::string_view* in, Field* f) {
  uint64_t key;
  if (!GetVarint64(in, &key)) return false;
  f->number = static_cast<uint32_t>(key >> 3);
  f->wire = static_cast<int>(key & 7);
  if (f->number == 0) return false;
  switch (f->wire) {
    case kVarint:
      return GetVarint64(in, &f->varint);
    case kFixed64:
      if (in->size() < 8) return false;
      f->bytes = in->substr(0, 8);
      in->remove_prefix(8);
      return true;
    case kFixed32:
      if (in->size() < 4) return false;
      f->bytes = in->substr(0, 4);
      in->remove_prefix(4);
      return true;
    case kLengthDelimited: {
      uint64_t len;
      if (!GetVarint64(in, &len) || len > in->size()) return false;
      f->bytes = in->substr(0, len);
      in->remove_prefix(len);
      return true;
    }
    default:
      return false;  // groups are not valid in these messages
  }
}

void PutTag(std::string* out, uint32_t number, int wire) { PutVarint32(out, (number << 3) | wire); }

void PutLengthDelimited(std::string* out, uint32_t number, std::string_view payload) {
  PutTag(out, number, kLengthDelimited);
  PutVarint64(out, payload.size());
  out->append(payload);
}

// Appends the Features.feature map entry {key: name, value: Feature{<kind>: list}}.
void PutFeature(std::string* features, std::string_view name, uint32_t kind_field, std::string_view list) {
  std::string feature;
  PutLengthDelimited(&feature, kind_field, list);
  std::string entry;
  PutLengthDelimited(&entry, 1, name);
  PutLengthDelimited(&entry, 2, feature);
  PutLengthDelimited(features, 1, entry);
}

}  // namespace

std::string_view FeatureKindName(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::kBytes: return "bytes";
    case FeatureKind::kFloat: return "float";
    case FeatureKind::kInt64: return "int64";
    default: return "none";
  }
}

tf::DType FeatureKindDType(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::kBytes: return tf::DType::kString;
    case FeatureKind::kFloat: return tf::DType::kFloat;
    case FeatureKind::kInt64: return tf::DType::kInt64;
    default: return tf::DType::kInvalid;
  }
}

absl::StatusOr<int64_t> FeatureValues::Count() const {
  std::string_view in = list_;
  int64_t count = 0;
  Field f;
  while (!in.empty()) {
    if (!NextField(&in, &f)) return Malformed(absl::StrCat(ToAbsl(FeatureKindName(kind_)), " list"));
    if (f.number != 1) continue;  // unknown fields are skipped, as protobuf does
    switch (kind_) {
      case FeatureKind::kFloat:
        if (f.wire == kFixed32) {
          ++count;
        } else if (f.wire == kLengthDelimited) {
          if (f.bytes.size() % 4 != 0) return Malformed("packed float list length is not a multiple of 4");
          count += static_cast<int64_t>(f.bytes.size() / 4);
        } else {
          return Malformed("float list value has the wrong wire type");
        }
        break;
      case FeatureKind::kInt64:
        if (f.wire == kVarint) {
          ++count;
        } else if (f.wire == kLengthDelimited) {
          std::string_view packed = f.bytes;
          uint64_t v;
          while (!packed.empty()) {
            if (!GetVarint64(&packed, &v)) return Malformed("packed int64 list");
            ++count;
          }
        } else {
          return Malformed("int64 list value has the wrong wire type");
        }
        break;
      case FeatureKind::kBytes:
        if (f.wire != kLengthDelimited) return Malformed("bytes list value has the wrong wire type");
        ++count;
        break;
      default:
        break;
    }
  }
  return count;
}

absl::Status FeatureValues::DecodeFloats(absl::Span<float> out) const {
  if (kind_ != FeatureKind::kFloat) return absl::InvalidArgumentError("not a float list");
  std::string_view in = list_;
  size_t i = 0;
  Field f;
  while (!in.empty()) {
    if (!NextField(&in, &f)) return Malformed("float list");
    if (f.number != 1) continue;
    size_t n = f.wire == kFixed32 ? 1 : f.bytes.size() / 4;
    if (i + n > out.size()) return absl::InvalidArgumentError("float list longer than its output");
    if (n == 0) continue;  // an empty packed list; memcpy with an empty span's null data() is undefined
    std::memcpy(out.data() + i, f.bytes.data(), n * 4);
    i += n;
  }
  if (i != out.size()) return absl::InvalidArgumentError("float list shorter than its output");
  return absl::OkStatus();
}

absl::Status FeatureValues::DecodeInt64s(absl::Span<int64_t> out) const {
  if (kind_ != FeatureKind::kInt64) return absl::InvalidArgumentError("not an int64 list");
  std::string_view in = list_;
  size_t i = 0;
  Field f;
  while (!in.empty()) {
    if (!NextField(&in, &f)) return Malformed("int64 list");
    if (f.number != 1) continue;
    if (f.wire == kVarint) {
      if (i >= out.size()) return absl::InvalidArgumentError("int64 list longer than its output");
      out[i++] = static_cast<int64_t>(f.varint);
      continue;
    }
    std::string_view packed = f.bytes;
    uint64_t v;
    while (!packed.empty()) {
      if (!GetVarint64(&packed, &v)) return Malformed("packed int64 list");
      if (i >= out.size()) return absl::InvalidArgumentError("int64 list longer than its output");
      out[i++] = static_cast<int64_t>(v);
    }
  }
  if (i != out.size()) return absl::InvalidArgumentError("int64 list shorter than its output");
  return absl::OkStatus();
}

absl::Status FeatureValues::DecodeBytes(absl::Span<std::string> out) const {
  if (kind_ != FeatureKind::kBytes) return absl::InvalidArgumentError("not a bytes list");
  std::string_view in = list_;
  size_t i = 0;
  Field f;
  while (!in.empty()) {
    if (!NextField(&in, &f)) return Malformed("bytes list");
    if (f.number != 1) continue;
    if (i >= out.size()) return absl::InvalidArgumentError("bytes list longer than its output");
    out[i++] = std::string(f.bytes);
  }
  if (i != out.size()) return absl::InvalidArgumentError("bytes list shorter than its output");
  return absl::OkStatus();
}

absl::StatusOr<ExampleView> ExampleView::Parse(std::string_view serialized) {
  ExampleView view;
  std::string_view in = serialized;
  Field f;
  while (!in.empty()) {
    if (!NextField(&in, &f)) return Malformed("Example");
    if (f.number != 1 || f.wire != kLengthDelimited) continue;  // Example.features
    std::string_view features = f.bytes;
    Field entry;
    while (!features.empty()) {
      if (!NextField(&features, &entry)) return Malformed("Features");
      if (entry.number != 1 || entry.wire != kLengthDelimited) continue;  // Features.feature map entry
      std::string_view name;
      FeatureValues values;
      std::string_view e = entry.bytes;
      Field kv;
      while (!e.empty()) {
        if (!NextField(&e, &kv)) return Malformed("feature map entry");
        if (kv.wire != kLengthDelimited) continue;
        if (kv.number == 1) {
          name = kv.bytes;
        } else if (kv.number == 2) {
          values = FeatureValues();  // a later value field replaces an earlier one
          std::string_view feature = kv.bytes;
          Field kind;
          while (!feature.empty()) {
            if (!NextField(&feature, &kind)) return Malformed(absl::StrCat("feature '", ToAbsl(name), "'"));
            if (kind.wire != kLengthDelimited || kind.number < 1 || kind.number > 3) continue;
            values = FeatureValues(kind.number == 1   ? FeatureKind::kBytes
                                   : kind.number == 2 ? FeatureKind::kFloat
                                                      : FeatureKind::kInt64,
                                   kind.bytes);
          }
        }
      }
      auto [it, inserted] = view.index_.try_emplace(name, view.features_.size());
      if (inserted) {
        view.features_.emplace_back(name, values);
      } else {
        view.features_[it->second].second = values;
      }
    }
  }
  return view;
}

const FeatureValues* ExampleView::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &features_[it->second].second;
}

ExampleBuilder& ExampleBuilder::AddFloats(std::string_view name, absl::Span<const float> values) {
  std::string packed(values.size() * 4, '\0');
  if (!values.empty()) std::memcpy(packed.data(), values.data(), packed.size());
  std::string list;
  if (!values.empty()) PutLengthDelimited(&list, 1, packed);
  PutFeature(&features_, name, 2, list);
  return *this;
}

ExampleBuilder& ExampleBuilder::AddInt64s(std::string_view name, absl::Span<const int64_t> values) {
  std::string packed;
  for (int64_t v : values) PutVarint64(&packed, static_cast<uint64_t>(v));
  std::string list;
  if (!values.empty()) PutLengthDelimited(&list, 1, packed);
  PutFeature(&features_, name, 3, list);
  return *this;
}

ExampleBuilder& ExampleBuilder::AddBytes(std::string_view name, absl::Span<const std::string> values) {
  std::string list;
  for (const std::string& v : values) PutLengthDelimited(&list, 1, v);
  PutFeature(&features_, name, 1, list);
  return *this;
}

std::string ExampleBuilder::Serialize() const {
  std::string out;
  PutLengthDelimited(&out, 1, features_);
  return out;
}

}  // namespace tb::runtime::data
