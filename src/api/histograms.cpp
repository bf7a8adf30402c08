// kiln/histograms.hpp: every count is a scatter-add of ones (or weights) at each value's bin
// index, with values outside the bins sent to one extra bin that is cut off; the bin indices
// are lazy kernels (uniform bins: numpy's arithmetic estimate, made exact by comparing with the
// edges; given edges: searchsorted). What numpy reads from the data before it can size or
// compute the result (bincount's maximum, a histogram's automatic range, whether edges
// increase) is read here with one sync each.
#include "kiln/histograms.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/runtime.hpp"
#include "kiln/shape.hpp"
#include "kiln/sorting.hpp"

namespace kiln {

using detail::to_loc;
using graph::Node;
using graph::SourceLoc;

namespace {

// `x` (a new constant) on the device of `like`.
Array beside(const Array& like, const Array& x, SourceLoc loc) {
  return detail::transfer(x, like.node()->device, loc);
}

// The minimum and maximum of a non-empty array, as doubles (one sync for both).
std::pair<double, double> extremes(const Array& a, std::source_location l) {
  const Array lo = min(a, l).astype(float64, l), hi = max(a, l).astype(float64, l);
  eval({lo, hi}, l);
  return {lo.item<double>(l), hi.item<double>(l)};
}

// v rounded to dtype t (numpy computes a histogram's edges in the data's floating type).
double rounded(double v, DType t) {
  if (t == float32) return static_cast<float>(v);
  if (t == float16) return static_cast<float>(half(static_cast<float>(v)));
  return v;
}

void check_real(const Node* n, std::string_view what, std::string_view fn, SourceLoc loc) {
  if (is_complex(n->dtype))
    graph::throw_error(
        fn, std::string(what) + " may not be complex, got " + std::string(dtype_name(n->dtype)),
        loc);
}

// The outer edges of an automatic or given range (numpy's _get_outer_edges), in dtype t.
std::pair<double, double> outer_edges(const Array& a,
                                      const std::optional<std::pair<double, double>>& range,
                                      DType t, std::string_view fn, SourceLoc loc,
                                      std::source_location l) {
  double first = 0, last = 1;
  if (range) {
    std::tie(first, last) = *range;
    if (first > last)
      graph::throw_error(fn, "max must be larger than min in range parameter.", loc);
    if (!std::isfinite(first) || !std::isfinite(last))
      graph::throw_error(fn,
                         "supplied range of [" + std::to_string(first) + ", " +
                             std::to_string(last) + "] is not finite",
                         loc);
  } else if (a.size() > 0) {
    std::tie(first, last) = extremes(a, l);  // the sync
    if (!std::isfinite(first) || !std::isfinite(last))
      graph::throw_error(fn,
                         "autodetected range of [" + std::to_string(first) + ", " +
                             std::to_string(last) + "] is not finite",
                         loc);
  }
  if (first == last) {
    first = rounded(first - 0.5, t);
    last = rounded(last + 0.5, t);
  }
  return {first, last};
}

// numpy's linspace(first, last, n + 1) as histogram calls it, built here: from the data, first
// and last are numpy scalars of the data's floating type, and linspace then computes in that
// type (the difference, the step, each i * step and the sum with first rounded to it); from a
// given range they are Python floats, and it computes in double. The edges are cast to `out`.
Array uniform_edges(double first, double last, int64_t n, DType scalar, DType out,
                    const Array& like, SourceLoc loc, std::source_location l) {
  const double step = rounded(rounded(last - first, scalar) / static_cast<double>(n), scalar);
  std::vector<double> e(static_cast<size_t>(n + 1));
  for (int64_t i = 0; i < n; ++i) {
    volatile double scaled = rounded(static_cast<double>(i) * step, scalar);  // (no fma)
    e[static_cast<size_t>(i)] = rounded(scaled + first, scalar);
  }
  e[static_cast<size_t>(n)] = last;
  return beside(like, array(e, l).astype(out, l), loc);
}

// The counts of `bin` (int64, values in [0, n], n meaning "not counted"), or the sums of
// `weights` there, and the density on `edges` if asked.
Array counts_in_bins(const Array& bin, int64_t n, const std::optional<Array>& weights, bool density,
                     const Array& edges, SourceLoc loc, std::source_location l) {
  if (n == 0)  // (numpy's empty hist of its dtype)
    return beside(edges,
                  zeros({0},
                        density   ? float64
                        : weights ? weights->dtype()
                                  : int64,
                        l),
                  loc);
  Array hist;
  if (weights) {
    const Array w = flatten(*weights, l).astype(float64, l);
    hist = scatter_add(beside(bin, zeros({n + 1}, float64, l), loc), bin, Operand(w, l));
    hist = hist[{slice(0, n)}].astype(weights->dtype(), l);
  } else {
    hist = scatter_add(beside(bin, zeros({n + 1}, int64, l), loc), bin, Operand(int64_t{1}));
    hist = hist[{slice(0, n)}];
  }
  if (!density) return hist;
  const Array h = hist.astype(float64, l);
  return h / diff(edges.astype(float64, l), 1, -1, l) / sum(h, l);
}

// The weights' checks (numpy's): a's shape, real.
void check_weights(const Array& a, const std::optional<Array>& weights, std::string_view fn,
                   SourceLoc loc) {
  if (!weights) return;
  const Node* w = detail::node_of(*weights, fn, loc);
  if (w->shape != a.node()->shape)
    graph::throw_error(fn,
                       "weights should have the same shape as a: got " +
                           graph::to_string(w->shape) + " and " + graph::to_string(a.node()->shape),
                       loc);
  check_real(w, "weights", fn, loc);
}

}  // namespace

Array bincount(const Array& x, int64_t minlength, std::source_location l) {
  return bincount(x, Array(), minlength, l);
}

Array bincount(const Array& x, const Array& weights, int64_t minlength, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(x, "bincount", loc);
  if (n->shape.rank() != 1)
    graph::throw_error("bincount", "x must be 1-d, got shape " + graph::to_string(n->shape), loc);
  if (!is_integer(n->dtype) && n->dtype != bool_)
    graph::throw_error("bincount",
                       "Cannot cast array data from dtype('" + std::string(dtype_name(n->dtype)) +
                           "') to dtype('int64') according to the rule 'safe'",
                       loc);
  if (minlength < 0) graph::throw_error("bincount", "'minlength' must not be negative", loc);
  std::optional<Array> w;
  if (weights.valid()) {
    const Node* wn = detail::node_of(weights, "bincount", loc);
    if (wn->shape != n->shape)
      graph::throw_error("bincount", "The weights and list don't have the same length.", loc);
    check_real(wn, "weights", "bincount", loc);
    w = weights;
  }
  // An empty x: numpy's int64 zeros, with weights or not.
  if (n->shape[0] == 0) return beside(x, zeros({minlength}, int64, l), loc);
  int64_t length = minlength;
  {
    const auto [lo, hi] = extremes(x, l);  // the sync
    if (lo < 0)
      graph::throw_error("bincount", "'list' argument must have no negative elements", loc);
    length = std::max<int64_t>(length, static_cast<int64_t>(hi) + 1);
  }
  const Array index = x.astype(int64, l);
  if (!w) return scatter_add(beside(x, zeros({length}, int64, l), loc), index, Operand(int64_t{1}));
  return scatter_add(beside(x, zeros({length}, float64, l), loc), index,
                     Operand(w->astype(float64, l), l));
}

Array digitize(const Array& x, const Array& bins, bool right, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* xn = detail::node_of(x, "digitize", loc);
  const Node* bn = detail::node_of(bins, "digitize", loc);
  check_real(xn, "x", "digitize", loc);
  check_real(bn, "bins", "digitize", loc);
  if (bn->shape.rank() != 1)
    graph::throw_error("digitize", "bins must be 1-d, got shape " + graph::to_string(bn->shape),
                       loc);
  const Side side = right ? Side::left : Side::right;
  const int64_t count = bn->shape[0];
  bool increasing = true;
  if (count > 1) {  // numpy's _monotonicity, read (the sync)
    const Array next = bins[{slice(1, none)}], prev = bins[{slice(none, -1)}];
    const Array up = all(greater_equal(Operand(next, l), Operand(prev, l)), l);
    const Array down = all(less_equal(Operand(next, l), Operand(prev, l)), l);
    eval({up, down}, l);
    increasing = up.item<bool>(l);
    if (!increasing && !down.item<bool>(l))
      graph::throw_error("digitize", "bins must be monotonically increasing or decreasing", loc);
  }
  if (increasing) return searchsorted(bins, x, side, l);
  return Operand(count, l) - searchsorted(flip(bins, 0, l), x, side, l);
}

Histogram histogram(const Array& a, int64_t bins, const HistogramOptions& options,
                    std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "histogram", loc);
  check_real(n, "a", "histogram", loc);
  check_weights(a, options.weights, "histogram", loc);
  if (bins < 1) graph::throw_error("histogram", "`bins` must be positive, when an integer", loc);
  const DType t = is_floating(n->dtype) ? n->dtype : float64;
  const Array flat = flatten(a, l);
  const auto [first, last] = outer_edges(flat, options.range, t, "histogram", loc, l);
  const DType scalar = options.range || !is_floating(n->dtype) ? float64 : n->dtype;
  const Array edges = uniform_edges(first, last, bins, scalar, t, a, loc, l);
  const Array x = flat.astype(t, l);
  const Array keep = logical_and(Operand(greater_equal(Operand(x, l), first), l),
                                 Operand(less_equal(Operand(x, l), last), l));
  // numpy's estimate of the bin, then corrected by comparing with the edges themselves.
  const double scale = static_cast<double>(bins) / (last - first);
  Array f = (x.astype(float64, l) - first) * scale;
  f = where(keep, f, 0.0);
  Array index = clip(Operand(floor(Operand(f, l)), l), 0.0, double(bins - 1)).astype(int64, l);
  const Array lower = take(edges, index, l), upper = take(edges, index + int64_t{1}, l);
  index = index - less(Operand(x, l), Operand(lower, l)).astype(int64, l) +
          logical_and(Operand(greater_equal(Operand(x, l), Operand(upper, l)), l),
                      Operand(not_equal(Operand(index, l), bins - 1), l))
              .astype(int64, l);
  const Array bin = where(keep, index, bins);
  return {counts_in_bins(bin, bins, options.weights, options.density, edges, loc, l), edges};
}

Histogram histogram(const Array& a, const Array& bin_edges, const HistogramOptions& options,
                    std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "histogram", loc);
  const Node* en = detail::node_of(bin_edges, "histogram", loc);
  check_real(n, "a", "histogram", loc);
  check_real(en, "bins", "histogram", loc);
  check_weights(a, options.weights, "histogram", loc);
  if (en->shape.rank() != 1)
    graph::throw_error("histogram",
                       "`bins` must be 1d, when an array, got shape " + graph::to_string(en->shape),
                       loc);
  const int64_t bins = std::max<int64_t>(0, en->shape[0] - 1);
  if (bins == 0)  // no bins (numpy's empty histogram)
    return {counts_in_bins(Array(), 0, options.weights, options.density, bin_edges, loc, l),
            bin_edges};
  if (bins > 0) {  // the sync
    const Array next = bin_edges[{slice(1, none)}], prev = bin_edges[{slice(none, -1)}];
    if (any(less(Operand(next, l), Operand(prev, l)), l).item<bool>(l))
      graph::throw_error("histogram", "`bins` must increase monotonically, when an array", loc);
  }
  const Array x = flatten(a, l);
  if (options.weights) {
    // numpy's: the weights in the values' sorted order summed cumulatively (in their dtype),
    // differenced at the edges' positions (so a nan weight spreads as it does in numpy).
    const Array order = argsort(x, 0, l);
    const Array sorted = take(x, order, l);
    const Array w = take(flatten(*options.weights, l), order, l);
    const Array sums = concatenate({beside(a, zeros({1}, w.dtype(), l), loc), cumsum(w, l)});
    const Array at =
        concatenate({searchsorted(sorted, bin_edges[{slice(none, -1)}], Side::left, l),
                     searchsorted(sorted, bin_edges[{slice(-1, none)}], Side::right, l)});
    const Array hist = diff(take(sums, at, l), 1, -1, l);
    if (!options.density) return {hist, bin_edges};
    const Array h = hist.astype(float64, l);
    return {h / diff(bin_edges.astype(float64, l), 1, -1, l) / sum(h, l), bin_edges};
  }
  // edges[i] <= x < edges[i+1]; x equal to the last edge is in the last bin.
  Array index = searchsorted(bin_edges, x, Side::right, l) - int64_t{1};
  const Array on_last = equal(Operand(x, l), Operand(bin_edges[{-1}], l));
  index = where(on_last, int64_t{bins - 1}, index);
  const Array keep = logical_and(Operand(greater_equal(Operand(index, l), int64_t{0}), l),
                                 Operand(less(Operand(index, l), bins), l));
  const Array bin = where(keep, index, bins);
  return {counts_in_bins(bin, bins, options.weights, options.density, bin_edges, loc, l),
          bin_edges};
}

namespace {

// numpy's histogramdd over the columns (1-d, one length): the points in their common type,
// bins of float64 edges; values below the first edge go to bin 0 of their axis, above the last
// to bin n + 1 (both cut off).
HistogramDd histogram_columns(const std::vector<Array>& columns, int64_t bins,
                              const std::vector<std::pair<double, double>>* ranges,
                              const std::optional<Array>& weights, bool density, const char* fn,
                              const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const size_t dims = columns.size();
  if (bins < 1) graph::throw_error(fn, "`bins[0]` must be positive, when an integer", loc);
  if (ranges && ranges->size() != dims)
    graph::throw_error(fn,
                       "range must have one (min, max) per dimension: " +
                           std::to_string(ranges->size()) + " for " + std::to_string(dims),
                       loc);
  DType t = columns[0].dtype();
  for (const Array& c : columns) t = promote_types(t, c.dtype());
  const int64_t stride = bins + 2;
  Array flat_bin;
  HistogramDd out;
  int64_t cells = 1;
  for (size_t d = 0; d < dims; ++d) {
    const Array s = columns[d].astype(t, l);
    std::optional<std::pair<double, double>> r;
    if (ranges) r = (*ranges)[d];
    const DType scalar = is_floating(t) && !r ? t : float64;
    const auto [first, last] = outer_edges(s, r, scalar, fn, loc, l);
    out.edges.push_back(uniform_edges(first, last, bins, scalar, float64, columns[0], loc, l));
    Array index = searchsorted(out.edges.back(), s, Side::right, l);
    index = index - equal(Operand(s, l), Operand(out.edges.back()[{-1}], l)).astype(int64, l);
    flat_bin = d ? flat_bin * stride + index : index;
    cells *= stride;
  }
  Array hist;
  const Array& like = columns[0];
  if (weights)
    hist = scatter_add(beside(like, zeros({cells}, float64, l), loc), flat_bin,
                       Operand(weights->astype(float64, l), l));
  else
    hist = scatter_add(beside(like, zeros({cells}, int64, l), loc), flat_bin, Operand(int64_t{1}));
  hist =
      reshape(hist, Shape(dims, stride), l)[Indices(std::vector<Index>(dims, slice(1, -1)))].astype(
          float64, l);
  if (density) {
    const Array total = sum(hist, l);
    for (size_t d = 0; d < dims; ++d) {
      Shape at(dims, 1);
      at[d] = bins;
      hist = hist / reshape(diff(out.edges[d], 1, -1, l), at, l);
    }
    hist = hist / total;
  }
  out.hist = hist;
  return out;
}

}  // namespace

Histogram2d histogram2d(
    const Array& x, const Array& y, int64_t bins,
    std::optional<std::pair<std::pair<double, double>, std::pair<double, double>>> range,
    const std::optional<Array>& weights, bool density, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* xn = detail::node_of(x, "histogram2d", loc);
  const Node* yn = detail::node_of(y, "histogram2d", loc);
  check_real(xn, "x", "histogram2d", loc);
  check_real(yn, "y", "histogram2d", loc);
  if (xn->shape.rank() != 1 || yn->shape != xn->shape)
    graph::throw_error("histogram2d",
                       "x and y must be 1-d of one length, got shapes " +
                           graph::to_string(xn->shape) + " and " + graph::to_string(yn->shape),
                       loc);
  check_weights(x, weights, "histogram2d", loc);
  std::vector<std::pair<double, double>> ranges;
  if (range) ranges = {range->first, range->second};
  const HistogramDd h = histogram_columns({x, y}, bins, range ? &ranges : nullptr, weights, density,
                                          "histogram2d", l);
  return {h.hist, h.edges[0], h.edges[1]};
}

HistogramDd histogramdd(const Array& sample, int64_t bins,
                        const std::optional<std::vector<std::pair<double, double>>>& range,
                        const std::optional<Array>& weights, bool density, std::source_location l) {
  const char* fn = "histogramdd";
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(sample, fn, loc);
  check_real(n, "sample", fn, loc);
  if (n->shape.rank() != 2)
    graph::throw_error(fn, "sample must be 2-d (N, D), got shape " + graph::to_string(n->shape),
                       loc);
  if (n->shape[1] == 0) graph::throw_error(fn, "sample has no dimensions (D = 0)", loc);
  const Array first = sample[{slice(), 0}];
  check_weights(first, weights, fn, loc);
  std::vector<Array> columns;
  for (int64_t d = 0; d < n->shape[1]; ++d) columns.push_back(sample[{slice(), d}]);
  return histogram_columns(columns, bins, range ? &*range : nullptr, weights, density, fn, l);
}

Array histogram_bin_edges(const Array& a, int64_t bins,
                          std::optional<std::pair<double, double>> range,
                          const std::optional<Array>& weights, std::source_location l) {
  HistogramOptions options;
  options.range = range;
  options.weights = weights;
  return histogram(a, bins, options, l).bin_edges;  // (the counts are never computed)
}

}  // namespace kiln
