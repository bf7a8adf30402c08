// kiln::fft end to end (numpy comparisons are in tests/numpy/test_numpy_fft.cpp), and the FFTW
// plan cache and wisdom of the runtime layer.
#include <filesystem>
#include <random>

#include "helpers.hpp"
#include "kiln/kiln.hpp"
#include "runtime/fft_plans.hpp"

using namespace kiln;
using c64 = std::complex<float>;

namespace {

std::vector<c64> random_complex(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<c64> v(n);
  for (auto& x : v) x = {u(rng), u(rng)};
  return v;
}

double max_error(const std::vector<c64>& a, const std::vector<c64>& b) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i) e = std::max(e, double(std::abs(a[i] - b[i])));
  return e;
}

}  // namespace

TEST(Fft, InverseUndoesForwardAlongEveryAxisAndLength) {
  for (int64_t n : {1, 2, 7, 64, 100, 1000}) {
    for (int axis = 0; axis < 3; ++axis) {
      Shape s{3, 2, 5};
      s[static_cast<size_t>(axis)] = n;
      const size_t size = static_cast<size_t>(s[0] * s[1] * s[2]);
      const auto v = random_complex(size, static_cast<uint32_t>(n + axis));
      const Array x = array(v, s);
      EXPECT_LT(max_error(fft::ifft(fft::fft(x, -1, axis), -1, axis).to_vector<c64>(), v), 1e-5)
          << "n " << n << " axis " << axis;
      for (const char* norm : {"ortho", "forward"})
        EXPECT_LT(
            max_error(fft::ifft(fft::fft(x, -1, axis, norm), -1, axis, norm).to_vector<c64>(), v),
            1e-5);
    }
  }
}

TEST(Fft, RealTransformsRoundTripAndAgreeWithTheComplexOne) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int64_t n : {2, 9, 16, 255}) {
    std::vector<float> v(static_cast<size_t>(n) * 3);
    for (auto& x : v) x = u(rng);
    const Array x = array(v, {3, n});
    const Array r = fft::rfft(x);
    EXPECT_EQ(r.shape(), (Shape{3, n / 2 + 1}));
    const auto back = fft::irfft(r, n).to_vector<float>();
    for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(back[i], v[i], 1e-5);
    // The first n/2+1 outputs of the complex transform of the same signal.
    const Array full = fft::fft(x.astype(complex64));
    const Array head = full[{slice(), slice(0, n / 2 + 1)}];
    EXPECT_LT(max_error(r.to_vector<c64>(), head.to_vector<c64>()), 1e-4);
  }
}

TEST(Fft, LazyInputsAreEvaluatedAndTheScaleFusesWithTheConsumer) {
  const Array x = arange(0, 8, 1, float32);
  reset_stats();
  // The input (x * 2) is computed first; the 1/n of ifft and the abs fuse into one kernel.
  const auto y = abs(fft::ifft(x * 2.f)).to_vector<float>();
  EXPECT_NEAR(y[0], 7.0, 1e-5);  // mean of 0, 2, ..., 14
  // Three launches: the kernel making x * 2 as complex64, the FFT, one kernel for 1/n and abs.
  EXPECT_EQ(stats().kernels_launched, 3);
}

TEST(FftPlans, OnePlanPerLayoutAndWisdomRoundTrip) {
  runtime::FftPlans plans;
  std::vector<c64> in = random_complex(48, 1), out(48);
  runtime::FftLayout l{graph::Op::Fft, false, 16, 3, 1};
  for (int i = 0; i < 3; ++i) plans.execute(l, in.data(), out.data());
  EXPECT_EQ(plans.plans_made(), 1u);
  l.inverse = true;
  plans.execute(l, in.data(), out.data());
  EXPECT_EQ(plans.plans_made(), 2u);

  runtime::FftLayout back;
  ASSERT_TRUE(runtime::decode_layout(runtime::encode_layout(l), back));
  EXPECT_EQ(back.n, 16);
  EXPECT_TRUE(back.inverse);
  EXPECT_FALSE(runtime::decode_layout(std::vector<uint8_t>(7), back));

  const auto dir =
      std::filesystem::temp_directory_path() / ("kiln_wisdom_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string error;
  ASSERT_TRUE(runtime::measure_into_wisdom(l, dir.string(), error)) << error;
  EXPECT_GT(std::filesystem::file_size(runtime::wisdom_file(dir.string(), false)), 0u);
  EXPECT_FALSE(runtime::measure_into_wisdom(l, "/nonexistent/dir/wisdom", error));
  EXPECT_NE(error.find("cannot write FFTW wisdom"), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

// Found in review: the normalisation scales each part, so an infinite input does not turn its
// partner part into nan (numpy: ifft([inf, 0, 0, 0]) is [inf/4 + 0j, ...]).
TEST(Fft, NormalisationKeepsInfinitiesApartFromNans) {
  const Array x = array(std::vector<c64>{{INFINITY, 0}, {0, 0}, {0, 0}, {0, 0}});
  const auto y = fft::ifft(x).to_vector<c64>();
  EXPECT_TRUE(std::isinf(y[0].real()));
  EXPECT_EQ(y[0].imag(), 0.0f);
}
