#include "tflite/flex_allowlist.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "base/status_macros.h"

namespace tb::tflite {
namespace {

// ODP v0.7.1 python/taskbuilder/support_ops.csv, as data.
constexpr std::string_view kDefaultCsv =
    "341812000,AsString\n"
    "341812000,AnonymousIteratorV3\n"
    "341812000,BatchDatasetV2\n"
    "341812000,BroadcastGradientArgs\n"
    "341812000,ConcatOffset\n"
    "341812000,ExternalDataset\n"
    "341812000,IteratorGetNextAsOptional\n"
    "341812000,MakeIterator\n"
    "341812000,MapDataset\n"
    "341812000,OptionalGetValue\n"
    "341812000,OptionalHasValue\n"
    "341812000,ParseExampleV2\n"
    "341812000,RestoreV2\n"
    "341812000,ReduceDataset\n"
    "341812000,ReluGrad\n"
    "341812000,Relu6\n"
    "341812000,SaveSlices\n"
    "341812000,ShapeN\n"
    "341812000,Split\n"
    "341812000,StridedSliceGrad\n"
    "341812000,StringToHashBucketFast\n"
    "341812000,TakeDataset\n"
    "341812000,_TensorToHashBucketFast\n"
    "341912000,L2Loss\n";

}  // namespace

const FlexAllowlist& FlexAllowlist::Default() {
  static const FlexAllowlist* list = new FlexAllowlist(*ParseCsv(kDefaultCsv));
  return *list;
}

absl::StatusOr<FlexAllowlist> FlexAllowlist::ParseCsv(std::string_view csv) {
  FlexAllowlist list;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(ToAbsl(csv), '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, ',');
    int64_t version = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(parts[0]), &version) || version < 0) {
      return absl::InvalidArgumentError(absl::StrCat("flex op allowlist line ", line_no, ": expected 'version,op', got '",
                                                     line, "'"));
    }
    absl::string_view op = absl::StripAsciiWhitespace(parts[1]);
    if (op.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("flex op allowlist line ", line_no, ": empty op name"));
    }
    list.ops_[std::string(op)] = version;
  }
  return list;
}

std::optional<int64_t> FlexAllowlist::VersionOf(std::string_view op) const {
  auto it = ops_.find(op);
  if (it == ops_.end()) return std::nullopt;
  return it->second;
}

AllowlistVerdict CheckFlexOps(const std::vector<std::string>& ops, const FlexAllowlist& allowlist) {
  AllowlistVerdict verdict;
  for (const std::string& op : ops) {
    std::optional<int64_t> version = allowlist.VersionOf(op);
    if (!version.has_value()) {
      verdict.unsupported.push_back(op);
    } else {
      verdict.min_client_version = std::max(verdict.min_client_version, *version);
    }
  }
  std::sort(verdict.unsupported.begin(), verdict.unsupported.end());
  verdict.unsupported.erase(std::unique(verdict.unsupported.begin(), verdict.unsupported.end()),
                            verdict.unsupported.end());
  return verdict;
}

}  // namespace tb::tflite
