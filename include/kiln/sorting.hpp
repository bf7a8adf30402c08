// Sorting, searching and order statistics with numpy's names and semantics: sort, argsort,
// partition, argpartition, searchsorted, unique (a sync: its size depends on the data), median,
// quantile, percentile.
//
// numpy's order everywhere: nan after every number; complex numbers by real part, then imaginary
// part. kiln's sort and argsort are always stable (numpy's kind='stable'; its default quicksort
// may order equal elements either way). The sorts run on the host, on a GPU array too (through
// a copy), as scatters do.
#pragma once

#include <source_location>
#include <string_view>
#include <utility>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's sort(a, axis): the elements sorted along `axis` (default the last). For numpy's
/// axis=None, sort(flatten(a)).
Array sort(const Array& a, int axis = -1,
           std::source_location loc = std::source_location::current());

/// numpy's argsort(a, axis, kind='stable'): the int64 positions that sort `a` along `axis`.
Array argsort(const Array& a, int axis = -1,
              std::source_location loc = std::source_location::current());

/// numpy's partition(a, kth, axis): the element that sorts at position `kth` (negative: from
/// the end) placed there, no later-sorting element before it and no earlier-sorting one after
/// it, in no particular order otherwise (as numpy: compare by these properties, not elementwise).
Array partition(const Array& a, int64_t kth, int axis = -1,
                std::source_location loc = std::source_location::current());

/// numpy's argpartition: the int64 positions that partition `a` around `kth` along `axis`.
Array argpartition(const Array& a, int64_t kth, int axis = -1,
                   std::source_location loc = std::source_location::current());

/// Which of equal elements searchsorted returns the position of.
enum class Side {
  left,  ///< the first position where the value could go (numpy's default)
  right  ///< the last
};

/// numpy's searchsorted(a, v, side): for each value of `v`, the int64 position in the sorted 1-d
/// `a` at which it would be inserted to keep `a` sorted (v's shape). Both are compared in their
/// promoted dtype. `a` is not checked to be sorted (as numpy); numpy's `sorter` is
/// take(a, sorter) here.
Array searchsorted(const Array& a, const Array& v, Side side = Side::left,
                   std::source_location loc = std::source_location::current());
/// searchsorted for one value: a 0-d int64 array.
Array searchsorted(const Array& a, double v, Side side = Side::left,
                   std::source_location loc = std::source_location::current());

/// numpy's unique(a): the sorted distinct elements of the flattened array (all nans count as
/// one, numpy's equal_nan=True). A sync: the result's size depends on the data.
Array unique(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's unique_counts (NumPy 2): the distinct elements and how often each occurs (int64).
std::pair<Array, Array> unique_counts(const Array& a,
                                      std::source_location loc = std::source_location::current());
/// numpy's unique_inverse (NumPy 2): the distinct elements and, in a's shape, the int64
/// position in them of each element of `a` (so values[inverse] == a).
std::pair<Array, Array> unique_inverse(const Array& a,
                                       std::source_location loc = std::source_location::current());

/// numpy's median of the flattened array: the middle element, or the mean of the two middle
/// ones; nan when any element is nan, and for no elements. float64 for integers.
Array median(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's median along `axis`, keeping it as extent 1 when `keepdims`.
Array median(const Array& a, int axis, bool keepdims = false,
             std::source_location loc = std::source_location::current());

/// numpy's quantile(a, q) of the flattened array, method 'linear' (numpy's default): the
/// sorted elements interpolated at position q * (n - 1), as numpy computes it. `q` in [0, 1];
/// nan when any element is nan; float64 for integers. An empty array is an error (as numpy).
Array quantile(const Array& a, double q,
               std::source_location loc = std::source_location::current());
/// numpy's quantile along `axis` (keeping it as extent 1 when `keepdims`).
Array quantile(const Array& a, double q, int axis, bool keepdims = false,
               std::source_location loc = std::source_location::current());
/// numpy's quantile for several q at once: one leading axis of len(qs) in front of the result.
Array quantile(const Array& a, const std::vector<double>& qs, int axis, bool keepdims = false,
               std::source_location loc = std::source_location::current());

/// numpy's percentile(a, p): quantile(a, p / 100), p in [0, 100].
Array percentile(const Array& a, double p,
                 std::source_location loc = std::source_location::current());
/// numpy's percentile along `axis`.
Array percentile(const Array& a, double p, int axis, bool keepdims = false,
                 std::source_location loc = std::source_location::current());
/// numpy's percentile for several p at once (a leading axis of len(ps)).
Array percentile(const Array& a, const std::vector<double>& ps, int axis, bool keepdims = false,
                 std::source_location loc = std::source_location::current());

// ---- numpy's set routines (src/api/set_operations.cpp) ----------------------------------------

/// numpy's in1d: for each element of the flattened a, whether it equals an element of b (nan
/// equals nothing); lazy (a sort and a binary search of b).
Array in1d(const Array& a, const Array& b, bool invert = false,
           std::source_location loc = std::source_location::current());
/// numpy's isin: in1d shaped as `element`.
Array isin(const Array& element, const Array& test_elements, bool invert = false,
           std::source_location loc = std::source_location::current());
/// numpy's union1d: the sorted unique values of both (a sync, as unique).
Array union1d(const Array& a, const Array& b,
              std::source_location loc = std::source_location::current());
/// numpy's intersect1d: the sorted unique values in both (a sync).
Array intersect1d(const Array& a, const Array& b,
                  std::source_location loc = std::source_location::current());
/// numpy's setdiff1d: the sorted unique values of a not in b (a sync).
Array setdiff1d(const Array& a, const Array& b,
                std::source_location loc = std::source_location::current());
/// numpy's setxor1d: the sorted unique values in exactly one of a and b (a sync).
Array setxor1d(const Array& a, const Array& b,
               std::source_location loc = std::source_location::current());
/// numpy's lexsort of 1-d keys of one length: the int64 order that sorts by the last key, ties
/// by the one before, and so on (stable).
Array lexsort(const std::vector<Array>& keys,
              std::source_location loc = std::source_location::current());
/// numpy's sort_complex: sort along the last axis (complex by real part, then imaginary part),
/// as complex (complex64 for 8- and 16-bit integers, complex128 for other real input).
Array sort_complex(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's trim_zeros: a 1-d array without its leading ('f') and trailing ('b') zeros (a view;
/// finding them is a sync).
Array trim_zeros(const Array& filt, std::string_view trim = "fb",
                 std::source_location loc = std::source_location::current());

}  // namespace kiln
