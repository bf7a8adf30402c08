// kiln/manipulation.hpp: numpy's array manipulation functions as views (flips, diagonals,
// slices along an axis) and compositions of recorded ops (where, concatenate, broadcast).
#include "kiln/manipulation.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "api/apply.hpp"
#include "api/index.hpp"
#include "graph/view.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"
#include "kiln/sorting.hpp"

namespace kiln {

using detail::slice_axis;
using detail::to_loc;
using graph::Dims;
using graph::Layout;
using graph::SourceLoc;

namespace {

const Dims& shape_of(const Array& a, std::string_view fn, SourceLoc loc) {
  return detail::node_of(a, fn, loc)->shape;
}

int axis_of(std::string_view fn, const Array& a, int axis, SourceLoc loc) {
  return detail::normalize_axis(fn, axis, shape_of(a, fn, loc).rank(), loc);
}

void require_rank(std::string_view fn, const Array& a, int at_least, SourceLoc loc) {
  const int ndim = shape_of(a, fn, loc).rank();
  if (ndim < at_least)
    graph::throw_error(fn,
                       "needs an array of at least " + std::to_string(at_least) + " dimension" +
                           (at_least > 1 ? "s" : "") + ", got " + std::to_string(ndim),
                       loc);
}

void check_pad_widths(const Dims& s, const std::vector<std::pair<int64_t, int64_t>>& widths,
                      SourceLoc loc) {
  for (const auto& [before, after] : widths)
    if (before < 0 || after < 0) graph::throw_error("pad", "widths may not be negative", loc);
  if (widths.empty() || (widths.size() != 1 && static_cast<int>(widths.size()) != s.rank()))
    graph::throw_error("pad",
                       "needs one (before, after) pair for every axis, or one for all: got " +
                           std::to_string(widths.size()) + " for " + std::to_string(s.rank()) +
                           " axes",
                       loc);
}

// A 0-d zero of `a`'s dtype (where()'s other branch keeps a's dtype, bools included).
// `x` (a new index expression or constant) on the device of `like`, which need not be the
// default device new arrays go to.
Array on_device_of(const Array& like, const Array& x, std::source_location l) {
  return detail::transfer(x, like.node()->device, to_loc(l));
}

Array zero_like(const Array& a, std::source_location l) {
  return on_device_of(a, zeros({}, a.dtype(), l), l);
}

// where(keep, a, 0) with keep the mask (j - i >= k) (upper) or (j - i <= k) over the last two
// axes (a 1-d array of n: an n x n result, as numpy's).
Array triangle(std::string_view fn, const Array& a, int64_t k, bool upper, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  require_rank(fn, a, 1, loc);
  const Dims& s = shape_of(a, fn, loc);
  const int64_t cols = s[s.rank() - 1], rows = s.rank() >= 2 ? s[s.rank() - 2] : cols;
  const Array i =
      on_device_of(a, reshape(arange(int64_t{0}, rows, int64_t{1}, int64, l), {rows, 1}, l), l);
  const Array j = on_device_of(a, arange(int64_t{0}, cols, int64_t{1}, int64, l), l);
  const Array d = subtract(Operand(j, l), Operand(i, l));
  const Array keep = upper ? greater_equal(Operand(d, l), Operand(k, l))
                           : less_equal(Operand(d, l), Operand(k, l));
  return where(Operand(keep, l), Operand(a, l), Operand(zero_like(a, l), l));
}

// Each array with at least `rank` dimensions, as numpy's atleast_2d / atleast_3d place them.
std::vector<Array> at_least(const std::vector<Array>& arrays, int rank, std::string_view fn,
                            std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (arrays.empty()) graph::throw_error(fn, "needs at least one array", loc);
  std::vector<Array> out;
  for (const Array& a : arrays) {
    const Dims& s = shape_of(a, fn, loc);
    Shape shape(s.begin(), s.end());
    if (s.rank() == 0) shape = {1};
    if (rank >= 2 && shape.size() == 1) shape.insert(shape.begin(), 1);
    if (rank >= 3 && shape.size() == 2) shape.push_back(1);
    out.push_back(static_cast<int>(shape.size()) == s.rank() ? a : reshape(a, shape, l));
  }
  return out;
}

// Parts of `a` along `axis` between consecutive cut points.
std::vector<Array> parts(const Array& a, int axis, const std::vector<int64_t>& cuts,
                         SourceLoc loc) {
  std::vector<Array> out;
  for (size_t p = 0; p + 1 < cuts.size(); ++p)
    out.push_back(slice_axis(a, axis, cuts[p], std::max(cuts[p], cuts[p + 1]), loc));
  return out;
}

// The cut points of `sections` parts of `n`, the first n % sections ones one longer.
std::vector<int64_t> even_cuts(std::string_view fn, int64_t n, int64_t sections, SourceLoc loc) {
  if (sections <= 0)
    graph::throw_error(
        fn, "the number of sections must be larger than 0, got " + std::to_string(sections), loc);
  std::vector<int64_t> cuts{0};
  const int64_t each = n / sections, extra = n % sections;
  for (int64_t p = 0; p < sections; ++p) cuts.push_back(cuts.back() + each + (p < extra ? 1 : 0));
  return cuts;
}

}  // namespace

Array flip(const Array& a, const std::vector<int>& axes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Dims& s = shape_of(a, "flip", loc);
  Layout layout{0, graph::contiguous_strides(s)};
  uint64_t seen = 0;
  for (int axis : axes) {
    const int d = detail::normalize_axis("flip", axis, s.rank(), loc);
    if (seen >> d & 1)
      graph::throw_error("flip", "axis " + std::to_string(axis) + " is repeated", loc);
    seen |= 1ull << d;
    if (s.size() > 0) layout.offset += (s[d] - 1) * layout.strides[d];
    layout.strides[d] = -layout.strides[d];
  }
  return detail::make_view(a, s, layout, loc);
}

Array flip(const Array& a, int axis, std::source_location l) {
  return flip(a, std::vector<int>{axis}, l);
}

Array flip(const Array& a, std::source_location l) {
  std::vector<int> axes(static_cast<size_t>(shape_of(a, "flip", to_loc(l)).rank()));
  std::iota(axes.begin(), axes.end(), 0);
  return flip(a, axes, l);
}

Array fliplr(const Array& a, std::source_location l) {
  require_rank("fliplr", a, 2, to_loc(l));
  return flip(a, 1, l);
}

Array flipud(const Array& a, std::source_location l) {
  require_rank("flipud", a, 1, to_loc(l));
  return flip(a, 0, l);
}

Array rot90(const Array& a, int k, std::vector<int> axes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int ndim = shape_of(a, "rot90", loc).rank();
  if (axes.size() != 2) graph::throw_error("rot90", "needs exactly two axes", loc);
  require_rank("rot90", a, 2, loc);
  for (int& axis : axes) axis = detail::normalize_axis("rot90", axis, ndim, loc);
  if (axes[0] == axes[1]) graph::throw_error("rot90", "the two axes must differ", loc);
  k = ((k % 4) + 4) % 4;
  if (k == 0) return a;
  if (k == 2) return flip(a, axes, l);
  std::vector<int> perm(static_cast<size_t>(ndim));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[axes[0]], perm[axes[1]]);
  return k == 1 ? transpose(flip(a, axes[1], l), perm, l) : flip(transpose(a, perm, l), axes[1], l);
}

Array roll(const Array& a, int64_t shift, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int d = axis_of("roll", a, axis, loc);
  const int64_t n = a.node()->shape[d];
  const int64_t by = n == 0 ? 0 : ((shift % n) + n) % n;
  if (by == 0) return a;
  return concatenate({slice_axis(a, d, n - by, n, loc), slice_axis(a, d, 0, n - by, loc)}, d, l);
}

Array roll(const Array& a, int64_t shift, std::source_location l) {
  const Dims& s = shape_of(a, "roll", to_loc(l));
  return reshape(roll(flatten(a, l), shift, 0, l), Shape(s.begin(), s.end()), l);
}

Array moveaxis(const Array& a, int source, int destination, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int ndim = shape_of(a, "moveaxis", loc).rank();
  const int from = detail::normalize_axis("moveaxis", source, ndim, loc);
  const int to = detail::normalize_axis("moveaxis", destination, ndim, loc);
  std::vector<int> perm;
  for (int d = 0; d < ndim; ++d)
    if (d != from) perm.push_back(d);
  perm.insert(perm.begin() + to, from);
  return transpose(a, perm, l);
}

Array swapaxes(const Array& a, int axis1, int axis2, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int ndim = shape_of(a, "swapaxes", loc).rank();
  std::vector<int> perm(static_cast<size_t>(ndim));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[detail::normalize_axis("swapaxes", axis1, ndim, loc)],
            perm[detail::normalize_axis("swapaxes", axis2, ndim, loc)]);
  return transpose(a, perm, l);
}

Array diagonal(const Array& a, int64_t offset, int axis1, int axis2, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  require_rank("diagonal", a, 2, loc);
  const Dims& s = a.node()->shape;
  const int d1 = detail::normalize_axis("diagonal", axis1, s.rank(), loc);
  const int d2 = detail::normalize_axis("diagonal", axis2, s.rank(), loc);
  if (d1 == d2) graph::throw_error("diagonal", "axis1 and axis2 cannot be the same", loc);
  const Dims c = graph::contiguous_strides(s);
  Dims shape;
  Layout layout;
  for (int d = 0; d < s.rank(); ++d) {
    if (d == d1 || d == d2) continue;
    shape.push_back(s[d]);
    layout.strides.push_back(c[d]);
  }
  const int64_t length = std::max<int64_t>(
      0, offset >= 0 ? std::min(s[d1], s[d2] - offset) : std::min(s[d1] + offset, s[d2]));
  shape.push_back(length);
  layout.strides.push_back(c[d1] + c[d2]);
  if (length > 0 && shape.size() > 0)
    layout.offset = offset >= 0 ? offset * c[d2] : -offset * c[d1];
  return detail::make_view(a, shape, layout, loc);
}

Array trace(const Array& a, int64_t offset, int axis1, int axis2, std::source_location l) {
  return sum(diagonal(a, offset, axis1, axis2, l), -1, false, l);
}

Array diag(const Array& v, int64_t k, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Dims& s = shape_of(v, "diag", loc);
  if (s.rank() == 2) return diagonal(v, k, 0, 1, l);
  if (s.rank() != 1)
    graph::throw_error("diag", "needs a 1-d or 2-d array, got " + graph::to_string(s), loc);
  const int64_t m = s[0], n = m + (k < 0 ? -k : k), first_row = k < 0 ? -k : 0;
  if (m == 0) return on_device_of(v, zeros({n, n}, v.dtype(), l), l);
  const Array i = on_device_of(v, arange(int64_t{0}, n, int64_t{1}, int64, l), l);
  // Row r holds v[r - first_row] at column r + k.
  const Array at = clip(Operand(subtract(Operand(i, l), Operand(first_row, l)), l), Operand(0, l),
                        Operand(m - 1, l));
  const Array row_value = reshape(take(v, at, 0, l), {n, 1}, l);
  const Array on =
      equal(Operand(subtract(Operand(i, l), Operand(reshape(i, {n, 1}, l), l)), l), Operand(k, l));
  return where(Operand(on, l), Operand(row_value, l), Operand(zero_like(v, l), l));
}

Array triu(const Array& a, int64_t k, std::source_location l) {
  return triangle("triu", a, k, true, l);
}

Array tril(const Array& a, int64_t k, std::source_location l) {
  return triangle("tril", a, k, false, l);
}

Array hstack(const std::vector<Array>& arrays, std::source_location l) {
  const std::vector<Array> a = at_least(arrays, 1, "hstack", l);
  return concatenate(a, a[0].ndim() == 1 ? 0 : 1, l);
}

Array vstack(const std::vector<Array>& arrays, std::source_location l) {
  return concatenate(at_least(arrays, 2, "vstack", l), 0, l);
}

Array dstack(const std::vector<Array>& arrays, std::source_location l) {
  return concatenate(at_least(arrays, 3, "dstack", l), 2, l);
}

Array column_stack(const std::vector<Array>& arrays, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (arrays.empty()) graph::throw_error("column_stack", "needs at least one array", loc);
  std::vector<Array> columns;
  for (const Array& a : arrays) {
    const int ndim = shape_of(a, "column_stack", loc).rank();
    columns.push_back(ndim >= 2 ? a : reshape(a, {ndim == 0 ? 1 : a.size(), 1}, l));
  }
  return concatenate(columns, 1, l);
}

std::vector<Array> split(const Array& a, int64_t sections, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int d = axis_of("split", a, axis, loc);
  const int64_t n = a.node()->shape[d];
  if (sections > 0 && n % sections != 0)
    graph::throw_error("split",
                       "an axis of " + std::to_string(n) + " does not split into " +
                           std::to_string(sections) +
                           " equal parts (array_split allows unequal ones)",
                       loc);
  return parts(a, d, even_cuts("split", n, sections, loc), loc);
}

std::vector<Array> split(const Array& a, const std::vector<int64_t>& indices, int axis,
                         std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int d = axis_of("split", a, axis, loc);
  const int64_t n = a.node()->shape[d];
  std::vector<int64_t> cuts{0};
  for (int64_t i : indices) cuts.push_back(std::clamp(i < 0 ? i + n : i, int64_t{0}, n));
  cuts.push_back(n);
  return parts(a, d, cuts, loc);
}

std::vector<Array> array_split(const Array& a, int64_t sections, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int d = axis_of("array_split", a, axis, loc);
  return parts(a, d, even_cuts("array_split", a.node()->shape[d], sections, loc), loc);
}

Array repeat(const Array& a, int64_t repeats, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (shape_of(a, "repeat", loc).rank() == 0) return repeat(reshape(a, {1}, l), repeats, axis, l);
  const int d = axis_of("repeat", a, axis, loc);
  if (repeats < 0)
    graph::throw_error("repeat", "repeats may not be negative, got " + std::to_string(repeats),
                       loc);
  const Dims& s = a.node()->shape;
  Shape spread(s.begin(), s.end()), merged(s.begin(), s.end());
  spread.insert(spread.begin() + d + 1, repeats);
  merged[d] *= repeats;
  return reshape(broadcast_to(expand_dims(a, d + 1, l), spread, l), merged, l);
}

Array repeat(const Array& a, int64_t repeats, std::source_location l) {
  return repeat(flatten(a, l), repeats, 0, l);
}

Array tile(const Array& a, const std::vector<int64_t>& reps, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Dims& s = shape_of(a, "tile", loc);
  const int d = std::max(s.rank(), static_cast<int>(reps.size()));
  Shape shape(static_cast<size_t>(d - s.rank()), 1), r(static_cast<size_t>(d) - reps.size(), 1);
  shape.insert(shape.end(), s.begin(), s.end());
  r.insert(r.end(), reps.begin(), reps.end());
  Array x = reshape(a, shape, l);
  for (int i = 0; i < d; ++i) {
    if (r[i] < 0)
      graph::throw_error("tile", "reps may not be negative, got " + std::to_string(r[i]), loc);
    if (r[i] == 1) continue;
    Shape spread = shape, merged = shape;
    spread.insert(spread.begin() + i, r[i]);
    merged[i] *= r[i];
    x = reshape(broadcast_to(expand_dims(x, i, l), spread, l), merged, l);
    shape = merged;
  }
  return x;
}

Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& widths, double value,
          std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Dims& s = shape_of(a, "pad", loc);
  check_pad_widths(s, widths, loc);
  Array x = a;
  for (int d = 0; d < s.rank(); ++d) {
    const auto [before, after] = widths[widths.size() == 1 ? 0 : d];
    if (before == 0 && after == 0) continue;
    // The constant in a's dtype, as numpy casts it (unsafely: 2.5 pads an int array with 2).
    const Array fill = on_device_of(a, full({}, value, float64, l).astype(a.dtype(), l), l);
    auto block = [&](int64_t width) {
      Shape b = x.shape();
      b[d] = width;
      return broadcast_to(fill, b, l);
    };
    std::vector<Array> pieces;
    if (before > 0) pieces.push_back(block(before));
    pieces.push_back(x);
    if (after > 0) pieces.push_back(block(after));
    x = concatenate(pieces, d, l);
  }
  return x;
}

namespace {

enum class PadMode { edge, reflect, symmetric, wrap, linear_ramp, maximum, minimum, mean, median };

PadMode pad_mode(std::string_view mode, SourceLoc loc) {
  static constexpr std::pair<std::string_view, PadMode> kModes[] = {
      {"edge", PadMode::edge},
      {"reflect", PadMode::reflect},
      {"symmetric", PadMode::symmetric},
      {"wrap", PadMode::wrap},
      {"linear_ramp", PadMode::linear_ramp},
      {"maximum", PadMode::maximum},
      {"minimum", PadMode::minimum},
      {"mean", PadMode::mean},
      {"median", PadMode::median}};
  for (const auto& [name, m] : kModes)
    if (name == mode) return m;
  graph::throw_error("pad",
                     "mode '" + std::string(mode) +
                         "' is not supported (constant, edge, reflect, symmetric, wrap, "
                         "linear_ramp, maximum, minimum, mean, median)",
                     loc);
}

// For each position of an axis of extent n padded with (before, after), the position of the
// original it copies, filled as numpy's _set_reflect_both and _set_wrap_both fill it: in
// chunks, each copying what is already filled (the pad on one side included), so that a pad
// wider than the axis is not simply periodic.
std::vector<int64_t> pad_sources(int64_t n, int64_t before, int64_t after, PadMode mode) {
  const int64_t total = before + n + after;
  std::vector<int64_t> src(static_cast<size_t>(total));
  auto at = [&](int64_t p) -> int64_t& { return src[static_cast<size_t>(p)]; };
  for (int64_t p = 0; p < total; ++p) at(p) = std::clamp<int64_t>(p - before, 0, n - 1);
  if (mode == PadMode::edge || (mode == PadMode::reflect && n == 1)) return src;
  int64_t left = before, right = after;
  while (left > 0 || right > 0) {
    if (mode == PadMode::wrap) {
      const int64_t period = total - right - left;
      int64_t next_left = 0, next_right = 0;
      if (left > 0) {
        const int64_t chunk = std::min(period, left), to = left > period ? left - period : 0;
        for (int64_t i = 0; i < chunk; ++i) at(to + i) = at(total - right - chunk + i);
        if (left > period) next_left = left - period;
      }
      if (right > 0) {
        const int64_t chunk = std::min(period, right);
        for (int64_t i = 0; i < chunk; ++i) at(total - right + i) = at(left + i);
        if (right > period) next_right = right - period;
      }
      left = next_left;
      right = next_right;
      continue;
    }
    const int64_t edge = mode == PadMode::symmetric ? 1 : 0;  // symmetric repeats the edge
    const int64_t filled = total - right - left - (1 - edge);
    if (left > 0) {
      const int64_t chunk = std::min(filled, left), start = left - edge + chunk;
      for (int64_t i = 0; i < chunk; ++i) at(left - chunk + i) = at(start - i);
      left -= chunk;
    }
    if (right > 0) {
      const int64_t chunk = std::min(filled, right), start = total - right + edge - 2;
      for (int64_t i = 0; i < chunk; ++i) at(total - right + i) = at(start - i);
      right -= chunk;
    }
  }
  return src;
}

// numpy's linspace(end, edge, width, endpoint=False) along `axis`, reversed for the side after
// the axis, in the array's floating type (float64 for integers), cast to it as numpy's.
Array linear_ramp(const Array& edge, double end, int64_t width, int axis, bool after,
                  std::source_location l) {
  const DType t = is_floating(edge.dtype()) || is_complex(edge.dtype()) ? edge.dtype() : float64;
  Shape along(static_cast<size_t>(edge.ndim()), 1);
  along[static_cast<size_t>(axis)] = width;
  Array steps = arange(int64_t{0}, width, int64_t{1}, t, l);
  if (after) steps = flip(steps, 0, l);
  steps = on_device_of(edge, reshape(steps, along, l), l);
  const Array start = on_device_of(edge, full({}, end, float64, l).astype(t, l), l);
  const Array delta = edge.astype(t, l) - start;
  const Array step = delta / double(width);
  // numpy's linspace multiplies by delta / width, or divides first when any step is zero
  Array y = where(any(step == 0, l), steps / double(width) * delta, steps * step) + start;
  if (is_integer(edge.dtype())) y = floor(y);  // numpy's linspace floors for integer dtypes
  return y.astype(edge.dtype(), l);
}

// A statistic of `count` values at one end of `axis` (keepdims), rounded for integer arrays
// as numpy's pad rounds it.
Array pad_statistic(const Array& x, int axis, int64_t count, bool after, PadMode mode,
                    std::source_location l) {
  const int64_t n = x.shape()[static_cast<size_t>(axis)];
  const Array part = after ? slice_axis(x, axis, n - count, n, to_loc(l))
                           : slice_axis(x, axis, 0, count, to_loc(l));
  if (mode == PadMode::maximum) return max(part, axis, true, l);
  if (mode == PadMode::minimum) return min(part, axis, true, l);
  Array stat = mode == PadMode::mean ? mean(part, axis, true, l) : median(part, axis, true, l);
  if (!is_floating(x.dtype()) && !is_complex(x.dtype())) stat = round(stat);
  return stat.astype(x.dtype(), l);
}

}  // namespace

Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& widths,
          std::string_view mode_name, const PadOptions& options, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Dims s = shape_of(a, "pad", loc);
  const PadMode mode = pad_mode(mode_name, loc);
  check_pad_widths(s, widths, loc);
  if (mode >= PadMode::maximum && options.stat_length && *options.stat_length < 1)
    graph::throw_error(
        "pad", "stat_length must be at least 1, got " + std::to_string(*options.stat_length), loc);
  Array x = a;
  for (int d = 0; d < s.rank(); ++d) {
    const auto [before, after] = widths[widths.size() == 1 ? 0 : d];
    if (before == 0 && after == 0) continue;
    const int64_t n = s[d];
    if (n == 0)
      graph::throw_error(
          "pad",
          "can't extend empty axis " + std::to_string(d) + " using modes other than 'constant'",
          loc);
    if (mode <= PadMode::wrap) {  // a gather of the source positions
      const std::vector<int64_t> source = pad_sources(n, before, after, mode);
      const Array at = on_device_of(x, array(source, {static_cast<int64_t>(source.size())}), l);
      x = take(x, at, d, l);
      continue;
    }
    auto block = [&](bool at_end, int64_t width) {
      Shape b = x.shape();
      b[static_cast<size_t>(d)] = width;
      if (mode == PadMode::linear_ramp) {
        const Array edge = at_end ? slice_axis(x, d, n - 1, n, loc) : slice_axis(x, d, 0, 1, loc);
        return linear_ramp(edge, at_end ? options.end_values.second : options.end_values.first,
                           width, d, at_end, l);
      }
      const int64_t count = std::min(n, options.stat_length.value_or(n));
      return broadcast_to(pad_statistic(x, d, count, at_end, mode, l), b, l);
    };
    std::vector<Array> pieces;
    if (before > 0) pieces.push_back(block(false, before));
    pieces.push_back(x);
    if (after > 0) pieces.push_back(block(true, after));
    x = concatenate(pieces, d, l);
  }
  return x;
}

std::vector<Array> meshgrid(const std::vector<Array>& xs, bool ij_indexing,
                            std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const size_t n = xs.size();
  Shape shape;
  for (const Array& x : xs) {
    detail::node_of(x, "meshgrid", loc);  // a valid array
    shape.push_back(x.size());
  }
  const bool swap = !ij_indexing && n >= 2;
  if (swap) std::swap(shape[0], shape[1]);
  std::vector<Array> out;
  for (size_t i = 0; i < n; ++i) {
    Shape along(n, 1);
    along[swap && i < 2 ? 1 - i : i] = xs[i].size();
    out.push_back(broadcast_to(reshape(xs[i], along, l), shape, l));
  }
  return out;
}

Array indices(const Shape& dims, DType dtype, std::source_location l) {
  std::vector<Array> grids;
  for (size_t i = 0; i < dims.size(); ++i) {
    Shape along(dims.size(), 1);
    along[i] = dims[i];
    grids.push_back(broadcast_to(
        reshape(arange(int64_t{0}, dims[i], int64_t{1}, dtype, l), along, l), dims, l));
  }
  if (grids.empty()) return zeros({0}, dtype, l);
  return stack(grids, 0, l);
}

Array diff(const Array& a, int n, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (n == 0) return a;  // numpy checks nothing else then
  if (n < 0)
    graph::throw_error("diff", "the order must be non-negative, got " + std::to_string(n), loc);
  require_rank("diff", a, 1, loc);
  const int d = axis_of("diff", a, axis, loc);
  Array x = a;
  for (int k = 0; k < n; ++k) {
    const int64_t m = x.node()->shape[d];
    if (m == 0) break;
    const Array hi = slice_axis(x, d, 1, m, loc), lo = slice_axis(x, d, 0, m - 1, loc);
    x = x.dtype() == bool_ ? not_equal(Operand(hi, l), Operand(lo, l))
                           : subtract(Operand(hi, l), Operand(lo, l));
  }
  return x;
}

Array ediff1d(const Array& a, std::source_location l) {
  const Array flat = flatten(a, l);
  const int64_t m = flat.size(), first = std::min<int64_t>(m, 1);
  const SourceLoc loc = to_loc(l);
  return subtract(Operand(slice_axis(flat, 0, first, m, loc), l),
                  Operand(slice_axis(flat, 0, 0, m - first, loc), l));
}

}  // namespace kiln
