// Creation functions: values, dtypes, shapes, laziness.
#include "helpers.hpp"

using namespace kiln;
using kiln_test::same_bits;

TEST(Creation, ArrayRoundTripsEveryDtype) {
  const auto f = array({1.5f, -2.f, 3.25f});
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(f.shape(), Shape{3});
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1.5f, -2.f, 3.25f}));
  EXPECT_EQ(array({1.0, 2.0}).dtype(), float64);
  EXPECT_EQ(array({1, 2}).dtype(), int32);
  EXPECT_EQ(array(std::vector<int64_t>{1, 2}).dtype(), int64);
  const auto b = array(std::vector<bool>{true, false, true});
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false, true}));
  const auto m = array({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(m.ndim(), 2);
  EXPECT_EQ(m.size(), 6);
  EXPECT_EQ(m.item<int>(4), 5);
  EXPECT_EQ(m.item<int>(-1), 6);
  EXPECT_TRUE(m.is_evaluated());
  EXPECT_EQ(m.device(), default_device());
  EXPECT_EQ(array(std::vector<float>{}).size(), 0);
  EXPECT_EQ(array({7.f}, Shape{}).ndim(), 0);
}

TEST(Creation, ToVectorConvertsAsAstype) {
  const auto f = array({-1.7, 2.9, std::nan("")});
  EXPECT_EQ(f.to_vector<int32_t>(), (std::vector<int32_t>{-1, 2, INT32_MIN}));
  EXPECT_EQ(f.to_vector<bool>(), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(f.item<int64_t>(1), 2);
}

TEST(Creation, FromBlobCopiesWrapAliases) {
  std::vector<double> src = {1, 2, 3, 4};
  auto copied = from_blob(src.data(), {2, 2});
  auto aliased = wrap(src.data(), {4});
  auto doubled = aliased * 2.0;
  src[0] = 100;
  EXPECT_EQ(copied.item<double>(0), 1.0);
  EXPECT_EQ(aliased.item<double>(0), 100.0);
  EXPECT_EQ(doubled.item<double>(0), 200.0);  // lazy: read at the sync
  if (kiln_test::on_cpu()) {
    EXPECT_EQ(aliased.data<double>(), src.data());
  }
}

TEST(Creation, FullZerosOnes) {
  EXPECT_EQ(zeros({3}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(ones({2}, int64).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
  const auto f = full({2, 2}, 7, int32);
  EXPECT_EQ(f.dtype(), int32);
  EXPECT_EQ(f.to_vector<int32_t>(), (std::vector<int32_t>{7, 7, 7, 7}));
  EXPECT_EQ(full({2}, 2.5).dtype(), float32);           // API default dtype
  EXPECT_EQ(full({1}, 3.9, int64).item<int64_t>(), 3);  // truncates as astype
  EXPECT_EQ(full({}, true, bool_).item<bool>(), true);
  const auto m = array({1.0, 2.0, 3.0});
  EXPECT_EQ(zeros_like(m).dtype(), float64);
  EXPECT_EQ(ones_like(m, int32).to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 1}));
  EXPECT_EQ(full_like(m, 4).to_vector<double>(), (std::vector<double>{4, 4, 4}));
  EXPECT_EQ(full_like(m, 4, bool_).dtype(), bool_);
}

TEST(Creation, ArangeFollowsNumpy) {
  EXPECT_EQ(arange(5).dtype(), int64);
  EXPECT_EQ(arange(5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(2.0).dtype(), float64);
  const int64_t n = 4;
  EXPECT_EQ(arange(0, n, 1, int32).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(arange(10, 0, -3).to_vector<int64_t>(), (std::vector<int64_t>{10, 7, 4, 1}));
  EXPECT_EQ(arange(3, 3).size(), 0);
  EXPECT_EQ(arange(5, 0).size(), 0);
  EXPECT_EQ(arange(0.5, 5, 1, int32).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3, 4}));
  // float32: numpy computes start + i * (float32(start + step) - float32(start)) in float32.
  const auto a = arange(0, 1, 0.1, float32).to_vector<float>();
  ASSERT_EQ(a.size(), 10u);
  const float delta = 0.1f;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(same_bits(a[i], static_cast<float>(i) * delta)) << i;
  EXPECT_EQ(arange(5, float64).dtype(), float64);
}

TEST(Creation, LinspaceFollowsNumpy) {
  const auto l = linspace(0, 1, 5, float64).to_vector<double>();
  EXPECT_EQ(l, (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(linspace(0, 1, 4, float64, false).to_vector<double>(),
            (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(linspace(2, 3, 1, float64).to_vector<double>(), (std::vector<double>{2}));
  EXPECT_EQ(linspace(0, 1, 0).size(), 0);
  EXPECT_EQ(linspace(0.f, 1.f, 3).dtype(), float32);
  EXPECT_EQ(linspace(0, 10, 4, int32).to_vector<int32_t>(), (std::vector<int32_t>{0, 3, 6, 10}));
  const auto big = linspace(-1.0, 1.0, 1001, float64).to_vector<double>();
  EXPECT_EQ(big.back(), 1.0);  // the end point is exact
  EXPECT_EQ(big[500], 0.0);
}

TEST(Creation, Eye) {
  EXPECT_EQ(eye(3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(eye(2, int64).dtype(), int64);
  EXPECT_EQ(eye(0).size(), 0);
}

TEST(Creation, CreationIsLazy) {
  kiln::reset_stats();
  auto x = linspace(0.f, 1.f, 1000);
  auto a = full({1000}, 2.f);
  auto y = x * a + arange(1000, float32);
  EXPECT_FALSE(y.is_evaluated());
  EXPECT_EQ(kiln::stats().kernels_launched, 0u);
  y.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  EXPECT_FALSE(x.is_evaluated());  // fused into y's kernel, never stored
}
