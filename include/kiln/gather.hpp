// Gathers, scatters, joins and scans with numpy's semantics, all lazy. Gathers are computed
// inside the kernel that uses their result; scatters, joins and scans run at the sync on
// evaluated operands. An index out of range raises kiln::Error at the sync, naming the op and
// the call site.
#pragma once

#include <source_location>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's take(a, indices): elements of the flattened `a` at `indices` (int32 or int64;
/// negative counts from the end). The result has the indices' shape.
Array take(const Array& a, const Array& indices,
           std::source_location loc = std::source_location::current());
/// numpy's take(a, indices, axis): slices of `a` along `axis`; the result's shape is
/// a.shape[:axis] + indices.shape + a.shape[axis+1:].
Array take(const Array& a, const Array& indices, int axis,
           std::source_location loc = std::source_location::current());
/// numpy's take_along_axis: `indices` has a's number of dimensions; the others broadcast.
Array take_along_axis(const Array& a, const Array& indices, int axis,
                      std::source_location loc = std::source_location::current());

/// A copy of `a` with the slices `indices` along `axis` replaced by `values` (which broadcast to
/// a.shape[:axis] + indices.shape + a.shape[axis+1:] and are cast to a's dtype): numpy's
/// `r = a.copy(); r[(slice(None),) * axis + (indices,)] = values`. For repeated indices the
/// last value in index order wins, as in numpy.
Array scatter(const Array& a, const Array& indices, const Operand& values, int axis = 0);
/// A copy of `a` with `values` added at `indices` along `axis`, every contribution counted for
/// repeated indices: numpy's `np.add.at(r, (slice(None),) * axis + (indices,), values)`.
Array scatter_add(const Array& a, const Array& indices, const Operand& values, int axis = 0);

/// numpy's concatenate: the arrays joined along `axis` (dtypes promote).
Array concatenate(const std::vector<Array>& arrays, int axis = 0,
                  std::source_location loc = std::source_location::current());
/// numpy's stack: arrays of one shape joined along a new axis.
Array stack(const std::vector<Array>& arrays, int axis = 0,
            std::source_location loc = std::source_location::current());

/// numpy's cumsum over the flattened array (integers and bool accumulate in int64).
Array cumsum(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's cumsum along `axis`.
Array cumsum(const Array& a, int axis, std::source_location loc = std::source_location::current());
/// numpy's cumprod over the flattened array.
Array cumprod(const Array& a, std::source_location loc = std::source_location::current());
/// numpy's cumprod along `axis`.
Array cumprod(const Array& a, int axis, std::source_location loc = std::source_location::current());

}  // namespace kiln
