// Rearranging arrays, numpy's names and semantics: flips, rotations, rolls, axis moves,
// diagonals and triangles, stacking and splitting, repeating and tiling. Most are views (no
// copy, composed with what reads them); the rest are ordinary lazy ops. All are differentiable
// through the ops they are made of.
#pragma once

#include <optional>
#include <source_location>
#include <string_view>
#include <utility>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// The elements along every axis reversed (a view with negative strides).
Array flip(const Array& a, std::source_location loc = std::source_location::current());
/// The elements along `axis` reversed.
Array flip(const Array& a, int axis, std::source_location loc = std::source_location::current());
/// The elements along each of `axes` reversed.
Array flip(const Array& a, const std::vector<int>& axes,
           std::source_location loc = std::source_location::current());
/// flip(a, 1): left and right swapped (a needs 2 dimensions or more).
Array fliplr(const Array& a, std::source_location loc = std::source_location::current());
/// flip(a, 0): up and down swapped (a needs 1 dimension or more).
Array flipud(const Array& a, std::source_location loc = std::source_location::current());
/// a rotated by 90 degrees `k` times in the plane of `axes`, from the first towards the second.
Array rot90(const Array& a, int k = 1, std::vector<int> axes = {0, 1},
            std::source_location loc = std::source_location::current());
/// The elements shifted by `shift` positions along `axis`, those past the end coming back at
/// the start.
Array roll(const Array& a, int64_t shift, int axis,
           std::source_location loc = std::source_location::current());
/// roll over the flattened array, reshaped back.
Array roll(const Array& a, int64_t shift,
           std::source_location loc = std::source_location::current());
/// Axis `source` moved to position `destination`, the others keeping their order.
Array moveaxis(const Array& a, int source, int destination,
               std::source_location loc = std::source_location::current());
/// Axes `axis1` and `axis2` interchanged.
Array swapaxes(const Array& a, int axis1, int axis2,
               std::source_location loc = std::source_location::current());

/// The diagonal at `offset` (above the main one when positive) of the planes given by `axis1`
/// and `axis2`, as the last axis (a view).
Array diagonal(const Array& a, int64_t offset = 0, int axis1 = 0, int axis2 = 1,
               std::source_location loc = std::source_location::current());
/// The sums along diagonals (numpy's trace: sum(diagonal(...), -1), with sum's dtypes).
Array trace(const Array& a, int64_t offset = 0, int axis1 = 0, int axis2 = 1,
            std::source_location loc = std::source_location::current());
/// 1-d `v`: a square matrix with v on diagonal `k`, zeros elsewhere; 2-d: its k-th diagonal.
Array diag(const Array& v, int64_t k = 0,
           std::source_location loc = std::source_location::current());
/// The elements on and above diagonal `k` of the last two axes, zeros below.
Array triu(const Array& a, int64_t k = 0,
           std::source_location loc = std::source_location::current());
/// The elements on and below diagonal `k` of the last two axes, zeros above.
Array tril(const Array& a, int64_t k = 0,
           std::source_location loc = std::source_location::current());

/// Arrays joined along the second axis (the first for 1-d arrays).
Array hstack(const std::vector<Array>& arrays,
             std::source_location loc = std::source_location::current());
/// Arrays joined along the first axis, 1-d ones as rows.
Array vstack(const std::vector<Array>& arrays,
             std::source_location loc = std::source_location::current());
/// Arrays joined along the third axis (1-d ones as (1, n, 1), 2-d ones as (m, n, 1)).
Array dstack(const std::vector<Array>& arrays,
             std::source_location loc = std::source_location::current());
/// 1-d arrays as the columns of a 2-d array; 2-d ones joined along the second axis.
Array column_stack(const std::vector<Array>& arrays,
                   std::source_location loc = std::source_location::current());
/// `a` cut into `sections` equal parts along `axis` (an error when they cannot be equal).
std::vector<Array> split(const Array& a, int64_t sections, int axis = 0,
                         std::source_location loc = std::source_location::current());
/// `a` cut before each of `indices` along `axis` (views).
std::vector<Array> split(const Array& a, const std::vector<int64_t>& indices, int axis = 0,
                         std::source_location loc = std::source_location::current());
/// `a` cut into `sections` parts along `axis`, the first ones one longer when they cannot be
/// equal.
std::vector<Array> array_split(const Array& a, int64_t sections, int axis = 0,
                               std::source_location loc = std::source_location::current());

/// Each element repeated `repeats` times along `axis`.
Array repeat(const Array& a, int64_t repeats, int axis,
             std::source_location loc = std::source_location::current());
/// Each element of the flattened array repeated `repeats` times.
Array repeat(const Array& a, int64_t repeats,
             std::source_location loc = std::source_location::current());
/// `a` repeated reps[i] times along axis i (numpy's tile: reps and a's shape are aligned at
/// the right, the shorter padded with ones).
Array tile(const Array& a, const std::vector<int64_t>& reps,
           std::source_location loc = std::source_location::current());

/// `a` padded along each axis d with widths[d].first values before and widths[d].second after,
/// all `value` (numpy's pad with mode="constant"); one pair for every axis, or one for all.
Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& widths, double value = 0,
          std::source_location loc = std::source_location::current());

/// pad's keyword arguments for its other modes.
struct PadOptions {
  /// linear_ramp: the values at the outer ends, before and after (numpy's end_values).
  std::pair<double, double> end_values{0, 0};
  /// maximum, minimum, mean, median: how many values at each end of an axis the statistic
  /// reads (numpy's stat_length, one for every end; at least 1); empty: the whole axis.
  std::optional<int64_t> stat_length;
};

/// numpy's pad with another mode, axis after axis as numpy's: "edge", "reflect", "symmetric",
/// "wrap" (a gather of `a`'s own values: lazy, differentiable), "linear_ramp" (numpy's linspace
/// from end_values to the edge, cast to `a`'s dtype), "maximum", "minimum", "mean", "median"
/// (of stat_length values at each end; integer arrays get the mean or median rounded to
/// even, as numpy's). An axis of extent 0 can only be padded with constants (numpy's error).
/// Not provided: reflect_type="odd", mode "empty", per-axis stat_length or end_values.
Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& widths,
          std::string_view mode, const PadOptions& options = {},
          std::source_location loc = std::source_location::current());

/// Coordinate matrices from 1-d coordinate vectors (numpy's meshgrid): with `ij` indexing the
/// i-th result varies along axis i; with the default `xy`, the first two axes are swapped.
/// Broadcast views, no copies.
std::vector<Array> meshgrid(const std::vector<Array>& xs, bool ij_indexing = false,
                            std::source_location loc = std::source_location::current());
/// An array of shape (len(dims), *dims) whose i-th slice holds the index along axis i (numpy's
/// indices).
Array indices(const Shape& dims, DType dtype = int64,
              std::source_location loc = std::source_location::current());

/// The n-th discrete difference along `axis` (not_equal for bools, as numpy).
Array diff(const Array& a, int n = 1, int axis = -1,
           std::source_location loc = std::source_location::current());
/// The differences between consecutive elements of the flattened array.
Array ediff1d(const Array& a, std::source_location loc = std::source_location::current());

/// numpy's atleast_1d: `a`, a 0-d array as shape (1,).
Array atleast_1d(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's atleast_2d: 0-d as (1, 1), 1-d (n,) as (1, n).
Array atleast_2d(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's atleast_3d: 0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as (m, n, 1).
Array atleast_3d(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's broadcast_arrays: each array broadcast to the arrays' common shape (views).
std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays,
                                    std::source_location loc = std::source_location::current());
/// numpy's diagflat: the flattened `v` on diagonal k of a square matrix.
Array diagflat(const Array& v, int64_t k = 0,
               std::source_location loc = std::source_location::current());
/// numpy's tri: an n x m matrix of ones at and below diagonal k, zeros above (lazy).
Array tri(int64_t n, int64_t m, int64_t k = 0, DType dtype = float32,
          std::source_location loc = std::source_location::current());
/// numpy's trapz: the trapezoidal rule along `axis`, with spacing dx, (y[i] + y[i+1]) / 2 *
/// dx summed as numpy sums it.
Array trapz(const Array& y, double dx = 1.0, int axis = -1,
            std::source_location loc = std::source_location::current());
/// trapz with the sample points x (1-d, y's extent along `axis`, or y's shape).
Array trapz(const Array& y, const Array& x, int axis = -1,
            std::source_location loc = std::source_location::current());

/// numpy's gradient: the derivative of the samples `f` along each of `axes` (all when empty)
/// by central differences inside and one-sided differences of order `edge_order` (1 or 2) at
/// the ends. `spacing` is empty (unit spacing), one scalar for every axis, or one entry per
/// axis: a scalar spacing, or a 1-d array of the coordinates along that axis (non-uniform
/// coordinates use numpy's second-order formula; uniform ones, detected as numpy detects them,
/// the simpler one, without a sync). Integer input gives float64. One array per axis, always a
/// vector (numpy returns a lone array for one axis). Lazy and differentiable.
std::vector<Array> gradient(const Array& f, const std::vector<Operand>& spacing = {},
                            const std::vector<int>& axes = {}, int edge_order = 1,
                            std::source_location loc = std::source_location::current());

/// numpy's correlate of two 1-d arrays: c[k] = sum_n a[n + k] * conj(v[n]), for the lags of
/// `mode` "valid" (default: where v and a overlap fully), "same" (max(len) values, centred as
/// numpy's) or "full"; numpy's direct sum, one fused gather-multiply-sum kernel. The dtype is
/// the operands' promoted one (integer sums wrap in it, as numpy's).
Array correlate(const Array& a, const Array& v, std::string_view mode = "valid",
                std::source_location loc = std::source_location::current());
/// numpy's convolve of two 1-d arrays: (a * v)[k] = sum_n a[n] v[k - n] for mode "full"
/// (default), "same" or "valid" (no conjugation).
Array convolve(const Array& a, const Array& v, std::string_view mode = "full",
               std::source_location loc = std::source_location::current());

// ---- More of numpy's array functions (src/api/manipulation_more.cpp) ------------------------

/// numpy's append with axis=None: the flattened arrays joined (concatenate's dtype rules).
Array append(const Array& arr, const Array& values,
             std::source_location loc = std::source_location::current());
/// numpy's append along `axis`: concatenate({arr, values}, axis).
Array append(const Array& arr, const Array& values, int axis,
             std::source_location loc = std::source_location::current());
/// split along axis 1 (axis 0 for 1-d arrays; 0-d is an error), as numpy's hsplit.
std::vector<Array> hsplit(const Array& a, int64_t sections,
                          std::source_location loc = std::source_location::current());
/// hsplit at the given indices.
std::vector<Array> hsplit(const Array& a, const std::vector<int64_t>& indices,
                          std::source_location loc = std::source_location::current());
/// split along axis 0 of an array of 2 or more dimensions (numpy's vsplit).
std::vector<Array> vsplit(const Array& a, int64_t sections,
                          std::source_location loc = std::source_location::current());
/// vsplit at the given indices.
std::vector<Array> vsplit(const Array& a, const std::vector<int64_t>& indices,
                          std::source_location loc = std::source_location::current());
/// split along axis 2 of an array of 3 or more dimensions (numpy's dsplit).
std::vector<Array> dsplit(const Array& a, int64_t sections,
                          std::source_location loc = std::source_location::current());
/// dsplit at the given indices.
std::vector<Array> dsplit(const Array& a, const std::vector<int64_t>& indices,
                          std::source_location loc = std::source_location::current());
/// numpy's rollaxis: `axis` moved to stand before position `start` (a view).
Array rollaxis(const Array& a, int axis, int start = 0,
               std::source_location loc = std::source_location::current());
/// numpy's select: where the first true condition is, its choice; `fallback` (numpy's default)
/// where none is. Conditions must be bool; the dtype is the choices' and fallback's result type.
Array select(const std::vector<Array>& conditions, const std::vector<Array>& choices,
             const Operand& fallback = 0,
             std::source_location loc = std::source_location::current());

// ---- numpy's index helpers (src/api/index_functions.cpp) ---------------------------------------

/// numpy's broadcast_shapes: the shape the given shapes broadcast to (an error when they do not).
Shape broadcast_shapes(const std::vector<Shape>& shapes,
                       std::source_location loc = std::source_location::current());
/// numpy's diag_indices: `ndim` copies of arange(n), indexing the main diagonal.
std::vector<Array> diag_indices(int64_t n, int ndim = 2,
                                std::source_location loc = std::source_location::current());
/// numpy's diag_indices_from: diag_indices of an array of 2 or more equal dimensions.
std::vector<Array> diag_indices_from(const Array& a,
                                     std::source_location loc = std::source_location::current());
/// numpy's tril_indices: the row and column indices of an n x m (m = n by default) matrix's
/// lower triangle up to diagonal k, in row-major order.
std::vector<Array> tril_indices(int64_t n, int64_t k = 0, std::optional<int64_t> m = std::nullopt,
                                std::source_location loc = std::source_location::current());
/// numpy's triu_indices: the upper triangle from diagonal k.
std::vector<Array> triu_indices(int64_t n, int64_t k = 0, std::optional<int64_t> m = std::nullopt,
                                std::source_location loc = std::source_location::current());
/// tril_indices for a 2-d array's shape.
std::vector<Array> tril_indices_from(const Array& a, int64_t k = 0,
                                     std::source_location loc = std::source_location::current());
/// triu_indices for a 2-d array's shape.
std::vector<Array> triu_indices_from(const Array& a, int64_t k = 0,
                                     std::source_location loc = std::source_location::current());
/// numpy's ix_: the 1-d sequences (bool ones: their true positions, a sync) reshaped to
/// broadcast against each other, for an open mesh of indices.
std::vector<Array> ix_(const std::vector<Array>& seqs,
                       std::source_location loc = std::source_location::current());
/// numpy's unravel_index: the coordinates in `shape` of flat indices (int64 arrays; an index out
/// of bounds is numpy's error, which reads the indices' range: a sync).
std::vector<Array> unravel_index(const Array& indices, const Shape& shape,
                                 std::source_location loc = std::source_location::current());
/// numpy's ravel_multi_index with mode 'raise': flat indices of coordinates in `dims` (a sync to
/// check their bounds, as unravel_index).
Array ravel_multi_index(const std::vector<Array>& multi_index, const Shape& dims,
                        std::source_location loc = std::source_location::current());

/// numpy's copy. kiln's arrays are values (assigning to one rebinds that handle and never shows
/// through another), so the copy shares the array.
Array copy(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's vander: columns x^(N-1), ..., x, 1 (or increasing powers) of a 1-d x, N = len(x) by
/// default, as numpy's running products, in promote_types(x, int64).
Array vander(const Array& x, std::optional<int64_t> n = std::nullopt, bool increasing = false,
             std::source_location loc = std::source_location::current());
/// numpy's resize: the flattened a repeated to fill `new_shape` (zeros when either is empty).
Array resize(const Array& a, const Shape& new_shape,
             std::source_location loc = std::source_location::current());
/// numpy's unwrap: jumps along `axis` larger than `discont` (default period / 2) replaced by
/// their complement modulo `period`, for real input (float32 stays float32, integers give
/// float64).
Array unwrap(const Array& p, std::optional<double> discont = std::nullopt, int axis = -1,
             double period = 6.283185307179586,
             std::source_location loc = std::source_location::current());

}  // namespace kiln
