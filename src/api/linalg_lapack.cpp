// kiln::linalg (kiln/linalg.hpp): solve, inv, cholesky and slogdet record LAPACK library ops
// (runtime/host_linalg.cpp); det, matrix_power, norm and cross are compositions of ordinary
// lazy ops on top of them.
#include <cmath>
#include <limits>
#include <string>

#include "api/apply.hpp"
#include "api/linalg_common.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/linalg.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::broadcast_batch;
using detail::check_square;
using detail::lapack_types;
using detail::LapackTypes;
using detail::record_lapack;
using detail::to_loc;
using detail::with;
using graph::Dims;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace linalg {

Array solve(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "solve", loc);
  const Node* nb = detail::node_of(b, "solve", loc);
  check_square(na, "solve", loc);
  const int64_t n = na->shape[na->shape.rank() - 1];
  const bool vector = nb->shape.rank() == 1;
  if (nb->shape.rank() == 0 || nb->shape[nb->shape.rank() - (vector ? 1 : 2)] != n)
    graph::throw_error("solve",
                       "b of shape " + graph::to_string(nb->shape) + " does not match a of shape " +
                           graph::to_string(na->shape) + " (b is (..., " + std::to_string(n) +
                           ", k) or (" + std::to_string(n) + ",))",
                       loc);
  const LapackTypes t = lapack_types({na, nb}, "solve", loc);
  const Array bm = vector ? reshape(b, {n, 1}, l) : b;
  const Dims& sb = bm.node()->shape;
  const int64_t k = sb[sb.rank() - 1];
  const Shape batch = broadcast_batch(na->shape, 2, sb, 2, "solve", loc);
  const Array ab = broadcast_to(detail::cast(a, t.compute, loc), with(batch, {n, n}), l);
  const Array bb = broadcast_to(detail::cast(bm, t.compute, loc), with(batch, {n, k}), l);
  const Shape out_shape = with(batch, {n, k});
  const Array x = record_lapack(Op::Solve, t.compute,
                                detail::checked_shape(out_shape, "solve", loc), {&ab, &bb}, loc);
  return detail::cast(vector ? reshape(x, with(batch, {n}), l) : x, t.result, loc);
}

Array inv(const Array& a, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "inv", loc);
  check_square(na, "inv", loc);
  const int64_t n = na->shape[na->shape.rank() - 1];
  const LapackTypes t = lapack_types({na}, "inv", loc);
  const Array ca = detail::cast(a, t.compute, loc);
  const Array identity =
      broadcast_to(detail::transfer(eye(n, t.compute, l), na->device, loc), a.shape(), l);
  // (payload 1: its errors name inv)
  const Array x = record_lapack(Op::Solve, t.compute, na->shape, {&ca, &identity}, loc, 1);
  return detail::cast(x, t.result, loc);
}

Array cholesky(const Array& a, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "cholesky", loc);
  check_square(na, "cholesky", loc);
  const LapackTypes t = lapack_types({na}, "cholesky", loc);
  const Array ca = detail::cast(a, t.compute, loc);
  return detail::cast(record_lapack(Op::Cholesky, t.compute, na->shape, {&ca}, loc), t.result, loc);
}

}  // namespace linalg

namespace {

// slogdet in float64 (numpy's det is computed from these before its result is cast).
std::pair<Array, Array> slogdet_wide(const Array& a, std::string_view fn, LapackTypes& t,
                                     std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, fn, loc);
  check_square(na, fn, loc);
  t = lapack_types({na}, fn, loc);
  const Array ca = detail::cast(a, t.compute, loc);
  Dims shape;  // the batch, then the sign and the logarithm
  for (int d = 0; d + 2 < na->shape.rank(); ++d) shape.push_back(na->shape[d]);
  shape.push_back(2);
  const Array both = record_lapack(Op::SlogDet, t.compute, shape, {&ca}, loc);
  return {both[{ellipsis, 0}], both[{ellipsis, 1}]};
}

}  // namespace

namespace linalg {

std::pair<Array, Array> slogdet(const Array& a, std::source_location l) {
  LapackTypes t;
  const auto [sign, logdet] = slogdet_wide(a, "slogdet", t, l);
  const DType real_t = t.result == complex64    ? float32
                       : t.result == complex128 ? float64
                                                : t.result;
  return {sign.astype(t.result, l), real(Operand(logdet, l)).astype(real_t, l)};
}

Array det(const Array& a, std::source_location l) {
  LapackTypes t;
  const auto [sign, logdet] = slogdet_wide(a, "det", t, l);
  return multiply(Operand(sign, l), Operand(exp(Operand(logdet, l)), l)).astype(t.result, l);
}

Array matrix_power(const Array& a, int64_t n, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "matrix_power", loc);
  check_square(na, "matrix_power", loc);
  const int64_t size = na->shape[na->shape.rank() - 1];
  if (n == 0)
    return broadcast_to(detail::transfer(eye(size, na->dtype, l), na->device, loc), a.shape(), l) +
           zeros_like(a, l);
  const Array base = n < 0 ? inv(a, l) : a;
  const uint64_t power = static_cast<uint64_t>(n < 0 ? -n : n);
  // numpy's order of products: small powers directly, then by binary decomposition.
  if (power == 1) return base;
  if (power == 2) return matmul(base, base, l);
  if (power == 3) return matmul(matmul(base, base, l), base, l);
  Array z, result;
  for (uint64_t bits = power; bits > 0; bits >>= 1) {
    z = z.valid() ? matmul(z, z, l) : base;
    if (bits & 1) result = result.valid() ? matmul(result, z, l) : z;
  }
  return result;
}

Array norm(const Array& x, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(x, "norm", loc);
  const Array flat =
      flatten(x, l).astype(is_floating(n->dtype) || is_complex(n->dtype) ? n->dtype : float64, l);
  const Array mag = abs(Operand(flat, l));
  return sqrt(Operand(sum(mag * mag, l), l));
}

Array norm(const Array& x, double ord, int axis, bool keepdims, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(x, "norm", loc);
  const DType t = is_floating(n->dtype) || is_complex(n->dtype) ? n->dtype : float64;
  const Array mag = abs(Operand(x.astype(t, l), l));
  const std::vector<int> axes{axis};
  if (ord == std::numeric_limits<double>::infinity()) return max(mag, axes, keepdims, l);
  if (ord == -std::numeric_limits<double>::infinity()) return min(mag, axes, keepdims, l);
  if (ord == 0) return sum(not_equal(mag, 0.0), axes, keepdims, l).astype(mag.dtype(), l);
  if (ord == 1) return sum(mag, axes, keepdims, l);
  if (ord == 2) return sqrt(Operand(sum(mag * mag, axes, keepdims, l), l));
  return power(Operand(sum(power(mag, ord), axes, keepdims, l), l), 1.0 / ord);
}

}  // namespace linalg

Array outer(BinaryFunction f, const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "outer", loc);
  const Node* nb = detail::node_of(b, "outer", loc);
  Shape spread(na->shape.begin(), na->shape.end());
  spread.insert(spread.end(), static_cast<size_t>(nb->shape.rank()), 1);
  return f(Operand(reshape(a, spread, l), l), Operand(b, l));
}

Array cross(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "cross", loc);
  const Node* nb = detail::node_of(b, "cross", loc);
  const int64_t ea = na->shape.rank() ? na->shape[na->shape.rank() - 1] : 0;
  const int64_t eb = nb->shape.rank() ? nb->shape[nb->shape.rank() - 1] : 0;
  if ((ea != 2 && ea != 3) || (eb != 2 && eb != 3))
    graph::throw_error("cross",
                       "incompatible dimensions for cross product (dimension must be 2 or 3), "
                       "got shapes " +
                           graph::to_string(na->shape) + " and " + graph::to_string(nb->shape),
                       loc);
  // numpy's formulas: a missing z component is left out, not multiplied by zero (an inf or
  // nan in the other vector stays out of the components that do not need it).
  auto at = [](const Array& v, int64_t i) { return v[{ellipsis, i}]; };
  const Array a0 = at(a, 0), a1 = at(a, 1), b0 = at(b, 0), b1 = at(b, 1);
  const Array z = a0 * b1 - a1 * b0;
  if (ea == 2 && eb == 2) return z;
  if (ea == 3 && eb == 3) {
    const Array a2 = at(a, 2), b2 = at(b, 2);
    return stack({a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z}, -1, l);
  }
  if (ea == 3) {
    const Array a2 = at(a, 2);
    return stack({-(a2 * b1), a2 * b0, z}, -1, l);
  }
  const Array b2 = at(b, 2);
  return stack({a1 * b2, -(a0 * b2), z}, -1, l);
}

}  // namespace kiln
