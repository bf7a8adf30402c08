// Accuracy of the vectorized math functions (glibc libmvec in kiln, SVML or libm in numpy):
// every function on thousands of points across its domain, within a few ulp of numpy.
#include <cstdio>
#include <random>

#include "numpy/oracle.hpp"

using namespace kiln;

namespace {

struct Domain {
  const char* fn;
  double lo, hi;    // uniform part
  bool log_spaced;  // also sample magnitudes log-uniformly in [1e-6, hi]
  bool binary;      // second operand from [lo2, hi2]
  double lo2 = 0, hi2 = 0;
};

const Domain kDomains[] = {
    {"exp", -85, 85, false, false},
    {"exp2", -125, 125, false, false},
    {"expm1", -20, 20, true, false},
    {"log", 0, 1e30, true, false},
    {"log2", 0, 1e30, true, false},
    {"log10", 0, 1e30, true, false},
    {"log1p", -0.999, 1e10, true, false},
    {"sin", -1e4, 1e4, true, false},
    {"cos", -1e4, 1e4, true, false},
    {"tan", -1e3, 1e3, true, false},
    {"arcsin", -1, 1, true, false},
    {"arccos", -1, 1, true, false},
    {"arctan", -1e5, 1e5, true, false},
    {"sinh", -85, 85, true, false},
    {"cosh", -85, 85, false, false},
    {"tanh", -20, 20, true, false},
    {"arcsinh", -1e5, 1e5, true, false},
    {"arccosh", 1, 1e5, false, false},
    {"arctanh", -0.999, 0.999, true, false},
    {"cbrt", -1e10, 1e10, true, false},
    {"erf", -6, 6, true, false},
    {"erfc", -6, 10, true, false},
    {"power", 0, 100, true, true, -20, 20},
    {"arctan2", -10, 10, true, true, -10, 10},
    {"hypot", -1e10, 1e10, true, true, -1e10, 1e10},
};

template <class T>
std::vector<T> samples(std::mt19937_64& rng, double lo, double hi, bool log_spaced, size_t n) {
  std::uniform_real_distribution<double> u(lo, hi),
      e(-6, std::log10(std::max(std::fabs(hi), 1e-6)));
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) {
    double x = u(rng);
    if (log_spaced && i % 2)
      x = std::copysign(std::pow(10.0, e(rng)), lo < 0 && (i % 4 == 1) ? -1.0 : 1.0);
    v[i] = static_cast<T>(std::clamp(x, lo, hi));
  }
  return v;
}

}  // namespace

TEST(Accuracy, MathFunctionsWithinFewUlpOfNumpy) {
  std::mt19937_64 rng(2024);
  const size_t n = 4000;
  std::vector<oracle::Case> cases;
  std::vector<std::string> labels;
  for (const Domain& d : kDomains) {
    for (DType t : {float32, float64}) {
      oracle::Case c{d.fn, {}};
      graph::visit_dtype(t, [&]<class T>() {
        if constexpr (std::is_floating_point_v<T>) {
          c.args.push_back(oracle::array_arg(samples<T>(rng, d.lo, d.hi, d.log_spaced, n)));
          if (d.binary)
            c.args.push_back(oracle::array_arg(samples<T>(rng, d.lo2, d.hi2, false, n)));
        }
      });
      cases.push_back(std::move(c));
      labels.push_back(std::string(d.fn) + " " + std::string(dtype_name(t)));
    }
  }
  const auto results = oracle::run_numpy(cases);
  std::printf("%-16s %8s %12s\n", "function", "max ulp", "mean ulp");
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(results[i].ok) << labels[i] << ": " << results[i].error;
    const Array got = oracle::evaluate(cases[i]);
    int64_t worst = 0;
    double total = 0;
    graph::visit_dtype(got.dtype(), [&]<class T>() {
      if constexpr (std::is_floating_point_v<T>) {
        const auto v = got.to_vector<T>();
        ASSERT_EQ(v.size(), results[i].values.size());
        for (size_t k = 0; k < v.size(); ++k) {
          const T w = static_cast<T>(std::strtod(results[i].values[k].c_str(), nullptr));
          if (std::isnan(w) || std::isnan(v[k])) {
            EXPECT_TRUE(std::isnan(w) && std::isnan(v[k])) << labels[i] << " at " << k;
            continue;
          }
          if (std::isinf(w) || std::isinf(v[k])) {
            EXPECT_EQ(v[k], w) << labels[i] << " at " << k;
            continue;
          }
          const int64_t d = oracle::ulp_distance(v[k], w);
          total += static_cast<double>(d);
          worst = std::max(worst, d);
        }
      }
    });
    std::printf("%-16s %8lld %12.3f\n", labels[i].c_str(), static_cast<long long>(worst),
                total / n);
    EXPECT_LE(worst, 4) << labels[i];
  }
}
