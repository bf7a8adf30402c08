// Reductions: numpy's dtypes, axes, keepdims, nan and empty behaviour, exact large sums, and
// fusion with the expressions that produce their operands.
#include "helpers.hpp"

#include <limits>

using namespace kiln;

TEST(Reductions, DtypesFollowNumpy) {
  const Array i32 = array({1, 2, 3});
  EXPECT_EQ(sum(i32).dtype(), int64);
  EXPECT_EQ(prod(i32).dtype(), int64);
  EXPECT_EQ(mean(i32).dtype(), float64);
  EXPECT_EQ(var(i32).dtype(), float64);
  EXPECT_EQ(max(i32).dtype(), int32);
  EXPECT_EQ(argmax(i32).dtype(), int64);
  EXPECT_EQ(any(i32).dtype(), bool_);
  const Array b = array(std::vector<bool>{true, true, false});
  EXPECT_EQ(sum(b).dtype(), int64);
  EXPECT_EQ(sum(b).item<int64_t>(), 2);
  EXPECT_EQ(mean(b).item<double>(), 2.0 / 3.0);
  const Array f = array({1.f, 2.f});
  EXPECT_EQ(sum(f).dtype(), float32);
  EXPECT_EQ(mean(f).dtype(), float32);
  EXPECT_EQ(kiln::std(f).dtype(), float32);
}

TEST(Reductions, AxesKeepdimsAndNegativeAxes) {
  const Array m = arange(24, float64).reshape({2, 3, 4});
  EXPECT_EQ(sum(m).item<double>(), 276.0);
  EXPECT_EQ(sum(m, 0).to_vector<double>(),
            (std::vector<double>{12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}));
  EXPECT_EQ(sum(m, -1).to_vector<double>(), (std::vector<double>{6, 22, 38, 54, 70, 86}));
  EXPECT_EQ(sum(m, {0, 2}).to_vector<double>(), (std::vector<double>{60, 92, 124}));
  EXPECT_EQ(sum(m, {0, 2}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(sum(m, 1, true).shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(max(m, {1}).to_vector<double>(), (std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23}));
  EXPECT_EQ(min(m, 2).to_vector<double>(), (std::vector<double>{0, 4, 8, 12, 16, 20}));
  EXPECT_EQ(argmax(m, 1).to_vector<int64_t>(), (std::vector<int64_t>(8, 2)));
  EXPECT_EQ(argmin(m).item<int64_t>(), 0);
  EXPECT_EQ(argmax(m, 2, true).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(mean(m, {0, 1}).to_vector<double>(), (std::vector<double>{10, 11, 12, 13}));
}

TEST(Reductions, NanPropagatesAndArgmaxFindsTheFirst) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Array x = array({1.0, nan, 3.0, nan, 3.0});
  EXPECT_TRUE(std::isnan(sum(x).item<double>()));
  EXPECT_TRUE(std::isnan(max(x).item<double>()));
  EXPECT_TRUE(std::isnan(min(x).item<double>()));
  EXPECT_TRUE(std::isnan(mean(x).item<double>()));
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);  // numpy: the first nan
  EXPECT_EQ(argmin(x).item<int64_t>(), 1);
  const Array y = array({1.0, 3.0, 3.0, -1.0, -1.0});
  EXPECT_EQ(argmax(y).item<int64_t>(), 1);  // the first of equal maxima
  EXPECT_EQ(argmin(y).item<int64_t>(), 3);
  EXPECT_TRUE(any(array({0.0, nan})).item<bool>());  // nan is truthy
  EXPECT_FALSE(all(array({1.0, 0.0})).item<bool>());
}

TEST(Reductions, EmptyArraysAndIdentities) {
  EXPECT_EQ(sum(zeros({0})).item<float>(), 0.f);
  EXPECT_EQ(prod(zeros({0}, int32)).item<int64_t>(), 1);
  EXPECT_FALSE(any(zeros({0}, bool_)).item<bool>());
  EXPECT_TRUE(all(zeros({0}, bool_)).item<bool>());
  EXPECT_TRUE(std::isnan(mean(zeros({0})).item<float>()));
  EXPECT_EQ(sum(zeros({0, 3}), 0).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(sum(zeros({3, 0}), 0).shape(), (Shape{0}));
  EXPECT_EQ(max(zeros({3, 0}), 0).shape(), (Shape{0}));      // nothing to reduce into: fine
  EXPECT_EQ(sum(array({5.f}, Shape{})).item<float>(), 5.f);  // 0-d
  EXPECT_EQ(sum(ones({1, 1, 4}), {0, 1}).to_vector<float>(), (std::vector<float>{1, 1, 1, 1}));
}

TEST(Reductions, LargeFloat32SumIsExact) {
  EXPECT_EQ(sum(ones({100'000'000}, float32)).item<float>(), 1e8f);
  // 0.1f thirty million times: within two float32 ulps (0.5) of the exact 3000000.14, on every
  // CPU (the summation order is fixed: see test_determinism.cpp). numpy's pairwise sum is 107.7
  // away for this input.
  const Array x = full({30'000'001}, 0.1f);
  EXPECT_NEAR(sum(x).item<float>(), 0.1f * 30'000'001.0, kiln_test::cpu_kernels() ? 0.5 : 4.0);
  EXPECT_EQ(sum(arange(1'000'001, int64)).item<int64_t>(), 500'000'500'000);
}

TEST(Reductions, FuseWithTheirProducer) {
  const Array x = linspace(0.f, 1.f, 1'000'000).eval();
  kiln::reset_stats();
  const float s = sum(x * x + 1.f).item<float>();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);  // x*x+1 is never stored
  EXPECT_NEAR(s, 1'000'000 + 1'000'000 / 3.0, 1.0);
  kiln::reset_stats();
  const Array m = mean(x * 2.f);  // the division by n runs in the reduction's finish
  EXPECT_NEAR(m.item<float>(), 1.f, 1e-6);
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  kiln::reset_stats();
  kiln::eval({sum(x), max(x), min(x)});  // three reductions of one operand: one kernel
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
}

TEST(Reductions, InnerAndOuterAxesOfABigMatrix) {
  const int64_t n = 1000;
  const Array m = (arange(n * n, float64) * 1e-3).reshape({n, n}).eval();
  const auto rows = sum(m, 1).to_vector<double>();
  const auto cols = sum(m, 0).to_vector<double>();
  for (int64_t i = 0; i < n; i += 97) {
    const double row = 1e-3 * (static_cast<double>(i) * n * n + n * (n - 1) / 2.0);
    const double col = 1e-3 * (static_cast<double>(i) * n + n * (n - 1) * n / 2.0);
    EXPECT_NEAR(rows[i], row, 1e-9 * row);
    EXPECT_NEAR(cols[i], col, 1e-9 * col);
  }
  const auto argmax_cols = argmax(m, 0).to_vector<int64_t>();
  EXPECT_EQ(argmax_cols.front(), n - 1);
  EXPECT_EQ(argmax_cols.back(), n - 1);
}

// Outer reductions over many rows split the rows among the threads; the combine must keep
// numpy's answers: the first index on ties, even when the tied values sit in different splits.
TEST(Reductions, OuterReductionSplitsKeepFirstIndexAndExactSums) {
  const int64_t rows = 100'000, cols = 5;  // enough work to split
  std::vector<float> v(static_cast<size_t>(rows * cols), 1.f);
  for (int64_t c = 0; c < cols; ++c) {
    v[static_cast<size_t>((10 + c) * cols + c)] = 7.f;      // the first maximum
    v[static_cast<size_t>((90'000 - c) * cols + c)] = 7.f;  // a tie in a later split
    v[static_cast<size_t>((50'000 + c) * cols + c)] = -3.f;
  }
  const Array m = kiln::array(v).reshape({rows, cols});
  const auto first = argmax(m, 0).to_vector<int64_t>();
  const auto low = argmin(m, 0).to_vector<int64_t>();
  const auto all_equal = argmax(ones({rows, cols}), 0).to_vector<int64_t>();
  for (int64_t c = 0; c < cols; ++c) {
    EXPECT_EQ(first[c], 10 + c);
    EXPECT_EQ(low[c], 50'000 + c);
    EXPECT_EQ(all_equal[c], 0);
  }
  const auto sums = sum(ones({20'000'000, 2}, float32), 0).to_vector<float>();
  EXPECT_EQ(sums[0], 2e7f);
  EXPECT_EQ(sums[1], 2e7f);
}

TEST(Reductions, VarAndStdAsNumpy) {
  const Array x = array({2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0});
  EXPECT_DOUBLE_EQ(var(x).item<double>(), 4.0);
  EXPECT_DOUBLE_EQ(kiln::std(x).item<double>(), 2.0);
  EXPECT_DOUBLE_EQ(var(x, 0, false, 1).item<double>(), 32.0 / 7.0);
  const Array m = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(var(m, 1).to_vector<double>(), (std::vector<double>{2.0 / 3.0, 2.0 / 3.0}));
  EXPECT_EQ(kiln::std(m, 0, true).shape(), (Shape{1, 3}));
}

TEST(Reductions, ReductionOfAReductionAndBroadcastBack) {
  const Array m = arange(12, float64).reshape({3, 4});
  EXPECT_EQ(sum(sum(m, 1)).item<double>(), 66.0);
  const Array centered = m - mean(m, 1, true);
  EXPECT_EQ(centered.to_vector<double>(), (std::vector<double>{-1.5, -0.5, 0.5, 1.5, -1.5, -0.5,
                                                               0.5, 1.5, -1.5, -0.5, 0.5, 1.5}));
  EXPECT_EQ((sum(m, 0) / sum(m)).shape(), (Shape{4}));
  EXPECT_NEAR((sum(m, 0) / sum(m)).item<double>(3), 21.0 / 66.0, 1e-15);
}

TEST(Reductions, LoopsOverSizesCompileOnce) {
  auto run = [](int64_t n) { return sum(arange(n, float32) * 0.5f).item<float>(); };
  run(10);
  kiln::reset_stats();
  for (int64_t n : {100, 5000, 77, 1'000'000}) run(n);
  EXPECT_EQ(kiln::stats().kernels_compiled, 0u);
}

namespace {
// sum(sqrt(x*x + 1)) with the maps x*x + 3x and exp(-x) of the same elements, in one sync: one
// kernel whatever the size (short blocks, lanes, the tail, splits over threads), the sum the
// one computed alone bit for bit, every element of the maps stored.
template <class T>
void check_maps_alongside_a_sum(int64_t n) {
  const DType t = std::is_same_v<T, float> ? float32 : float64;
  const Array x = (arange(n, t) * 1e-5 + 0.25).eval();
  const T alone = sum(sqrt(x * x + 1.0)).item<T>();
  kiln::reset_stats();
  const Array s = sum(sqrt(x * x + 1.0)), y = x * x + 3.0 * x, z = exp(-x);
  kiln::eval({s, y, z});
  EXPECT_EQ(kiln::stats().kernels_launched, 1u) << n;
  EXPECT_TRUE(kiln_test::same_bits(s.item<T>(), alone)) << n << ": " << s.item<T>() << " " << alone;
  const std::vector<T> xs = x.to_vector<T>(), ys = y.to_vector<T>(), zs = z.to_vector<T>();
  ASSERT_EQ(ys.size(), static_cast<size_t>(n));
  const double tol = std::is_same_v<T, float> ? 1e-6 : 1e-14;
  for (int64_t i = 0; i < n; ++i) {
    const double v = xs[i];
    ASSERT_NEAR(ys[i], v * v + 3 * v, tol * (v * v + 3 * v)) << n << " at " << i;
    ASSERT_NEAR(zs[i], std::exp(-v), tol * std::exp(-v)) << n << " at " << i;
  }
}
}  // namespace

TEST(Reductions, MapsOfTheReducedElementsRunInTheReductionsWalk) {
  for (int64_t n : {1, 7, 64, 1000, 33'000, 100'003}) {
    check_maps_alongside_a_sum<float>(n);
    check_maps_alongside_a_sum<double>(n);
  }
  // A transposed operand (a walk over two reduced dimensions): the map is stored in the
  // result's own row-major order.
  const int64_t n = 5001;
  const Array m = arange(3 * n, float64).reshape({3, n}).T();
  kiln::reset_stats();
  const Array total = sum(m * m), shifted = m + 1.0;
  kiln::eval({total, shifted});
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  const double k = 3.0 * n;
  EXPECT_EQ(total.item<double>(), (k - 1) * k * (2 * k - 1) / 6);
  ASSERT_EQ(shifted.shape(), (Shape{n, 3}));
  const std::vector<double> sv = shifted.to_vector<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < 3; ++j) ASSERT_EQ(sv[i * 3 + j], static_cast<double>(j * n + i + 1));
  // Reductions that take their values in any order (integer sums, max, argmax) and a map.
  const Array v = arange(70'000, int64);
  kiln::reset_stats();
  const Array isum = sum(v * 2), top = max(-v), where_top = argmax(v % 1000), doubled = v * 2;
  kiln::eval({isum, top, where_top, doubled});
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  EXPECT_EQ(isum.item<int64_t>(), 69'999LL * 70'000);
  EXPECT_EQ(top.item<int64_t>(), 0);
  EXPECT_EQ(where_top.item<int64_t>(), 999);
  EXPECT_EQ(doubled.to_vector<int64_t>()[69'999], 139'998);
  // Not in one walk: a map that reads the sum (it needs the whole sum first), and a reduction
  // of rows (it walks short rows one element at a time; the map keeps its own vector loop).
  kiln::reset_stats();
  kiln::eval({v - sum(v)});
  EXPECT_EQ(kiln::stats().kernels_launched, 2u);
  const Array rows = arange(4000, float32).reshape({1000, 4});
  kiln::reset_stats();
  kiln::eval({sum(rows, 1), rows * 2.f});
  EXPECT_EQ(kiln::stats().kernels_launched, 2u);
}

// The case the side output is for: a value and its gradients read x, a and b once.
TEST(Reductions, AValueAndItsGradientsAreOneKernel) {
  const int64_t n = 100'003;
  const Array x = (arange(n, float64) * 1e-5 + 0.5).eval(), a = (x * 0.5 + 0.1).eval(),
              b = (x * 0.25).eval();
  auto f = [](const Array& x, const Array& a, const Array& b) {
    return sum(sqrt(x * x + a * a) * exp(-b * x) + sin(x));
  };
  kiln::reset_stats();
  auto [value, g] = value_and_grad(f, {0, 1, 2})(x, a, b);
  kiln::eval({value, g[0], g[1], g[2]});
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  const std::vector<double> xs = x.to_vector<double>(), as = a.to_vector<double>(),
                            bs = b.to_vector<double>(), gx = g[0].to_vector<double>(),
                            ga = g[1].to_vector<double>(), gb = g[2].to_vector<double>();
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double r = std::sqrt(xs[i] * xs[i] + as[i] * as[i]), e = std::exp(-bs[i] * xs[i]);
    total += r * e + std::sin(xs[i]);
    ASSERT_NEAR(gx[i], xs[i] / r * e - bs[i] * r * e + std::cos(xs[i]), 1e-13) << i;
    ASSERT_NEAR(ga[i], as[i] / r * e, 1e-13) << i;
    ASSERT_NEAR(gb[i], -xs[i] * r * e, 1e-13) << i;
  }
  EXPECT_NEAR(value.item<double>(), total, 1e-9 * total);
}
