// The elementwise functions, generated from ops.def, and the operators.
#include "kiln/elementwise.hpp"

#include "api/apply.hpp"
#include "graph/types.hpp"

namespace kiln {

using detail::apply;
using graph::Op;

#define KILN_LEAF_OP(...)
#define KILN_SPECIAL_OP(...)
#define KILN_DEFINE_0(Name, fn)
#define KILN_DEFINE_1(Name, fn)   \
  Array fn(const Operand& a) {    \
    return apply(Op::Name, {&a}); \
  }
#define KILN_DEFINE_2(Name, fn)                  \
  Array fn(const Operand& a, const Operand& b) { \
    return apply(Op::Name, {&a, &b});            \
  }
#define KILN_DEFINE_3(Name, fn)                                    \
  Array fn(const Operand& a, const Operand& b, const Operand& c) { \
    return apply(Op::Name, {&a, &b, &c});                          \
  }
#define KILN_OP(Name, fn, arity, rule, flags, cost, libm) KILN_DEFINE_##arity(Name, fn)
#include "graph/ops.def"
#undef KILN_OP
#undef KILN_DEFINE_0
#undef KILN_DEFINE_1
#undef KILN_DEFINE_2
#undef KILN_DEFINE_3

Array clip(const Operand& a, const Operand& lo, const Operand& hi) {
  // numpy's clip is minimum(maximum(a, lo), hi), nan-propagating, in the result type of all
  // three operands: clipping a float32 array to 0.1 and an int64 array is float64 with 0.1 as
  // a float64. An array `a` is converted to that type first, so no step rounds a bound.
  const graph::OperandType types[3] = {detail::operand_type(a), detail::operand_type(lo),
                                       detail::operand_type(hi)};
  const DType common = graph::result_type(types);
  if (a.is_array() && a.array().dtype() != common) {
    const Array widened = detail::cast(a.array(), common, detail::to_loc(a.loc()));
    const Array low = maximum(Operand(widened, a.loc()), lo);
    return minimum(Operand(low, a.loc()), hi);
  }
  const Array low = maximum(a, lo);
  return minimum(Operand(low, a.loc()), hi);
}

Array astype(const Operand& a, DType dtype) {
  const graph::SourceLoc loc = detail::to_loc(a.loc());
  if (a.is_array()) return detail::cast(a.array(), dtype, loc);
  // A C++ scalar: a 0-d array of its default dtype, then converted.
  const Scalar& s = a.scalar();
  const DType own = s.kind == Scalar::Kind::complex_ ? complex128
                    : s.kind == Scalar::Kind::float_ ? float64
                    : s.kind == Scalar::Kind::int_   ? int64
                                                     : bool_;
  return detail::cast(
      detail::constant(s, own, {}, "astype", loc, detail::default_device_id("astype", loc)), dtype,
      loc);
}

Array operator+(const Operand& a, const Operand& b) {
  return add(a, b);
}
Array operator-(const Operand& a, const Operand& b) {
  return subtract(a, b);
}
Array operator*(const Operand& a, const Operand& b) {
  return multiply(a, b);
}
Array operator/(const Operand& a, const Operand& b) {
  return divide(a, b);
}
Array operator%(const Operand& a, const Operand& b) {
  return remainder(a, b);
}
Array operator-(const Operand& a) {
  return negative(a);
}
Array operator==(const Operand& a, const Operand& b) {
  return equal(a, b);
}
Array operator!=(const Operand& a, const Operand& b) {
  return not_equal(a, b);
}
Array operator<(const Operand& a, const Operand& b) {
  return less(a, b);
}
Array operator<=(const Operand& a, const Operand& b) {
  return less_equal(a, b);
}
Array operator>(const Operand& a, const Operand& b) {
  return greater(a, b);
}
Array operator>=(const Operand& a, const Operand& b) {
  return greater_equal(a, b);
}
Array operator&(const Operand& a, const Operand& b) {
  return bitwise_and(a, b);
}
Array operator|(const Operand& a, const Operand& b) {
  return bitwise_or(a, b);
}
Array operator^(const Operand& a, const Operand& b) {
  return bitwise_xor(a, b);
}
Array operator~(const Operand& a) {
  return invert(a);
}
Array operator<<(const Operand& a, const Operand& b) {
  return left_shift(a, b);
}
Array operator>>(const Operand& a, const Operand& b) {
  return right_shift(a, b);
}

namespace {
// numpy's in-place rules: the result keeps the target's shape (`b` may broadcast into it, not
// widen it: numpy's "non-broadcastable output operand") and must cast back to the target's
// dtype under "same_kind".
Array& assign_in_place(Array& a, Array result, std::string_view fn, const Operand& b) {
  const graph::SourceLoc loc = detail::to_loc(b.loc());
  if (result.shape() != a.shape())
    graph::throw_error(fn,
                       "the operand of shape " + graph::shape_string(b.array().shape()) +
                           " does not broadcast into the in-place target of shape " +
                           graph::shape_string(a.shape()) + "; write a = a " +
                           std::string(fn == "add"        ? "+"
                                       : fn == "subtract" ? "-"
                                       : fn == "multiply" ? "*"
                                                          : "/") +
                           " b for a result of the broadcast shape",
                       loc);
  if (result.dtype() != a.dtype()) {
    if (!graph::can_cast_same_kind(result.dtype(), a.dtype()))
      graph::throw_error(fn,
                         "cannot cast the result from " + std::string(dtype_name(result.dtype())) +
                             " to " + std::string(dtype_name(a.dtype())) +
                             " in place (numpy's same_kind rule); write a = a " +
                             std::string(fn == "add"        ? "+"
                                         : fn == "subtract" ? "-"
                                         : fn == "multiply" ? "*"
                                                            : "/") +
                             " b to get a new dtype",
                         loc);
    result = detail::cast(result, a.dtype(), loc);
  }
  a = std::move(result);
  return a;
}
}  // namespace

Array& operator+=(Array& a, const Operand& b) {
  return assign_in_place(a, add(Operand(a, b.loc()), b), "add", b);
}
Array& operator-=(Array& a, const Operand& b) {
  return assign_in_place(a, subtract(Operand(a, b.loc()), b), "subtract", b);
}
Array& operator*=(Array& a, const Operand& b) {
  return assign_in_place(a, multiply(Operand(a, b.loc()), b), "multiply", b);
}
Array& operator/=(Array& a, const Operand& b) {
  return assign_in_place(a, divide(Operand(a, b.loc()), b), "divide", b);
}

Array round(const Array& a, int decimals, std::source_location l) {
  const graph::SourceLoc loc = detail::to_loc(l);
  const DType t = detail::node_of(a, "round", loc)->dtype;
  if (t == bool_)
    graph::throw_error("round", "is not defined for bools (numpy refuses it too)", loc);
  if (is_integer(t))
    return decimals >= 0 ? a : round(a.astype(float64, l), decimals, l).astype(t, l);
  if (is_complex(t))
    return complex(Operand(round(real(Operand(a, l)), decimals, l), l),
                   Operand(round(imag(Operand(a, l)), decimals, l), l));
  double f = 1;  // 10 ** |decimals|, exact up to 1e22 as numpy's
  for (int i = 0; i < (decimals < 0 ? -decimals : decimals); ++i) f *= 10;
  const Operand x(a, l), factor(f, l);
  if (decimals >= 0) return divide(Operand(rint(Operand(multiply(x, factor), l)), l), factor);
  return multiply(Operand(rint(Operand(divide(x, factor), l)), l), factor);
}

Array around(const Array& a, int decimals, std::source_location l) {
  return round(a, decimals, l);
}

}  // namespace kiln
