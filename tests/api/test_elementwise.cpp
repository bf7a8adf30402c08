// Elementwise ops through the public API: promotion with weak scalars, broadcasting, semantics.
#include "helpers.hpp"

#include <limits>

using namespace kiln;
using kiln_test::same_bits;

TEST(Elementwise, WeakScalarsKeepTheArrayDtype) {
  const auto f = array({1.f, 2.f});
  EXPECT_EQ((f * 2.0).dtype(), float32);
  EXPECT_EQ((2.0 * f).dtype(), float32);
  EXPECT_EQ((f + 1).dtype(), float32);
  const auto i = array({1, 2});
  EXPECT_EQ((i + 1).dtype(), int32);
  EXPECT_EQ((i + int64_t{5}).dtype(), int32);
  EXPECT_EQ((i * 1.5).dtype(), float64);
  EXPECT_EQ((i / 2).dtype(), float64);
  EXPECT_EQ((i + f).dtype(), float64);
  const auto b = array(std::vector<bool>{true, false});
  EXPECT_EQ((b + 1).dtype(), int64);
  EXPECT_EQ((b + b).dtype(), bool_);
  EXPECT_EQ(maximum(f, 0.f).dtype(), float32);
  EXPECT_EQ(where(f > 1.f, f, 1.0).dtype(), float32);
  EXPECT_EQ(where(f > 1.f, 1, 2.5).dtype(), float64);
  EXPECT_EQ(kiln::sqrt(i).dtype(), float64);
  EXPECT_EQ(kiln::sqrt(b).dtype(), float16);  // as numpy
  EXPECT_EQ((i < 2.5).to_vector<bool>(), (std::vector<bool>{true, true}));
  // A C++ integer beyond int32 compares exactly against int32 values.
  EXPECT_EQ((i < int64_t{1} << 40).to_vector<bool>(), (std::vector<bool>{true, true}));
}

TEST(Elementwise, Broadcasting) {
  const auto m = array({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  const auto row = array({10.f, 20.f, 30.f});
  const auto col = array({100.f, 200.f}, {2, 1});
  const auto s = m + row + col;
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{111, 122, 133, 214, 225, 236}));
  const auto outer = col * row;  // (2,1) x (3,) -> (2,3)
  EXPECT_EQ(outer.to_vector<float>(), (std::vector<float>{1000, 2000, 3000, 2000, 4000, 6000}));
  const auto scalar0d = array({2.f}, Shape{});
  EXPECT_EQ((m * scalar0d).shape(), (Shape{2, 3}));
  EXPECT_EQ((zeros({0, 3}) + row).shape(), (Shape{0, 3}));
  EXPECT_EQ((zeros({0, 3}) + row).to_vector<float>().size(), 0u);
}

TEST(Elementwise, IssueExampleIsOneKernelAndCorrect) {
  const int n = 100000;
  auto x = linspace(0.f, 1.f, n);
  auto a = full({n}, 2.f), b = ones({n});
  kiln::reset_stats();
  auto y = kiln::sqrt(x * x + a * a) * kiln::exp(-b * x) + kiln::sin(x);
  const auto v = y.to_vector<float>();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  const auto xs = x.to_vector<float>();
  for (int i = 0; i < n; i += 997) {
    const double xi = xs[i];
    const double want = std::sqrt(xi * xi + 4) * std::exp(-xi) + std::sin(xi);
    EXPECT_NEAR(v[i], want, 4e-7 * std::fabs(want)) << i;
  }
}

TEST(Elementwise, IntegerSemantics) {
  const auto a = array({-7, 7, 7, -7, 5, INT32_MIN});
  const auto b = array({2, 2, -2, -2, 0, -1});
  EXPECT_EQ(floor_divide(a, b).to_vector<int>(), (std::vector<int>{-4, 3, -4, 3, 0, INT32_MIN}));
  EXPECT_EQ((a % b).to_vector<int>(), (std::vector<int>{1, 1, -1, -1, 0, 0}));
  EXPECT_EQ((array({INT32_MAX}) + 1).item<int>(), INT32_MIN);  // wraps as numpy
  EXPECT_EQ(power(array({2, 3, -2}), 3).to_vector<int>(), (std::vector<int>{8, 27, -8}));
  EXPECT_EQ((array({1, -8}) >> 40).to_vector<int>(), (std::vector<int>{0, -1}));
  EXPECT_EQ((array({1}) << 3).item<int>(), 8);
  EXPECT_EQ((~array({0, -1})).to_vector<int>(), (std::vector<int>{-1, 0}));
  EXPECT_EQ(kiln::abs(array({INT32_MIN, -3})).to_vector<int>(), (std::vector<int>{INT32_MIN, 3}));
  EXPECT_EQ(sign(array(std::vector<int64_t>{-5, 0, 9})).to_vector<int64_t>(),
            (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(reciprocal(array({0, 1, 2, -1})).to_vector<int>(),
            (std::vector<int>{INT32_MIN, 1, 0, -1}));
}

TEST(Elementwise, FloatSpecialValues) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const auto x = array({-0.0, 0.0, inf, -inf, nan, 2.5, -2.5});
  const auto neg = (-x).to_vector<double>();
  EXPECT_TRUE(same_bits(neg[0], 0.0));
  EXPECT_TRUE(same_bits(neg[1], -0.0));
  EXPECT_EQ(isnan(x).to_vector<bool>(),
            (std::vector<bool>{false, false, false, false, true, false, false}));
  EXPECT_EQ(isinf(x).to_vector<bool>(),
            (std::vector<bool>{false, false, true, true, false, false, false}));
  EXPECT_EQ(isfinite(x).to_vector<bool>(),
            (std::vector<bool>{true, true, false, false, false, true, true}));
  EXPECT_EQ(rint(x).item<double>(5), 2.0);  // ties to even
  EXPECT_EQ(rint(x).item<double>(6), -2.0);
  EXPECT_TRUE(std::isnan(maximum(x, 1.0).item<double>(4)));
  EXPECT_TRUE(std::isnan(maximum(1.0, x).item<double>(4)));
  EXPECT_EQ((x == x).to_vector<bool>(),
            (std::vector<bool>{true, true, true, true, false, true, true}));
  EXPECT_EQ((x != x).item<bool>(4), true);
  EXPECT_EQ(floor_divide(x, 0.0).item<double>(5), inf);
  EXPECT_EQ(remainder(array({-7.5}), 2.0).item<double>(), 0.5);
  EXPECT_EQ(x.astype(int32).to_vector<int>(),
            (std::vector<int>{0, 0, INT32_MIN, INT32_MIN, INT32_MIN, 2, -2}));
  EXPECT_EQ(x.astype(bool_).to_vector<bool>(),
            (std::vector<bool>{false, false, true, true, true, true, true}));
}

TEST(Elementwise, WhereClipAstype) {
  const auto x = array({-2.f, -0.5f, 0.5f, 3.f});
  EXPECT_EQ(where(x > 0.f, x, 0.f).to_vector<float>(), (std::vector<float>{0, 0, 0.5f, 3}));
  EXPECT_EQ(clip(x, -1, 1).to_vector<float>(), (std::vector<float>{-1, -0.5f, 0.5f, 1}));
  EXPECT_EQ(clip(x, -1, 1).dtype(), float32);
  EXPECT_EQ(where(array({1, 0, 2}), 1.f, 2.f).to_vector<float>(), (std::vector<float>{1, 2, 1}));
  EXPECT_EQ(astype(x, int64).to_vector<int64_t>(), (std::vector<int64_t>{-2, 0, 0, 3}));
  EXPECT_EQ(astype(2.5, int32).item<int>(), 2);
  EXPECT_EQ(x.astype(float32).node(), x.node());  // same dtype: the same array
}

TEST(Elementwise, LogicalAndBitwiseOnBools) {
  const auto p = array(std::vector<bool>{true, true, false, false});
  const auto q = array(std::vector<bool>{true, false, true, false});
  EXPECT_EQ((p & q).to_vector<bool>(), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ((p | q).to_vector<bool>(), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ((p ^ q).to_vector<bool>(), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ((~p).to_vector<bool>(), (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(logical_xor(array({1.5, 0.0}), 1).to_vector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ(logical_not(array({0, 3})).to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ((p + q).to_vector<bool>(), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ((p * q).to_vector<bool>(), (std::vector<bool>{true, false, false, false}));
}

TEST(Elementwise, CompoundAssignment) {
  auto x = array({1.f, 2.f});
  x += 1;
  x *= array({2.0, 3.0});  // float64 result cast back to float32 (same kind)
  EXPECT_EQ(x.dtype(), float32);
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{4, 9}));
  auto i = array({5, 6});
  i -= 1;
  EXPECT_EQ(i.to_vector<int>(), (std::vector<int>{4, 5}));
}

TEST(Elementwise, TranscendentalsOnIntegersGiveFloat64) {
  const auto i = array({0, 1, 2});
  const auto e = kiln::exp(i);
  EXPECT_EQ(e.dtype(), float64);
  EXPECT_NEAR(e.item<double>(2), std::exp(2.0), 1e-15 * std::exp(2.0));
  EXPECT_NEAR(arctan2(array({1.0}), array({-1.0})).item<double>(), 3 * M_PI / 4, 1e-15);
  EXPECT_NEAR(hypot(array({3.f}), 4.f).item<float>(), 5.f, 1e-6f);
  EXPECT_NEAR(power(array({2.f}), 0.5f).item<float>(), std::sqrt(2.f), 1e-6f);
}

// Found in review: exp of an infinite real part with a non-finite imaginary part (C99 Annex G,
// glibc, numpy): exp(-inf + inf j) = 0, exp(inf + nan j) = inf + nan j.
TEST(Complex, ExpAtInfinities) {
  const auto y = kiln::exp(kiln::array(std::vector<std::complex<float>>{
                               {-INFINITY, INFINITY}, {INFINITY, NAN}, {-INFINITY, 1.f}}))
                     .to_vector<std::complex<float>>();
  EXPECT_EQ(y[0], std::complex<float>(0, 0));
  EXPECT_TRUE(std::isinf(y[1].real()) && std::isnan(y[1].imag()));
  EXPECT_EQ(y[2].real(), 0.f);
}
