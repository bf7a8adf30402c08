// numpy as the oracle for kiln::random's distributions (kiln/random_distributions.hpp): kiln's
// draws and numpy's own draws with the same parameters are compared by a two-sample
// Kolmogorov-Smirnov test (tests/numpy/random_oracle.py), column by column for the vector-valued
// ones; the values cannot be compared (kiln's generator is Philox, numpy's MT19937). Also: the
// parameter checks (numpy's words, C++ scalars at the call, arrays at the call or the sync),
// broadcasting against `size`, seeds reproducing, and the error paths.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;
namespace kr = kiln::random;

namespace {

struct DistributionCase {
  std::string name;                    // numpy's function
  std::string numpy;                   // numpy's call (r: a RandomState, N: the row count)
  std::function<Array(int64_t)> kiln;  // kiln's draws: N rows
};

Array f64(const std::vector<double>& v) {
  return array(v);
}

std::vector<DistributionCase> cases() {
  using S = Shape;
  const Array p3 = f64({0.2, 0.5, 0.3});
  return {
      {"uniform", "r.uniform(-2.0, 3.0, N)",
       [](int64_t n) { return random::uniform({n}, -2.0, 3.0, float64); }},
      {"normal", "r.normal(1.5, 0.5, N)",
       [](int64_t n) { return random::normal({n}, 1.5, 0.5, float64); }},
      {"randint", "r.randint(-5, 9, N)", [](int64_t n) { return random::randint(-5, 9, {n}); }},
      {"rand", "r.rand(N)", [](int64_t n) { return kr::rand({n}); }},
      {"randn", "r.randn(N)", [](int64_t n) { return kr::randn({n}); }},
      {"random", "r.random(N)", [](int64_t n) { return kr::random(S{n}); }},
      {"random_sample", "r.random_sample(N)", [](int64_t n) { return kr::random_sample(S{n}); }},
      {"ranf", "r.random_sample(N)", [](int64_t n) { return kr::ranf(S{n}); }},
      {"sample", "r.random_sample(N)", [](int64_t n) { return kr::sample(S{n}); }},
      {"standard_normal", "r.standard_normal(N)",
       [](int64_t n) { return kr::standard_normal(S{n}); }},
      {"standard_exponential", "r.standard_exponential(N)",
       [](int64_t n) { return kr::standard_exponential(S{n}); }},
      {"standard_cauchy", "r.standard_cauchy(N)",
       [](int64_t n) { return kr::standard_cauchy(S{n}); }},
      {"random_integers", "r.random_integers(-3, 7, N)",
       [](int64_t n) { return kr::random_integers(-3, 7, S{n}); }},
      {"exponential", "r.exponential(2.5, N)",
       [](int64_t n) { return kr::exponential(2.5, S{n}); }},
      {"exponential", "r.exponential([1.0, 3.0], (N, 2))",
       [](int64_t n) {
         return kr::exponential(f64({1.0, 3.0}), S{n, 2});
       }},
      {"gumbel", "r.gumbel(1.0, 2.0, N)", [](int64_t n) { return kr::gumbel(1.0, 2.0, S{n}); }},
      {"laplace", "r.laplace(-1.0, 0.5, N)",
       [](int64_t n) { return kr::laplace(-1.0, 0.5, S{n}); }},
      {"logistic", "r.logistic(2.0, 3.0, N)",
       [](int64_t n) { return kr::logistic(2.0, 3.0, S{n}); }},
      {"lognormal", "r.lognormal(0.5, 0.8, N)",
       [](int64_t n) { return kr::lognormal(0.5, 0.8, S{n}); }},
      {"pareto", "r.pareto(2.5, N)", [](int64_t n) { return kr::pareto(2.5, S{n}); }},
      {"power", "r.power(0.7, N)", [](int64_t n) { return kr::power(0.7, S{n}); }},
      {"rayleigh", "r.rayleigh(1.5, N)", [](int64_t n) { return kr::rayleigh(1.5, S{n}); }},
      {"triangular", "r.triangular(-1.0, 0.5, 3.0, N)",
       [](int64_t n) { return kr::triangular(-1.0, 0.5, 3.0, S{n}); }},
      {"wald", "r.wald(1.5, 2.0, N)", [](int64_t n) { return kr::wald(1.5, 2.0, S{n}); }},
      {"weibull", "r.weibull(1.7, N)", [](int64_t n) { return kr::weibull(1.7, S{n}); }},
      {"weibull", "r.weibull(0.5, N)", [](int64_t n) { return kr::weibull(0.5, S{n}); }},
      {"geometric", "r.geometric(0.15, N)", [](int64_t n) { return kr::geometric(0.15, S{n}); }},
      {"geometric", "r.geometric(0.6, N)", [](int64_t n) { return kr::geometric(0.6, S{n}); }},
      {"standard_gamma", "r.standard_gamma(0.3, N)",
       [](int64_t n) { return kr::standard_gamma(0.3, S{n}); }},
      {"standard_gamma", "r.standard_gamma(4.5, N)",
       [](int64_t n) { return kr::standard_gamma(4.5, S{n}); }},
      {"gamma", "r.gamma(2.2, 1.5, N)", [](int64_t n) { return kr::gamma(2.2, 1.5, S{n}); }},
      {"gamma", "r.gamma([[0.5], [7.0]], 2.0, (2, N)).T",  // array shapes, broadcast
       [](int64_t n) {
         return kr::gamma(f64({0.5, 7.0}).reshape({2, 1}), 2.0, S{2, n}).T();
       }},
      {"beta", "r.beta(0.4, 0.6, N)", [](int64_t n) { return kr::beta(0.4, 0.6, S{n}); }},
      {"beta", "r.beta(2.5, 7.0, N)", [](int64_t n) { return kr::beta(2.5, 7.0, S{n}); }},
      {"chisquare", "r.chisquare(3.5, N)", [](int64_t n) { return kr::chisquare(3.5, S{n}); }},
      {"standard_t", "r.standard_t(2.5, N)", [](int64_t n) { return kr::standard_t(2.5, S{n}); }},
      {"f", "r.f(4.0, 9.0, N)", [](int64_t n) { return kr::f(4.0, 9.0, S{n}); }},
      {"noncentral_chisquare", "r.noncentral_chisquare(3.0, 1.5, N)",
       [](int64_t n) { return kr::noncentral_chisquare(3.0, 1.5, S{n}); }},
      {"noncentral_chisquare", "r.noncentral_chisquare(0.6, 2.0, N)",
       [](int64_t n) { return kr::noncentral_chisquare(0.6, 2.0, S{n}); }},
      {"noncentral_f", "r.noncentral_f(3.0, 8.0, 2.5, N)",
       [](int64_t n) { return kr::noncentral_f(3.0, 8.0, 2.5, S{n}); }},
      {"vonmises", "r.vonmises(0.5, 0.3, N)",
       [](int64_t n) { return kr::vonmises(0.5, 0.3, S{n}); }},
      {"vonmises", "r.vonmises(-2.5, 8.0, N)",
       [](int64_t n) { return kr::vonmises(-2.5, 8.0, S{n}); }},
      {"poisson", "r.poisson(0.7, N)", [](int64_t n) { return kr::poisson(0.7, S{n}); }},
      {"poisson", "r.poisson([4.5, 250.0], (N, 2))",
       [](int64_t n) {
         return kr::poisson(f64({4.5, 250.0}), S{n, 2});
       }},
      {"binomial", "r.binomial(12, 0.35, N)",
       [](int64_t n) { return kr::binomial(12, 0.35, S{n}); }},
      {"binomial", "r.binomial(2000, 0.7, N)",
       [](int64_t n) { return kr::binomial(2000, 0.7, S{n}); }},
      {"binomial", "r.binomial(500000, 0.01, N)",
       [](int64_t n) { return kr::binomial(500000, 0.01, S{n}); }},
      {"negative_binomial", "r.negative_binomial(3.5, 0.4, N)",
       [](int64_t n) { return kr::negative_binomial(3.5, 0.4, S{n}); }},
      {"hypergeometric", "r.hypergeometric(30, 70, 25, N)",
       [](int64_t n) { return kr::hypergeometric(30, 70, 25, S{n}); }},
      {"hypergeometric", "r.hypergeometric(5000, 3000, 4000, N)",
       [](int64_t n) { return kr::hypergeometric(5000, 3000, 4000, S{n}); }},
      {"zipf", "r.zipf(1.8, N)", [](int64_t n) { return kr::zipf(1.8, S{n}); }},
      {"zipf", "r.zipf(3.5, N)", [](int64_t n) { return kr::zipf(3.5, S{n}); }},
      {"logseries", "r.logseries(0.3, N)", [](int64_t n) { return kr::logseries(0.3, S{n}); }},
      {"logseries", "r.logseries(0.95, N)", [](int64_t n) { return kr::logseries(0.95, S{n}); }},
      {"dirichlet", "r.dirichlet([0.5, 1.5], N)",
       [](int64_t n) {
         return kr::dirichlet(f64({0.5, 1.5}), S{n});
       }},
      {"multinomial", "r.multinomial(30, [0.2, 0.5, 0.3], N)",
       [p3](int64_t n) { return kr::multinomial(30, p3, S{n}); }},
      {"multivariate_normal", "r.multivariate_normal([1.0, -2.0], [[2.0, 0.8], [0.8, 1.0]], N)",
       [](int64_t n) {
         return kr::multivariate_normal(f64({1.0, -2.0}), f64({2.0, 0.8, 0.8, 1.0}).reshape({2, 2}),
                                        S{n});
       }},
      {"choice", "r.choice(7, N)", [](int64_t n) { return kr::choice(7, S{n}); }},
      {"choice", "r.choice([1.5, -2.0, 4.0, 8.0], N, p=[0.1, 0.0, 0.6, 0.3])",
       [](int64_t n) {
         return kr::choice(f64({1.5, -2.0, 4.0, 8.0}), S{n}, true, f64({0.1, 0.0, 0.6, 0.3}));
       }},
      // Without replacement: many small draws, their pairs compared (each column and the joint).
      {"choice", "[r.choice(5, 2, replace=False, p=[0.1, 0.4, 0.0, 0.2, 0.3]) for _ in range(N)]",
       [](int64_t n) {
         std::vector<Array> rows;
         const Array p = f64({0.1, 0.4, 0.0, 0.2, 0.3});
         for (int64_t i = 0; i < n; ++i) rows.push_back(kr::choice(5, S{2}, false, p));
         return stack(rows);
       }},
      {"choice", "[r.choice(6, 2, replace=False) for _ in range(N)]",
       [](int64_t n) {
         std::vector<Array> rows;
         for (int64_t i = 0; i < n; ++i) rows.push_back(kr::choice(6, S{2}, false));
         return stack(rows);
       }},
      {"permutation", "[r.permutation(5)[:2] for _ in range(N)]",
       [](int64_t n) {
         std::vector<Array> rows;
         for (int64_t i = 0; i < n; ++i) rows.push_back(kr::permutation(5)[{slice(0, 2)}]);
         return stack(rows);
       }},
      {"shuffle", "[(lambda x: (r.shuffle(x), x[:2])[1])(np.arange(4.0)) for _ in range(N)]",
       [](int64_t n) {
         std::vector<Array> rows;
         for (int64_t i = 0; i < n; ++i) {
           Array x = arange(4.0);
           kr::shuffle(x);
           rows.push_back(x[{slice(0, 2)}]);
         }
         return stack(rows);
       }},
  };
}

}  // namespace

TEST(NumpyRandom, DistributionsMatchNumpysDraws) {
  const int64_t rows = std::max(kiln_test::oracle_cases(20000), 2000);
  const auto dir =
      std::filesystem::temp_directory_path() / ("kiln_random_oracle_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto list = dir / "cases";
  std::map<std::string, int> columns_of;
  {
    std::ofstream out(list);
    random::seed(77);
    int k = 0;
    for (const DistributionCase& c : cases()) {
      // Small draws run one call per row: fewer of them.
      const bool per_row = c.numpy.front() == '[';
      const Array a = c.kiln(per_row ? rows / 10 : rows).astype(float64);
      const int columns = a.ndim() == 1 ? 1 : static_cast<int>(a.shape()[1]);
      const auto path = dir / (std::to_string(k++) + ".f64");
      const auto values = a.to_vector<double>();
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(values.data()),
                 static_cast<std::streamsize>(values.size() * sizeof(double)));
      out << c.name << "|" << path.string() << "|" << columns << "|" << c.numpy << "\n";
    }
  }
  const auto result = dir / "result";
  const std::string cmd = "/usr/bin/python3 " KILN_TEST_DIR "/numpy/random_oracle.py " +
                          list.string() + " > " + result.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(result);
  std::map<std::string, bool> passed;
  int compared = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string name, column;
    double d = 0, critical = 0;
    f >> name >> column >> d >> critical;
    EXPECT_LT(d, critical) << name << " column " << column
                           << ": kiln's draws do not follow numpy's distribution";
    passed.emplace(name, true).first->second &= d < critical;
    ++compared;
  }
  EXPECT_GE(compared, static_cast<int>(cases().size()));
  std::filesystem::remove_all(dir);
  for (const auto& [name, ok] : passed)
    if (ok)
      kiln_test::covers(("random." + name).c_str(),
                        "its distribution against numpy's draws (two-sample Kolmogorov-Smirnov)");
}

// numpy's checks, with numpy's words, at the user's line: C++ scalars at the call, arrays at
// the call (kernel distributions) or at the sync (host ones).
TEST(NumpyRandom, ParameterErrorsAreNumpys) {
  using kiln_test::expect_error;
  using S = Shape;
  const double nan = std::nan("");
  expect_error([] { kr::exponential(-1.0); }, {"[exponential]", "scale < 0"});
  expect_error([] { kr::exponential(-0.0); }, {"scale < 0"});  // numpy tests the sign bit
  expect_error([] { kr::gumbel(0.0, -2.0); }, {"[gumbel]", "scale < 0"});
  expect_error([] { kr::laplace(0.0, -2.0); }, {"[laplace]", "scale < 0"});
  expect_error([] { kr::logistic(0.0, -2.0); }, {"[logistic]", "scale < 0"});
  expect_error([] { kr::lognormal(0.0, -1.0); }, {"[lognormal]", "sigma < 0"});
  expect_error([] { kr::pareto(0.0); }, {"[pareto]", "a <= 0"});
  expect_error([] { kr::power(-1.0); }, {"[power]", "a <= 0"});
  expect_error([] { kr::rayleigh(-1.0); }, {"[rayleigh]", "scale < 0"});
  expect_error([] { kr::triangular(2.0, 1.0, 3.0); }, {"[triangular]", "left > mode"});
  expect_error([] { kr::triangular(0.0, 4.0, 3.0); }, {"mode > right"});
  expect_error([] { kr::triangular(1.0, 1.0, 1.0); }, {"left == right"});
  expect_error([] { kr::wald(0.0, 1.0); }, {"[wald]", "mean <= 0"});
  expect_error([] { kr::wald(1.0, -1.0); }, {"scale <= 0"});
  expect_error([] { kr::weibull(-1.0); }, {"[weibull]", "a < 0"});
  expect_error([nan] { kr::geometric(nan); }, {"[geometric]", "p <= 0, p > 1 or p contains NaNs"});
  expect_error([] { kr::geometric(0.0); }, {"p <= 0"});
  expect_error([] { kr::standard_gamma(-1.0); }, {"[standard_gamma]", "shape < 0"});
  expect_error([] { kr::gamma(1.0, -1.0); }, {"[gamma]", "scale < 0"});
  expect_error([] { kr::beta(0.0, 1.0); }, {"[beta]", "a <= 0"});
  expect_error([] { kr::beta(1.0, -1.0); }, {"b <= 0"});
  expect_error([] { kr::chisquare(0.0); }, {"[chisquare]", "df <= 0"});
  expect_error([] { kr::standard_t(-1.0); }, {"[standard_t]", "df <= 0"});
  expect_error([] { kr::f(1.0, 0.0); }, {"[f]", "dfden <= 0"});
  expect_error([] { kr::noncentral_chisquare(1.0, -1.0); }, {"[noncentral_chisquare]", "nonc < 0"});
  expect_error([] { kr::noncentral_f(1.0, 1.0, -0.0); }, {"[noncentral_f]", "nonc < 0"});
  expect_error([] { kr::vonmises(0.0, -1.0); }, {"[vonmises]", "kappa < 0"});
  expect_error([nan] { kr::poisson(nan); }, {"[poisson]", "lam < 0 or lam is NaN"});
  expect_error([] { kr::poisson(1e19); }, {"lam value too large"});
  expect_error([] { kr::binomial(-1, 0.5); }, {"[binomial]", "n < 0"});
  expect_error([] { kr::binomial(3, 1.5); }, {"p < 0, p > 1 or p is NaN"});
  expect_error([] { kr::binomial(2.5, 0.5); }, {"n must be a finite integer"});
  expect_error([] { kr::negative_binomial(0, 0.5); }, {"[negative_binomial]", "n <= 0"});
  expect_error([] { kr::hypergeometric(-1, 3, 1); }, {"[hypergeometric]", "ngood < 0"});
  expect_error([] { kr::hypergeometric(3, 3, 0); }, {"nsample < 1"});
  expect_error([] { kr::hypergeometric(2, 3, 6); }, {"ngood + nbad < nsample"});
  expect_error([] { kr::zipf(1.0); }, {"[zipf]", "a <= 1 or a is NaN"});
  expect_error([] { kr::logseries(1.0); }, {"[logseries]", "p < 0, p >= 1 or p is NaN"});
  expect_error([] { kr::dirichlet(f64({1.0, 0.0})); }, {"[dirichlet]", "alpha <= 0"});
  expect_error([] { kr::dirichlet(f64({1.0, 2.0}).reshape({1, 2})); }, {"alpha must be 1-d"});
  expect_error([] { kr::multinomial(-1, f64({0.5, 0.5})); }, {"[multinomial]", "n < 0"});
  expect_error([] { kr::multinomial(5, f64({0.7, 0.6, 0.0})); }, {"sum(pvals[:-1]) > 1.0"});
  expect_error([] { kr::multinomial(5, f64({-0.1, 1.1})); }, {"pvals < 0, pvals > 1"});
  expect_error(
      [] {
        kr::multivariate_normal(f64({1.0, 2.0}), f64({1.0, 0.0, 0.0}));
      },
      {"[multivariate_normal]", "cov must be 2 dimensional and square"});
  expect_error([] { kr::multivariate_normal(f64({1.0}), eye(2, float64)); },
               {"mean and cov must have same length"});
  expect_error([] { kr::choice(0, S{3}); }, {"[choice]", "a must be greater than 0"});
  expect_error([] { kr::choice(3, S{4}, false); }, {"Cannot take a larger sample than population"});
  expect_error(
      [] {
        kr::choice(3, S{2}, true, f64({0.5, 0.6, 0.1}));
      },
      {"probabilities do not sum to 1"});
  expect_error(
      [] {
        kr::choice(3, S{2}, true, f64({0.5, 0.5}));
      },
      {"'a' and 'p' must have same size"});
  expect_error(
      [] {
        kr::choice(3, S{2}, true, f64({1.5, -0.5, 0.0}));
      },
      {"probabilities are not non-negative"});
  expect_error(
      [] {
        kr::choice(3, S{3}, false, f64({0.5, 0.5, 0.0}));
      },
      {"Fewer non-zero entries in p than size"});
  expect_error([] { kr::choice(2.5, S{3}); }, {"a must be 1-dimensional or an integer"});
  expect_error([] { kr::permutation(-1); }, {"[permutation]", "n must be >= 0"});
  expect_error([] { kr::permutation(full(S{}, 1.0)); }, {"x must be an integer or at least 1-d"});
  // Shapes: the parameters must broadcast to `size`.
  expect_error(
      [] {
        kr::exponential(f64({1.0, 2.0}), S{2, 3});
      },
      {"[exponential]", "parameters of shape (2,) cannot be broadcast to size (2, 3)"});
  expect_error([] { kr::poisson(f64({1.0, 2.0}), S{3}); }, {"[poisson]", "cannot be broadcast"});
  expect_error(
      [] {
        kr::gumbel(f64({1.0, 2.0}), f64({1.0, 2.0, 3.0}));
      },
      {"[gumbel]", "do not broadcast together"});
  expect_error([] { kr::exponential(1.0, S{-1}); }, {"[exponential]"});
  expect_error([] { kr::gamma(complex(f64({1.0}), f64({1.0}))); }, {"[gamma]", "must be real"});
  // Array parameters: kernel distributions check them at the call (numpy checks eagerly)...
  expect_error([] { kr::rayleigh(f64({1.0, -1.0})); }, {"[rayleigh]", "scale < 0"});
  expect_error([] { kr::geometric(f64({0.5, 1.5})); }, {"[geometric]", "p <= 0, p > 1"});
  expect_error([] { kr::triangular(f64({0.0, 2.0}), 1.0, 3.0); }, {"left > mode"});
  // ... and the host ones at the sync, naming the call.
  Array lam = kr::poisson(f64({1.0, -1.0}));
  const int line = __LINE__ - 1;
  expect_error([&] { (void)lam.eval(); }, {"[poisson]", "lam < 0 or lam is NaN"}, line);
  Array n = kr::binomial(f64({3.0, 2.5}), 0.5);
  expect_error([&] { (void)n.eval(); }, {"[binomial]", "n must be a finite integer"}, __LINE__ - 1);
}

// nan parameters give nan where numpy lets them through, and never a hang; the edges give
// numpy's values.
TEST(NumpyRandom, EdgesOfTheParameters) {
  using S = Shape;
  const double nan = std::nan(""), inf = INFINITY;
  random::seed(5);
  for (const Array& a : {kr::standard_gamma(nan, S{8}), kr::beta(nan, 1.0, S{8}),
                         kr::vonmises(0.0, nan, S{8}), kr::noncentral_chisquare(nan, 1.0, S{8}),
                         kr::exponential(nan, S{8}), kr::wald(nan, 1.0, S{8})})
    for (double v : a.to_vector<double>()) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(kr::standard_gamma(0.0, S{4}).to_vector<double>(), std::vector<double>(4, 0.0));
  EXPECT_EQ(kr::standard_gamma(inf, S{2}).to_vector<double>(), std::vector<double>(2, inf));
  EXPECT_EQ(kr::weibull(0.0, S{3}).to_vector<double>(), std::vector<double>(3, 0.0));
  EXPECT_EQ(kr::poisson(0.0, S{3}).to_vector<int64_t>(), std::vector<int64_t>(3, 0));
  EXPECT_EQ(kr::binomial(7, 1.0, S{3}).to_vector<int64_t>(), std::vector<int64_t>(3, 7));
  EXPECT_EQ(kr::binomial(0, 0.5, S{3}).to_vector<int64_t>(), std::vector<int64_t>(3, 0));
  EXPECT_EQ(kr::geometric(1.0, S{3}).to_vector<int64_t>(), std::vector<int64_t>(3, 1));
  EXPECT_EQ(kr::negative_binomial(2.0, 1.0, S{3}).to_vector<int64_t>(), std::vector<int64_t>(3, 0));
  EXPECT_EQ(kr::hypergeometric(0, 5, 3, S{2}).to_vector<int64_t>(), std::vector<int64_t>(2, 0));
  EXPECT_EQ(kr::hypergeometric(5, 0, 3, S{2}).to_vector<int64_t>(), std::vector<int64_t>(2, 3));
  EXPECT_EQ(kr::logseries(0.0, S{2}).to_vector<int64_t>(), std::vector<int64_t>(2, 1));
  // Scalars give 0-d arrays, as numpy's Python scalars; dtypes are numpy's.
  EXPECT_EQ(kr::gamma(2.0).ndim(), 0);
  EXPECT_EQ(kr::poisson().dtype(), int64);
  EXPECT_EQ(kr::exponential().dtype(), float64);
  EXPECT_EQ(kr::multinomial(10, f64({0.5, 0.5}), S{4, 3}).shape(), (S{4, 3, 2}));
  EXPECT_EQ(kr::dirichlet(f64({1.0, 1.0, 1.0}), S{5}).shape(), (S{5, 3}));
  EXPECT_EQ(kr::choice(5).ndim(), 0);
  // Multinomial counts add up to n; Dirichlet vectors to 1; the range of vonmises.
  const auto m = kr::multinomial(25, f64({0.1, 0.6, 0.3}), S{200}).to_vector<int64_t>();
  for (size_t i = 0; i < m.size(); i += 3) EXPECT_EQ(m[i] + m[i + 1] + m[i + 2], 25);
  const Array d = kiln::sum(kr::dirichlet(f64({0.2, 3.0}), S{100}), -1);
  EXPECT_TRUE(allclose(d, ones({100}, float64)));
  const Array v = kr::vonmises(3.0, 0.5, S{10000});
  EXPECT_LE(kiln::max(v).item<double>(), M_PI);
  EXPECT_GE(kiln::min(v).item<double>(), -M_PI);
  // A permutation holds each index once.
  auto perm = kr::permutation(1000).to_vector<int64_t>();
  std::sort(perm.begin(), perm.end());
  for (int64_t i = 0; i < 1000; ++i) EXPECT_EQ(perm[static_cast<size_t>(i)], i);
}

// A value depends only on the seed, the call's stream and the element's index: the same seed
// gives the same draws, a longer array starts with the same values, and arrays of parameters
// give each element the draw of its own index.
TEST(NumpyRandom, SeedsReproduceHostAndKernelDraws) {
  using S = Shape;
  for (auto draw : std::vector<std::function<Array(int64_t)>>{
           [](int64_t n) { return kr::gamma(0.7, 2.0, S{n}); },
           [](int64_t n) { return kr::poisson(40.0, S{n}).astype(float64); },
           [](int64_t n) { return kr::binomial(1000, 0.3, S{n}).astype(float64); },
           [](int64_t n) { return kr::gumbel(0.0, 1.0, S{n}); }}) {
    random::seed(11);
    const auto a = draw(100).to_vector<double>();
    random::seed(11);
    const auto b = draw(5000).to_vector<double>();
    // (A kernel's vector and scalar loops may round libm's functions an ulp apart.)
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-13 * std::fabs(a[i])) << i;
    random::seed(12);
    EXPECT_NE(draw(100).to_vector<double>(), a);
  }
}
