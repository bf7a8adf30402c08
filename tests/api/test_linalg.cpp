// matmul, dot and outer beyond the numpy oracle's random cases: transposed views reach BLAS
// without copies, lazy operands are evaluated first, big products agree with a direct sum.
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

TEST(Linalg, TransposedViewsAreNotCopied) {
  if (!kiln_test::on_cpu()) GTEST_SKIP() << "BLAS reads host memory: on a GPU, matmul copies";
  const Array a = random::normal({64, 48}).eval(), b = random::normal({64, 32}).eval();
  kiln::reset_stats();
  const Array c = matmul(a.T(), b).eval();        // (48, 32): BLAS reads a as transposed
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);  // the BLAS call, no copy kernel
  EXPECT_EQ(kiln::stats().bytes_allocated, 48u * 32u * 4u);
  const auto av = a.to_vector<float>(), bv = b.to_vector<float>(), cv = c.to_vector<float>();
  for (int i = 0; i < 48; i += 7)
    for (int j = 0; j < 32; j += 5) {
      double s = 0;
      for (int k = 0; k < 64; ++k) s += double(av[k * 48 + i]) * bv[k * 32 + j];
      EXPECT_NEAR(cv[i * 32 + j], s, 1e-4 * (1 + std::abs(s)));
    }
  // A row-strided slice is read in place too (leading dimension 48).
  kiln::reset_stats();
  const Array d = matmul(a[{slice(0, 10), slice(4, 20)}], b[{slice(0, 16)}]).eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  EXPECT_NEAR(
      d.to_vector<float>()[0],
      [&] {
        double s = 0;
        for (int k = 0; k < 16; ++k) s += double(av[4 + k]) * bv[k * 32];
        return s;
      }(),
      1e-4);
}

TEST(Linalg, LazyOperandsAndConsumersFuseAround) {
  const Array x = arange(12, float64).reshape({3, 4});
  const Array y = (x * 2.0 + 1.0).T();  // lazy: evaluated before the BLAS call
  const Array z = kiln::sum(matmul(x, y) - 1.0, 1);
  const auto got = z.to_vector<double>();
  std::vector<double> expect(3, 0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += (i * 4 + k) * ((j * 4 + k) * 2.0 + 1.0);
      expect[i] += s - 1.0;
    }
  EXPECT_EQ(got, expect);
}

TEST(Linalg, IntegerAndBoolProductsAreExact) {
  const Array big = full({2, 3}, int64_t{1} << 62, int64);
  const Array two = full({3, 1}, int64_t{2}, int64);
  // 3 * 2^62 * 2 = 2^64 + 2^63: wraps to INT64_MIN, as numpy's int64 matmul does.
  EXPECT_EQ(matmul(big, two).to_vector<int64_t>(), (std::vector<int64_t>{INT64_MIN, INT64_MIN}));
  const Array p = array(std::vector<bool>{true, false, false, false}, {2, 2});
  EXPECT_EQ(matmul(p, p).to_vector<bool>(), (std::vector<bool>{true, false, false, false}));
}
