// numpy's gcd, lcm, frexp, nextafter, spacing, real_if_close, packbits and unpackbits, as
// compositions of ops (lazy, fused, on every device): gcd is Euclid's algorithm unrolled to the
// longest chain the dtype allows (consecutive Fibonacci numbers), the float functions read the
// exponent through log2 with an exact correction, the bit packing is shifts and sums.
#include <cmath>
#include <limits>
#include <string>

#include "api/apply.hpp"
#include "api/formula.hpp"
#include "graph/errors.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"
#include "kiln/special.hpp"

namespace kiln {

namespace {

using detail::Formula;
using detail::to_loc;

// The dtype numpy's integer loops give a and b (bool and floats refused, as numpy has no loop).
DType integer_result(const Operand& a, const Operand& b, const char* fn) {
  const std::source_location& l = a.loc();
  const DType t = kiln::add(a, b).dtype();  // numpy's promotion, weak scalars included
  if (!is_integer(t))
    graph::throw_error(fn, "needs integer operands, got " + std::string(dtype_name(t)), to_loc(l));
  return t;
}

// gcd(|a|, |b|) of arrays of dtype t: Euclid's steps, as many as its longest chain.
Array euclid(const Array& a, const Array& b, DType t, const std::source_location& l) {
  const int bits = static_cast<int>(itemsize(t)) * 8;
  const int steps = bits == 8 ? 13 : bits == 16 ? 25 : bits == 32 ? 48 : 95;
  Formula x{kiln::abs(Operand(a, l)), l}, y{kiln::abs(Operand(b, l)), l};
  for (int k = 0; k < steps; ++k) {
    const Formula r{fmod(Operand(x.a, l), Operand(y.a, l)), l};  // 0 where y is 0
    x = where(y == 0.0, x, y);
    y = r;
  }
  return x.a;
}

// float64 values of `x` and numpy's float type for it.
struct FloatInput {
  Formula x;
  DType t;
};
FloatInput float_input(const Operand& x, const char* fn) {
  const std::source_location& l = x.loc();
  const DType t = detail::float_type(detail::operand_type(x).dtype, fn, to_loc(l));
  return {{astype(x, float64), l}, x.is_array() ? t : float64};
}

// The binary exponent e with |x| = m 2^e, m in [0.5, 1), of finite nonzero x (float64).
Formula exponent_of(const Formula& x) {
  const Formula a = abs(x);
  Formula e = floor(Formula{log2(Operand(a.a, a.l)), a.l}) + 1.0;
  const Formula m{
      ldexp(Operand(a.a, a.l), Operand(negative(Operand(e.a, a.l)).astype(int64, a.l), a.l)), a.l};
  e = where(m >= 1.0, e + 1.0, where(m < 0.5, e - 1.0, e));  // log2 rounded across a power of 2
  return e;
}

struct FloatFormat {
  int digits;            // significand bits
  double min_subnormal;  // the smallest positive value
  double max;            // the largest finite value
};
FloatFormat format_of(DType t) {
  if (t == float16) return {11, 0x1p-24, 65504.0};
  if (t == float32) return {24, 0x1p-149, static_cast<double>(std::numeric_limits<float>::max())};
  return {53, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()};
}

Formula pow2(const Formula& e) {
  return {ldexp(Operand(1.0, e.l), Operand(e.a.astype(int64, e.l), e.l)), e.l};
}

// numpy's nextafter in float64 arithmetic with t's format (exact: every value involved is one
// of t's).
Formula next_after(const Formula& x, const Formula& y, DType t) {
  const FloatFormat f = format_of(t);
  const Formula e = exponent_of(x);
  const Formula up = where(y > x, 1.0, Formula{full_like(x.a, -1.0, x.l), x.l});
  Formula step = pow2(e - static_cast<double>(f.digits));
  // Toward zero from a power of two the step halves.
  const Formula toward_zero = (up * x) < 0.0;
  const Formula power_of_two =
      Formula{ldexp(Operand(abs(x).a, x.l),
                    Operand(negative(Operand(e.a, x.l)).astype(int64, x.l), x.l)),
              x.l} == 0.5;
  step = where(toward_zero && power_of_two, step * 0.5, step);
  step = Formula{maximum(Operand(step.a, x.l), Operand(f.min_subnormal, x.l)), x.l};
  Formula r = x + up * step;
  r = where(x == 0.0,
            Formula{copysign(Operand(f.min_subnormal, x.l), Operand((y - x).a, x.l)), x.l}, r);
  r = where(Formula{isinf(Operand(x.a, x.l)), x.l},
            Formula{copysign(Operand(f.max, x.l), Operand(x.a, x.l)), x.l}, r);
  r = where(x == y, y, r);
  return where(Formula{logical_or(isnan(Operand(x.a, x.l)), isnan(Operand(y.a, x.l))), x.l},
               Formula{full_like(x.a, std::numeric_limits<double>::quiet_NaN(), x.l), x.l}, r);
}

// `a` moved so that `axis` is last, or flattened (nullopt).
Array axis_last(const Array& a, std::optional<int>& axis, const char* fn,
                const std::source_location& l) {
  if (!axis) return flatten(a, l);
  *axis = detail::normalize_axis(fn, *axis, a.ndim(), to_loc(l), nullptr);
  return moveaxis(a, *axis, -1, l);
}

Array bit_weights(bool little, const Array& like, const std::source_location& l) {
  std::vector<uint8_t> w(8);
  for (int k = 0; k < 8; ++k)
    w[static_cast<size_t>(k)] = static_cast<uint8_t>(1u << (little ? k : 7 - k));
  return detail::transfer(array(w, l), like.node()->device, to_loc(l));
}

bool little_order(std::string_view bitorder, const char* fn, const std::source_location& l) {
  if (bitorder != "big" && bitorder != "little")
    graph::throw_error(
        fn, "'order' must be either 'little' or 'big', got '" + std::string(bitorder) + "'",
        to_loc(l));
  return bitorder == "little";
}

}  // namespace

Array gcd(const Operand& a, const Operand& b) {
  const DType t = integer_result(a, b, "gcd");
  const std::source_location& l = a.loc();
  return euclid(astype(a, t), astype(b, t), t, l);
}

Array lcm(const Operand& a, const Operand& b) {
  const DType t = integer_result(a, b, "lcm");
  const std::source_location& l = a.loc();
  const Array x = kiln::abs(Operand(astype(a, t), l)), y = kiln::abs(Operand(astype(b, t), l));
  const Array g = euclid(x, y, t, l);
  const Array q = floor_divide(Operand(x, l), Operand(g, l));  // (0 where g is 0)
  return kiln::abs(Operand(multiply(Operand(q, l), Operand(y, l)), l));
}

std::pair<Array, Array> frexp(const Operand& x) {
  const FloatInput in = float_input(x, "frexp");
  const std::source_location& l = x.loc();
  const Formula& v = in.x;
  const Formula finite{
      logical_and(isfinite(Operand(v.a, l)), not_equal(Operand(v.a, l), Operand(0.0, l))), l};
  const Formula e = where(finite, exponent_of(v), Formula{zeros_like(v.a, l), l});
  const Formula m{ldexp(Operand(v.a, l), Operand(negative(Operand(e.a, l)).astype(int64, l), l)),
                  l};
  return {where(finite, m, v).a.astype(in.t, l), e.a.astype(int32, l)};
}

Array nextafter(const Operand& x1, const Operand& x2) {
  const std::source_location& l = x1.loc();
  const DType t = detail::float_type(kiln::add(x1, x2).dtype(), "nextafter", to_loc(l));
  const Formula x{astype(x1, float64), l}, y{astype(x2, float64), l};
  return next_after(x, y, t).a.astype(t, l);
}

Array spacing(const Operand& x) {
  const FloatInput in = float_input(x, "spacing");
  const std::source_location& l = x.loc();
  const Formula& v = in.x;
  // Away from zero; numpy's float16 loop always steps toward +inf (a positive spacing).
  const Array ones_like_v = full_like(v.a, 1.0, l);  // (on v's device)
  const Formula away{copysign(Operand(std::numeric_limits<double>::infinity(), l),
                              Operand(in.t == float16 ? ones_like_v : v.a, l)),
                     l};
  const Formula d = next_after(v, away, in.t) - v;
  return where(Formula{isinf(Operand(v.a, l)), l},
               Formula{full_like(v.a, std::numeric_limits<double>::quiet_NaN(), l), l}, d)
      .a.astype(in.t, l);
}

Array real_if_close(const Array& a, double tol, std::source_location l) {
  const DType t = detail::node_of(a, "real_if_close", to_loc(l))->dtype;
  if (!is_complex(t)) return a;
  if (tol > 1)
    tol *= t == complex64 ? std::numeric_limits<float>::epsilon()
                          : std::numeric_limits<double>::epsilon();
  const Array close =
      all(less(Operand(kiln::abs(Operand(imag(Operand(a, l)), l)), l), Operand(tol, l)), l);
  return close.item<bool>() ? real(Operand(a, l)) : a;  // the dtype depends on the data: a sync
}

Array packbits(const Array& a, std::optional<int> axis, std::string_view bitorder,
               std::source_location l) {
  const char* fn = "packbits";
  const DType t = detail::node_of(a, fn, to_loc(l))->dtype;
  if (!is_integer(t) && t != bool_)
    graph::throw_error(fn,
                       "Expected an input array of integer or boolean data type, got " +
                           std::string(dtype_name(t)),
                       to_loc(l));
  const bool little = little_order(bitorder, fn, l);
  std::optional<int> ax = axis;
  Array bits = not_equal(Operand(axis_last(a, ax, fn, l), l), Operand(0, l)).astype(uint8, l);
  Shape s = bits.shape();
  const int64_t n = s.back(), groups = (n + 7) / 8;
  if (groups * 8 != n) {
    Shape pad = s;
    pad.back() = groups * 8 - n;
    bits = concatenate({bits, zeros(pad, uint8, l)}, -1, l);
  }
  s.back() = groups;
  Shape split = s;
  split.push_back(8);
  const Array packed =
      sum(multiply(Operand(bits.reshape(split, l), l), Operand(bit_weights(little, bits, l), l)),
          -1, false, l)
          .astype(uint8, l);
  return ax ? moveaxis(packed, -1, *ax, l) : packed;
}

Array unpackbits(const Array& a, std::optional<int> axis, std::optional<int64_t> count,
                 std::string_view bitorder, std::source_location l) {
  const char* fn = "unpackbits";
  const DType t = detail::node_of(a, fn, to_loc(l))->dtype;
  if (t != uint8)
    graph::throw_error(
        fn, "Expected an input array of unsigned byte data type, got " + std::string(dtype_name(t)),
        to_loc(l));
  const bool little = little_order(bitorder, fn, l);
  std::optional<int> ax = axis;
  const Array x = axis_last(a, ax, fn, l);
  Shape s = x.shape();
  const Array weights = bit_weights(little, x, l);
  const Array bits =
      not_equal(Operand(bitwise_and(Operand(expand_dims(x, -1, l), l), Operand(weights, l)), l),
                Operand(0, l))
          .astype(uint8, l);
  const int64_t n = s.back() * 8;
  s.back() = n;
  Array out = bits.reshape(s, l);
  if (count) {
    if (*count < -n) graph::throw_error(fn, "-count larger than number of elements", to_loc(l));
    const int64_t keep = *count >= 0 ? *count : n + *count;
    if (keep <= n) {
      out = out[{ellipsis, slice(0, keep)}];
    } else {
      Shape pad = s;
      pad.back() = keep - n;
      out = concatenate({out, zeros(pad, uint8, l)}, -1, l);
    }
  }
  return ax ? moveaxis(out, -1, *ax, l) : out;
}

}  // namespace kiln
