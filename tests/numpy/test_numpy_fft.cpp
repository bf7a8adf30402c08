// numpy as the oracle for kiln::fft: fft, ifft, rfft, irfft, fft2, ifft2, fftn, ifftn, rfftn,
// irfftn, rfft2, irfft2, hfft and ihfft with every norm, fftfreq, rfftfreq, fftshift and ifftshift;
// with cropping and zero-padding n, every axis, odd and even lengths, float32 and complex64 inputs
// (single precision, as NumPy 2) and float64, int32, int64 and complex128 ones (double). numpy
// 1.24 computes in double precision; kiln's single-precision FFTW results must be within 2e-5
// of the largest output magnitude (float32 rounding grows like log n), double ones within 1e-13.
#include <random>

#include "numpy/oracle.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;
using c64 = std::complex<float>;
using c128 = std::complex<double>;

namespace {

class FftCases {
 public:
  explicit FftCases(uint64_t seed) : rng_(seed) {}
  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  Arg array(const Shape& s, DType t) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    auto v = [&] { return static_cast<float>(pick(2001) - 1000) / 256; };
    Arg a;
    if (t == complex64) {
      std::vector<c64> x(static_cast<size_t>(n));
      for (auto& e : x) e = {v(), v()};
      a = oracle::array_arg(x, s);
    } else if (t == complex128) {
      std::vector<c128> x(static_cast<size_t>(n));
      for (auto& e : x) e = {v() / 3.0, v()};
      a = oracle::array_arg(x, s);
    } else if (t == int32) {
      std::vector<int32_t> x(static_cast<size_t>(n));
      for (auto& e : x) e = pick(41) - 20;
      a = oracle::array_arg(x, s);
    } else if (t == int64) {
      std::vector<int64_t> x(static_cast<size_t>(n));
      for (auto& e : x) e = pick(41) - 20;
      a = oracle::array_arg(x, s);
    } else if (t == float32) {
      std::vector<float> x(static_cast<size_t>(n));
      for (auto& e : x) e = v();
      a = oracle::array_arg(x, s);
    } else {
      std::vector<double> x(static_cast<size_t>(n));
      for (auto& e : x) e = v();
      a = oracle::array_arg(x, s);
    }
    return pick(4) == 0 ? oracle::transposed(a) : a;
  }

  Case next() {
    static const char* fns[] = {"fft",   "ifft", "rfft",  "irfft", "fft2",   "ifft2", "hfft",
                                "ihfft", "fftn", "ifftn", "rfftn", "irfftn", "rfft2", "irfft2"};
    const std::string fn = fns[pick(14)];
    if (pick(10) == 0) {  // the frequencies, and shifts of any array
      if (pick(2))
        return {pick(2) ? "fft.fftfreq" : "fft.rfftfreq",
                {oracle::int_arg(pick(10)), oracle::float_arg(pick(2) ? 1.0 : 0.25)}};
      Shape s(static_cast<size_t>(pick(4)));
      for (auto& e : s) e = 1 + pick(5);
      std::vector<int> axes;
      for (int i = pick(3); i > 0 && !s.empty(); --i)
        axes.push_back(pick(static_cast<int>(s.size())));
      return {
          pick(2) ? "fft.fftshift" : "fft.ifftshift",
          {array(s, float64), axes.empty() ? oracle::axes_arg(nullptr) : oracle::axes_arg(axes)}};
    }
    const bool real_input = fn == "rfft" || fn == "rfftn" || fn == "rfft2" || fn == "ihfft";
    const bool nd = fn.find("fft2") != std::string::npos || fn.find("fftn") != std::string::npos;
    static constexpr int64_t extents[] = {1, 2, 3, 4, 5, 8, 9, 16, 30, 64};
    Shape s(static_cast<size_t>(1 + pick(3)));
    for (auto& e : s) e = extents[pick(10)];
    const int rank = static_cast<int>(s.size());
    static constexpr DType reals[] = {float32, float32, float64, float64, int32, int64};
    const DType t = !real_input && pick(2) ? (pick(2) ? complex64 : complex128) : reals[pick(6)];
    Arg a = array(s, t);
    if (a.encoded.rfind("AT", 0) == 0) std::reverse(s.begin(), s.end());  // numpy sees a.T
    Case c{"fft." + fn, {a}};
    if (nd) {
      std::vector<int> axes = {-2, -1};
      if (rank == 1 || pick(4) == 0) axes = {pick(rank)};
      const bool all = fn.find("fftn") != std::string::npos && pick(3) == 0;  // axes None
      if (pick(3) == 0) {
        Shape n;
        for (size_t i = 0; i < (all ? static_cast<size_t>(1 + pick(rank)) : axes.size()); ++i)
          n.push_back(1 + pick(9));
        c.args.push_back(oracle::shape_arg(n));
      } else {
        c.args.push_back(oracle::axes_arg(nullptr));
      }
      c.args.push_back(all ? oracle::axes_arg(nullptr) : oracle::axes_arg(axes));
    } else {
      c.args.push_back(oracle::int_arg(pick(3) == 0 ? 1 + pick(12) : -1));
      c.args.push_back(oracle::axis_arg(pick(2) ? pick(rank) : -1 - pick(rank)));
    }
    c.args.push_back(oracle::int_arg(pick(3)));
    return c;
  }

 private:
  std::mt19937_64 rng_;
};

std::string check(const Case& c, const oracle::Result& want) {
  Array got;
  std::string diff;
  if (!oracle::evaluate_and_match(c, want, got, diff, [](const std::string&) { return false; }))
    return diff;
  const double rtol = want.dtype == "complex64" || want.dtype == "float32" ? 2e-5 : 1e-13;
  const auto g = got.astype(complex128).to_vector<c128>();
  double scale = 1;
  std::vector<c128> w;
  for (const std::string& v : want.values) {
    w.push_back(oracle::parse_complex128(v));
    scale = std::max(scale, std::abs(w.back()));
  }
  for (size_t i = 0; i < g.size(); ++i)
    if (std::abs(g[i] - w[i]) > rtol * scale) {
      std::ostringstream os;
      os.precision(17);
      os << "element " << i << ": kiln " << g[i] << ", numpy " << w[i];
      return os.str();
    }
  return "";
}

}  // namespace

TEST(NumpyOracle, FftOnRandomShapes) {
  FftCases gen(1965);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(1200); ++i) cases.push_back(gen.next());
  oracle::run_and_check(cases, check);
}
