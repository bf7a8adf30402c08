// numpy's nan-ignoring reductions, and comparisons of whole arrays (isclose, allclose,
// array_equal). The reductions are lazy compositions of where() and the ordinary reductions;
// allclose and array_equal answer a bool, so they are syncs, and so is nanargmax/nanargmin's
// check for a slice of nans alone (an error, as numpy's).
#pragma once

#include <optional>
#include <source_location>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// Sum, nans counted as 0 (integers: sum), over all elements.
Array nansum(const Array& a, std::source_location loc = std::source_location::current());
/// nansum along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
Array nansum(const Array& a, int axis, bool keepdims = false,
             std::source_location loc = std::source_location::current());
/// nansum along several axes.
Array nansum(const Array& a, const std::vector<int>& axes, bool keepdims = false,
             std::source_location loc = std::source_location::current());

/// Product, nans counted as 1 (integers: prod), over all elements.
Array nanprod(const Array& a, std::source_location loc = std::source_location::current());
/// nanprod along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
Array nanprod(const Array& a, int axis, bool keepdims = false,
              std::source_location loc = std::source_location::current());
/// nanprod along several axes.
Array nanprod(const Array& a, const std::vector<int>& axes, bool keepdims = false,
              std::source_location loc = std::source_location::current());

/// Largest element ignoring nans; nan where every element is nan, over all elements.
Array nanmax(const Array& a, std::source_location loc = std::source_location::current());
/// nanmax along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
Array nanmax(const Array& a, int axis, bool keepdims = false,
             std::source_location loc = std::source_location::current());
/// nanmax along several axes.
Array nanmax(const Array& a, const std::vector<int>& axes, bool keepdims = false,
             std::source_location loc = std::source_location::current());

/// Smallest element ignoring nans; nan where every element is nan, over all elements.
Array nanmin(const Array& a, std::source_location loc = std::source_location::current());
/// nanmin along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
Array nanmin(const Array& a, int axis, bool keepdims = false,
             std::source_location loc = std::source_location::current());
/// nanmin along several axes.
Array nanmin(const Array& a, const std::vector<int>& axes, bool keepdims = false,
             std::source_location loc = std::source_location::current());

/// Mean of the elements that are not nan (nan where none is), over all elements.
Array nanmean(const Array& a, std::source_location loc = std::source_location::current());
/// nanmean along `axis` (negative counts from the end); `keepdims` keeps it with extent 1.
Array nanmean(const Array& a, int axis, bool keepdims = false,
              std::source_location loc = std::source_location::current());
/// nanmean along several axes.
Array nanmean(const Array& a, const std::vector<int>& axes, bool keepdims = false,
              std::source_location loc = std::source_location::current());

/// Variance of the elements that are not nan, divided by their count minus ddof (nan where that is
/// not positive), over all elements.
Array nanvar(const Array& a, std::source_location loc = std::source_location::current());
/// nanvar along `axis`.
Array nanvar(const Array& a, int axis, bool keepdims = false, int ddof = 0,
             std::source_location loc = std::source_location::current());
/// nanvar along several axes.
Array nanvar(const Array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
             std::source_location loc = std::source_location::current());

/// Square root of nanvar, over all elements.
Array nanstd(const Array& a, std::source_location loc = std::source_location::current());
/// nanstd along `axis`.
Array nanstd(const Array& a, int axis, bool keepdims = false, int ddof = 0,
             std::source_location loc = std::source_location::current());
/// nanstd along several axes.
Array nanstd(const Array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
             std::source_location loc = std::source_location::current());

/// The flat index of the largest element ignoring nans (numpy's nanargmax). A slice of nans
/// alone is an error ("All-NaN slice encountered", as numpy): for float input this is a sync,
/// which reads whether any slice is all nan.
Array nanargmax(const Array& a, std::source_location loc = std::source_location::current());
/// nanargmax along `axis`; `keepdims` keeps it with extent 1.
Array nanargmax(const Array& a, int axis, bool keepdims = false,
                std::source_location loc = std::source_location::current());
/// The flat index of the smallest element ignoring nans (numpy's nanargmin; see nanargmax).
Array nanargmin(const Array& a, std::source_location loc = std::source_location::current());
/// nanargmin along `axis`.
Array nanargmin(const Array& a, int axis, bool keepdims = false,
                std::source_location loc = std::source_location::current());

/// Where a and b are equal within atol + rtol * |b| (numpy's isclose: infinities equal only
/// themselves; nans equal each other with `equal_nan`). Lazy, bool, broadcast.
Array isclose(const Operand& a, const Operand& b, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false);
/// Whether isclose holds everywhere (a sync).
bool allclose(const Operand& a, const Operand& b, double rtol = 1e-5, double atol = 1e-8,
              bool equal_nan = false);
/// Whether a and b have the same shape and equal elements (nans equal with `equal_nan`; a sync).
bool array_equal(const Array& a, const Array& b, bool equal_nan = false,
                 std::source_location loc = std::source_location::current());
/// Whether a and b broadcast to each other with equal elements (numpy's array_equiv; a sync;
/// false without one when the shapes do not broadcast).
bool array_equiv(const Array& a, const Array& b,
                 std::source_location loc = std::source_location::current());
/// cumsum with nans counted as 0 (over the flattened array without an axis).
Array nancumsum(const Array& a, std::optional<int> axis = std::nullopt,
                std::source_location loc = std::source_location::current());
/// cumprod with nans counted as 1.
Array nancumprod(const Array& a, std::optional<int> axis = std::nullopt,
                 std::source_location loc = std::source_location::current());
/// numpy's nanmedian of the flattened array: the median of its numbers, nans left out (nan when
/// there are none). Implemented with median (src/api/sorting.cpp): lazy, a sort and gathers.
Array nanmedian(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's nanmedian along `axis`.
Array nanmedian(const Array& a, int axis, bool keepdims = false,
                std::source_location loc = std::source_location::current());
/// numpy's nanquantile (method 'linear'): quantile of the numbers of the flattened array, nans
/// left out; nan where there are none.
Array nanquantile(const Array& a, double q,
                  std::source_location loc = std::source_location::current());
/// numpy's nanquantile along `axis`.
Array nanquantile(const Array& a, double q, int axis, bool keepdims = false,
                  std::source_location loc = std::source_location::current());
/// numpy's nanquantile for several q (a leading axis of len(qs)).
Array nanquantile(const Array& a, const std::vector<double>& qs, int axis, bool keepdims = false,
                  std::source_location loc = std::source_location::current());
/// numpy's nanpercentile: nanquantile(a, p / 100).
Array nanpercentile(const Array& a, double p,
                    std::source_location loc = std::source_location::current());
/// numpy's nanpercentile along `axis`.
Array nanpercentile(const Array& a, double p, int axis, bool keepdims = false,
                    std::source_location loc = std::source_location::current());
/// numpy's nanpercentile for several p (a leading axis of len(ps)).
Array nanpercentile(const Array& a, const std::vector<double>& ps, int axis, bool keepdims = false,
                    std::source_location loc = std::source_location::current());

/// numpy's average: the mean without weights; with them, sum(a * w) / sum(w) over `axis` (every
/// element without one), in float64 for integer input (numpy's result_type with 'f8'). 1-d
/// weights along `axis` broadcast; other shapes must equal a's. Weights summing to zero are an
/// error, as numpy's: with weights, average reads their sums (a sync).
Array average(const Array& a, std::optional<int> axis = std::nullopt,
              const std::optional<Array>& weights = std::nullopt,
              std::source_location loc = std::source_location::current());

}  // namespace kiln
