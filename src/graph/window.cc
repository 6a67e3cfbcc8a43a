#include "graph/window.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::graph {

absl::StatusOr<WindowDim> ComputeWindow(int64_t input, int64_t window, int64_t stride, int64_t dilation,
                                        Padding padding, int64_t explicit_before, int64_t explicit_after) {
  if (window < 1 || stride < 1 || dilation < 1) {
    return absl::InvalidArgumentError("window, stride and dilation must be positive");
  }
  if (window > kMaxDim || stride > kMaxDim || dilation > kMaxDim) {
    return absl::InvalidArgumentError("window, stride or dilation is absurdly large");
  }
  const int64_t effective = (window - 1) * dilation + 1;
  WindowDim d;
  if (input < 0) return d;
  switch (padding) {
    case Padding::kValid:
      d.out = (input - effective + stride) / stride;
      if (input < effective) d.out = 0;
      break;
    case Padding::kSame: {
      d.out = (input + stride - 1) / stride;
      const int64_t total = std::max<int64_t>((d.out - 1) * stride + effective - input, 0);
      d.pad_before = total / 2;
      d.pad_after = total - d.pad_before;
      break;
    }
    case Padding::kExplicit:
      if (explicit_before < 0 || explicit_after < 0) return absl::InvalidArgumentError("negative explicit padding");
      d.pad_before = explicit_before;
      d.pad_after = explicit_after;
      d.out = (input + explicit_before + explicit_after - effective) / stride + 1;
      if (input + explicit_before + explicit_after < effective) d.out = 0;
      break;
  }
  if (d.out <= 0 && input > 0) {
    return absl::InvalidArgumentError(absl::StrCat("window of size ", effective, " does not fit an input of size ",
                                                   input));
  }
  return d;
}

absl::StatusOr<Window2D> ParseWindow2D(AttrView attrs, bool pool) {
  Window2D w;
  auto get = [&](const char* name) -> absl::StatusOr<const tensorflow::AttrValue*> {
    const tensorflow::AttrValue* v = attrs.Find(name);
    if (v == nullptr) return absl::InvalidArgumentError(absl::StrCat("missing attr '", name, "'"));
    return v;
  };
  std::string format = "NHWC";
  if (const auto* f = attrs.Find("data_format")) {
    TB_ASSIGN_OR_RETURN(format, AttrAsString(*f, "data_format"));
  }
  if (format != "NHWC" && format != "NCHW") {
    return absl::InvalidArgumentError(absl::StrCat("unsupported data_format '", format, "'"));
  }
  w.nchw = format == "NCHW";
  TB_ASSIGN_OR_RETURN(const tensorflow::AttrValue* p, get("padding"));
  TB_ASSIGN_OR_RETURN(std::string padding, AttrAsString(*p, "padding"));
  if (padding == "VALID") w.padding = Padding::kValid;
  else if (padding == "SAME") w.padding = Padding::kSame;
  else if (padding == "EXPLICIT") w.padding = Padding::kExplicit;
  else return absl::InvalidArgumentError(absl::StrCat("unsupported padding '", padding, "'"));

  auto four = [&](const char* name, std::vector<int64_t> fallback) -> absl::StatusOr<std::vector<int64_t>> {
    const tensorflow::AttrValue* v = attrs.Find(name);
    std::vector<int64_t> list = fallback;
    if (v != nullptr) {
      TB_ASSIGN_OR_RETURN(list, AttrAsIntList(*v, name));
    }
    if (list.size() != 4) {
      return absl::InvalidArgumentError(absl::StrCat("attr '", name, "' must have 4 entries, has ", list.size()));
    }
    for (int64_t x : list) {
      if (x < 1 || x > kMaxDim) return absl::InvalidArgumentError(absl::StrCat("attr '", name, "' has entry ", x));
    }
    const int n = 0, c = w.nchw ? 1 : 3;
    if (list[n] != 1 || list[c] != 1) {
      return absl::UnimplementedError(absl::StrCat("attr '", name, "' must be 1 in the batch and channel dimensions"));
    }
    return list;
  };
  TB_ASSIGN_OR_RETURN(auto strides, four("strides", {}));
  w.stride_h = strides[w.h_axis()];
  w.stride_w = strides[w.w_axis()];
  if (pool) {
    TB_ASSIGN_OR_RETURN(auto ksize, four("ksize", {}));
    w.ksize_h = ksize[w.h_axis()];
    w.ksize_w = ksize[w.w_axis()];
  } else {
    TB_ASSIGN_OR_RETURN(auto dilations, four("dilations", {1, 1, 1, 1}));
    w.dilation_h = dilations[w.h_axis()];
    w.dilation_w = dilations[w.w_axis()];
  }
  if (w.padding == Padding::kExplicit) {
    std::vector<int64_t> ep;
    if (const auto* v = attrs.Find("explicit_paddings")) {
      TB_ASSIGN_OR_RETURN(ep, AttrAsIntList(*v, "explicit_paddings"));
    }
    if (ep.size() != 8) return absl::InvalidArgumentError("explicit_paddings must have 8 entries for EXPLICIT padding");
    for (int64_t x : ep) {
      if (x < 0 || x > kMaxDim) return absl::InvalidArgumentError("explicit_paddings entries must be non-negative");
    }
    w.pad_top = ep[2 * w.h_axis()];
    w.pad_bottom = ep[2 * w.h_axis() + 1];
    w.pad_left = ep[2 * w.w_axis()];
    w.pad_right = ep[2 * w.w_axis() + 1];
  }
  return w;
}

}  // namespace tb::graph
