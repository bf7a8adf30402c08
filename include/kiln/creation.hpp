// Functions that create arrays. Host data is copied once (array, from_blob) or aliased (wrap);
// zeros, ones, full, arange, linspace and eye are lazy index expressions that fuse into the
// kernels that use them and never touch memory of their own.
#pragma once

#include <initializer_list>
#include <optional>
#include <source_location>
#include <type_traits>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

namespace detail {
Array array_from_host(const void* data, DType dtype, const Shape& shape, int64_t count,
                      const std::source_location& loc);
Array wrap_host(void* data, DType dtype, const Shape& shape, const std::source_location& loc);
Array full_impl(const Shape& shape, const Scalar& value, DType dtype,
                const std::source_location& loc);
Array arange_impl(const Scalar& start, const Scalar& stop, const Scalar& step,
                  std::optional<DType> dtype, const std::source_location& loc);
Array linspace_impl(const Scalar& start, const Scalar& stop, int64_t num, DType dtype,
                    bool endpoint, const std::source_location& loc);

template <class T>
Array array_from_vector(const std::vector<T>& values, const Shape& shape,
                        const std::source_location& loc) {
  static_assert(
      is_storable_v<T>,
      "kiln::array: T must be bool, an integer type, float, double or std::complex<float/double>");
  const auto n = static_cast<int64_t>(values.size());
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<unsigned char> bytes(values.begin(), values.end());
    return array_from_host(bytes.data(), bool_, shape, n, loc);
  } else {
    return array_from_host(values.data(), dtype_of<T>(), shape, n, loc);
  }
}
}  // namespace detail

/// Copies `values` into a new 1-d array of their dtype.
template <class T>
Array array(const std::vector<T>& values,
            std::source_location loc = std::source_location::current()) {
  return detail::array_from_vector(values, Shape{static_cast<int64_t>(values.size())}, loc);
}

/// Copies `values` (row-major) into a new array of the given shape; sizes must agree.
template <class T>
Array array(const std::vector<T>& values, const Shape& shape,
            std::source_location loc = std::source_location::current()) {
  return detail::array_from_vector(values, shape, loc);
}

/// `kiln::array({1.f, 2.f})`: copies a braced list into a new 1-d array.
template <class T>
Array array(std::initializer_list<T> values,
            std::source_location loc = std::source_location::current()) {
  return array(std::vector<T>(values), loc);
}

/// `kiln::array({1, 2, 3, 4}, {2, 2})`: copies a braced list into an array of the given shape.
template <class T>
Array array(std::initializer_list<T> values, const Shape& shape,
            std::source_location loc = std::source_location::current()) {
  return array(std::vector<T>(values), shape, loc);
}

/// Copies `prod(shape)` elements from `ptr` into a new array.
template <class T>
Array from_blob(const T* ptr, const Shape& shape,
                std::source_location loc = std::source_location::current()) {
  static_assert(is_storable_v<T>,
                "from_blob: T must be bool, an integer type, float, double or "
                "std::complex<float/double>");
  return detail::array_from_host(ptr, dtype_of<T>(), shape, -1, loc);
}

/// Uses the caller's memory as an evaluated array without copying. The caller keeps `ptr`
/// alive and unchanged while the array or anything computed lazily from it lives. `ptr` must be
/// aligned to the element size. kiln never writes to it (`ptr` may point to const data). A bool
/// array is one byte per element, 0 or 1, as numpy's.
template <class T>
Array wrap(T* ptr, const Shape& shape, std::source_location loc = std::source_location::current()) {
  static_assert(is_storable_v<std::remove_cv_t<T>>,
                "wrap: T must be bool, an integer type, float, double or "
                "std::complex<float/double>");
  return detail::wrap_host(const_cast<void*>(static_cast<const void*>(ptr)), dtype_of<T>(), shape,
                           loc);
}

/// An array of zeros (lazy).
Array zeros(const Shape& shape, DType dtype = float32,
            std::source_location loc = std::source_location::current());
/// An array of ones (lazy).
Array ones(const Shape& shape, DType dtype = float32,
           std::source_location loc = std::source_location::current());

/// An array filled with `value` converted to `dtype` (lazy). An integer value that does not fit
/// an integer dtype is an error.
template <class T>
requires std::is_arithmetic_v<T> Array
full(const Shape& shape, T value, DType dtype = float32,
     std::source_location loc = std::source_location::current()) {
  return detail::full_impl(shape, Scalar::of(value), dtype, loc);
}

/// An array filled with the complex number `value` (complex64 unless told otherwise).
template <class T>
requires std::is_floating_point_v<T> Array
full(const Shape& shape, std::complex<T> value, DType dtype = complex64,
     std::source_location loc = std::source_location::current()) {
  return detail::full_impl(shape, Scalar::of(value), dtype, loc);
}

/// Zeros with the shape and dtype of `a`.
Array zeros_like(const Array& a, std::source_location loc = std::source_location::current());
/// Zeros with the shape of `a` and the given dtype.
Array zeros_like(const Array& a, DType dtype,
                 std::source_location loc = std::source_location::current());
/// Ones with the shape and dtype of `a`.
Array ones_like(const Array& a, std::source_location loc = std::source_location::current());
/// Ones with the shape of `a` and the given dtype.
Array ones_like(const Array& a, DType dtype,
                std::source_location loc = std::source_location::current());

/// `value` with the shape and dtype of `a`.
template <class T>
requires std::is_arithmetic_v<T> Array
full_like(const Array& a, T value, std::source_location loc = std::source_location::current()) {
  return detail::full_impl(a.shape(), Scalar::of(value), a.dtype(), loc);
}

/// `value` with the shape of `a` and the given dtype.
template <class T>
requires std::is_arithmetic_v<T> Array
full_like(const Array& a, T value, DType dtype,
          std::source_location loc = std::source_location::current()) {
  return detail::full_impl(a.shape(), Scalar::of(value), dtype, loc);
}

/// `0, 1, ..., stop-1` like numpy's `arange(stop)`: integers give int64, floats float64.
template <class Stop>
requires std::is_arithmetic_v<Stop> Array
arange(Stop stop, std::source_location loc = std::source_location::current()) {
  return detail::arange_impl(Scalar::of(0), Scalar::of(stop), Scalar::of(1), std::nullopt, loc);
}

/// `arange(stop)` with an explicit dtype.
template <class Stop>
requires std::is_arithmetic_v<Stop> Array
arange(Stop stop, DType dtype, std::source_location loc = std::source_location::current()) {
  return detail::arange_impl(Scalar::of(0), Scalar::of(stop), Scalar::of(1), dtype, loc);
}

/// numpy's `arange(start, stop, step, dtype)`: the values `start + i*step` below `stop` (above
/// it for a negative step). Without a dtype, the arguments' kinds decide (int64 or float64).
/// Any mix of C++ arithmetic types is accepted.
template <class Start, class Stop, class Step = int>
requires std::is_arithmetic_v<Start> && std::is_arithmetic_v<Stop> && std::is_arithmetic_v<Step>
    Array arange(Start start, Stop stop, Step step = 1, std::optional<DType> dtype = std::nullopt,
                 std::source_location loc = std::source_location::current()) {
  return detail::arange_impl(Scalar::of(start), Scalar::of(stop), Scalar::of(step), dtype, loc);
}

/// `num` evenly spaced values from `start` to `stop` (included unless `endpoint` is false),
/// computed exactly as numpy does (in float64, then converted to `dtype`).
template <class Start, class Stop>
requires std::is_arithmetic_v<Start> && std::is_arithmetic_v<Stop> Array
linspace(Start start, Stop stop, int64_t num, DType dtype = float32, bool endpoint = true,
         std::source_location loc = std::source_location::current()) {
  return detail::linspace_impl(Scalar::of(start), Scalar::of(stop), num, dtype, endpoint, loc);
}

/// The n x n identity matrix (lazy).
Array eye(int64_t n, DType dtype = float32,
          std::source_location loc = std::source_location::current());

/// numpy's eye(N, M, k): an n x m matrix with ones on diagonal k (0 the main one, k > 0 above
/// it, k < 0 below it), zeros elsewhere (lazy: a view of a square identity).
Array eye(int64_t n, int64_t m, int64_t k = 0, DType dtype = float32,
          std::source_location loc = std::source_location::current());

/// numpy's empty. kiln fills it with zeros: it has no uninitialized arrays (a value read before
/// it is written would be garbage, which kiln never gives).
Array empty(const Shape& shape, DType dtype = float32,
            std::source_location loc = std::source_location::current());
/// numpy's empty_like: zeros_like (see empty).
Array empty_like(const Array& a, std::source_location loc = std::source_location::current());

/// numpy's identity: the n x n identity matrix (eye(n)).
Array identity(int64_t n, DType dtype = float32,
               std::source_location loc = std::source_location::current());

/// numpy's logspace: base ** linspace(start, stop, num, endpoint), computed in float64 as
/// numpy does, then converted to `dtype`.
Array logspace(double start, double stop, int64_t num = 50, bool endpoint = true,
               double base = 10.0, DType dtype = float64,
               std::source_location loc = std::source_location::current());

/// numpy's geomspace: num values from start to stop in geometric progression (logspace of their
/// logarithms, with start and stop exact at the ends; both negative gives the negated
/// progression). start or stop 0 is an error, as numpy's; opposite signs give nan, as numpy's.
Array geomspace(double start, double stop, int64_t num = 50, bool endpoint = true,
                DType dtype = float64, std::source_location loc = std::source_location::current());

/// One axis of mgrid or ogrid: numpy's slice start:stop:step (the values start + i * step
/// below stop; int64 when every bound is a C++ integer, else float64), or, with `points`,
/// numpy's complex step start:stop:Nj (N values from start to stop, both included).
struct GridRange {
  Scalar start = Scalar::of(0), stop = Scalar::of(0), step = Scalar::of(1);
  int64_t num = 0;  ///< > 0: that many points, stop included (numpy's complex step)

  GridRange() = default;
  /// 0:stop.
  template <class Stop>
  requires std::is_arithmetic_v<Stop> GridRange(Stop stop) : stop(Scalar::of(stop)) {}
  /// start:stop:step.
  template <class Start, class Stop, class Step = int>
  requires std::is_arithmetic_v<Start> && std::is_arithmetic_v<Stop> && std::is_arithmetic_v<Step>
  GridRange(Start start, Stop stop, Step step = 1)
      : start(Scalar::of(start)), stop(Scalar::of(stop)), step(Scalar::of(step)) {}
  /// start:stop:num*1j: `num` points from start to stop (float64).
  static GridRange points(double start, double stop, int64_t num) {
    GridRange r(start, stop);
    r.num = num;
    return r;
  }
};

/// numpy's mgrid[r0, r1, ...]: the dense grid, shape (len(ranges), n0, n1, ...), whose k-th
/// slice holds range k's values along axis k; one range gives its 1-d values (as numpy's).
/// Lazy broadcasts of 1-d ranges.
Array mgrid(const std::vector<GridRange>& ranges,
            std::source_location loc = std::source_location::current());
/// numpy's ogrid[r0, r1, ...]: the open grid, range k's values along axis k of an otherwise
/// extent-1 array, so that they broadcast together.
std::vector<Array> ogrid(const std::vector<GridRange>& ranges,
                         std::source_location loc = std::source_location::current());

}  // namespace kiln
