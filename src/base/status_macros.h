// Propagation helpers for absl::Status / absl::StatusOr, so error paths read as one line each.
// Errors are values everywhere in taskbuilder (DESIGN.md §5); these macros never throw.
#ifndef TASKBUILDER_BASE_STATUS_MACROS_H_
#define TASKBUILDER_BASE_STATUS_MACROS_H_

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define TB_CONCAT_INNER_(a, b) a##b
#define TB_CONCAT_(a, b) TB_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status or StatusOr) is not OK.
#define TB_RETURN_IF_ERROR(expr)                                   \
  do {                                                             \
    const absl::Status tb_status_ = ::tb::internal::ToStatus(expr); \
    if (!tb_status_.ok()) return tb_status_;                       \
  } while (0)

// TB_ASSIGN_OR_RETURN(auto x, MakeX()); assigns the value or returns the error.
#define TB_ASSIGN_OR_RETURN(lhs, expr) \
  TB_ASSIGN_OR_RETURN_IMPL_(TB_CONCAT_(tb_statusor_, __LINE__), lhs, expr)
#define TB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

namespace tb {

// Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so absl::string_view is a distinct type.
// Our APIs take std::string_view; convert at the boundary when calling absl::StrCat/StrFormat/Status.
inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view FromAbsl(absl::string_view s) { return std::string_view(s.data(), s.size()); }

namespace internal {
inline const absl::Status& ToStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& ToStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
}  // namespace internal

// Returns `status` with `context: ` prepended to its message, keeping the code. OK passes through.
inline absl::Status Annotate(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(ToAbsl(context), ": ", status.message()));
}

}  // namespace tb

#endif  // TASKBUILDER_BASE_STATUS_MACROS_H_
