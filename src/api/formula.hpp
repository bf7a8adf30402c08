// Formula: a real array and the call site its ops are recorded at (the user's), with the
// arithmetic, comparison and math functions as operators and overloads, so that the
// compositions written from ops (complex_math.cpp, random_distributions.cpp) read as formulas.
#pragma once

#include <source_location>

#include "kiln/array.hpp"
#include "kiln/elementwise.hpp"

namespace kiln::detail {

/// An array and the call site that its operations are recorded at.
struct Formula {
  Array a;
  std::source_location l;
};

#define KILN_FORMULA_BINARY(sym, fn)                                                 \
  [[maybe_unused]] inline Formula operator sym(const Formula& x, const Formula& y) { \
    return {kiln::fn(Operand(x.a, x.l), Operand(y.a, x.l)), x.l};                    \
  }                                                                                  \
  [[maybe_unused]] inline Formula operator sym(const Formula& x, double y) {         \
    return {kiln::fn(Operand(x.a, x.l), Operand(y, x.l)), x.l};                      \
  }                                                                                  \
  [[maybe_unused]] inline Formula operator sym(double x, const Formula& y) {         \
    return {kiln::fn(Operand(x, y.l), Operand(y.a, y.l)), y.l};                      \
  }
KILN_FORMULA_BINARY(+, add)
KILN_FORMULA_BINARY(-, subtract)
KILN_FORMULA_BINARY(*, multiply)
KILN_FORMULA_BINARY(/, divide)
KILN_FORMULA_BINARY(<, less)
KILN_FORMULA_BINARY(<=, less_equal)
KILN_FORMULA_BINARY(>, greater)
KILN_FORMULA_BINARY(>=, greater_equal)
KILN_FORMULA_BINARY(==, equal)
KILN_FORMULA_BINARY(&&, logical_and)
KILN_FORMULA_BINARY(||, logical_or)
#undef KILN_FORMULA_BINARY

#define KILN_FORMULA_UNARY(fn)                           \
  [[maybe_unused]] inline Formula fn(const Formula& x) { \
    return {kiln::fn(Operand(x.a, x.l)), x.l};           \
  }
KILN_FORMULA_UNARY(abs)
KILN_FORMULA_UNARY(sqrt)
KILN_FORMULA_UNARY(exp)
KILN_FORMULA_UNARY(expm1)
KILN_FORMULA_UNARY(log)
KILN_FORMULA_UNARY(log1p)
KILN_FORMULA_UNARY(sin)
KILN_FORMULA_UNARY(cos)
KILN_FORMULA_UNARY(tan)
KILN_FORMULA_UNARY(sinh)
KILN_FORMULA_UNARY(cosh)
KILN_FORMULA_UNARY(floor)
KILN_FORMULA_UNARY(ceil)
KILN_FORMULA_UNARY(isinf)
KILN_FORMULA_UNARY(isnan)
KILN_FORMULA_UNARY(isfinite)
#undef KILN_FORMULA_UNARY

inline Formula operator-(const Formula& x) {
  return {negative(Operand(x.a, x.l)), x.l};
}
inline Formula operator!(const Formula& x) {
  return {logical_not(Operand(x.a, x.l)), x.l};
}
/// x ** y.
inline Formula pow(const Formula& x, const Formula& y) {
  return {kiln::power(Operand(x.a, x.l), Operand(y.a, x.l)), x.l};
}
/// arctan2(y, x).
inline Formula atan2(const Formula& y, const Formula& x) {
  return {arctan2(Operand(y.a, y.l), Operand(x.a, y.l)), y.l};
}
inline Formula hypot(const Formula& x, const Formula& y) {
  return {kiln::hypot(Operand(x.a, x.l), Operand(y.a, x.l)), x.l};
}
/// c ? a : b elementwise.
inline Formula where(const Formula& c, const Formula& a, const Formula& b) {
  return {kiln::where(Operand(c.a, c.l), Operand(a.a, c.l), Operand(b.a, c.l)), c.l};
}
inline Formula where(const Formula& c, double a, const Formula& b) {
  return {kiln::where(Operand(c.a, c.l), Operand(a, c.l), Operand(b.a, c.l)), c.l};
}

}  // namespace kiln::detail
