// One derivative check per differentiable op (reverse against forward against finite
// differences, first and second order), the edge cases the conventions name, and the rule
// table's completeness.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "api/derivatives.hpp"
#include "autodiff/check_grads.hpp"
#include "graph/op.hpp"

using namespace kiln;
using kiln_test::check_grads;

namespace {

using Fn = kiln_test::ArrayFn;

struct Case {
  const char* name;
  Fn f;
  std::vector<Shape> shapes;
  double lo = -1.0, hi = 1.0;  // inputs drawn from [lo, hi] (inside the op's domain)
  int order = 2;
};

std::vector<std::vector<double>> draw(const std::vector<Shape>& shapes, double lo, double hi,
                                      uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<std::vector<double>> out;
  for (const Shape& s : shapes) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    std::vector<double> v(static_cast<size_t>(n));
    for (double& e : v) e = u(rng);
    out.push_back(v);
  }
  return out;
}

std::vector<Case> cases() {
  const Shape s{3, 4}, row{4}, col{3, 1};
  using V = const std::vector<Array>&;
  return {
      {"negative", [](V x) { return -x[0]; }, {s}},
      {"abs", [](V x) { return abs(x[0]); }, {s}, 0.2, 1.0},
      {"abs of negatives", [](V x) { return abs(x[0]); }, {s}, -1.0, -0.2},
      {"square", [](V x) { return square(x[0]); }, {s}},
      {"reciprocal", [](V x) { return reciprocal(x[0]); }, {s}, 0.5, 2.0},
      {"sqrt", [](V x) { return sqrt(x[0]); }, {s}, 0.5, 2.0},
      {"exp", [](V x) { return exp(x[0]); }, {s}},
      {"exp2", [](V x) { return exp2(x[0]); }, {s}},
      {"expm1", [](V x) { return expm1(x[0]); }, {s}},
      {"log", [](V x) { return log(x[0]); }, {s}, 0.5, 2.0},
      {"log2", [](V x) { return log2(x[0]); }, {s}, 0.5, 2.0},
      {"log10", [](V x) { return log10(x[0]); }, {s}, 0.5, 2.0},
      {"log1p", [](V x) { return log1p(x[0]); }, {s}, -0.5, 2.0},
      {"sin", [](V x) { return sin(x[0]); }, {s}},
      {"cos", [](V x) { return cos(x[0]); }, {s}},
      {"tan", [](V x) { return tan(x[0]); }, {s}},
      {"arcsin", [](V x) { return arcsin(x[0]); }, {s}, -0.8, 0.8},
      {"arccos", [](V x) { return arccos(x[0]); }, {s}, -0.8, 0.8},
      {"arctan", [](V x) { return arctan(x[0]); }, {s}},
      {"sinh", [](V x) { return sinh(x[0]); }, {s}},
      {"cosh", [](V x) { return cosh(x[0]); }, {s}},
      {"tanh", [](V x) { return tanh(x[0]); }, {s}},
      {"erf", [](V x) { return erf(x[0]); }, {s}},
      {"erfc", [](V x) { return erfc(x[0]); }, {s}},
      {"add broadcast", [](V x) { return x[0] + x[1]; }, {s, row}},
      {"subtract broadcast", [](V x) { return x[0] - x[1]; }, {col, s}},
      {"multiply", [](V x) { return x[0] * x[1]; }, {s, s}},
      {"divide", [](V x) { return x[0] / x[1]; }, {s, row}, 0.5, 2.0},
      {"remainder", [](V x) { return remainder(x[0] * 3.0, x[1]); }, {s, s}, 0.55, 0.95, 1},
      {"fmod", [](V x) { return fmod(x[0] * -3.0, x[1]); }, {s, s}, 0.55, 0.95, 1},
      {"power", [](V x) { return power(x[0], x[1]); }, {s, s}, 0.5, 2.0},
      {"power scalar", [](V x) { return power(x[0], 3.0) + power(2.0, x[0]); }, {s}},
      {"maximum", [](V x) { return maximum(x[0], x[1] + 0.01); }, {s, s}},
      {"minimum", [](V x) { return minimum(x[0], x[1] + 0.01); }, {s, row}},
      {"arctan2", [](V x) { return arctan2(x[0], x[1]); }, {s, s}, 0.3, 1.0},
      {"hypot", [](V x) { return hypot(x[0], x[1]); }, {s, s}, 0.3, 1.0},
      {"where", [](V x) { return where(x[0] > 0.0, x[0] * x[1], sin(x[1])); }, {s, s}},
      {"clip", [](V x) { return clip(x[0], -0.5, 0.55); }, {s}},
      {"sum axis", [](V x) { return sum(x[0] * x[0], 1); }, {s}},
      {"sum keepdims", [](V x) { return sum(exp(x[0]), 0, true) * x[0]; }, {s}},
      {"mean",
       [](V x) {
         return mean(x[0] * x[0], std::vector<int>{0, 1});
       },
       {s}},
      {"var", [](V x) { return var(x[0], 1); }, {s}},
      {"std", [](V x) { return kiln::std(x[0], 0, false, 1); }, {s}},
      {"prod", [](V x) { return prod(x[0], 1); }, {s}},
      {"max", [](V x) { return max(x[0], 0); }, {s}},
      {"min",
       [](V x) {
         return min(x[0] * x[0], std::vector<int>{0, 1});
       },
       {s}},
      {"cumsum", [](V x) { return cumsum(x[0] * x[0], 1); }, {s}},
      {"cumprod", [](V x) { return cumprod(x[0], 1); }, {s}, 0.5, 1.5},
      {"cumprod flat", [](V x) { return cumprod(x[0] * 2.0); }, {s}},
      {"sort", [](V x) { return sort(x[0] * x[0], 1) * arange(4.0, float64); }, {s}},
      {"partition", [](V x) { return partition(x[0], 1, 0) * x[0]; }, {s}},
      {"quantile, median",
       [](V x) { return quantile(x[0], 0.3, 1, true) + median(x[0], 0, true); },
       {s}},
      {"transpose", [](V x) { return transpose(x[0]) * arange(3.0, float64); }, {s}},
      {"reshape",
       [](V x) {
         return reshape(x[0], {2, 6}) * arange(6.0, float64);
       },
       {s}},
      {"slice with step",
       [](V x) {
         return x[0][{slice(1, none), slice(none, none, -2)}] * 2.0;
       },
       {s}},
      {"integer index", [](V x) { return x[0][{1}] * x[0][{2}]; }, {s}},
      {"broadcast_to",
       [](V x) {
         return broadcast_to(x[0], {2, 3, 4}) * arange(4.0, float64);
       },
       {row}},
      {"squeeze expand", [](V x) { return expand_dims(squeeze(x[0], 1), 0); }, {col}},
      {"matmul", [](V x) { return matmul(x[0], x[1]); }, {s, Shape{4, 2}}},
      {"matmul vector", [](V x) { return matmul(x[0], x[1]); }, {s, row}},
      {"vector matmul", [](V x) { return matmul(x[1], x[0]); }, {s, Shape{3}}},
      {"batched matmul", [](V x) { return matmul(x[0], x[1]); }, {Shape{2, 3, 4}, Shape{4, 2}}},
      {"dot", [](V x) { return dot(x[0], x[1]); }, {row, row}},
      {"outer", [](V x) { return outer(x[0], x[1]); }, {row, Shape{3}}},
      {"take",
       [](V x) {
         return take(x[0], array<int64_t>({2, 0, 2, -1}), 1);
       },
       {s}},
      {"take flat",
       [](V x) {
         return take(x[0], array<int64_t>({5, 1, 5}));
       },
       {s}},
      {"take_along_axis",
       [](V x) {
         return take_along_axis(x[0], array<int64_t>({0, 3, 3, 1, 2, 0}, {3, 2}), 1);
       },
       {s}},
      {"scatter",
       [](V x) {
         return scatter(x[0], array<int64_t>({1, 3}), x[1], 1);
       },
       {s, Shape{3, 2}}},
      {"scatter_add",
       [](V x) {
         return scatter_add(x[0], array<int64_t>({0, 0, 2}), x[1]);
       },
       {s, Shape{3, 4}}},
      {"at multiply (repeated indices)",
       [](V x) {
         return at(x[0], {array<int64_t>({1, 3, 1})}).multiply(x[1]);
       },
       {row, Shape{3}}},
      {"at divide",
       [](V x) {
         return at(x[0], {array<int64_t>({0, 0, 2})}).divide(x[1]);
       },
       {row, Shape{3}},
       0.5,
       2.0},
      {"at min",
       [](V x) {
         return at(x[0], {array<int64_t>({2, 0, 2})}).min(x[1] * 1.7);
       },
       {row, Shape{3}}},
      {"at max",
       [](V x) {
         return at(x[0], {array<int64_t>({1, 1})}).max(x[1] * 0.6);
       },
       {row, Shape{2}}},
      {"concatenate",
       [](V x) {
         return concatenate({x[0], x[1] * 2.0}, 1);
       },
       {s, Shape{3, 2}}},
      {"stack",
       [](V x) {
         return stack({x[0], sin(x[0]), x[1]});
       },
       {row, row}},
      {"update",
       [](V x) {
         Array a = x[0] * 1.0;
         a[{slice(0, 2), 1}] = x[1] * x[1];
         return a;
       },
       {s, Shape{2}}},
      {"fft", [](V x) { return abs(kiln::fft::fft(kiln::complex(x[0], x[1]))); }, {row, row}},
      {"complex parts",
       [](V x) {
         const Array z = kiln::complex(x[0], x[1]);
         return real(z * z) + imag(exp(z)) + angle(z) + abs(conj(z) * 2.0);
       },
       {s, s},
       0.3,
       1.0},
      {"arcsinh arccosh arctanh cbrt",
       [](V x) {
         return arcsinh(x[0] * 3.0) + arccosh(x[0] + 1.2) + arctanh(x[0] - 0.6) + cbrt(x[0] - 0.1);
       },
       {s},
       0.3,
       1.0},
      {"copysign (both signs of y, |x| away from 0)",
       [](V x) { return copysign(x[0] - 0.65, x[1] * 2.0 - 1.31); },
       {s, s},
       0.3,
       1.0},
      // numpy's complex functions (compositions of real ops on the parts), both parts of each,
      // away from their branch cuts.
      {"complex sqrt and logarithms",
       [](V x) {
         const Array z = kiln::complex(x[0], x[1]);
         Array r = zeros_like(x[0]);
         for (const Array& g : {sqrt(z), log(z), log2(z), log10(z), log1p(z), exp2(z), expm1(z)})
           r = r + real(g) + 0.7 * imag(g);
         return r;
       },
       {s, s},
       0.3,
       1.0},
      {"complex trigonometry",
       [](V x) {
         const Array z = kiln::complex(x[0], x[1]);
         Array r = zeros_like(x[0]);
         for (const Array& g : {sin(z), cos(z), tan(z), sinh(z), cosh(z), tanh(z)})
           r = r + real(g) + 0.7 * imag(g);
         return r;
       },
       {s, s},
       0.3,
       1.0},
      {"complex inverse trigonometry",
       [](V x) {
         const Array z = kiln::complex(x[0], x[1]);
         Array r = zeros_like(x[0]);
         for (const Array& g : {arcsin(z), arccos(z), arctan(z), arcsin(z * 0.1), arcsinh(z),
                                arccosh(z), arctanh(z)})
           r = r + real(g) + 0.7 * imag(g);
         return r;
       },
       {s, s},
       0.3,
       1.0},
      {"complex power",
       [](V x) {
         const Array z = kiln::complex(x[0], x[1]), w = kiln::complex(x[1], x[0] * 0.5);
         Array r = zeros_like(x[0]);
         for (const Array& g :
              {power(z, 2.5), power(z, w), power(z, 3), power(z, -7), power(2.0, z)})
           r = r + real(g) + 0.7 * imag(g);
         return r;
       },
       {s, s},
       0.3,
       1.0},
  };
}

TEST(DerivativeRules, EveryOpAgreesWithFiniteDifferences) {
  uint64_t seed = 1;
  for (const Case& c : cases()) {
    ++seed;
    check_grads(c.f, draw(c.shapes, c.lo, c.hi, seed), c.shapes, seed, c.name, c.order);
  }
}

TEST(DerivativeRules, EveryDifferentiableOpHasARuleOrIsDeclaredOtherwise) {
  // derivative_kind switches over every op without a default (a new op fails to build under
  // -Werror=switch); here: the ops a numpy user differentiates most are rules, and the ones
  // without a rule yet are exactly those the header names.
  using detail::DerivativeKind;
  int missing = 0;
  for (int i = 0; i < graph::kNumOps; ++i) {
    const auto op = static_cast<graph::Op>(i);
    if (detail::derivative_kind(op) == DerivativeKind::Missing) ++missing;
    if (graph::is_elementwise(op) && graph::op_info(op).rule == graph::TypeRule::Float) {
      EXPECT_NE(detail::derivative_kind(op), DerivativeKind::Missing) << graph::op_info(op).fn;
    }
  }
  EXPECT_EQ(missing, 0);  // every op that could carry a gradient has a rule
}

TEST(DerivativeRules, Conventions) {
  auto g = [](const std::function<Array(const Array&)>& f, double x) {
    return kiln::grad([&](const Array& a) { return sum(f(a)); })(array<double>({x})).item<double>();
  };
  EXPECT_EQ(g([](const Array& a) { return abs(a); }, 0.0), 1.0);
  EXPECT_EQ(g([](const Array& a) { return sqrt(a); }, 0.0),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(g([](const Array& a) { return log(a); }, 0.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(g([](const Array& a) { return maximum(a, 1.0); }, 1.0), 0.5);
  EXPECT_EQ(g([](const Array& a) { return minimum(a, a); }, 2.0), 1.0);
  EXPECT_EQ(g([](const Array& a) { return clip(a, 0.0, 1.0); }, 0.5), 1.0);
  EXPECT_EQ(g([](const Array& a) { return clip(a, 0.0, 1.0); }, 2.0), 0.0);
  // power with a zero base: d/dx x^2 at 0 is 0, d/dy 0^y is 0 (not 0 * log 0 = nan).
  EXPECT_EQ(g([](const Array& a) { return power(a, 2.0); }, 0.0), 0.0);
  EXPECT_EQ(g([](const Array& a) { return power(0.0, a); }, 2.0), 0.0);
  EXPECT_EQ(g([](const Array& a) { return power(a, 0.0); }, 0.0), 0.0);
  // where masks the unused branch: no nan from sqrt or log of negatives.
  const Array x = array<double>({-1.0, 0.0, 4.0});
  const auto wg = kiln::grad([](const Array& a) {
                    return sum(where(a > 0.0, sqrt(a), 0.0) + where(a > 0.0, log(a), a));
                  })(x)
                      .to_vector<double>();
  EXPECT_EQ(wg, (std::vector<double>{1.0, 1.0, 0.25 + 0.25}));
  // Through a broadcast and further ops too.
  const auto wb = kiln::grad([](const Array& a) {
                    const Array s = sqrt(a) * 2.0;
                    return sum(where(expand_dims(a, 0) > 0.0, broadcast_to(s, {2, 3}), 0.0));
                  })(x)
                      .to_vector<double>();
  EXPECT_EQ(wb, (std::vector<double>{0.0, 0.0, 1.0}));
}

TEST(DerivativeRules, EdgeCasesFoundInReview) {
  // power in the exponent at a zero base with a negative exponent: 0, not 0 * inf.
  EXPECT_EQ(kiln::grad([](const Array& y) { return sum(power(zeros({1}, float64), y)); })(
                array<double>({-1.0}))
                .to_vector<double>(),
            (std::vector<double>{0.0}));
  // A masked branch through complex abs with an infinite input: 0, not inf * 0.
  const double inf = std::numeric_limits<double>::infinity();
  const Array z = kiln::complex(array<double>({1.0, inf}), array<double>({0.0, 0.0}));
  const auto gz =
      kiln::grad([](const Array& a) { return sum(where(real(a) < 2.0, abs(a), 0.0)); })(z)
          .to_vector<std::complex<double>>();
  EXPECT_EQ(gz[0], std::complex<double>(1.0, 0.0));
  EXPECT_EQ(gz[1], std::complex<double>(0.0, 0.0));
  // scatter with a repeated index: only the value written last survives, and gets the gradient.
  const auto gv = kiln::grad([](const Array& v) {
                    return sum(scatter(zeros({3}, float64), array<int64_t>({0, 2, 0}), v) *
                               array<double>({5.0, 6.0, 7.0}));
                  })(array<double>({1.0, 2.0, 3.0}))
                      .to_vector<double>();
  EXPECT_EQ(gv, (std::vector<double>{0.0, 7.0, 5.0}));
  // a[idx] += v with a repeated index applies once (numpy): so does the gradient.
  const auto ga = kiln::grad([](const Array& v) {
                    Array a = zeros({3}, float64);
                    a[{array<int64_t>({1, 1})}] += v;
                    return sum(a * array<double>({5.0, 6.0, 7.0}));
                  })(array<double>({1.0, 2.0}))
                      .to_vector<double>();
  EXPECT_EQ(ga, (std::vector<double>{0.0, 6.0}));
}

TEST(DerivativeRules, GradientsStayOnTheOperandsDevice) {
  // Every array on the CPU, whatever the default device (the suite also runs with cuda).
  const Array x = random::uniform({3, 4}, 0.0, 1.0, float64).to(Device::cpu());
  const Array idx = array<int64_t>({0, 3, 1, 1, 2, 0}, {3, 2}).to(Device::cpu());
  const Array g = kiln::grad([&](const Array& a) {
    return sum(take_along_axis(a, idx, 1)) + sum(kiln::fft::irfft(kiln::complex(a, a), 6, 1));
  })(x);
  EXPECT_EQ(g.device(), Device::cpu());
  EXPECT_EQ(g.shape(), (Shape{3, 4}));
}

TEST(DerivativeRules, ReductionTiesZerosAndNans) {
  // max/min: ties split evenly.
  const Array t = array<double>({3.0, 1.0, 3.0, 2.0});
  EXPECT_EQ(kiln::grad([](const Array& a) { return max(a); })(t).to_vector<double>(),
            (std::vector<double>{0.5, 0.0, 0.5, 0.0}));
  EXPECT_EQ(kiln::grad([](const Array& a) { return min(a); })(t).to_vector<double>(),
            (std::vector<double>{0.0, 1.0, 0.0, 0.0}));
  // A NaN is the max: it takes the gradient.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(kiln::grad([](const Array& a) { return max(a); })(array<double>({1.0, nan, 2.0}))
                .to_vector<double>(),
            (std::vector<double>{0.0, 1.0, 0.0}));
  // prod: the product of the others, with one zero and with two.
  EXPECT_EQ(kiln::grad([](const Array& a) { return prod(a); })(array<double>({2.0, 0.0, 3.0}))
                .to_vector<double>(),
            (std::vector<double>{0.0, 6.0, 0.0}));
  EXPECT_EQ(kiln::grad([](const Array& a) { return prod(a); })(array<double>({2.0, 0.0, 0.0}))
                .to_vector<double>(),
            (std::vector<double>{0.0, 0.0, 0.0}));
  EXPECT_EQ(kiln::grad([](const Array& a) { return prod(a); })(array<double>({2.0, 4.0, 3.0}))
                .to_vector<double>(),
            (std::vector<double>{12.0, 6.0, 8.0}));
}

TEST(DerivativeRules, AtMultiplyWithZerosAndMinTies) {
  // at(a, {idx}).multiply(v): out_0 = a_0 v_0 v_2, out_1 = a_1 v_1. With v_0 = 0, d/dv_2 = 0
  // (the other factor is 0) and d/dv_0 = a_0 v_2; d/da_0 = v_0 v_2 = 0.
  const Array a = array<double>({2.0, 3.0}), v = array<double>({0.0, 5.0, 7.0});
  const Array idx = array<int64_t>({0, 1, 0});
  auto f = [&](const Array& x, const Array& y) { return sum(at(x, {idx}).multiply(y)); };
  const std::vector<Array> g = kiln::grad(f, {0, 1})(a, v);
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{0.0, 5.0}));
  EXPECT_EQ(g[1].to_vector<double>(), (std::vector<double>{14.0, 3.0, 0.0}));
  // min with a tie between the array and a value: half each.
  auto m = [&](const Array& x, const Array& y) { return sum(at(x, {array<int64_t>({0})}).min(y)); };
  const std::vector<Array> gm =
      kiln::grad(m, {0, 1})(array<double>({1.0, 4.0}), array<double>({1.0}));
  EXPECT_EQ(gm[0].to_vector<double>(), (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(gm[1].to_vector<double>(), (std::vector<double>{0.5}));
}

TEST(DerivativeRules, CumprodWithZeros) {
  // d/dx_j sum_i cumprod(x)_i, by hand: the sums of the products of the others.
  auto g = [](std::vector<double> v) {
    return kiln::grad([](const Array& a) { return sum(cumprod(a)); })(array<double>(v))
        .to_vector<double>();
  };
  // x = (2, 0, 3): outputs 2, 0, 0. d/dx0 = 1 (only out0), d/dx1 = 2 + 2*3, d/dx2 = 0.
  EXPECT_EQ(g({2.0, 0.0, 3.0}), (std::vector<double>{1.0, 8.0, 0.0}));
  // Two zeros: nothing but the first zero's own output row... d/dx1 = 2 (out1 = 2 x1), d/dx2
  // = 0 (out2 = 2*0*x2 has another zero), d/dx0 = 1.
  EXPECT_EQ(g({2.0, 0.0, 0.0}), (std::vector<double>{1.0, 2.0, 0.0}));
  EXPECT_EQ(g({0.0, 4.0, 5.0}), (std::vector<double>{1.0 + 4.0 + 20.0, 0.0, 0.0}));
  // Forward mode agrees, with zeros too.
  const Array x = array<double>({2.0, 0.0, 3.0, 0.0, 1.5});
  const Array v = array<double>({0.5, -1.0, 2.0, 0.25, 1.0});
  const auto rev =
      kiln::grad([](const Array& a) { return sum(cumprod(a)); })(x).to_vector<double>();
  const auto [o, t] = kiln::jvp([](const Array& a) { return sum(cumprod(a)); }, {x}, {v});
  const std::vector<double> vv = v.to_vector<double>();
  double dot = 0;
  for (size_t i = 0; i < rev.size(); ++i) dot += rev[i] * vv[i];
  EXPECT_DOUBLE_EQ(t.item<double>(), dot);
}

TEST(DerivativeRules, ComplexFollowsJaxConvention) {
  // grad of |z|^2 is 2 conj(z); of a holomorphic function's real part, conj(f'(z)) ... as JAX:
  // the cotangent of z is dL/dx - i dL/dy.
  const Array z = array<std::complex<double>>({{1.0, 2.0}, {-0.5, 0.25}});
  const auto g = kiln::grad([](const Array& a) { return sum(square(abs(a))); })(z)
                     .to_vector<std::complex<double>>();
  EXPECT_NEAR(g[0].real(), 2.0, 1e-12);
  EXPECT_NEAR(g[0].imag(), -4.0, 1e-12);
  EXPECT_NEAR(g[1].real(), -1.0, 1e-12);
  EXPECT_NEAR(g[1].imag(), -0.5, 1e-12);
  // L = real(z^2) = x^2 - y^2: dL/dx - i dL/dy = 2x + 2iy = 2z.
  const auto h = kiln::grad([](const Array& a) { return sum(real(a * a)); })(z)
                     .to_vector<std::complex<double>>();
  EXPECT_NEAR(h[0].real(), 2.0, 1e-12);
  EXPECT_NEAR(h[0].imag(), 4.0, 1e-12);
}

TEST(DerivativeRules, CastsAndStopGradient) {
  const Array x = array<double>({0.5, -2.0, 3.0});
  // d/dx (x * stop_gradient(x)) = stop_gradient(x): the second factor is a constant.
  EXPECT_EQ(
      kiln::grad([](const Array& a) { return sum(a * stop_gradient(a)); })(x).to_vector<double>(),
      x.to_vector<double>());
  // Through float32 and back: the cotangent is rounded to float32 on the way.
  const Array g = kiln::grad([](const Array& a) { return sum(a.astype(float32) * 3.0f); })(x);
  EXPECT_EQ(g.dtype(), float64);
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{3.0, 3.0, 3.0}));
  // A real array made complex: the real part of the cotangent comes back.
  const Array h = kiln::grad([](const Array& a) {
    return sum(real(a.astype(complex128) * std::complex<double>(2.0, 1.0)));
  })(x);
  EXPECT_EQ(h.to_vector<double>(), (std::vector<double>{2.0, 2.0, 2.0}));
  // Integer casts pass nothing.
  EXPECT_EQ(
      kiln::grad([](const Array& a) { return sum(a.astype(int32) * a); })(x).to_vector<double>(),
      (std::vector<double>{0.0, -2.0, 3.0}));
}

TEST(DerivativeRules, Float32GradientsStayFloat32) {
  const Array x = random::uniform({1000}, 0.5, 1.5, float32);
  const Array g = kiln::grad([](const Array& a) { return sum(a * a * 0.5f); })(x);
  EXPECT_EQ(g.dtype(), float32);
  EXPECT_EQ(g.to_vector<float>(), x.to_vector<float>());
}

}  // namespace
