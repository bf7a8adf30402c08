// kiln::linalg's decompositions (kiln/linalg.hpp): eigh, eigvalsh, svd, svdvals and qr record
// one LAPACK library op each (runtime/host_linalg.cpp) whose result packs a matrix's factors
// one after another along its last axis; they are taken apart here as lazy views. pinv,
// matrix_rank, lstsq and the matrix norms are compositions on top of svd.
#include <cmath>
#include <limits>
#include <string>

#include "api/linalg_common.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/linalg.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"

namespace kiln {

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

namespace {

// The matrix check of the decompositions that take any (..., m, n) stack.
void check_matrices(const Node* n, std::string_view fn, SourceLoc loc) {
  if (n->shape.rank() < 2)
    graph::throw_error(fn,
                       std::to_string(n->shape.rank()) +
                           "-dimensional array given. Array must be at least two-dimensional",
                       loc);
}

Shape batch_of(const Dims& s) {
  return Shape(s.begin(), s.end() - 2);
}

DType real_type(DType t) {
  return t == complex64 ? float32 : t == complex128 ? float64 : t;
}

// Factor [begin, begin + size of `tail`) of each matrix's packed result, shaped batch + tail.
Array part(const Array& packed, const Shape& batch, int64_t begin,
           std::initializer_list<int64_t> tail, std::source_location l) {
  int64_t count = 1;
  for (int64_t e : tail) count *= e;
  return reshape(packed[{ellipsis, slice(begin, begin + count)}], with(batch, tail), l);
}

// A factor that LAPACK gives as real numbers (eigenvalues, singular values), of result type t.
Array real_part(const Array& x, DType t, std::source_location l) {
  const Array r = is_complex(x.dtype()) ? real(Operand(x, l)) : x;
  return r.astype(real_type(t), l);
}

Array eigh_packed(const Array& a, char uplo, bool vectors, std::string_view fn, LapackTypes& t,
                  std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, fn, loc);
  check_square(na, fn, loc);
  if (uplo != 'L' && uplo != 'U')
    graph::throw_error(fn, "UPLO argument must be 'L' or 'U', got '" + std::string(1, uplo) + "'",
                       loc);
  t = lapack_types({na}, fn, loc);
  Array ca = detail::cast(a, t.compute, loc);
  // The lower triangle of a's conjugate transpose is a's upper one: the same Hermitian matrix.
  if (uplo == 'U') ca = conj(Operand(swapaxes(ca, -1, -2, l), l));
  const int64_t n = na->shape[na->shape.rank() - 1];
  const Shape shape = with(batch_of(na->shape), {vectors ? n + n * n : n});
  return record_lapack(Op::Eigh, t.compute, detail::checked_shape(shape, fn, loc), {&ca}, loc,
                       vectors ? 1 : 0);
}

// The singular values of each matrix (a's batch + (k,)), in the compute type.
Array svd_values(const Array& a, std::string_view fn, LapackTypes& t, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, fn, loc);
  check_matrices(na, fn, loc);
  t = lapack_types({na}, fn, loc);
  const Array ca = detail::cast(a, t.compute, loc);
  const int64_t m = na->shape[na->shape.rank() - 2], n = na->shape[na->shape.rank() - 1];
  const Shape shape = with(batch_of(na->shape), {std::min(m, n)});
  return record_lapack(Op::Svd, t.compute, detail::checked_shape(shape, fn, loc), {&ca}, loc, 0);
}

double epsilon(DType t) {
  return real_type(t) == float32 ? std::numeric_limits<float>::epsilon()
                                 : std::numeric_limits<double>::epsilon();
}

// The transpose of each matrix of a stack.
Array mT(const Array& x, std::source_location l) {
  return swapaxes(x, -1, -2, l);
}

}  // namespace

namespace linalg {

namespace {

// A matrix norm's two axes, made non-negative and checked, and x in the norm's type.
struct MatrixNormAxes {
  int row, col;
  Array x;
};
MatrixNormAxes matrix_norm_axes(const Array& x, std::array<int, 2> axes, SourceLoc loc,
                                std::source_location l) {
  const Node* nx = detail::node_of(x, "norm", loc);
  const int rank = nx->shape.rank();
  const int row = axes[0] < 0 ? axes[0] + rank : axes[0];
  const int col = axes[1] < 0 ? axes[1] + rank : axes[1];
  if (row < 0 || row >= rank || col < 0 || col >= rank)
    graph::throw_error("norm",
                       "axes (" + std::to_string(axes[0]) + ", " + std::to_string(axes[1]) +
                           ") are out of bounds for an array of dimension " + std::to_string(rank),
                       loc);
  if (row == col) graph::throw_error("norm", "Duplicate axes given.", loc);
  const DType t = is_floating(nx->dtype) || is_complex(nx->dtype) ? nx->dtype : float64;
  return {row, col, x.astype(t, l)};
}

// r with the two reduced axes of x put back as length 1 (keepdims).
Array keep_matrix_axes(const Array& r, const Array& x, int row, int col, std::source_location l) {
  Shape kept = x.shape();
  kept[static_cast<size_t>(row)] = kept[static_cast<size_t>(col)] = 1;
  return reshape(r, kept, l);
}

// The singular values of each matrix over axes (row, col).
Array singular_values_over(const Array& x, int row, int col, std::source_location l) {
  return svdvals(moveaxis(moveaxis(x, row, -1, l), col > row ? col - 1 : col, -1, l), l);
}
}  // namespace

EighResult eigh(const Array& a, char uplo, std::source_location l) {
  LapackTypes t;
  const Array packed = eigh_packed(a, uplo, true, "eigh", t, l);
  const int64_t n = a.shape().back();
  const Shape batch = batch_of(a.node()->shape);
  return {real_part(part(packed, batch, 0, {n}, l), t.result, l),
          part(packed, batch, n, {n, n}, l).astype(t.result, l)};
}

Array eigvalsh(const Array& a, char uplo, std::source_location l) {
  LapackTypes t;
  const Array packed = eigh_packed(a, uplo, false, "eigvalsh", t, l);
  return real_part(packed, t.result, l);
}

namespace {

// Eig's packed complex result for each matrix of `a`: [w (n)], or [w (n) | V (n x n)].
Array eig_packed(const Array& a, bool vectors, std::string_view fn, LapackTypes& t,
                 std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, fn, loc);
  check_square(na, fn, loc);
  t = lapack_types({na}, fn, loc);
  const Array ca = detail::cast(a, t.compute, loc);
  const int64_t n = na->shape[na->shape.rank() - 1];
  const Shape shape = with(batch_of(na->shape), {vectors ? n + n * n : n});
  return record_lapack(Op::Eig, complex128, detail::checked_shape(shape, fn, loc), {&ca}, loc,
                       vectors ? 1 : 0);
}

// numpy's rule for eig's dtype: real when the matrix was real and no eigenvalue has an
// imaginary part. Reads the eigenvalues (a sync).
bool all_real(const Array& w, const LapackTypes& t, std::source_location l) {
  if (is_complex(t.compute)) return false;
  const Array complex_one = any(not_equal(Operand(imag(Operand(w, l)), l), Operand(0, l)), l);
  return !complex_one.eval(l).item<bool>(l);
}

DType complex_type(DType t) {
  return t == float32 ? complex64 : t == float64 ? complex128 : t;
}

}  // namespace

EigResult eig(const Array& a, std::source_location l) {
  LapackTypes t;
  const Array packed = eig_packed(a, true, "eig", t, l);
  const int64_t n = a.shape().back();
  const Shape batch = batch_of(a.node()->shape);
  const Array w = part(packed, batch, 0, {n}, l), v = part(packed, batch, n, {n, n}, l);
  if (all_real(w, t, l)) return {real_part(w, t.result, l), real_part(v, t.result, l)};
  return {w.astype(complex_type(t.result), l), v.astype(complex_type(t.result), l)};
}

Array eigvals(const Array& a, std::source_location l) {
  LapackTypes t;
  const Array w = eig_packed(a, false, "eigvals", t, l);
  if (all_real(w, t, l)) return real_part(w, t.result, l);
  return w.astype(complex_type(t.result), l);
}

SvdResult svd(const Array& a, bool full_matrices, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "svd", loc);
  check_matrices(na, "svd", loc);
  const LapackTypes t = lapack_types({na}, "svd", loc);
  const Array ca = detail::cast(a, t.compute, loc);
  const int64_t m = na->shape[na->shape.rank() - 2], n = na->shape[na->shape.rank() - 1];
  const int64_t k = std::min(m, n), ucols = full_matrices ? m : k, vrows = full_matrices ? n : k;
  const Shape batch = batch_of(na->shape);
  const Shape shape = with(batch, {m * ucols + k + vrows * n});
  const Array packed = record_lapack(Op::Svd, t.compute, detail::checked_shape(shape, "svd", loc),
                                     {&ca}, loc, full_matrices ? 2 : 1);
  return {part(packed, batch, 0, {m, ucols}, l).astype(t.result, l),
          real_part(part(packed, batch, m * ucols, {k}, l), t.result, l),
          part(packed, batch, m * ucols + k, {vrows, n}, l).astype(t.result, l)};
}

Array svdvals(const Array& a, std::source_location l) {
  LapackTypes t;
  const Array s = svd_values(a, "svdvals", t, l);
  return real_part(s, t.result, l);
}

QrResult qr(const Array& a, std::string_view mode, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "qr", loc);
  check_matrices(na, "qr", loc);
  const int code = mode == "reduced" ? 0 : mode == "complete" ? 1 : mode == "r" ? 2 : -1;
  if (code < 0)
    graph::throw_error(
        "qr",
        "Unrecognized mode '" + std::string(mode) + "' (kiln's modes: 'reduced', 'complete', 'r')",
        loc);
  const LapackTypes t = lapack_types({na}, "qr", loc);
  const Array ca = detail::cast(a, t.compute, loc);
  const int64_t m = na->shape[na->shape.rank() - 2], n = na->shape[na->shape.rank() - 1];
  const int64_t k = std::min(m, n);
  const int64_t qcols = code == 1 ? m : code == 0 ? k : 0, rrows = code == 1 ? m : k;
  const Shape batch = batch_of(na->shape);
  const Shape shape = with(batch, {m * qcols + rrows * n});
  const Array packed = record_lapack(Op::Qr, t.compute, detail::checked_shape(shape, "qr", loc),
                                     {&ca}, loc, static_cast<uint64_t>(code));
  QrResult r;
  if (code != 2) r.Q = part(packed, batch, 0, {m, qcols}, l).astype(t.result, l);
  r.R = part(packed, batch, m * qcols, {rrows, n}, l).astype(t.result, l);
  return r;
}

Array pinv(const Array& a, double rcond, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "pinv", loc);
  check_matrices(na, "pinv", loc);
  const int64_t m = na->shape[na->shape.rank() - 2], n = na->shape[na->shape.rank() - 1];
  if (m == 0 || n == 0)  // numpy's: an empty (..., n, m) of a's own dtype
    return zeros(with(batch_of(na->shape), {n, m}), na->dtype, l);
  // numpy's: the SVD of conj(a), so that plain transposes give the conjugate ones.
  const auto [u, s, vt] = svd(conj(Operand(a, l)), false, l);
  const Array cutoff = rcond * max(s, -1, true, l);
  const Array large = greater(Operand(s, l), Operand(cutoff, l));
  const Array inverse = where(large, 1.0 / where(large, s, 1.0), 0.0);
  return matmul(mT(vt, l), expand_dims(inverse, -1, l).astype(u.dtype(), l) * mT(u, l), l);
}

Array matrix_rank(const Array& a, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "matrix_rank", loc);
  if (na->shape.rank() < 2) return any(not_equal(Operand(a, l), 0), l).astype(int64, l);
  const Array s = svdvals(a, l);
  const int64_t m = na->shape[na->shape.rank() - 2], n = na->shape[na->shape.rank() - 1];
  const Array tol =
      max(s, -1, true, l) * (static_cast<double>(std::max(m, n)) * epsilon(s.dtype()));
  return sum(greater(Operand(s, l), Operand(tol, l)), -1, false, l).astype(int64, l);
}

LstsqResult lstsq(const Array& a, const Array& b, double rcond, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "lstsq", loc);
  const Node* nb = detail::node_of(b, "lstsq", loc);
  const bool vector = nb->shape.rank() == 1;
  if (na->shape.rank() != 2 || (nb->shape.rank() != 2 && !vector))
    graph::throw_error("lstsq",
                       "a of shape " + graph::to_string(na->shape) + " and b of shape " +
                           graph::to_string(nb->shape) +
                           ": a must be two-dimensional and b one- or two-dimensional",
                       loc);
  const int64_t m = na->shape[0], n = na->shape[1];
  if (nb->shape[0] != m)
    graph::throw_error("lstsq",
                       "Incompatible dimensions: a of shape " + graph::to_string(na->shape) +
                           " and b of shape " + graph::to_string(nb->shape),
                       loc);
  const LapackTypes t = lapack_types({na, nb}, "lstsq", loc);
  const Array ca = detail::cast(a, t.compute, loc);
  const Array cb = detail::cast(vector ? reshape(b, {m, 1}, l) : b, t.compute, loc);
  // gelsd's solution: singular values at most rcond times the largest are treated as zero.
  const auto [u, s, vh] = svd(ca, false, l);
  if (rcond < 0)
    rcond = std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(m, n));
  const Array cutoff = std::min(m, n) ? rcond * max(s, -1, true, l) : s;  // (no values: none)
  const Array kept = greater(Operand(s, l), Operand(cutoff, l));
  const Array inverse = where(kept, 1.0 / where(kept, s, 1.0), 0.0).astype(t.compute, l);
  const Array uh_b = matmul(conj(Operand(mT(u, l), l)), cb, l);
  Array x = matmul(conj(Operand(mT(vh, l), l)), expand_dims(inverse, -1, l) * uh_b, l);
  LstsqResult r;
  // Two syncs: whether a and b are finite (LAPACK's gelsd fails on an inf or a nan, and numpy
  // with it), then the rank.
  const Array finite = logical_and(Operand(all(isfinite(Operand(ca, l)), l), l),
                                   Operand(all(isfinite(Operand(cb, l)), l), l));
  if (!finite.item<bool>(l))
    graph::throw_error("lstsq",
                       "SVD did not converge in Linear Least Squares (a or b is not finite)", loc);
  r.rank = sum(kept, l).astype(int64, l).item<int64_t>(l);
  if (r.rank == n && m > n) {
    const Array residual = abs(Operand(cb - matmul(ca, x, l), l));
    r.residuals = sum(residual * residual, 0, false, l).astype(real_type(t.result), l);
  } else {
    r.residuals = zeros({0}, real_type(t.result), l);
  }
  r.x = (vector ? reshape(x, {n}, l) : x).astype(t.result, l);
  r.s = s.astype(real_type(t.result), l);
  return r;
}

Array norm(const Array& x, double ord, std::array<int, 2> axes, bool keepdims,
           std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const auto [row, col, xt] = matrix_norm_axes(x, axes, loc, l);
  Array r;
  if (std::abs(ord) == 2) {  // the extreme singular values, the two axes moved last
    const Array s = singular_values_over(xt, row, col, l);
    r = ord > 0 ? max(s, -1, false, l) : min(s, -1, false, l);
  } else if (std::abs(ord) == 1 || std::isinf(ord)) {
    const Array mag = abs(Operand(xt, l));
    // ord 1: sum over rows then extreme over columns; inf: the other way round.
    const int first = std::abs(ord) == 1 ? row : col;
    int second = std::abs(ord) == 1 ? col : row;
    if (second > first) --second;
    const Array sums = sum(mag, first, false, l);
    r = ord > 0 ? max(sums, second, false, l) : min(sums, second, false, l);
  } else {
    graph::throw_error("norm", "Invalid norm order " + std::to_string(ord) + " for matrices.", loc);
  }
  return keepdims ? keep_matrix_axes(r, x, row, col, l) : r;
}

Array norm(const Array& x, std::string_view ord, std::array<int, 2> axes, bool keepdims,
           std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (ord != "fro" && ord != "nuc")
    graph::throw_error("norm", "Invalid norm order '" + std::string(ord) + "' for matrices.", loc);
  const auto [row, col, xt] = matrix_norm_axes(x, axes, loc, l);
  Array r;
  if (ord == "fro") {
    const Array mag = abs(Operand(xt, l));
    r = sqrt(Operand(sum(mag * mag, std::vector<int>{row, col}, false, l), l));
  } else {
    r = sum(singular_values_over(xt, row, col, l), -1, false, l);
  }
  return keepdims ? keep_matrix_axes(r, x, row, col, l) : r;
}

}  // namespace linalg

}  // namespace kiln
