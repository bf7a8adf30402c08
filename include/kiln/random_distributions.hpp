// numpy.random's functions (RandomState's names, parameters and checks), drawn from kiln's
// counter-based Philox streams: the values differ from numpy's (another generator) but the
// distributions are numpy's, each checked against numpy's own draws (tests/numpy). Every value is
// a pure function of the seed, the call's stream and the element's index.
//
// Parameters are C++ scalars or arrays (numpy's array_like); without `size` the result has the
// parameters' broadcast shape (0-d for scalars), with it exactly `size`, which the parameters
// must broadcast to. Continuous values are float64 and discrete ones int64, as numpy's.
// Invalid parameters raise kiln::Error with numpy's words ("scale < 0"): C++ scalars at the
// call; arrays at the call for the distributions computed in kernels (a sync on the parameters,
// as numpy checks eagerly) and at the sync for those drawn on the host.
//
// Computed in kernels, fused with their consumers, on every device: rand randn random
// random_sample ranf sample standard_normal standard_exponential standard_cauchy exponential
// gumbel laplace logistic lognormal pareto power rayleigh triangular wald weibull geometric
// random_integers. Drawn on the host (rejection loops; a GPU array goes through the host):
// standard_gamma gamma beta chisquare standard_t f poisson binomial negative_binomial
// hypergeometric zipf logseries vonmises noncentral_chisquare noncentral_f dirichlet multinomial.
#pragma once

#include <optional>
#include <source_location>

#include "kiln/array.hpp"

namespace kiln::random {

/// A distribution's output shape: std::nullopt for the parameters' broadcast shape.
using Size = std::optional<Shape>;

/// Uniform values in [0, 1), float64 (numpy's rand(d0, d1, ...) takes the shape).
Array rand(const Shape& shape = {}, std::source_location loc = std::source_location::current());
/// Standard normal values, float64 (numpy's randn).
Array randn(const Shape& shape = {}, std::source_location loc = std::source_location::current());
/// Uniform values in [0, 1), float64 (numpy's random, random_sample, ranf and sample).
Array random(const Size& size = std::nullopt,
             std::source_location loc = std::source_location::current());
/// numpy's random_sample: random.
Array random_sample(const Size& size = std::nullopt,
                    std::source_location loc = std::source_location::current());
/// numpy's ranf: random.
Array ranf(const Size& size = std::nullopt,
           std::source_location loc = std::source_location::current());
/// numpy's sample: random.
Array sample(const Size& size = std::nullopt,
             std::source_location loc = std::source_location::current());
/// Standard normal values, float64.
Array standard_normal(const Size& size = std::nullopt,
                      std::source_location loc = std::source_location::current());
/// Exponential values of mean 1, float64.
Array standard_exponential(const Size& size = std::nullopt,
                           std::source_location loc = std::source_location::current());
/// Standard Cauchy values (the tangent of a uniform angle), float64.
Array standard_cauchy(const Size& size = std::nullopt,
                      std::source_location loc = std::source_location::current());
/// Integers uniform in [low, high] (numpy's deprecated random_integers; high = nullopt: [1, low]).
Array random_integers(int64_t low, std::optional<int64_t> high = std::nullopt,
                      const Size& size = std::nullopt,
                      std::source_location loc = std::source_location::current());

/// Exponential values of mean `scale` (scale >= 0).
Array exponential(const Operand& scale = 1.0, const Size& size = std::nullopt);
/// Gumbel values: loc - scale * log(-log(U)) (scale >= 0).
Array gumbel(const Operand& loc = 0.0, const Operand& scale = 1.0, const Size& size = std::nullopt);
/// Laplace (double exponential) values (scale >= 0).
Array laplace(const Operand& loc = 0.0, const Operand& scale = 1.0,
              const Size& size = std::nullopt);
/// Logistic values (scale >= 0).
Array logistic(const Operand& loc = 0.0, const Operand& scale = 1.0,
               const Size& size = std::nullopt);
/// exp of normal values of mean `mean` and standard deviation `sigma` (sigma >= 0).
Array lognormal(const Operand& mean = 0.0, const Operand& sigma = 1.0,
                const Size& size = std::nullopt);
/// Pareto II (Lomax) values, numpy's pareto: exp(E / a) - 1 for a standard exponential E (a > 0).
Array pareto(const Operand& a, const Size& size = std::nullopt);
/// Power-function values in [0, 1]: U^(1/a) (a > 0).
Array power(const Operand& a, const Size& size = std::nullopt);
/// Rayleigh values (scale >= 0).
Array rayleigh(const Operand& scale = 1.0, const Size& size = std::nullopt);
/// Triangular values on [left, right] with its peak at `mode` (left <= mode <= right, left <
/// right).
Array triangular(const Operand& left, const Operand& mode, const Operand& right,
                 const Size& size = std::nullopt);
/// Wald (inverse Gaussian) values (mean > 0, scale > 0).
Array wald(const Operand& mean, const Operand& scale, const Size& size = std::nullopt);
/// Weibull values: E^(1/a) for a standard exponential E (a >= 0; a = 0 gives 0).
Array weibull(const Operand& a, const Size& size = std::nullopt);
/// The number of trials up to the first success, int64 (0 < p <= 1). Values beyond int64
/// (p below about 1e-17) saturate at its largest value, where numpy's wrap around.
Array geometric(const Operand& p, const Size& size = std::nullopt);

/// Gamma values of shape `shape` and scale 1 (shape >= 0), drawn on the host.
Array standard_gamma(const Operand& shape, const Size& size = std::nullopt);
/// Gamma values (shape >= 0, scale >= 0).
Array gamma(const Operand& shape, const Operand& scale = 1.0, const Size& size = std::nullopt);
/// Beta values (a > 0, b > 0).
Array beta(const Operand& a, const Operand& b, const Size& size = std::nullopt);
/// Chi-square values (df > 0).
Array chisquare(const Operand& df, const Size& size = std::nullopt);
/// Student's t values (df > 0).
Array standard_t(const Operand& df, const Size& size = std::nullopt);
/// F (Fisher-Snedecor) values (dfnum > 0, dfden > 0).
Array f(const Operand& dfnum, const Operand& dfden, const Size& size = std::nullopt);
/// Noncentral chi-square values (df > 0, nonc >= 0).
Array noncentral_chisquare(const Operand& df, const Operand& nonc, const Size& size = std::nullopt);
/// Noncentral F values (dfnum > 0, dfden > 0, nonc >= 0).
Array noncentral_f(const Operand& dfnum, const Operand& dfden, const Operand& nonc,
                   const Size& size = std::nullopt);
/// Von Mises values on [-pi, pi] (kappa >= 0).
Array vonmises(const Operand& mu, const Operand& kappa, const Size& size = std::nullopt);
/// Poisson counts, int64 (0 <= lam <= about 9.2e18).
Array poisson(const Operand& lam = 1.0, const Size& size = std::nullopt);
/// Binomial counts, int64 (n a whole number >= 0, 0 <= p <= 1).
Array binomial(const Operand& n, const Operand& p, const Size& size = std::nullopt);
/// Negative binomial counts: failures before the n-th success, int64 (n > 0, 0 <= p <= 1).
Array negative_binomial(const Operand& n, const Operand& p, const Size& size = std::nullopt);
/// Hypergeometric counts: good items among `nsample` drawn without replacement, int64 (whole
/// numbers; ngood, nbad >= 0, 1 <= nsample <= ngood + nbad).
Array hypergeometric(const Operand& ngood, const Operand& nbad, const Operand& nsample,
                     const Size& size = std::nullopt);
/// Zipf values, int64 (a > 1).
Array zipf(const Operand& a, const Size& size = std::nullopt);
/// Logarithmic series values, int64 (0 <= p < 1).
Array logseries(const Operand& p, const Size& size = std::nullopt);

/// Dirichlet vectors: shape size + (k,) for the k concentrations `alpha` (1-d, each > 0).
Array dirichlet(const Array& alpha, const Size& size = std::nullopt,
                std::source_location loc = std::source_location::current());
/// Multinomial counts, int64, shape size + (k,): n trials over the k probabilities `pvals`
/// (1-d; the last one is what the others leave, as numpy's).
Array multinomial(int64_t n, const Array& pvals, const Size& size = std::nullopt,
                  std::source_location loc = std::source_location::current());
/// Multivariate normal vectors, float64, shape size + (n,) for a mean of n values and an n x n
/// covariance (numpy's method: through the covariance's SVD).
Array multivariate_normal(const Array& mean, const Array& cov, const Size& size = std::nullopt,
                          std::source_location loc = std::source_location::current());

/// Random elements of `a` (1-d) or of arange(a) for an integer `a`: with replacement or not,
/// uniformly or with the probabilities `p` (1-d, a's size, summing to 1).
Array choice(const Operand& a, const Size& size = std::nullopt, bool replace = true,
             const std::optional<Array>& p = std::nullopt);
/// A random permutation of arange(n).
Array permutation(int64_t n, std::source_location loc = std::source_location::current());
/// `x` with its first axis in a random order.
Array permutation(const Array& x, std::source_location loc = std::source_location::current());
/// Puts `x`'s first axis in a random order (x = permutation(x); arrays are values: other
/// handles keep the old order).
void shuffle(Array& x, std::source_location loc = std::source_location::current());

}  // namespace kiln::random
