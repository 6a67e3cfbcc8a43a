#include "tflite/lower_window.h"

namespace tb::tflite {

absl::StatusOr<graph::Window2D> BuiltinWindow(NodeContext& c, bool pool) {
  auto w = graph::ParseWindow2D(graph::AttrView(c.node().attrs()), pool);
  if (!w.ok()) {
    c.Fail(FromAbsl(w.status().message()));
    return c.status();
  }
  if (w->nchw) return c.NotBuiltin("NCHW layout");
  if (w->padding == graph::Padding::kExplicit) return c.NotBuiltin("EXPLICIT padding");
  return *w;
}

fb::Padding PaddingOf(const graph::Window2D& w) {
  return w.padding == graph::Padding::kSame ? fb::Padding::SAME : fb::Padding::VALID;
}

}  // namespace tb::tflite
