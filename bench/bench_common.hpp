// Shared sizes and inputs for the benchmarks, so every implementation sees the same problem.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <benchmark/benchmark.h>

namespace bench {

/// The vector sizes every elementwise and reduction case runs at.
inline void vector_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1'000, 100'000, 1'000'000, 10'000'000, 100'000'000}) b->Arg(n);
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

/// The matrix side for the axis reductions.
inline constexpr int64_t kMatrix = 4096;

/// Deterministic inputs in (0, 1]: x[i], a[i], b[i].
inline float x_value(int64_t i) {
  return static_cast<float>((i % 1000) + 1) * 1e-3f;
}
inline float a_value(int64_t i) {
  return 0.5f + static_cast<float>(i % 7) * 0.25f;
}
inline float b_value(int64_t i) {
  return 1.0f + static_cast<float>(i % 5) * 0.125f;
}

/// Fills a host vector with f(i).
template <class F>
std::vector<float> host(int64_t n, F f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = f(i);
  return v;
}

/// Records elements per second and bytes moved per iteration.
inline void throughput(benchmark::State& st, int64_t n, int64_t bytes_per_element) {
  st.SetItemsProcessed(st.iterations() * n);
  st.SetBytesProcessed(st.iterations() * n * bytes_per_element);
}

/// main() for a benchmark that runs OpenMP loops beside kiln: their threads would otherwise
/// spin between loops and take the cores from kiln's pool and OpenBLAS's threads (a third
/// slower here, half as fast for kiln's kernels). libgomp reads the policy when it loads,
/// before main: set it and start again.
inline int main_with_passive_openmp(int argc, char** argv) {
  if (!std::getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
