// View geometry: where a view's elements sit in its operand. A view of shape S over operand X
// maps its element at multi-index i to X's flat (row-major) index offset + sum_d i[d]*strides[d].
// This is numpy's (offset, strides) description, relative to a logical operand instead of bytes.
#pragma once

#include <cstdint>

#include "graph/dims.hpp"

namespace kiln::graph {

/// An operand's element layout relative to a base: element i of X is base flat index
/// `offset + sum_k i[k]*strides[k]`.
struct Layout {
  int64_t offset = 0;
  Dims strides;
};

/// The layout of a contiguous array of shape `shape` over itself.
Layout identity_layout(const Dims& shape);

/// True when `strides` walk `shape` in C order, element after element (extent-1 dimensions do
/// not matter): a view with them reads a contiguous run of its operand.
bool walks_in_order(const Dims& shape, const Dims& strides);

/// True when a view with this shape and layout over a base of shape `base` reads exactly the
/// base in order (so it can stand for the base itself).
bool is_identity(const Dims& shape, const Layout& layout, const Dims& base);

/// Composes a view (shape `shape`, `view` offset/strides over X's flat index) with X's layout
/// over its base. Fails when stepping through the view would carry across X's dimensions in a
/// way no single stride can express (numpy copies in that case too).
bool compose(const Dims& shape, const Layout& view, const Dims& x_shape, const Layout& x,
             Layout& out);

/// Strides over X's flat index for a transpose by `perm` of X (shape `x_shape`).
Layout transpose_view(const Dims& x_shape, const int* perm);

/// The view of X broadcast to `shape` (numpy's broadcast_to; X's shape must broadcast).
Layout broadcast_view(const Dims& x_shape, const Dims& shape);

}  // namespace kiln::graph
