// Derivatives against their hand-written limits (compiled here with -O3 -march=native
// -ffast-math and OpenMP, as hand_bench):
//   grad_*  value and gradient of sum(sqrt(x*x + a*a) * exp(-b*x) + sin(x)) with respect to x, a
//           and b, float32: kiln's value_and_grad, one hand-fused loop producing the value and
//           the three gradients, and kiln's forward pass alone;
//   mlp_*   one SGD step of a 2-layer MLP (batch 256, 784-256-10, float32, tanh, softmax
//           cross-entropy): kiln's value_and_grad against the same step with OpenBLAS calls and
//           loops (bench/numpy_grad.py runs it in numpy with hand-derived gradients).
// Counters: kernels launched per step, and peak_bytes (kiln's buffers at once during a step).
#include <cblas.h>
#include <omp.h>

#include <cmath>
#include <cstdlib>
#include <random>

#include <unistd.h>

#include <kiln/kiln.hpp>

#include "bench_common.hpp"

namespace {

using kiln::Array;

void grad_hand(benchmark::State& st) {
  const int64_t n = st.range(0);
  const auto x = bench::host(n, bench::x_value), a = bench::host(n, bench::a_value),
             b = bench::host(n, bench::b_value);
  std::vector<float> gx(static_cast<size_t>(n)), ga(gx.size()), gb(gx.size());
  const float *xp = x.data(), *ap = a.data(), *bp = b.data();
  float *gxp = gx.data(), *gap = ga.data(), *gbp = gb.data();
  for (auto _ : st) {
    float value = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : value)
    for (int64_t i = 0; i < n; ++i) {
      const float r = std::sqrt(xp[i] * xp[i] + ap[i] * ap[i]);
      const float e = std::exp(-bp[i] * xp[i]);
      value += r * e + std::sin(xp[i]);
      // cos as a shifted sin: GCC merges sin(x) and cos(x) into a scalar sincosf call that
      // no vector library provides, which would leave this loop unvectorized.
      gxp[i] = xp[i] / r * e - bp[i] * r * e + std::sin(xp[i] + 1.57079633f);
      gap[i] = ap[i] / r * e;
      gbp[i] = -xp[i] * r * e;
    }
    benchmark::DoNotOptimize(value);
    benchmark::ClobberMemory();
  }
  bench::throughput(st, n, 24);
}
BENCHMARK(grad_hand)->Arg(10'000'000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Kernels launched per step, the most memory any step held, and of that what the step made
// beyond the buffers alive at its start (inputs and parameters): its intermediates, the
// figure the hand version reports.
struct StepCounters {
  uint64_t launches = 0, peak = 0, made = 0, steps = 0;
  uint64_t at_start = 0;
  void start() {
    kiln::reset_stats();
    at_start = kiln::stats().peak_bytes;  // reset_stats starts the peak at what is alive
  }
  void add(const kiln::Stats& s) {
    launches += s.kernels_launched;
    peak = std::max<uint64_t>(peak, s.peak_bytes);
    made = std::max<uint64_t>(made, s.peak_bytes - at_start);
    ++steps;
  }
  void report(benchmark::State& st) const {
    st.counters["launches"] = static_cast<double>(launches) / static_cast<double>(steps);
    st.counters["peak_MB"] = static_cast<double>(peak) / 1e6;
    st.counters["intermediates_MB"] = static_cast<double>(made) / 1e6;
  }
};

struct Inputs {
  Array x, a, b;
  explicit Inputs(int64_t n)
      : x(kiln::array(bench::host(n, bench::x_value))),
        a(kiln::array(bench::host(n, bench::a_value))),
        b(kiln::array(bench::host(n, bench::b_value))) {
    kiln::eval({x, a, b});
  }
};

Array objective(const Array& x, const Array& a, const Array& b) {
  return kiln::sum(kiln::sqrt(x * x + a * a) * kiln::exp(-b * x) + kiln::sin(x));
}

void grad_kiln(benchmark::State& st) {
  const Inputs in(st.range(0));
  StepCounters counters;
  for (auto _ : st) {
    counters.start();
    auto [value, g] = kiln::value_and_grad(objective, {0, 1, 2})(in.x, in.a, in.b);
    kiln::eval({value, g[0], g[1], g[2]});
    benchmark::DoNotOptimize(g[2].data<float>());
    counters.add(kiln::stats());
  }
  counters.report(st);
  bench::throughput(st, st.range(0), 24);
}
BENCHMARK(grad_kiln)->Arg(10'000'000)->UseRealTime()->Unit(benchmark::kMicrosecond);

void grad_forward(benchmark::State& st) {
  const Inputs in(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(objective(in.x, in.a, in.b).item<float>());
  bench::throughput(st, st.range(0), 12);
}
BENCHMARK(grad_forward)->Arg(10'000'000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// ---- 2-layer MLP -------------------------------------------------------------------------------

constexpr int64_t kBatch = 256, kIn = 784, kHidden = 256, kOut = 10;
constexpr float kRate = 0.05f;

struct MlpData {
  std::vector<float> x, onehot, w1, b1, w2, b2;
  MlpData() {
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    auto fill = [&](std::vector<float>& v, size_t n, float scale) {
      v.resize(n);
      for (float& e : v) e = scale * normal(rng);
    };
    fill(x, kBatch * kIn, 1.0f);
    fill(w1, kIn * kHidden, 0.05f);
    fill(w2, kHidden * kOut, 0.1f);
    b1.assign(kHidden, 0.0f);
    b2.assign(kOut, 0.0f);
    onehot.assign(kBatch * kOut, 0.0f);
    for (int64_t i = 0; i < kBatch; ++i) onehot[static_cast<size_t>(i * kOut + i % kOut)] = 1.0f;
  }
};

Array mlp_loss(const Array& x, const Array& onehot, const Array& w1, const Array& b1,
               const Array& w2, const Array& b2) {
  const Array h = kiln::tanh(kiln::matmul(x, w1) + b1);
  const Array logits = kiln::matmul(h, w2) + b2;
  const Array m = kiln::stop_gradient(kiln::max(logits, 1, true));
  const Array lse = kiln::log(kiln::sum(kiln::exp(logits - m), 1, true)) + m;
  return kiln::mean(kiln::sum((lse - logits) * onehot, 1));
}

void mlp_kiln(benchmark::State& st) {
  const MlpData d;
  const Array x = kiln::array(d.x, {kBatch, kIn}), y = kiln::array(d.onehot, {kBatch, kOut});
  Array w1 = kiln::array(d.w1, {kIn, kHidden}), b1 = kiln::array(d.b1);
  Array w2 = kiln::array(d.w2, {kHidden, kOut}), b2 = kiln::array(d.b2);
  kiln::eval({x, y, w1, b1, w2, b2});
  auto loss = [&](const Array& a, const Array& b, const Array& c, const Array& e) {
    return mlp_loss(x, y, a, b, c, e);
  };
  StepCounters counters;
  for (auto _ : st) {
    counters.start();
    auto [value, g] = kiln::value_and_grad(loss, {0, 1, 2, 3})(w1, b1, w2, b2);
    w1 = w1 - kRate * g[0];
    b1 = b1 - kRate * g[1];
    w2 = w2 - kRate * g[2];
    b2 = b2 - kRate * g[3];
    kiln::eval({value, w1, b1, w2, b2});
    benchmark::DoNotOptimize(value.item<float>());
    counters.add(kiln::stats());
  }
  counters.report(st);
}
BENCHMARK(mlp_kiln)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The same step by hand: three GEMMs forward/back each way through OpenBLAS, the rest in loops.
void mlp_hand(benchmark::State& st) {
  MlpData d;
  std::vector<float> h(kBatch * kHidden), logits(kBatch * kOut), dlogits(kBatch * kOut),
      dh(kBatch * kHidden), dw1(kIn * kHidden), dw2(kHidden * kOut), db1(kHidden), db2(kOut);
  const int64_t intermediates =
      static_cast<int64_t>((h.size() + logits.size() + dlogits.size() + dh.size() + dw1.size() +
                            dw2.size() + db1.size() + db2.size()) *
                           sizeof(float));
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kBatch, kHidden, kIn, 1.0f, d.x.data(),
                kIn, d.w1.data(), kHidden, 0.0f, h.data(), kHidden);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < kBatch; ++i)
      for (int64_t j = 0; j < kHidden; ++j)
        h[i * kHidden + j] = std::tanh(h[i * kHidden + j] + d.b1[j]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kBatch, kOut, kHidden, 1.0f, h.data(),
                kHidden, d.w2.data(), kOut, 0.0f, logits.data(), kOut);
    double loss = 0;
    for (int64_t i = 0; i < kBatch; ++i) {
      float* l = &logits[i * kOut];
      float m = -INFINITY;
      for (int64_t j = 0; j < kOut; ++j) m = std::max(m, l[j] += d.b2[j]);
      float s = 0;
      for (int64_t j = 0; j < kOut; ++j) s += std::exp(l[j] - m);
      const float lse = std::log(s) + m;
      for (int64_t j = 0; j < kOut; ++j) {
        const float y = d.onehot[i * kOut + j];
        loss += (lse - l[j]) * y;
        dlogits[i * kOut + j] = (std::exp(l[j] - lse) - y) / kBatch;
      }
    }
    benchmark::DoNotOptimize(loss);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kHidden, kOut, kBatch, 1.0f, h.data(),
                kHidden, dlogits.data(), kOut, 0.0f, dw2.data(), kOut);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, kBatch, kHidden, kOut, 1.0f,
                dlogits.data(), kOut, d.w2.data(), kOut, 0.0f, dh.data(), kHidden);
    std::fill(db2.begin(), db2.end(), 0.0f);
    for (int64_t i = 0; i < kBatch; ++i)
      for (int64_t j = 0; j < kOut; ++j) db2[j] += dlogits[i * kOut + j];
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < kBatch * kHidden; ++i) dh[i] *= 1.0f - h[i] * h[i];
    std::fill(db1.begin(), db1.end(), 0.0f);
    for (int64_t i = 0; i < kBatch; ++i)
      for (int64_t j = 0; j < kHidden; ++j) db1[j] += dh[i * kHidden + j];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kIn, kHidden, kBatch, 1.0f, d.x.data(),
                kIn, dh.data(), kHidden, 0.0f, dw1.data(), kHidden);
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < kIn * kHidden; ++i) d.w1[i] -= kRate * dw1[i];
    for (int64_t i = 0; i < kHidden * kOut; ++i) d.w2[i] -= kRate * dw2[i];
    for (int64_t j = 0; j < kHidden; ++j) d.b1[j] -= kRate * db1[j];
    for (int64_t j = 0; j < kOut; ++j) d.b2[j] -= kRate * db2[j];
    benchmark::ClobberMemory();
  }
  st.counters["intermediates_MB"] = static_cast<double>(intermediates) / 1e6;
}
BENCHMARK(mlp_hand)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  return bench::main_with_passive_openmp(argc, argv);
}
