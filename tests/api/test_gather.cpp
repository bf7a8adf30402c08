// Gathers are computed inside the kernels that use them (numpy comparisons are in
// tests/numpy/test_numpy_reductions.cpp, random graphs against the interpreter in
// tests/differential).
#include <numeric>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

TEST(Gather, TakeFusesWithItsConsumerAndReduction) {
  const Array a = arange(0, 12, 1, float32).reshape({3, 4}).eval();
  const Array idx = array(std::vector<int64_t>{2, 0, -1});
  reset_stats();
  const auto r = sum(take(a, idx, 1) * 2.f, 1).to_vector<float>();
  EXPECT_EQ(stats().kernels_launched, 1);  // the gather, the multiply and the sum: one kernel
  EXPECT_EQ(r, (std::vector<float>{10, 34, 58}));
}

TEST(Gather, LazyOperandsAreComputedFirstAndCreatedIndicesFuse) {
  const Array x = arange(0, 6, 1, float32);
  reset_stats();
  // Indices from a creation function are computed in the gathering kernel: x * 10 is stored
  // (read at data-dependent positions), then one kernel gathers.
  auto r = take(x * 10.f, arange(-1, 5, 2, int64)).to_vector<float>();
  EXPECT_EQ(stats().kernels_launched, 2);
  EXPECT_EQ(r, (std::vector<float>{50, 10, 30}));
  // Indices that are other expressions are stored first too.
  reset_stats();
  r = take(x * 10.f, arange(0, 3, 1, int64) * 2 - 1).to_vector<float>();
  EXPECT_EQ(stats().kernels_launched, 3);
  EXPECT_EQ(r, (std::vector<float>{50, 10, 30}));
}

TEST(Gather, TakeAlongAxisOfArgmaxOnManyThreads) {
  const int64_t rows = 50000, cols = 7;
  std::vector<double> v(static_cast<size_t>(rows * cols));
  std::iota(v.begin(), v.end(), 0.0);
  for (size_t k = 0; k < v.size(); k += 3) v[k] = -v[k];
  const Array a = array(v, {rows, cols});
  const auto best = take_along_axis(a, argmax(a, 1, true), 1).to_vector<double>();
  const auto want = max(a, 1, true).to_vector<double>();
  EXPECT_EQ(best, want);
}

TEST(Gather, AnOutOfRangeIndexInsideAFusedKernelRaisesAndLeavesTheContextUsable) {
  const Array a = ones({1000, 8});
  std::vector<int64_t> idx(1000, 3);
  idx[777] = 8;
  const int line = __LINE__ + 1;
  Array s = sum(take_along_axis(a, array(idx, {1000, 1}), 1));
  kiln_test::expect_error([&] { s.eval(); },
                          {"[take_along_axis]", "out of bounds for axis 1 with size 8"}, line);
  idx[777] = -8;
  EXPECT_EQ(sum(take_along_axis(a, array(idx, {1000, 1}), 1)).item<float>(), 1000.f);
}

// Found in review: the call site of a run-time error is the current one, not that of the first
// sync with the same structure (plans are cached by structure); many gathers in one kernel
// (a loop) share their error bit; results of more than 32 dimensions are refused; an empty
// axis is fine when the result is empty.
TEST(Gather, ErrorsNameTheCurrentCallSiteAndLoopsShareBits) {
  const Array a = arange(0, 4, 1, float32);
  const Array good = array(std::vector<int64_t>{1}), bad = array(std::vector<int64_t>{9});
  take(a, good).eval();
  const int line = __LINE__ + 1;
  Array t = take(a, bad);
  kiln_test::expect_error([&] { t.eval(); }, {"[take]", "out of bounds"}, line);

  Array acc = zeros({1});
  for (int k = 0; k < 80; ++k) acc = acc + take(a, array(std::vector<int64_t>{k % 4}));
  EXPECT_EQ(acc.item<float>(), 120.f);  // 20 * (0 + 1 + 2 + 3)

  EXPECT_THROW(take(zeros(Shape(17, 1)), zeros(Shape(17, 1), int64), 0), Error);
  EXPECT_THROW(scatter(zeros(Shape(17, 1)), zeros(Shape(17, 1), int64), 1.f, 0), Error);
  EXPECT_EQ(take(zeros({0, 0}), array(std::vector<int64_t>{0}), 1).shape(), (Shape{0, 1}));
}
