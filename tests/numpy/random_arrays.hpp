// Random arrays for the numpy oracle tests (every dtype, size-0 and size-1 axes, values whose
// float sums are exact in any order, operands plain, transposed or lazy), and the value check
// they share.
#pragma once

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "graph/scalar_math.hpp"
#include "numpy/oracle.hpp"

namespace oracle {

using namespace kiln;

constexpr DType kAll[] = {bool_, int32, int64, float32, float64};
// The narrow and unsigned integers and float16, drawn a quarter of the time.
constexpr DType kNarrow[] = {int8, int16, uint8, uint16, uint32, uint64, float16};

/// Draws random dtypes, shapes and arrays.
class RandomArrays {
 public:
  explicit RandomArrays(uint64_t seed) : rng_(seed) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  /// A random subset of the axes of a `rank`-d array, each negative half the time.
  std::vector<int> some_axes(int rank) {
    std::vector<int> axes;
    for (int d = 0; d < rank; ++d)
      if (pick(2)) axes.push_back(pick(2) ? d : d - rank);
    return axes;
  }

  /// An axis of a `rank`-d array, negative half the time, out of range now and then.
  int axis(int rank) {
    if (rank == 0 || pick(12) == 0) return rank + pick(2);
    const int d = pick(rank);
    return pick(2) ? d : d - rank;
  }

  /// axis(rank), or None (all axes) a quarter of the time.
  Arg axis_or_none(int rank) {
    return pick(4) == 0 ? oracle::axes_arg(nullptr) : oracle::axis_arg(axis(rank));
  }

  DType any_dtype() { return pick(4) == 0 ? kNarrow[pick(7)] : kAll[pick(5)]; }

  Shape shape() {
    static constexpr int64_t extents[] = {1, 1, 2, 3, 4, 5, 7, 0};
    Shape s(static_cast<size_t>(pick(5)));
    for (auto& e : s) e = extents[pick(pick(10) == 0 ? 8 : 7)];  // empty axes now and then
    return s;
  }

  // Values whose float sums are exact in any order (multiples of 1/8, small), with a nan or an
  // infinity now and then.
  Arg array(const Shape& s, DType t) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    return graph::visit_dtype(t, [&]<class T>() {
      if constexpr (std::is_same_v<T, bool>) {
        std::vector<bool> v(static_cast<size_t>(n));
        for (size_t i = 0; i < v.size(); ++i) v[i] = pick(2) == 0;
        return oracle::array_arg(v, s);
      } else {
        std::vector<T> v(static_cast<size_t>(n));
        for (auto& x : v) {
          if constexpr (std::is_same_v<T, half>) {
            x = half(static_cast<float>(pick(65) - 32) / 8);
            if (non_finite_ && pick(40) == 0) x = half(pick(2) ? NAN : INFINITY);
          } else if constexpr (std::is_floating_point_v<T>) {
            x = static_cast<T>(pick(65) - 32) / 8;
            if (non_finite_ && pick(40) == 0)
              x = pick(2) ? std::numeric_limits<T>::quiet_NaN()
                          : std::numeric_limits<T>::infinity();
          } else {
            x = static_cast<T>(std::is_unsigned_v<T> ? pick(12) : pick(19) - 9);
          }
        }
        return oracle::array_arg(v, s);
      }
    });
  }

  Arg operand(const Shape& s, DType t) {
    switch (pick(3)) {
      case 0: {  // a transposed view of an array of the reversed shape
        Shape r(s.rbegin(), s.rend());
        return oracle::transposed(array(r, t));
      }
      case 1:
        return oracle::lazy(array(s, t));
      default:
        return array(s, t);
    }
  }

 protected:
  std::mt19937_64 rng_;
  bool non_finite_ = true;  // a nan or an infinity now and then among the values
};

// Exact except where the order of floating-point operations differs from numpy's (products,
// and var/std, whose deviations from the mean are not exact): there, a relative tolerance.
/// "" when kiln's value of `c` is numpy's `want`, else what differs.
/// Whether `fn` names an op whose result depends on the math library (ops.def's kApprox).
inline bool approximate_op(const std::string& fn) {
  for (int op = 0; op < kiln::graph::kNumOps; ++op)
    if (kiln::graph::op_info(kiln::graph::Op(op)).fn == fn)
      return kiln::graph::has_flag(kiln::graph::Op(op), kiln::graph::kApprox);
  return false;
}

inline std::string check(const Case& c, const Result& want) {
  if (std::getenv("KILN_TEST_VERBOSE")) {
    std::fprintf(stderr, "case %s", c.fn.c_str());
    for (const Arg& a : c.args) std::fprintf(stderr, " %s", a.encoded.substr(0, 80).c_str());
    std::fprintf(stderr, "\n");
  }
  kiln::Array got;
  std::string diff;
  if (!evaluate_and_match(c, want, got, diff)) return diff;
  const bool rounding =
      c.fn == "prod" || c.fn == "var" || c.fn == "std" || c.fn == "cumprod" || c.fn == "nanprod" ||
      c.fn == "nanvar" || c.fn == "nanstd" || c.fn == "cov" || c.fn == "corrcoef" ||
      // LAPACK's and BLAS's order of operations is their own (numpy's LAPACK
      // may be another build than kiln's OpenBLAS)
      c.fn.rfind("linalg.", 0) == 0 ||
      // densities, and weights summed in numpy's blocks or by cumsum
      c.fn.rfind("histogram", 0) == 0 ||
      // einsum's sums in another order than numpy's (exact for the small
      // multiples of 1/8 the cases draw, except in float16 and complex)
      c.fn.rfind("einsum:", 0) == 0 ||
      // numpy's dot products (BLAS for floats) and spacing arithmetic
      c.fn.rfind("correlate.", 0) == 0 || c.fn.rfind("convolve.", 0) == 0 || c.fn == "gradient" ||
      // constants rounded once or twice, numpy's pairwise sums and BLAS dots
      c.fn == "deg2rad" || c.fn == "radians" || c.fn == "rad2deg" || c.fn == "degrees" ||
      c.fn.rfind("trapz", 0) == 0 || c.fn == "tensordot" || c.fn == "inner" || c.fn == "vdot" ||
      // libm's (or libmvec's) power and arctan2 against numpy's
      c.fn == "outer.power" || c.fn == "outer.arctan2" ||
      // sin, cos, exp and power of libmvec against numpy's loops, numpy's pairwise sums
      c.fn == "sinc" || c.fn == "i0" || c.fn == "float_power" || c.fn == "blackman" ||
      c.fn == "hamming" || c.fn == "hanning" || c.fn == "kaiser" || c.fn == "logspace" ||
      c.fn == "geomspace" || c.fn == "average" || c.fn == "nancumprod" || approximate_op(c.fn);
  return kiln::graph::visit_dtype(got.dtype(), [&]<class T>() -> std::string {
    const auto v = got.to_vector<T>();
    for (size_t i = 0; i < v.size(); ++i) {
      const T w = parse_value<T>(want.values[i]);
      bool ok = kiln_test::same_bits(v[i], w);
      if constexpr (std::is_same_v<T, kiln::half>) {  // as float, with float16's own tolerance
        const float g = v[i], x = w;
        if (!ok && g == x) ok = true;
        if (!ok && rounding && std::isfinite(g) && std::isfinite(x))
          ok = std::fabs(g - x) <= 2e-3f * std::max(1.0f, std::fabs(x));
      } else if constexpr (kiln::graph::ref::is_complex_v<T>) {  // each part as a float
        auto same = [](auto g, auto x) { return g == x || (std::isnan(g) && std::isnan(x)); };
        if (!ok) ok = same(v[i].real(), w.real()) && same(v[i].imag(), w.imag());
        const double tol = std::is_same_v<T, std::complex<float>> ? 1e-5 : 1e-12;
        if (!ok && rounding && std::isfinite(std::abs(v[i])) && std::isfinite(std::abs(w)))
          ok = std::abs(std::complex<double>(v[i]) - std::complex<double>(w)) <=
               tol * std::max(1.0, double(std::abs(w)));
      } else if constexpr (std::is_floating_point_v<T>) {
        if (!ok && std::isnan(v[i]) && std::isnan(w)) ok = true;
        if (!ok && v[i] == w) ok = true;  // 0.0 and -0.0 from different summation orders
        const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
        if (!ok && rounding && std::isfinite(v[i]) && std::isfinite(w))
          ok = std::fabs(double(v[i]) - double(w)) <= tol * std::max(1.0, std::fabs(double(w)));
      }
      if (!ok) {
        std::ostringstream os;
        os.precision(17);
        os << "element " << i << ": kiln " << v[i] << ", numpy " << w;
        return os.str();
      }
    }
    return "";
  });
}

/// `count` cases from `gen.next()` run in kiln and numpy and compared; at least one in
/// `errors_every` of them is refused by both (the error paths were taken), and most compute.
template <class Gen>
void check_random_cases(Gen& gen, int count, int errors_every) {
  std::vector<Case> cases;
  for (int i = 0; i < count; ++i) cases.push_back(gen.next());
  const int refused = run_and_check(cases, check);
  EXPECT_GT(refused, count / errors_every);
  EXPECT_LT(refused, count * 2 / 5);
}

}  // namespace oracle
