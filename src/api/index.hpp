// Indexing and updating, shared by reading (Array::operator[]) and updating (IndexRef, at):
// basic indexing's geometry, the values an assignment writes, and advanced indexing (index
// arrays and masks, api/advanced_index.cpp).
#pragma once

#include <vector>

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

/// a[start:stop] along `axis` (0 <= start <= stop <= extent), a view.
Array slice_axis(const Array& a, int axis, int64_t start, int64_t stop, graph::SourceLoc loc);

/// numpy's name for how an update combines (`assign` for a plain assignment).
const char* name_of(IndexRef::Combine how);

/// part (how) value with numpy's promotion (`part` itself for a plain assignment).
Array combined(const Array& part, IndexRef::Combine how, const Operand& value);

/// What an update of a part of `a` with shape `window` writes: `value` cast to a's dtype (set),
/// or `part` (how) `value` kept in a's dtype under numpy's same_kind rule, broadcast to the
/// window. `part` (a's current values there) is only read by the combining forms.
Array assigned_value(const Array& a, const graph::Dims& window, const Array& part,
                     IndexRef::Combine how, const Operand& value, graph::SourceLoc loc);

/// `a` with the part a[chain[0]][chain[1]]... replaced by that part (how) `value`.
Array updated(const Array& a, std::span<const Indices> chain, IndexRef::Combine how,
              const Operand& value);

/// Records `a` with `v` (a's dtype, the window's shape) written into the window of a's flat
/// index that `window` describes (an Update node; the window's positions must be distinct).
Array record_update(const Array& a, const Array& v, const graph::Layout& window,
                    graph::SourceLoc loc);

/// Whether `index` has an index array (numpy's advanced indexing).
bool has_array_entry(const Indices& index);

/// a[index] for an index with arrays: numpy's advanced indexing. A mask is a sync (the count of
/// its true elements is the result's shape).
Array advanced_get(const Array& a, const Indices& index);

/// `a` with a[index] (an index with arrays) replaced by a[index] (how) value. With `accumulate`
/// (kiln::at's forms) a position picked several times takes each value in turn, as numpy's
/// ufunc.at; otherwise the last one wins, as numpy's a[idx] op= v.
Array advanced_updated(const Array& a, const Indices& index, IndexRef::Combine how,
                       const Operand& value, bool accumulate);

/// numpy's `combine.at(a, (slice(None),) * axis + (indices,), values)` for `combine` one of
/// Multiply, Divide, Minimum, Maximum (values already of a's dtype and the scattered shape).
Array scatter_apply(graph::Op combine, const Array& a, const Array& indices, const Array& values,
                    int axis);

}  // namespace kiln::detail
