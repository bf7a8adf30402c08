#include "runtime/host_random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "graph/errors.hpp"
#include "graph/philox.hpp"

namespace kiln::runtime {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = std::numbers::pi;
// numpy's bound on a Poisson mean (RandomState: beyond it the draws would not fit int64).
constexpr double kPoissonLamMax = 9.223372006484771e18;

// The random words of one element: Philox counter (index, stream ^ (k << 32 | 1 << 62)) for its
// k-th call, two 64-bit words per call. Bit 62 keeps these counters apart from the kernels'
// (stream, and stream with bit 63 for the float64 normal's second draw).
class ElementStream {
 public:
  ElementStream(uint64_t index, uint64_t seed, uint64_t stream)
      : index_(index), seed_(seed), stream_(stream) {}

  uint64_t bits() {
    if (spare_valid_) {
      spare_valid_ = false;
      return spare_;
    }
    const uint64_t s = stream_ ^ (uint64_t{1} << 62) ^ (calls_++ << 32);
    const auto w =
        graph::philox4x32({static_cast<uint32_t>(index_), static_cast<uint32_t>(index_ >> 32),
                           static_cast<uint32_t>(s), static_cast<uint32_t>(s >> 32)},
                          {static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32)});
    spare_ = static_cast<uint64_t>(w[2]) | static_cast<uint64_t>(w[3]) << 32;
    spare_valid_ = true;
    return static_cast<uint64_t>(w[0]) | static_cast<uint64_t>(w[1]) << 32;
  }
  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1p-53; }
  /// Uniform in (0, 1].
  double uniform_open_low() { return static_cast<double>((bits() >> 11) + 1) * 0x1p-53; }
  double exponential() { return -std::log(uniform_open_low()); }
  double normal() {  // Box-Muller, both values of a pair used
    if (normal_valid_) {
      normal_valid_ = false;
      return normal_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_open_low())), t = 2 * kPi * uniform();
    normal_ = r * std::sin(t);
    normal_valid_ = true;
    return r * std::cos(t);
  }

 private:
  uint64_t index_, seed_, stream_;
  uint64_t calls_ = 0, spare_ = 0;
  double normal_ = 0;
  bool spare_valid_ = false, normal_valid_ = false;
};

double log_gamma(double x) {
  int sign = 0;
  return lgamma_r(x, &sign);
}

// numpy's legacy standard_gamma: Marsaglia and Tsang for shape >= 1, and for shape < 1 the
// rejection of Ahrens and Dieter (GS) that numpy uses.
double gamma(ElementStream& r, double shape) {
  if (std::isnan(shape)) return kNan;
  if (shape == 0) return 0;
  if (std::isinf(shape)) return shape;
  if (shape == 1) return r.exponential();
  if (shape < 1) {
    for (;;) {
      const double u = r.uniform(), v = r.exponential();
      if (u <= 1 - shape) {
        const double x = std::pow(u, 1 / shape);
        if (x <= v) return x;
      } else {
        const double y = -std::log((1 - u) / shape);
        const double x = std::pow(1 - shape + shape * y, 1 / shape);
        if (x <= v + y) return x;
      }
    }
  }
  const double b = shape - 1.0 / 3, c = 1 / std::sqrt(9 * b);
  for (;;) {
    double x, v;
    do {
      x = r.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = r.uniform();
    if (u < 1 - 0.0331 * (x * x) * (x * x)) return b * v;
    if (std::log(u) < 0.5 * x * x + b * (1 - v + std::log(v))) return b * v;
  }
}

// numpy's legacy beta: Johnk's algorithm when both parameters are at most 1 (the gamma ratio
// would underflow to 0/0), the ratio of two gammas otherwise.
double beta(ElementStream& r, double a, double b) {
  if (std::isnan(a) || std::isnan(b) || std::isinf(a) || std::isinf(b)) return kNan;
  if (a <= 1 && b <= 1) {
    for (;;) {
      const double u = r.uniform(), v = r.uniform();
      const double x = std::pow(u, 1 / a), y = std::pow(v, 1 / b), sum = x + y;
      if (sum <= 1) {
        if (sum > 0) return x / sum;
        // Both underflowed: the ratio through logarithms.
        double log_x = std::log(u) / a, log_y = std::log(v) / b;
        const double log_m = std::max(log_x, log_y);
        log_x -= log_m;
        log_y -= log_m;
        return std::exp(log_x - std::log(std::exp(log_x) + std::exp(log_y)));
      }
    }
  }
  const double x = gamma(r, a), y = gamma(r, b);
  return x / (x + y);
}

// numpy's Poisson: multiplication of uniforms below a mean of 10, Hormann's PTRS above.
int64_t poisson(ElementStream& r, double lam) {
  if (lam == 0) return 0;
  if (lam < 10) {
    const double limit = std::exp(-lam);
    int64_t x = 0;
    for (double prod = r.uniform(); prod > limit; prod *= r.uniform()) ++x;
    return x;
  }
  const double slam = std::sqrt(lam), loglam = std::log(lam);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = r.uniform() - 0.5, v = r.uniform(), us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<int64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -lam + k * loglam - log_gamma(k + 1))
      return static_cast<int64_t>(k);
  }
}

// log of the binomial pmf at x, accurate for any n (Loader's saddle-point form, as R's dbinom:
// log-gamma differences would cancel for large n).
double stirling_error(double n) {  // lgamma(n + 1) - (n + 1/2) log n + n - log sqrt(2 pi)
  constexpr double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
  if (n <= 15) return log_gamma(n + 1) - (n + 0.5) * std::log(n) + n - 0.5 * std::log(2 * kPi);
  const double nn = n * n;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}
double deviance(double x, double np) {  // x log(x / np) + np - x, without cancellation
  if (std::fabs(x - np) < 0.1 * (x + np)) {
    double v = (x - np) / (x + np), s = (x - np) * v, ej = 2 * x * v;
    const double v2 = v * v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v2;
      const double next = s + ej / (2 * j + 1);
      if (next == s) return next;
      s = next;
    }
    return s;
  }
  return x * std::log(x / np) + np - x;
}
double log_binomial_pmf(double x, double n, double p) {
  const double q = 1 - p;
  if (x == 0) return n == 0 ? 0 : n * std::log1p(-p);
  if (x == n) return n * std::log(p);
  const double lc = stirling_error(n) - stirling_error(x) - stirling_error(n - x) -
                    deviance(x, n * p) - deviance(n - x, n * q);
  return lc - 0.5 * (std::log(2 * kPi) + std::log(x) + std::log1p(-x / n));
}

// Inversion from the mode outwards over [lo, hi]: the pmf at the mode, then each step's ratio
// `up(k)` = pmf(k + 1) / pmf(k). The number of steps is about the standard deviation.
template <class Up>
int64_t search_from_mode(ElementStream& r, int64_t lo, int64_t hi, int64_t mode, double p_mode,
                         Up up) {
  for (;;) {
    double u = r.uniform() - p_mode;
    if (u < 0) return mode;
    int64_t down = mode, upper = mode;
    double p_down = p_mode, p_up = p_mode;
    while (down > lo || upper < hi) {
      if (upper < hi) {
        p_up *= up(static_cast<double>(upper));
        ++upper;
        if ((u -= p_up) < 0) return upper;
      }
      if (down > lo) {
        --down;
        p_down /= up(static_cast<double>(down));
        if ((u -= p_down) < 0) return down;
      }
      if (p_up == 0 && p_down == 0) break;  // the rest of the mass rounds to nothing
    }
    // (rounding left u above the total: draw again)
  }
}

// Binomial: inversion from the mode while the variance is moderate; above it, Knuth's beta
// splitting (TAOCP 3.4.1 F: the a-th smallest of n uniforms is Beta(a, n + 1 - a)) halves n
// until it is. Exact up to the pmf's rounding, O(sd) steps at most 50.
// The pmf's value at the mode for the last parameters seen: elements of one draw usually share
// their parameters, and the saddle-point form costs more than the search.
struct ModeCache {
  double a = -1, b = -1, c = -1;
  int64_t mode = 0;
  double p_mode = 0;
  template <class F>
  double get(double x, double y, double z, int64_t m, F compute) {
    if (x != a || y != b || z != c || m != mode) {
      a = x, b = y, c = z, mode = m;
      p_mode = compute();
    }
    return p_mode;
  }
};

int64_t binomial(ElementStream& r, int64_t n, double p, ModeCache& cache) {
  int64_t base = 0, sign = 1;  // the result is base + sign * Binomial(n, p)
  while (n > 0 && p > 0) {
    if (p >= 1) return base + sign * n;
    if (p > 0.5) {  // Binomial(n, p) = n - Binomial(n, 1 - p)
      base += sign * n;
      sign = -sign;
      p = 1 - p;
    }
    const double nd = static_cast<double>(n);
    if (nd * p * (1 - p) < 2500) {
      const int64_t mode = std::min(n, static_cast<int64_t>((nd + 1) * p));
      const double p_mode = cache.get(nd, p, 0, mode, [&] {
        return std::exp(log_binomial_pmf(static_cast<double>(mode), nd, p));
      });
      const double odds = p / (1 - p);
      return base + sign * search_from_mode(r, 0, n, mode, p_mode,
                                            [&](double k) { return (nd - k) / (k + 1) * odds; });
    }
    const int64_t a = 1 + n / 2, b = n + 1 - a;
    const double x = beta(r, static_cast<double>(a), static_cast<double>(b));
    if (x >= p) {
      n = a - 1;
      p = p / x;
    } else {
      base += sign * a;
      n = b - 1;
      p = (p - x) / (1 - x);
    }
  }
  return base;
}

// Hypergeometric by inversion from the mode (the pmf at the mode in R's saddle-point form).
int64_t hypergeometric(ElementStream& r, int64_t good, int64_t bad, int64_t sample,
                       ModeCache& cache) {
  const int64_t lo = std::max<int64_t>(0, sample - bad), hi = std::min(sample, good);
  if (lo == hi) return lo;
  const double g = static_cast<double>(good), b = static_cast<double>(bad);
  const double s = static_cast<double>(sample), t = g + b;
  const int64_t mode =
      std::clamp<int64_t>(static_cast<int64_t>(std::floor((s + 1) * (g + 1) / (t + 2))), lo, hi);
  const double m = static_cast<double>(mode), f = s / t;
  const double p_mode = cache.get(g, b, s, mode, [&] {
    return std::exp(log_binomial_pmf(m, g, f) + log_binomial_pmf(s - m, b, f) -
                    log_binomial_pmf(s, t, f));
  });
  return search_from_mode(r, lo, hi, mode, p_mode, [&](double k) {
    return (g - k) * (s - k) / ((k + 1) * (b - s + k + 1));
  });
}

// numpy's zipf: rejection from the continuous Pareto envelope.
int64_t zipf(ElementStream& r, double a) {
  const double am1 = a - 1, b = std::pow(2.0, am1);
  for (;;) {
    const double u = 1 - r.uniform(), v = r.uniform();
    const double x = std::floor(std::pow(u, -1 / am1));
    if (x > 9.2e18 || x < 1) continue;  // beyond int64: draw again, as numpy does
    const double t = std::pow(1 + 1 / x, am1);
    if (v * x * (t - 1) / (b - 1) <= t / b) return static_cast<int64_t>(x);
  }
}

// numpy's logseries (Kemp's second accelerated generator).
int64_t logseries(ElementStream& r, double p) {
  const double q_log = std::log1p(-p);
  for (;;) {
    const double v = r.uniform();
    if (v >= p) return 1;
    const double q = -std::expm1(q_log * r.uniform());
    if (v <= q * q) {
      const double x = std::floor(1 + std::log(v) / std::log(q));
      if (x < 1 || v == 0) continue;
      return static_cast<int64_t>(x);
    }
    return v >= q ? 1 : 2;
  }
}

// numpy's von Mises: Best and Fisher's rejection, a wrapped normal for kappa > 1e6, uniform
// for kappa < 1e-8; the result wrapped into [-pi, pi].
double vonmises(ElementStream& r, double mu, double kappa) {
  if (std::isnan(mu) || std::isnan(kappa) || std::isinf(mu)) return kNan;
  if (kappa < 1e-8) return kPi * (2 * r.uniform() - 1);
  double result;
  if (kappa > 1e6) {
    result = mu + std::sqrt(1 / kappa) * r.normal();
  } else {
    double s;
    if (kappa < 1e-5) {
      s = 1 / kappa + kappa;
    } else {
      const double q = 1 + std::sqrt(1 + 4 * kappa * kappa);
      const double rho = (q - std::sqrt(2 * q)) / (2 * kappa);
      s = (1 + rho * rho) / (2 * rho);
    }
    double w;
    for (;;) {
      const double z = std::cos(kPi * r.uniform());
      w = (1 + s * z) / (s + z);
      const double y = kappa * (s - w), v = r.uniform();
      if (y * (2 - y) - v >= 0 || std::log(y / v) + 1 - y >= 0) break;
    }
    result = std::acos(w);
    if (r.uniform() < 0.5) result = -result;
    result += mu;
  }
  const bool negative = result < 0;
  double mod = std::fmod(std::fabs(result) + kPi, 2 * kPi) - kPi;
  return negative ? -mod : mod;
}

double chisquare(ElementStream& r, double df) {
  return 2 * gamma(r, df / 2);
}

// numpy's noncentral chi-square: a chi-square plus a shifted normal's square for df > 1, a
// Poisson mixture of chi-squares otherwise.
double noncentral_chisquare(ElementStream& r, double df, double nonc) {
  if (std::isnan(df) || std::isnan(nonc)) return kNan;
  if (nonc == 0) return chisquare(r, df);
  if (df > 1) {
    const double n = r.normal() + std::sqrt(nonc);
    return chisquare(r, df - 1) + n * n;
  }
  if (std::isinf(nonc)) return nonc;
  const int64_t i = poisson(r, nonc / 2);
  return chisquare(r, df + 2 * static_cast<double>(i));
}

// numpy's negative binomial: a Poisson of a gamma.
int64_t negative_binomial(ElementStream& r, double n, double p) {
  if (p == 1) return 0;
  const double lam = gamma(r, n) * (1 - p) / p;
  return lam < kPoissonLamMax ? poisson(r, lam) : std::numeric_limits<int64_t>::max();
}

bool whole(double v) {
  return std::isfinite(v) && v == std::floor(v);
}

std::string bounded_text(const char* name, const char* low, const char* high, const char* nan) {
  return std::string(name) + low + ", " + name + high + " or " + name + nan;
}

}  // namespace

int parameter_count(Distribution d) noexcept {
  switch (d) {
    case Distribution::Permutation:
      return 0;
    case Distribution::Gamma:
    case Distribution::Poisson:
    case Distribution::Zipf:
    case Distribution::Logseries:
      return 1;
    case Distribution::Hypergeometric:
      return 3;
    default:
      return 2;
  }
}

const char* distribution_name(Distribution d) noexcept {
  switch (d) {
    case Distribution::Gamma:
      return "standard_gamma";
    case Distribution::Beta:
      return "beta";
    case Distribution::Poisson:
      return "poisson";
    case Distribution::Binomial:
      return "binomial";
    case Distribution::NegativeBinomial:
      return "negative_binomial";
    case Distribution::Hypergeometric:
      return "hypergeometric";
    case Distribution::Zipf:
      return "zipf";
    case Distribution::Logseries:
      return "logseries";
    case Distribution::VonMises:
      return "vonmises";
    case Distribution::NoncentralChisquare:
      return "noncentral_chisquare";
  }
  return "random";
}

bool is_discrete(Distribution d) noexcept {
  return d != Distribution::Gamma && d != Distribution::Beta && d != Distribution::VonMises &&
         d != Distribution::NoncentralChisquare;
}

std::string invalid_parameters(Distribution d, const double* p) {
  // numpy's checks: "x < 0" rejects -0.0 too (numpy tests the sign bit); nan passes where
  // numpy lets it through (the draw is nan) and is refused where numpy refuses it.
  auto negative = [](double v) { return !std::isnan(v) && std::signbit(v); };
  auto not_positive = [](double v) { return v <= 0; };
  switch (d) {
    case Distribution::Gamma:
      return negative(p[0]) ? "shape < 0" : "";
    case Distribution::Beta:
      if (not_positive(p[0])) return "a <= 0";
      return not_positive(p[1]) ? "b <= 0" : "";
    case Distribution::Poisson:
      if (!(p[0] >= 0)) return "lam < 0 or lam is NaN";
      return p[0] > kPoissonLamMax ? "lam value too large" : "";
    case Distribution::Binomial:
      if (!whole(p[0])) return "n must be a finite integer, got " + std::to_string(p[0]);
      if (p[0] < 0) return "n < 0";
      return p[1] >= 0 && p[1] <= 1 ? "" : bounded_text("p", " < 0", " > 1", " is NaN");
    case Distribution::NegativeBinomial:
      if (not_positive(p[0])) return "n <= 0";
      return p[1] >= 0 && p[1] <= 1 ? "" : bounded_text("p", " < 0", " > 1", " is NaN");
    case Distribution::Hypergeometric:
      for (int k = 0; k < 3; ++k)
        if (!whole(p[k]))
          return std::string(k == 0   ? "ngood"
                             : k == 1 ? "nbad"
                                      : "nsample") +
                 " must be a finite integer, got " + std::to_string(p[k]);
      if (p[0] < 0) return "ngood < 0";
      if (p[1] < 0) return "nbad < 0";
      if (p[2] < 1) return "nsample < 1 or nsample is NaN";
      return p[0] + p[1] < p[2] ? "ngood + nbad < nsample" : "";
    case Distribution::Zipf:
      return p[0] > 1 ? "" : "a <= 1 or a is NaN";
    case Distribution::Logseries:
      return p[0] >= 0 && p[0] < 1 ? "" : bounded_text("p", " < 0", " >= 1", " is NaN");
    case Distribution::VonMises:
      return negative(p[1]) ? "kappa < 0" : "";
    case Distribution::NoncentralChisquare:
      if (not_positive(p[0])) return "df <= 0";
      return negative(p[1]) ? "nonc < 0" : "";
    case Distribution::Permutation:
      return "";
  }
  return "";
}

namespace {

// Where each parameter's value of an output element is: per output dimension, each
// parameter's stride (0 where it is broadcast).
struct ParameterWalk {
  int rank = 0, count = 0;
  const graph::Dims* shape = nullptr;
  std::vector<std::vector<int64_t>> strides;

  ParameterWalk(const LibraryCall& n, int parameters)
      : rank(n.shape.rank()), count(parameters), shape(&n.shape) {
    strides.resize(static_cast<size_t>(count));
    for (int k = 0; k < count; ++k) {
      const graph::Dims& s = n.args[static_cast<size_t>(k)].shape;
      std::vector<int64_t>& st = strides[static_cast<size_t>(k)];
      st.assign(static_cast<size_t>(rank), 0);
      int64_t step = 1;
      for (int dim = rank - 1, at = s.rank() - 1; at >= 0; --dim, --at) {
        if (s[at] != 1) st[static_cast<size_t>(dim)] = step;
        step *= s[at];
      }
    }
  }

  // Calls f(i, p) for output elements [begin, end) with their parameters p.
  template <class F>
  void run(const std::vector<const void*>& inputs, int64_t begin, int64_t end, F f) const {
    std::vector<int64_t> index(static_cast<size_t>(rank), 0), offset(static_cast<size_t>(count), 0);
    for (int64_t rest = begin, dim = rank - 1; dim >= 0; --dim) {  // begin's multi-index
      const size_t u = static_cast<size_t>(dim);
      index[u] = rest % (*shape)[static_cast<int>(dim)];
      rest /= (*shape)[static_cast<int>(dim)];
      for (int k = 0; k < count; ++k)
        offset[static_cast<size_t>(k)] += index[u] * strides[static_cast<size_t>(k)][u];
    }
    double p[3] = {0, 0, 0};
    for (int64_t i = begin; i < end; ++i) {
      for (int k = 0; k < count; ++k)
        p[k] = static_cast<const double*>(
            inputs[static_cast<size_t>(k)])[offset[static_cast<size_t>(k)]];
      f(i, p);
      for (int dim = rank - 1; dim >= 0; --dim) {  // the next element
        const size_t u = static_cast<size_t>(dim);
        for (int k = 0; k < count; ++k)
          offset[static_cast<size_t>(k)] += strides[static_cast<size_t>(k)][u];
        if (++index[u] < (*shape)[dim]) break;
        for (int k = 0; k < count; ++k)
          offset[static_cast<size_t>(k)] -= strides[static_cast<size_t>(k)][u] * (*shape)[dim];
        index[u] = 0;
      }
    }
  }
};

void draw_one(Distribution d, ElementStream& r, const double* p, void* out, int64_t i,
              ModeCache& cache) {
  double* f = static_cast<double*>(out);
  int64_t* z = static_cast<int64_t*>(out);
  switch (d) {
    case Distribution::Gamma:
      f[i] = gamma(r, p[0]);
      break;
    case Distribution::Beta:
      f[i] = beta(r, p[0], p[1]);
      break;
    case Distribution::Poisson:
      z[i] = poisson(r, p[0]);
      break;
    case Distribution::Binomial:
      z[i] = binomial(r, static_cast<int64_t>(p[0]), p[1], cache);
      break;
    case Distribution::NegativeBinomial:
      z[i] = negative_binomial(r, p[0], p[1]);
      break;
    case Distribution::Hypergeometric:
      z[i] = hypergeometric(r, static_cast<int64_t>(p[0]), static_cast<int64_t>(p[1]),
                            static_cast<int64_t>(p[2]), cache);
      break;
    case Distribution::Zipf:
      z[i] = zipf(r, p[0]);
      break;
    case Distribution::Logseries:
      z[i] = logseries(r, p[0]);
      break;
    case Distribution::VonMises:
      f[i] = vonmises(r, p[0], p[1]);
      break;
    case Distribution::NoncentralChisquare:
      f[i] = noncentral_chisquare(r, p[0], p[1]);
      break;
    case Distribution::Permutation:
      break;  // (not elementwise: see draw_random)
  }
}

// Fisher-Yates over arange(n), from element 0's stream.
void permutation(uint64_t seed, uint64_t stream, int64_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = i;
  ElementStream r(0, seed, stream);
  for (int64_t i = n - 1; i > 0; --i) {  // j uniform in [0, i]: Lemire's multiply-shift
    const auto j = static_cast<int64_t>(
        (static_cast<unsigned __int128>(r.bits()) * static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(out[i], out[j]);
  }
}

struct DrawJob {
  Distribution d;
  uint64_t seed, stream;
  const ParameterWalk* walk;
  const std::vector<const void*>* inputs;
  void* out;
};

void draw_chunk(void* ctx, int64_t begin, int64_t end) {
  const DrawJob& job = *static_cast<const DrawJob*>(ctx);
  ModeCache cache;
  job.walk->run(*job.inputs, begin, end, [&](int64_t i, const double* p) {
    ElementStream r(static_cast<uint64_t>(i), job.seed, job.stream);
    draw_one(job.d, r, p, job.out, i, cache);
  });
}

}  // namespace

void draw_random(const LibraryCall& n, const std::vector<const void*>& inputs, void* out,
                 jit::Executor* executor) {
  const auto d = static_cast<Distribution>(n.payload.v[0]);
  const uint64_t seed = n.payload.v[1], stream = n.payload.v[2];
  const int64_t size = n.shape.size();
  if (d == Distribution::Permutation)
    return permutation(seed, stream, static_cast<int64_t*>(out), size);
  const ParameterWalk walk(n, parameter_count(d));
  // Every parameter is checked first, on this thread (an error must reach the caller).
  walk.run(inputs, 0, size, [&](int64_t, const double* p) {
    if (const std::string why = invalid_parameters(d, p); !why.empty())
      graph::throw_error(distribution_name(d), why, n.loc);
  });
  DrawJob job{d, seed, stream, &walk, &inputs, out};
  if (executor)
    executor->parallel_for(size, 256, draw_chunk, &job);
  else
    draw_chunk(&job, 0, size);
}

}  // namespace kiln::runtime
