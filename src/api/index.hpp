// Basic indexing's geometry, shared by reading (Array::operator[]) and updating (IndexRef, at).
#pragma once

#include "graph/dims.hpp"
#include "graph/node.hpp"
#include "graph/view.hpp"
#include "kiln/array.hpp"

namespace kiln::detail {

/// Where `a[index]` sits in an array of `shape`: the result's shape, and its layout over the
/// array's row-major flat index. Mistakes (too many indices, an integer out of range, a zero
/// step, an ellipsis twice) are errors naming the index's call site.
void basic_index(const graph::Dims& shape, const Indices& index, graph::Dims& out_shape,
                 graph::Layout& layout);

/// The view of `a` with `shape` and layout `over_a` over a's flat index, composed with a's own
/// view when `a` is a pending view (chains of views collapse to one).
Array make_view(const Array& a, const graph::Dims& shape, const graph::Layout& over_a,
                graph::SourceLoc loc);

}  // namespace kiln::detail
