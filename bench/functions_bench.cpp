// numpy's array functions (issue 17): sort against std::sort, and linalg.solve and cholesky at
// n = 1000 against LAPACK called directly (the same OpenBLAS, with the same column-major
// copies numpy and kiln make); bench/numpy_functions.py times numpy on the same data.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include <kiln/kiln.hpp>

extern "C" {
void dgesv_(const int* n, const int* nrhs, double* a, const int* lda, int* ipiv, double* b,
            const int* ldb, int* info);
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t);
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

}  // namespace

BENCHMARK_MAIN();
