// kiln::eval_async: the same results as eval(), in loops that feed each step's outputs (in
// flight) into the next, from several threads at once, with errors raised where the arrays are
// next used.
#include <gtest/gtest.h>

#include <thread>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

namespace {

Array step(const Array& x, const Array& y, int i) {
  return tanh(x * 0.9f + y * 0.01f) + sin(x * static_cast<float>(i % 5)) * 0.1f;
}

}  // namespace

TEST(EvalAsync, LoopsAgreeWithSynchronousEvaluation) {
  const Array y = arange(0, 1000, 1, float32).eval();
  Array a = ones({1000}), s = ones({1000});
  for (int i = 0; i < 200; ++i) {
    a = step(a, y, i);
    eval_async({a});  // the next step's graph reads it while it may still be in flight
    s = step(s, y, i);
    s.eval();
  }
  const std::vector<float> u = a.to_vector<float>(), v = s.to_vector<float>();
  for (size_t i = 0; i < u.size(); ++i) ASSERT_EQ(u[i], v[i]) << i;
  // Several arrays at once, then sync() waits for everything.
  Array b = a * 2.f, c = sum(a);
  eval_async({b, c});
  kiln::sync();
  EXPECT_TRUE(b.is_evaluated());
  EXPECT_TRUE(c.is_evaluated());
  EXPECT_FLOAT_EQ(c.item<float>(), sum(s).item<float>());
  // A library call is evaluated at once; an evaluated array is nothing to do.
  Array m = matmul(eye(3), ones({3, 3}));
  eval_async({m, b});
  EXPECT_TRUE(m.is_evaluated());
}

TEST(EvalAsync, ThreadsAgreeWithSynchronousEvaluation) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(3, 0);
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      const Array y = full({512}, 0.5f * static_cast<float>(t + 1)).eval();
      Array a = zeros({512}), s = zeros({512});
      for (int i = 0; i < 100; ++i) {
        a = step(a, y, i + t);
        if (i % 3 != 2) eval_async({a});
        s = step(s, y, i + t).eval();
      }
      wrong[static_cast<size_t>(t)] = a.to_vector<float>() != s.to_vector<float>();
    });
  for (auto& th : threads) th.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

TEST(EvalAsync, ErrorsAreRaisedWhereTheArraysAreUsed) {
  const Array a = arange(0, 4, 1, float32).eval();
  const int line = __LINE__ + 1;
  Array t = take(a, array(std::vector<int64_t>{7})) * 2.f;
  eval_async({t});  // returns: the kernel has not necessarily run
  kiln_test::expect_error([&] { t.eval(); }, {"[take]", "out of bounds"}, line);
  kiln_test::expect_error([&] { (t + 1.f).eval(); }, {"[take]", "out of bounds"}, line);
  EXPECT_THROW(eval_async({Array()}), Error);
  // Unrelated work is fine.
  Array u = a * 3.f;
  eval_async({u});
  EXPECT_EQ(u.item<float>(3), 9.f);
}
