// Shape operations as views: each computes an offset and strides over its operand and composes
// them with the operand's own view, so chains of views collapse to one.
#include "kiln/shape.hpp"

#include <algorithm>
#include <string>

#include "api/apply.hpp"
#include "api/index.hpp"
#include "graph/view.hpp"

namespace kiln {

using detail::to_loc;
using graph::Dims;
using graph::Layout;
using graph::Node;
using graph::SourceLoc;

namespace detail {

Array make_view(const Array& a, const Dims& shape, const Layout& over_a, SourceLoc loc) {
  Node* n = a.node();
  graph::Tracer& tracer = context().tracer();
  // Compose with the operand's own view when the two collapse into one strided access. The
  // operand of a pending view is read under the lock (another thread's sync may evaluate the
  // view, which lets go of its operand), and held while the new view is recorded.
  Node* base = n;
  Layout layout = over_a;
  {
    std::lock_guard lock(tracer.mutex());
    if (n->op == graph::Op::View && !n->evaluated() && n->payload.v[1] == 0) {
      Layout composed;
      const Layout inner{static_cast<int64_t>(n->payload.v[0]), n->strides};
      if (graph::compose(shape, over_a, n->shape, inner, composed)) {
        base = n->args[0];
        layout = composed;
      }
    }
    graph::Tracer::add_handle(base);
  }
  const Array held(base);  // the handle just taken
  if (graph::is_identity(shape, layout, base->shape)) return held;
  graph::NodeDesc d;
  d.op = graph::Op::View;
  d.dtype = n->dtype;
  d.nargs = 1;
  d.args[0] = base;
  d.shape = shape;
  d.strides = layout.strides;
  d.payload.v[0] = static_cast<uint64_t>(layout.offset);
  d.loc = loc;
  return Array(tracer.record(d));
}

Array slice_axis(const Array& a, int axis, int64_t start, int64_t stop, SourceLoc loc) {
  const Dims& s = a.node()->shape;
  Dims shape = s;
  shape[axis] = stop - start;
  graph::Layout layout{0, graph::contiguous_strides(s)};
  if (shape.size() > 0) layout.offset = start * layout.strides[axis];
  return make_view(a, shape, layout, loc);
}

}  // namespace detail

namespace {

// Normalises an axis against `ndim` dimensions (negative counts from the end).
std::string axes_string(const std::vector<int>& axes) {
  std::string s = "(";
  for (size_t i = 0; i < axes.size(); ++i) s += (i ? "," : "") + std::to_string(axes[i]);
  return s + (axes.size() == 1 ? ",)" : ")");
}

// A reshape is a view whose strides over the operand's flat index are the new shape's own.
Array reshape_to(const Array& a, const Dims& shape, SourceLoc loc) {
  return detail::make_view(a, shape, graph::identity_layout(shape), loc);
}

}  // namespace

Array reshape(const Array& a, const Shape& shape, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "reshape", loc);
  Shape resolved = shape;
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (unknown >= 0)
        graph::throw_error("reshape", "can only specify one unknown dimension (-1)", loc);
      unknown = static_cast<int>(i);
    } else if (shape[i] < 0) {
      graph::throw_error("reshape",
                         "negative dimension " + std::to_string(shape[i]) + " in shape " +
                             graph::shape_string(shape),
                         loc);
    } else {
      known *= shape[i];
    }
  }
  const int64_t size = n->shape.size();
  if (unknown >= 0) {
    if (known == 0 || size % known != 0)
      graph::throw_error("reshape",
                         "cannot reshape an array of size " + std::to_string(size) +
                             " into shape " + graph::shape_string(shape),
                         loc);
    resolved[unknown] = size / known;
  }
  const Dims dims = detail::checked_shape(resolved, "reshape", loc);
  if (dims.size() != size)
    graph::throw_error("reshape",
                       "cannot reshape an array of size " + std::to_string(size) + " into shape " +
                           graph::shape_string(shape),
                       loc);
  return reshape_to(a, dims, loc);
}

Array transpose(const Array& a, const std::vector<int>& axes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "transpose", loc);
  const int ndim = n->shape.rank();
  if (static_cast<int>(axes.size()) != ndim)
    graph::throw_error("transpose",
                       "axes " + axes_string(axes) + " do not match an array of " +
                           std::to_string(ndim) + " dimensions",
                       loc);
  int perm[graph::kMaxDims];
  bool seen[graph::kMaxDims] = {};
  Dims shape;
  for (int d = 0; d < ndim; ++d) {
    perm[d] = detail::normalize_axis("transpose", axes[d], ndim, loc);
    if (seen[perm[d]])
      graph::throw_error("transpose", "repeated axis in " + axes_string(axes), loc);
    seen[perm[d]] = true;
    shape.push_back(n->shape[perm[d]]);
  }
  return detail::make_view(a, shape, graph::transpose_view(n->shape, perm), loc);
}

Array transpose(const Array& a, std::source_location l) {
  const Node* n = detail::node_of(a, "transpose", to_loc(l));
  std::vector<int> axes(static_cast<size_t>(n->shape.rank()));
  for (int d = 0; d < n->shape.rank(); ++d) axes[d] = n->shape.rank() - 1 - d;
  return transpose(a, axes, l);
}

Array squeeze(const Array& a, const std::vector<int>& axes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "squeeze", loc);
  bool drop[graph::kMaxDims] = {};
  for (int axis : axes) {
    const int k = detail::normalize_axis("squeeze", axis, n->shape.rank(), loc);
    if (n->shape[k] != 1)
      graph::throw_error("squeeze",
                         "cannot squeeze axis " + std::to_string(axis) + " of shape " +
                             graph::to_string(n->shape) + ": its extent is not 1",
                         loc);
    if (drop[k]) graph::throw_error("squeeze", "repeated axis in " + axes_string(axes), loc);
    drop[k] = true;
  }
  Dims shape;
  for (int d = 0; d < n->shape.rank(); ++d)
    if (!drop[d]) shape.push_back(n->shape[d]);
  return reshape_to(a, shape, loc);
}

Array squeeze(const Array& a, int axis, std::source_location l) {
  return squeeze(a, std::vector<int>{axis}, l);
}

Array squeeze(const Array& a, std::source_location l) {
  const Node* n = detail::node_of(a, "squeeze", to_loc(l));
  std::vector<int> ones;
  for (int d = 0; d < n->shape.rank(); ++d)
    if (n->shape[d] == 1) ones.push_back(d);
  return squeeze(a, ones, l);
}

Array expand_dims(const Array& a, const std::vector<int>& axes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "expand_dims", loc);
  const int out_rank = n->shape.rank() + static_cast<int>(axes.size());
  if (out_rank > graph::kMaxDims)
    graph::throw_error(
        "expand_dims",
        "the result would have more than " + std::to_string(graph::kMaxDims) + " dimensions", loc);
  bool is_new[graph::kMaxDims] = {};
  for (int axis : axes) {
    const int k = detail::normalize_axis("expand_dims", axis, out_rank, loc);
    if (is_new[k]) graph::throw_error("expand_dims", "repeated axis in " + axes_string(axes), loc);
    is_new[k] = true;
  }
  Dims shape;
  for (int d = 0, src = 0; d < out_rank; ++d) shape.push_back(is_new[d] ? 1 : n->shape[src++]);
  return reshape_to(a, shape, loc);
}

Array expand_dims(const Array& a, int axis, std::source_location l) {
  return expand_dims(a, std::vector<int>{axis}, l);
}

Array broadcast_to(const Array& a, const Shape& shape, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "broadcast_to", loc);
  const Dims target = detail::checked_shape(shape, "broadcast_to", loc);
  bool ok = n->shape.rank() <= target.rank();
  for (int d = 1; ok && d <= n->shape.rank(); ++d) {
    const int64_t e = n->shape[n->shape.rank() - d];
    ok = e == 1 || e == target[target.rank() - d];
  }
  if (!ok)
    graph::throw_error("broadcast_to",
                       "shape " + graph::to_string(n->shape) + " cannot be broadcast to " +
                           graph::to_string(target),
                       loc);
  return detail::make_view(a, target, graph::broadcast_view(n->shape, target), loc);
}

Array flatten(const Array& a, std::source_location l) {
  const Node* n = detail::node_of(a, "flatten", to_loc(l));
  return reshape_to(a, Dims{n->shape.size()}, to_loc(l));
}

Array Array::reshape(const Shape& shape, std::source_location loc) const {
  return kiln::reshape(*this, shape, loc);
}
Array Array::T(std::source_location loc) const {
  return kiln::transpose(*this, loc);
}
Array Array::flatten(std::source_location loc) const {
  return kiln::flatten(*this, loc);
}

// ---- basic indexing -----------------------------------------------------------------------

namespace {

// numpy's (CPython's) slice adjustment: the first index and the length of start:stop:step over
// an axis of extent n.
void adjust_slice(const Slice& s, int64_t n, int64_t& start, int64_t& step, int64_t& length) {
  step = s.step.open() ? 1 : s.step.value();
  auto clamp_end = [&](SliceBound b, int64_t open_value) {
    if (b.open()) return open_value;
    int64_t v = b.value();
    if (v < 0) {
      v += n;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= n) {
      v = step < 0 ? n - 1 : n;
    }
    return v;
  };
  start = clamp_end(s.start, step < 0 ? n - 1 : 0);
  const int64_t stop = clamp_end(s.stop, step < 0 ? -1 : n);
  // In unsigned arithmetic: a step of INT64_MIN has no positive counterpart.
  if (step < 0)
    length = stop < start ? static_cast<int64_t>(static_cast<uint64_t>(start - stop - 1) /
                                                 (0 - static_cast<uint64_t>(step))) +
                                1
                          : 0;
  else
    length = start < stop ? (stop - start - 1) / step + 1 : 0;
}

}  // namespace

namespace detail {

void basic_index(const Dims& shape, const Indices& index, Dims& out_shape, Layout& layout) {
  const SourceLoc loc = to_loc(index.loc());
  const Dims strides = graph::contiguous_strides(shape);
  const std::span<const Index> entries = index.entries();
  int consuming = 0, ellipses = 0;
  for (const Index& e : entries) {
    consuming += e.kind() == Index::Kind::integer || e.kind() == Index::Kind::slice;
    ellipses += e.kind() == Index::Kind::ellipsis;
  }
  if (ellipses > 1) graph::throw_error("index", "an index can only have a single ellipsis", loc);
  if (consuming > shape.rank())
    graph::throw_error("index",
                       "too many indices for array: array of shape " + graph::to_string(shape) +
                           " is " + std::to_string(shape.rank()) + "-dimensional, but " +
                           std::to_string(consuming) + " were indexed",
                       loc);
  out_shape = Dims();
  layout = Layout();
  int axis = 0;
  auto keep_axis = [&](int a) {
    out_shape.push_back(shape[a]);
    layout.strides.push_back(strides[a]);
  };
  for (size_t k = 0; k < entries.size(); ++k) {
    const Index& e = entries[k];
    switch (e.kind()) {
      case Index::Kind::ellipsis:
        for (int left = shape.rank() - consuming; left > 0; --left) keep_axis(axis++);
        break;
      case Index::Kind::newaxis:
        out_shape.push_back(1);
        layout.strides.push_back(0);
        break;
      case Index::Kind::integer: {
        const int64_t extent = shape[axis];
        int64_t i = e.integer();
        if (i < -extent || i >= extent)
          graph::throw_error("index",
                             "index " + std::to_string(i) + " is out of bounds for axis " +
                                 std::to_string(axis) + " with size " + std::to_string(extent) +
                                 " (array of shape " + graph::to_string(shape) + ")",
                             loc);
        if (i < 0) i += extent;
        layout.offset += i * strides[axis];
        ++axis;
        break;
      }
      case Index::Kind::array:
        graph::internal_error(__FILE__, __LINE__, "an index array reached basic indexing");
      case Index::Kind::slice: {
        if (!e.slice().step.open() && e.slice().step.value() == 0)
          graph::throw_error("index", "slice step cannot be zero", loc);
        int64_t start, step, length;
        adjust_slice(e.slice(), shape[axis], start, step, length);
        out_shape.push_back(length);
        // With two or more elements |step| < extent, so the product fits; with fewer the
        // stride is never used (and a huge step times the stride could overflow).
        layout.strides.push_back(length > 1 ? step * strides[axis] : 0);
        if (length > 0) layout.offset += start * strides[axis];
        ++axis;
        break;
      }
    }
  }
  while (axis < shape.rank()) keep_axis(axis++);
  if (out_shape.rank() > graph::kMaxDims)
    graph::throw_error("index",
                       "the result would have " + std::to_string(out_shape.rank()) +
                           " dimensions; kiln supports at most " + std::to_string(graph::kMaxDims),
                       loc);
  if (out_shape.size() == 0) layout.offset = 0;  // an empty view reads nothing
}

}  // namespace detail

Array Array::operator[](const Indices& index) const& {
  if (detail::has_array_entry(index)) return detail::advanced_get(*this, index);
  const Node* n = detail::node_of(*this, "index", to_loc(index.loc()));
  Dims out_shape;
  Layout layout;
  detail::basic_index(n->shape, index, out_shape, layout);
  return detail::make_view(*this, out_shape, layout, to_loc(index.loc()));
}

Array Array::operator[](const Indices& index) && {
  return std::as_const(*this)[index];
}

}  // namespace kiln
