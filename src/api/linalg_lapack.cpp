// kiln::linalg (kiln/linalg.hpp): solve, inv, cholesky and slogdet record LAPACK library ops
// (runtime/host_linalg.cpp); det, matrix_power, norm and cross are compositions of ordinary
// lazy ops on top of them.
#include <cmath>
#include <limits>
#include <string>

#include "api/apply.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/linalg.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::Dims;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace {

// numpy's _commonType: LAPACK computes in float64 (complex128 for complex input), and the result
// is float32 (complex64) when every input was float32 (complex64), else the double type;
// integers and bool are float64. float16 is refused (as numpy's linalg).
struct LapackTypes {
  DType compute = float64, result = float64;
};
LapackTypes lapack_types(std::initializer_list<const Node*> nodes, std::string_view fn,
                         SourceLoc loc) {
  bool complex = false, single = true;
  for (const Node* n : nodes) {
    if (n->dtype == float16)
      graph::throw_error(fn, "array type float16 is unsupported in linalg", loc);
    complex |= is_complex(n->dtype);
    single &= n->dtype == float32 || n->dtype == complex64;
  }
  const DType wide = complex ? complex128 : float64;
  return {wide, single ? (complex ? complex64 : float32) : wide};
}

// An error unless `a` is a stack of square matrices.
void check_square(const Node* n, std::string_view fn, SourceLoc loc) {
  const Dims& s = n->shape;
  if (s.rank() < 2)
    graph::throw_error(fn,
                       std::to_string(s.rank()) +
                           "-dimensional array given. Array must be at least two-dimensional",
                       loc);
  if (s[s.rank() - 1] != s[s.rank() - 2])
    graph::throw_error(
        fn, "Last 2 dimensions of the array must be square, got shape " + graph::to_string(s), loc);
}

Array record_lapack(Op op, DType t, const Dims& shape, std::initializer_list<const Array*> args,
                    SourceLoc loc, uint64_t payload = 0) {
  graph::NodeDesc d;
  d.op = op;
  d.payload.v[0] = payload;
  d.dtype = t;
  d.shape = shape;
  for (const Array* a : args) d.args[d.nargs++] = a->node();
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

// The batch shapes of `a` and `b` (all but their last `keep_a` / `keep_b` axes) broadcast.
Shape broadcast_batch(const Dims& a, int keep_a, const Dims& b, int keep_b, std::string_view fn,
                      SourceLoc loc) {
  const int ra = a.rank() - keep_a, rb = b.rank() - keep_b, r = std::max(ra, rb);
  Shape out;
  for (int d = 0; d < r; ++d) {
    const int da = d - (r - ra), db = d - (r - rb);
    const int64_t ea = da >= 0 ? a[da] : 1, eb = db >= 0 ? b[db] : 1;
    if (ea != eb && ea != 1 && eb != 1)
      graph::throw_error(fn,
                         "batch dimensions of shapes " + graph::to_string(a) + " and " +
                             graph::to_string(b) + " cannot be broadcast together",
                         loc);
    out.push_back(ea == 1 ? eb : ea);
  }
  return out;
}

Shape with(Shape batch, std::initializer_list<int64_t> tail) {
  batch.insert(batch.end(), tail.begin(), tail.end());
  return batch;
}

}  // namespace

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
