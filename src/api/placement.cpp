// kiln/placement.hpp: numpy's insert, delete, put, put_along_axis, putmask, place, copyto,
// fill_diagonal and choose, as gathers, scatters and selects over the whole array (lazy). The
// positions given as C++ integers are resolved here into a gather's index array; positions in
// arrays go through take (its range check raises at the sync, naming the call).
#include "kiln/placement.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "graph/types.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln {

namespace {

using detail::to_loc;
using graph::SourceLoc;

// `v` as an array of dtype `t` (a C++ scalar: 0-d), numpy's cast into an array's dtype; complex
// into a real dtype is an error.
Array values_as(const Operand& v, DType t, const char* fn) {
  const SourceLoc loc = to_loc(v.loc());
  if (!v.is_array()) {
    if (v.scalar().kind == Scalar::Kind::complex_ && !is_complex(t))
      graph::throw_error(
          fn, "cannot write a complex value into a " + std::string(dtype_name(t)) + " array", loc);
    return detail::constant(v.scalar(), t, graph::Dims{}, fn, loc,
                            detail::default_device_id(fn, loc));
  }
  const DType from = detail::node_of(v.array(), fn, loc)->dtype;
  if (is_complex(from) && !is_complex(t))
    graph::throw_error(fn,
                       "cannot write " + std::string(dtype_name(from)) + " values into a " +
                           std::string(dtype_name(t)) + " array",
                       loc);
  return detail::cast(v.array(), t, loc);
}

// `index` (negatives from the end) checked against numpy's bounds [-extent, extent + past).
int64_t checked_position(const char* fn, int64_t index, int64_t extent, int axis, int64_t past,
                         const std::source_location& l) {
  if (index < -extent || index >= extent + past)
    graph::throw_error(fn,
                       "index " + std::to_string(index) + " is out of bounds for axis " +
                           std::to_string(axis) + " with size " + std::to_string(extent),
                       to_loc(l));
  return index < 0 ? index + extent : index;
}

// numpy's axis handling for insert and delete: nullopt flattens.
Array along(const Array& a, std::optional<int>& axis, const char* fn,
            const std::source_location& l) {
  if (!axis) {
    axis = 0;
    return flatten(a, l);
  }
  const Shape s = a.shape();
  *axis = detail::normalize_axis(fn, *axis, static_cast<int>(s.size()), to_loc(l), nullptr);
  return a;
}

Array index_array(const std::vector<int64_t>& v, const Array& like, const std::source_location& l) {
  return detail::transfer(array(v, l), like.node()->device, to_loc(l));
}

// Positions under a mode: wrapped or clipped into [0, extent), or left for a range check.
Array positioned(const Array& index, int64_t extent, IndexMode mode,
                 const std::source_location& l) {
  if (mode == IndexMode::wrap) return remainder(Operand(index, l), Operand(extent, l));
  if (mode == IndexMode::clip)
    return clip(Operand(index, l), Operand(int64_t{0}, l), Operand(extent - 1, l));
  return index;
}

// `v`'s elements repeated to `count` in flat order (numpy's repeating of a short `v`).
Array cycled(const Array& v, int64_t count, const char* fn, const std::source_location& l) {
  const Array flat = flatten(v, l);
  const int64_t n = flat.size();
  if (n == 0) graph::throw_error(fn, "the values are empty", to_loc(l));
  if (n == count) return flat;
  const Array at =
      remainder(Operand(arange(int64_t{0}, count, int64_t{1}, int64, l), l), Operand(n, l));
  return take(flat, at, l);
}

// `a` without leading extents of 1 beyond `rank` dimensions (numpy's assignment drops them).
Array leading_ones_dropped(const Array& a, int rank, const std::source_location& l) {
  Shape s = a.shape();
  size_t drop = 0;
  while (s.size() - drop > static_cast<size_t>(rank) && s[drop] == 1) ++drop;
  return drop ? a.reshape(Shape(s.begin() + static_cast<std::ptrdiff_t>(drop), s.end()), l) : a;
}

}  // namespace

namespace {

// numpy's insert at one position: a scalar index (`scalar`: values' first axis moved to the
// axis) or a sequence of one.
Array insert_at(const Array& arr, int64_t index, const Operand& values, std::optional<int> axis,
                bool scalar) {
  const char* fn = "insert";
  const std::source_location l = values.loc();
  const Array a = along(arr, axis, fn, l);
  const Shape s = a.shape();
  const int ax = *axis, rank = static_cast<int>(s.size());
  const int64_t n = s[static_cast<size_t>(ax)];
  const int64_t at = checked_position(fn, index, n, ax, 1, l);
  // numpy: values with at least arr's dimensions (ones in front), their first axis moved to
  // `axis`, broadcast to a slab of arr.
  Array v = values_as(values, a.dtype(), fn);
  if (v.ndim() < rank) {
    Shape padded(static_cast<size_t>(rank - v.ndim()), 1);
    for (int64_t e : v.shape()) padded.push_back(e);
    v = v.reshape(padded, l);
  }
  if (rank > 0 && scalar) v = moveaxis(v, 0, ax, l);
  Shape slab = s;
  if (rank > 0) slab[static_cast<size_t>(ax)] = v.shape()[static_cast<size_t>(ax)];
  if (rank == 0) slab = v.shape();
  v = broadcast_to(v, slab, l);
  std::vector<Index> head(static_cast<size_t>(ax), slice()), tail = head;
  head.push_back(slice(0, at));
  tail.push_back(slice(at, none));
  return concatenate({a[Indices(head)], v, a[Indices(tail)]}, ax, l);
}

}  // namespace

Array insert(const Array& arr, int64_t index, const Operand& values, std::optional<int> axis) {
  return insert_at(arr, index, values, axis, true);
}

Array insert(const Array& arr, const std::vector<int64_t>& indices, const Operand& values,
             std::optional<int> axis) {
  if (indices.size() == 1) return insert_at(arr, indices[0], values, axis, false);
  const char* fn = "insert";
  const std::source_location l = values.loc();
  const Array a = along(arr, axis, fn, l);
  const Shape s = a.shape();
  const int ax = *axis;
  const int64_t n = s[static_cast<size_t>(ax)], count = static_cast<int64_t>(indices.size());
  // numpy's placement: negatives counted from the end, the positions sorted stably and each
  // moved on by the insertions before it, then used as indices into the longer result (where
  // negatives wrap again).
  const int64_t total = n + count;
  std::vector<int64_t> at(indices.begin(), indices.end());
  for (int64_t& i : at)
    if (i < 0) i += n;
  std::vector<int64_t> order(indices.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t p, int64_t q) { return at[p] < at[q]; });
  for (int64_t k = 0; k < count; ++k) at[static_cast<size_t>(order[k])] += k;
  // Where each element of the result comes from in concatenate(a, values): a's in order in the
  // places no value took.
  // numpy: new[at] = values (the last of a repeated place wins), then new[places left] = arr
  // (broadcast when arr has one element along the axis; else the counts must agree).
  std::vector<int64_t> source(static_cast<size_t>(total), -1);
  for (int64_t k = 0; k < count; ++k) {
    int64_t& p = at[static_cast<size_t>(k)];
    if (p < -total || p >= total)
      graph::throw_error(fn,
                         "index " + std::to_string(indices[static_cast<size_t>(k)]) +
                             " is out of bounds for axis " + std::to_string(ax) + " with size " +
                             std::to_string(n),
                         to_loc(l));
    if (p < 0) p += total;
    source[static_cast<size_t>(p)] = n + k;
  }
  const int64_t left = std::count(source.begin(), source.end(), int64_t{-1});
  if (left != n && n != 1)
    graph::throw_error(fn,
                       "the positions leave " + std::to_string(left) + " places for the array's " +
                           std::to_string(n) + " elements along axis " + std::to_string(ax),
                       to_loc(l));
  for (int64_t i = 0, next = 0; i < total; ++i)
    if (source[static_cast<size_t>(i)] < 0) source[static_cast<size_t>(i)] = n == 1 ? 0 : next++;
  Shape slab = s;
  slab[static_cast<size_t>(ax)] = count;
  const Array v = broadcast_to(values_as(values, a.dtype(), fn), slab, l);
  return take(concatenate({a, v}, ax, l), index_array(source, a, l), ax, l);
}

Array delete_(const Array& arr, const std::vector<int64_t>& indices, std::optional<int> axis,
              std::source_location l) {
  const char* fn = "delete";
  const Array a = along(arr, axis, fn, l);
  const int ax = *axis;
  const int64_t n = a.shape()[static_cast<size_t>(ax)];
  std::vector<bool> gone(static_cast<size_t>(n), false);
  for (int64_t i : indices) gone[static_cast<size_t>(checked_position(fn, i, n, ax, 0, l))] = true;
  std::vector<int64_t> keep;
  for (int64_t i = 0; i < n; ++i)
    if (!gone[static_cast<size_t>(i)]) keep.push_back(i);
  return take(a, index_array(keep, a, l), ax, l);
}

Array delete_(const Array& arr, int64_t index, std::optional<int> axis, std::source_location l) {
  return delete_(arr, std::vector<int64_t>{index}, axis, l);
}

void put(Array& a, const Array& indices, const Operand& values, IndexMode mode) {
  const char* fn = "put";
  const std::source_location l = values.loc();
  const DType t = detail::node_of(indices, fn, to_loc(l))->dtype;
  if (!is_integer(t))
    graph::throw_error(fn, "indices must be integers, not " + std::string(dtype_name(t)),
                       to_loc(l));
  const Shape shape = a.shape();
  if (a.size() == 0 && indices.size() > 0)  // (numpy 1.24 hangs with wrap or clip here)
    graph::throw_error(fn, "cannot replace elements of an empty array", to_loc(l));
  const Array index = positioned(flatten(indices, l).astype(int64, l), a.size(), mode, l);
  if (index.size() == 0) return;
  const Array v = cycled(values_as(values, a.dtype(), fn), index.size(), fn, l);
  a = scatter(flatten(a, l), index, Operand(v, l), 0).reshape(shape, l);
}

void put_along_axis(Array& arr, const Array& indices, const Operand& values, int axis) {
  const char* fn = "put_along_axis";
  const std::source_location l = values.loc();
  const SourceLoc loc = to_loc(l);
  const Shape s = arr.shape();
  const int rank = static_cast<int>(s.size());
  axis = detail::normalize_axis(fn, axis, rank, loc, nullptr);
  if (indices.ndim() != rank)
    graph::throw_error(fn,
                       "indices must have the array's " + std::to_string(rank) +
                           " dimensions, got shape " + detail::shape_text(indices.shape()),
                       loc);
  if (!is_integer(indices.dtype())) graph::throw_error(fn, "indices must be integers", loc);
  // The flat position of every (broadcast) index: the index along `axis` (take checks its range
  // and wraps negatives), the element's own coordinate along the others.
  Shape other = s;
  other[static_cast<size_t>(axis)] = 1;
  const Shape b = broadcast_shapes({indices.shape(), other}, l);
  const int64_t extent = s[static_cast<size_t>(axis)];
  std::vector<int64_t> strides(static_cast<size_t>(rank), 1);
  for (int d = rank - 2; d >= 0; --d)
    strides[static_cast<size_t>(d)] =
        strides[static_cast<size_t>(d) + 1] * s[static_cast<size_t>(d) + 1];
  Array flat = take(arange(int64_t{0}, extent, int64_t{1}, int64, l), indices.astype(int64, l), l) *
               strides[static_cast<size_t>(axis)];
  for (int d = 0; d < rank; ++d) {
    if (d == axis) continue;
    Shape at(static_cast<size_t>(rank), 1);
    at[static_cast<size_t>(d)] = s[static_cast<size_t>(d)];
    flat =
        flat + arange(int64_t{0}, s[static_cast<size_t>(d)], int64_t{1}, int64, l).reshape(at, l) *
                   strides[static_cast<size_t>(d)];
  }
  const Array v = broadcast_to(values_as(values, arr.dtype(), fn), b, l);
  arr = scatter(flatten(arr, l), flatten(broadcast_to(flat, b, l), l), Operand(flatten(v, l), l), 0)
            .reshape(s, l);
}

void putmask(Array& a, const Array& mask, const Operand& values) {
  const char* fn = "putmask";
  const std::source_location l = values.loc();
  if (mask.size() != a.size())
    graph::throw_error(fn, "mask and data must be the same size", to_loc(l));
  const Array v = values_as(values, a.dtype(), fn);
  if (v.size() == 0) return;  // numpy: nothing to put
  const Shape s = a.shape();
  const Array c = cycled(v, a.size(), fn, l).reshape(s, l);
  a = where(Operand(mask.reshape(s, l).astype(bool_, l), l), Operand(c, l), Operand(a, l));
}

void place(Array& arr, const Array& mask, const Operand& vals) {
  const char* fn = "place";
  const std::source_location l = vals.loc();
  if (mask.size() != arr.size())
    graph::throw_error(fn, "mask and data must be the same size", to_loc(l));
  const Shape s = arr.shape();
  const Array m = flatten(mask, l).astype(bool_, l);
  const Array v = flatten(values_as(vals, arr.dtype(), fn), l);
  if (v.size() == 0) {
    if (kiln::any(m, l).item<bool>())
      graph::throw_error(fn, "Cannot insert from an empty array!", to_loc(l));
    return;
  }
  // The k-th true position takes v[k % len(v)]: k from a running count of the mask.
  const Array k = cumsum(m.astype(int64, l), l) - int64_t{1};
  const Array at =
      remainder(Operand(maximum(Operand(k, l), Operand(int64_t{0}, l)), l), Operand(v.size(), l));
  arr = where(Operand(m, l), Operand(take(v, at, l), l), Operand(flatten(arr, l), l)).reshape(s, l);
}

void copyto(Array& dst, const Operand& src, std::string_view casting,
            const std::optional<Array>& where_) {
  const char* fn = "copyto";
  const std::source_location l = src.loc();
  const SourceLoc loc = to_loc(l);
  const DType to = dst.dtype();
  if (src.is_array()) {
    const DType from = src.array().dtype();
    bool ok = false;
    if (casting == "unsafe")
      ok = true;
    else if (casting == "same_kind")
      ok = from == to || graph::can_cast_same_kind(from, to);
    else if (casting == "safe")
      ok = from == to || promote_types(from, to) == to;
    else if (casting == "no" || casting == "equiv")
      ok = from == to;
    else
      graph::throw_error(fn,
                         "casting must be 'no', 'equiv', 'safe', 'same_kind' or 'unsafe', got '" +
                             std::string(casting) + "'",
                         loc);
    if (!ok)
      graph::throw_error(fn,
                         "Cannot cast array data from dtype('" + std::string(dtype_name(from)) +
                             "') to dtype('" + std::string(dtype_name(to)) +
                             "') according to the rule '" + std::string(casting) + "'",
                         loc);
  }
  const Array v = broadcast_to(
      leading_ones_dropped(src.is_array() ? src.array().astype(to, l) : values_as(src, to, fn),
                           dst.ndim(), l),
      dst.shape(), l);
  if (!where_) {
    dst = v;
    return;
  }
  const Array w =
      broadcast_to(leading_ones_dropped(where_->astype(bool_, l), dst.ndim(), l), dst.shape(), l);
  dst = where(Operand(w, l), Operand(v, l), Operand(dst, l));
}

void fill_diagonal(Array& a, const Operand& val, bool wrap) {
  const char* fn = "fill_diagonal";
  const std::source_location l = val.loc();
  const Shape s = a.shape();
  if (s.size() < 2) graph::throw_error(fn, "array must be at least 2-d", to_loc(l));
  int64_t step = 0, end = a.size();
  if (s.size() == 2) {
    step = s[1] + 1;
    if (!wrap) end = std::min(end, s[1] * s[1]);
  } else {
    for (int64_t e : s)
      if (e != s[0])
        graph::throw_error(
            fn, "All dimensions of input must be of equal length, got " + detail::shape_text(s),
            to_loc(l));
    int64_t p = 1;
    step = 1;
    for (size_t k = 0; k + 1 < s.size(); ++k) step += p *= s[k];
  }
  if (a.size() == 0) return;
  const Array index = arange(int64_t{0}, end, step, int64, l);
  const Array v = cycled(values_as(val, a.dtype(), fn), index.size(), fn, l);
  a = scatter(flatten(a, l), index, Operand(v, l), 0).reshape(s, l);
}

Array choose(const Array& a, const std::vector<Array>& choices, IndexMode mode,
             std::source_location l) {
  const char* fn = "choose";
  const SourceLoc loc = to_loc(l);
  if (choices.empty()) graph::throw_error(fn, "choices must not be empty", loc);
  if (!is_integer(detail::node_of(a, fn, loc)->dtype) && a.dtype() != bool_)
    graph::throw_error(
        fn, "the index array must be integers, not " + std::string(dtype_name(a.dtype())), loc);
  std::vector<Shape> shapes{a.shape()};
  DType t = choices[0].dtype();
  for (const Array& c : choices) {
    shapes.push_back(c.shape());
    t = promote_types(t, c.dtype());
  }
  const Shape b = broadcast_shapes(shapes, l);
  std::vector<Array> parts;
  for (const Array& c : choices) parts.push_back(broadcast_to(c.astype(t, l), b, l));
  const int64_t n = static_cast<int64_t>(choices.size());
  Array index = positioned(broadcast_to(a.astype(int64, l), b, l), n, mode, l);
  if (mode == IndexMode::raise)  // negatives are out of range for choose, as in numpy
    index = where(Operand(index < int64_t{0}, l), Operand(n, l), Operand(index, l));
  return take_along_axis(stack(parts, 0, l), expand_dims(index, 0, l), 0, l)[{0}];
}

}  // namespace kiln
