// numpy's functions that put values into arrays or take them out along an axis: insert,
// delete, put, put_along_axis, putmask, place, copyto, fill_diagonal, and choose. Arrays are
// values in kiln: the functions that numpy runs in place take the array by reference and
// rebind it to the new value (other handles keep the old one, as for `a[{i}] = v`). Values are
// cast to the array's dtype (a complex value into a real array is an error); positions given
// as C++ integers are checked at the call, as arrays at the sync. All are lazy.
#pragma once

#include <optional>
#include <source_location>
#include <string_view>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's insert(arr, index, values, axis): `values` inserted before position `index` along
/// `axis` (flattened when nullopt); values take the shape of a slab of arr, its extent along
/// the axis their first dimension (numpy's scalar-index rule).
Array insert(const Array& arr, int64_t index, const Operand& values,
             std::optional<int> axis = std::nullopt);
/// numpy's insert with a sequence of positions: values[k] (broadcast to arr's shape with
/// len(indices) along the axis) go before indices[k] of the original, in a stable order.
Array insert(const Array& arr, const std::vector<int64_t>& indices, const Operand& values,
             std::optional<int> axis = std::nullopt);

/// numpy's delete(arr, index, axis): arr without position `index` along `axis` (flattened when
/// nullopt).
Array delete_(const Array& arr, int64_t index, std::optional<int> axis = std::nullopt,
              std::source_location loc = std::source_location::current());
/// numpy's delete of several positions (repeats allowed).
Array delete_(const Array& arr, const std::vector<int64_t>& indices,
              std::optional<int> axis = std::nullopt,
              std::source_location loc = std::source_location::current());

/// How put, choose and take treat positions out of range: numpy's mode argument.
enum class IndexMode {
  raise,  ///< an error (at the sync for arrays)
  wrap,   ///< modulo the extent
  clip    ///< clipped to [0, extent - 1] (negatives too)
};

/// numpy's put(a, ind, v, mode): a.flat[ind] = v, v repeated as needed (the last write wins).
void put(Array& a, const Array& indices, const Operand& values, IndexMode mode = IndexMode::raise);
/// numpy's put_along_axis(arr, indices, values, axis): the positions take_along_axis reads,
/// written with `values` (broadcast).
void put_along_axis(Array& arr, const Array& indices, const Operand& values, int axis);
/// numpy's putmask(a, mask, values): a.flat[n] = values.flat[n % len(values)] where mask.flat[n]
/// (mask of a's size).
void putmask(Array& a, const Array& mask, const Operand& values);
/// numpy's place(arr, mask, vals): the k-th true position of mask gets vals.flat[k % len(vals)]
/// (an empty vals with a true position is an error: a sync on the mask, numpy's check).
void place(Array& arr, const Array& mask, const Operand& vals);
/// numpy's copyto(dst, src, casting, where): src (broadcast to dst) written where `where` is
/// true; `casting` "no", "equiv", "safe", "same_kind" (numpy's default) or "unsafe".
void copyto(Array& dst, const Operand& src, std::string_view casting = "same_kind",
            const std::optional<Array>& where = std::nullopt);
/// numpy's fill_diagonal(a, val, wrap): a.flat[::step] = val (repeated) along the main
/// diagonal; 2-d, or every extent equal; `wrap` continues past the square of a tall matrix.
void fill_diagonal(Array& a, const Operand& val, bool wrap = false);

/// numpy's choose(a, choices, mode): choices[a[i]][i], everything broadcast together; `a` an
/// integer array.
Array choose(const Array& a, const std::vector<Array>& choices, IndexMode mode = IndexMode::raise,
             std::source_location loc = std::source_location::current());

}  // namespace kiln
