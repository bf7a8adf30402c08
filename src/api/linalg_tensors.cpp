// numpy.linalg's cond, multi_dot, tensorinv and tensorsolve, composed from svdvals, inv, norm,
// solve and matmul (numpy's own definitions), with the matrix chain's order chosen as numpy's
// multi_dot chooses it (the cheapest by dynamic programming over the shapes).
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/linalg.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln::linalg {

namespace {

using detail::to_loc;

void check_matrices(const Array& x, const char* fn, bool square, const std::source_location& l) {
  const Shape s = x.shape();
  if (s.size() < 2)
    graph::throw_error(
        fn, detail::shape_text(s) + "-shaped array given. Array must be at least two-dimensional",
        to_loc(l));
  if (s[s.size() - 1] == 0 || s[s.size() - 2] == 0)
    graph::throw_error(fn, "cond is not defined on empty arrays", to_loc(l));
  if (square && s[s.size() - 1] != s[s.size() - 2])
    graph::throw_error(
        fn, "Last 2 dimensions of the array must be square, got " + detail::shape_text(s),
        to_loc(l));
}

// numpy: nan results become inf, unless the matrix itself holds a nan.
Array nan_to_inf(const Array& r, const Array& x, const std::source_location& l) {
  const Array x_nan = any(isnan(Operand(x, l)), std::vector<int>{-2, -1}, false, l);
  return where(Operand(logical_and(Operand(isnan(Operand(r, l)), l),
                                   Operand(logical_not(Operand(x_nan, l)), l)),
                       l),
               Operand(std::numeric_limits<double>::infinity(), l), Operand(r, l));
}

// The cheapest order of the chain (numpy's _multi_dot_matrix_chain_order): split[i][j] is where
// the product of matrices i..j divides.
Array chain(const std::vector<Array>& m, const std::vector<std::vector<size_t>>& split, size_t i,
            size_t j, const std::source_location& l) {
  if (i == j) return m[i];
  return matmul(chain(m, split, i, split[i][j], l), chain(m, split, split[i][j] + 1, j, l), l);
}

}  // namespace

Array cond(const Array& x, std::source_location l) {
  return cond(x, 2.0, l);
}

Array cond(const Array& x, double p, std::source_location l) {
  const char* fn = "cond";
  check_matrices(x, fn, !(p == 2 || p == -2), l);
  Array r;
  if (p == 2 || p == -2) {
    const Array s = svdvals(x, l);
    const Array first = s[{ellipsis, 0}], last = s[{ellipsis, -1}];
    r = p == 2 ? divide(Operand(first, l), Operand(last, l))
               : divide(Operand(last, l), Operand(first, l));
  } else {
    r = multiply(Operand(norm(x, p, std::array<int, 2>{-2, -1}, false, l), l),
                 Operand(norm(inv(x, l), p, std::array<int, 2>{-2, -1}, false, l), l));
    if (is_complex(x.dtype())) r = r.astype(x.dtype(), l);  // numpy's result type here
  }
  return nan_to_inf(r, x, l);
}

Array cond(const Array& x, std::string_view p, std::source_location l) {
  check_matrices(x, "cond", true, l);
  Array r = multiply(Operand(norm(x, p, {-2, -1}, false, l), l),
                     Operand(norm(inv(x, l), p, {-2, -1}, false, l), l));
  if (is_complex(x.dtype())) r = r.astype(x.dtype(), l);  // numpy's result type here
  return nan_to_inf(r, x, l);
}

Array multi_dot(const std::vector<Array>& arrays, std::source_location l) {
  const char* fn = "multi_dot";
  const size_t n = arrays.size();
  if (n < 2) graph::throw_error(fn, "Expecting at least two arrays.", to_loc(l));
  std::vector<Array> m = arrays;
  const bool row = m.front().ndim() == 1, column = m.back().ndim() == 1;
  if (row) m.front() = reshape(m.front(), {1, m.front().shape()[0]}, l);
  if (column) m.back() = reshape(m.back(), {m.back().shape()[0], 1}, l);
  for (size_t k = 0; k < n; ++k)
    if (m[k].ndim() != 2)
      graph::throw_error(fn,
                         std::to_string(m[k].ndim()) + "-dimensional array given (array " +
                             std::to_string(k) + "). Array must be two-dimensional",
                         to_loc(l));
  // Dynamic programming over the dimensions p (matrix k is p[k] x p[k + 1]).
  std::vector<double> p;
  for (const Array& a : m) p.push_back(static_cast<double>(a.shape()[0]));
  p.push_back(static_cast<double>(m.back().shape()[1]));
  std::vector<std::vector<double>> cost(n, std::vector<double>(n, 0));
  std::vector<std::vector<size_t>> split(n, std::vector<size_t>(n, 0));
  for (size_t len = 1; len < n; ++len)
    for (size_t i = 0; i + len < n; ++i) {
      const size_t j = i + len;
      cost[i][j] = std::numeric_limits<double>::infinity();
      for (size_t k = i; k < j; ++k) {
        const double c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1];
        if (c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  Array r = chain(m, split, 0, n - 1, l);
  if (row && column) return reshape(r, {}, l);
  if (row) return reshape(r, {r.shape()[1]}, l);
  if (column) return reshape(r, {r.shape()[0]}, l);
  return r;
}

Array tensorinv(const Array& a, int ind, std::source_location l) {
  const char* fn = "tensorinv";
  if (ind <= 0) graph::throw_error(fn, "Invalid ind argument.", to_loc(l));
  const Shape s = a.shape();
  if (static_cast<size_t>(ind) > s.size())
    graph::throw_error(
        fn, "ind " + std::to_string(ind) + " is beyond the shape " + detail::shape_text(s),
        to_loc(l));
  int64_t rows = 1, cols = 1;
  for (size_t k = 0; k < s.size(); ++k) (k < static_cast<size_t>(ind) ? rows : cols) *= s[k];
  if (rows != cols)
    graph::throw_error(fn,
                       "the shape " + detail::shape_text(s) + " does not give a square matrix: " +
                           std::to_string(rows) + " x " + std::to_string(cols),
                       to_loc(l));
  Shape inverse(s.begin() + ind, s.end());
  inverse.insert(inverse.end(), s.begin(), s.begin() + ind);
  return reshape(inv(reshape(a, {rows, cols}, l), l), inverse, l);
}

Array tensorsolve(const Array& a, const Array& b, std::optional<std::vector<int>> axes,
                  std::source_location l) {
  const char* fn = "tensorsolve";
  Array x = a;
  const int an = a.ndim();
  if (axes) {  // those axes of a moved to the end, in order
    std::vector<int> order, moved;
    for (int k : *axes) moved.push_back(detail::normalize_axis(fn, k, an, to_loc(l), nullptr));
    for (int k = 0; k < an; ++k)
      if (std::find(moved.begin(), moved.end(), k) == moved.end()) order.push_back(k);
    order.insert(order.end(), moved.begin(), moved.end());
    x = transpose(x, order, l);
  }
  const Shape s = x.shape();
  const int bn = b.ndim();
  if (bn > an)
    graph::throw_error(fn,
                       "b has more dimensions than a: " + detail::shape_text(b.shape()) + " and " +
                           detail::shape_text(s),
                       to_loc(l));
  const Shape unknown(s.end() - (an - bn), s.end());
  int64_t prod = 1;
  for (int64_t e : unknown) prod *= e;
  if (x.size() != prod * prod)
    graph::throw_error(fn,
                       "Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == "
                       "prod(a.shape[:b.ndim]), got " +
                           detail::shape_text(s) + " and b " + detail::shape_text(b.shape()),
                       to_loc(l));
  const Array r = solve(reshape(x, {prod, prod}, l), flatten(b, l), l);
  return reshape(r, unknown, l);
}

}  // namespace kiln::linalg
