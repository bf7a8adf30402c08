// float16 (kiln::half): the host conversions (round to nearest, ties to even; float64 rounded
// once), the C++ type in and out, kernels that round every op's result to float16 as numpy's
// loops do (also inside one fused kernel), wide accumulation in reductions, the float16 that
// numpy's float functions give for bool and 8-bit integers, and the errors where numpy has no
// float16 (random floats). numpy's answers for every op, promotion and cast are in tests/numpy.
#include <cmath>
#include <cstring>
#include <random>

#include "helpers.hpp"

using namespace kiln;
using kiln_test::expect_error;

namespace {
float as_float(uint16_t bits) {
  return static_cast<float>(half::from_bits(bits));
}
}  // namespace

TEST(Float16, HostConversionsRoundToNearestEven) {
  // Every float16 converts to float exactly and back to the same bits (nan stays a nan).
  for (uint32_t b = 0; b < 65536; ++b) {
    const float f = as_float(static_cast<uint16_t>(b));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(static_cast<float>(half(f)))) << b;
      continue;
    }
    ASSERT_EQ(half(f).bits, b) << f;
    ASSERT_EQ(half(static_cast<double>(f)).bits, b) << f;
  }
  EXPECT_EQ(half(65504.0f).bits, 0x7bffu);
  EXPECT_EQ(half(65519.99f).bits, 0x7bffu);
  EXPECT_EQ(half(65520.0f).bits, 0x7c00u);  // the tie above the largest rounds to infinity
  EXPECT_EQ(half(-1e9f).bits, 0xfc00u);
  EXPECT_EQ(half(std::ldexp(1.0f, -24)).bits, 0x0001u);  // the smallest subnormal
  EXPECT_EQ(half(std::ldexp(1.0f, -25)).bits, 0x0000u);  // half of it: a tie, to even (zero)
  EXPECT_EQ(half(std::ldexp(1.5f, -25)).bits, 0x0001u);
  EXPECT_EQ(half(-0.0f).bits, 0x8000u);
  EXPECT_EQ(half(1.0f + std::ldexp(1.0f, -11)).bits, 0x3c00u);      // tie: to even (1.0)
  EXPECT_EQ(half(1.0f + 3 * std::ldexp(1.0f, -11)).bits, 0x3c02u);  // tie: to even (up)
  // float64 rounds once: 1 + 2^-11 + 2^-40 is above the tie, but its float is the tie itself.
  EXPECT_EQ(half(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)).bits, 0x3c01u);
  EXPECT_EQ(half(static_cast<float>(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40))).bits,
            0x3c00u);
  EXPECT_EQ(half(int64_t{70000}).bits, 0x7c00u);
  EXPECT_EQ(half(-3).bits, 0xc200u);
}

TEST(Float16, KernelCastsAgreeWithTheHostConversions) {
  std::mt19937_64 rng(16);
  std::vector<float> f(20000);
  std::vector<double> d(20000);
  for (size_t i = 0; i < f.size(); ++i) {
    // Around float16's range and its subnormals, ties included.
    const int e = static_cast<int>(rng() % 48) - 30;
    f[i] = std::ldexp(static_cast<float>(rng() % (1u << 24)) / (1u << 24), e) *
           (rng() % 2 ? 1.0f : -1.0f);
    d[i] = std::ldexp(static_cast<double>(rng() >> 11) / 9007199254740992.0, e) *
           (rng() % 2 ? 1.0 : -1.0);
  }
  f[0] = 1.0f + std::ldexp(1.0f, -11);
  d[0] = 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40);
  const std::vector<half> from_f = array(f).astype(float16).to_vector<half>();
  const std::vector<half> from_d = array(d).astype(float16).to_vector<half>();
  for (size_t i = 0; i < f.size(); ++i) {
    ASSERT_EQ(from_f[i].bits, half(f[i]).bits) << std::hexfloat << f[i];
    ASSERT_EQ(from_d[i].bits, half(d[i]).bits) << std::hexfloat << d[i];
  }
  // And back: float16 to float32 and float64 is exact.
  const std::vector<float> back = array(from_f).astype(float32).to_vector<float>();
  for (size_t i = 0; i < f.size(); ++i) ASSERT_EQ(back[i], static_cast<float>(from_f[i]));
}

TEST(Float16, CppTypeInAndOut) {
  const std::vector<half> v{half(1.5f), half(-0.0f), half(65504.0f), half(0.1f)};
  const Array a = array(v);
  EXPECT_EQ(a.dtype(), float16);
  EXPECT_EQ(dtype_of<half>(), float16);
  EXPECT_EQ(itemsize(float16), 2u);
  EXPECT_EQ(dtype_name(float16), "float16");
  EXPECT_TRUE(is_floating(float16));
  const std::vector<half> out = a.to_vector<half>();
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(out[i].bits, v[i].bits);
  EXPECT_EQ(a.item<float>(3), static_cast<float>(half(0.1f)));
  EXPECT_EQ(from_blob(v.data(), {2, 2}).shape(), (Shape{2, 2}));
  half own[2] = {half(2.5f), half(-4.0f)};
  const Array w = wrap(own, {2});
  EXPECT_EQ(w.dtype(), float16);
  EXPECT_EQ((w * 2).item<float>(1), -8.0f);
  EXPECT_EQ(w.data<half>()[0].bits, half(2.5f).bits);
  const Array z = zeros({3}, float16);
  EXPECT_EQ(z.to_vector<half>()[2].bits, 0u);
  EXPECT_EQ(full({2}, 0.1, float16).item<float>(0), static_cast<float>(half(0.1)));
  EXPECT_EQ((a * 2).dtype(), float16);  // a weak C++ scalar keeps float16 (NEP 50)
  EXPECT_EQ((a + a.astype(float32)).dtype(), float32);
  EXPECT_EQ((a + array(std::vector<int16_t>{1, 2, 3, 4})).dtype(), float32);
  EXPECT_EQ((a + array(std::vector<uint8_t>{1, 2, 3, 4})).dtype(), float16);
}

TEST(Float16, EachOpRoundsItsResultEvenInsideOneKernel) {
  // a * b + c in one fused kernel: the product is rounded to float16 before the sum, as numpy
  // computes it in two loops. (Rounding once at the end would differ for these values.)
  std::mt19937_64 rng(7);
  std::vector<half> a(4096), b(4096), c(4096);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = half(static_cast<float>(rng() % 20001) / 1000.0f - 10.0f);
    b[i] = half(static_cast<float>(rng() % 20001) / 1000.0f - 10.0f);
    c[i] = half(static_cast<float>(rng() % 2001) / 7.0f);
  }
  reset_stats();
  const Array r = array(a) * array(b) + array(c);
  const std::vector<half> got = r.to_vector<half>();
  EXPECT_EQ(stats().kernels_launched, 1u);
  int once_differs = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const half product(static_cast<float>(a[i]) * static_cast<float>(b[i]));
    const half want(static_cast<float>(product) + static_cast<float>(c[i]));
    ASSERT_EQ(got[i].bits, want.bits) << i;
    const float exact = static_cast<float>(a[i]) * static_cast<float>(b[i]) + float(c[i]);
    once_differs += half(exact).bits != want.bits;
  }
  EXPECT_GT(once_differs, 0);  // the test can tell the two apart
}

TEST(Float16, ReductionsAccumulateWideAndRoundOnce) {
  // 4096 ones: a float16 running sum would stop at 2048 (2049 is not a float16); numpy adds in
  // float32 and kiln in float64. cumsum rounds every partial sum, as numpy's does.
  const Array ones_h = ones({4096}, float16);
  EXPECT_EQ(sum(ones_h).dtype(), float16);
  EXPECT_EQ(sum(ones_h).item<float>(), 4096.0f);
  EXPECT_EQ(mean(ones_h).item<float>(), 1.0f);
  const std::vector<half> running = cumsum(ones_h).to_vector<half>();
  EXPECT_EQ(static_cast<float>(running[2047]), 2048.0f);
  EXPECT_EQ(static_cast<float>(running[4095]), 2048.0f);
  EXPECT_TRUE(
      std::isnan(max(array(std::vector<half>{half(1.0f), half(NAN), half(3.0f)})).item<float>()));
  EXPECT_EQ(argmax(array(std::vector<half>{half(1.0f), half(7.0f), half(7.0f)})).item<int64_t>(),
            1);
  // A dot product of float16 vectors adds in float32 and rounds once (numpy's float16 dot).
  const Array dotted = dot(ones_h, ones_h);
  EXPECT_EQ(dotted.dtype(), float16);
  EXPECT_EQ(dotted.item<float>(), 4096.0f);
  const Array m = matmul(ones({3, 4096}, float16), ones({4096, 2}, float16));
  EXPECT_EQ(m.dtype(), float16);
  EXPECT_EQ(static_cast<float>(m.to_vector<half>()[5]), 4096.0f);
}

TEST(Float16, FloatFunctionsOfSmallIntegersGiveFloat16LikeNumpy) {
  EXPECT_EQ(kiln::sin(arange(4, int8)).dtype(), float16);
  EXPECT_EQ(kiln::sqrt(array(std::vector<uint8_t>{4, 9})).dtype(), float16);
  EXPECT_EQ(kiln::exp(array(std::vector<bool>{true, false})).dtype(), float16);
  EXPECT_EQ(kiln::sin(arange(4, int16)).dtype(), float32);
  EXPECT_EQ(kiln::sin(arange(4, int32)).dtype(), float64);
  EXPECT_EQ((arange(4, int8) / arange(1, 5, 1, int8)).dtype(), float64);  // true_divide: float64
  EXPECT_EQ(kiln::sin(arange(4, int8)).item<float>(1), static_cast<float>(half(std::sin(1.0f))));
}

TEST(Float16, ErrorsWhereNumpyHasNoFloat16) {
  expect_error([] { auto r = random::uniform({3}, 0.0, 1.0, float16); },
               {"[uniform]", "dtype must be float32 or float64, not float16"});
  expect_error([] { auto r = random::normal({3}, 0.0, 1.0, float16); }, {"[normal]", "float16"});
  expect_error([] { auto r = random::randint(0, 5, {3}, float16); }, {"[randint]", "float16"});
  expect_error([] { auto r = array(std::vector<half>{half(1.0f)}) << 1; },
               {"[left_shift]", "float16"});
}
