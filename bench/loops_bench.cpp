// numpy-style loops under implicit laziness (issue: loops must not recompute their history, and
// compile only once): each pattern at growing step counts, run the way numpy code runs it,
// against bench/numpy_loops.py running the same loop. Also Black-Scholes as one expression and
// with named intermediates (live handles are stored: that must cost little).
//
// With --compile-chain the program instead prints, as JSON lines, the time of a first sync of a
// pending chain of N ops in a fresh process (planning and compiling included), for the
// per-op compile cost.
#include <kiln/kiln.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

using namespace kiln;

namespace {

// Runs `body` once untimed (it plans and compiles: a loop's steady state is what is measured;
// first-run costs are --compile-chain's), then once per benchmark iteration.
template <class F>
void timed(benchmark::State& st, F&& body) {
  body();
  for (auto _ : st) body();
}

void steps(benchmark::internal::Benchmark* b) {
  for (int64_t n : {10, 30, 100, 300}) b->Arg(n);
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// 1. v = v * 0.5 + 1; v.sum() each step.
void loops_carried(benchmark::State& st) {
  const int64_t n = st.range(0);
  timed(st, [&] {
    Array v = arange(1000, float64);
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      v = v * 0.5 + 1.0;
      total += kiln::sum(v).item<double>();
    }
    benchmark::DoNotOptimize(total);
  });
}
BENCHMARK(loops_carried)->Apply(steps);

// 2. a = a + a[:, i, None] * 0.5 + a[i] * 0.25 (64 x 64), never synced inside the loop.
void loops_views(benchmark::State& st) {
  const int64_t n = std::min<int64_t>(st.range(0), 64);
  timed(st, [&] {
    Array a = arange(64 * 64, float64).reshape({64, 64});
    for (int64_t i = 0; i < n; ++i) a = a + a[{slice(), i, newaxis}] * 0.5 + a[{i}] * 0.25;
    benchmark::DoNotOptimize(a.eval().data<double>());
  });
}
BENCHMARK(loops_views)->Arg(10)->Arg(30)->Arg(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Floyd-Warshall on n nodes: d = minimum(d, d[:, k, None] + d[k, None, :]) for every k.
void loops_floyd(benchmark::State& st) {
  const int64_t n = st.range(0);
  Array d0 = random::uniform({n, n}, 0.0, 10.0, float64);
  d0.eval();
  timed(st, [&] {
    Array d = d0;
    for (int64_t k = 0; k < n; ++k)
      d = minimum(d, d[{slice(), k, newaxis}] + d[{k, newaxis, slice()}]);
    benchmark::DoNotOptimize(d.eval().data<double>());
  });
}
BENCHMARK(loops_floyd)->Arg(50)->Arg(100)->Arg(200)->UseRealTime()->Unit(benchmark::kMicrosecond);

// 3. trace = trace + tanh(a[i, i]), one sync at the end.
void loops_chain(benchmark::State& st) {
  const int64_t n = st.range(0);
  Array a = random::uniform({n, n}, 0.0, 1.0, float64);
  a.eval();
  timed(st, [&] {
    Array trace = full({}, 0.0, float64);
    for (int64_t i = 0; i < n; ++i) trace = trace + kiln::tanh(a[{i, i}]);
    benchmark::DoNotOptimize(trace.item<double>());
  });
}
BENCHMARK(loops_chain)
    ->Arg(100)
    ->Arg(300)
    ->Arg(1000)
    ->Arg(3000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// 4. N arrays base * i + 1 evaluated by one eval({...}).
void loops_wide(benchmark::State& st) {
  const int64_t n = st.range(0);
  Array base = arange(1000, float64);
  base.eval();
  timed(st, [&] {
    std::vector<Array> outs;
    outs.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) outs.push_back(base * static_cast<double>(i) + 1.0);
    kiln::eval(outs);
    benchmark::DoNotOptimize(outs.back().data<double>());
  });
}
BENCHMARK(loops_wide)->Arg(250)->Arg(1000)->Arg(4000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// n-body time stepping (256 bodies), an energy matmul forcing a sync every step.
void loops_nbody(benchmark::State& st) {
  const int64_t n = st.range(0), bodies = 256;
  Array pos0 = random::uniform({bodies, 3}, 0.0, 1.0, float64);
  Array mass = random::uniform({bodies, 1}, 0.5, 1.0, float64);
  eval({pos0, mass});
  timed(st, [&] {
    Array pos = pos0, vel = zeros({bodies, 3}, float64);
    double energy = 0;
    for (int64_t s = 0; s < n; ++s) {
      Array d = pos[{newaxis, slice(), slice()}] - pos[{slice(), newaxis, slice()}];
      Array r2 = kiln::sum(d * d, {2}) + 0.01;
      Array inv = 1.0 / (r2 * kiln::sqrt(r2));
      Array acc = kiln::sum(d * inv[{slice(), slice(), newaxis}], {1});
      vel = vel + acc * 0.01;
      pos = pos + vel * 0.01;
      energy += matmul(transpose(mass), kiln::sum(vel * vel, {1}, true)).item<double>();
    }
    benchmark::DoNotOptimize(energy);
  });
}
BENCHMARK(loops_nbody)->Arg(10)->Arg(30)->Arg(100)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Matrix-vector products (BLAS gemv): A @ x and x @ A, float64, evaluated each iteration.
void matvec(benchmark::State& st) {
  const int64_t n = st.range(0);
  Array a = random::uniform({n, n}, 0.0, 1.0, float64), x = random::uniform({n}, 0.0, 1.0, float64);
  eval({a, x});
  timed(st, [&] {
    Array y = matmul(a, x), z = matmul(x, a);
    kiln::eval({y, z});
    benchmark::DoNotOptimize(z.data<double>());
  });
}
BENCHMARK(matvec)->Arg(500)->Arg(2000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// A sparse (CSR) matrix-vector product written as a loop over rows, 16 nonzeros a row.
void loops_sparse_rows(benchmark::State& st) {
  const int64_t n = st.range(0), per = 16;
  std::vector<int64_t> indptr{0}, indices;
  std::vector<double> values;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < per; ++k) {
      indices.push_back((i * 7 + k * 131) % n);
      values.push_back(1.0 / static_cast<double>(1 + k));
    }
    indptr.push_back(static_cast<int64_t>(indices.size()));
  }
  Array ind = array(indices), val = array(values), x = random::uniform({n}, 0.0, 1.0, float64);
  eval({ind, val, x});
  timed(st, [&] {
    std::vector<Array> rows;
    rows.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t lo = indptr[i], hi = indptr[i + 1];
      rows.push_back(dot(val[{slice(lo, hi)}], take(x, ind[{slice(lo, hi)}])));
    }
    Array y = stack(rows);
    benchmark::DoNotOptimize(y.eval().data<double>());
  });
}
BENCHMARK(loops_sparse_rows)->Arg(500)->Arg(2000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// A table built column by column (numpy's column_stack): each column's kernel stores it into a
// strided window of the table, which the sum reads in the same sync.
void loops_columns(benchmark::State& st) {
  const int64_t n = st.range(0);
  Array t = linspace(0.0, 1.0, 1000, float64);
  t.eval();
  timed(st, [&] {
    std::vector<Array> cols;
    cols.reserve(static_cast<size_t>(n));
    for (int64_t c = 0; c < n; ++c)
      cols.push_back(kiln::sin(t * static_cast<double>(c)) + static_cast<double>(c));
    benchmark::DoNotOptimize(kiln::sum(stack(cols, 1)).item<double>());
  });
}
BENCHMARK(loops_columns)->Arg(10)->Arg(100)->Arg(400)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Black-Scholes call and put, 1M options, float32: one expression per result, and the same
// written with named intermediates (which stay alive, so a sync stores what the other result
// still reads).
struct Options {
  Array s, k, t;
};
Options options(int64_t n) {
  Options o{random::uniform({n}, 5.0, 30.0), random::uniform({n}, 1.0, 100.0),
            random::uniform({n}, 0.25, 10.0)};
  eval({o.s, o.k, o.t});
  return o;
}
constexpr float kRate = 0.02f, kVol = 0.30f;

Array cnd(const Array& x) {
  return 0.5f * (1.0f + kiln::erf(x * 0.70710678f));
}

void black_scholes_expression(benchmark::State& st) {
  const Options o = options(st.range(0));
  timed(st, [&] {
    Array call = o.s * cnd((kiln::log(o.s / o.k) + (kRate + 0.5f * kVol * kVol) * o.t) /
                           (kVol * kiln::sqrt(o.t))) -
                 o.k * kiln::exp(-kRate * o.t) *
                     cnd((kiln::log(o.s / o.k) + (kRate - 0.5f * kVol * kVol) * o.t) /
                         (kVol * kiln::sqrt(o.t)));
    Array put = o.k * kiln::exp(-kRate * o.t) *
                    cnd(-((kiln::log(o.s / o.k) + (kRate - 0.5f * kVol * kVol) * o.t) /
                          (kVol * kiln::sqrt(o.t)))) -
                o.s * cnd(-((kiln::log(o.s / o.k) + (kRate + 0.5f * kVol * kVol) * o.t) /
                            (kVol * kiln::sqrt(o.t))));
    kiln::eval({call, put});
    benchmark::DoNotOptimize(put.data<float>());
  });
}
BENCHMARK(black_scholes_expression)->Arg(1'000'000)->UseRealTime()->Unit(benchmark::kMicrosecond);

void black_scholes_named(benchmark::State& st) {
  const Options o = options(st.range(0));
  timed(st, [&] {
    auto sqrt_t = kiln::sqrt(o.t);
    auto d1 = (kiln::log(o.s / o.k) + (kRate + 0.5f * kVol * kVol) * o.t) / (kVol * sqrt_t);
    auto d2 = d1 - kVol * sqrt_t;
    auto discount = o.k * kiln::exp(-kRate * o.t);
    auto call = o.s * cnd(d1) - discount * cnd(d2);
    auto put = discount * cnd(-d2) - o.s * cnd(-d1);
    kiln::eval({call, put});
    benchmark::DoNotOptimize(put.data<float>());
  });
}
BENCHMARK(black_scholes_named)->Arg(1'000'000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Launches and bytes of new buffers per step of one run of `body` (`steps` steps), as counters:
// an update that copied its whole array each step would show here.
template <class F>
void count_per_step(benchmark::State& st, int64_t steps, F&& body) {
  kiln::reset_stats();
  body();
  const Stats s = kiln::stats();
  st.counters["launches_per_step"] = static_cast<double>(s.kernels_launched) / steps;
  st.counters["bytes_per_step"] = static_cast<double>(s.bytes_allocated) / steps;
}

// A symmetric positive definite n x n matrix: m m^T / n plus n on the diagonal.
Array spd(int64_t n) {
  Array m = random::uniform({n, n}, 0.0, 1.0, float64);
  Array i = arange(n, int64);
  Array a = matmul(m, m.T()) / static_cast<double>(n) +
            where(i[{slice(), newaxis}] == i[{newaxis, slice()}], static_cast<double>(n), 0.0);
  return a.eval();
}

// Cholesky as numpy writes it, column by column: each step updates the diagonal element and the
// column below it (a strided window) of a matrix that nothing else holds, so it runs in place.
// (Holding a view of the matrix across an update, `Array row = a[{j, slice(0, j)}]`, would make
// the update copy the matrix: the view must keep its values.)
void updates_cholesky(benchmark::State& st) {
  const int64_t n = st.range(0);
  const Array a0 = spd(n);
  auto body = [&] {
    Array a = a0;  // the first update copies it (a0 is held), as numpy's a0.copy()
    for (int64_t j = 0; j < n; ++j) {
      a[{j, j}] = kiln::sqrt(a[{j, j}] - dot(a[{j, slice(0, j)}], a[{j, slice(0, j)}]));
      if (j + 1 < n)
        a[{slice(j + 1, none), j}] =
            (a[{slice(j + 1, none), j}] -
             matmul(a[{slice(j + 1, none), slice(0, j)}], a[{j, slice(0, j)}])) /
            a[{j, j}];
    }
    benchmark::DoNotOptimize(a.eval().data<double>());
  };
  count_per_step(st, n, body);
  timed(st, body);
}
BENCHMARK(updates_cholesky)->Arg(250)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Jacobi's 5-point stencil (polybench jacobi-2d): each step assigns the interior of b from a's
// neighbours and then a's from b's, with no sync until the end. Each assignment is one kernel
// storing into the interior window of the array's own buffer.
void updates_stencil(benchmark::State& st) {
  const int64_t n = st.range(0), steps = 20;
  const Array a0 = random::uniform({n, n}, 0.0, 1.0, float64).eval();
  const Array b0 = random::uniform({n, n}, 0.0, 1.0, float64).eval();
  auto body = [&] {
    Array a = a0, b = b0;
    const Slice in = slice(1, -1), lo = slice(0, -2), hi = slice(2, none);
    for (int64_t t = 0; t < steps; ++t) {
      b[{in, in}] = 0.2 * (a[{in, in}] + a[{in, lo}] + a[{in, hi}] + a[{hi, in}] + a[{lo, in}]);
      a[{in, in}] = 0.2 * (b[{in, in}] + b[{in, lo}] + b[{in, hi}] + b[{hi, in}] + b[{lo, in}]);
    }
    benchmark::DoNotOptimize(a.eval().data<double>());
  };
  count_per_step(st, steps, body);
  timed(st, body);
}
BENCHMARK(updates_stencil)->Arg(250)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Advanced indexing against numpy's (one sync each): a gather by an index array, two index
// arrays into a matrix, a mask selection, and a mask assignment written numpy's way (which reads
// the mask, as numpy's does) and as kiln::at(...).set (where(mask, 0, a): nothing is read).
struct IndexData {
  Array a, idx, rows, cols, m;
};
IndexData index_data(int64_t n) {
  return {random::uniform({n}, 0.0, 1.0, float64).eval(), random::randint(0, n, {n}).eval(),
          random::randint(0, 1000, {n}).eval(), random::randint(0, 1000, {n}).eval(),
          random::uniform({1000, 1000}, 0.0, 1.0, float64).eval()};
}
void index_bench(benchmark::internal::Benchmark* b) {
  b->Arg(100000)->Arg(1000000)->UseRealTime()->Unit(benchmark::kMicrosecond);
}
void indexing_gather(benchmark::State& st) {
  const IndexData d = index_data(st.range(0));
  timed(st, [&] { benchmark::DoNotOptimize(kiln::sum(d.a[{d.idx}]).item<double>()); });
}
BENCHMARK(indexing_gather)->Apply(index_bench);
void indexing_two_arrays(benchmark::State& st) {
  const IndexData d = index_data(st.range(0));
  timed(st, [&] { benchmark::DoNotOptimize(kiln::sum(d.m[{d.rows, d.cols}]).item<double>()); });
}
BENCHMARK(indexing_two_arrays)->Apply(index_bench);
void indexing_mask_select(benchmark::State& st) {
  const IndexData d = index_data(st.range(0));
  timed(st, [&] { benchmark::DoNotOptimize(kiln::sum(d.a[{d.a > 0.5}]).item<double>()); });
}
BENCHMARK(indexing_mask_select)->Apply(index_bench);
void indexing_mask_assign(benchmark::State& st) {
  const IndexData d = index_data(st.range(0));
  timed(st, [&] {
    Array z = d.a;
    z[{z > 0.5}] = 0.0;
    benchmark::DoNotOptimize(kiln::sum(z).item<double>());
  });
}
BENCHMARK(indexing_mask_assign)->Apply(index_bench);
void indexing_mask_at_set(benchmark::State& st) {
  const IndexData d = index_data(st.range(0));
  timed(st,
        [&] { benchmark::DoNotOptimize(kiln::sum(at(d.a, {d.a > 0.5}).set(0.0)).item<double>()); });
}
BENCHMARK(indexing_mask_at_set)->Apply(index_bench);

// The first sync of an n-op pending chain in this process: tracing, planning and compiling.
int compile_chain(int64_t n) {
  set_cache_dir("");
  Array a = random::uniform({n, n}, 0.0, 1.0, float64);
  a.eval();
  const auto start = std::chrono::steady_clock::now();
  Array trace = full({}, 0.0, float64);
  for (int64_t i = 0; i < n; ++i) trace = trace + kiln::tanh(a[{i, i}]);
  const double value = trace.item<double>();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"chain_ops\": %lld, \"first_sync_ms\": %.3f, \"kernels_compiled\": %llu, "
      "\"value\": %.6f}\n",
      static_cast<long long>(n), ms,
      static_cast<unsigned long long>(kiln::stats().kernels_compiled), value);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--compile-chain") == 0)
    return compile_chain(std::atoll(argv[2]));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
