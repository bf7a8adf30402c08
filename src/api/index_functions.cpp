// numpy's index helpers: broadcast_shapes, diag_indices(_from), tril_indices(_from),
// triu_indices(_from), ix_, unravel_index, ravel_multi_index. Index arrays of a known pattern
// are computed on the host (their sizes are known at the call); those of data are lazy, except
// that unravel_index and ravel_multi_index read their indices' range to raise numpy's error for
// one out of bounds (a sync).
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "graph/types.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::SourceLoc;

Shape broadcast_shapes(const std::vector<Shape>& shapes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape r(rank, 1);
  for (const Shape& s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& e = r[rank - s.size() + i];
      const int64_t x = s[i];
      if (x < 0) graph::throw_error("broadcast_shapes", "negative extent in a shape", loc);
      if (x == e || x == 1) continue;
      if (e != 1)
        graph::throw_error("broadcast_shapes",
                           "shape mismatch: objects cannot be broadcast to a "
                           "single shape (" +
                               std::to_string(e) + " against " + std::to_string(x) + ")",
                           loc);
      e = x;
    }
  return r;
}

std::vector<Array> diag_indices(int64_t n, int ndim, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (n < 0) graph::throw_error("diag_indices", "n must be non-negative", loc);
  return std::vector<Array>(static_cast<size_t>(std::max(ndim, 0)), arange(0, n, 1, int64, l));
}

std::vector<Array> diag_indices_from(const Array& a, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "diag_indices_from", loc);
  if (a.ndim() < 2)
    graph::throw_error("diag_indices_from", "the input array must be at least 2-d", loc);
  for (int64_t e : a.shape())
    if (e != a.shape()[0])
      graph::throw_error("diag_indices_from",
                         "all dimensions of the input must be of equal "
                         "length (shape " +
                             graph::shape_string(a.shape()) + ")",
                         loc);
  return diag_indices(a.shape()[0], a.ndim(), l);
}

namespace {

// The row and column indices, in row-major order, of the n x m positions with j - i <= k (lower)
// or j - i >= k (upper).
std::vector<Array> triangle(int64_t n, int64_t k, int64_t m, bool lower, std::string_view fn,
                            const std::source_location& l) {
  if (n < 0 || m < 0) graph::throw_error(fn, "negative dimensions are not allowed", to_loc(l));
  std::vector<int64_t> rows, cols;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      if (lower ? j - i <= k : j - i >= k) {
        rows.push_back(i);
        cols.push_back(j);
      }
  return {array(rows, l), array(cols, l)};
}

}  // namespace

std::vector<Array> tril_indices(int64_t n, int64_t k, std::optional<int64_t> m,
                                std::source_location l) {
  return triangle(n, k, m.value_or(n), true, "tril_indices", l);
}

std::vector<Array> triu_indices(int64_t n, int64_t k, std::optional<int64_t> m,
                                std::source_location l) {
  return triangle(n, k, m.value_or(n), false, "triu_indices", l);
}

std::vector<Array> tril_indices_from(const Array& a, int64_t k, std::source_location l) {
  detail::node_of(a, "tril_indices_from", to_loc(l));
  if (a.ndim() != 2) graph::throw_error("tril_indices_from", "input array must be 2-d", to_loc(l));
  return triangle(a.shape()[0], k, a.shape()[1], true, "tril_indices_from", l);
}

std::vector<Array> triu_indices_from(const Array& a, int64_t k, std::source_location l) {
  detail::node_of(a, "triu_indices_from", to_loc(l));
  if (a.ndim() != 2) graph::throw_error("triu_indices_from", "input array must be 2-d", to_loc(l));
  return triangle(a.shape()[0], k, a.shape()[1], false, "triu_indices_from", l);
}

std::vector<Array> ix_(const std::vector<Array>& seqs, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  std::vector<Array> r;
  const size_t n = seqs.size();
  for (size_t i = 0; i < n; ++i) {
    detail::node_of(seqs[i], "ix_", loc);
    if (seqs[i].ndim() != 1)
      graph::throw_error("ix_",
                         "cross index must be 1-dimensional (argument " + std::to_string(i) +
                             " has shape " + graph::shape_string(seqs[i].shape()) + ")",
                         loc);
    const DType t = seqs[i].dtype();
    // A bool index stands for the positions of its true elements (a sync, as numpy's nonzero).
    const Array v = t == bool_ ? flatnonzero(seqs[i], l) : seqs[i];
    Shape s(n, 1);
    s[i] = v.size();
    r.push_back(reshape(v, s, l));
  }
  return r;
}

namespace {

// An error unless every index is in [0, extent) (numpy's mode 'raise'): reads the range, a sync.
void check_in_range(const Array& idx, int64_t extent, std::string_view fn, std::string_view what,
                    const std::source_location& l) {
  if (idx.size() == 0) return;
  const Array outside = logical_or(Operand(less(Operand(idx, l), 0), l),
                                   Operand(greater_equal(Operand(idx, l), extent), l));
  const bool out = any(outside, l).item<bool>(l);
  if (out)
    graph::throw_error(
        fn, std::string(what) + " out of bounds (not in [0, " + std::to_string(extent) + "))",
        to_loc(l));
}

}  // namespace

std::vector<Array> unravel_index(const Array& indices, const Shape& shape, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(indices, "unravel_index", loc);
  if (!is_integer(indices.dtype()))
    graph::throw_error("unravel_index",
                       "indices must be integers, not " + std::string(dtype_name(indices.dtype())),
                       loc);
  int64_t size = 1;
  for (int64_t e : shape) {
    if (e < 0) graph::throw_error("unravel_index", "dimensions must be non-negative", loc);
    size *= e;
  }
  const Array idx = indices.astype(int64, l);
  check_in_range(idx, size, "unravel_index", "an index", l);
  std::vector<Array> r(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    r[d] = remainder(Operand(floor_divide(Operand(idx, l), stride), l),
                     std::max<int64_t>(shape[d], 1));
    stride *= shape[d];
  }
  return r;
}

Array ravel_multi_index(const std::vector<Array>& multi_index, const Shape& dims,
                        std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (multi_index.size() != dims.size())
    graph::throw_error("ravel_multi_index",
                       "the number of index arrays (" + std::to_string(multi_index.size()) +
                           ") must match the number of dimensions (" + std::to_string(dims.size()) +
                           ")",
                       loc);
  if (dims.empty()) graph::throw_error("ravel_multi_index", "needs at least one dimension", loc);
  Array r;
  int64_t stride = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    detail::node_of(multi_index[d], "ravel_multi_index", loc);
    if (!is_integer(multi_index[d].dtype()))
      graph::throw_error("ravel_multi_index", "only integer indices are allowed", loc);
    const Array idx = multi_index[d].astype(int64, l);
    check_in_range(idx, dims[d], "ravel_multi_index", "an index in dimension " + std::to_string(d),
                   l);
    const Array term = multiply(Operand(idx, l), stride);
    r = r.valid() ? add(Operand(r, l), Operand(term, l)) : term;
    stride *= dims[d];
  }
  return r;
}

}  // namespace kiln
