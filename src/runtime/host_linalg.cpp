// The LAPACK library ops (Solve, Cholesky, SlogDet, Eigh, Svd, Qr, Eig) on the host, through the
// Fortran LAPACK that Debian's OpenBLAS exports, batched over the leading axes, in float64 or
// complex128 (numpy's linalg computes in the double types and casts the result). Each matrix is
// copied into column-major order first and its result copied back, as numpy's umath_linalg does, so
// LAPACK factors the same matrix numpy's does and the results agree bit for bit.
#include "runtime/host_linalg.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
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
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t,
             size_t);
void zheevd_(const char* jobz, const char* uplo, const int* n, std::complex<double>* a,
             const int* lda, double* w, std::complex<double>* work, const int* lwork, double* rwork,
             const int* lrwork, int* iwork, const int* liwork, int* info, size_t, size_t);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, size_t);
void zgesdd_(const char* jobz, const int* m, const int* n, std::complex<double>* a, const int* lda,
             double* s, std::complex<double>* u, const int* ldu, std::complex<double>* vt,
             const int* ldvt, std::complex<double>* work, const int* lwork, double* rwork,
             int* iwork, int* info, size_t);
void dgeev_(const char* jobvl, const char* jobvr, const int* n, double* a, const int* lda,
            double* wr, double* wi, double* vl, const int* ldvl, double* vr, const int* ldvr,
            double* work, const int* lwork, int* info, size_t, size_t);
void zgeev_(const char* jobvl, const char* jobvr, const int* n, std::complex<double>* a,
            const int* lda, std::complex<double>* w, std::complex<double>* vl, const int* ldvl,
            std::complex<double>* vr, const int* ldvr, std::complex<double>* work, const int* lwork,
            double* rwork, int* info, size_t, size_t);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void zgeqrf_(const int* m, const int* n, std::complex<double>* a, const int* lda,
             std::complex<double>* tau, std::complex<double>* work, const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
void zungqr_(const int* m, const int* n, const int* k, std::complex<double>* a, const int* lda,
             const std::complex<double>* tau, std::complex<double>* work, const int* lwork,
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

// The eigen-, singular value and QR drivers, with their workspace queried first (lwork = -1).
int heevd(char jobz, int n, double* a, double* w) {
  int lwork = -1, liwork = -1, iq = 0, info = 0;
  double q = 0;
  dsyevd_(&jobz, "L", &n, a, &n, w, &q, &lwork, &iq, &liwork, &info, 1, 1);
  lwork = std::max(1, static_cast<int>(q));
  liwork = std::max(1, iq);
  std::vector<double> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  dsyevd_(&jobz, "L", &n, a, &n, w, work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  return info;
}
int heevd(char jobz, int n, std::complex<double>* a, double* w) {
  int lwork = -1, lrwork = -1, liwork = -1, iq = 0, info = 0;
  std::complex<double> q;
  double rq = 0;
  zheevd_(&jobz, "L", &n, a, &n, w, &q, &lwork, &rq, &lrwork, &iq, &liwork, &info, 1, 1);
  lwork = std::max(1, static_cast<int>(q.real()));
  lrwork = std::max(1, static_cast<int>(rq));
  liwork = std::max(1, iq);
  std::vector<std::complex<double>> work(static_cast<size_t>(lwork));
  std::vector<double> rwork(static_cast<size_t>(lrwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  zheevd_(&jobz, "L", &n, a, &n, w, work.data(), &lwork, rwork.data(), &lrwork, iwork.data(),
          &liwork, &info, 1, 1);
  return info;
}
int gesdd(char jobz, int m, int n, double* a, double* s, double* u, int ldu, double* vt, int ldvt) {
  int lwork = -1, info = 0;
  double q = 0;
  std::vector<int> iwork(static_cast<size_t>(8 * std::min(m, n)) + 1);
  dgesdd_(&jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, &q, &lwork, iwork.data(), &info, 1);
  lwork = std::max(1, static_cast<int>(q));
  // (not zero-filled: n = 1000 asks for 32 MB, which LAPACK writes before it reads)
  const auto work = std::make_unique_for_overwrite<double[]>(static_cast<size_t>(lwork));
  dgesdd_(&jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, work.get(), &lwork, iwork.data(), &info, 1);
  return info;
}
int gesdd(char jobz, int m, int n, std::complex<double>* a, double* s, std::complex<double>* u,
          int ldu, std::complex<double>* vt, int ldvt) {
  int lwork = -1, info = 0;
  std::complex<double> q;
  const size_t mn = static_cast<size_t>(std::min(m, n)), mx = static_cast<size_t>(std::max(m, n));
  // LAPACK 3.7's bound on rwork for every jobz.
  std::vector<double> rwork(std::max<size_t>(1, mn * std::max(5 * mn + 7, 2 * mx + 2 * mn + 1)));
  std::vector<int> iwork(8 * mn + 1);
  zgesdd_(&jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, &q, &lwork, rwork.data(), iwork.data(),
          &info, 1);
  lwork = std::max(1, static_cast<int>(q.real()));
  std::vector<std::complex<double>> work(static_cast<size_t>(lwork));
  zgesdd_(&jobz, &m, &n, a, &m, s, u, &ldu, vt, &ldvt, work.data(), &lwork, rwork.data(),
          iwork.data(), &info, 1);
  return info;
}
void geqrf(int m, int n, double* a, double* tau) {
  int lwork = -1, info = 0;
  double q = 0;
  dgeqrf_(&m, &n, a, &m, tau, &q, &lwork, &info);
  lwork = std::max(1, static_cast<int>(q));
  std::vector<double> work(static_cast<size_t>(lwork));
  dgeqrf_(&m, &n, a, &m, tau, work.data(), &lwork, &info);
}
void geqrf(int m, int n, std::complex<double>* a, std::complex<double>* tau) {
  int lwork = -1, info = 0;
  std::complex<double> q;
  zgeqrf_(&m, &n, a, &m, tau, &q, &lwork, &info);
  lwork = std::max(1, static_cast<int>(q.real()));
  std::vector<std::complex<double>> work(static_cast<size_t>(lwork));
  zgeqrf_(&m, &n, a, &m, tau, work.data(), &lwork, &info);
}
void orgqr(int m, int n, int k, double* a, const double* tau) {
  int lwork = -1, info = 0;
  double q = 0;
  dorgqr_(&m, &n, &k, a, &m, tau, &q, &lwork, &info);
  lwork = std::max(1, static_cast<int>(q));
  std::vector<double> work(static_cast<size_t>(lwork));
  dorgqr_(&m, &n, &k, a, &m, tau, work.data(), &lwork, &info);
}
void orgqr(int m, int n, int k, std::complex<double>* a, const std::complex<double>* tau) {
  int lwork = -1, info = 0;
  std::complex<double> q;
  zungqr_(&m, &n, &k, a, &m, tau, &q, &lwork, &info);
  lwork = std::max(1, static_cast<int>(q.real()));
  std::vector<std::complex<double>> work(static_cast<size_t>(lwork));
  zungqr_(&m, &n, &k, a, &m, tau, work.data(), &lwork, &info);
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
  // the function the user called: inv is a solve with the identity, eigvals an eig without vectors
  const bool inverse = c.op == Op::Solve && c.payload.v[0] == 1;
  const bool values = c.op == Op::Eig && c.payload.v[0] == 0;
  graph::throw_error(
      inverse  ? std::string_view("inv")
      : values ? "eigvals"
               : graph::op_info(c.op).fn,
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

// Eigh: the eigenvalues of each Hermitian matrix (its lower triangle), ascending, then with
// payload 1 the eigenvectors as the columns of an n x n matrix: [w (n) | V (n x n)] per matrix.
template <class T>
void eigh(const LibraryCall& c, const std::vector<const void*>& in, void* out) {
  const graph::Dims& as = c.args[0].shape;
  const int64_t n = as[as.rank() - 1], per = c.shape[c.shape.rank() - 1];
  const int64_t batch = n ? c.args[0].shape.size() / (n * n) : 0;
  const bool vectors = c.payload.v[0] == 1;
  const int ni = lapack_size(c, n);
  std::vector<T> a(static_cast<size_t>(n * n));
  std::vector<double> w(static_cast<size_t>(n));
  for (int64_t m = 0; m < batch; ++m) {
    to_columns(static_cast<const T*>(in[0]) + m * n * n, n, n, a.data());
    if (heevd(vectors ? 'V' : 'N', ni, a.data(), w.data()) > 0)
      linalg_error(c, "Eigenvalues did not converge", batch, m);
    T* dst = static_cast<T*>(out) + m * per;
    for (int64_t i = 0; i < n; ++i) dst[i] = T(w[static_cast<size_t>(i)]);
    if (vectors) from_columns(a.data(), n, n, dst + n);
  }
}

// The m x n matrices of a factorization's argument and its packed result: `per` elements per
// matrix, `mode` the payload's choice of factors.
struct FactorStack {
  int64_t rows, cols, k, per, batch, mode;
  explicit FactorStack(const LibraryCall& c) {
    const graph::Dims& as = c.args[0].shape;
    rows = as[as.rank() - 2];
    cols = as[as.rank() - 1];
    k = std::min(rows, cols);
    per = c.shape[c.shape.rank() - 1];
    batch = per ? c.shape.size() / per : 0;
    mode = static_cast<int64_t>(c.payload.v[0]);
  }
};

// Svd (gesdd): payload 0 the singular values alone, descending [s (k)]; 1 the reduced
// [U (m x k) | s (k) | Vh (k x n)]; 2 the full [U (m x m) | s (k) | Vh (n x n)].
template <class T>
void svd(const LibraryCall& c, const std::vector<const void*>& in, void* out) {
  const FactorStack f(c);
  const int64_t rows = f.rows, cols = f.cols, k = f.k, per = f.per, batch = f.batch, mode = f.mode;
  const int64_t ucols = mode == 2 ? rows : mode == 1 ? k : 0;
  const int64_t vrows = mode == 2 ? cols : mode == 1 ? k : 0;
  const int mi = lapack_size(c, rows), ni = lapack_size(c, cols);
  // LAPACK reads column-major, so kiln's row-major m x n matrix is, to LAPACK, its n x m
  // transpose, and so are the factors it writes: of A^T = U' S V'^H, U' (n x k, read
  // row-major) is A's Vh and V'^H (k x m) is A's U (A = conj(V') S U'^T). gesdd writes them
  // straight into the result, with no transposing copy either way (numpy makes both).
  const auto a = std::make_unique_for_overwrite<T[]>(static_cast<size_t>(rows * cols));
  std::vector<double> s(static_cast<size_t>(k));
  const char jobz = mode == 2 ? 'A' : mode == 1 ? 'S' : 'N';
  for (int64_t m = 0; m < batch; ++m) {
    T* dst = static_cast<T*>(out) + m * per;
    const T* src = static_cast<const T*>(in[0]) + m * rows * cols;
    if (k == 0) {  // no singular values; a full U or Vh is the identity (as numpy's)
      std::fill(dst, dst + per, T(0));
      for (int64_t i = 0; i < ucols && ucols == rows; ++i) dst[i * (rows + 1)] = T(1);
      T* v = dst + rows * ucols;
      for (int64_t i = 0; i < vrows && vrows == cols; ++i) v[i * (cols + 1)] = T(1);
      continue;
    }
    std::copy(src, src + rows * cols, a.get());  // gesdd overwrites its input
    // gesdd refuses a nan (numpy's error), and with an inf it gives nans for the values but
    // may never return when it computes U and Vh: an inf is that error too then.
    bool nan = false, inf = false;
    for (int64_t i = 0; i < rows * cols; ++i) {
      nan |= std::isnan(std::abs(src[i]));
      inf |= std::isinf(std::abs(src[i]));
    }
    if (nan || (inf && mode != 0)) linalg_error(c, "SVD did not converge", batch, m);
    if (inf) {
      std::fill(dst, dst + per, T(NAN));
      continue;
    }
    T* u = dst;
    T* values = dst + rows * ucols;
    T* vh = values + k;
    if (gesdd(jobz, ni, mi, a.get(), s.data(), vh, std::max<int>(1, ni), u,
              std::max<int>(1, static_cast<int>(ucols))) != 0)
      linalg_error(c, "SVD did not converge", batch, m);
    for (int64_t i = 0; i < k; ++i) values[i] = T(s[static_cast<size_t>(i)]);
  }
}

// Qr (geqrf, then orgqr/ungqr as numpy's qr): payload 0 the reduced [Q (m x k) | R (k x n)],
// 1 the complete [Q (m x m) | R (m x n)], 2 R alone (k x n); k = min(m, n).
template <class T>
void qr(const LibraryCall& c, const std::vector<const void*>& in, void* out) {
  const FactorStack f(c);
  const int64_t rows = f.rows, cols = f.cols, k = f.k, per = f.per, batch = f.batch, mode = f.mode;
  const int64_t qcols = mode == 1 ? rows : mode == 0 ? k : 0;
  const int64_t rrows = mode == 1 ? rows : k;
  const int mi = lapack_size(c, rows), ni = lapack_size(c, cols), ki = static_cast<int>(k);
  // column-major, room for a complete Q's m columns
  std::vector<T> a(static_cast<size_t>(rows * std::max(cols, qcols))), tau(static_cast<size_t>(k));
  for (int64_t m = 0; m < batch; ++m) {
    T* dst = static_cast<T*>(out) + m * per;
    to_columns(static_cast<const T*>(in[0]) + m * rows * cols, rows, cols, a.data());
    if (k > 0) geqrf(mi, ni, a.data(), tau.data());
    T* r = dst + rows * qcols;  // R: the upper triangle of the factored rows
    for (int64_t i = 0; i < rrows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        r[i * cols + j] = j >= i ? a[static_cast<size_t>(j * rows + i)] : T(0);
    if (qcols == 0) continue;
    std::fill(a.begin() + cols * rows, a.end(), T(0));  // a complete Q's extra columns
    if (rows > 0) orgqr(mi, static_cast<int>(qcols), ki, a.data(), tau.data());
    from_columns(a.data(), rows, qcols, dst);
  }
}

// Eig (geev, as numpy's eig): the eigenvalues of each general matrix, in LAPACK's order, then
// with payload 1 the right eigenvectors (unit 2-norm, as LAPACK normalizes them) as the
// columns of an n x n matrix: [w (n) | V (n x n)], complex. A real matrix's complex pair
// (wr +- i wi) has the eigenvectors VR[:, j] +- i VR[:, j + 1], as numpy builds them.
template <class T>
void eig(const LibraryCall& c, const std::vector<const void*>& in, void* out) {
  using C = std::complex<double>;
  const graph::Dims& as = c.args[0].shape;
  const int64_t n = as[as.rank() - 1], per = c.shape[c.shape.rank() - 1];
  const int64_t batch = n ? c.args[0].shape.size() / (n * n) : 0;
  const bool vectors = c.payload.v[0] == 1;
  const int ni = lapack_size(c, n), ld = std::max(1, ni);
  const char jobvr = vectors ? 'V' : 'N';
  std::vector<T> a(static_cast<size_t>(n * n)), vr(static_cast<size_t>(vectors ? n * n : 1));
  std::vector<double> wr(static_cast<size_t>(n)), wi(static_cast<size_t>(n)),
      rwork(static_cast<size_t>(2 * n + 1));
  std::vector<C> w(static_cast<size_t>(n));
  for (int64_t m = 0; m < batch; ++m) {
    const T* src = static_cast<const T*>(in[0]) + m * n * n;
    for (int64_t i = 0; i < n * n; ++i)
      if (!std::isfinite(std::abs(src[i])))
        linalg_error(c, "Array must not contain infs or NaNs", batch, m);
    to_columns(src, n, n, a.data());
    int lwork = -1, info = 0;
    T query{};
    if constexpr (std::is_same_v<T, double>) {
      dgeev_("N", &jobvr, &ni, a.data(), &ld, wr.data(), wi.data(), nullptr, &ld, vr.data(), &ld,
             &query, &lwork, &info, 1, 1);
      lwork = std::max(1, static_cast<int>(query));
      const auto work = std::make_unique_for_overwrite<double[]>(static_cast<size_t>(lwork));
      dgeev_("N", &jobvr, &ni, a.data(), &ld, wr.data(), wi.data(), nullptr, &ld, vr.data(), &ld,
             work.get(), &lwork, &info, 1, 1);
      for (int64_t i = 0; i < n; ++i)
        w[static_cast<size_t>(i)] = C(wr[static_cast<size_t>(i)], wi[static_cast<size_t>(i)]);
    } else {
      zgeev_("N", &jobvr, &ni, a.data(), &ld, w.data(), nullptr, &ld, vr.data(), &ld, &query,
             &lwork, rwork.data(), &info, 1, 1);
      lwork = std::max(1, static_cast<int>(query.real()));
      std::vector<C> work(static_cast<size_t>(lwork));
      zgeev_("N", &jobvr, &ni, a.data(), &ld, w.data(), nullptr, &ld, vr.data(), &ld, work.data(),
             &lwork, rwork.data(), &info, 1, 1);
    }
    if (info > 0) linalg_error(c, "Eigenvalues did not converge", batch, m);
    C* dst = static_cast<C*>(out) + m * per;
    std::copy(w.begin(), w.end(), dst);
    if (!vectors) continue;
    C* v = dst + n;  // row-major: v[i * n + j] is component i of eigenvector j
    for (int64_t j = 0; j < n; ++j) {
      const T* col = vr.data() + j * n;
      if constexpr (std::is_same_v<T, double>) {
        if (wi[static_cast<size_t>(j)] != 0 && j + 1 < n) {  // a conjugate pair
          const T* next = col + n;
          for (int64_t i = 0; i < n; ++i) {
            v[i * n + j] = C(col[i], next[i]);
            v[i * n + j + 1] = C(col[i], -next[i]);
          }
          ++j;
          continue;
        }
      }
      for (int64_t i = 0; i < n; ++i) v[i * n + j] = C(col[i]);
    }
  }
}

}  // namespace

void run_linalg(const LibraryCall& c, const std::vector<const void*>& inputs, void* out) {
  if (c.op == Op::Eig)  // (complex results from real or complex matrices)
    return c.args[0].dtype == DType::float64 ? eig<double>(c, inputs, out)
                                             : eig<std::complex<double>>(c, inputs, out);
  if (c.dtype == DType::float64) {
    if (c.op == Op::Solve) return solve<double>(c, inputs, out);
    if (c.op == Op::Cholesky) return cholesky<double>(c, inputs, out);
    if (c.op == Op::Eigh) return eigh<double>(c, inputs, out);
    if (c.op == Op::Svd) return svd<double>(c, inputs, out);
    if (c.op == Op::Qr) return qr<double>(c, inputs, out);
    return slogdet<double>(c, inputs, out);
  }
  if (c.dtype == DType::complex128) {
    if (c.op == Op::Solve) return solve<std::complex<double>>(c, inputs, out);
    if (c.op == Op::Cholesky) return cholesky<std::complex<double>>(c, inputs, out);
    if (c.op == Op::Eigh) return eigh<std::complex<double>>(c, inputs, out);
    if (c.op == Op::Svd) return svd<std::complex<double>>(c, inputs, out);
    if (c.op == Op::Qr) return qr<std::complex<double>>(c, inputs, out);
    return slogdet<std::complex<double>>(c, inputs, out);
  }
  graph::internal_error(__FILE__, __LINE__,
                        "no LAPACK routine for " + std::string(dtype_name(c.dtype)));
}

}  // namespace kiln::runtime
