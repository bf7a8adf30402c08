// Element types and shapes of kiln arrays.
#pragma once

#include <complex>
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
  uint64
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
/// IEEE-754 binary32.
inline constexpr DType float32 = DType::float32;
/// IEEE-754 binary64 (numpy's default float).
inline constexpr DType float64 = DType::float64;
/// Two float32s, real then imaginary (std::complex<float>, numpy's complex64).
inline constexpr DType complex64 = DType::complex64;
/// Two float64s, real then imaginary (std::complex<double>, numpy's complex128).
inline constexpr DType complex128 = DType::complex128;

/// Number of dtypes; DType values are 0..kNumDTypes-1.
inline constexpr int kNumDTypes = 13;

/// A shape: extents, outermost first. A 0-d array has shape {}.
using Shape = std::vector<int64_t>;

/// numpy's name of a dtype ("float32", "bool", ...).
std::string_view dtype_name(DType t) noexcept;

/// Bytes per element.
constexpr size_t itemsize(DType t) noexcept {
  constexpr size_t sizes[] = {1, 4, 8, 4, 8, 8, 16, 1, 2, 1, 2, 4, 8};
  return sizes[static_cast<int>(t)];
}

/// True for float32 and float64.
constexpr bool is_floating(DType t) noexcept {
  return t == float32 || t == float64;
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

/// numpy's `promote_types(a, b)` for two strongly typed operands (arrays, including 0-d ones).
DType promote_types(DType a, DType b) noexcept;

/// The dtype that stores the C++ type T (bool, the fixed-width integers int8_t ... uint64_t,
/// float, double, std::complex<float>, std::complex<double>, and the other standard integer
/// types of the same widths and signedness).
template <class T>
constexpr DType dtype_of() noexcept {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>)
    return bool_;
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
                  "kiln stores bool, the fixed-width integers, float, double, "
                  "std::complex<float> and std::complex<double> only");
}

/// True when T is a C++ type that dtype_of<T>() accepts.
template <class T>
inline constexpr bool is_storable_v = std::is_same_v<std::remove_cv_t<T>, bool> ||
                                      std::is_same_v<std::remove_cv_t<T>, float> ||
                                      std::is_same_v<std::remove_cv_t<T>, double> ||
                                      std::is_same_v<std::remove_cv_t<T>, std::complex<float>> ||
                                      std::is_same_v<std::remove_cv_t<T>, std::complex<double>> ||
                                      (std::is_integral_v<T> && sizeof(T) <= 8);

}  // namespace kiln
