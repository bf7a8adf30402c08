// complex128 through the C++ interface: construction, reads, weak scalars, full, casts, the
// promotions between the two complex precisions, reductions, matmul (zgemm) and FFTs in double
// precision. (tests/numpy checks the values of every complex op against numpy.)
#include <gtest/gtest.h>

#include <complex>

#include "kiln/kiln.hpp"

using namespace kiln;
using c64 = std::complex<float>;
using c128 = std::complex<double>;

TEST(Complex128, ArraysReadBackBitForBit) {
  const std::vector<c128> v = {{1.0 / 3, -2.5}, {1e300, -0.0}, {INFINITY, NAN}};
  const Array z = array(v);
  EXPECT_EQ(z.dtype(), complex128);
  EXPECT_EQ(itemsize(complex128), 16u);
  const auto back = z.to_vector<c128>();
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], v[0]);
  EXPECT_EQ(back[1].real(), 1e300);
  EXPECT_TRUE(std::signbit(back[1].imag()));
  EXPECT_TRUE(std::isinf(back[2].real()) && std::isnan(back[2].imag()));
  EXPECT_EQ(z.item<c128>(0), v[0]);
  EXPECT_EQ(z.data<c128>()[0], v[0]);
  // Narrowing to complex64 rounds each part; to float64 keeps the real part, as numpy.
  EXPECT_EQ(z.astype(complex64).item<c64>(0), c64(1.0f / 3, -2.5f));
  EXPECT_EQ(z.astype(float64).item<double>(0), 1.0 / 3);
}

TEST(Complex128, ScalarsFullAndComplexKeepDoublePrecision) {
  const c128 w(0.1, 1.0 / 3);
  const Array f = full({2, 2}, w, complex128);
  EXPECT_EQ(f.dtype(), complex128);
  EXPECT_EQ(f.item<c128>(3), w);  // not rounded through 64 bits anywhere
  EXPECT_EQ((f * 2.0).item<c128>(0), c128(0.2, 2.0 / 3));
  EXPECT_EQ((zeros({2}, float64) + w).item<c128>(1), w);
  EXPECT_EQ(astype(w, complex128).item<c128>(), w);
  const Array k = complex(full({3}, 0.1, float64), arange(3));
  EXPECT_EQ(k.dtype(), complex128);
  EXPECT_EQ(k.item<c128>(2), c128(0.1, 2.0));
  EXPECT_EQ(complex(zeros({1}), zeros({1})).dtype(), complex64);  // float32 parts
}

TEST(Complex128, PromotionsFollowNumpy) {
  const Array z64 = zeros({2}, complex64), z128 = zeros({2}, complex128);
  EXPECT_EQ((z64 + z128).dtype(), complex128);
  EXPECT_EQ((z64 + zeros({2}, float32)).dtype(), complex64);
  EXPECT_EQ((z64 + zeros({2}, float64)).dtype(), complex128);
  EXPECT_EQ((z64 + arange(2)).dtype(), complex128);
  EXPECT_EQ((z64 * c128(1, 1)).dtype(), complex64);  // a weak complex takes the array's precision
  EXPECT_EQ((zeros({2}, float32) * c128(1, 1)).dtype(), complex64);
  EXPECT_EQ((zeros({2}, float64) * c64(1, 1)).dtype(), complex128);
  EXPECT_EQ((arange(2) * c64(1, 1)).dtype(), complex128);
  EXPECT_EQ((z128 == z64).dtype(), bool_);
  EXPECT_EQ(real(z128).dtype(), float64);
  EXPECT_EQ(abs(z128).dtype(), float64);
  EXPECT_EQ(angle(z128).dtype(), float64);
}

TEST(Complex128, ReductionsMatmulAndScatter) {
  const std::vector<c128> v = {{1, 2}, {3, -4}, {0.5, 0.25}, {-1, 1}};
  const Array z = array(v, {2, 2});
  EXPECT_EQ(sum(z).item<c128>(), c128(3.5, -0.75));
  EXPECT_EQ(mean(z, 0).item<c128>(1), c128(1, -1.5));
  const auto m = matmul(z, z).to_vector<c128>();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      EXPECT_EQ(m[i * 2 + j], v[i * 2] * v[j] + v[i * 2 + 1] * v[2 + j]) << i << "," << j;
  const Array s =
      scatter_add(zeros({3}, complex128), array(std::vector<int64_t>{2, 2, 0}), c128(0.5, -1));
  EXPECT_EQ(s.to_vector<c128>(), (std::vector<c128>{{0.5, -1}, {0, 0}, {1, -2}}));
  EXPECT_EQ(cumsum(array(v)).item<c128>(3), c128(3.5, -0.75));
}

TEST(Complex128, FftsOfDoublesAreDoublePrecision) {
  const int n = 64;
  const Array x = arange(n).astype(float64) / n;  // float64 input: complex128 spectrum
  const Array spectrum = fft::fft(x);
  EXPECT_EQ(spectrum.dtype(), complex128);
  EXPECT_EQ(fft::rfft(x).dtype(), complex128);
  EXPECT_EQ(fft::rfft(arange(n)).dtype(), complex128);  // integers transform as float64
  const Array back = fft::irfft(fft::rfft(x), n);
  EXPECT_EQ(back.dtype(), float64);
  const auto got = back.to_vector<double>();
  for (int i = 0; i < n; ++i) EXPECT_NEAR(got[i], double(i) / n, 1e-15) << i;
  // The sum of x is the spectrum's first element, to double precision.
  EXPECT_NEAR(spectrum.item<c128>(0).real(), (n - 1) / 2.0, 1e-13);
  // Single precision inputs stay single.
  EXPECT_EQ(fft::fft(x.astype(float32)).dtype(), complex64);
  EXPECT_EQ(fft::ifft(fft::fft(x)).astype(float64).dtype(), float64);
}

// numpy's complex functions (compositions of real ops on the parts): which side of a branch cut
// a zero part's sign picks, exact small integer powers, and one fused kernel.
TEST(Complex128, FunctionsTakeTheSideOfTheCutThatTheZerosSignSays) {
  const Array z = array<c128>({{2.0, 0.0}, {2.0, -0.0}, {-4.0, 0.0}, {-4.0, -0.0}, {-1.0, 0.0}});
  const auto as = arcsin(z).to_vector<c128>();
  const double acosh2 = std::acosh(2.0);
  EXPECT_NEAR(as[0].real(), M_PI / 2, 1e-15);
  EXPECT_NEAR(as[0].imag(), acosh2, 1e-15);   // numpy: 1.5707963267948966+1.3169578969248166j
  EXPECT_NEAR(as[1].imag(), -acosh2, 1e-15);  // and the conjugate below the cut
  const auto sq = sqrt(z).to_vector<c128>();
  EXPECT_EQ(sq[2], c128(0.0, 2.0));
  EXPECT_EQ(sq[3], c128(0.0, -2.0));
  EXPECT_EQ(log(z).to_vector<c128>()[4], c128(0.0, M_PI));
  const auto ac = arccos(z).to_vector<c128>();
  EXPECT_NEAR(ac[0].imag(), -acosh2, 1e-15);  // numpy: arccos(2+0j) = -1.3169578969248164j
  EXPECT_NEAR(ac[1].imag(), acosh2, 1e-15);
  const Array w = array<c128>({{1.0, 2.0}});
  EXPECT_EQ(power(w, 3).item<c128>(), c128(-11.0, -2.0));  // (1+2i)(1+2i)(1+2i), exactly
  EXPECT_EQ(power(w, 0).item<c128>(), c128(1.0, 0.0));
  EXPECT_EQ(power(w * 0.0, 2.5).item<c128>(), c128(0.0, 0.0));
  EXPECT_TRUE(std::isnan(power(w * 0.0, -1.5).item<c128>().real()));
  EXPECT_EQ(power(2.0, w).dtype(), complex128);
  kiln::reset_stats();
  const c128 total = sum(sqrt(z) * exp2(z) + tan(z)).item<c128>();
  EXPECT_TRUE(std::isfinite(total.real()));
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);  // lazy and fused like any op
}
