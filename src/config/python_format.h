// Renders values the way the original (Python) task builder embedded them in its messages, so our validation
// errors are byte-identical to the original's (behavior.md §3.0). Never use it for anything machine-read.
#ifndef TASKBUILDER_CONFIG_PYTHON_FORMAT_H_
#define TASKBUILDER_CONFIG_PYTHON_FORMAT_H_

#include <string>
#include <string_view>

namespace tb::config {

// Python's repr(float) for a double: the shortest digits that round-trip, in fixed notation with a fractional part
// when 1e-4 <= |v| < 1e16 ("12.0", "0.001", "-0.0"), else scientific with a signed two-digit-minimum exponent
// ("1e-05", "3.3333333333333335e-07", "1e+16"); "inf", "-inf", "nan".
std::string PyFloatRepr(double v);

// Python's str.lstrip() with no argument: drops leading characters for which str.isspace() is true (ASCII and
// Unicode white space, UTF-8 encoded). Invalid UTF-8 stops the stripping.
std::string_view PyLStrip(std::string_view s);

}  // namespace tb::config

#endif  // TASKBUILDER_CONFIG_PYTHON_FORMAT_H_
