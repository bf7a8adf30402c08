// The threading contract (README, "Threads"): any number of threads trace and evaluate at once on
// the default context, sharing evaluated inputs and identical expressions (which hash-consing
// merges into one node), while others call kiln::sync(). Every result must be the bits a single
// thread computes. Run under ThreadSanitizer by `make tsan`.
#include "helpers.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

using namespace kiln;

namespace {

// Inputs every thread shares, evaluated before the threads start.
struct Shared {
  Array m = (arange(48 * 40, float32).reshape({48, 40}) % 7.f - 3.f).eval();  // small integers
  Array v = (linspace(-2.0, 3.0, 1000, float64) * 1.37).eval();
  Array idx = (arange(300, int64) * 7 % 1000).eval();
  Array bad_idx = array(std::vector<int64_t>{3, 2000, 5});
};

Shared& shared() {
  static Shared s;
  return s;
}

// The bits of every element, as a byte string (exact comparison, NaN payloads included).
std::string bits(const Array& a) {
  const Array e = a.eval();
  std::string out(reinterpret_cast<const char*>(e.shape().data()), e.ndim() * sizeof(int64_t));
  if (e.dtype() == float32) {
    const std::vector<float> v = e.to_vector<float>();
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  } else if (e.dtype() == int64) {
    const std::vector<int64_t> v = e.to_vector<int64_t>();
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
  } else {
    const std::vector<double> v = e.astype(float64).to_vector<double>();
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  }
  return out;
}

// Program `i` of the stress run: views, reductions, matmul, gathers, scatters, scans and a
// mid-program sync, with scalars that depend on `i` (so kernels are shared, values are not).
std::vector<std::string> program(int i) {
  const Shared& s = shared();
  const float c = static_cast<float>(i % 5) - 2.f;
  std::vector<std::string> out;
  switch (i % 6) {
    case 0: {  // views and reductions of a shared input
      const Array t = s.m.T();
      const Array part = s.m[{slice(i % 3, none, 2), slice(none, none, -1)}];
      out.push_back(bits(sum(t * c + 1.f, 1)));
      out.push_back(bits(max(part, 0)));
      out.push_back(bits(argmax(part * c, 1)));
      break;
    }
    case 1: {  // matmul of a shared input with its own transpose (no copies: BLAS reads views)
      const Array g = matmul(s.m, s.m.T());
      out.push_back(bits(g));
      out.push_back(bits(sum(matmul(s.m.T(), s.m * c))));
      break;
    }
    case 2: {  // gathers fused into reductions, and a scatter on the host
      const Array picked = take(s.v, s.idx);
      out.push_back(bits(sum(picked * static_cast<double>(c))));
      out.push_back(bits(scatter_add(zeros({1000}, float64), s.idx, picked * 0.5)));
      break;
    }
    case 3: {  // a chain with a sync in the middle, then more work on its result
      Array x = s.v * static_cast<double>(c) + 0.25;
      x.eval();
      for (int k = 1; k <= 4; ++k) x = x * 0.5 + s.v * static_cast<double>(k);
      out.push_back(bits(x));
      out.push_back(bits(sum(x.reshape({40, 25}), 0)));
      break;
    }
    case 4: {  // scans, concatenation, mean and variance
      const Array x = s.v[{slice(0, 600)}].reshape({20, 30});
      out.push_back(bits(cumsum(x * static_cast<double>(c), 1)));
      out.push_back(bits(concatenate({x, x * 2.0}, 0)));
      out.push_back(bits(var(x, 0)));
      out.push_back(bits(mean(x)));
      break;
    }
    default: {  // identical expressions recorded by several threads at once (one node)
      const Array e = exp(s.v * 0.001) + sum(s.v);
      out.push_back(bits(e));
      out.push_back(bits(min(s.m, 1)));
      break;
    }
  }
  return out;
}

}  // namespace

// Runs programs [first, first + count) and compares each with `expected`.
void run_and_compare(int first, int count, const std::vector<std::vector<std::string>>& expected,
                     std::atomic<int>& mismatches) {
  for (int i = first; i < first + count; ++i)
    if (program(i) != expected[i % expected.size()]) ++mismatches;
}

TEST(Threads, RandomProgramsOnEightThreadsMatchOneThreadBitForBit) {
  constexpr int kPrograms = 60, kThreads = 8, kEach = 400;
  std::vector<std::vector<std::string>> expected;
  for (int i = 0; i < kPrograms; ++i) expected.push_back(program(i));
  std::atomic<int> mismatches{0};
  std::atomic<bool> done{false};
  std::thread syncer([&] {  // another thread syncs everything pending, all the time
    while (!done.load()) kiln::sync();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] { run_and_compare(t * 7, kEach, expected, mismatches); });
  for (auto& th : threads) th.join();
  done = true;
  syncer.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Threads, MatmulOfOneInputWithItsTransposeOnTwoThreads) {
  const Array a = (arange(64 * 64, float32).reshape({64, 64}) % 5.f).eval();
  const std::vector<float> expected = matmul(a, a.T()).to_vector<float>();
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i)
        if (matmul(a, a.T()).to_vector<float>() != expected) ++mismatches;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Threads, SyncInALoopWhileAnotherThreadTakesTransposes) {
  const Array a = arange(12, int64).reshape({3, 4}).eval();
  const std::vector<int64_t> expected = matmul(a, a.T()).to_vector<int64_t>();
  std::atomic<bool> done{false};
  std::thread syncer([&] {
    while (!done.load()) kiln::sync();
  });
  int wrong = 0;
  for (int i = 0; i < 3000; ++i) {
    const Array t = (a * 1).T();  // a pending view of a pending node, evaluated by either thread
    const Array g = matmul(a, t.T().T());
    if (g.to_vector<int64_t>() != expected) ++wrong;
  }
  done = true;
  syncer.join();
  EXPECT_EQ(wrong, 0);
}

TEST(Threads, RandomStreamsStayDistinctAndInRange) {
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::vector<double>> firsts(kThreads);
  std::atomic<int> out_of_range{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::vector<double> u = random::uniform({64}, -1.0, 2.0, float64).to_vector<double>();
        for (double x : u)
          if (!(x >= -1.0 && x < 2.0)) ++out_of_range;
        firsts[t].push_back(u[0]);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(out_of_range.load(), 0);
  std::vector<double> all;
  for (const auto& f : firsts) all.insert(all.end(), f.begin(), f.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "two streams repeated";
}

TEST(Threads, ErrorsOnOneThreadLeaveTheOthersAlone) {
  const Shared& s = shared();
  std::atomic<int> errors{0}, wrong{0};
  const std::string good = bits(sum(take(s.v, s.idx)));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        if ((i + t) % 2) {
          try {
            take(s.v, s.bad_idx).eval();
          } catch (const kiln::Error& e) {
            if (std::strstr(e.what(), "out of bounds")) ++errors;
          }
        } else if (bits(sum(take(s.v, s.idx))) != good) {
          ++wrong;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 200);
  EXPECT_EQ(wrong.load(), 0);
  kiln::sync();  // none of those failures is this sync's
}

TEST(Threads, AFailedArrayRaisesOnItsOwnReadsNotOnUnrelatedSyncs) {
  const Shared& s = shared();
  const int line = __LINE__ + 1;
  Array bad = take(s.v, s.bad_idx) * 2.0;  // fails when evaluated
  Array after = bad + 1.0;                 // computed from it
  Array fine = s.v * 3.0;
  kiln_test::expect_error([&] { kiln::eval({bad, fine}); }, {"[take]", "out of bounds"}, line);
  std::thread other([] { kiln::sync(); });  // another thread's sync does not raise it again
  other.join();
  kiln::sync();  // nor does this thread's, which computes the unrelated array
  EXPECT_TRUE(fine.is_evaluated());
  EXPECT_EQ(fine.item<double>(0), s.v.item<double>(0) * 3.0);
  // The failed array, and arrays computed from it, raise the error at every read.
  kiln_test::expect_error([&] { bad.to_vector<double>(); }, {"[take]", "out of bounds"}, line);
  kiln_test::expect_error([&] { after.eval(); }, {"[take]", "out of bounds"}, line);
  kiln_test::expect_error([&] { (after * 2.0).item<double>(0); }, {"out of bounds"}, line);
  EXPECT_FALSE(after.is_evaluated());
  bad = Array();
  after = Array();
  kiln::sync();
}

TEST(Threads, AnotherThreadEvaluatesWhileALongKernelRuns) {
  // While one thread's sync runs a long kernel, another thread traces, plans and runs small
  // syncs of its own: they finish before the long one does (with the tracer's lock held through
  // a sync, they would wait for it).
  const Array x = random::uniform({30'000'000}, 0.0, 1.0, float32).eval();
  auto heavy = [&](float c) {
    Array y = x * c;
    for (int k = 0; k < 6; ++k) y = sin(cos(y) + c);
    return sum(y);
  };
  heavy(1.f).item<float>();  // compiled before the race
  const Array small = arange(100, float32).eval();
  (small * 2.f + 1.f).eval();
  using clock = std::chrono::steady_clock;
  std::atomic<bool> started{false};
  clock::time_point heavy_end, small_end;
  std::thread a([&] {
    const Array h = heavy(2.f);
    started = true;
    h.eval();
    heavy_end = clock::now();
  });
  while (!started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ((small * static_cast<float>(i) + 1.f).item<float>(99), 99.f * i + 1.f);
  small_end = clock::now();
  a.join();
  EXPECT_LT(small_end, heavy_end) << "the small syncs waited for the long one";
}

// kiln::compile and kiln::eval_async from several threads at once: one compiled function shared
// by all, each thread's loop feeding its in-flight results into its next step.
TEST(Threads, CompiledFunctionsAndAsyncEvaluationOnFourThreads) {
  auto f = compile([](const Array& x, float s) { return tanh(x * s) + 0.5f; });
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Array a = full({257}, 0.1f * static_cast<float>(t)), s = a;
      for (int i = 0; i < 60; ++i) {
        const float k = 0.5f + 0.01f * static_cast<float>(i % 7);
        a = f(a, k) * 0.5f;
        eval_async({a});
        s = (tanh(s * k) + 0.5f) * 0.5f;
      }
      wrong[static_cast<size_t>(t)] = a.to_vector<float>() != s.to_vector<float>();
    });
  for (auto& th : threads) th.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}
