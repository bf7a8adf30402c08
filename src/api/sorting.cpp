// kiln/sorting.hpp: the sorts are library ops run on the host (runtime/host_ops.cpp); unique,
// median and the quantiles are compositions of a sort with ordinary lazy ops (unique's size
// comes from compress, the one sync). The quantiles' positions and weights depend only on q and
// the axis's extent, so they are computed here in double exactly as numpy computes them, and
// the kernels only pick and interpolate.
#include "kiln/sorting.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "api/apply.hpp"
#include "graph/view.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/nanfunctions.hpp"
#include "kiln/reductions.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace {

// `x` (a new constant) on the device of `like` (the default device may be another).
Array beside(const Array& like, const Array& x, const std::source_location& l) {
  return detail::transfer(x, like.node()->device, to_loc(l));
}

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// A Sort or ArgSort node of `a` along `axis` (kth: 0 for a sort, else the partition position
// + 1), its axis checked as numpy checks it.
Array sorted_along(Op op, const Array& a, int axis, uint64_t kth, std::string_view fn,
                   SourceLoc loc) {
  const Node* n = detail::node_of(a, fn, loc);
  axis = detail::normalize_axis(fn, axis, n->shape.rank(), loc, &n->shape);
  graph::NodeDesc d;
  d.op = op;
  d.dtype = op == Op::Sort ? n->dtype : DType::int64;
  d.shape = n->shape;
  d.nargs = 1;
  d.args[0] = a.node();
  d.payload.v[0] = static_cast<uint64_t>(axis);
  d.payload.v[1] = kth;
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

// numpy's kth check: -n <= kth < n along the axis, negatives counting from the end.
uint64_t checked_kth(const Array& a, int64_t kth, int axis, std::string_view fn, SourceLoc loc) {
  const Node* n = detail::node_of(a, fn, loc);
  const int ax = detail::normalize_axis(fn, axis, n->shape.rank(), loc, &n->shape);
  const int64_t extent = n->shape[ax];
  if (kth < -extent || kth >= extent)
    graph::throw_error(
        fn, "kth(=" + std::to_string(kth) + ") out of bounds (" + std::to_string(extent) + ")",
        loc);
  return static_cast<uint64_t>(kth < 0 ? kth + extent : kth) + 1;
}

// `a` with `axis` moved last, or flattened when `flat` (numpy's axis=None); `axis` becomes the
// normalized axis.
Array along_last(const Array& a, bool flat, int& axis, std::string_view fn, SourceLoc loc,
                 const std::source_location& l) {
  const Node* n = detail::node_of(a, fn, loc);
  if (flat) return flatten(a, l);
  axis = detail::normalize_axis(fn, axis, n->shape.rank(), loc, &n->shape);
  return moveaxis(a, axis, -1, l);
}

// The element at position k along the last axis of `s` (that axis dropped): a view.
Array at_last(const Array& s, int64_t k) {
  return s[{ellipsis, k}];
}

// Whether the last element along the last axis is nan (the sorted array holds a nan).
Array has_nan(const Array& s, const std::source_location& l) {
  return isnan(Operand(at_last(s, -1), l));
}

// The shape of a reduction's result with `axis` put back as extent 1 (keepdims).
Array kept(const Array& r, bool flat, int axis, int rank, const std::source_location& l) {
  if (flat) return reshape(r, Shape(static_cast<size_t>(rank), 1), l);
  return expand_dims(r, axis, l);
}

// Equal neighbours of the sorted 1-d `s` (nans all equal, numpy's equal_nan=True): true where
// an element starts a new value.
Array starts_value(const Array& s, const std::source_location& l) {
  const Array next = s[{slice(1, none)}], prev = s[{slice(0, -1)}];
  Array differs = not_equal(next, prev);
  if (is_floating(s.dtype()) || is_complex(s.dtype()))
    differs = logical_and(differs, logical_not(logical_and(isnan(next), isnan(prev))));
  return concatenate({beside(s, full(Shape{1}, true, bool_, l), l), differs}, 0, l);
}

// numpy's quantile (method 'linear') along the last axis of the sorted `s`, for each q (a
// leading axis of them when `several`). numpy takes the difference of the two neighbours in
// the input's dtype and interpolates in float64 (its weight is a float64 array).
Array quantiles_of_sorted(const Array& s, const std::vector<double>& qs, bool several,
                          std::string_view fn, SourceLoc loc, const std::source_location& l) {
  const int64_t n = s.shape().back();
  if (n == 0) graph::throw_error(fn, "cannot take a quantile of an empty axis", loc);
  std::vector<Array> results;
  for (double q : qs) {
    // numpy's _get_indexes and _get_gamma, in double, for the one q.
    const double virtual_index = static_cast<double>(n - 1) * q;
    double previous = std::floor(virtual_index);
    if (virtual_index >= static_cast<double>(n - 1)) previous = -1;
    const int64_t lo = static_cast<int64_t>(previous);
    const int64_t hi = lo == -1 ? -1 : lo + 1;
    const double gamma = virtual_index - previous;
    const Array a = at_last(s, lo), b = at_last(s, hi);
    const Array diff = subtract(Operand(b, l), Operand(a, l)).astype(float64, l);  // _lerp
    const Array a64 = a.astype(float64, l), b64 = b.astype(float64, l);
    const Array lerp = gamma >= 0.5 ? b64 - diff * (1 - gamma) : a64 + diff * gamma;
    results.push_back(is_floating(s.dtype()) ? where(has_nan(s, l), kNan, lerp) : lerp);
  }
  return several ? stack(results, 0, l) : results[0];
}

// The element of each row of `s` at the int64 position `k` (s's shape without its last axis).
Array at_positions(const Array& s, const Array& k, const std::source_location& l) {
  return take_along_axis(s, expand_dims(k, -1, l), -1, l)[{ellipsis, 0}];
}

// numpy's nanquantile (method 'linear') along the last axis of the sorted `s`, whose rows hold
// `count` numbers followed by their nans: the quantile of each row's numbers, as numpy's
// _nanquantile_1d takes it of the row without its nans; nan for a row of nans.
Array nan_quantiles_of_sorted(const Array& s, const Array& count, const std::vector<double>& qs,
                              bool several, const std::source_location& l) {
  std::vector<Array> results;
  const Array last = maximum(Operand(count - int64_t{1}, l), Operand(int64_t{0}, l));
  const Array top = (count - int64_t{1}).astype(float64, l);
  for (double q : qs) {
    const Array virtual_index = top * q;
    const Array below = floor(Operand(virtual_index, l));
    const Array above = greater_equal(Operand(virtual_index, l), Operand(top, l));
    const Array previous = where(above, -1.0, below);
    const Array gamma = virtual_index - previous;
    auto position = [&](const Array& p) {
      return maximum(Operand(where(above, last, p.astype(int64, l)), l), Operand(int64_t{0}, l));
    };
    const Array a = at_positions(s, position(below), l);
    const Array b = at_positions(s, position(below + 1.0), l);
    const Array diff = subtract(Operand(b, l), Operand(a, l)).astype(float64, l);
    const Array a64 = a.astype(float64, l), b64 = b.astype(float64, l);
    const Array lerp = where(gamma >= 0.5, b64 - diff * (1.0 - gamma), a64 + diff * gamma);
    results.push_back(where(count == int64_t{0}, kNan, lerp));
  }
  return several ? stack(results, 0, l) : results[0];
}

// How many numbers (not nans) each row of the sorted `s` holds.
Array numbers_per_row(const Array& s, const std::source_location& l) {
  return kiln::sum(logical_not(isnan(Operand(s, l))).astype(int64, l), -1, false, l);
}

void check_quantiles(const std::vector<double>& qs, double scale, std::string_view fn,
                     SourceLoc loc) {
  for (double q : qs)
    if (!(q >= 0 && q <= 1))
      graph::throw_error(
          fn,
          scale == 1
              ? "Quantiles must be in the range [0, 1], got " + std::to_string(q)
              : "Percentiles must be in the range [0, 100], got " + std::to_string(q * scale),
          loc);
}

Array quantile_impl(const Array& a, std::vector<double> qs, bool several, bool flat, int axis,
                    bool keepdims, double scale, std::string_view fn, const std::source_location& l,
                    bool skip_nans = false) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, fn, loc);
  if (is_complex(n->dtype)) graph::throw_error(fn, "complex input is not supported", loc);
  for (double& q : qs) q /= scale;  // numpy's true_divide(p, 100)
  check_quantiles(qs, scale, fn, loc);
  const int rank = n->shape.rank();
  const Array s = sort(along_last(a, flat, axis, fn, loc, l), -1, l);
  if (skip_nans && s.shape().back() == 0) {  // numpy: the nanmean of nothing, nan
    const Shape sorted_shape = s.shape();
    Shape shape(sorted_shape.begin(), sorted_shape.end() - 1);
    if (several) shape.insert(shape.begin(), static_cast<int64_t>(qs.size()));
    const Array r = beside(s, full(shape, kNan, float64, l), l);
    return keepdims && !several ? kept(r, flat, axis, rank, l) : r;
  }
  Array r = skip_nans && is_floating(n->dtype)
                ? nan_quantiles_of_sorted(s, numbers_per_row(s, l), qs, several, l)
                : quantiles_of_sorted(s, qs, several, fn, loc, l);
  if (!keepdims) return r;
  if (!several) return kept(r, flat, axis, rank, l);
  std::vector<Array> parts;
  for (int64_t i = 0; i < r.shape()[0]; ++i) parts.push_back(kept(r[{i}], flat, axis, rank, l));
  return stack(parts, 0, l);
}

Array median_impl(const Array& a, bool flat, int axis, bool keepdims, const std::source_location& l,
                  bool skip_nans = false) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "median", loc);
  if (is_complex(n->dtype)) graph::throw_error("median", "complex input is not supported", loc);
  const int rank = n->shape.rank();
  const DType t = is_floating(n->dtype) ? n->dtype : float64;
  const DType compute = t == float16 ? float32 : t;  // numpy's mean of float16 adds in float32
  const Array s = sort(along_last(a, flat, axis, "median", loc, l), -1, l);
  const int64_t count = s.shape().back();
  Array r;
  if (count == 0) {
    const Shape sorted_shape = s.shape();  // (one copy: begin and end of the same vector)
    r = beside(s, full(Shape(sorted_shape.begin(), sorted_shape.end() - 1), kNan, t, l), l);
  } else if (skip_nans && is_floating(n->dtype)) {  // the middle of each row's numbers
    const Array values = s.astype(compute, l), numbers = numbers_per_row(s, l);
    const Array high = floor_divide(Operand(numbers, l), Operand(int64_t{2}, l));
    const Array low = maximum(Operand(high - int64_t{1}, l), Operand(int64_t{0}, l));
    const Array odd = equal(Operand(numbers - high * int64_t{2}, l), Operand(int64_t{1}, l));
    const Array hi = at_positions(values, high.astype(int64, l), l);
    const Array middle = where(odd, hi, (at_positions(values, low, l) + hi) / 2.0);
    r = where(numbers == int64_t{0}, kNan, middle).astype(t, l);
  } else {
    const Array values = s.astype(compute, l);
    const int64_t half = count / 2;
    const Array middle = count % 2 ? at_last(values, half)
                                   : (at_last(values, half - 1) + at_last(values, half)) / 2.0;
    r = is_floating(n->dtype) ? where(has_nan(values, l), kNan, middle) : middle;
    r = r.astype(t, l);
  }
  return keepdims ? kept(r, flat, axis, rank, l) : r;
}

}  // namespace

Array sort(const Array& a, int axis, std::source_location l) {
  return sorted_along(Op::Sort, a, axis, 0, "sort", to_loc(l));
}

Array argsort(const Array& a, int axis, std::source_location l) {
  const Node* n = detail::node_of(a, "argsort", to_loc(l));
  if (n->shape.rank() == 0)  // numpy sorts a 0-d array's one-element flattening
    return sorted_along(Op::ArgSort, flatten(a, l), axis, 0, "argsort", to_loc(l));
  return sorted_along(Op::ArgSort, a, axis, 0, "argsort", to_loc(l));
}

Array partition(const Array& a, int64_t kth, int axis, std::source_location l) {
  // The values through argpartition, so that a derivative finds them where they went.
  const SourceLoc loc = to_loc(l);
  const uint64_t k = checked_kth(a, kth, axis, "partition", loc);
  return take_along_axis(a, sorted_along(Op::ArgSort, a, axis, k, "partition", loc), axis, l);
}

Array argpartition(const Array& a, int64_t kth, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const uint64_t k = checked_kth(a, kth, axis, "argpartition", loc);
  return sorted_along(Op::ArgSort, a, axis, k, "argpartition", loc);
}

Array searchsorted(const Array& a, const Array& v, Side side, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* an = detail::node_of(a, "searchsorted", loc);
  const Node* vn = detail::node_of(v, "searchsorted", loc);
  if (an->shape.rank() != 1)
    graph::throw_error("searchsorted",
                       "the sorted array must be 1-d, got shape " + graph::to_string(an->shape),
                       loc);
  const DType t = promote_types(an->dtype, vn->dtype);
  const Array sorted = detail::cast(a, t, loc), values = detail::cast(v, t, loc);
  graph::NodeDesc d;
  d.op = Op::SearchSorted;
  d.dtype = DType::int64;
  d.shape = vn->shape;
  d.nargs = 2;
  d.args[0] = sorted.node();
  d.args[1] = values.node();
  d.payload.v[0] = side == Side::right ? 1 : 0;
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

Array searchsorted(const Array& a, double v, Side side, std::source_location l) {
  const DType t =
      is_floating(detail::node_of(a, "searchsorted", to_loc(l))->dtype) ? a.dtype() : float64;
  return searchsorted(a, beside(a, full(Shape{}, v, t, l), l), side, l);
}

Array unique(const Array& a, std::source_location l) {
  const Array s = sort(flatten(a, l), 0, l);
  if (s.size() == 0) return s;
  return compress(starts_value(s, l), s, l);
}

std::pair<Array, Array> unique_counts(const Array& a, std::source_location l) {
  const Array s = sort(flatten(a, l), 0, l);
  if (s.size() == 0) return {s, beside(s, zeros(Shape{0}, int64, l), l)};
  const Array first = flatnonzero(starts_value(s, l), l);  // the sync
  const Array ends =
      concatenate({first[{slice(1, none)}], beside(s, full(Shape{1}, s.size(), int64, l), l)});
  return {take(s, first, 0, l), ends - first};
}

std::pair<Array, Array> unique_inverse(const Array& a, std::source_location l) {
  const Array flat = flatten(a, l);
  const Array order = argsort(flat, 0, l);
  const Array s = take(flat, order, 0, l);
  if (s.size() == 0) return {s, beside(s, zeros(a.shape(), int64, l), l)};
  const Array starts = starts_value(s, l);
  const Array ids = cumsum(starts.astype(int64, l), 0, l) - int64_t{1};
  const Array inverse = scatter(beside(s, zeros(Shape{s.size()}, int64, l), l), order, ids, 0);
  return {compress(starts, s, l), reshape(inverse, a.shape(), l)};
}

Array median(const Array& a, std::source_location l) {
  return median_impl(a, true, 0, false, l);
}
Array median(const Array& a, int axis, bool keepdims, std::source_location l) {
  return median_impl(a, false, axis, keepdims, l);
}

Array quantile(const Array& a, double q, std::source_location l) {
  return quantile_impl(a, {q}, false, true, 0, false, 1, "quantile", l);
}
Array quantile(const Array& a, double q, int axis, bool keepdims, std::source_location l) {
  return quantile_impl(a, {q}, false, false, axis, keepdims, 1, "quantile", l);
}
Array quantile(const Array& a, const std::vector<double>& qs, int axis, bool keepdims,
               std::source_location l) {
  return quantile_impl(a, qs, true, false, axis, keepdims, 1, "quantile", l);
}

Array percentile(const Array& a, double p, std::source_location l) {
  return quantile_impl(a, {p}, false, true, 0, false, 100, "percentile", l);
}
Array percentile(const Array& a, double p, int axis, bool keepdims, std::source_location l) {
  return quantile_impl(a, {p}, false, false, axis, keepdims, 100, "percentile", l);
}
Array percentile(const Array& a, const std::vector<double>& ps, int axis, bool keepdims,
                 std::source_location l) {
  return quantile_impl(a, ps, true, false, axis, keepdims, 100, "percentile", l);
}

}  // namespace kiln

namespace kiln {

Array nanmedian(const Array& a, std::source_location l) {
  return median_impl(a, true, 0, false, l, true);
}
Array nanmedian(const Array& a, int axis, bool keepdims, std::source_location l) {
  return median_impl(a, false, axis, keepdims, l, true);
}
Array nanquantile(const Array& a, double q, std::source_location l) {
  return quantile_impl(a, {q}, false, true, 0, false, 1, "nanquantile", l, true);
}
Array nanquantile(const Array& a, double q, int axis, bool keepdims, std::source_location l) {
  return quantile_impl(a, {q}, false, false, axis, keepdims, 1, "nanquantile", l, true);
}
Array nanquantile(const Array& a, const std::vector<double>& qs, int axis, bool keepdims,
                  std::source_location l) {
  return quantile_impl(a, qs, true, false, axis, keepdims, 1, "nanquantile", l, true);
}
Array nanpercentile(const Array& a, double p, std::source_location l) {
  return quantile_impl(a, {p}, false, true, 0, false, 100, "nanpercentile", l, true);
}
Array nanpercentile(const Array& a, double p, int axis, bool keepdims, std::source_location l) {
  return quantile_impl(a, {p}, false, false, axis, keepdims, 100, "nanpercentile", l, true);
}
Array nanpercentile(const Array& a, const std::vector<double>& ps, int axis, bool keepdims,
                    std::source_location l) {
  return quantile_impl(a, ps, true, false, axis, keepdims, 100, "nanpercentile", l, true);
}

}  // namespace kiln
