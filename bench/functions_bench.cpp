// numpy's array functions (issue 17): sort against std::sort, linalg.solve, cholesky and svd at
// n = 1000 against LAPACK called directly (the same OpenBLAS, with the same column-major
// copies numpy and kiln make), a histogram of 1e7 values against a plain loop, and einsum
// contractions; bench/numpy_functions.py times numpy on the same data (einsum with
// optimize=True).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <kiln/kiln.hpp>

extern "C" {
void dgesv_(const int* n, const int* nrhs, double* a, const int* lda, int* ipiv, double* b,
            const int* ldb, int* info);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t);
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, size_t);
}

namespace {

constexpr int64_t kSortSize = 1'000'000;
constexpr int kMatrixSize = 1000;

// The values numpy_functions.py generates too.
std::vector<float> sort_values() {
  std::vector<float> v(kSortSize);
  for (int64_t i = 0; i < kSortSize; ++i)
    v[static_cast<size_t>(i)] = static_cast<float>((i * 2654435761u) % 1000003u) * 1e-3f;
  return v;
}

// A diagonally dominant (so well-conditioned, and positive definite) matrix and a right-hand
// side, row-major.
std::vector<double> matrix() {
  const int n = kMatrixSize;
  std::vector<double> a(static_cast<size_t>(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      a[static_cast<size_t>(i) * n + j] =
          i == j ? 2.0 * n : static_cast<double>(((i + j) * 7919) % 1000) * 1e-3;
  return a;
}

void sort_kiln(benchmark::State& st) {
  const kiln::Array x = kiln::array(sort_values());
  for (auto _ : st) benchmark::DoNotOptimize(kiln::sort(x).eval().data<float>());
}
BENCHMARK(sort_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

void sort_std(benchmark::State& st) {
  const std::vector<float> x = sort_values();
  for (auto _ : st) {
    std::vector<float> v = x;
    std::stable_sort(v.begin(), v.end());
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(sort_std)->UseRealTime()->Unit(benchmark::kMicrosecond);

void solve_kiln(benchmark::State& st) {
  const kiln::Array a = kiln::array(matrix(), {kMatrixSize, kMatrixSize});
  const kiln::Array b = kiln::ones({kMatrixSize}, kiln::float64).eval();
  for (auto _ : st) benchmark::DoNotOptimize(kiln::linalg::solve(a, b).eval().data<double>());
}
BENCHMARK(solve_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

void solve_lapack(benchmark::State& st) {
  const std::vector<double> a = matrix();
  const int n = kMatrixSize, one = 1;
  std::vector<double> col(a.size()), b(static_cast<size_t>(n));
  std::vector<int> ipiv(static_cast<size_t>(n));
  for (auto _ : st) {
    for (int i = 0; i < n; ++i)  // column-major, as numpy and kiln copy it
      for (int j = 0; j < n; ++j)
        col[static_cast<size_t>(j) * n + i] = a[static_cast<size_t>(i) * n + j];
    std::fill(b.begin(), b.end(), 1.0);
    int info = 0;
    dgesv_(&n, &one, col.data(), &n, ipiv.data(), b.data(), &n, &info);
    benchmark::DoNotOptimize(b.data());
  }
}
BENCHMARK(solve_lapack)->UseRealTime()->Unit(benchmark::kMicrosecond);

void cholesky_kiln(benchmark::State& st) {
  const kiln::Array a = kiln::array(matrix(), {kMatrixSize, kMatrixSize});
  for (auto _ : st) benchmark::DoNotOptimize(kiln::linalg::cholesky(a).eval().data<double>());
}
BENCHMARK(cholesky_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

void cholesky_lapack(benchmark::State& st) {
  const std::vector<double> a = matrix();
  const int n = kMatrixSize;
  std::vector<double> col(a.size()), out(a.size());
  for (auto _ : st) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        col[static_cast<size_t>(j) * n + i] = a[static_cast<size_t>(i) * n + j];
    int info = 0;
    dpotrf_("L", &n, col.data(), &n, &info, 1);
    for (int i = 0; i < n; ++i)  // back to row-major, the upper triangle zeroed
      for (int j = 0; j < n; ++j)
        out[static_cast<size_t>(i) * n + j] = j <= i ? col[static_cast<size_t>(j) * n + i] : 0.0;
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(cholesky_lapack)->UseRealTime()->Unit(benchmark::kMicrosecond);

void svd_kiln(benchmark::State& st) {
  const kiln::Array a = kiln::array(matrix(), {kMatrixSize, kMatrixSize});
  for (auto _ : st) {
    const auto [u, s, vh] = kiln::linalg::svd(a);
    kiln::eval({u, s, vh});
    benchmark::DoNotOptimize(s.data<double>());
  }
}
BENCHMARK(svd_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

void svd_lapack(benchmark::State& st) {
  const std::vector<double> a = matrix();
  const int n = kMatrixSize;
  std::vector<double> col(a.size()), u(a.size()), vt(a.size()), s(static_cast<size_t>(n));
  std::vector<double> out_u(a.size()), out_vt(a.size());
  std::vector<int> iwork(8 * static_cast<size_t>(n));
  for (auto _ : st) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        col[static_cast<size_t>(j) * n + i] = a[static_cast<size_t>(i) * n + j];
    int info = 0, lwork = -1;
    double query = 0;
    dgesdd_("A", &n, &n, col.data(), &n, s.data(), u.data(), &n, vt.data(), &n, &query, &lwork,
            iwork.data(), &info, 1);
    lwork = static_cast<int>(query);
    std::vector<double> work(static_cast<size_t>(lwork));
    dgesdd_("A", &n, &n, col.data(), &n, s.data(), u.data(), &n, vt.data(), &n, work.data(), &lwork,
            iwork.data(), &info, 1);
    for (int i = 0; i < n; ++i)  // back to row-major
      for (int j = 0; j < n; ++j) {
        out_u[static_cast<size_t>(i) * n + j] = u[static_cast<size_t>(j) * n + i];
        out_vt[static_cast<size_t>(i) * n + j] = vt[static_cast<size_t>(j) * n + i];
      }
    benchmark::DoNotOptimize(out_u.data());
    benchmark::DoNotOptimize(out_vt.data());
  }
}
BENCHMARK(svd_lapack)->UseRealTime()->Unit(benchmark::kMicrosecond);

constexpr int64_t kHistogramSize = 10'000'000;

// The values numpy_functions.py generates too: spread over [0, 1000).
std::vector<double> histogram_values() {
  std::vector<double> v(kHistogramSize);
  for (int64_t i = 0; i < kHistogramSize; ++i)
    v[static_cast<size_t>(i)] = static_cast<double>((i * 2654435761u) % 1000003u) * 1e-3;
  return v;
}

void histogram_kiln(benchmark::State& st) {
  const kiln::Array x = kiln::array(histogram_values());
  kiln::HistogramOptions o;
  o.range = std::pair{0.0, 1000.0};
  for (auto _ : st)
    benchmark::DoNotOptimize(kiln::histogram(x, 100, o).hist.eval().data<int64_t>());
}
BENCHMARK(histogram_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One thread, the bin by arithmetic, as a C programmer would write it.
void histogram_loop(benchmark::State& st) {
  const std::vector<double> x = histogram_values();
  std::vector<int64_t> counts(100);
  for (auto _ : st) {
    std::fill(counts.begin(), counts.end(), 0);
    for (const double v : x)
      if (v >= 0 && v <= 1000) ++counts[std::min<size_t>(99, static_cast<size_t>(v * 0.1))];
    benchmark::DoNotOptimize(counts.data());
  }
}
BENCHMARK(histogram_loop)->UseRealTime()->Unit(benchmark::kMicrosecond);

// numpy_functions.py's einsum cases: the subscripts and each operand's shape. Values i*0.37 mod 1
// (float64).
struct EinsumCase {
  const char* subscripts;
  std::vector<kiln::Shape> shapes;
};
const EinsumCase kEinsumCases[] = {
    {"ij,jk->ik", {{500, 500}, {500, 500}}},                   // a matrix product
    {"ijk,jkl->il", {{40, 50, 60}, {50, 60, 70}}},             // two labels contracted
    {"bij,bjk->bik", {{64, 64, 64}, {64, 64, 64}}},            // a batch of products
    {"ea,fb,abcd,gc,hd->efgh", {{10, 10}, {10, 10}, {10, 10, 10, 10}, {10, 10}, {10, 10}}},
    {"i,ij,j->", {{2000}, {2000, 2000}, {2000}}},              // a bilinear form
    {"ij,ij->i", {{1000, 1000}, {1000, 1000}}},                // row-wise dot products
};

kiln::Array einsum_operand(const kiln::Shape& shape) {
  int64_t n = 1;
  for (const int64_t e : shape) n *= e;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = std::fmod(i * 0.37, 1.0);
  return kiln::array(v, shape);
}

void einsum_kiln(benchmark::State& st) {
  const EinsumCase& c = kEinsumCases[st.range(0)];
  std::vector<kiln::Array> operands;
  for (const kiln::Shape& s : c.shapes) operands.push_back(einsum_operand(s));
  st.SetLabel(c.subscripts);
  for (auto _ : st)
    benchmark::DoNotOptimize(kiln::einsum(c.subscripts, operands).eval().data<double>());
}
BENCHMARK(einsum_kiln)->DenseRange(0, 5)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
