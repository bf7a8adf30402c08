// The limit: hand-written loops, compiled in this build with -O3 -march=native -ffast-math and
// OpenMP on all cores, writing into preallocated outputs.
#include <omp.h>

#include <cmath>

#include "bench_common.hpp"

namespace {

void hand_axpb(benchmark::State& st) {
  const int64_t n = st.range(0);
  const auto x = bench::host(n, bench::x_value), a = bench::host(n, bench::a_value),
             b = bench::host(n, bench::b_value);
  std::vector<float> y(static_cast<size_t>(n));
  const float *xp = x.data(), *ap = a.data(), *bp = b.data();
  float* yp = y.data();
  for (auto _ : st) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) yp[i] = ap[i] * xp[i] + bp[i];
    benchmark::DoNotOptimize(yp);
    benchmark::ClobberMemory();
  }
  bench::throughput(st, n, 16);
}
BENCHMARK(hand_axpb)->Apply(bench::vector_sizes);

void hand_long(benchmark::State& st) {
  const int64_t n = st.range(0);
  const auto x = bench::host(n, bench::x_value), a = bench::host(n, bench::a_value),
             b = bench::host(n, bench::b_value);
  std::vector<float> y(static_cast<size_t>(n));
  const float *xp = x.data(), *ap = a.data(), *bp = b.data();
  float* yp = y.data();
  for (auto _ : st) {
#pragma omp parallel for simd schedule(static) if (n > 4096)
    for (int64_t i = 0; i < n; ++i)
      yp[i] = std::sqrt(xp[i] * xp[i] + ap[i] * ap[i]) * std::exp(-bp[i] * xp[i]) + std::sin(xp[i]);
    benchmark::DoNotOptimize(yp);
    benchmark::ClobberMemory();
  }
  bench::throughput(st, n, 16);
}
BENCHMARK(hand_long)->Apply(bench::vector_sizes);

void hand_sum(benchmark::State& st) {
  const int64_t n = st.range(0);
  const auto x = bench::host(n, bench::x_value);
  const float* xp = x.data();
  for (auto _ : st) {
    float s = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : s) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) s += xp[i] * xp[i] + 1.f;
    benchmark::DoNotOptimize(s);
  }
  bench::throughput(st, n, 4);
}
BENCHMARK(hand_sum)->Apply(bench::vector_sizes);

void hand_sum_axis(benchmark::State& st) {
  const int64_t n = bench::kMatrix;
  const auto m = bench::host(n * n, bench::x_value);
  std::vector<float> out(static_cast<size_t>(n));
  const float* mp = m.data();
  float* op = out.data();
  const bool rows = st.range(0) == 1;
  for (auto _ : st) {
    if (rows) {
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; ++i) {
        float s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < n; ++j) s += mp[i * n + j];
        op[i] = s;
      }
    } else {
#pragma omp parallel
      {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const int64_t j0 = n * t / nt, j1 = n * (t + 1) / nt;
        for (int64_t j = j0; j < j1; ++j) op[j] = 0;
        for (int64_t i = 0; i < n; ++i)
#pragma omp simd
          for (int64_t j = j0; j < j1; ++j) op[j] += mp[i * n + j];
      }
    }
    benchmark::DoNotOptimize(op);
    benchmark::ClobberMemory();
  }
  bench::throughput(st, n * n, 4);
}
BENCHMARK(hand_sum_axis)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
