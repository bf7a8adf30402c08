// The optimizer end to end: accuracy rewrites against 50-digit mpmath values (before: rules
// off; after: the default), the stable public functions, the levels and the plan cache, the
// derivative of a rewritten formula, and KILN_LOG=rewrites / KILN_OPTIMIZE.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

namespace {

// Restores the default level when a test ends.
struct Level {
  explicit Level(Optimize l) { set_optimize(l); }
  ~Level() { set_optimize(Optimize::full); }
};

std::string hex_list(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", x);
    s += (s.empty() ? "" : ",") + std::string(buf);
  }
  return s;
}

// The mpmath oracle's answers (tests/numpy/mpmath_oracle.py), one vector per request line.
std::vector<std::vector<double>> mpmath_values(const std::vector<std::string>& requests) {
  const auto in =
      std::filesystem::temp_directory_path() / ("kiln_mpmath_" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream f(in);
    for (const std::string& r : requests) f << r << "\n";
  }
  const std::string cmd =
      "/usr/bin/python3 " KILN_TEST_DIR "/numpy/mpmath_oracle.py < " + in.string();
  FILE* p = popen(cmd.c_str(), "r");
  std::vector<std::vector<double>> out;
  char line[8192];
  while (p && std::fgets(line, sizeof line, p)) {
    std::vector<double> values;
    std::stringstream ss(line);
    for (std::string v; std::getline(ss, v, ',');)
      values.push_back(std::strtod(v.c_str(), nullptr));
    out.push_back(values);
  }
  const int rc = p ? pclose(p) : -1;
  std::filesystem::remove(in);
  EXPECT_EQ(rc, 0) << "the mpmath oracle failed (is python3-mpmath installed? make deps)";
  return out;
}

// |got - want| in units of the last place of `want` in `t` (0 for equal values, inf for a
// non-finite result where the true value is finite).
double ulps(double got, double want, DType t) {
  if (got == want || (std::isnan(got) && std::isnan(want))) return 0;
  if (!std::isfinite(got) || !std::isfinite(want)) return INFINITY;
  const double w = std::fabs(want);
  const double ulp = t == float32
                         ? static_cast<double>(std::nextafter(static_cast<float>(w), INFINITY) -
                                               static_cast<float>(w))
                         : std::nextafter(w, INFINITY) - w;
  return std::fabs(got - want) / ulp;
}

struct AccuracyCase {
  const char* formula;  // as the user writes it
  const char* oracle;   // mpmath_oracle.py's function
  DType dtype;
  std::vector<double> x, y;
  std::function<Array(const Array&, const Array&)> f;
};

Array vec(const std::vector<double>& v, DType t) {
  return v.empty() ? Array() : array(v).astype(t);
}

std::vector<double> values_of(const Array& a) {
  return a.astype(float64).to_vector<double>();
}

const std::vector<AccuracyCase>& accuracy_cases() {
  static const std::vector<AccuracyCase> cases = {
      {"log(1 + x)",
       "log1p",
       float64,
       {1e-12, -1e-15, 3e-8},
       {},
       [](auto& x, auto&) { return log(1.0 + x); }},
      {"log(1 + x)",
       "log1p",
       float32,
       {1e-7, 3e-5},
       {},
       [](auto& x, auto&) { return log(1.f + x); }},
      {"exp(x) - 1",
       "expm1",
       float64,
       {1e-12, -1e-10, 1e-5},
       {},
       [](auto& x, auto&) { return exp(x) - 1.0; }},
      {"log(1 - x)",
       "log1m",
       float64,
       {1e-12, 1e-17},
       {},
       [](auto& x, auto&) { return log(1.0 - x); }},
      {"log(exp(x))",
       "logexp",
       float64,
       {800, -800, 1e-3},
       {},
       [](auto& x, auto&) { return log(exp(x)); }},
      {"sqrt(x*x + y*y)",
       "hypot",
       float64,
       {1e200, 1e-200},
       {1e200, 3e-200},
       [](auto& x, auto& y) { return sqrt(x * x + y * y); }},
      {"log(sum(exp(x)))",
       "logsumexp",
       float64,
       {1000, 1000},
       {},
       [](auto& x, auto&) { return log(sum(exp(x))); }},
      {"log(sum(exp(x)))",
       "logsumexp",
       float64,
       {-1000, -1000.5},
       {},
       [](auto& x, auto&) { return log(sum(exp(x))); }},
      {"exp(x) / sum(exp(x))",
       "softmax",
       float64,
       {1000, 0},
       {},
       [](auto& x, auto&) { return exp(x) / sum(exp(x)); }},
      {"exp(x) / sum(exp(x))",
       "softmax",
       float32,
       {-200, -200.5},
       {},
       [](auto& x, auto&) { return exp(x) / sum(exp(x)); }},
      {"log(exp(x) / sum(exp(x)))",
       "log_softmax",
       float64,
       {1000, 0},
       {},
       [](auto& x, auto&) { return log(exp(x) / sum(exp(x))); }},
      {"1 / (1 + exp(-x))",
       "sigmoid",
       float64,
       {-740, -720, 0.5},
       {},
       [](auto& x, auto&) { return 1.0 / (1.0 + exp(-x)); }},
      {"1 / (1 + exp(-x))",
       "sigmoid",
       float32,
       {-100, -90},
       {},
       [](auto& x, auto&) { return 1.f / (1.f + exp(-x)); }},
      {"log(1 + exp(x))",
       "softplus",
       float64,
       {800, -40, 1e-12},
       {},
       [](auto& x, auto&) { return log(1.0 + exp(x)); }},
      {"log(1 / (1 + exp(-x)))",
       "logsigmoid",
       float64,
       {-800, 40, 0.5},
       {},
       [](auto& x, auto&) { return log(1.0 / (1.0 + exp(-x))); }},
  };
  return cases;
}

}  // namespace

// Every accuracy rule at the inputs that break the formula as written: within a few ulp of the
// 50-digit value with the rules on; the table (also in the README) shows the error without.
TEST(Optimizer, AccuracyRulesAgainstMpmath) {
  std::vector<std::string> requests;
  for (const AccuracyCase& c : accuracy_cases())
    requests.push_back(std::string(c.oracle) + " " + std::string(dtype_name(c.dtype)) + " " +
                       hex_list(c.x) + (c.y.empty() ? "" : " " + hex_list(c.y)));
  const auto truth = mpmath_values(requests);
  ASSERT_EQ(truth.size(), accuracy_cases().size());
  std::printf("| formula | dtype | x | ulp error, rules off | ulp error, default |\n");
  for (size_t k = 0; k < truth.size(); ++k) {
    const AccuracyCase& c = accuracy_cases()[k];
    const Array x = vec(c.x, c.dtype), y = vec(c.y, c.dtype);
    std::vector<double> before, after;
    {
      Level off(Optimize::none);
      before = values_of(c.f(x, y));
    }
    after = values_of(c.f(x, y));
    ASSERT_EQ(after.size(), truth[k].size()) << c.formula;
    for (size_t i = 0; i < after.size(); ++i) {
      const double e0 = ulps(before[i], truth[k][i], c.dtype);
      const double e1 = ulps(after[i], truth[k][i], c.dtype);
      std::printf("| `%s` | %s | %g | %.3g | %.3g |\n", c.formula,
                  std::string(dtype_name(c.dtype)).c_str(), c.x[i < c.x.size() ? i : 0], e0, e1);
      EXPECT_LE(e1, 4.0) << c.formula << " at element " << i << ": " << after[i] << ", true "
                         << truth[k][i];
    }
  }
}

TEST(Optimizer, StableFunctionsAgainstMpmath) {
  const std::vector<double> x = {-800, -40, -1e-12, 0, 1e-12, 3, 40, 800};
  const std::vector<double> y = {800, -41, 0, 0, 2, 3, 1000, -5};
  std::vector<double> positive;  // xlogy's y
  for (double v : y) positive.push_back(std::fabs(v));
  const std::vector<double> big = {1000, 999, -5, 1000};
  const auto truth =
      mpmath_values({"sigmoid float64 " + hex_list(x), "softplus float64 " + hex_list(x),
                     "logaddexp float64 " + hex_list(x) + " " + hex_list(y),
                     "logaddexp2 float64 " + hex_list(x) + " " + hex_list(y),
                     "xlogy float64 " + hex_list(x) + " " + hex_list(positive),
                     "logsumexp float64 " + hex_list(big), "softmax float64 " + hex_list(big),
                     "log_softmax float64 " + hex_list(big)});
  ASSERT_EQ(truth.size(), 8u);
  for (Optimize level : {Optimize::none, Optimize::full}) {  // stable with or without the rules
    Level l(level);
    const Array a = array(x), b = array(y), v = array(big);
    const Array got[] = {expit(a),
                         softplus(a),
                         logaddexp(a, b),
                         logaddexp2(a, b),
                         xlogy(a, array(positive)),
                         special::logsumexp(v),
                         softmax(v),
                         log_softmax(v)};
    for (size_t k = 0; k < truth.size(); ++k) {
      const std::vector<double> g = values_of(got[k]);
      ASSERT_EQ(g.size(), truth[k].size()) << k;
      for (size_t i = 0; i < g.size(); ++i)
        EXPECT_LE(ulps(g[i], truth[k][i], float64), 4.0)
            << "function " << k << " element " << i << ": " << g[i] << ", true " << truth[k][i];
    }
  }
}

TEST(Optimizer, StableFunctionsDtypesAxesAndEdges) {
  const Array m = array(std::vector<float>{1000, 0, -1000, 3, 2, 1}, {2, 3});
  const Array s = softmax(m, 1);
  EXPECT_EQ(s.dtype(), float32);
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  const std::vector<float> sv = s.to_vector<float>();
  EXPECT_FLOAT_EQ(sv[0], 1.f);
  EXPECT_FLOAT_EQ(sv[3] + sv[4] + sv[5], 1.f);
  EXPECT_EQ(special::logsumexp(m, 0).shape(), (Shape{3}));
  EXPECT_EQ(special::logsumexp(m, -1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(special::logsumexp(m).shape(), Shape{});
  EXPECT_EQ(log_softmax(m, {0, 1}).shape(), (Shape{2, 3}));
  EXPECT_EQ(expit(arange(3, int32)).dtype(), float64);
  // All -inf: -inf, not nan; no elements: -inf.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(special::logsumexp(array(std::vector<double>{-inf, -inf})).item<double>(), -inf);
  EXPECT_EQ(special::logsumexp(zeros({0}, float64)).item<double>(), -inf);
  EXPECT_EQ(logaddexp(inf, inf).item<double>(), inf);
  EXPECT_EQ(logaddexp(-inf, -inf).item<double>(), -inf);
  EXPECT_TRUE(std::isnan(xlogy(0.0, std::nan("")).item<double>()));
  EXPECT_EQ(xlogy(0.0, 0.0).item<double>(), 0.0);
  // numpy's logaddexp agrees where numpy is accurate.
  EXPECT_DOUBLE_EQ(logaddexp(1.0, 2.0).item<double>(), std::log(std::exp(1.0) + std::exp(2.0)));
}

TEST(Optimizer, BadAxesAreErrorsNamingTheFunction) {
  const Array m = zeros({2, 3}, float32);
  kiln_test::expect_error([&] { softmax(m, 2).eval(); }, {"softmax", "axis 2"});
  kiln_test::expect_error([&] { log_softmax(m, {0, 0}).eval(); }, {"log_softmax", "repeated"});
  kiln_test::expect_error([&] { special::logsumexp(m, -3).eval(); }, {"logsumexp", "axis -3"});
}

// Exact mode keeps what is not bit-identical; none keeps everything as written.
TEST(Optimizer, LevelsChooseTheRules) {
  const Array x = array(std::vector<double>{1e-12});
  EXPECT_EQ(optimize_level(), Optimize::full);
  const double full = log(1.0 + x).item<double>();
  double exact = 0, none = 0;
  {
    Level l(Optimize::exact);
    exact = log(1.0 + x).item<double>();
  }
  {
    Level l(Optimize::none);
    none = log(1.0 + x).item<double>();
  }
  EXPECT_EQ(full, std::log1p(1e-12));
  EXPECT_EQ(exact, none);  // the level is part of the plan: no plan was shared
  EXPECT_NE(exact, full);
}

// A plan made where a rule decided by a scalar's class (x * 1) is not reused for another class
// (x * 3), and one plan serves every value of a class.
TEST(Optimizer, PlansFollowScalarClasses) {
  const Array x = arange(16, float64);
  x.eval();
  for (double c : {1.0, 3.0, 1.0, 5.0, 7.0}) {
    const std::vector<double> v = (x * c + 0.5).to_vector<double>();
    EXPECT_EQ(v[3], 3 * c + 0.5) << c;
  }
  reset_stats();
  for (double c : {9.0, 11.0, 13.0}) (x * c + 0.25).eval();
  EXPECT_EQ(stats().plans_built, 1u);
  for (double c : {0.5, 0.25, 1024.0}) {  // x / 2^k is x * (1 / 2^k), exactly
    const std::vector<double> v = (x / c).to_vector<double>();
    EXPECT_EQ(v[3], 3 / c) << c;
  }
}

// The derivative of log(1 + exp(x)) as the chain rule writes it is exp(x) / (1 + exp(x)), nan at
// x = 800 (inf / inf); the rules make it the stable sigmoid. kiln::softplus is stable anyway.
// Likewise log(sum(exp(x)))'s becomes a max-shifted softmax.
TEST(Optimizer, DerivativesOfRewrittenFormulasAreFinite) {
  const Array x = array(std::vector<double>{-800, 0, 800});
  auto naive = [](const Array& a) { return sum(log(1.0 + exp(a))); };
  const std::vector<double> g = grad(naive)(x).to_vector<double>();
  EXPECT_EQ(g, (std::vector<double>{0, 0.5, 1}));
  const std::vector<double> gs =
      grad([](const Array& a) { return sum(softplus(a)); })(x).to_vector<double>();
  EXPECT_EQ(gs, (std::vector<double>{0, 0.5, 1}));
  // log(sum(exp(x))): its chain-rule derivative is g / sum(exp(x)) * exp(x), 0 * inf at 1000.
  const Array m = array(std::vector<double>{1000, 1000, 0, -5}, {2, 2});
  auto lse = [](const Array& a) { return sum(log(sum(exp(a), 1))); };
  const std::vector<double> gl = grad(lse)(m).to_vector<double>();
  EXPECT_EQ(gl[0], 0.5);
  EXPECT_EQ(gl[1], 0.5);
  EXPECT_NEAR(gl[2], 1 / (1 + std::exp(-5.0)), 1e-15);
  Level l(Optimize::exact);
  EXPECT_TRUE(std::isnan(grad(naive)(x).to_vector<double>()[2]));
  EXPECT_TRUE(std::isnan(grad(lse)(m).to_vector<double>()[0]));
}

// A training loop written the obvious way reads the value and the updated weights in separate
// syncs. The value and the gradient of one differentiation are computed together, whichever
// is read first, so the rules see both: stored apart, log(sum(exp(w)))'s exp(w) would be kept
// as inf for the gradient's sync (nan), or the gradient's for the value's (inf).
TEST(Optimizer, ValueAndGradientReadInSeparateSyncsStayStable) {
  auto lse = [](const Array& a) { return log(sum(exp(a))); };
  for (const bool value_first : {true, false}) {
    Array w = array(std::vector<float>{1000, 999, 998});
    double expected = 0;
    for (int step = 0; step < 3; ++step) {
      std::vector<float> wv = w.to_vector<float>();
      const float top = *std::max_element(wv.begin(), wv.end());
      double s = 0;
      for (float x : wv) s += std::exp(double(x) - top);
      expected = top + std::log(s);
      auto [v, g] = value_and_grad(lse)(w);
      w = w - 0.1f * g;
      float value = 0;
      if (value_first) {
        value = v.item<float>();
        EXPECT_TRUE(w.is_evaluated() || std::isfinite(w.to_vector<float>()[0]));
      } else {
        EXPECT_TRUE(std::isfinite(w.to_vector<float>()[0])) << step;
        EXPECT_TRUE(v.is_evaluated()) << "computed with the gradient";
        value = v.item<float>();
      }
      EXPECT_NEAR(value, expected, 1e-3) << value_first << " step " << step;
    }
    for (float x : w.to_vector<float>()) EXPECT_TRUE(std::isfinite(x)) << value_first;
  }
  // kiln::grad(y, wrt) and jvp likewise.
  const Array x = array(std::vector<double>{1000, 999});
  const Array y = log(sum(exp(x)));
  const std::vector<Array> gy = grad(y, {x});
  EXPECT_NEAR(y.item<double>(), 1000 + std::log1p(std::exp(-1.0)), 1e-12);
  EXPECT_NEAR(gy[0].to_vector<double>()[0], 1 / (1 + std::exp(-1.0)), 1e-12);
  auto [out, tangent] = jvp(lse, {x}, {ones_like(x)});
  EXPECT_NEAR(tangent.item<double>(), 1.0, 1e-12);
  const double p = 1 / (1 + std::exp(-1.0));  // softmax(x)[0]
  EXPECT_NEAR(jvp(lse, {x}, {array(std::vector<double>{0.5, -1})}).second.item<double>(),
              0.5 * p - (1 - p), 1e-12);
  EXPECT_TRUE(out.is_evaluated());
  EXPECT_NEAR(out.item<double>(), 1000 + std::log1p(std::exp(-1.0)), 1e-12);
}

// A gradient the user let go of is not computed with the value that is read.
TEST(Optimizer, ComputedTogetherSkipsDroppedArrays) {
  auto f = [](const Array& a) { return sum(a * a); };
  const Array alone = f(array(std::vector<double>{3, 4, 5}));
  uint64_t before = stats().bytes_allocated;
  EXPECT_EQ(alone.item<double>(), 50);
  const uint64_t value_only = stats().bytes_allocated - before;
  Array v = value_and_grad(f)(array(std::vector<double>{1, 2, 3})).first;
  before = stats().bytes_allocated;
  EXPECT_EQ(v.item<double>(), 14);
  EXPECT_EQ(stats().bytes_allocated - before, value_only);
  auto [v2, g2] = value_and_grad(f)(array(std::vector<double>{1, 2, 3}));
  before = stats().bytes_allocated;
  EXPECT_EQ(v2.item<double>(), 14);
  EXPECT_GT(stats().bytes_allocated - before, value_only) << "the gradient, held, is computed";
  EXPECT_TRUE(g2.is_evaluated());
}

TEST(Optimizer, KilnLogRewritesNamesRuleAndCallSite) {
  const auto log =
      std::filesystem::temp_directory_path() / ("kiln_rewrites_" + std::to_string(getpid()));
  const std::string probe = KILN_BINARY_DIR "/tests/log_probe rewrites 2> " + log.string();
  auto lines_of = [&](const std::string& env) {
    EXPECT_EQ(std::system(("KILN_CACHE=off " + env + " " + probe).c_str()), 0);
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  };
  const auto on = lines_of("KILN_LOG=rewrites");
  ASSERT_EQ(on.size(), 1u);
  EXPECT_EQ(on[0].rfind("kiln: rewrite log1p ", 0), 0u) << on[0];
  EXPECT_NE(on[0].find("log_probe.cpp:12"), std::string::npos) << on[0];
  EXPECT_TRUE(lines_of("KILN_LOG=rewrites KILN_OPTIMIZE=none").empty());
  const auto bad = lines_of("KILN_OPTIMIZE=fastest");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find("KILN_OPTIMIZE=fastest"), std::string::npos) << bad[0];
  std::filesystem::remove(log);
}
