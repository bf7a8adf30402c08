// The LAPACK library ops (Solve, Cholesky, SlogDet) on the host, through the Fortran LAPACK that
// Debian's OpenBLAS exports, batched over the leading axes, in float64 or complex128 (numpy's
// linalg computes in the double types and casts the result). Each matrix is copied into
// column-major order first and its result copied back, as numpy's umath_linalg does, so LAPACK
// factors the same matrix numpy's does and the results agree bit for bit.
#include "runtime/host_linalg.hpp"

#include <cmath>
#include <complex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "graph/errors.hpp"
#include "graph/payload.hpp"

extern "C" {
// LAPACK (Fortran calling convention: every argument by address; OpenBLAS's 32-bit integers).
void dgesv_(const int* n, const int* nrhs, double* a, const int* lda, int* ipiv, double* b,
            const int* ldb, int* info);
void zgesv_(const int* n, const int* nrhs, std::complex<double>* a, const int* lda, int* ipiv,
            std::complex<double>* b, const int* ldb, int* info);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t);
void zpotrf_(const char* uplo, const int* n, std::complex<double>* a, const int* lda, int* info,
             size_t);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void zgetrf_(const int* m, const int* n, std::complex<double>* a, const int* lda, int* ipiv,
             int* info);
}

namespace kiln::runtime {

namespace {

using graph::Op;

void gesv(int n, int k, double* a, int* ipiv, double* b, int& info) {
  dgesv_(&n, &k, a, &n, ipiv, b, &n, &info);
}
void gesv(int n, int k, std::complex<double>* a, int* ipiv, std::complex<double>* b, int& info) {
  zgesv_(&n, &k, a, &n, ipiv, b, &n, &info);
}
void potrf(int n, double* a, int& info) {
  dpotrf_("L", &n, a, &n, &info, 1);
}
void potrf(int n, std::complex<double>* a, int& info) {
  zpotrf_("L", &n, a, &n, &info, 1);
}
void getrf(int n, double* a, int* ipiv, int& info) {
  dgetrf_(&n, &n, a, &n, ipiv, &info);
}
void getrf(int n, std::complex<double>* a, int* ipiv, int& info) {
  zgetrf_(&n, &n, a, &n, ipiv, &info);
}

// A rows x cols row-major matrix copied into column-major order, and back.
template <class T>
void to_columns(const T* src, int64_t rows, int64_t cols, T* dst) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[j * rows + i] = src[i * cols + j];
}
template <class T>
void from_columns(const T* src, int64_t rows, int64_t cols, T* dst) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = src[j * rows + i];
}

// LAPACK takes 32-bit sizes.
int lapack_size(const LibraryCall& c, int64_t n) {
  if (n > INT32_MAX)
    graph::throw_error(graph::op_info(c.op).fn,
                       "a matrix of " + std::to_string(n) + " rows is past LAPACK's 32-bit sizes",
                       c.loc);
  return static_cast<int>(n);
}

// numpy's LinAlgError, naming the matrix of the batch when there are several.
[[noreturn]] void linalg_error(const LibraryCall& c, const std::string& what, int64_t batch,
                               int64_t matrix) {
  const bool inverse = c.op == Op::Solve && c.payload.v[0] == 1;  // inv: solve with the identity
  graph::throw_error(
      inverse ? std::string_view("inv") : graph::op_info(c.op).fn,
      batch > 1 ? what + " (matrix " + std::to_string(matrix) + " of the batch)" : what, c.loc);
}

template <class T>
void solve(const LibraryCall& c, const std::vector<const void*>& in, void* out) {
  const graph::Dims& as = c.args[0].shape;
  const int64_t n = as[as.rank() - 1], k = c.shape[c.shape.rank() - 1];
  const int64_t batch = n ? c.args[0].shape.size() / (n * n) : 0;
  const int ni = lapack_size(c, n), ki = lapack_size(c, k);
  std::vector<T> a(static_cast<size_t>(n * n)), b(static_cast<size_t>(n * k));
  std::vector<int> ipiv(static_cast<size_t>(n));
  for (int64_t m = 0; m < batch; ++m) {
    to_columns(static_cast<const T*>(in[0]) + m * n * n, n, n, a.data());
    to_columns(static_cast<const T*>(in[1]) + m * n * k, n, k, b.data());
    int info = 0;
    if (k > 0) gesv(ni, ki, a.data(), ipiv.data(), b.data(), info);
    if (info > 0) linalg_error(c, "Singular matrix", batch, m);
    from_columns(b.data(), n, k, static_cast<T*>(out) + m * n * k);
  }
}

template <class T>
void cholesky(const LibraryCall& c, const std::vector<const void*>& in, void* out) {
  const int64_t n = c.shape[c.shape.rank() - 1];
  const int64_t batch = n ? c.shape.size() / (n * n) : 0;
  const int ni = lapack_size(c, n);
  std::vector<T> a(static_cast<size_t>(n * n));
  for (int64_t m = 0; m < batch; ++m) {
    to_columns(static_cast<const T*>(in[0]) + m * n * n, n, n, a.data());
    int info = 0;
    potrf(ni, a.data(), info);
    if (info > 0) linalg_error(c, "Matrix is not positive definite", batch, m);
    for (int64_t j = 0; j < n; ++j)  // the strict upper triangle (potrf leaves it as it was)
      for (int64_t i = 0; i < j; ++i) a[static_cast<size_t>(j * n + i)] = T(0);
    from_columns(a.data(), n, n, static_cast<T*>(out) + m * n * n);
  }
}

// numpy's slogdet: the LU factors' diagonal gives the sign (with the pivots' parity) and the sum
// of the logarithms of its magnitudes; a singular matrix gives sign 0 and -inf.
template <class T>
void slogdet(const LibraryCall& c, const std::vector<const void*>& in, void* out) {
  const graph::Dims& as = c.args[0].shape;
  const int64_t n = as[as.rank() - 1];
  const int64_t batch = c.shape.size() / 2;
  const int ni = lapack_size(c, n);
  std::vector<T> a(static_cast<size_t>(n * n));
  std::vector<int> ipiv(static_cast<size_t>(n));
  T* dst = static_cast<T*>(out);
  for (int64_t m = 0; m < batch; ++m) {
    to_columns(static_cast<const T*>(in[0]) + m * n * n, n, n, a.data());
    int info = 0;
    if (n > 0) getrf(ni, a.data(), ipiv.data(), info);
    T sign = 1, logdet = 0;
    if (info > 0) {
      sign = 0;
      logdet = -INFINITY;
    } else {
      int swaps = 0;
      for (int64_t i = 0; i < n; ++i) swaps += ipiv[static_cast<size_t>(i)] != i + 1;
      sign = swaps % 2 ? T(-1) : T(1);
      for (int64_t i = 0; i < n; ++i) {
        T d = a[static_cast<size_t>(i * (n + 1))];
        if constexpr (std::is_same_v<T, double>) {
          if (d < 0) {
            sign = -sign;
            d = -d;
          }
          logdet += std::log(d);
        } else {  // the sign is the product of the pivots' phases
          const double magnitude = std::abs(d);
          sign *= d / magnitude;
          logdet += std::log(magnitude);
        }
      }
    }
    dst[2 * m] = sign;
    dst[2 * m + 1] = logdet;
  }
}

}  // namespace

void run_linalg(const LibraryCall& c, const std::vector<const void*>& inputs, void* out) {
  if (c.dtype == DType::float64) {
    if (c.op == Op::Solve) return solve<double>(c, inputs, out);
    if (c.op == Op::Cholesky) return cholesky<double>(c, inputs, out);
    return slogdet<double>(c, inputs, out);
  }
  if (c.dtype == DType::complex128) {
    if (c.op == Op::Solve) return solve<std::complex<double>>(c, inputs, out);
    if (c.op == Op::Cholesky) return cholesky<std::complex<double>>(c, inputs, out);
    return slogdet<std::complex<double>>(c, inputs, out);
  }
  graph::internal_error(__FILE__, __LINE__,
                        "no LAPACK routine for " + std::string(dtype_name(c.dtype)));
}

}  // namespace kiln::runtime
