#include "config/python_format.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace tb::config {
namespace {

TEST(PyFloatReprTest, FixedNotationKeepsAFractionalPart) {
  EXPECT_EQ(PyFloatRepr(12.0), "12.0");
  EXPECT_EQ(PyFloatRepr(-0.1), "-0.1");
  EXPECT_EQ(PyFloatRepr(0.001), "0.001");
  EXPECT_EQ(PyFloatRepr(2.0), "2.0");
  EXPECT_EQ(PyFloatRepr(-1.0), "-1.0");
  EXPECT_EQ(PyFloatRepr(0.0), "0.0");
  EXPECT_EQ(PyFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PyFloatRepr(123456.789), "123456.789");
  EXPECT_EQ(PyFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PyFloatRepr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(PyFloatRepr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(PyFloatRepr(6.194758582487926), "6.194758582487926");
}

TEST(PyFloatReprTest, ScientificNotationOutsideTheFixedRange) {
  EXPECT_EQ(PyFloatRepr(1e-05), "1e-05");
  EXPECT_EQ(PyFloatRepr(1.0 / 3000000), "3.3333333333333335e-07");
  EXPECT_EQ(PyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PyFloatRepr(1.5e-07), "1.5e-07");
  EXPECT_EQ(PyFloatRepr(1e-100), "1e-100");
  EXPECT_EQ(PyFloatRepr(-2.5e+300), "-2.5e+300");
  EXPECT_EQ(PyFloatRepr(1e-9), "1e-09");
  EXPECT_EQ(PyFloatRepr(5e-324), "5e-324");
  EXPECT_EQ(PyFloatRepr(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(PyFloatRepr(1.2345e22), "1.2345e+22");
}

TEST(PyFloatReprTest, NonFiniteValues) {
  EXPECT_EQ(PyFloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(PyFloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(PyFloatRepr(std::nan("")), "nan");
}

TEST(PyLStripTest, StripsAsciiAndUnicodeWhiteSpaceOnlyAtTheFront) {
  EXPECT_EQ(PyLStrip("  a b "), "a b ");
  EXPECT_EQ(PyLStrip("\t\n\x0b\x0c\r\x1c\x1fx"), "x");
  EXPECT_EQ(PyLStrip("\xc2\xa0\xe3\x80\x80x"), "x");  // U+00A0, U+3000
  EXPECT_EQ(PyLStrip("\xe2\x80\x8bx"), "\xe2\x80\x8bx");  // U+200B is not white space in Python
  EXPECT_EQ(PyLStrip(""), "");
  EXPECT_EQ(PyLStrip("   "), "");
}

}  // namespace
}  // namespace tb::config
