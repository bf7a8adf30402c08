// Eigen (expression templates, vectorized, one thread) on the same cases.
#include <Eigen/Core>

#include "bench_common.hpp"

namespace {

using Vec = Eigen::ArrayXf;
using RowMajor = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Vec input(int64_t n, float (*f)(int64_t)) {
  Vec v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = f(i);
  return v;
}

void eigen_axpb(benchmark::State& st) {
  const int64_t n = st.range(0);
  const Vec x = input(n, bench::x_value), a = input(n, bench::a_value),
            b = input(n, bench::b_value);
  Vec y = Vec::Zero(n);  // touched before timing
  for (auto _ : st) {
    y = a * x + b;
    benchmark::DoNotOptimize(y.data());
  }
  bench::throughput(st, n, 16);
}
BENCHMARK(eigen_axpb)->Apply(bench::vector_sizes);

void eigen_long(benchmark::State& st) {
  const int64_t n = st.range(0);
  const Vec x = input(n, bench::x_value), a = input(n, bench::a_value),
            b = input(n, bench::b_value);
  Vec y = Vec::Zero(n);
  for (auto _ : st) {
    y = (x * x + a * a).sqrt() * (-b * x).exp() + x.sin();
    benchmark::DoNotOptimize(y.data());
  }
  bench::throughput(st, n, 16);
}
BENCHMARK(eigen_long)->Apply(bench::vector_sizes);

void eigen_sum(benchmark::State& st) {
  const int64_t n = st.range(0);
  const Vec x = input(n, bench::x_value);
  for (auto _ : st) benchmark::DoNotOptimize((x * x + 1.f).sum());
  bench::throughput(st, n, 4);
}
BENCHMARK(eigen_sum)->Apply(bench::vector_sizes);

void eigen_sum_axis(benchmark::State& st) {
  const int64_t n = bench::kMatrix;
  RowMajor m(n, n);
  for (int64_t i = 0; i < n * n; ++i) m.data()[i] = bench::x_value(i);
  Eigen::ArrayXf out = Eigen::ArrayXf::Zero(n);
  for (auto _ : st) {
    if (st.range(0) == 0)
      out = m.colwise().sum().transpose();
    else
      out = m.rowwise().sum();
    benchmark::DoNotOptimize(out.data());
  }
  bench::throughput(st, n * n, 4);
}
BENCHMARK(eigen_sum_axis)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
