// Linear algebra: matmul (a BLAS on the CPU), dot, outer, cross, cov, corrcoef, and
// kiln::linalg (LAPACK), with numpy's semantics.
#pragma once

#include <source_location>
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

}  // namespace linalg

}  // namespace kiln
