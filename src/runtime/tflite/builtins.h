// The table of TFLite builtin operators the interpreter can run, indexed by BuiltinOperator code. Each group of
// builtins lives in builtins/<group>.cc and adds itself through its Register* function (explicit calls, so the
// static linker cannot drop a group). IF and WHILE are not here: the interpreter runs them itself.
#ifndef TASKBUILDER_RUNTIME_TFLITE_BUILTINS_H_
#define TASKBUILDER_RUNTIME_TFLITE_BUILTINS_H_

#include <array>
#include <cstdint>
#include <vector>

#include "runtime/tflite/builtin_context.h"

namespace tb::runtime::tflite {

class BuiltinTable {
 public:
  static constexpr int kMaxCode = 256;
  // Every builtin taskbuilder implements.
  static const BuiltinTable& Get();

  void Add(fb::BuiltinOperator code, BuiltinFn fn) { fns_[static_cast<int>(code)] = fn; }
  // nullptr when the code is unsupported.
  BuiltinFn Find(int32_t code) const { return code >= 0 && code < kMaxCode ? fns_[code] : nullptr; }
  std::vector<int32_t> Codes() const;

 private:
  std::array<BuiltinFn, kMaxCode> fns_{};
};

// One per builtins/*.cc file.
void RegisterElementwiseBuiltins(BuiltinTable& table);
void RegisterUnaryBuiltins(BuiltinTable& table);
void RegisterReductionBuiltins(BuiltinTable& table);
void RegisterMatmulBuiltins(BuiltinTable& table);
void RegisterConvBuiltins(BuiltinTable& table);
void RegisterShapeBuiltins(BuiltinTable& table);
void RegisterSliceBuiltins(BuiltinTable& table);
void RegisterSelectBuiltins(BuiltinTable& table);

}  // namespace tb::runtime::tflite

#endif  // TASKBUILDER_RUNTIME_TFLITE_BUILTINS_H_
