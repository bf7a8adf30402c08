// Implicit laziness that is safe for numpy-style loops (passes/materialize.hpp): loop-carried
// arrays are stored instead of recomputed from their history, recomputation through views is
// bounded, kernels have a size bound, the pending graph is evaluated automatically, and loops
// compile only in their first iterations. Work is measured with kiln::stats() counters (kernels,
// IR instructions, planner node visits), never with the clock.
#include "helpers.hpp"

#include <cmath>
#include <vector>

#include "passes/materialize.hpp"
#include "runtime/context.hpp"

using namespace kiln;
using kiln_test::expect_error;

namespace {

// Kernels this process had to build or load from disk (the test cache may hold them already).
uint64_t new_kernels(const Stats& s) {
  return s.kernels_compiled + s.disk_cache_hits;
}

// The per-iteration counters of a loop body run `steps` times.
struct Steps {
  std::vector<Stats> each;
};
template <class F>
Steps run_steps(int steps, F&& body) {
  Steps out;
  for (int i = 0; i < steps; ++i) {
    kiln::reset_stats();
    body(i);
    out.each.push_back(kiln::stats());
  }
  return out;
}

}  // namespace

TEST(Laziness, LoopCarriedArrayIsStoredAndTheLoopCompilesOnce) {
  auto v = arange(1000, float64);
  v.eval();
  std::vector<double> want(1000);
  for (int k = 0; k < 1000; ++k) want[k] = k;
  const Steps s = run_steps(30, [&](int) {
    v = v * 0.5 + 1.0;
    for (double& w : want) w = w * 0.5 + 1.0;
    double total = 0;
    for (double w : want) total += w;
    EXPECT_NEAR(kiln::sum(v).item<double>(), total, 1e-9 * total);
  });
  for (size_t i = 2; i < s.each.size(); ++i) {
    EXPECT_EQ(new_kernels(s.each[i]), 0u) << "iteration " << i;
    EXPECT_EQ(s.each[i].plans_built, 0u) << "iteration " << i;
    EXPECT_EQ(s.each[i].kernels_launched, s.each[2].kernels_launched) << "iteration " << i;
    EXPECT_EQ(s.each[i].arrays_kept, 1u) << "iteration " << i;
  }
  EXPECT_LE(s.each[2].kernels_launched, 2u);
  const std::vector<double> got = v.to_vector<double>();
  for (int k = 0; k < 1000; ++k) EXPECT_NEAR(got[k], want[k], 1e-12 * want[k]);
}

TEST(Laziness, ATemporaryOfTheSyncingStatementIsNotStored) {
  auto x = random::uniform({4096}, 0.0, 1.0, float64);
  auto y = random::uniform({4096}, 0.0, 1.0, float64);
  eval({x, y});
  for (int i = 0; i < 3; ++i) {
    kiln::reset_stats();
    (void)kiln::sum(x * y).item<double>();  // x * y is alive during the sync: still fused
    EXPECT_EQ(kiln::stats().kernels_launched, 1u);
    EXPECT_EQ(kiln::stats().arrays_kept, 0u);
  }
}

TEST(Laziness, ANamedArrayNeededByASecondSyncIsStoredThere) {
  auto x = linspace(0.0, 1.0, 1000, float64);
  auto t = kiln::exp(x);
  kiln::reset_stats();
  const double s = kiln::sum(t).item<double>();
  EXPECT_EQ(kiln::stats().arrays_kept, 0u);
  EXPECT_FALSE(t.is_evaluated());  // computed inside the sum's kernel, not stored
  const double m = kiln::max(t).item<double>();
  EXPECT_EQ(kiln::stats().arrays_kept, 1u);
  EXPECT_TRUE(t.is_evaluated());
  EXPECT_NEAR(m, std::exp(1.0), 1e-12);
  EXPECT_GT(s, 1000.0);
}

TEST(Laziness, AnArrayStillReadByAPendingOneIsStoredByTheSyncThatComputesIt) {
  // n-body shape: `pos` feeds the synced energy and the next, still pending, position.
  auto pos = linspace(0.0, 1.0, 256, float64);
  auto vel = zeros({256}, float64);
  const Steps s = run_steps(12, [&](int) {
    auto acc = -pos * 0.1;
    vel = vel + acc * 0.01;
    auto next = pos + vel * 0.01;
    (void)kiln::sum(vel * vel).item<double>();
    pos = next;
  });
  for (size_t i = 3; i < s.each.size(); ++i) {
    EXPECT_EQ(new_kernels(s.each[i]), 0u) << "iteration " << i;
    EXPECT_EQ(s.each[i].kernels_launched, s.each[3].kernels_launched) << "iteration " << i;
    EXPECT_EQ(s.each[i].planner_visits, 0u) << "iteration " << i;
  }
  // Checked against the same recurrence in plain C++.
  std::vector<double> p(256), v(256, 0.0);
  for (int k = 0; k < 256; ++k) p[k] = k / 255.0;
  for (int step = 0; step < 12; ++step)
    for (int k = 0; k < 256; ++k) {
      v[k] = v[k] + (-p[k] * 0.1) * 0.01;
      p[k] = p[k] + v[k] * 0.01;
    }
  const std::vector<double> got = pos.to_vector<double>();
  for (int k = 0; k < 256; ++k) EXPECT_NEAR(got[k], p[k], 1e-14);
}

TEST(Laziness, TimeSteppingWithAMatmulSyncPerStepCompilesOnlyAtFirst) {
  const int64_t n = 64;
  auto pos = random::uniform({n, 3}, 0.0, 1.0, float64);
  auto vel = zeros({n, 3}, float64);
  auto mass = random::uniform({n, 1}, 0.5, 1.0, float64);
  const Steps s = run_steps(10, [&](int) {
    auto d = pos[{newaxis, slice(), slice()}] - pos[{slice(), newaxis, slice()}];
    auto r2 = kiln::sum(d * d, {2}) + 0.01;
    auto inv = 1.0 / (r2 * kiln::sqrt(r2));
    auto acc = kiln::sum(d * inv[{slice(), slice(), newaxis}], {1});
    vel = vel + acc * 0.01;
    pos = pos + vel * 0.01;
    (void)matmul(transpose(mass), kiln::sum(vel * vel, {1}, true)).item<double>();
  });
  for (size_t i = 2; i < s.each.size(); ++i) {
    EXPECT_EQ(new_kernels(s.each[i]), 0u) << "iteration " << i;
    EXPECT_EQ(s.each[i].kernels_launched, s.each[2].kernels_launched) << "iteration " << i;
  }
  EXPECT_LE(s.each[2].kernels_launched, 8u);
}

// numpy: a = a + a[:, i, None] * 0.5 + a[i] * 0.25, never synced. Reading `a` through three
// index maps stores it at every step instead of recomputing its history (which grew
// exponentially and ran out of memory at 16 steps).
std::vector<double> two_views_reference(int steps) {
  std::vector<double> a(64 * 64);
  for (int k = 0; k < 64 * 64; ++k) a[k] = k;
  for (int i = 0; i < steps; ++i) {
    std::vector<double> b(a.size());
    for (int r = 0; r < 64; ++r)
      for (int c = 0; c < 64; ++c)
        b[r * 64 + c] = a[r * 64 + c] + a[r * 64 + i] * 0.5 + a[i * 64 + c] * 0.25;
    a = b;
  }
  return a;
}

Stats two_views(int steps) {
  auto a = arange(64 * 64, float64).reshape({64, 64});
  a.eval();
  kiln::reset_stats();
  for (int i = 0; i < steps; ++i) a = a + a[{slice(), i, newaxis}] * 0.5 + a[{i}] * 0.25;
  const std::vector<double> got = a.to_vector<double>();
  const Stats st = kiln::stats();
  const std::vector<double> want = two_views_reference(steps);
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_NEAR(got[k], want[k], 1e-12 * std::abs(want[k])) << k;
  return st;
}

TEST(Laziness, RecomputationThroughSeveralViewsIsLinearInTheSteps) {
  const Stats s16 = two_views(16), s48 = two_views(48);
  EXPECT_LE(s48.planner_visits, 4 * s16.planner_visits);
  EXPECT_LE(s48.kernels_launched, 4 * s16.kernels_launched);
  EXPECT_LE(new_kernels(s48), 6u);
  if (s48.kernels_compiled > 0) {
    EXPECT_LE(s48.ir_instructions / s48.kernels_compiled, 64u);
  }
}

TEST(Laziness, FloydWarshallWrittenAsNumpyWritesIt) {
  const int n = 48;
  auto d = random::uniform({n, n}, 0.0, 10.0, float64);
  std::vector<double> want = d.to_vector<double>();
  kiln::reset_stats();
  for (int k = 0; k < n; ++k) d = minimum(d, d[{slice(), k, newaxis}] + d[{k, newaxis, slice()}]);
  const std::vector<double> got = d.to_vector<double>();
  const Stats st = kiln::stats();
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        want[i * n + j] = std::min(want[i * n + j], want[i * n + k] + want[k * n + j]);
  for (size_t k = 0; k < want.size(); ++k) EXPECT_DOUBLE_EQ(got[k], want[k]);
  EXPECT_LE(st.kernels_launched, static_cast<uint64_t>(n) + 1);
  EXPECT_LE(new_kernels(st), 3u);
}

TEST(Laziness, CheapProducersOfAStencilStayFusedAndDearOnesAreStored) {
  auto x = linspace(0.0, 1.0, 1000, float64);
  x.eval();
  auto cheap = x * 0.5 + 1.0;  // 2 cost units, read through 3 maps: 6 <= kRecomputeBudget
  kiln::reset_stats();
  auto s1 = cheap[{slice(2, none)}] + cheap[{slice(1, -1)}] + cheap[{slice(none, -2)}];
  s1.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  auto dear = kiln::exp(x) * 0.5;  // 13 units: stored once, read three times
  kiln::reset_stats();
  auto s2 = dear[{slice(2, none)}] + dear[{slice(1, -1)}] + dear[{slice(none, -2)}];
  s2.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 2u);
  const std::vector<double> a = s1.to_vector<double>(), b = s2.to_vector<double>();
  for (int k = 0; k < 998; ++k) {
    double c = 0, e = 0;
    for (int j = 0; j < 3; ++j) {
      const double xv = (k + j) / 999.0;
      c += xv * 0.5 + 1.0;
      e += std::exp(xv) * 0.5;
    }
    EXPECT_NEAR(a[k], c, 1e-14 * c);
    EXPECT_NEAR(b[k], e, 1e-14 * e);
  }
}

Stats chain_of_traces(int64_t n) {
  auto a = random::uniform({n, n}, 0.0, 1.0, float64);
  a.eval();
  const std::vector<double> host = a.to_vector<double>();
  kiln::reset_stats();
  Array trace = full({}, 0.0, float64);
  for (int64_t i = 0; i < n; ++i) trace = trace + kiln::tanh(a[{i, i}]);
  const double got = trace.item<double>();
  const Stats st = kiln::stats();
  double want = 0;
  for (int64_t i = 0; i < n; ++i) want += std::tanh(host[i * n + i]);
  EXPECT_NEAR(got, want, 1e-12 * want);
  return st;
}

TEST(Laziness, ALongPendingChainCompilesBoundedKernelsInLinearWork) {
  const Stats s300 = chain_of_traces(300), s1200 = chain_of_traces(1200);
  // Equal pieces compile once: the kernel count does not grow with the chain.
  EXPECT_LE(new_kernels(s1200), 4u);
  EXPECT_LE(s1200.planner_visits, 5 * s300.planner_visits);
  for (const Stats& s : {s300, s1200})
    if (s.kernels_compiled > 0) {
      EXPECT_LE(s.ir_instructions / s.kernels_compiled, 2 * passes::kMaxFusedNodes);
    }
}

Stats many_outputs(int n) {
  auto base = arange(1000, float64);
  base.eval();
  kiln::reset_stats();
  std::vector<Array> outs;
  for (int i = 0; i < n; ++i) outs.push_back(base * static_cast<double>(i) + 1.0);
  kiln::eval(outs);
  const Stats st = kiln::stats();
  for (int i = 0; i < n; i += 37) EXPECT_DOUBLE_EQ(outs[i].item<double>(999), 999.0 * i + 1.0);
  return st;
}

TEST(Laziness, ManyOutputsOfOneSyncAreSplitIntoBoundedKernels) {
  const Stats s200 = many_outputs(200), s800 = many_outputs(800);
  EXPECT_LE(new_kernels(s800), 3u);
  EXPECT_LE(s800.planner_visits, 5 * s200.planner_visits);
  const uint64_t per_kernel = passes::kMaxKernelOutputs;
  EXPECT_EQ(s800.kernels_launched, (800 + per_kernel - 1) / per_kernel);
}

TEST(Laziness, APendingGraphIsEvaluatedAutomaticallyAtItsBound) {
  runtime::Context& context = runtime::Context::get();
  kiln::reset_stats();
  Array x = arange(8, float64);
  const size_t steps = passes::kAutoEvalPending;  // two recorded nodes a step
  for (size_t i = 0; i < steps; ++i) x = x * 0.999 + 0.5;
  EXPECT_GE(kiln::stats().auto_evaluations, 1u);
  {
    std::lock_guard lock(context.tracer().mutex());
    EXPECT_LT(context.tracer().pending_nodes(), passes::kAutoEvalPending);
  }
  double want = 3.0;
  for (size_t i = 0; i < steps; ++i) want = want * 0.999 + 0.5;
  EXPECT_NEAR(x.item<double>(3), want, 1e-9 * want);
}

TEST(Laziness, AnAutomaticEvaluationNeverThrowsAndTheFailureIsReportedLater) {
  auto data = arange(10, float64);
  auto bad_index = array(std::vector<int64_t>{1, 42});
  const int line = __LINE__ + 1;
  auto bad = take(data, bad_index);
  kiln::reset_stats();
  Array x = arange(8, float64);
  for (size_t i = 0; i < passes::kAutoEvalPending; ++i) x = x * 1.0 + 0.0;  // never throws
  EXPECT_GE(kiln::stats().auto_evaluations, 1u);
  EXPECT_DOUBLE_EQ(x.item<double>(7), 7.0);
  expect_error([&] { bad.eval(); }, {"take", "out of bounds", "size 10"}, line);
}

TEST(Laziness, AutomaticEvaluationWaitsWhilePaused) {
  runtime::Context& context = runtime::Context::get();
  kiln::reset_stats();
  Array x = arange(8, float64);
  {
    runtime::Context::AutoEvalPause pause(context);
    for (size_t i = 0; i < passes::kAutoEvalPending; ++i) x = x * 0.5 + 1.0;
    EXPECT_EQ(kiln::stats().auto_evaluations, 0u);
    EXPECT_FALSE(x.is_evaluated());
  }
  x = x + 0.0;  // the next recording after the pause evaluates
  EXPECT_GE(kiln::stats().auto_evaluations, 1u);
  EXPECT_NEAR(x.item<double>(0), 2.0, 1e-12);
}

TEST(Laziness, ALoopWhoseScalarsAndRandomStreamsChangePlansOnce) {
  auto v = arange(1000, float64);
  v.eval();
  std::vector<double> sums;
  const Steps s = run_steps(12, [&](int i) {
    v = v * (1.0 - 0.001 * i) + random::uniform({1000}, 0.0, 1.0, float64) * 0.01;
    sums.push_back(kiln::sum(v).item<double>());
  });
  // A step whose scalars happen to equal others (a random stream number equal to a constant of
  // the same dtype is recorded as the same node) has another structure and plans again.
  uint64_t plans = 0, visits = 0;
  for (size_t i = 3; i < s.each.size(); ++i) {
    plans += s.each[i].plans_built;
    visits += s.each[i].planner_visits;
  }
  EXPECT_LE(plans, 3u);
  EXPECT_LE(visits, 3 * s.each[1].planner_visits);
  // The same recurrence from scratch with the same random streams, one sync at the end of each
  // step but nothing carried over from a reused plan: equal sums, bit for bit.
  kiln::random::seed(7);
  auto w = arange(1000, float64);
  w.eval();
  std::vector<double> again;
  auto replay = [&] {
    kiln::random::seed(7);
    v = arange(1000, float64);
    v.eval();
    sums.clear();
    for (int i = 0; i < 12; ++i) {
      v = v * (1.0 - 0.001 * i) + random::uniform({1000}, 0.0, 1.0, float64) * 0.01;
      sums.push_back(kiln::sum(v).item<double>());
    }
    return sums;
  };
  const std::vector<double> first = replay();
  for (int i = 0; i < 12; ++i) {  // the same values, each step's graph planned from scratch
    if (i == 0) {
      kiln::random::seed(7);
      w = arange(1000, float64);
      w.eval();
    }
    w = w * (1.0 - 0.001 * i) + random::uniform({1000}, 0.0, 1.0, float64) * 0.01;
    w.eval();  // a different graph shape each step than the loop above: no shared plan
    again.push_back(kiln::sum(w).item<double>());
  }
  for (int i = 0; i < 12; ++i) EXPECT_DOUBLE_EQ(first[i], again[i]) << "step " << i;
}

TEST(Laziness, APlanReusedForOtherScalarsUsesTheirValues) {
  auto x = arange(4, float64);
  x.eval();
  for (double a : {1.0, 2.0, -3.0, 0.5}) {
    // Scalars merged when equal (push_views makes both halves Full of one shape, CSE merges
    // equal ones): a plan where they were merged must not serve unequal ones.
    for (double b : {1.0, 2.0}) {
      auto y = (full({4}, a, float64)[{slice(0, 2)}] + full({4}, b, float64)[{slice(2, 4)}]) *
               x[{slice(0, 2)}];
      const std::vector<double> got = y.to_vector<double>();
      EXPECT_DOUBLE_EQ(got[0], 0.0);
      EXPECT_DOUBLE_EQ(got[1], a + b) << a << " " << b;
    }
    // Folded constants (a plan made for these values only).
    auto z = x + (full({}, a, float64) * 3.0 + 1.0);
    EXPECT_DOUBLE_EQ(z.to_vector<double>()[3], 3.0 + a * 3.0 + 1.0);
    // A where() on a constant condition picks its branch by the value.
    auto c = where(full({}, a, float64) > 0.75, x, -x);
    EXPECT_DOUBLE_EQ(c.to_vector<double>()[2], a > 0.75 ? 2.0 : -2.0);
  }
}

TEST(Laziness, ConcatenatedKernelResultsAreStoredInPlace) {
  auto x = linspace(0.0, 1.0, 6, float64);
  auto data = arange(4, float64);
  data.eval();
  x.eval();
  kiln::reset_stats();
  // Computed operands of several lengths, data, one operand twice, and a nested stack: one sync,
  // no host copy, the result read by a consumer in the same sync.
  auto a = kiln::exp(x), b = x[{slice(0, 3)}] * 2.0;
  auto joined = concatenate({a, b, data, a, stack({kiln::sum(x), kiln::max(x)})});
  auto total = kiln::sum(joined * 0.5);
  kiln::eval({joined, total});
  const Stats st = kiln::stats();
  EXPECT_EQ(st.syncs, 1u);
  std::vector<double> want;
  for (int k = 0; k < 6; ++k) want.push_back(std::exp(k / 5.0));
  for (int k = 0; k < 3; ++k) want.push_back(2.0 * k / 5.0);
  for (int k = 0; k < 4; ++k) want.push_back(k);
  for (int k = 0; k < 6; ++k) want.push_back(std::exp(k / 5.0));
  want.push_back(3.0);
  want.push_back(1.0);
  const std::vector<double> got = joined.to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  double half = 0;
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_NEAR(got[k], want[k], 1e-15 * std::abs(want[k])) << k;
    half += want[k] * 0.5;
  }
  EXPECT_NEAR(total.item<double>(), half, 1e-13 * half);
}

namespace {
// Element (i, j, k) of a C-ordered array of shape (d0, d1, d2) given as a flat vector.
double at3(const std::vector<double>& v, int64_t d1, int64_t d2, int64_t i, int64_t j, int64_t k) {
  return v[static_cast<size_t>((i * d1 + j) * d2 + k)];
}
}  // namespace

TEST(Laziness, ConcatenationsAlongLaterAxesStoreThroughStridedWindows) {
  auto m = arange(12, float64).reshape({3, 4});
  auto n = arange(6, float64).reshape({3, 2});
  eval({m, n});
  // Two computed operands along axis 1: each kernel writes its rows of the result in place, so
  // the sync allocates the result and nothing else.
  kiln::reset_stats();
  auto joined = concatenate({m * 2.0, kiln::sqrt(n) + 1.0}, 1);
  const std::vector<double> got = joined.to_vector<double>();
  Stats st = kiln::stats();
  EXPECT_EQ(st.syncs, 1u);
  EXPECT_EQ(st.kernels_launched, 2u);
  EXPECT_EQ(st.bytes_allocated, 3u * 6u * sizeof(double));
  ASSERT_EQ(got.size(), 18u);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 6; ++j)
      EXPECT_EQ(got[static_cast<size_t>(i * 6 + j)],
                j < 4 ? 2.0 * static_cast<double>(i * 4 + j)
                      : std::sqrt(static_cast<double>(i * 2 + j - 4)) + 1.0)
          << i << "," << j;

  // Columns built in a loop, numpy's column_stack written with stack(axis=1): the columns of
  // one shape share kernels of up to 32 outputs.
  kiln::reset_stats();
  std::vector<Array> cols;
  auto t = linspace(0.0, 1.0, 50, float64);
  for (int c = 0; c < 40; ++c) cols.push_back(kiln::sin(t * static_cast<double>(c)));
  auto table = stack(cols, 1);
  const std::vector<double> tv = table.to_vector<double>();
  st = kiln::stats();
  EXPECT_EQ(table.shape(), (Shape{50, 40}));
  EXPECT_LE(st.kernels_launched, 2u);
  for (int64_t r = 0; r < 50; ++r)
    for (int64_t c = 0; c < 40; ++c)
      EXPECT_NEAR(tv[static_cast<size_t>(r * 40 + c)],
                  std::sin(static_cast<double>(r) / 49.0 * static_cast<double>(c)), 1e-14)
          << r << "," << c;
}

TEST(Laziness, StridedWindowsOfEmptyOperandsAndOtherDtypes) {
  // Empty operands take no window; an empty result needs no kernel.
  EXPECT_EQ(concatenate({zeros({2, 0}, float64) + 1.0, zeros({2, 0}, float64)}, 1).shape(),
            (Shape{2, 0}));
  auto none = concatenate({zeros({0, 3}, float64) * 2.0, zeros({0, 2}, float64)}, 1);
  EXPECT_EQ(none.shape(), (Shape{0, 5}));
  EXPECT_TRUE(none.to_vector<double>().empty());
  EXPECT_EQ(concatenate({arange(6, float64).reshape({2, 3}) * 2.0, zeros({2, 0}, float64)}, 1)
                .to_vector<double>(),
            (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(stack({arange(3, int32) * 2, arange(3, int32) + 7}, 1).to_vector<int32_t>(),
            (std::vector<int32_t>{0, 7, 2, 8, 4, 9}));
  EXPECT_EQ(
      concatenate({arange(4, int32).reshape({2, 2}) > 1, ones({2, 1}, bool_)}, 1).to_vector<bool>(),
      (std::vector<bool>{false, false, true, true, true, true}));
  auto z = concatenate({kiln::exp(complex(0.0, 1.0) * arange(2, float64)).reshape({2, 1}),
                        zeros({2, 1}, complex128)},
                       1);
  const auto zv = z.to_vector<std::complex<double>>();
  ASSERT_EQ(zv.size(), 4u);
  EXPECT_NEAR(zv[2].real(), std::cos(1.0), 1e-15);
  EXPECT_NEAR(zv[2].imag(), std::sin(1.0), 1e-15);
  EXPECT_EQ(zv[3], std::complex<double>(0.0, 0.0));
}

TEST(Laziness, StridedWindowsKeepEveryOtherReaderOfTheirOperands) {
  auto m = arange(24, float64).reshape({2, 3, 4});
  m.eval();
  auto a = m * 0.5;                                        // also a result of the sync
  auto b = kiln::exp(m[{slice(), slice(), slice(0, 2)}]);  // also read by another result
  auto r = kiln::sum(m, 2, /*keepdims=*/true);             // a reduction, and one's post-op
  auto p = kiln::max(m, 2, /*keepdims=*/true) * 2.0;
  auto inner = concatenate({a, b}, 2);  // nested in the outer concatenation
  auto joined =
      concatenate({inner, r, p, kiln::transpose(m, {0, 2, 1})[{slice(), slice(0, 3)}]}, 2);
  auto other = b + 1.0;
  eval({joined, a, other});
  const std::vector<double> mv = m.to_vector<double>(), jv = joined.to_vector<double>(),
                            av = a.to_vector<double>(), ov = other.to_vector<double>();
  EXPECT_EQ(joined.shape(), (Shape{2, 3, 11}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      std::vector<double> want;
      double total = 0, top = -1e300;
      for (int64_t k = 0; k < 4; ++k) want.push_back(at3(mv, 3, 4, i, j, k) * 0.5);
      for (int64_t k = 0; k < 2; ++k) want.push_back(std::exp(at3(mv, 3, 4, i, j, k)));
      for (int64_t k = 0; k < 4; ++k) {
        total += at3(mv, 3, 4, i, j, k);
        top = std::max(top, at3(mv, 3, 4, i, j, k));
      }
      want.push_back(total);
      want.push_back(top * 2.0);
      for (int64_t k = 0; k < 3; ++k) want.push_back(at3(mv, 3, 4, i, k, j));
      for (int64_t k = 0; k < 11; ++k)
        EXPECT_DOUBLE_EQ(at3(jv, 3, 11, i, j, k), want[static_cast<size_t>(k)])
            << i << "," << j << "," << k;
      for (int64_t k = 0; k < 4; ++k)
        EXPECT_EQ(at3(av, 3, 4, i, j, k), at3(mv, 3, 4, i, j, k) * 0.5);
      for (int64_t k = 0; k < 2; ++k)
        EXPECT_DOUBLE_EQ(at3(ov, 3, 2, i, j, k), std::exp(at3(mv, 3, 4, i, j, k)) + 1.0);
    }
}

TEST(Laziness, ASparseMatrixVectorProductAsALoopOverRowsCostsAtMostOneLaunchPerRow) {
  const int64_t n = 300;
  std::vector<int64_t> indptr{0}, indices;
  std::vector<double> values;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < 1 + i % 7; ++k) {
      indices.push_back((i * 7 + k * 131) % n);
      values.push_back(1.0 / static_cast<double>(1 + k));
    }
    indptr.push_back(static_cast<int64_t>(indices.size()));
  }
  auto ind = array(indices);
  auto val = array(values);
  auto x = random::uniform({n}, 0.0, 1.0, float64);
  eval({ind, val, x});
  const std::vector<double> xs = x.to_vector<double>();
  for (int pass = 0; pass < 2; ++pass) {
    kiln::reset_stats();
    std::vector<Array> rows;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t lo = indptr[i], hi = indptr[i + 1];
      rows.push_back(dot(val[{slice(lo, hi)}], take(x, ind[{slice(lo, hi)}])));
    }
    const std::vector<double> y = stack(rows).to_vector<double>();
    const Stats st = kiln::stats();
    EXPECT_LE(st.kernels_launched, static_cast<uint64_t>(n));
    EXPECT_EQ(st.syncs, 1u);
    for (int64_t i = 0; i < n; ++i) {
      double want = 0;
      for (int64_t p = indptr[i]; p < indptr[i + 1]; ++p) want += values[p] * xs[indices[p]];
      EXPECT_NEAR(y[i], want, 1e-14 * want) << i;
    }
  }
}
