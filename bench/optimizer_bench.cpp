// Values are logits in [-10, 10): glibc's vector expf takes a scalar path for a whole vector
// when any lane is far outside that range (x - max below -87), which slows every side that
// uses it, the hand loop included, several times.
//
// The optimizer against its hand-written limits (compiled here with -O3 -march=native
// -ffast-math and OpenMP, as hand_bench):
//   softmax_*    softmax over the rows of a 4096x4096 float32 matrix: kiln::softmax(x, 1), the
//                naive exp(x) / sum(exp(x), 1, keepdims) that the accuracy rules make stable,
//                and a stable loop by hand that works one row at a time in cache (OpenMP over
//                rows); bench/numpy_optimizer.py runs numpy's stable form;
//   logsumexp_*  the same for the log-sum-exp of each row;
//   rules_share/N  the rule engine's share of a cold compile of an N-op expression (a new
//                expression each iteration, so each one compiles).
#include <omp.h>

#include <chrono>
#include <cmath>
#include <vector>

#include <kiln/kiln.hpp>

#include "bench_common.hpp"

namespace {

using kiln::Array;

constexpr int64_t kRows = 4096, kCols = 4096;

std::vector<float> matrix_values() {
  std::vector<float> v(static_cast<size_t>(kRows * kCols));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>((i * 2654435761u) % 20011) * 0.001f - 10.f;
  return v;
}

Array matrix() {
  Array x = kiln::array(matrix_values(), {kRows, kCols});
  x.eval();
  return x;
}

void softmax_hand(benchmark::State& st) {
  const std::vector<float> x = matrix_values();
  std::vector<float> out(x.size());
  for (auto _ : st) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < kRows; ++r) {
      const float* in = x.data() + r * kCols;
      float* o = out.data() + r * kCols;
      float m = -INFINITY;
#pragma omp simd reduction(max : m)
      for (int64_t c = 0; c < kCols; ++c) m = std::max(m, in[c]);
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t c = 0; c < kCols; ++c) {
        o[c] = std::exp(in[c] - m);
        s += o[c];
      }
      const float scale = 1.f / s;
#pragma omp simd
      for (int64_t c = 0; c < kCols; ++c) o[c] *= scale;
    }
    benchmark::ClobberMemory();
  }
  bench::throughput(st, kRows * kCols, 8);
}
BENCHMARK(softmax_hand)->UseRealTime()->Unit(benchmark::kMicrosecond);

void softmax_kiln(benchmark::State& st) {
  const Array x = matrix();
  kiln::softmax(x, 1).eval();  // compiled before the timing
  for (auto _ : st) kiln::softmax(x, 1).eval();
  bench::throughput(st, kRows * kCols, 8);
}
BENCHMARK(softmax_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

void softmax_naive_kiln(benchmark::State& st) {
  const Array x = matrix();
  (kiln::exp(x) / kiln::sum(kiln::exp(x), 1, true)).eval();  // compiled before the timing
  for (auto _ : st) (kiln::exp(x) / kiln::sum(kiln::exp(x), 1, true)).eval();
  bench::throughput(st, kRows * kCols, 8);
}
BENCHMARK(softmax_naive_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

void logsumexp_hand(benchmark::State& st) {
  const std::vector<float> x = matrix_values();
  std::vector<float> out(static_cast<size_t>(kRows));
  for (auto _ : st) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < kRows; ++r) {
      const float* in = x.data() + r * kCols;
      float m = -INFINITY;
#pragma omp simd reduction(max : m)
      for (int64_t c = 0; c < kCols; ++c) m = std::max(m, in[c]);
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t c = 0; c < kCols; ++c) s += std::exp(in[c] - m);
      out[r] = std::log(s) + m;
    }
    benchmark::ClobberMemory();
  }
  bench::throughput(st, kRows * kCols, 4);
}
BENCHMARK(logsumexp_hand)->UseRealTime()->Unit(benchmark::kMicrosecond);

void logsumexp_kiln(benchmark::State& st) {
  const Array x = matrix();
  kiln::special::logsumexp(x, 1).eval();  // compiled before the timing
  for (auto _ : st) kiln::special::logsumexp(x, 1).eval();
  bench::throughput(st, kRows * kCols, 4);
}
BENCHMARK(logsumexp_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

void logsumexp_naive_kiln(benchmark::State& st) {
  const Array x = matrix();
  kiln::log(kiln::sum(kiln::exp(x), 1)).eval();  // compiled before the timing
  for (auto _ : st) kiln::log(kiln::sum(kiln::exp(x), 1)).eval();
  bench::throughput(st, kRows * kCols, 4);
}
BENCHMARK(logsumexp_naive_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

// An expression of `ops` elementwise ops over x whose structure depends on `seed` (so each one
// is a new kernel), with the formulas the accuracy rules look for among them.
Array expression(const Array& x, int ops, uint64_t seed) {
  Array y = x;
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (int i = 0; i < ops; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    switch ((s >> 33) % 8) {
      case 0:
        y = kiln::log(1.0f + kiln::abs(y));  // log1p
        break;
      case 1:
        y = y * 0.5f + 1.0f;
        break;
      case 2:
        y = kiln::sin(y);
        break;
      case 3:
        y = 1.0f / (1.0f + kiln::exp(-y));  // sigmoid
        break;
      case 4:
        y = kiln::sqrt(y * y + 1.0f);
        break;
      case 5:
        y = kiln::exp(y) - 1.0f;  // expm1
        break;
      case 6:
        y = kiln::maximum(y, x);
        break;
      default:
        y = kiln::tanh(y) * 2.0f;
        break;
    }
  }
  return y;
}

void rules_share(benchmark::State& st) {
  const Array x = kiln::arange(16, kiln::float32);
  x.eval();
  static uint64_t seed = 0;  // never the same expression twice, across repetitions too
  double rules = 0, compile = 0, wall = 0;
  for (auto _ : st) {
    const Array y = expression(x, static_cast<int>(st.range(0)), ++seed);
    kiln::reset_stats();
    const auto start = std::chrono::steady_clock::now();
    y.eval();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    st.SetIterationTime(seconds);
    const kiln::Stats s = kiln::stats();
    rules += s.rewrite_seconds;
    compile += s.compile_seconds;
    wall += seconds;
  }
  st.counters["rules_us"] = rules / static_cast<double>(st.iterations()) * 1e6;
  st.counters["compile_ms"] = compile / static_cast<double>(st.iterations()) * 1e3;
  st.counters["share_percent"] = 100 * rules / wall;
}
BENCHMARK(rules_share)
    ->Arg(20)
    ->Arg(200)
    ->Iterations(20)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  return bench::main_with_passive_openmp(argc, argv);
}
