// The reference semantics of every elementwise op on one element, exactly as numpy 1.24 computes
// it on x86-64 (integer wrap-around, floor division and remainder signs, float-to-int casts).
// Used by the reference interpreter and by constant folding; the LLVM lowering must agree.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "graph/op.hpp"
#include "kiln/dtype.hpp"

namespace kiln::graph::ref {

template <class T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// complex64's C++ type.
using c64 = std::complex<float>;
/// complex128's C++ type.
using c128 = std::complex<double>;
template <class T>
inline constexpr bool is_complex_v = std::is_same_v<T, c64> || std::is_same_v<T, c128>;

// numpy's complex loops, written out: std::complex's operators follow C's Annex G (other
// results for infinities and nans, and other formulas under some flags).

/// numpy's complex multiply.
template <class F>
std::complex<F> cmul(std::complex<F> a, std::complex<F> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
/// numpy's complex divide (Smith's method; 0/0 gives nan, x/0 infinities).
template <class F>
std::complex<F> cdiv(std::complex<F> a, std::complex<F> b) {
  const F br = b.real(), bi = b.imag();
  if (std::fabs(br) >= std::fabs(bi)) {
    if (br == 0 && bi == 0) return {a.real() / std::fabs(br), a.imag() / std::fabs(br)};
    const F rat = bi / br, scl = F(1) / (br + bi * rat);
    return {(a.real() + a.imag() * rat) * scl, (a.imag() - a.real() * rat) * scl};
  }
  const F rat = br / bi, scl = F(1) / (bi + br * rat);
  return {(a.real() * rat + a.imag()) * scl, (a.imag() * rat - a.real()) * scl};
}
/// numpy's complex reciprocal.
template <class F>
std::complex<F> creciprocal(std::complex<F> a) {
  const F r = a.real(), i = a.imag();
  if (std::fabs(i) <= std::fabs(r)) {
    const F q = i / r, d = r + i * q;
    return {F(1) / d, -q / d};
  }
  const F q = r / i, d = r * q + i;
  return {q / d, F(-1) / d};
}
/// The real part above which exp of a complex128 is computed as exp(r/2)^2, so that
/// exp(710 + 1.5j) is finite as in numpy (exp(710) alone overflows).
inline constexpr double kComplexExpSplit = 709.0;
/// exp(a) as kiln's kernels compute it: exp of the real part in float64 (for complex64, so that
/// e^89 * cos(1.5) does not overflow early), times cos and sin of the imaginary part; an
/// imaginary part of exactly zero is kept (exp(inf + 0j) is inf + 0j, as numpy's), and an
/// infinite real part with a non-finite imaginary one gives 0 (-inf) or inf + nan j (+inf).
template <class F>
std::complex<F> cexp(std::complex<F> a) {
  using C = std::complex<F>;
  if (std::isinf(a.real()) && !std::isfinite(a.imag()))  // C99 Annex G, as glibc and numpy
    return a.real() < 0 ? C(0, 0) : C(INFINITY, NAN);
  const bool split = a.real() > kComplexExpSplit;
  const double e = std::exp(static_cast<double>(a.real()) * (split ? 0.5 : 1.0));
  const double m = split ? e : 1.0;
  if (a.imag() == 0) return {static_cast<F>(e * m), a.imag()};
  return {static_cast<F>(e * static_cast<double>(std::cos(a.imag())) * m),
          static_cast<F>(e * static_cast<double>(std::sin(a.imag())) * m)};
}

/// Wrapping integer arithmetic (two's complement, as numpy and LLVM without nsw).
template <class T>
T wrap_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <class T>
T wrap_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <class T>
T wrap_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

/// numpy's astype on x86-64: float to integer truncates, and nan, inf or out-of-range values
/// give the integer minimum (what cvttss2si/cvttsd2si produce); integers wrap; anything to bool
/// is `!= 0` (nan is true).
template <class To, class From>
To cast(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_complex_v<From> && is_complex_v<To>) {
    using P = typename To::value_type;
    return To(static_cast<P>(v.real()), static_cast<P>(v.imag()));
  } else if constexpr (is_complex_v<From>) {  // numpy drops the imaginary part (a warning)
    if constexpr (std::is_same_v<To, bool>)
      return v.real() != 0 || v.imag() != 0;
    else
      return cast<To>(v.real());
  } else if constexpr (is_complex_v<To>) {
    using P = typename To::value_type;
    return To(cast<P>(v), P(0));
  } else if constexpr (std::is_same_v<From, half>) {  // numpy converts float16 through float
    if constexpr (std::is_same_v<To, uint32_t>)       // by the int64 conversion: nan and inf give 0
      return static_cast<uint32_t>(cast<int64_t>(static_cast<float>(v)));
    else
      return cast<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, half>) {
    if constexpr (std::is_same_v<From, double>)
      return half(v);  // one rounding, as numpy's npy_double_to_half
    else
      return half(static_cast<float>(v));  // bool and integers through float, as numpy's casts
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_same_v<From, bool>) {
    return static_cast<To>(v ? 1 : 0);
  } else if constexpr (is_int_v<To> && std::is_floating_point_v<From> && sizeof(To) < 4) {
    // numpy's C cast goes through int32 (cvttsd2si) and keeps the low bits
    return static_cast<To>(cast<int32_t>(v));
  } else if constexpr (std::is_floating_point_v<From> &&
                       (std::is_same_v<To, uint32_t> || std::is_same_v<To, uint64_t>)) {
    // x86's unsigned conversion sequence: from 2^(N-1) up, the signed conversion of v - 2^(N-1)
    // with the top bit flipped; below, the signed conversion (-1.0 wraps to 2^N - 1). Out of
    // range (and nan) the signed conversion's minimum shows through: 2^N and up give 0, nan and
    // the very negative give 2^(N-1).
    using S = std::make_signed_t<To>;
    constexpr To top = To{1} << (sizeof(To) * 8 - 1);
    constexpr From mid = static_cast<From>(top);
    if (v >= mid) return static_cast<To>(static_cast<To>(cast<S>(v - mid)) ^ top);
    return static_cast<To>(cast<S>(v));
  } else if constexpr (is_int_v<To> && std::is_floating_point_v<From>) {
    // 2^digits, exactly (std::ldexp is not constexpr everywhere).
    constexpr From hi = static_cast<From>(uint64_t{1} << std::numeric_limits<To>::digits);
    constexpr From lo = -hi;
    if (!(v >= lo && v < hi)) return std::numeric_limits<To>::min();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);  // int->int wraps (C++20), int->float and float->float round
  }
}

/// numpy's npy_divmod for floats: returns the floor quotient and sets `mod`.
template <class T>
T float_divmod(T a, T b, T& mod) {
  mod = std::fmod(a, b);
  if (b == 0) return a / b;
  T div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= T(1);
    }
  } else {
    mod = std::copysign(T(0), b);
  }
  T floordiv;
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
  } else {
    floordiv = std::copysign(T(0), a / b);
  }
  return floordiv;
}

/// numpy's floor_divide.
template <class T>
T floor_divide(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return a / b;
    T mod;
    return float_divmod(a, b, mod);
  } else if constexpr (std::is_unsigned_v<T>) {
    return b == 0 ? T(0) : static_cast<T>(a / b);
  } else {
    if (b == 0) return 0;
    if (a == std::numeric_limits<T>::min() && b == -1) return a;
    T q = a / b;
    if (((a > 0) != (b > 0)) && q * b != a) --q;
    return q;
  }
}

/// numpy's remainder (the sign of the divisor).
template <class T>
T remainder(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return std::fmod(a, b);
    T mod;
    float_divmod(a, b, mod);
    return mod;
  } else if constexpr (std::is_unsigned_v<T>) {
    return b == 0 ? T(0) : static_cast<T>(a % b);
  } else {
    if (b == 0 || b == -1) return 0;
    const T r = a % b;
    return ((a > 0) == (b > 0) || r == 0) ? r : static_cast<T>(r + b);
  }
}

/// Integer power by squaring with wrap-around; the caller rejects negative exponents.
template <class T>
T int_power(T base, T exp) {
  T result = 1;
  while (exp > 0) {
    if (exp & 1) result = wrap_mul(result, base);
    base = wrap_mul(base, base);
    exp >>= 1;
  }
  return result;
}

/// numpy's maximum: `a > b || isnan(a) ? a : b`. A nan on either side gives nan; between equal
/// values (0.0 and -0.0) the second operand wins, exactly as numpy's loops do.
template <class T>
T fmaximum(T a, T b) {
  return (a > b || std::isnan(a)) ? a : b;
}
/// numpy's minimum: `a < b || isnan(a) ? a : b`.
template <class T>
T fminimum(T a, T b) {
  return (a < b || std::isnan(a)) ? a : b;
}

/// Unary ops whose result has the operand's dtype. `fail` is set for errors (none today).
template <class T>
T unary(Op op, T a) {
  if constexpr (std::is_same_v<T, half>) {  // float16: in float32, rounded (numpy's loops)
    return half(unary(op, static_cast<float>(a)));
  } else if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case Op::Abs:
        return a;
      case Op::LogicalNot:
      case Op::Invert:
        return !a;
      case Op::Imag:
        return false;
      default:
        return a;
    }
  } else if constexpr (is_complex_v<T>) {
    switch (op) {
      case Op::Negative:
        return -a;
      case Op::Square:
        return cmul(a, a);
      case Op::Reciprocal:
        return creciprocal(a);
      case Op::Exp:
        return cexp(a);
      case Op::Conj:
        return std::conj(a);
      default:
        return a;
    }
  } else if constexpr (is_int_v<T>) {
    switch (op) {
      case Op::Negative:
        return wrap_sub(T(0), a);
      case Op::Abs:
        return a < 0 ? wrap_sub(T(0), a) : a;
      case Op::Sign:
        return static_cast<T>((a > 0) - (a < 0));
      case Op::Square:
        return wrap_mul(a, a);
      case Op::Reciprocal:
        return cast<T>(1.0 / static_cast<double>(a));
      case Op::Invert:
        return static_cast<T>(~a);
      case Op::Imag:
        return 0;
      default:
        return a;
    }
  } else {
    switch (op) {
      case Op::Negative:
        return -a;
      case Op::Abs:
        return std::fabs(a);
      case Op::Sign:
        return a > 0 ? T(1) : a < 0 ? T(-1) : a == 0 ? T(0) : a;
      case Op::Square:
        return a * a;
      case Op::Reciprocal:
        return T(1) / a;
      case Op::Sqrt:
        return std::sqrt(a);
      case Op::Exp:
        return std::exp(a);
      case Op::Exp2:
        return std::exp2(a);
      case Op::Expm1:
        return std::expm1(a);
      case Op::Log:
        return std::log(a);
      case Op::Log2:
        return std::log2(a);
      case Op::Log10:
        return std::log10(a);
      case Op::Log1p:
        return std::log1p(a);
      case Op::Sin:
        return std::sin(a);
      case Op::Cos:
        return std::cos(a);
      case Op::Tan:
        return std::tan(a);
      case Op::Arcsin:
        return std::asin(a);
      case Op::Arccos:
        return std::acos(a);
      case Op::Arctan:
        return std::atan(a);
      case Op::Sinh:
        return std::sinh(a);
      case Op::Cosh:
        return std::cosh(a);
      case Op::Tanh:
        return std::tanh(a);
      case Op::Arcsinh:
        return std::asinh(a);
      case Op::Arccosh:
        return std::acosh(a);
      case Op::Arctanh:
        return std::atanh(a);
      case Op::Cbrt:
        return std::cbrt(a);
      case Op::Erf:
        return std::erf(a);
      case Op::Erfc:
        return std::erfc(a);
      case Op::Floor:
        return std::floor(a);
      case Op::Ceil:
        return std::ceil(a);
      case Op::Rint:
        return std::nearbyint(a);
      case Op::Trunc:
        return std::trunc(a);
      case Op::Imag:
        return T(0);
      case Op::Angle:
        return std::atan2(T(0), a);
      default:
        return a;
    }
  }
}

/// Unary predicates (bool result).
template <class T>
bool predicate(Op op, T a) {
  if constexpr (std::is_same_v<T, half>) {
    return predicate(op, static_cast<float>(a));
  } else if constexpr (is_complex_v<T>) {
    switch (op) {
      case Op::IsNan:
        return std::isnan(a.real()) || std::isnan(a.imag());
      case Op::IsInf:
        return std::isinf(a.real()) || std::isinf(a.imag());
      case Op::IsFinite:
        return std::isfinite(a.real()) && std::isfinite(a.imag());
      default:
        return false;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case Op::IsNan:
        return std::isnan(a);
      case Op::IsInf:
        return std::isinf(a);
      case Op::IsFinite:
        return std::isfinite(a);
      case Op::Signbit:
        return std::signbit(a);
      default:
        return false;
    }
  } else if constexpr (std::is_signed_v<T>) {
    return op == Op::IsFinite || (op == Op::Signbit && a < 0);
  } else {
    return op == Op::IsFinite;
  }
}

/// Binary ops whose result has the operands' dtype. Sets `fail` where numpy raises.
template <class T>
T binary(Op op, T a, T b, bool& fail) {
  if constexpr (std::is_same_v<T, half>) {  // float16: in float32, rounded (numpy's loops)
    const float x = a, y = b;
    if (op == Op::Maximum) return (x >= y || std::isnan(x)) ? a : b;  // ties keep the first
    if (op == Op::Minimum) return (x <= y || std::isnan(x)) ? a : b;
    return half(binary(op, x, y, fail));
  } else if constexpr (is_complex_v<T>) {
    switch (op) {
      case Op::Add:
        return a + b;
      case Op::Subtract:
        return a - b;
      case Op::Multiply:
        return cmul(a, b);
      case Op::Divide:
        return cdiv(a, b);
      default:
        return a;
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case Op::Add:
      case Op::BitwiseOr:
      case Op::LogicalOr:
      case Op::Maximum:
        return a || b;
      case Op::Multiply:
      case Op::BitwiseAnd:
      case Op::LogicalAnd:
      case Op::Minimum:
        return a && b;
      case Op::BitwiseXor:
      case Op::LogicalXor:
        return a != b;
      default:
        return false;
    }
  } else if constexpr (is_int_v<T>) {
    using U = std::make_unsigned_t<T>;
    constexpr T bits = static_cast<T>(sizeof(T) * 8);
    switch (op) {
      case Op::Add:
        return wrap_add(a, b);
      case Op::Subtract:
        return wrap_sub(a, b);
      case Op::Multiply:
        return wrap_mul(a, b);
      case Op::FloorDivide:
        return floor_divide(a, b);
      case Op::Remainder:
        return remainder(a, b);
      case Op::Fmod:  // C's %: the sign of the dividend; by 0 (and the trapping MIN % -1) 0
        if constexpr (std::is_unsigned_v<T>)
          return b == 0 ? T(0) : static_cast<T>(a % b);
        else
          return b == 0 || b == T(-1) ? T(0) : static_cast<T>(a % b);
      case Op::Power:
        if (b < 0) {
          fail = true;
          return 0;
        }
        return int_power(a, b);
      case Op::Maximum:
        return a > b ? a : b;
      case Op::Minimum:
        return a < b ? a : b;
      case Op::BitwiseAnd:
        return a & b;
      case Op::BitwiseOr:
        return a | b;
      case Op::BitwiseXor:
        return a ^ b;
      case Op::LeftShift:
        return (b >= 0 && b < bits) ? static_cast<T>(static_cast<U>(a) << b) : T(0);
      case Op::RightShift:
        return (b >= 0 && b < bits) ? static_cast<T>(a >> b) : T(a < 0 ? -1 : 0);
      default:
        return 0;
    }
  } else {
    switch (op) {
      case Op::Add:
        return a + b;
      case Op::Subtract:
        return a - b;
      case Op::Multiply:
        return a * b;
      case Op::Divide:
        return a / b;
      case Op::FloorDivide:
        return floor_divide(a, b);
      case Op::Remainder:
        return remainder(a, b);
      case Op::Fmod:
        return std::fmod(a, b);
      case Op::Power:
        return std::pow(a, b);
      case Op::Maximum:
        return fmaximum(a, b);
      case Op::Minimum:
        return fminimum(a, b);
      case Op::Arctan2:
        return std::atan2(a, b);
      case Op::Hypot:
        return std::hypot(a, b);
      case Op::Copysign:
        return std::copysign(a, b);
      default:
        return 0;
    }
  }
}

/// Comparisons (bool result).
template <class T>
bool compare(Op op, T a, T b) {
  if constexpr (std::is_same_v<T, half>)
    return compare(op, static_cast<float>(a), static_cast<float>(b));
  else if constexpr (is_complex_v<T>)
    return (a == b) == (op == Op::Equal);  // only == and !=
  else
    switch (op) {
      case Op::Equal:
        return a == b;
      case Op::NotEqual:
        return a != b;
      case Op::Less:
        return a < b;
      case Op::LessEqual:
        return a <= b;
      case Op::Greater:
        return a > b;
      case Op::GreaterEqual:
        return a >= b;
      default:
        return false;
    }
}

}  // namespace kiln::graph::ref

namespace kiln::graph::ref {
/// abs, real, imag and angle of a complex number: a result of its parts' type.
template <class F>
F complex_part(Op op, std::complex<F> a) {
  switch (op) {
    case Op::Abs:
      return std::hypot(a.real(), a.imag());
    case Op::Real:
      return a.real();
    case Op::Imag:
      return a.imag();
    default:
      return std::atan2(a.imag(), a.real());
  }
}
}  // namespace kiln::graph::ref
