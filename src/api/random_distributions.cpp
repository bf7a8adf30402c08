// numpy.random's distributions (kiln/random_distributions.hpp): the ones with closed forms are
// formulas over lazy uniform and normal values (numpy's transformations, so the same
// distributions), fused into their consumers; the ones that need loops are RandomDraws nodes
// drawn on the host (runtime/host_random.cpp); the compound ones (t, F, Dirichlet, multinomial,
// multivariate normal, choice) are built from both as numpy builds them.
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "api/formula.hpp"
#include "api/random_bits.hpp"
#include "graph/errors.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/linalg.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/random.hpp"
#include "kiln/reductions.hpp"
#include "kiln/sorting.hpp"
#include "runtime/host_random.hpp"

namespace kiln::random {

namespace {

using graph::SourceLoc;
using runtime::Distribution;

using V = detail::Formula;

// A parameter: its float64 value as an array (0-d for a C++ scalar) and, for a C++ scalar, the
// number itself (checked at the call).
struct Param {
  V v;
  std::optional<double> scalar;
  Shape shape;
};

Param param(const Operand& o, const char* fn, const char* name) {
  const SourceLoc where = detail::to_loc(o.loc());
  if (o.is_array()) {
    const Array& a = o.array();
    const DType t = detail::node_of(a, fn, where)->dtype;
    if (is_complex(t))
      graph::throw_error(fn, std::string(name) + " must be real, not " + std::string(dtype_name(t)),
                         where);
    return {{t == float64 ? a : a.astype(float64, o.loc()), o.loc()}, std::nullopt, a.shape()};
  }
  const Scalar& s = o.scalar();
  if (s.kind == Scalar::Kind::complex_)
    graph::throw_error(fn, std::string(name) + " must be real, not complex", where);
  const double value = s.kind == Scalar::Kind::float_ ? s.f : static_cast<double>(s.i);
  return {{full(Shape{}, value, float64, o.loc()), o.loc()}, value, Shape{}};
}

// The result's shape: `size`, which every parameter must broadcast to, or their broadcast shape.
Shape result_shape(const char* fn, const std::vector<const Param*>& params, const Size& size,
                   std::source_location l) {
  std::vector<Shape> shapes;
  for (const Param* p : params) shapes.push_back(p->shape);
  Shape b;
  try {
    b = broadcast_shapes(shapes, l);
  } catch (const Error&) {
    std::string list;
    for (const Shape& s : shapes) list += (list.empty() ? "" : ", ") + detail::shape_text(s);
    graph::throw_error(fn, "the parameters' shapes " + list + " do not broadcast together",
                       detail::to_loc(l));
  }
  if (!size) return b;
  (void)detail::checked_shape(*size, fn, detail::to_loc(l));
  shapes.push_back(*size);
  bool fits = true;
  try {
    fits = broadcast_shapes({b, *size}, l) == *size;
  } catch (const Error&) {
    fits = false;
  }
  if (!fits)
    graph::throw_error(fn,
                       "parameters of shape " + detail::shape_text(b) +
                           " cannot be broadcast to size " + detail::shape_text(*size),
                       detail::to_loc(l));
  return *size;
}

// numpy's check of one parameter: `bad` on the value of a C++ scalar; on an array, any element
// for which `mask` is true (a sync on the parameter, as numpy checks eagerly).
template <class Bad, class Mask>
void check(const char* fn, const Param& p, const std::string& what, Bad bad, Mask mask) {
  const bool fails =
      p.scalar ? bad(*p.scalar) : kiln::any(mask(p.v).a, p.v.l).template item<bool>();
  if (fails) graph::throw_error(fn, what, detail::to_loc(p.v.l));
}

// numpy's "name < 0": the sign bit (so -0.0 too), nan passing.
void check_non_negative(const char* fn, const Param& p, const char* name) {
  check(
      fn, p, std::string(name) + " < 0", [](double v) { return !std::isnan(v) && std::signbit(v); },
      [](const V& v) {
        return V{logical_and(signbit(Operand(v.a, v.l)), logical_not(isnan(Operand(v.a, v.l)))),
                 v.l};
      });
}

// numpy's "name <= 0", nan passing.
void check_positive(const char* fn, const Param& p, const char* name) {
  check(
      fn, p, std::string(name) + " <= 0", [](double v) { return v <= 0; },
      [](const V& v) { return v <= 0.0; });
}

// A new stream's uniform values in [0, 1) (`open`: in (0, 1), no end point), float64.
V uniform01(const Shape& shape, std::source_location l, bool open = false) {
  const auto [s, stream] = detail::context().next_random_stream();
  const Array b = internal::bits(shape, s, stream, l);
  if (!open) return {internal::unit(b, float64, false, l), l};
  const Array k = bitwise_and(Operand(right_shift(Operand(b, l), Operand(11, l)), l),
                              Operand((int64_t{1} << 53) - 1, l));  // 53 bits
  return {(k.astype(float64, l) + 0.5) * 0x1p-53, l};
}

V standard_exponential_values(const Shape& shape, std::source_location l) {
  return -log1p(-uniform01(shape, l));
}

V standard_normal_values(const Shape& shape, std::source_location l) {
  return {normal(shape, 0.0, 1.0, float64, l), l};
}

// A RandomDraws node: distribution `d` at `shape` with parameters `p` (validated here when
// they are C++ scalars, at the sync when arrays).
Array draws(Distribution d, const Shape& shape, const std::vector<const Param*>& p,
            std::source_location l) {
  const char* fn = runtime::distribution_name(d);
  double values[3] = {0, 0, 0};
  bool all_scalars = true;
  for (size_t k = 0; k < p.size(); ++k) {
    all_scalars &= p[k]->scalar.has_value();
    if (p[k]->scalar) values[k] = *p[k]->scalar;
  }
  if (all_scalars)
    if (const std::string why = runtime::invalid_parameters(d, values); !why.empty())
      graph::throw_error(fn, why, detail::to_loc(l));
  const SourceLoc where = detail::to_loc(l);
  const graph::Dims dims = detail::checked_shape(shape, fn, where);
  const auto [s, stream] = detail::context().next_random_stream();
  std::vector<Array> args;
  for (const Param* q : p) args.push_back(q->v.a);
  while (args.size() < 3) args.push_back(full(Shape{}, 0.0, float64, l));
  // Rank-aligned parameters, so that the host reads each with broadcast strides.
  for (Array& a : args)
    if (a.ndim() < static_cast<int>(shape.size())) {
      Shape padded(shape.size() - static_cast<size_t>(a.ndim()), 1);
      for (int64_t e : a.shape()) padded.push_back(e);
      a = a.reshape(padded, l);
    }
  graph::NodeDesc desc;
  desc.op = graph::Op::RandomDraws;
  desc.dtype = runtime::is_discrete(d) ? int64 : float64;
  desc.shape = dims;
  desc.nargs = 3;
  for (int k = 0; k < 3; ++k)
    desc.args[k] = detail::node_of(args[static_cast<size_t>(k)], fn, where);
  desc.payload.v[0] = static_cast<uint64_t>(d);
  desc.payload.v[1] = s;
  desc.payload.v[2] = stream;
  desc.loc = where;
  return Array(detail::context().tracer().record(desc));
}

Array draws(Distribution d, const std::vector<const Operand*>& operands, const Size& size) {
  const char* fn = runtime::distribution_name(d);
  std::vector<Param> params;
  static const char* const kNames[3] = {"first parameter", "second parameter", "third parameter"};
  for (size_t k = 0; k < operands.size(); ++k) params.push_back(param(*operands[k], fn, kNames[k]));
  std::vector<const Param*> p;
  for (const Param& q : params) p.push_back(&q);
  const std::source_location l = operands[0]->loc();
  return draws(d, result_shape(fn, p, size, l), p, l);
}

int64_t count_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t e : s) n *= e;
  return n;
}

}  // namespace

Array rand(const Shape& shape, std::source_location loc) {
  return uniform(shape, 0.0, 1.0, float64, loc);
}

Array randn(const Shape& shape, std::source_location loc) {
  return normal(shape, 0.0, 1.0, float64, loc);
}

Array random(const Size& size, std::source_location loc) {
  return uniform(size.value_or(Shape{}), 0.0, 1.0, float64, loc);
}

Array random_sample(const Size& size, std::source_location loc) {
  return random(size, loc);
}

Array ranf(const Size& size, std::source_location loc) {
  return random(size, loc);
}

Array sample(const Size& size, std::source_location loc) {
  return random(size, loc);
}

Array standard_normal(const Size& size, std::source_location loc) {
  return normal(size.value_or(Shape{}), 0.0, 1.0, float64, loc);
}

Array standard_exponential(const Size& size, std::source_location loc) {
  const Shape shape = size.value_or(Shape{});
  (void)detail::checked_shape(shape, "standard_exponential", detail::to_loc(loc));
  return standard_exponential_values(shape, loc).a;
}

Array standard_cauchy(const Size& size, std::source_location loc) {
  const Shape shape = size.value_or(Shape{});
  (void)detail::checked_shape(shape, "standard_cauchy", detail::to_loc(loc));
  return tan((uniform01(shape, loc, true) - 0.5) * std::numbers::pi).a;
}

Array random_integers(int64_t low, std::optional<int64_t> high, const Size& size,
                      std::source_location loc) {
  if (!high) {
    high = low;
    low = 1;
  }
  if (*high == INT64_MAX)
    graph::throw_error("random_integers", "high must be below 2^63 - 1", detail::to_loc(loc));
  return randint(low, *high + 1, size.value_or(Shape{}), int64, loc);
}

Array exponential(const Operand& scale, const Size& size) {
  const Param s = param(scale, "exponential", "scale");
  check_non_negative("exponential", s, "scale");
  return (s.v * standard_exponential_values(result_shape("exponential", {&s}, size, s.v.l), s.v.l))
      .a;
}

Array gumbel(const Operand& loc, const Operand& scale, const Size& size) {
  const Param m = param(loc, "gumbel", "loc"), s = param(scale, "gumbel", "scale");
  check_non_negative("gumbel", s, "scale");
  const V u = uniform01(result_shape("gumbel", {&m, &s}, size, m.v.l), m.v.l, true);
  return (m.v - s.v * log(-log(u))).a;
}

Array laplace(const Operand& loc, const Operand& scale, const Size& size) {
  const Param m = param(loc, "laplace", "loc"), s = param(scale, "laplace", "scale");
  check_non_negative("laplace", s, "scale");
  const V u = uniform01(result_shape("laplace", {&m, &s}, size, m.v.l), m.v.l, true);
  return where(u >= 0.5, m.v - s.v * log(2.0 - 2.0 * u), m.v + s.v * log(2.0 * u)).a;
}

Array logistic(const Operand& loc, const Operand& scale, const Size& size) {
  const Param m = param(loc, "logistic", "loc"), s = param(scale, "logistic", "scale");
  check_non_negative("logistic", s, "scale");
  const V u = uniform01(result_shape("logistic", {&m, &s}, size, m.v.l), m.v.l, true);
  return (m.v + s.v * log(u / (1.0 - u))).a;
}

Array lognormal(const Operand& mean, const Operand& sigma, const Size& size) {
  const Param m = param(mean, "lognormal", "mean"), s = param(sigma, "lognormal", "sigma");
  check_non_negative("lognormal", s, "sigma");
  const Shape shape = result_shape("lognormal", {&m, &s}, size, m.v.l);
  return exp(m.v + s.v * standard_normal_values(shape, m.v.l)).a;
}

Array pareto(const Operand& a, const Size& size) {
  const Param p = param(a, "pareto", "a");
  check_positive("pareto", p, "a");
  return expm1(standard_exponential_values(result_shape("pareto", {&p}, size, p.v.l), p.v.l) / p.v)
      .a;
}

Array power(const Operand& a, const Size& size) {
  const Param p = param(a, "power", "a");
  check_positive("power", p, "a");
  const V e = standard_exponential_values(result_shape("power", {&p}, size, p.v.l), p.v.l);
  return pow(-expm1(-e), 1.0 / p.v).a;
}

Array rayleigh(const Operand& scale, const Size& size) {
  const Param s = param(scale, "rayleigh", "scale");
  check_non_negative("rayleigh", s, "scale");
  const V e = standard_exponential_values(result_shape("rayleigh", {&s}, size, s.v.l), s.v.l);
  return (s.v * sqrt(2.0 * e)).a;
}

Array triangular(const Operand& left, const Operand& mode, const Operand& right, const Size& size) {
  const char* fn = "triangular";
  const Param a = param(left, fn, "left"), m = param(mode, fn, "mode"),
              b = param(right, fn, "right");
  auto order = [&](const Param& x, const Param& y, const char* what, bool equal) {
    const bool bad = x.scalar && y.scalar
                         ? (equal ? *x.scalar == *y.scalar : *x.scalar > *y.scalar)
                         : kiln::any((equal ? x.v == y.v : x.v > y.v).a, x.v.l).item<bool>();
    if (bad) graph::throw_error(fn, what, detail::to_loc(x.v.l));
  };
  order(a, m, "left > mode", false);
  order(m, b, "mode > right", false);
  order(a, b, "left == right", true);
  const V u = uniform01(result_shape(fn, {&a, &m, &b}, size, a.v.l), a.v.l);
  const V base = b.v - a.v, left_base = m.v - a.v;
  const V ratio = left_base / base;
  return where(u <= ratio, a.v + sqrt(u * left_base * base),
               b.v - sqrt((1.0 - u) * (b.v - m.v) * base))
      .a;
}

Array wald(const Operand& mean, const Operand& scale, const Size& size) {
  const Param m = param(mean, "wald", "mean"), s = param(scale, "wald", "scale");
  check_positive("wald", m, "mean");
  check_positive("wald", s, "scale");
  const Shape shape = result_shape("wald", {&m, &s}, size, m.v.l);
  // numpy's legacy wald (Michael, Schucany and Haas): a root of the chi-square's equation, then
  // one of the two roots by a uniform.
  const V n = standard_normal_values(shape, m.v.l);
  const V y = m.v * n * n;
  const V x = m.v + (m.v / (2.0 * s.v)) * (y - sqrt(4.0 * s.v * y + y * y));
  const V u = uniform01(shape, m.v.l);
  return where(u <= m.v / (m.v + x), x, m.v * m.v / x).a;
}

Array weibull(const Operand& a, const Size& size) {
  const Param p = param(a, "weibull", "a");
  check_non_negative("weibull", p, "a");
  const V e = standard_exponential_values(result_shape("weibull", {&p}, size, p.v.l), p.v.l);
  return where(p.v == 0.0, V{zeros_like(e.a, p.v.l), p.v.l}, pow(e, 1.0 / p.v)).a;
}

Array geometric(const Operand& p, const Size& size) {
  const Param q = param(p, "geometric", "p");
  check(
      "geometric", q, "p <= 0, p > 1 or p contains NaNs",
      [](double v) { return !(v > 0 && v <= 1); },
      [](const V& v) { return !(v > 0.0 && v <= 1.0); });
  const V e = standard_exponential_values(result_shape("geometric", {&q}, size, q.v.l), q.v.l);
  // numpy's legacy inversion: ceil(E / -log(1 - p)), at least 1; saturated below int64's end.
  const V k = ceil(e / -log1p(-q.v));
  const V at_least_one{kiln::maximum(Operand(k.a, k.l), Operand(1.0, k.l)), k.l};
  return kiln::minimum(Operand(at_least_one.a, k.l), Operand(0x1p63 - 1024, k.l))
      .astype(int64, k.l);
}

Array standard_gamma(const Operand& shape, const Size& size) {
  const Param k = param(shape, "standard_gamma", "shape");
  check_non_negative("standard_gamma", k, "shape");
  return draws(Distribution::Gamma, result_shape("standard_gamma", {&k}, size, k.v.l), {&k}, k.v.l);
}

Array gamma(const Operand& shape, const Operand& scale, const Size& size) {
  const Param k = param(shape, "gamma", "shape"), s = param(scale, "gamma", "scale");
  check_non_negative("gamma", k, "shape");
  check_non_negative("gamma", s, "scale");
  const Shape out = result_shape("gamma", {&k, &s}, size, k.v.l);
  return (V{draws(Distribution::Gamma, out, {&k}, k.v.l), k.v.l} * s.v).a;
}

Array beta(const Operand& a, const Operand& b, const Size& size) {
  return draws(Distribution::Beta, {&a, &b}, size);
}

Array chisquare(const Operand& df, const Size& size) {
  const Param d = param(df, "chisquare", "df");
  check_positive("chisquare", d, "df");
  const Param half{d.v * 0.5, d.scalar ? std::optional<double>(*d.scalar / 2) : std::nullopt,
                   d.shape};
  return (2.0 * V{draws(Distribution::Gamma, result_shape("chisquare", {&d}, size, d.v.l), {&half},
                        d.v.l),
                  d.v.l})
      .a;
}

Array standard_t(const Operand& df, const Size& size) {
  const Param d = param(df, "standard_t", "df");
  check_positive("standard_t", d, "df");
  const Shape shape = result_shape("standard_t", {&d}, size, d.v.l);
  const Param half{d.v * 0.5, d.scalar ? std::optional<double>(*d.scalar / 2) : std::nullopt,
                   d.shape};
  const V n = standard_normal_values(shape, d.v.l);
  const V g{draws(Distribution::Gamma, shape, {&half}, d.v.l), d.v.l};
  return (n * sqrt(d.v * 0.5) / sqrt(g)).a;
}

Array f(const Operand& dfnum, const Operand& dfden, const Size& size) {
  const Param a = param(dfnum, "f", "dfnum"), b = param(dfden, "f", "dfden");
  check_positive("f", a, "dfnum");
  check_positive("f", b, "dfden");
  const Shape shape = result_shape("f", {&a, &b}, size, a.v.l);
  const V x{chisquare(Operand(a.v.a, a.v.l), shape), a.v.l};
  const V y{chisquare(Operand(b.v.a, a.v.l), shape), a.v.l};
  return ((x * b.v) / (y * a.v)).a;
}

Array noncentral_chisquare(const Operand& df, const Operand& nonc, const Size& size) {
  const Param d = param(df, "noncentral_chisquare", "df");
  const Param c = param(nonc, "noncentral_chisquare", "nonc");
  check_positive("noncentral_chisquare", d, "df");
  check_non_negative("noncentral_chisquare", c, "nonc");
  return draws(Distribution::NoncentralChisquare,
               result_shape("noncentral_chisquare", {&d, &c}, size, d.v.l), {&d, &c}, d.v.l);
}

Array noncentral_f(const Operand& dfnum, const Operand& dfden, const Operand& nonc,
                   const Size& size) {
  const char* fn = "noncentral_f";
  const Param a = param(dfnum, fn, "dfnum"), b = param(dfden, fn, "dfden"),
              c = param(nonc, fn, "nonc");
  check_positive(fn, a, "dfnum");
  check_positive(fn, b, "dfden");
  check_non_negative(fn, c, "nonc");
  const Shape shape = result_shape(fn, {&a, &b, &c}, size, a.v.l);
  const V t{draws(Distribution::NoncentralChisquare, shape, {&a, &c}, a.v.l), a.v.l};
  const V y{chisquare(Operand(b.v.a, a.v.l), shape), a.v.l};
  return ((t * b.v) / (y * a.v)).a;
}

Array vonmises(const Operand& mu, const Operand& kappa, const Size& size) {
  const Param m = param(mu, "vonmises", "mu"), k = param(kappa, "vonmises", "kappa");
  check_non_negative("vonmises", k, "kappa");
  return draws(Distribution::VonMises, result_shape("vonmises", {&m, &k}, size, m.v.l), {&m, &k},
               m.v.l);
}

Array poisson(const Operand& lam, const Size& size) {
  return draws(Distribution::Poisson, {&lam}, size);
}

Array binomial(const Operand& n, const Operand& p, const Size& size) {
  return draws(Distribution::Binomial, {&n, &p}, size);
}

Array negative_binomial(const Operand& n, const Operand& p, const Size& size) {
  return draws(Distribution::NegativeBinomial, {&n, &p}, size);
}

Array hypergeometric(const Operand& ngood, const Operand& nbad, const Operand& nsample,
                     const Size& size) {
  return draws(Distribution::Hypergeometric, {&ngood, &nbad, &nsample}, size);
}

Array zipf(const Operand& a, const Size& size) {
  return draws(Distribution::Zipf, {&a}, size);
}

Array logseries(const Operand& p, const Size& size) {
  return draws(Distribution::Logseries, {&p}, size);
}

Array dirichlet(const Array& alpha, const Size& size, std::source_location loc) {
  const char* fn = "dirichlet";
  const Param a = param(Operand(alpha, loc), fn, "alpha");
  if (a.shape.size() != 1)
    graph::throw_error(fn, "alpha must be 1-d, got shape " + detail::shape_text(a.shape),
                       detail::to_loc(loc));
  check_positive(fn, a, "alpha");
  Shape shape = size.value_or(Shape{});
  (void)detail::checked_shape(shape, fn, detail::to_loc(loc));
  shape.push_back(a.shape[0]);
  const V g{draws(Distribution::Gamma, shape, {&a}, loc), loc};
  return (g / V{kiln::sum(g.a, -1, true, loc), loc}).a;
}

Array multinomial(int64_t n, const Array& pvals, const Size& size, std::source_location loc) {
  const char* fn = "multinomial";
  const SourceLoc where = detail::to_loc(loc);
  if (n < 0) graph::throw_error(fn, "n < 0", where);
  if (pvals.ndim() != 1)
    graph::throw_error(fn, "pvals must be 1-d, got shape " + detail::shape_text(pvals.shape()),
                       where);
  if (is_complex(pvals.dtype())) graph::throw_error(fn, "pvals must be real", where);
  // numpy reads the probabilities at the call (a sync on pvals) and checks them.
  const std::vector<double> p = pvals.astype(float64, loc).to_vector<double>();
  if (p.empty()) graph::throw_error(fn, "pvals must have at least 1 element", where);
  double head = 0;
  for (size_t j = 0; j < p.size(); ++j) {
    if (!(p[j] >= 0 && p[j] <= 1))
      graph::throw_error(fn, "pvals < 0, pvals > 1 or pvals contains NaNs", where);
    if (j + 1 < p.size()) head += p[j];
  }
  if (head > 1.0 + 1e-12) graph::throw_error(fn, "sum(pvals[:-1]) > 1.0", where);
  const Shape shape = size.value_or(Shape{});
  (void)detail::checked_shape(shape, fn, where);
  // numpy's sequential binomials: each category takes a binomial share of what the earlier
  // ones left, the last one the rest.
  Array left = full(shape, static_cast<double>(n), float64, loc);
  double left_p = 1.0;
  std::vector<Array> counts;
  for (size_t j = 0; j + 1 < p.size(); ++j) {
    const double share = left_p > 0 ? std::min(1.0, p[j] / left_p) : 0.0;
    const Param trials{{left, loc}, std::nullopt, shape};
    const Param prob{{full(Shape{}, share, float64, loc), loc}, share, Shape{}};
    const Array x = draws(Distribution::Binomial, shape, {&trials, &prob}, loc);
    counts.push_back(x);
    left = (V{left, loc} - V{x.astype(float64, loc), loc}).a;
    left_p -= p[j];
  }
  counts.push_back(left.astype(int64, loc));
  return stack(counts, -1, loc);
}

Array multivariate_normal(const Array& mean, const Array& cov, const Size& size,
                          std::source_location loc) {
  const char* fn = "multivariate_normal";
  const SourceLoc where = detail::to_loc(loc);
  if (mean.ndim() != 1)
    graph::throw_error(
        fn, "mean must be 1 dimensional, got shape " + detail::shape_text(mean.shape()), where);
  const int64_t n = mean.shape()[0];
  if (cov.ndim() != 2 || cov.shape()[0] != cov.shape()[1])
    graph::throw_error(
        fn, "cov must be 2 dimensional and square, got shape " + detail::shape_text(cov.shape()),
        where);
  if (cov.shape()[0] != n)
    graph::throw_error(fn,
                       "mean and cov must have same length, got " +
                           detail::shape_text(mean.shape()) + " and " +
                           detail::shape_text(cov.shape()),
                       where);
  if (is_complex(mean.dtype()) || is_complex(cov.dtype()))
    graph::throw_error(fn, "mean and cov must be real", where);
  Shape shape = size.value_or(Shape{});
  (void)detail::checked_shape(shape, fn, where);
  shape.push_back(n);
  // numpy's method: x = z (sqrt(s)[:, None] * vh) + mean, with (u, s, vh) = svd(cov).
  const linalg::SvdResult svd = linalg::svd(cov.astype(float64, loc), true, loc);
  const V factor = V{sqrt(Operand(svd.S, loc)).reshape({n, 1}, loc), loc} * V{svd.Vh, loc};
  const Array z = normal({count_of(shape) / std::max<int64_t>(n, 1), n}, 0.0, 1.0, float64, loc);
  const V x = V{matmul(z, factor.a, loc), loc} + V{mean.astype(float64, loc), loc};
  return x.a.reshape(shape, loc);
}

Array permutation(int64_t n, std::source_location loc) {
  if (n < 0)
    graph::throw_error("permutation", "n must be >= 0, got " + std::to_string(n),
                       detail::to_loc(loc));
  return draws(Distribution::Permutation, {n}, {}, loc);
}

Array permutation(const Array& x, std::source_location loc) {
  if (x.ndim() == 0)
    graph::throw_error("permutation", "x must be an integer or at least 1-dimensional",
                       detail::to_loc(loc));
  return take(x, permutation(x.shape()[0], loc), 0, loc);
}

void shuffle(Array& x, std::source_location loc) {
  if (x.ndim() == 0)
    graph::throw_error("shuffle", "x must be at least 1-dimensional", detail::to_loc(loc));
  x = take(x, permutation(x.shape()[0], loc), 0, loc);
}

Array choice(const Operand& a, const Size& size, bool replace, const std::optional<Array>& p) {
  const char* fn = "choice";
  const std::source_location loc = a.loc();
  const SourceLoc where = detail::to_loc(loc);
  const Shape shape = size.value_or(Shape{});
  (void)detail::checked_shape(shape, fn, where);
  const int64_t count = count_of(shape);
  int64_t population = 0;
  if (a.is_array()) {
    if (a.array().ndim() != 1)
      graph::throw_error(
          fn, "a must be 1-dimensional, got shape " + detail::shape_text(a.array().shape()), where);
    population = a.array().shape()[0];
    if (population == 0 && count > 0)
      graph::throw_error(fn, "'a' cannot be empty unless no samples are taken", where);
  } else {
    if (a.scalar().kind != Scalar::Kind::int_)
      graph::throw_error(fn, "a must be 1-dimensional or an integer", where);
    population = a.scalar().i;
    if (population <= 0 && count > 0)
      graph::throw_error(fn, "a must be greater than 0 unless no samples are taken", where);
  }
  std::vector<double> probs;
  if (p) {
    if (p->ndim() != 1) graph::throw_error(fn, "p must be 1-dimensional", where);
    if (p->shape()[0] != population)
      graph::throw_error(fn, "'a' and 'p' must have same size", where);
    if (is_complex(p->dtype())) graph::throw_error(fn, "p must be real", where);
    probs = p->astype(float64, loc).to_vector<double>();  // numpy checks p at the call: a sync
    double total = 0;
    for (double v : probs) {
      if (std::isnan(v)) graph::throw_error(fn, "probabilities contain NaN", where);
      if (v < 0) graph::throw_error(fn, "probabilities are not non-negative", where);
      total += v;
    }
    if (std::fabs(total - 1) > std::sqrt(std::numeric_limits<double>::epsilon()))
      graph::throw_error(fn, "probabilities do not sum to 1", where);
  }
  if (!replace && count > population)
    graph::throw_error(fn, "Cannot take a larger sample than population when 'replace=False'",
                       where);
  Array index;
  if (replace && !p) {
    index = randint(0, std::max<int64_t>(population, 1), shape, int64, loc);
  } else if (replace) {  // numpy's: the uniform values' places in the normalised running sum
    std::vector<double> cdf(probs.size());
    double run = 0;
    for (size_t j = 0; j < probs.size(); ++j) cdf[j] = run += probs[j];
    for (double& c : cdf) c /= run;
    const Array u = uniform(shape, 0.0, 1.0, float64, loc);
    index = searchsorted(array(cdf, loc), u, Side::right, loc);
  } else if (!p) {  // the first `count` of a permutation
    index = permutation(population, loc)[{slice(0, count)}].reshape(shape, loc);
  } else {
    int64_t nonzero = 0;
    for (double v : probs) nonzero += v > 0;
    if (nonzero < count) graph::throw_error(fn, "Fewer non-zero entries in p than size", where);
    // Efraimidis and Spirakis: the `count` largest of U^(1/p) are a draw without replacement
    // with probabilities proportional to p, the distribution of numpy's successive draws.
    const V u = uniform01({population}, loc, true);
    const V key = log(u) / V{array(probs, loc), loc};
    index = argsort((-key).a, -1, loc)[{slice(0, count)}].reshape(shape, loc);
  }
  if (!a.is_array()) return index;
  return take(a.array(), index, loc);
}

}  // namespace kiln::random
