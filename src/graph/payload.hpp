// Raw-bit encodings of scalar values and of each leaf op's payload.
#pragma once

#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>

#include "graph/errors.hpp"
#include "graph/node.hpp"
#include "kiln/dtype.hpp"

namespace kiln::graph {

/// The 64-bit pattern that stores a value of T in a payload or a kernel parameter slot:
/// bool as 0/1, signed integers sign-extended and unsigned ones zero-extended, float16 and
/// float32 in the low 16 or 32 bits, float64 as is, complex64's
/// real part in the low 32 bits and its imaginary part in the high ones (its memory layout).
template <class T>
constexpr uint64_t to_bits(T v) {
  if constexpr (std::is_same_v<T, std::complex<double>>)
    no_complex128_bits();
  else if constexpr (std::is_same_v<T, bool>)
    return v ? 1 : 0;
  else if constexpr (std::is_same_v<T, half>)
    return v.bits;
  else if constexpr (std::is_same_v<T, float>)
    return std::bit_cast<uint32_t>(v);
  else if constexpr (std::is_same_v<T, double>)
    return std::bit_cast<uint64_t>(v);
  else if constexpr (std::is_same_v<T, std::complex<float>>)
    return std::bit_cast<uint32_t>(v.real()) |
           static_cast<uint64_t>(std::bit_cast<uint32_t>(v.imag())) << 32;
  else
    return static_cast<uint64_t>(static_cast<int64_t>(v));
}

/// Inverse of to_bits.
template <class T>
constexpr T from_bits(uint64_t b) {
  if constexpr (std::is_same_v<T, std::complex<double>>)
    no_complex128_bits();
  else if constexpr (std::is_same_v<T, bool>)
    return b != 0;
  else if constexpr (std::is_same_v<T, half>)
    return half::from_bits(static_cast<uint16_t>(b));
  else if constexpr (std::is_same_v<T, float>)
    return std::bit_cast<float>(static_cast<uint32_t>(b));
  else if constexpr (std::is_same_v<T, double>)
    return std::bit_cast<double>(b);
  else if constexpr (std::is_same_v<T, std::complex<float>>)
    return T(std::bit_cast<float>(static_cast<uint32_t>(b)),
             std::bit_cast<float>(static_cast<uint32_t>(b >> 32)));
  else
    return static_cast<T>(static_cast<int64_t>(b));
}

/// Calls f.template operator()<T>() with T the C++ type of `t`.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::bool_:
      return f.template operator()<bool>();
    case DType::int32:
      return f.template operator()<int32_t>();
    case DType::int64:
      return f.template operator()<int64_t>();
    case DType::float32:
      return f.template operator()<float>();
    case DType::float64:
      return f.template operator()<double>();
    case DType::complex64:
      return f.template operator()<std::complex<float>>();
    case DType::int8:
      return f.template operator()<int8_t>();
    case DType::int16:
      return f.template operator()<int16_t>();
    case DType::uint8:
      return f.template operator()<uint8_t>();
    case DType::uint16:
      return f.template operator()<uint16_t>();
    case DType::uint32:
      return f.template operator()<uint32_t>();
    case DType::uint64:
      return f.template operator()<uint64_t>();
    case DType::float16:
      return f.template operator()<half>();
    case DType::complex128:
      break;
  }
  return f.template operator()<std::complex<double>>();
}

/// What the optimizer's rules (passes/rules.hpp) may ask of a scalar's value. The structural
/// plan signature keeps each scalar's class, so a plan made with a rule that fired on a class
/// holds for every value of that class: `x * c` with c = 1 plans once, and again for c = 3.
enum class ScalarClass : uint8_t {
  zero,           ///< all bits zero: 0, +0.0, false (constant folding picks where() by it)
  negative_zero,  ///< -0.0
  one,            ///< 1
  minus_one,      ///< -1
  two,            ///< 2
  half,           ///< 0.5
  power_of_two,   ///< any other +-2^k whose reciprocal is exact and finite in the dtype
  other,
};

/// The class of a value of dtype `t` with payload bits `bits`.
inline ScalarClass scalar_class(DType t, uint64_t bits) {
  if (bits == 0) return ScalarClass::zero;
  if (t == DType::bool_ || t == DType::complex64 || t == DType::complex128)
    return ScalarClass::other;
  return visit_dtype(t, [&]<class T>() {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::complex<float>> ||
                  std::is_same_v<T, std::complex<double>>) {
      return ScalarClass::other;
    } else {
      const double v = static_cast<double>(from_bits<T>(bits));
      if (v == 0) return ScalarClass::negative_zero;  // bits != 0: -0.0
      if (v == 1) return ScalarClass::one;
      if (v == -1) return ScalarClass::minus_one;
      if (v == 2) return ScalarClass::two;
      if (v == 0.5) return ScalarClass::half;
      int e = 0;
      if (!std::is_integral_v<T> && std::isfinite(v) && std::fabs(std::frexp(v, &e)) == 0.5) {
        // 1 / v is exact in double; is it finite in T (checked before converting: a double
        // beyond T's range has no T value), and exact there?
        double largest = 65504.0;  // float16's
        if constexpr (!std::is_same_v<T, half>) largest = std::numeric_limits<T>::max();
        const double r = 1.0 / v;
        if (std::fabs(r) <= largest && static_cast<double>(static_cast<T>(r)) == r)
          return ScalarClass::power_of_two;
      }
      return ScalarClass::other;
    }
  });
}

// View payload: v[0] = offset (over the operand's flat index), v[1] = a differentiation mark:
// 0 for an ordinary view, kStopGradientMark for stop_gradient, kDiffInputMark + i for the
// differentiated argument i of a function that grad/jvp/vjp calls. A marked view is an
// identity that views over it do not compose through, so it stays in the trace for the
// derivative engine (api/autodiff.cpp) to find.
inline constexpr uint64_t kStopGradientMark = 1;
inline constexpr uint64_t kDiffInputMark = 2;

// Leaf payload layouts.
//   Full:     v[0] = value bits (of the node's dtype); v[1] = 0, or kSeedTag / kStreamTag for
//             a random generator's seed or stream number, so that hash-consing never merges
//             one with a constant of equal value (kiln::compile binds them apart)
//   Arange:   v[0] = start, v[1] = delta (bits of the node's dtype); value(i) = start + T(i)*delta
//   Linspace: v[0] = start, v[1] = mult, v[2] = stop (float64 bits), v[3] = LinspaceTail
//             value(i) = T(i == last ? stop : (tiny ? (i/div)*mult : i*mult) + start)
//   Eye:      v[0] = n + 1; value(i) = (i % (n + 1) == 0)
inline constexpr uint64_t kSeedTag = 1;
inline constexpr uint64_t kStreamTag = 2;

/// Linspace's packed last slot: the element count, whether the end point is included, and
/// whether numpy's "step underflowed to zero" path applies (then mult is delta, not step).
struct LinspaceTail {
  int64_t num = 0;         ///< number of elements
  bool endpoint = true;    ///< the last element is exactly `stop`
  bool tiny_step = false;  ///< numpy's `any_step_zero` path: (i / div) * delta

  uint64_t pack() const noexcept {
    return static_cast<uint64_t>(num) | (endpoint ? 1ull << 62 : 0) | (tiny_step ? 1ull << 61 : 0);
  }
  static LinspaceTail unpack(uint64_t b) noexcept {
    return {static_cast<int64_t>(b & ((1ull << 61) - 1)), (b >> 62 & 1) != 0, (b >> 61 & 1) != 0};
  }
  /// numpy's divisor: num - 1 with the end point, num without.
  int64_t div() const noexcept { return endpoint ? num - 1 : num; }
  /// Index that takes `stop` exactly, or -1 when none does.
  int64_t last() const noexcept { return endpoint && num > 1 ? num - 1 : -1; }
};

}  // namespace kiln::graph
