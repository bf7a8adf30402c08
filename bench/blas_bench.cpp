// matmul of 2048 x 2048 float32: kiln::matmul against OpenBLAS's cblas_sgemm called directly on
// the same data (issue target: kiln within 10 %). Run both in one process, alternating.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <vector>

#include "kiln/kiln.hpp"

namespace {

constexpr int64_t kN = 2048;

struct Data {
  kiln::Array a = kiln::random::uniform({kN, kN}).eval();
  kiln::Array b = kiln::random::uniform({kN, kN}).eval();
  std::vector<float> c = std::vector<float>(kN * kN);
};

Data& data() {
  static Data d;
  return d;
}

void flops(benchmark::State& st) {
  st.counters["GFLOPS"] =
      benchmark::Counter(2.0 * kN * kN * kN * static_cast<double>(st.iterations()),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void openblas_sgemm(benchmark::State& st) {
  Data& d = data();
  const float* a = d.a.data<float>();
  const float* b = d.b.data<float>();
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kN, kN, kN, 1.f, a, kN, b, kN, 0.f,
                d.c.data(), kN);
    benchmark::DoNotOptimize(d.c.data());
  }
  flops(st);
}

void kiln_matmul(benchmark::State& st) {
  Data& d = data();
  for (auto _ : st) {
    kiln::Array c = kiln::matmul(d.a, d.b);
    benchmark::DoNotOptimize(c.eval().data<float>());
  }
  flops(st);
}

void kiln_matmul_transposed(benchmark::State& st) {
  Data& d = data();
  for (auto _ : st) {
    kiln::Array c = kiln::matmul(d.a.T(), d.b);
    benchmark::DoNotOptimize(c.eval().data<float>());
  }
  flops(st);
}

BENCHMARK(openblas_sgemm)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kiln_matmul)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(openblas_sgemm)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kiln_matmul)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kiln_matmul_transposed)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
