// kiln on the benchmark cases (evaluated, kernel cache warm), and kiln's fixed costs.
#include <kiln/kiln.hpp>

#include "bench_common.hpp"

using kiln::Array;

namespace {

Array input(int64_t n, float (*f)(int64_t)) {
  const auto v = bench::host(n, f);
  return kiln::array(v);
}

void kiln_axpb(benchmark::State& st) {
  const int64_t n = st.range(0);
  const Array x = input(n, bench::x_value), a = input(n, bench::a_value),
              b = input(n, bench::b_value);
  (a * x + b).eval();  // warm-up: compile, and fault the output memory in untimed
  for (auto _ : st) {
    Array y = a * x + b;
    benchmark::DoNotOptimize(y.eval().data<float>());
  }
  bench::throughput(st, n, 16);
}
BENCHMARK(kiln_axpb)->Apply(bench::vector_sizes);

void kiln_long(benchmark::State& st) {
  const int64_t n = st.range(0);
  const Array x = input(n, bench::x_value), a = input(n, bench::a_value),
              b = input(n, bench::b_value);
  (kiln::sqrt(x * x + a * a) * kiln::exp(-b * x) + kiln::sin(x)).eval();  // warm-up
  for (auto _ : st) {
    Array y = kiln::sqrt(x * x + a * a) * kiln::exp(-b * x) + kiln::sin(x);
    benchmark::DoNotOptimize(y.eval().data<float>());
  }
  bench::throughput(st, n, 16);
}
BENCHMARK(kiln_long)->Apply(bench::vector_sizes);

void kiln_sum(benchmark::State& st) {
  const int64_t n = st.range(0);
  const Array x = input(n, bench::x_value);
  kiln::sum(x * x + 1.f).eval();  // warm-up
  for (auto _ : st) benchmark::DoNotOptimize(kiln::sum(x * x + 1.f).item<float>());
  bench::throughput(st, n, 4);
}
BENCHMARK(kiln_sum)->Apply(bench::vector_sizes);

void kiln_sum_axis(benchmark::State& st) {
  const int64_t n = bench::kMatrix;
  const Array m = input(n * n, bench::x_value).reshape({n, n});
  const int axis = static_cast<int>(st.range(0));
  kiln::sum(m, axis).eval();  // warm-up
  for (auto _ : st) {
    Array s = kiln::sum(m, axis);
    benchmark::DoNotOptimize(s.eval().data<float>());
  }
  bench::throughput(st, n * n, 4);
}
BENCHMARK(kiln_sum_axis)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Fixed cost: recording one operation (no evaluation).
void kiln_trace_op(benchmark::State& st) {
  const Array x = kiln::array(std::vector<float>(16, 1.f));
  for (auto _ : st) {
    Array y = x;
    for (int i = 0; i < 100; ++i) y = y + x;
    benchmark::DoNotOptimize(y.node());
  }
  st.SetItemsProcessed(st.iterations() * 100);
}
BENCHMARK(kiln_trace_op)->Unit(benchmark::kMicrosecond);

// A 20-op expression of two arrays and scalars.
Array expr20(const Array& x, const Array& y) {
  Array r = x;
  for (int i = 0; i < 5; ++i) r = kiln::exp(r * 0.5f + y) - r * y;
  return r;
}

// Fixed cost: trace + cache lookup + launch + read of a 20-op expression at n = 16.
void kiln_hit20(benchmark::State& st) {
  const Array x = kiln::array(std::vector<float>(16, 0.5f)),
              y = kiln::array(std::vector<float>(16, 0.25f));
  expr20(x, y).eval();  // compile once
  for (auto _ : st) benchmark::DoNotOptimize(expr20(x, y).item<float>(3));
}
BENCHMARK(kiln_hit20)->Unit(benchmark::kMicrosecond);

// The same expression as a kiln::compile function: bind the inputs, launch the captured plan,
// read (no trace, no plan lookup).
void kiln_compiled20(benchmark::State& st) {
  const Array x = kiln::array(std::vector<float>(16, 0.5f)),
              y = kiln::array(std::vector<float>(16, 0.25f));
  const auto f = kiln::compile(expr20);
  f(x, y).eval();  // trace once
  for (auto _ : st) benchmark::DoNotOptimize(f(x, y).item<float>(3));
}
BENCHMARK(kiln_compiled20)->Unit(benchmark::kMicrosecond);

// The launch alone: the captured plan's one kernel on 16 elements, through the CPU backend.
void kiln_compiled20_no_read(benchmark::State& st) {
  const Array x = kiln::array(std::vector<float>(16, 0.5f)),
              y = kiln::array(std::vector<float>(16, 0.25f));
  const auto f = kiln::compile(expr20);
  f(x, y).eval();
  for (auto _ : st) benchmark::DoNotOptimize(f(x, y).node());
}
BENCHMARK(kiln_compiled20_no_read)->Unit(benchmark::kMicrosecond);

// A 20-op chain whose structure is variant number `v` (each op one of four, by v's digits).
Array chain20(const Array& x, const Array& y, int v) {
  Array r = x;
  for (int i = 0; i < 20; ++i, v /= 4) {
    switch (v % 4) {
      case 0:
        r = r + y;
        break;
      case 1:
        r = r * y;
        break;
      case 2:
        r = kiln::maximum(r, y);
        break;
      default:
        r = r - y;
        break;
    }
  }
  return r;
}

// Compile cost of new 20-op kernels in a warm process (each iteration a structure never seen).
void kiln_compile20(benchmark::State& st) {
  kiln::set_cache_dir("");  // measure compiles, not disk hits
  const Array x = kiln::array(std::vector<float>(16, 0.5f)),
              y = kiln::array(std::vector<float>(16, 0.25f));
  int variant = 1 << 12;
  for (auto _ : st) {
    const kiln::Stats before = kiln::stats();
    benchmark::DoNotOptimize(chain20(x, y, variant++).item<float>(0));
    st.counters["compile_ms"] = (kiln::stats().compile_seconds - before.compile_seconds) * 1e3;
  }
}
BENCHMARK(kiln_compile20)->Iterations(30)->Unit(benchmark::kMillisecond);

// A 200-op chain of variant `v` (ten 20-op chains, one after the other).
Array chain200(const Array& x, const Array& y, int v) {
  Array r = x;
  for (int k = 0; k < 10; ++k) r = chain20(r, y, v + k * 7919);
  return r;
}

// Compile cost of new 200-op kernels in a warm process.
void kiln_compile200(benchmark::State& st) {
  kiln::set_cache_dir("");
  const Array x = kiln::array(std::vector<float>(16, 0.5f)),
              y = kiln::array(std::vector<float>(16, 0.25f));
  int variant = 1 << 20;
  for (auto _ : st) {
    const kiln::Stats before = kiln::stats();
    benchmark::DoNotOptimize(chain200(x, y, variant++).item<float>(0));
    st.counters["compile_ms"] = (kiln::stats().compile_seconds - before.compile_seconds) * 1e3;
  }
}
BENCHMARK(kiln_compile200)->Iterations(10)->Unit(benchmark::kMillisecond);

// Eight new 20-op kernels (of eight shapes: they never fuse) in one sync, compiled in parallel
// (arg 1), or one sync after the other (arg 0).
void kiln_compile8(benchmark::State& st) {
  kiln::set_cache_dir("");
  std::vector<Array> xs, ys;
  for (int k = 0; k < 8; ++k) {
    xs.push_back(kiln::full({16 + k}, 0.5f).eval());
    ys.push_back(kiln::full({16 + k}, 0.25f).eval());
  }
  int variant = (1 << 24) + static_cast<int>(st.range(0)) * (1 << 22);
  for (auto _ : st) {
    std::vector<Array> outs;
    for (int k = 0; k < 8; ++k) outs.push_back(chain20(xs[k], ys[k], variant++));
    if (st.range(0) == 1)
      kiln::eval(outs);
    else
      for (const Array& o : outs) o.eval();
  }
}
BENCHMARK(kiln_compile8)->Arg(0)->Arg(1)->Iterations(8)->Unit(benchmark::kMillisecond);

// A loop of small steps (1e5 elements, a 20-op step, 100 steps a round) evaluated with eval()
// (arg 0) or eval_async() (arg 1).
void kiln_step_loop(benchmark::State& st) {
  const Array y = kiln::full({100000}, 0.25f).eval();
  for (auto _ : st) {
    Array x = kiln::full({100000}, 0.5f).eval();
    for (int i = 0; i < 100; ++i) {
      x = expr20(x, y) * 1e-3f;
      if (st.range(0) == 1)
        kiln::eval_async({x});
      else
        x.eval();
    }
    benchmark::DoNotOptimize(x.item<float>(0));
  }
}
BENCHMARK(kiln_step_loop)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
