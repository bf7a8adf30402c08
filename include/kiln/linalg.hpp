// Linear algebra: matmul (a BLAS on the CPU), dot and outer, with numpy's semantics.
#pragma once

#include <source_location>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's matmul: 2-d matrix products, and stacks of them with numpy broadcasting of the
/// batch dimensions; a 1-d operand is a row (left) or column (right) vector whose axis is
/// dropped from the result. float32 and float64 run in the CPU's BLAS (OpenBLAS); lazy
/// operands are evaluated first, and transposed views are passed as BLAS transposes, not
/// copied. Integer and bool operands compute exactly as numpy does (bool: or of ands).
Array matmul(const Array& a, const Array& b,
             std::source_location loc = std::source_location::current());

/// numpy's dot: the inner product of 1-d arrays, matmul for 2-d ones, scalar multiplication
/// for 0-d ones, and otherwise the sum over the last axis of `a` and the second-to-last of `b`.
Array dot(const Array& a, const Array& b,
          std::source_location loc = std::source_location::current());

/// numpy's outer: out[i, j] = a.flat[i] * b.flat[j] (an elementwise kernel).
Array outer(const Array& a, const Array& b,
            std::source_location loc = std::source_location::current());

/// The covariance matrix of the variables in the rows of `m` (columns with rowvar false), in
/// float64 (complex128 for complex input), normalised by N - ddof (numpy's cov; one variable
/// gives a 0-d array).
Array cov(const Array& m, bool rowvar = true, int ddof = 1,
          std::source_location loc = std::source_location::current());
/// Pearson correlation coefficients: cov normalised by the standard deviations, clipped to
/// [-1, 1] (numpy's corrcoef).
Array corrcoef(const Array& m, bool rowvar = true,
               std::source_location loc = std::source_location::current());

}  // namespace kiln
