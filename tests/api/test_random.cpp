// kiln::random: every value equals the Philox reference formula (so no thread count or split
// can change it), seeds reproduce, streams differ, the arrays fuse into their consumers, and
// the distributions pass moment and chi-square tests.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "graph/philox.hpp"
#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

namespace {

double chi_square(const std::vector<int64_t>& counts, const std::vector<double>& expected) {
  double chi = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    const double d = static_cast<double>(counts[b]) - expected[b];
    chi += d * d / expected[b];
  }
  return chi;
}

// 99 degrees of freedom: mean 99, standard deviation 14; 190 is beyond 6 sigma.
constexpr double kChiLimit99 = 190;

TEST(Random, ValuesAreThePhiloxFormulaAtEveryIndex) {
  random::seed(1234);
  const Array u = random::uniform({1 << 20});  // big enough to be split over the threads
  const auto v = u.to_vector<float>();
  for (int64_t i = 0; i < (1 << 20); i += 4099) {
    const uint64_t b = graph::philox_bits(static_cast<uint64_t>(i), 1234, 0);
    EXPECT_EQ(v[static_cast<size_t>(i)], static_cast<float>((b >> 40) & 0xFFFFFF) * 0x1p-24f) << i;
  }
  const Array d = random::uniform({1000}, 0, 1, float64);  // stream 1
  const auto w = d.to_vector<double>();
  for (int64_t i = 0; i < 1000; i += 37) {
    const uint64_t b = graph::philox_bits(static_cast<uint64_t>(i), 1234, 1);
    EXPECT_EQ(w[static_cast<size_t>(i)], static_cast<double>(b >> 11) * 0x1p-53) << i;
  }
}

TEST(Random, SeedsReproduceAndStreamsDiffer) {
  random::seed(7);
  const auto a = random::normal({500}).to_vector<float>();
  const auto b = random::normal({500}).to_vector<float>();
  random::seed(7);
  const auto a_again = random::normal({1000}).to_vector<float>();  // a longer array, same start
  EXPECT_EQ(std::vector<float>(a_again.begin(), a_again.begin() + 500), a);
  EXPECT_NE(a, b);
  random::seed(8);
  EXPECT_NE(random::normal({500}).to_vector<float>(), a);
  // Views of a random array read the same values.
  random::seed(9);
  const Array m = random::randint(0, 1000, {30, 40});
  const auto flat = m.to_vector<int64_t>();
  const auto t = m.T().to_vector<int64_t>();
  EXPECT_EQ(t[1], flat[40]);
  EXPECT_EQ(m[{slice(none, none, -1)}].to_vector<int64_t>()[0], flat[29 * 40]);
}

TEST(Random, ArraysFuseAndNewSeedsCompileNothing) {
  random::seed(1);
  (void)kiln::sum(random::uniform({100000}) * 2.f).item<float>();
  kiln::reset_stats();
  random::seed(2);
  const float s = kiln::sum(random::uniform({200000}) * 2.f).item<float>();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);  // the values are never stored
  EXPECT_EQ(kiln::stats().kernels_compiled + kiln::stats().disk_cache_hits, 0u);
  EXPECT_NEAR(s, 200000.0, 2000.0);
}

TEST(Random, UniformMomentsAndChiSquare) {
  kiln_test::covers("random.uniform", "its distribution (kiln\'s Philox stream is not numpy\'s)");
  for (DType t : {float32, float64}) {
    random::seed(2024);
    const int64_t n = 1'000'000;
    const Array u = random::uniform({n}, -2.0, 3.0, t).eval();
    EXPECT_NEAR(kiln::mean(u).astype(float64).item<double>(), 0.5, 6 * 5 / std::sqrt(12.0 * n));
    EXPECT_NEAR(kiln::var(u).astype(float64).item<double>(), 25.0 / 12, 0.02);
    EXPECT_GE(kiln::min(u).astype(float64).item<double>(), -2.0);
    EXPECT_LT(kiln::max(u).astype(float64).item<double>(), 3.0);
    const auto bucket = ((u + 2.0) * 20.0).astype(int64).to_vector<int64_t>();
    std::vector<int64_t> counts(100, 0);
    for (int64_t b : bucket) ++counts[static_cast<size_t>(b)];
    EXPECT_LT(chi_square(counts, std::vector<double>(100, n / 100.0)), kChiLimit99);
  }
}

TEST(Random, NormalMomentsAndChiSquare) {
  kiln_test::covers("random.normal", "its distribution (kiln\'s Philox stream is not numpy\'s)");
  for (DType t : {float32, float64}) {
    random::seed(99);
    const int64_t n = 1'000'000;
    const Array z = random::normal({n}, 0.0, 1.0, t).astype(float64).eval();
    EXPECT_NEAR(kiln::mean(z).item<double>(), 0.0, 6 / std::sqrt(double(n)));
    EXPECT_NEAR(kiln::var(z).item<double>(), 1.0, 0.01);
    EXPECT_NEAR(kiln::mean(z * z * z).item<double>(), 0.0, 0.03);      // skewness
    EXPECT_NEAR(kiln::mean(z * z * z * z).item<double>(), 3.0, 0.05);  // kurtosis
    // 100 equiprobable bins of the standard normal.
    std::vector<double> edges;
    for (int k = 1; k < 100; ++k) {
      double lo = -10, hi = 10;  // invert the CDF by bisection
      for (int it = 0; it < 80; ++it) {
        const double mid = (lo + hi) / 2;
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < k / 100.0 ? lo : hi) = mid;
      }
      edges.push_back(lo);
    }
    std::vector<int64_t> counts(100, 0);
    for (double v : z.to_vector<double>())
      ++counts[static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), v) -
                                   edges.begin())];
    EXPECT_LT(chi_square(counts, std::vector<double>(100, n / 100.0)), kChiLimit99)
        << dtype_name(t);
    const Array shifted = random::normal({100000}, 5.0, 0.5, t).astype(float64);
    EXPECT_NEAR(kiln::mean(shifted).item<double>(), 5.0, 0.01);
    EXPECT_NEAR(kiln::std(shifted).item<double>(), 0.5, 0.01);
  }
}

TEST(Random, RandintRangeAndChiSquare) {
  kiln_test::covers("random.randint", "its distribution (kiln\'s Philox stream is not numpy\'s)");
  random::seed(5);
  const int64_t n = 1'000'000;
  const Array r = random::randint(-50, 50, {n});
  EXPECT_EQ(r.dtype(), int64);
  std::vector<int64_t> counts(100, 0);
  for (int64_t v : r.to_vector<int64_t>()) {
    ASSERT_GE(v, -50);
    ASSERT_LT(v, 50);
    ++counts[static_cast<size_t>(v + 50)];
  }
  EXPECT_LT(chi_square(counts, std::vector<double>(100, n / 100.0)), kChiLimit99);
  const Array small = random::randint(3, 4, {1000}, int32);
  EXPECT_EQ(small.dtype(), int32);
  EXPECT_EQ(kiln::min(small).item<int32_t>(), 3);
  EXPECT_EQ(kiln::max(small).item<int32_t>(), 3);
  const Array wide = random::randint(INT64_MIN / 2, INT64_MAX / 2, {100000});
  EXPECT_LT(kiln::min(wide).item<int64_t>(), INT64_MIN / 4);
  EXPECT_GT(kiln::max(wide).item<int64_t>(), INT64_MAX / 4);
  EXPECT_EQ(random::randint(0, 1, {}).item<int64_t>(), 0);
  const Array bytes = random::randint(250, 256, {1000}, uint8);
  EXPECT_EQ(bytes.dtype(), uint8);
  EXPECT_EQ(kiln::min(bytes).item<int64_t>(), 250);
  EXPECT_EQ(kiln::max(bytes).item<int64_t>(), 255);
  EXPECT_EQ(random::uniform({0, 3}).size(), 0);
}

}  // namespace
