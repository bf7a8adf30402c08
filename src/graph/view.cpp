#include "graph/view.hpp"

#include <cstdlib>

namespace kiln::graph {

Layout identity_layout(const Dims& shape) {
  return {0, contiguous_strides(shape)};
}

bool walks_in_order(const Dims& shape, const Dims& strides) {
  const Dims cs = contiguous_strides(shape);
  for (int d = 0; d < shape.rank(); ++d)
    if (shape[d] > 1 && strides[d] != cs[d]) return false;
  return true;
}

bool is_identity(const Dims& shape, const Layout& layout, const Dims& base) {
  return shape == base && layout.offset == 0 && walks_in_order(shape, layout.strides);
}

namespace {

// X's dimensions with adjacent ones merged where X's layout walks them contiguously; flat
// indices of X are unchanged by merging, so a view over X is one over the merged shape too.
void coalesce(const Dims& x_shape, const Dims& x_strides, Dims& shape, Dims& strides) {
  shape = Dims{};
  strides = Dims{};
  for (int k = 0; k < x_shape.rank(); ++k) {
    if (x_shape[k] == 1) continue;
    if (shape.rank() > 0 && strides[strides.rank() - 1] == x_strides[k] * x_shape[k]) {
      shape[shape.rank() - 1] *= x_shape[k];
      strides[strides.rank() - 1] = x_strides[k];
    } else {
      shape.push_back(x_shape[k]);
      strides.push_back(x_strides[k]);
    }
  }
}

}  // namespace

bool compose(const Dims& shape, const Layout& view, const Dims& x_shape, const Layout& x,
             Layout& out) {
  out.strides = Dims{};
  out.strides.resize(shape.rank(), 0);
  if (shape.size() == 0 || x_shape.size() == 0) {
    out.offset = x.offset;
    return true;
  }
  Dims xs, xst;
  coalesce(x_shape, x.strides, xs, xst);
  const Dims cs = contiguous_strides(xs);
  // Start: the multi-index (over the merged shape) of the view's first element.
  Dims start;
  start.resize(xs.rank(), 0);
  int64_t rest = view.offset;
  for (int k = 0; k < xs.rank(); ++k) {
    start[k] = rest / cs[k];
    rest %= cs[k];
  }
  out.offset = x.offset;
  for (int k = 0; k < xs.rank(); ++k) out.offset += start[k] * xst[k];
  // Each view step must move along exactly one merged dimension of X, never past its end.
  Dims up, down;
  up.resize(xs.rank(), 0);
  down.resize(xs.rank(), 0);
  for (int d = 0; d < shape.rank(); ++d) {
    const int64_t s = view.strides[d];
    if (shape[d] == 1 || s == 0) continue;
    int k = 0;
    while (k < xs.rank() && (cs[k] > std::llabs(s) || s % cs[k] != 0)) ++k;
    if (k == xs.rank()) return false;
    const int64_t m = s / cs[k];
    (m > 0 ? up : down)[k] += std::llabs(m) * (shape[d] - 1);
    out.strides[d] = m * xst[k];
  }
  for (int k = 0; k < xs.rank(); ++k)
    if (start[k] + up[k] > xs[k] - 1 || start[k] - down[k] < 0) return false;
  return true;
}

Layout transpose_view(const Dims& x_shape, const int* perm) {
  const Dims cs = contiguous_strides(x_shape);
  Layout l;
  l.strides.resize(x_shape.rank());
  for (int d = 0; d < x_shape.rank(); ++d) l.strides[d] = cs[perm[d]];
  return l;
}

Layout broadcast_view(const Dims& x_shape, const Dims& shape) {
  const Dims cs = contiguous_strides(x_shape);
  Layout l;
  l.strides.resize(shape.rank(), 0);
  const int off = shape.rank() - x_shape.rank();
  for (int k = 0; k < x_shape.rank(); ++k) l.strides[off + k] = x_shape[k] == 1 ? 0 : cs[k];
  return l;
}

}  // namespace kiln::graph
