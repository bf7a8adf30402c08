// matmul, dot and outer. matmul records a MatMul node (a library op, run by the runtime at the
// sync: see runtime/library_ops.cpp); dot and outer are built from it and from views and
// elementwise ops.
#include "kiln/linalg.hpp"

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "graph/payload.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::Dims;
using graph::SourceLoc;

namespace {

// MatMul payload v[0]: bit 0 set when `a` was 1-d (a row vector whose axis is dropped), bit 1
// when `b` was.
constexpr uint64_t kVectorA = 1, kVectorB = 2;

}  // namespace

Array matmul(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  graph::Node* na = detail::node_of(a, "matmul", loc);
  graph::Node* nb = detail::node_of(b, "matmul", loc);
  if (na->shape.rank() == 0 || nb->shape.rank() == 0)
    graph::throw_error("matmul",
                       "operands must have at least one dimension, got shapes " +
                           graph::to_string(na->shape) + " and " + graph::to_string(nb->shape) +
                           " (use multiply for scalars)",
                       loc);
  const bool vec_a = na->shape.rank() == 1, vec_b = nb->shape.rank() == 1;
  Dims sa = na->shape, sb = nb->shape;
  if (vec_a) sa = Dims{1, sa[0]};
  if (vec_b) sb = Dims{sb[0], 1};
  const int ra = sa.rank(), rb = sb.rank();
  const int64_t m = sa[ra - 2], k = sa[ra - 1], k2 = sb[rb - 2], n = sb[rb - 1];
  if (k != k2)
    graph::throw_error("matmul",
                       "shapes " + graph::to_string(na->shape) + " and " +
                           graph::to_string(nb->shape) + " do not align: " + std::to_string(k) +
                           " (last axis of the first) != " + std::to_string(k2) + " (" +
                           (vec_b ? "the" : "second-to-last axis of the") + " second)",
                       loc);
  // Batch dimensions broadcast as numpy's do.
  const int batch = std::max(ra, rb) - 2;
  Dims out;
  for (int d = 0; d < batch; ++d) {
    const int da = d - (batch - (ra - 2)), db = d - (batch - (rb - 2));
    const int64_t ea = da >= 0 ? sa[da] : 1, eb = db >= 0 ? sb[db] : 1;
    if (ea != eb && ea != 1 && eb != 1)
      graph::throw_error("matmul",
                         "batch dimensions of shapes " + graph::to_string(na->shape) + " and " +
                             graph::to_string(nb->shape) + " cannot be broadcast together",
                         loc);
    out.push_back(ea == 1 ? eb : ea);
  }
  if (!vec_a) out.push_back(m);
  if (!vec_b) out.push_back(n);
  const DType t = promote_types(na->dtype, nb->dtype);
  if (t == float16) {  // numpy's float16 matmul and dot add in float32 and round once
    const Array wide = matmul(detail::cast(a, float32, loc), detail::cast(b, float32, loc), l);
    return detail::cast(wide, float16, loc);
  }
  const Array ca = detail::cast(a, t, loc), cb = detail::cast(b, t, loc);
  // A dot product of two float or complex vectors is the reduction sum(a * b), not a BLAS call:
  // it fuses with what computes its operands (a gather of one sparse row, a slice) into one
  // kernel, with kiln's fixed summation order. Integer and bool products stay MatMul, which
  // keeps numpy's arithmetic in the operands' own type.
  if (vec_a && vec_b && (is_floating(t) || is_complex(t)))
    return sum(multiply(Operand(ca, l), Operand(cb, l)), l);
  graph::NodeDesc d;
  d.op = graph::Op::MatMul;
  d.dtype = t;
  d.nargs = 2;
  d.args[0] = ca.node();
  d.args[1] = cb.node();
  d.shape = out;
  d.payload.v[0] = (vec_a ? kVectorA : 0) | (vec_b ? kVectorB : 0);
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

Array dot(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int ra = detail::node_of(a, "dot", loc)->shape.rank();
  const int rb = detail::node_of(b, "dot", loc)->shape.rank();
  if (ra == 0 || rb == 0) return multiply(Operand(a, l), Operand(b, l));
  // dot and matmul agree unless b has batch dimensions and a is not a vector.
  if (rb <= 2 || ra == 1) return matmul(a, b, l);
  // N-d: contract a's last axis with b's second-to-last: a (..., K) @ b moved to (K, ...).
  const Shape sa = a.shape(), sb = b.shape();
  const int64_t k = sa.back();
  const int64_t kb = sb[sb.size() - 2];
  if (k != kb)
    graph::throw_error("dot",
                       "shapes " + graph::shape_string(sa) + " and " + graph::shape_string(sb) +
                           " not aligned: " + std::to_string(k) + " (last axis of the first) != " +
                           std::to_string(kb) + " (second-to-last axis of the second)",
                       loc);
  std::vector<int> perm{rb - 2};
  for (int d = 0; d < rb; ++d)
    if (d != rb - 2) perm.push_back(d);
  // Explicit extents: -1 cannot be inferred when k is 0.
  int64_t rows = 1, cols = 1;
  for (size_t d = 0; d + 1 < sa.size(); ++d) rows *= sa[d];
  for (int d = 0; d < rb; ++d)
    if (d != rb - 2) cols *= sb[static_cast<size_t>(d)];
  const Array a2 = a.reshape({rows, k}, l);
  const Array b2 = transpose(b, perm, l).reshape({k, cols}, l);
  Shape result(sa.begin(), sa.end() - 1);
  for (int d = 0; d < rb; ++d)
    if (d != rb - 2) result.push_back(sb[static_cast<size_t>(d)]);
  return matmul(a2, b2, l).reshape(result, l);
}

Array outer(const Array& a, const Array& b, std::source_location l) {
  const Array fa = flatten(a, l), fb = flatten(b, l);
  return multiply(Operand(expand_dims(fa, 1, l), l), Operand(expand_dims(fb, 0, l), l));
}

Array cov(const Array& m, bool rowvar, int ddof, std::source_location l) {
  const graph::SourceLoc loc = detail::to_loc(l);
  const graph::Node* n = detail::node_of(m, "cov", loc);
  if (n->shape.rank() > 2)
    graph::throw_error("cov", "needs 1 or 2 dimensions, got " + graph::to_string(n->shape), loc);
  Array x = m.astype(is_complex(n->dtype) ? complex128 : float64, l);
  if (x.ndim() < 2) x = reshape(x, {1, x.size()}, l);
  if (!rowvar && x.shape()[0] != 1) x = transpose(x, l);
  if (x.shape()[0] == 0) return zeros({0, 0}, x.dtype(), l);
  const int64_t fact = std::max<int64_t>(x.shape()[1] - ddof, 0);
  const Array centred = subtract(Operand(x, l), Operand(mean(x, 1, true, l), l));
  const Array c = matmul(centred, conj(Operand(transpose(centred, l), l)), l);
  // numpy multiplies by 1 / fact (inf when fact is 0), not divides.
  return squeeze(multiply(Operand(c, l), Operand(1.0 / static_cast<double>(fact), l)), l);
}

Array corrcoef(const Array& m, bool rowvar, std::source_location l) {
  const Array c = cov(m, rowvar, 1, l);
  if (c.ndim() == 0) return divide(Operand(c, l), Operand(c, l));
  const int64_t k = c.shape()[0];
  const Array sd = sqrt(Operand(real(Operand(diagonal(c, 0, 0, 1, l), l)), l));
  const Array r = divide(Operand(divide(Operand(c, l), Operand(reshape(sd, {k, 1}, l), l)), l),
                         Operand(reshape(sd, {1, k}, l), l));
  if (is_complex(r.dtype()))
    return complex(
        Operand(clip(Operand(real(Operand(r, l)), l), Operand(-1.0, l), Operand(1.0, l)), l),
        Operand(clip(Operand(imag(Operand(r, l)), l), Operand(-1.0, l), Operand(1.0, l)), l));
  return clip(Operand(r, l), Operand(-1.0, l), Operand(1.0, l));
}

}  // namespace kiln
