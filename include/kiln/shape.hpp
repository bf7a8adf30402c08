// Shape operations. They are views: no data moves; kernels read through strides.
#pragma once

#include <source_location>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// `a` with a new shape of the same size; one extent may be -1 (inferred).
Array reshape(const Array& a, const Shape& shape,
              std::source_location loc = std::source_location::current());
/// Axes reversed.
Array transpose(const Array& a, std::source_location loc = std::source_location::current());
/// Axes permuted: result axis i is `a`'s axis axes[i] (negative axes count from the end).
Array transpose(const Array& a, const std::vector<int>& axes,
                std::source_location loc = std::source_location::current());
/// Every axis of extent 1 removed.
Array squeeze(const Array& a, std::source_location loc = std::source_location::current());
/// The given axis, which must have extent 1, removed.
Array squeeze(const Array& a, int axis, std::source_location loc = std::source_location::current());
/// The given axes, each of extent 1, removed.
Array squeeze(const Array& a, const std::vector<int>& axes,
              std::source_location loc = std::source_location::current());
/// A new axis of extent 1 inserted at `axis` (an axis of the result; negative counts from the end).
Array expand_dims(const Array& a, int axis,
                  std::source_location loc = std::source_location::current());
/// New axes of extent 1 at each of `axes` (axes of the result).
Array expand_dims(const Array& a, const std::vector<int>& axes,
                  std::source_location loc = std::source_location::current());
/// `a` broadcast to `shape` with numpy's rules.
Array broadcast_to(const Array& a, const Shape& shape,
                   std::source_location loc = std::source_location::current());
/// `a` as a 1-d array (row-major).
Array flatten(const Array& a, std::source_location loc = std::source_location::current());

}  // namespace kiln
