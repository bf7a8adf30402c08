// Selections whose size depends on the data, with numpy's semantics: nonzero, flatnonzero,
// argwhere, where(condition), compress and extract. Each is a sync point: the condition is
// evaluated and read on the host (as numpy's own boolean indexing must know the count), and
// the indices found are new int64 arrays on the condition's device. The elements they select
// are then taken lazily. An element counts as true when it is not zero (NaN is true, as in
// numpy).
#pragma once

#include <source_location>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's nonzero: for each axis of `a`, the int64 indices along it of the true elements, in
/// C order. A 0-d array is an error (NumPy 2 raises; use `a.reshape({1})`).
std::vector<Array> nonzero(const Array& a,
                           std::source_location loc = std::source_location::current());

/// numpy's where(condition) with one argument: nonzero(condition).
std::vector<Array> where(const Array& condition,
                         std::source_location loc = std::source_location::current());

/// numpy's flatnonzero: the int64 indices of the true elements of the flattened array.
Array flatnonzero(const Array& a, std::source_location loc = std::source_location::current());

/// numpy's argwhere: an int64 array of shape (count, ndim), one row of indices per true element
/// in C order. A 0-d array gives shape (1, 0) when true and (0, 0) when false, as in numpy.
Array argwhere(const Array& a, std::source_location loc = std::source_location::current());

/// numpy's compress(condition, a, axis): the slices of `a` along `axis` where the 1-d
/// `condition` is true. A condition shorter than the axis leaves the rest out; a true element
/// past the axis's end is an error.
Array compress(const Array& condition, const Array& a, int axis,
               std::source_location loc = std::source_location::current());

/// numpy's compress(condition, a) without an axis: the elements of the flattened `a` where the
/// 1-d `condition` is true.
Array compress(const Array& condition, const Array& a,
               std::source_location loc = std::source_location::current());

/// numpy's extract(condition, arr): the elements of the flattened `arr` where the flattened
/// `condition` is true. A true element past the end of `arr` is an error.
Array extract(const Array& condition, const Array& arr,
              std::source_location loc = std::source_location::current());

}  // namespace kiln
