// Element types and shapes of kiln arrays.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kiln {

/// Element type of an Array. The order is the promotion lattice's order within a kind.
enum class DType : uint8_t { bool_, int32, int64, float32, float64, complex64, complex128 };

/// numpy's `bool`.
inline constexpr DType bool_ = DType::bool_;
/// 32-bit signed integer.
inline constexpr DType int32 = DType::int32;
/// 64-bit signed integer (numpy's default integer).
inline constexpr DType int64 = DType::int64;
/// IEEE-754 binary32.
inline constexpr DType float32 = DType::float32;
/// IEEE-754 binary64 (numpy's default float).
inline constexpr DType float64 = DType::float64;
/// Two float32s, real then imaginary (std::complex<float>, numpy's complex64).
inline constexpr DType complex64 = DType::complex64;
/// Two float64s, real then imaginary (std::complex<double>, numpy's complex128).
inline constexpr DType complex128 = DType::complex128;

/// Number of dtypes; DType values are 0..kNumDTypes-1.
inline constexpr int kNumDTypes = 7;

/// A shape: extents, outermost first. A 0-d array has shape {}.
using Shape = std::vector<int64_t>;

/// numpy's name of a dtype ("float32", "bool", ...).
std::string_view dtype_name(DType t) noexcept;

/// Bytes per element.
constexpr size_t itemsize(DType t) noexcept {
  constexpr size_t sizes[] = {1, 4, 8, 4, 8, 8, 16};
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

/// True for int32 and int64 (bool is not an integer here, as in numpy's kinds).
constexpr bool is_integer(DType t) noexcept {
  return t == int32 || t == int64;
}

/// numpy's `promote_types(a, b)` for two strongly typed operands (arrays, including 0-d ones).
DType promote_types(DType a, DType b) noexcept;

/// The dtype that stores the C++ type T (bool, int32_t, int64_t, float, double,
/// std::complex<float>, std::complex<double>, and the other standard integer types of the same
/// widths).
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
  else if constexpr (std::is_integral_v<U> && std::is_signed_v<U> && sizeof(U) == 4)
    return int32;
  else if constexpr (std::is_integral_v<U> && std::is_signed_v<U> && sizeof(U) == 8)
    return int64;
  else
    static_assert(sizeof(U) == 0,
                  "kiln stores bool, int32_t, int64_t, float, double, std::complex<float> and "
                  "std::complex<double> only");
}

/// True when T is a C++ type that dtype_of<T>() accepts.
template <class T>
inline constexpr bool is_storable_v = std::is_same_v<std::remove_cv_t<T>, bool> ||
                                      std::is_same_v<std::remove_cv_t<T>, float> ||
                                      std::is_same_v<std::remove_cv_t<T>, double> ||
                                      std::is_same_v<std::remove_cv_t<T>, std::complex<float>> ||
                                      std::is_same_v<std::remove_cv_t<T>, std::complex<double>> ||
                                      (std::is_integral_v<T> && std::is_signed_v<T> &&
                                       (sizeof(T) == 4 || sizeof(T) == 8));

}  // namespace kiln
