// Reductions, fused with whatever produces their operand: `sum(x*x + 1)` reads x once and never
// stores x*x + 1. numpy's result dtypes (sum of int32 is int64, mean of integers is float64,
// argmax is int64) and nan behaviour (a nan makes sum, max, min and mean nan).
#pragma once

#include <optional>
#include <source_location>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// Sum of all elements (a 0-d array).
Array sum(const Array& a, std::source_location loc = std::source_location::current());
/// Sum along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
Array sum(const Array& a, int axis, bool keepdims = false,
          std::source_location loc = std::source_location::current());
/// Sum along several axes.
Array sum(const Array& a, const std::vector<int>& axes, bool keepdims = false,
          std::source_location loc = std::source_location::current());

/// Product of all elements.
Array prod(const Array& a, std::source_location loc = std::source_location::current());
/// Product along `axis`.
Array prod(const Array& a, int axis, bool keepdims = false,
           std::source_location loc = std::source_location::current());
/// Product along several axes.
Array prod(const Array& a, const std::vector<int>& axes, bool keepdims = false,
           std::source_location loc = std::source_location::current());

/// Arithmetic mean of all elements (integers give float64).
Array mean(const Array& a, std::source_location loc = std::source_location::current());
/// Mean along `axis`.
Array mean(const Array& a, int axis, bool keepdims = false,
           std::source_location loc = std::source_location::current());
/// Mean along several axes.
Array mean(const Array& a, const std::vector<int>& axes, bool keepdims = false,
           std::source_location loc = std::source_location::current());

/// Largest element (nan if any is nan). An empty array is an error, as in numpy.
Array max(const Array& a, std::source_location loc = std::source_location::current());
/// Largest element along `axis`.
Array max(const Array& a, int axis, bool keepdims = false,
          std::source_location loc = std::source_location::current());
/// Largest element along several axes.
Array max(const Array& a, const std::vector<int>& axes, bool keepdims = false,
          std::source_location loc = std::source_location::current());

/// Smallest element (nan if any is nan).
Array min(const Array& a, std::source_location loc = std::source_location::current());
/// Smallest element along `axis`.
Array min(const Array& a, int axis, bool keepdims = false,
          std::source_location loc = std::source_location::current());
/// Smallest element along several axes.
Array min(const Array& a, const std::vector<int>& axes, bool keepdims = false,
          std::source_location loc = std::source_location::current());

/// Flat index of the first largest element (a nan counts as largest), int64.
Array argmax(const Array& a, std::source_location loc = std::source_location::current());
/// Index along `axis` of the first largest element.
Array argmax(const Array& a, int axis, bool keepdims = false,
             std::source_location loc = std::source_location::current());
/// Flat index of the first smallest element (a nan counts as smallest), int64.
Array argmin(const Array& a, std::source_location loc = std::source_location::current());
/// Index along `axis` of the first smallest element.
Array argmin(const Array& a, int axis, bool keepdims = false,
             std::source_location loc = std::source_location::current());

/// True if any element is nonzero.
Array any(const Array& a, std::source_location loc = std::source_location::current());
/// Any along `axis`.
Array any(const Array& a, int axis, bool keepdims = false,
          std::source_location loc = std::source_location::current());
/// Any along several axes.
Array any(const Array& a, const std::vector<int>& axes, bool keepdims = false,
          std::source_location loc = std::source_location::current());
/// True if every element is nonzero.
Array all(const Array& a, std::source_location loc = std::source_location::current());
/// All along `axis`.
Array all(const Array& a, int axis, bool keepdims = false,
          std::source_location loc = std::source_location::current());
/// All along several axes.
Array all(const Array& a, const std::vector<int>& axes, bool keepdims = false,
          std::source_location loc = std::source_location::current());

/// Variance of all elements: mean(abs(a - mean(a))**2) * n / (n - ddof), as numpy computes it.
Array var(const Array& a, std::source_location loc = std::source_location::current());
/// Variance along `axis`.
Array var(const Array& a, int axis, bool keepdims = false, int ddof = 0,
          std::source_location loc = std::source_location::current());
/// Variance along several axes.
Array var(const Array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          std::source_location loc = std::source_location::current());
/// Standard deviation: sqrt(var). Call it as kiln::std (with `using namespace kiln`, a bare
/// `std(...)` is ambiguous with namespace std).
Array std(const Array& a, std::source_location loc = std::source_location::current());
/// Standard deviation along `axis`.
Array std(const Array& a, int axis, bool keepdims = false, int ddof = 0,
          std::source_location loc = std::source_location::current());
/// Standard deviation along several axes.
Array std(const Array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          std::source_location loc = std::source_location::current());

/// numpy's count_nonzero: how many elements are not zero (int64), over all of `a`.
Array count_nonzero(const Array& a, std::source_location loc = std::source_location::current());
/// count_nonzero along `axis`.
Array count_nonzero(const Array& a, int axis, bool keepdims = false,
                    std::source_location loc = std::source_location::current());
/// numpy's ptp: max - min over all of `a` (in a's dtype: integers wrap as numpy's).
Array ptp(const Array& a, std::source_location loc = std::source_location::current());
/// ptp along `axis`.
Array ptp(const Array& a, int axis, bool keepdims = false,
          std::source_location loc = std::source_location::current());
/// numpy's nan_to_num: nan replaced by `nan`, +inf by `posinf` and -inf by `neginf` (by
/// default the dtype's largest and lowest finite values); complex arrays part by part;
/// integers and bools unchanged.
Array nan_to_num(const Array& x, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                 std::optional<double> neginf = std::nullopt,
                 std::source_location loc = std::source_location::current());

}  // namespace kiln
