// Element types and shapes of kiln arrays.
#pragma once

#include <bit>
#include <complex>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kiln {

/// Element type of an Array. (The values are stable: kernels in the disk cache store them.)
enum class DType : uint8_t {
  bool_,
  int32,
  int64,
  float32,
  float64,
  complex64,
  complex128,
  int8,
  int16,
  uint8,
  uint16,
  uint32,
  uint64,
  float16
};

/// numpy's `bool`.
inline constexpr DType bool_ = DType::bool_;
/// 32-bit signed integer.
inline constexpr DType int32 = DType::int32;
/// 64-bit signed integer (numpy's default integer).
inline constexpr DType int64 = DType::int64;
/// 8-bit signed integer.
inline constexpr DType int8 = DType::int8;
/// 16-bit signed integer.
inline constexpr DType int16 = DType::int16;
/// 8-bit unsigned integer.
inline constexpr DType uint8 = DType::uint8;
/// 16-bit unsigned integer.
inline constexpr DType uint16 = DType::uint16;
/// 32-bit unsigned integer.
inline constexpr DType uint32 = DType::uint32;
/// 64-bit unsigned integer.
inline constexpr DType uint64 = DType::uint64;
/// IEEE-754 binary16 (numpy's float16; its C++ type is kiln::half). Each operation computes in
/// float32 and rounds its result to float16, as numpy's float16 loops do.
inline constexpr DType float16 = DType::float16;
/// IEEE-754 binary32.
inline constexpr DType float32 = DType::float32;
/// IEEE-754 binary64 (numpy's default float).
inline constexpr DType float64 = DType::float64;
/// Two float32s, real then imaginary (std::complex<float>, numpy's complex64).
inline constexpr DType complex64 = DType::complex64;
/// Two float64s, real then imaginary (std::complex<double>, numpy's complex128).
inline constexpr DType complex128 = DType::complex128;

/// Number of dtypes; DType values are 0..kNumDTypes-1.
inline constexpr int kNumDTypes = 14;

/// A shape: extents, outermost first. A 0-d array has shape {}.
using Shape = std::vector<int64_t>;

/// numpy's name of a dtype ("float32", "bool", ...).
std::string_view dtype_name(DType t) noexcept;

/// Bytes per element.
constexpr size_t itemsize(DType t) noexcept {
  constexpr size_t sizes[] = {1, 4, 8, 4, 8, 8, 16, 1, 2, 1, 2, 4, 8, 2};
  return sizes[static_cast<int>(t)];
}

/// True for float16, float32 and float64.
constexpr bool is_floating(DType t) noexcept {
  return t == float16 || t == float32 || t == float64;
}

/// True for complex64 and complex128.
constexpr bool is_complex(DType t) noexcept {
  return t == complex64 || t == complex128;
}

/// True for uint8, uint16, uint32 and uint64.
constexpr bool is_unsigned(DType t) noexcept {
  return t == uint8 || t == uint16 || t == uint32 || t == uint64;
}

/// True for the signed and unsigned integers (bool is not an integer here, as in numpy's
/// kinds).
constexpr bool is_integer(DType t) noexcept {
  return t == int8 || t == int16 || t == int32 || t == int64 || is_unsigned(t);
}

/// An IEEE-754 binary16 number: the C++ type of float16 arrays (from_blob, to_vector, data,
/// item). It stores the bits and converts to and from float; arithmetic on it is float's (convert
/// the result back with half(x), which rounds to nearest, ties to even, as numpy does).
struct half {
  uint16_t bits = 0;  ///< sign, 5 exponent bits, 10 significand bits

  half() = default;
  /// `f` rounded to the nearest float16 (ties to even; beyond 65504 it is infinite; a nan stays
  /// a nan).
  explicit constexpr half(float f) noexcept : bits(from_float(f)) {}
  /// `d` rounded to the nearest float16 directly (one rounding, as numpy's float64 to float16
  /// cast; going through float would round twice).
  explicit constexpr half(double d) noexcept : bits(from_double(d)) {}
  /// An integer rounded to the nearest float16 (through float, as numpy's integer casts).
  template <std::integral I>
  explicit constexpr half(I v) noexcept : bits(from_float(static_cast<float>(v))) {}
  /// The exact float value.
  constexpr operator float() const noexcept { return to_float(bits); }
  /// A half from its bits.
  static constexpr half from_bits(uint16_t b) noexcept {
    half h;
    h.bits = b;
    return h;
  }

 private:
  static constexpr float to_float(uint16_t h) noexcept {
    constexpr uint32_t kShiftedExp = 0x7c00u << 13;
    uint32_t o = static_cast<uint32_t>(h & 0x7fff) << 13;
    const uint32_t exp = o & kShiftedExp;
    o += (127u - 15u) << 23;
    if (exp == kShiftedExp) {
      o += (128u - 16u) << 23;  // inf and nan
    } else if (exp == 0) {      // zero and subnormals: renormalise by a float subtraction
      o += 1u << 23;
      o = std::bit_cast<uint32_t>(std::bit_cast<float>(o) - std::bit_cast<float>(113u << 23));
    }
    return std::bit_cast<float>(o | static_cast<uint32_t>(h & 0x8000) << 16);
  }
  static constexpr uint16_t from_float(float f) noexcept {
    uint32_t u = std::bit_cast<uint32_t>(f);
    const uint32_t sign = u & 0x80000000u;
    u ^= sign;
    uint32_t o;
    if (u >= (127u + 16u) << 23) {  // 65536 and up, inf, nan
      o = u > 255u << 23 ? 0x7e00u | ((u >> 13) & 0x3ffu) : 0x7c00u;
    } else if (u < 113u << 23) {  // a subnormal half or zero: the float addition rounds
      constexpr uint32_t kMagic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
      o = std::bit_cast<uint32_t>(std::bit_cast<float>(u) + std::bit_cast<float>(kMagic)) - kMagic;
    } else {  // normal: rebias, add the rounding bias (ties to even), shift
      const uint32_t odd = (u >> 13) & 1u;
      u += ((15u - 127u) << 23) + 0xfffu + odd;
      o = u >> 13;  // a carry into the exponent is right, up to infinity
    }
    return static_cast<uint16_t>(o | sign >> 16);
  }
  static constexpr uint16_t from_double(double d) noexcept {
    // Round to float with round-to-odd (inexact results keep a sticky last bit), then to
    // half: float's 13 spare bits make the second rounding exact.
    float f = static_cast<float>(d);
    if (d == d && static_cast<double>(f) != d) {
      uint32_t b = std::bit_cast<uint32_t>(f);
      if ((f < 0 ? -static_cast<double>(f) : static_cast<double>(f)) > (d < 0 ? -d : d)) --b;
      f = std::bit_cast<float>(b | 1u);
    }
    return from_float(f);
  }
};

/// numpy's `promote_types(a, b)` for two strongly typed operands (arrays, including 0-d ones).
DType promote_types(DType a, DType b) noexcept;

/// The dtype that stores the C++ type T (bool, the fixed-width integers int8_t ... uint64_t,
/// kiln::half, float, double, std::complex<float>, std::complex<double>, and the other standard
/// integer types of the same widths and signedness).
template <class T>
constexpr DType dtype_of() noexcept {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>)
    return bool_;
  else if constexpr (std::is_same_v<U, half>)
    return float16;
  else if constexpr (std::is_same_v<U, float>)
    return float32;
  else if constexpr (std::is_same_v<U, double>)
    return float64;
  else if constexpr (std::is_same_v<U, std::complex<float>>)
    return complex64;
  else if constexpr (std::is_same_v<U, std::complex<double>>)
    return complex128;
  else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>)
    return sizeof(U) == 1 ? int8 : sizeof(U) == 2 ? int16 : sizeof(U) == 4 ? int32 : int64;
  else if constexpr (std::is_integral_v<U>)
    return sizeof(U) == 1 ? uint8 : sizeof(U) == 2 ? uint16 : sizeof(U) == 4 ? uint32 : uint64;
  else
    static_assert(sizeof(U) == 0,
                  "kiln stores bool, the fixed-width integers, kiln::half, float, double, "
                  "std::complex<float> and std::complex<double> only");
}

/// True when T is a C++ type that dtype_of<T>() accepts.
template <class T>
inline constexpr bool is_storable_v = std::is_same_v<std::remove_cv_t<T>, bool> ||
                                      std::is_same_v<std::remove_cv_t<T>, half> ||
                                      std::is_same_v<std::remove_cv_t<T>, float> ||
                                      std::is_same_v<std::remove_cv_t<T>, double> ||
                                      std::is_same_v<std::remove_cv_t<T>, std::complex<float>> ||
                                      std::is_same_v<std::remove_cv_t<T>, std::complex<double>> ||
                                      (std::is_integral_v<T> && sizeof(T) <= 8);

}  // namespace kiln
