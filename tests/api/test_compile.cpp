// kiln::compile: captured functions behave exactly as the uncaptured calls (random programs,
// random streams, outputs of every form), trace again exactly on signature changes, and say
// what a captured function may not do.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

namespace {

// A random program over two array arguments and two scalar arguments: the same recipe (seed)
// records the same operations on whatever it is given, as a C++ function would.
std::vector<Array> program(uint64_t recipe, const Array& x, const Array& y, double s, double t) {
  std::mt19937_64 rng(recipe);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::vector<Array> pool{x, y};
  const int ops = 3 + pick(18);
  for (int i = 0; i < ops; ++i) {
    const Array& a = pool[static_cast<size_t>(pick(static_cast<int>(pool.size())))];
    const Array& b = pool[static_cast<size_t>(pick(static_cast<int>(pool.size())))];
    switch (pick(12)) {
      case 0:
        pool.push_back(a + b);
        break;
      case 1:
        pool.push_back(a * s - b);
        break;
      case 2:
        pool.push_back(maximum(a, b * t));
        break;
      case 3:
        pool.push_back(exp(-abs(a)) + 0.25);
        break;
      case 4:
        pool.push_back(sin(a) * cos(b));
        break;
      case 5:
        pool.push_back(sum(a, {-1}, true) + b);
        break;
      case 6:
        pool.push_back(where(a > t, a, b));
        break;
      case 7:
        pool.push_back(a + random::uniform(a.shape(), 0.0, 1.0, a.dtype()));
        break;
      case 8:
        pool.push_back(b - random::normal(b.shape(), 0.0, 1.0, b.dtype()) * s);
        break;
      case 9:
        pool.push_back(sqrt(abs(a) + t));
        break;
      case 10:
        pool.push_back(a / (1.5 + abs(b)));
        break;
      default:
        pool.push_back(tanh(a * 2.0) + sum(b));
        break;
    }
  }
  std::vector<Array> outs{pool.back()};
  if (pick(3) == 0) outs.push_back(pool[pool.size() - 2]);
  if (pick(5) == 0) outs.push_back(x);  // an argument returned as it is
  return outs;
}

template <class T>
void expect_same_bits(const Array& a, const Array& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  const std::vector<T> u = a.to_vector<T>(), v = b.to_vector<T>();
  for (size_t i = 0; i < u.size(); ++i) {
    if (std::isnan(u[i]) && std::isnan(v[i])) continue;
    ASSERT_EQ(u[i], v[i]) << what << " element " << i;
  }
}

Array data(const Shape& s, DType t, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int64_t n = 1;
  for (int64_t e : s) n *= e;
  std::vector<double> v(static_cast<size_t>(n));
  for (double& d : v) d = std::uniform_real_distribution<double>(-2, 2)(rng);
  return array(v, s).astype(t).eval();
}

}  // namespace

TEST(Compile, RandomProgramsAgreeWithUncapturedCalls) {
  const Shape shapes[] = {{16}, {3, 5}, {4, 1}, {2, 3, 4}, {0, 3}, {50000}};
  const Stats before = stats();
  for (uint64_t recipe = 1; recipe <= 120; ++recipe) {
    const DType t = recipe % 3 == 0 ? float64 : float32;
    const Shape shape = shapes[recipe % std::size(shapes)];
    const Shape other = recipe % 2 ? shape : Shape{shape.empty() ? 1 : shape.back()};
    auto f = compile([recipe](const Array& x, const Array& y, double s, double t2) {
      return program(recipe, x, y, s, t2);
    });
    std::mt19937_64 rng(recipe * 77);
    for (int call = 0; call < 4; ++call) {
      // The third call changes the first argument's shape where it can (a new trace).
      const Shape xs = call == 2 && shape.size() == 1 && shape[0] > 0 ? Shape{shape[0] + 3} : shape;
      const Shape ys = call == 2 && other == shape ? xs : other;
      const Array x = data(xs, t, rng()), y = data(ys, t, rng());
      const double s = std::uniform_real_distribution<double>(0.1, 3)(rng),
                   t2 = std::uniform_real_distribution<double>(-1, 1)(rng);
      const uint64_t seed = rng() % 1000;
      random::seed(seed);
      random::uniform({3}).eval();  // not at stream 0 every time
      const std::vector<Array> got = f(x, y, s, t2);
      const Array after_got = random::uniform({4}).eval();
      random::seed(seed);
      random::uniform({3}).eval();
      const std::vector<Array> want = program(recipe, x, y, s, t2);
      eval(want);  // one sync, as the compiled call's
      const Array after_want = random::uniform({4}).eval();
      ASSERT_EQ(got.size(), want.size());
      for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_TRUE(got[k].is_evaluated());
        const std::string what =
            "recipe " + std::to_string(recipe) + " call " + std::to_string(call);
        if (t == float64)
          expect_same_bits<double>(got[k], want[k], what);
        else
          expect_same_bits<float>(got[k], want[k], what);
      }
      // The generator stands where the uncaptured call left it.
      expect_same_bits<float>(after_got, after_want, "draws after the call");
    }
  }
  // Calls 1 and 3 of each program replay (matmul-free programs are all captured).
  EXPECT_GE(stats().compiled_replays - before.compiled_replays, 230u);
}

TEST(Compile, TracesAgainExactlyOnSignatureChanges) {
  const uint64_t start = stats().compiled_traces;
  auto traces = [&] { return static_cast<int>(stats().compiled_traces - start); };
  auto f = compile([](const Array& x, const Array& y, float s) { return exp(x * s) + y; });
  const Array x = arange(0, 16, 1, float32).eval(), y = ones({16}).eval();
  const Array x2 = (x * 2.f).eval(), long_x = arange(0, 40, 1, float32).eval(),
              long_y = ones({40}).eval();
  Array r = f(x, y, 0.3f);
  EXPECT_EQ(traces(), 1);
  const Stats before = stats();
  r = f(x2, y, 0.7f);  // new values, same signature: replayed
  EXPECT_EQ(traces(), 1);
  EXPECT_FLOAT_EQ(r.item<float>(3), std::exp(6.f * 0.7f) + 1.f);
  r = f(long_x, long_y, 0.7f);  // a new shape: traced, nothing compiled
  EXPECT_EQ(traces(), 2);
  EXPECT_EQ(stats().kernels_compiled, before.kernels_compiled);
  EXPECT_EQ(stats().disk_cache_hits, before.disk_cache_hits);
  EXPECT_FLOAT_EQ(r.item<float>(39), std::exp(39.f * 0.7f) + 1.f);
  r = f(x, y, 0.9f);  // the first signature again: replayed
  EXPECT_EQ(traces(), 2);
  r = f(x.astype(float64), y, 0.9f);  // a new dtype
  EXPECT_EQ(traces(), 3);
  EXPECT_EQ(r.dtype(), float64);
  r = f(x, y, 0.f);  // a scalar the optimizer specialises on (x * 0): a new signature
  EXPECT_EQ(traces(), 4);
  EXPECT_FLOAT_EQ(r.item<float>(5), 2.f);
  r = f(x, y, 1.f);
  EXPECT_EQ(traces(), 5);
  r = f(x, y, 1.f);
  EXPECT_EQ(traces(), 5);
  r = f(x, x, 0.5f);  // the same array twice: another signature
  EXPECT_EQ(traces(), 6);
  EXPECT_FLOAT_EQ(r.item<float>(2), std::exp(1.f) + 2.f);
  EXPECT_EQ(f.signatures(), 6u);
}

TEST(Compile, ArraysReadFromOutsideAreInputs) {
  Array w = full({8}, 2.0f).eval();
  int calls = 0;
  auto by_reference = compile([&](const Array& x) {
    ++calls;
    return x * w;
  });
  const Array x = ones({8}).eval();
  EXPECT_EQ(by_reference(x).item<float>(0), 2.f);
  EXPECT_EQ(by_reference(x).item<float>(0), 2.f);
  EXPECT_EQ(calls, 1);
  for (int step = 0; step < 3; ++step) {
    w = w + 1.f;  // rebound: the next call reads the new value
    EXPECT_EQ(by_reference(x).item<float>(0), 3.f + step);
  }
  EXPECT_EQ(calls, 4);
  // Captured by value: the lambda's own copy, which never changes.
  auto by_value = compile([w](const Array& v) { return v + w; });
  EXPECT_EQ(by_value(x).item<float>(1), 6.f);
  w = w * 0.f;
  EXPECT_EQ(by_value(x).item<float>(1), 6.f);
  // A 0-d array from outside is read, not folded: a pending one too (evaluated at the trace).
  Array scale = full({}, 3.0f);
  auto g = compile([&](const Array& v) { return v * scale; });
  EXPECT_EQ(g(x).item<float>(0), 3.f);
  scale = scale * 2.f;
  EXPECT_EQ(g(x).item<float>(0), 6.f);
}

TEST(Compile, ScalarsThroughCppArithmeticStayCorrect) {
  const uint64_t start = stats().compiled_traces;
  auto f = compile([&](const Array& x, double s) {
    return x * (2 * s) + s;  // 2 * s is computed in C++: the graph sees its value only
  });
  const Array x = ones({4}).eval();
  for (double s : {0.3, 0.7, 1.3})
    EXPECT_DOUBLE_EQ(f(x, s).item<float>(0), float(2 * s) + float(s));
  EXPECT_EQ(stats().compiled_traces - start, 3u);  // each value traced (no wrong replay)
  auto g = compile([&](const Array& x, int n) { return x + sum(arange(0, n, 1, float32)); });
  EXPECT_EQ(g(x, 4).item<float>(0), 7.f);
  EXPECT_EQ(g(x, 5).item<float>(0), 11.f);  // n shapes the graph: traced again, never stale
}

TEST(Compile, RandomStreamsMatchTheUncapturedCalls) {
  auto f = compile([](const Array& x) {
    return x + random::normal(x.shape()) +
           random::uniform(x.shape(), 0.0, 1.0, float64).astype(float32);
  });
  const Array x = zeros({64}).eval();
  for (uint64_t seed : {0u, 5u}) {
    random::seed(seed);
    std::vector<Array> got;
    for (int i = 0; i < 4; ++i) got.push_back(f(x));
    random::seed(seed);
    for (int i = 0; i < 4; ++i) {
      const Array want = x + random::normal(x.shape()) +
                         random::uniform(x.shape(), 0.0, 1.0, float64).astype(float32);
      expect_same_bits<float>(got[static_cast<size_t>(i)], want, "draw " + std::to_string(i));
    }
  }
  // Reseeding between calls is seen.
  random::seed(9);
  const Array a = f(x);
  random::seed(9);
  expect_same_bits<float>(f(x), a, "after reseeding");
}

TEST(Compile, OutputsOfEveryForm) {
  const Array x = arange(0, 6, 1, float32).eval();
  auto pair = compile([](const Array& v) { return std::pair{v + 1.f, v * 2.f}; });
  auto tuple = compile([](const Array& v, float s) { return std::tuple{v, v - s, sum(v)}; });
  auto same = compile([](const Array& v) { return std::vector<Array>{v * 3.f, v * 3.f}; });
  for (int i = 0; i < 2; ++i) {
    const auto [a, b] = pair(x);
    EXPECT_EQ(a.item<float>(5), 6.f);
    EXPECT_EQ(b.item<float>(5), 10.f);
    const auto [c, d, e] = tuple(x, 0.5f + i);
    EXPECT_EQ(c.node(), x.node());  // an argument returned as it is
    EXPECT_EQ(d.item<float>(1), 0.5f - i);
    EXPECT_EQ(e.item<float>(), 15.f);
    const std::vector<Array> v = same(x);
    EXPECT_EQ(v[1].item<float>(2), 6.f);
  }
  // A function with a library call (matmul) runs as ordinary calls, with the right values.
  auto mm = compile([](const Array& a) { return matmul(a, a) + 1.f; });
  const Array m = eye(3).eval();
  for (int i = 0; i < 2; ++i) EXPECT_EQ(mm(m).item<float>(4), 2.f);
}

TEST(Compile, ErrorsNameTheLinesInsideTheFunction) {
  const Array a = arange(0, 4, 1, float32).eval();
  const int line = __LINE__ + 1;
  auto f = compile([&](const Array& idx) { return take(a, idx) * 2.f; });
  EXPECT_EQ(f(array(std::vector<int64_t>{1})).item<float>(), 2.f);
  EXPECT_EQ(f(array(std::vector<int64_t>{3})).item<float>(), 6.f);  // replayed
  kiln_test::expect_error([&] { f(array(std::vector<int64_t>{9})); }, {"[take]", "out of bounds"},
                          line);
  EXPECT_EQ(f(array(std::vector<int64_t>{2})).item<float>(), 4.f);  // still usable

  // Reading values while traced: a kiln::Error naming the array read.
  auto branchy = compile([](const Array& v) {
    const Array total = sum(v);
    return total.item<float>() > 0 ? v : -v;
  });
  kiln_test::expect_error([&] { branchy(a); }, {"[compile]", "reads array values"}, __LINE__ - 4);
  auto syncs = compile([](const Array& v) {
    kiln::sync();
    return v;
  });
  EXPECT_THROW(syncs(a), Error);
  // An empty array argument.
  EXPECT_THROW(f(Array()), Error);
}

TEST(Compile, ThreadsShareACompiledFunction) {
  auto f = compile([](const Array& x, float s) { return sum(exp(x * s)); });
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const float s = 0.01f * static_cast<float>(1 + (i + t) % 7);
        const Array x = full({32}, 1.0f);
        const float got = f(x, s).item<float>();
        wrong[static_cast<size_t>(t)] += std::abs(got - 32.f * std::exp(s)) > 1e-4f * got;
      }
    });
  for (auto& th : threads) th.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

// Found under AddressSanitizer's timing: two threads tracing at once, the first finishing first,
// left the first marked as tracing, and its next sync was refused.
TEST(Compile, TracesOnTwoThreadsAtOnceLeaveBothFreeToSync) {
  std::atomic<int> stage{0};
  auto wait_for = [&](int s) {
    while (stage.load() < s) std::this_thread::yield();
  };
  auto first = compile([&](const Array& x) {
    stage = 1;
    wait_for(2);  // the other thread traces meanwhile
    return x + 1.f;
  });
  auto second = compile([&](const Array& x) {
    stage = 2;
    wait_for(3);  // until the first thread's trace has ended
    return x * 2.f;
  });
  const Array x = ones({4}).eval();
  float read_by_first = 0;
  std::thread t([&] {
    const Array a = first(x);
    stage = 3;
    wait_for(4);
    read_by_first = (a * 3.f).item<float>(0);  // a sync on a thread no longer tracing
  });
  wait_for(1);
  const Array b = second(x);
  stage = 4;
  t.join();
  EXPECT_EQ(read_by_first, 6.f);
  EXPECT_EQ((b + 1.f).item<float>(0), 3.f);
}
