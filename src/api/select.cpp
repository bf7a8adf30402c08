// nonzero, flatnonzero, argwhere, where(condition), compress, extract: the condition is read at
// a sync, the positions found become int64 data on its device, and what they select is taken
// lazily (take), so it fuses with whatever reads it.
#include "kiln/select.hpp"

#include <string>

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "kiln/creation.hpp"
#include "kiln/gather.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::SourceLoc;

namespace {

// The flat positions (C order) of the true elements of `a`: a sync.
std::vector<int64_t> true_positions(const Array& a, std::source_location l) {
  const Array truth = a.astype(bool_, l);
  std::vector<unsigned char> copied;
  const unsigned char* bytes = nullptr;  // one byte per element, 0 or 1
  const auto n = static_cast<size_t>(truth.size());
  if (truth.device() == Device::cpu()) {
    bytes = reinterpret_cast<const unsigned char*>(truth.data<bool>(l));
  } else {
    const std::vector<bool> v = truth.to_vector<bool>(l);
    copied.assign(v.begin(), v.end());
    bytes = copied.data();
  }
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += bytes[i];
  // Branch-free: every position is written, and the next slot advances only past true ones.
  std::vector<int64_t> at(count + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    at[k] = static_cast<int64_t>(i);
    k += bytes[i];
  }
  at.pop_back();
  return at;
}

// Host values as an int64 array of `shape` on `like`'s device.
Array indices_on(const Array& like, const std::vector<int64_t>& values, const Shape& shape,
                 std::source_location l) {
  Array out = array(values, shape, l);
  return like.device() == out.device() ? out : out.to(like.device(), l);
}

// numpy's IndexError for a selected position past the end of what is selected from.
void check_in_range(std::string_view fn, const std::vector<int64_t>& at, int64_t extent, int axis,
                    SourceLoc loc) {
  if (!at.empty() && at.back() >= extent)
    graph::throw_error(fn,
                       "index " + std::to_string(at.back()) + " is out of bounds for axis " +
                           std::to_string(axis) + " with size " + std::to_string(extent) +
                           " (the condition is true past the end)",
                       loc);
}

void check_one_dimensional(const Array& condition, std::string_view fn, SourceLoc loc) {
  const graph::Node* c = detail::node_of(condition, fn, loc);
  if (c->shape.rank() != 1)
    graph::throw_error(
        fn, "the condition must be a 1-d array, not of shape " + graph::to_string(c->shape), loc);
}

// The elements of the flattened `from` where the flattened `condition` is true (a true element
// past its end is an error).
Array take_flat_where(const Array& condition, const Array& from, std::string_view fn,
                      std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int64_t size = detail::node_of(from, fn, loc)->shape.size();
  const std::vector<int64_t> at = true_positions(condition, l);
  check_in_range(fn, at, size, 0, loc);
  return take(from, indices_on(from, at, Shape{static_cast<int64_t>(at.size())}, l), l);
}

// The coordinates of the true elements of `a`, one vector per axis (`a` has at least one).
std::vector<std::vector<int64_t>> true_coordinates(const Array& a, std::string_view fn,
                                                   std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const graph::Node* n = detail::node_of(a, fn, loc);
  const int rank = n->shape.rank();
  if (rank == 0)
    graph::throw_error(fn,
                       "a 0-d array has no axes to index (NumPy 2 raises too); use "
                       "a.reshape({1}) first",
                       loc);
  const graph::Dims shape = n->shape;
  const std::vector<int64_t> at = true_positions(a, l);
  std::vector<std::vector<int64_t>> coords(static_cast<size_t>(rank),
                                           std::vector<int64_t>(at.size()));
  for (size_t k = 0; k < at.size(); ++k) {
    int64_t p = at[k];
    for (int d = rank - 1; d >= 0; --d) {
      coords[static_cast<size_t>(d)][k] = p % shape[d];
      p /= shape[d];
    }
  }
  return coords;
}

std::vector<Array> nonzero_impl(const Array& a, std::string_view fn, std::source_location l) {
  std::vector<Array> out;
  for (const auto& c : true_coordinates(a, fn, l))
    out.push_back(indices_on(a, c, Shape{static_cast<int64_t>(c.size())}, l));
  return out;
}

}  // namespace

std::vector<Array> nonzero(const Array& a, std::source_location l) {
  return nonzero_impl(a, "nonzero", l);
}

std::vector<Array> where(const Array& condition, std::source_location l) {
  return nonzero_impl(condition, "where", l);
}

Array flatnonzero(const Array& a, std::source_location l) {
  detail::node_of(a, "flatnonzero", to_loc(l));
  const std::vector<int64_t> at = true_positions(a, l);
  return indices_on(a, at, Shape{static_cast<int64_t>(at.size())}, l);
}

Array argwhere(const Array& a, std::source_location l) {
  const graph::Node* n = detail::node_of(a, "argwhere", to_loc(l));
  const int rank = n->shape.rank();
  if (rank == 0) {  // numpy: argwhere(atleast_1d(a))[:, :0]
    const int64_t count = static_cast<int64_t>(true_positions(a, l).size());
    return indices_on(a, {}, Shape{count, 0}, l);
  }
  const std::vector<std::vector<int64_t>> coords = true_coordinates(a, "argwhere", l);
  const auto count = static_cast<int64_t>(coords[0].size());
  std::vector<int64_t> rows(static_cast<size_t>(count * rank));
  for (int d = 0; d < rank; ++d)
    for (int64_t k = 0; k < count; ++k)
      rows[static_cast<size_t>(k * rank + d)] = coords[static_cast<size_t>(d)][k];
  return indices_on(a, rows, Shape{count, rank}, l);
}

Array compress(const Array& condition, const Array& a, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  check_one_dimensional(condition, "compress", loc);
  const graph::Node* n = detail::node_of(a, "compress", loc);
  axis = detail::normalize_axis("compress", axis, n->shape.rank(), loc, &n->shape);
  const int64_t extent = n->shape[axis];
  const std::vector<int64_t> at = true_positions(condition, l);
  // As numpy's take: when the other axes leave nothing to take, no index is checked.
  if (extent == 0 || n->shape.size() > 0) check_in_range("compress", at, extent, axis, loc);
  return take(a, indices_on(a, at, Shape{static_cast<int64_t>(at.size())}, l), axis, l);
}

Array compress(const Array& condition, const Array& a, std::source_location l) {
  check_one_dimensional(condition, "compress", to_loc(l));
  return take_flat_where(condition, a, "compress", l);
}

Array extract(const Array& condition, const Array& arr, std::source_location l) {
  detail::node_of(condition, "extract", to_loc(l));
  return take_flat_where(condition, arr, "extract", l);
}

}  // namespace kiln
