// Linear algebra: matmul (a BLAS on the CPU), dot, outer, cross, cov, corrcoef, and
// kiln::linalg (LAPACK), with numpy's semantics.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string_view>
#include <utility>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's matmul: 2-d matrix products, and stacks of them with numpy broadcasting of the
/// batch dimensions; a 1-d operand is a row (left) or column (right) vector whose axis is
/// dropped from the result. float32 and float64 run in the CPU's BLAS (OpenBLAS); lazy
/// operands are evaluated first, and transposed views are passed as BLAS transposes, not
/// copied. Integer and bool operands compute exactly as numpy does (bool: or of ands).
Array matmul(const Array& a, const Array& b,
             std::source_location loc = std::source_location::current());

/// numpy's dot: the inner product of 1-d arrays, matmul for 2-d ones, scalar multiplication
/// for 0-d ones, and otherwise the sum over the last axis of `a` and the second-to-last of `b`.
Array dot(const Array& a, const Array& b,
          std::source_location loc = std::source_location::current());

/// numpy's outer: out[i, j] = a.flat[i] * b.flat[j] (an elementwise kernel).
Array outer(const Array& a, const Array& b,
            std::source_location loc = std::source_location::current());

/// The covariance matrix of the variables in the rows of `m` (columns with rowvar false), in
/// float64 (complex128 for complex input), normalised by N - ddof (numpy's cov; one variable
/// gives a 0-d array).
Array cov(const Array& m, bool rowvar = true, int ddof = 1,
          std::source_location loc = std::source_location::current());
/// Pearson correlation coefficients: cov normalised by the standard deviations, clipped to
/// [-1, 1] (numpy's corrcoef).
Array corrcoef(const Array& m, bool rowvar = true,
               std::source_location loc = std::source_location::current());

/// A binary function of kiln's (add, subtract, multiply, maximum, less, ...).
using BinaryFunction = Array (*)(const Operand&, const Operand&);

/// numpy's ufunc.outer for any of kiln's binary functions: `kiln::outer(kiln::add, a, b)` is
/// `np.add.outer(a, b)`, f applied to every pair, shape a.shape + b.shape (a lazy broadcast,
/// no copy of either operand).
Array outer(BinaryFunction f, const Array& a, const Array& b,
            std::source_location loc = std::source_location::current());

/// numpy's cross: the cross product of vectors of 3 (or 2, as the z component) elements along
/// the last axes of `a` and `b`, the other axes broadcast (a 2-element pair gives the z part
/// alone, as numpy).
Array cross(const Array& a, const Array& b,
            std::source_location loc = std::source_location::current());

/// numpy's tensordot: the sum over `a`'s last `axes` axes and `b`'s first ones (one matmul of
/// reshaped views).
Array tensordot(const Array& a, const Array& b, int axes = 2,
                std::source_location loc = std::source_location::current());
/// tensordot over the pairs a_axes[i], b_axes[i].
Array tensordot(const Array& a, const Array& b, const std::vector<int>& a_axes,
                const std::vector<int>& b_axes,
                std::source_location loc = std::source_location::current());
/// numpy's inner: the sum over the last axes of a and b (a scalar times the other for 0-d).
Array inner(const Array& a, const Array& b,
            std::source_location loc = std::source_location::current());
/// numpy's vdot: the dot product of the flattened arrays, the first one conjugated.
Array vdot(const Array& a, const Array& b,
           std::source_location loc = std::source_location::current());
/// numpy's kron: the Kronecker product (a broadcast product, reshaped).
Array kron(const Array& a, const Array& b,
           std::source_location loc = std::source_location::current());

/// numpy.linalg: LAPACK on the host (OpenBLAS's), batched over leading axes, with numpy's
/// errors (a singular matrix, one that is not positive definite) as kiln::Error at the sync,
/// naming the call site. Integer and bool inputs compute in float64, float16 is refused (as
/// numpy). Each result is lazy and differentiable.
namespace linalg {

/// X with a X = b: `a` (..., n, n); `b` (..., n, k), or (n,) for one vector (NumPy 2: a 1-d b
/// is a vector, whatever a's batch). Batch axes broadcast.
Array solve(const Array& a, const Array& b,
            std::source_location loc = std::source_location::current());

/// The inverse of each (..., n, n) matrix (solve with the identity, as numpy).
Array inv(const Array& a, std::source_location loc = std::source_location::current());

/// The lower Cholesky factor L (a = L L^H) of each Hermitian positive definite (..., n, n)
/// matrix; only the lower triangle of `a` is read. Its derivative is symmetrized (JAX's
/// convention: treat `a` as symmetric).
Array cholesky(const Array& a, std::source_location loc = std::source_location::current());

/// The sign (0 for a singular matrix) and the natural logarithm of the absolute value of the
/// determinant of each real (..., n, n) matrix, through its LU factors (numpy's slogdet).
std::pair<Array, Array> slogdet(const Array& a,
                                std::source_location loc = std::source_location::current());

/// The determinant of each real (..., n, n) matrix: sign * exp(logabsdet), as numpy computes it.
Array det(const Array& a, std::source_location loc = std::source_location::current());

/// a raised to the integer power n by repeated squaring (n < 0: of the inverse), numpy's
/// matrix_power.
Array matrix_power(const Array& a, int64_t n,
                   std::source_location loc = std::source_location::current());

/// The 2-norm of the flattened array (the Frobenius norm of a matrix), numpy's norm(x).
Array norm(const Array& x, std::source_location loc = std::source_location::current());
/// numpy's vector norm along `axis`: ord 2, 1, inf, -inf, 0 (the count of nonzeros) or any
/// other p (sum(|x|^p)^(1/p)).
Array norm(const Array& x, double ord, int axis, bool keepdims = false,
           std::source_location loc = std::source_location::current());

/// numpy's matrix norms over the two `axes` of each matrix: ord 2 / -2 the largest / smallest
/// singular value, 1 / -1 the largest / smallest column sum of |x|, inf / -inf the largest /
/// smallest row sum.
Array norm(const Array& x, double ord, std::array<int, 2> axes, bool keepdims = false,
           std::source_location loc = std::source_location::current());
/// numpy's "fro" (the Frobenius norm) and "nuc" (the sum of the singular values) matrix norms.
Array norm(const Array& x, std::string_view ord, std::array<int, 2> axes = {-2, -1},
           bool keepdims = false, std::source_location loc = std::source_location::current());

/// numpy's eigh result: the eigenvalues of each matrix, ascending (real), and the orthonormal
/// eigenvectors as the columns of `eigenvectors`.
struct EighResult {
  Array eigenvalues;   ///< (..., n), real
  Array eigenvectors;  ///< (..., n, n)
};

/// The eigenvalues and eigenvectors of each real symmetric or complex Hermitian (..., n, n)
/// matrix, from its lower (`uplo` 'L') or upper ('U') triangle alone (LAPACK's syevd/heevd, as
/// numpy). Differentiable for real matrices (the derivative treats `a` as symmetric).
EighResult eigh(const Array& a, char uplo = 'L',
                std::source_location loc = std::source_location::current());

/// The eigenvalues alone of each symmetric or Hermitian matrix, ascending (numpy's eigvalsh).
Array eigvalsh(const Array& a, char uplo = 'L',
               std::source_location loc = std::source_location::current());

/// numpy's eig result: the eigenvalues of each matrix and its unit right eigenvectors as the
/// columns of `eigenvectors` (a v = w v column by column).
struct EigResult {
  Array eigenvalues;   ///< (..., n)
  Array eigenvectors;  ///< (..., n, n)
};

/// The eigenvalues and right eigenvectors of each general (..., n, n) matrix (LAPACK's
/// geev, as numpy; eigenvalues in LAPACK's order, eigenvectors of unit norm). As numpy's, the
/// result is real when `a` is real and every eigenvalue is, else complex: reading which is a
/// sync (the dtype depends on the values), which is also why neither eig nor eigvals is
/// differentiable (for symmetric matrices eigh is). A nan or an inf is numpy's error.
EigResult eig(const Array& a, std::source_location loc = std::source_location::current());

/// The eigenvalues alone of each general matrix (numpy's eigvals; real or complex as eig's: a
/// sync).
Array eigvals(const Array& a, std::source_location loc = std::source_location::current());

/// numpy's svd result: a = U diag(S) Vh for each matrix.
struct SvdResult {
  Array U;   ///< (..., m, m), or (..., m, k) without full matrices; k = min(m, n)
  Array S;   ///< (..., k), real, descending
  Array Vh;  ///< (..., n, n), or (..., k, n) without full matrices
};

/// The singular value decomposition of each (..., m, n) matrix (LAPACK's gesdd, as numpy's
/// svd). U and Vh are not differentiable (their signs and phases are free): differentiate
/// svdvals, or a function of the values alone.
SvdResult svd(const Array& a, bool full_matrices = true,
              std::source_location loc = std::source_location::current());

/// The singular values alone of each matrix, descending (numpy's svd(a, compute_uv=False);
/// NumPy 2's svdvals). Differentiable.
Array svdvals(const Array& a, std::source_location loc = std::source_location::current());

/// numpy's qr result: a = Q R, Q with orthonormal columns, R upper triangular.
struct QrResult {
  Array Q;  ///< (..., m, k), (..., m, m) for "complete", not valid for "r"
  Array R;  ///< (..., k, n), (..., m, n) for "complete"
};

/// The QR decomposition of each (..., m, n) matrix (LAPACK's geqrf and orgqr, as numpy) in
/// numpy's `mode`: "reduced", "complete" or "r" (R alone). Not differentiable.
QrResult qr(const Array& a, std::string_view mode = "reduced",
            std::source_location loc = std::source_location::current());

/// The pseudo-inverse of each (..., m, n) matrix through its SVD, singular values at most
/// rcond times the largest treated as zero (numpy's pinv).
Array pinv(const Array& a, double rcond = 1e-15,
           std::source_location loc = std::source_location::current());

/// The rank of each matrix: its singular values above max(m, n) * eps * the largest (numpy's
/// matrix_rank with its default tolerance); of a vector or scalar, 1 unless it is all zeros.
Array matrix_rank(const Array& a, std::source_location loc = std::source_location::current());

/// numpy's lstsq result.
struct LstsqResult {
  Array x;           ///< (n,) or (n, k): the least-squares solution of minimum norm
  Array residuals;   ///< (k,) or (1,) squared residual norms; (0,) when rank < n or m <= n
  int64_t rank = 0;  ///< the effective rank of a
  Array s;           ///< (min(m, n),) the singular values of a
};

/// The least-squares solution of a x = b for one (m, n) matrix and b (m,) or (m, k), singular
/// values at most rcond times the largest treated as zero (rcond < 0: numpy's default,
/// eps * max(m, n)). Reads the rank (a sync), since numpy's residuals' shape depends on it.
LstsqResult lstsq(const Array& a, const Array& b, double rcond = -1,
                  std::source_location loc = std::source_location::current());

/// numpy's cond: the condition number of each matrix, the ratio of its largest to smallest
/// singular value (2-norm); inf for a singular matrix (nan from 0/0 becomes inf unless the
/// matrix holds a nan, as numpy).
Array cond(const Array& x, std::source_location loc = std::source_location::current());
/// numpy's cond in the norm `p`: 2 and -2 through the singular values, 1, -1, inf and -inf as
/// norm(x, p) * norm(inv(x), p) of square matrices (a singular matrix is inv's error at the
/// sync, where numpy returns inf).
Array cond(const Array& x, double p, std::source_location loc = std::source_location::current());
/// numpy's cond in the "fro" or "nuc" norm (square matrices; singular as above).
Array cond(const Array& x, std::string_view p,
           std::source_location loc = std::source_location::current());
/// numpy's multi_dot: the product of the chain in the cheapest order (numpy's dynamic
/// programming over the shapes); the first array may be 1-d (a row), the last 1-d (a column),
/// the others 2-d.
Array multi_dot(const std::vector<Array>& arrays,
                std::source_location loc = std::source_location::current());
/// numpy's tensorinv: the inverse of `a` seen as a matrix of its first `ind` axes by the rest,
/// shaped a.shape[ind:] + a.shape[:ind].
Array tensorinv(const Array& a, int ind = 2,
                std::source_location loc = std::source_location::current());
/// numpy's tensorsolve: x with tensordot(a, x, x.ndim) == b (the axes `axes` of a moved last
/// first); x has the shape of a's last a.ndim - b.ndim axes.
Array tensorsolve(const Array& a, const Array& b,
                  std::optional<std::vector<int>> axes = std::nullopt,
                  std::source_location loc = std::source_location::current());

}  // namespace linalg

}  // namespace kiln
