// The derivative API: its forms, composition (grad of grad, jvp of grad), training loops that
// converge and compile only in their first iteration, and every error path.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "helpers.hpp"

using namespace kiln;
using kiln_test::expect_error;

namespace {

uint64_t new_kernels(const Stats& s) {
  return s.kernels_compiled + s.disk_cache_hits;
}

TEST(Autodiff, FunctionForms) {
  const Array x = array<double>({1.0, 2.0, 3.0}), a = array<double>({0.5, -1.0, 2.0});
  auto f = [](const Array& u, const Array& v) { return sum(u * u * v); };
  // grad: the first argument; with argnums: several.
  EXPECT_EQ(kiln::grad(f)(x, a).to_vector<double>(), (std::vector<double>{1.0, -4.0, 12.0}));
  const std::vector<Array> both = kiln::grad(f, {1, 0})(x, a);
  EXPECT_EQ(both[0].to_vector<double>(), (std::vector<double>{1.0, 4.0, 9.0}));
  EXPECT_EQ(both[1].to_vector<double>(), (std::vector<double>{1.0, -4.0, 12.0}));
  // value_and_grad.
  const auto [value, g] = kiln::value_and_grad(f)(x, a);
  EXPECT_EQ(value.item<double>(), 0.5 - 4.0 + 18.0);
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{1.0, -4.0, 12.0}));
  const auto [value2, gs] = kiln::value_and_grad(f, {0, 1})(x, a);
  EXPECT_EQ(value2.item<double>(), 14.5);
  EXPECT_EQ(gs.size(), 2u);
  // A C++ scalar at a differentiated position is a float64 0-d array.
  const Array ds = kiln::grad(f, {1})(x, 2.0)[0];
  EXPECT_EQ(ds.dtype(), float64);
  EXPECT_EQ(ds.ndim(), 0);
  EXPECT_EQ(ds.item<double>(), 14.0);
  // ... and elsewhere it is just a value.
  EXPECT_EQ(kiln::grad(f)(x, 2.0).to_vector<double>(), (std::vector<double>{4.0, 8.0, 12.0}));
  // The same array at two positions is two inputs.
  const std::vector<Array> same = kiln::grad(f, {0, 1})(x, x);
  EXPECT_EQ(same[0].to_vector<double>(), (std::vector<double>{2.0, 8.0, 18.0}));
  EXPECT_EQ(same[1].to_vector<double>(), (std::vector<double>{1.0, 4.0, 9.0}));
  // An argument the result ignores gets zeros.
  auto ignores = [](const Array& u, const Array&) { return sum(u); };
  EXPECT_EQ(kiln::grad(ignores, {1})(x, a)[0].to_vector<double>(),
            (std::vector<double>{0.0, 0.0, 0.0}));
}

TEST(Autodiff, TheanoStyleGradOfARecordedArray) {
  const Array x = array<double>({1.0, 2.0}), w = array<double>({3.0, 4.0});
  const Array h = x * w;  // pending intermediates may be differentiated with respect to too
  const Array y = sum(h * h);
  const std::vector<Array> g = kiln::grad(y, {x, h, w});
  EXPECT_EQ(g[0].to_vector<double>(), (std::vector<double>{18.0, 64.0}));
  EXPECT_EQ(g[1].to_vector<double>(), (std::vector<double>{6.0, 16.0}));
  EXPECT_EQ(g[2].to_vector<double>(), (std::vector<double>{6.0, 32.0}));
  // Unrelated arrays get zeros, not an error.
  EXPECT_EQ(kiln::grad(sum(x), {w})[0].to_vector<double>(), (std::vector<double>{0.0, 0.0}));
}

TEST(Autodiff, VjpAndJvp) {
  const Array x = array<double>({1.0, 2.0, 3.0});
  auto f = [](const Array& u) { return u * u; };
  const auto [out, pullback] = kiln::vjp(f, x);
  const std::vector<Array> ct = pullback(array<double>({1.0, 0.0, 2.0}));
  EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{1.0, 4.0, 9.0}));
  EXPECT_EQ(ct[0].to_vector<double>(), (std::vector<double>{2.0, 0.0, 12.0}));
  const auto [o, t] = kiln::jvp(f, {x}, {array<double>({1.0, 1.0, -1.0})});
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{2.0, 4.0, -6.0}));
  EXPECT_EQ(o.to_vector<double>(), (std::vector<double>{1.0, 4.0, 9.0}));
  // Two primals.
  const auto [o2, t2] = kiln::jvp([](const Array& u, const Array& v) { return u * v; },
                                  {x, x * 2.0}, {ones_like(x), zeros_like(x)});
  EXPECT_EQ(t2.to_vector<double>(), (std::vector<double>{2.0, 4.0, 6.0}));
}

TEST(Autodiff, DerivativesCompose) {
  auto f = [](const Array& u) { return sum(u * u * u); };
  const Array x = array<double>({1.0, -2.0});
  // grad of grad (of a scalar function of one variable) and the Hessian-vector product.
  auto df = [&](const Array& u) { return kiln::grad(f)(u)[{0}]; };
  EXPECT_EQ(kiln::grad(df)(x).to_vector<double>(), (std::vector<double>{6.0, 0.0}));
  const auto [g, hv] = kiln::jvp(kiln::grad(f), {x}, {array<double>({1.0, 1.0})});
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{3.0, 12.0}));
  EXPECT_EQ(hv.to_vector<double>(), (std::vector<double>{6.0, -12.0}));
  // Third derivative of sin at 0.3.
  auto d1 = kiln::grad([](const Array& u) { return sin(u); });
  auto d2 = kiln::grad([&](const Array& u) { return d1(u); });
  auto d3 = kiln::grad([&](const Array& u) { return d2(u); });
  EXPECT_NEAR(d3(0.3).item<double>(), -std::cos(0.3), 1e-15);
}

// Least squares: gradient descent on mean((X w + b - y)^2) reaches the closed-form solution,
// and only the first iteration compiles.
TEST(Autodiff, LeastSquaresConvergesAndCompilesOnce) {
  const int64_t n = 200, d = 3;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<double> xs(static_cast<size_t>(n * d)), ys(static_cast<size_t>(n));
  const double true_w[3] = {1.5, -2.0, 0.5}, true_b = 0.25;
  for (int64_t i = 0; i < n; ++i) {
    double t = true_b;
    for (int64_t j = 0; j < d; ++j) {
      xs[static_cast<size_t>(i * d + j)] = normal(rng);
      t += true_w[j] * xs[static_cast<size_t>(i * d + j)];
    }
    ys[static_cast<size_t>(i)] = t + 0.01 * normal(rng);
  }
  const Array X = array(xs, {n, d}), Y = array(ys);
  Array w = zeros({d}, float64), b = zeros({}, float64);
  auto loss = [&](const Array& ww, const Array& bb) {
    return mean(square(matmul(X, ww) + bb - Y));
  };
  std::vector<uint64_t> compiled;
  double last = 0;
  for (int step = 0; step < 300; ++step) {
    reset_stats();
    auto [value, g] = kiln::value_and_grad(loss, {0, 1})(w, b);
    w = w - 0.1 * g[0];
    b = b - 0.1 * g[1];
    kiln::eval({value, w, b});
    compiled.push_back(new_kernels(stats()));
    last = value.item<double>();
  }
  for (size_t i = 2; i < compiled.size(); ++i) EXPECT_EQ(compiled[i], 0u) << "step " << i;
  // Closed form through the normal equations, solved here in double.
  const std::vector<double> wv = w.to_vector<double>();
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(wv[static_cast<size_t>(j)], true_w[j], 0.01);
  EXPECT_NEAR(b.item<double>(), true_b, 0.01);
  EXPECT_LT(last, 2e-4);
}

// Logistic regression on separable-ish data: the loss falls and the weights point the true way.
TEST(Autodiff, LogisticRegressionConverges) {
  const int64_t n = 256;
  const Array X = random::normal({n, 2}, 0.0, 1.0, float32);
  const Array labels = (matmul(X, array<float>({2.0f, -1.0f})) > 0.0f).astype(float32);
  eval({X, labels});
  Array w = zeros({2}, float32);
  auto loss = [&](const Array& ww) {
    const Array z = matmul(X, ww);
    // log(1 + exp(-z)) for label 1, log(1 + exp(z)) for 0: softplus of the signed margin.
    const Array margin = z * (labels * 2.0f - 1.0f);
    return mean(log1p(exp(-margin)));
  };
  const double first = loss(w).item<double>();
  for (int step = 0; step < 100; ++step) {
    auto [value, g] = kiln::value_and_grad(loss)(w);
    w = w - 1.0f * g;
    w.eval();
  }
  const double final_loss = loss(w).item<double>();
  EXPECT_LT(final_loss, 0.3 * first);
  const std::vector<float> wv = w.to_vector<float>();
  EXPECT_GT(wv[0], 0.0f);
  EXPECT_LT(wv[1], 0.0f);
  EXPECT_NEAR(wv[0] / -wv[1], 2.0, 0.5);
  EXPECT_EQ(w.dtype(), float32);
}

TEST(Autodiff, SyncsInsideTheFunctionKeepItsHistory) {
  // A mask's count and a printed value are syncs inside f; the arrays f holds stay recorded.
  auto f = [](const Array& x) {
    const Array h = sin(x) * 2.0;
    const Array positive = h[{h > 0.0}];  // a sync: the mask's count
    (void)sum(h).item<double>();          // another, computing h again
    return sum(h * h) + sum(positive);
  };
  const Array x = array<double>({0.5, -1.0, 2.0});
  const std::vector<double> g = kiln::grad(f)(x).to_vector<double>();
  const std::vector<double> xs = x.to_vector<double>();
  for (size_t i = 0; i < xs.size(); ++i) {
    const double h = 2.0 * std::sin(xs[i]), dh = 2.0 * std::cos(xs[i]);
    // h[h > 0] is a gather of h: the positive elements pass their dh too.
    EXPECT_NEAR(g[i], 2.0 * h * dh + (h > 0 ? dh : 0.0), 1e-12);
  }
}

TEST(Autodiff, EvaluatedMasksCountsAndConstantsInsideTheFunctionAreNoError) {
  // The mask is evaluated by the selection's sync and used again: no gradient flows through
  // a bool array, so its lost history does not matter.
  auto f = [](const Array& x) {
    const Array m = x > 0.0;
    const Array pos = x[{m}];
    return sum(pos) + sum(where(m, x * x, 0.0));
  };
  EXPECT_EQ(kiln::grad(f)(array<double>({1.0, -1.0})).to_vector<double>(),
            (std::vector<double>{3.0, 0.0}));
  // A scalar input, and a value evaluated inside f from other data and constants.
  const Array data = array<double>({1.0, 3.0});
  auto g = [&](const Array& s) {
    const Array c = sum(data * 0.5);
    (void)c.item<double>();
    return s * c;
  };
  EXPECT_EQ(kiln::grad(g)(2.0).item<double>(), 2.0);
}

TEST(Autodiff, PeakBytesCountsTheBuffersAStepNeeds) {
  if (!kiln_test::on_cpu()) GTEST_SKIP() << "peak_bytes counts host buffers";
  const Array x = random::uniform({1 << 16}, 0.0, 1.0, float64);  // 512 KiB
  x.eval();
  reset_stats();
  // The gradient of sum(x * x) wrt x: one new buffer of x's size (2x is one map).
  const Array g = kiln::grad([](const Array& a) { return sum(a * a); })(x);
  g.eval();
  const uint64_t peak = stats().peak_bytes;
  EXPECT_GE(peak, 512u << 10);         // x's buffer was alive and g's was made
  EXPECT_LT(peak, 4u * (512u << 10));  // no copies of x, no stored intermediates
  reset_stats();
  EXPECT_LT(stats().peak_bytes, 4u * (512u << 10));
}

// A training step of a tanh MLP with matmuls holds what the same step written by hand holds:
// each layer's buffers go as soon as the backward pass is past them, and the updated weights
// are written over the old ones (buffer donation), not into a second copy.
TEST(Autodiff, TrainingStepHoldsNoMoreThanAHandWrittenStep) {
  if (!kiln_test::on_cpu()) GTEST_SKIP() << "peak_bytes counts host buffers";
  constexpr int64_t batch = 128, in = 256, hidden = 128, out = 10;
  const Array x = random::normal({batch, in}, 0.0, 1.0, float32).eval();
  const Array y = (random::uniform({batch, out}, 0.0, 1.0, float32) > 0.9).astype(float32).eval();
  Array w1 = (random::normal({in, hidden}, 0.0, 0.05, float32) + 0.0f).eval();
  Array w2 = (random::normal({hidden, out}, 0.0, 0.1, float32) + 0.0f).eval();
  auto loss = [&](const Array& a, const Array& b) {
    const Array h = kiln::tanh(matmul(x, a));
    return mean(square(matmul(h, b) - y));
  };
  // By hand: h, the output and its gradient, h's gradient (in place through tanh'), and
  // the two weight gradients; the weights are updated in place.
  const uint64_t hand = 4 * (2 * batch * hidden + 2 * batch * out + in * hidden + hidden * out);
  uint64_t made = 0;
  float first = 0, last = 0;
  for (int step = 0; step < 4; ++step) {
    reset_stats();
    const uint64_t at_start = stats().peak_bytes;
    auto [value, g] = value_and_grad(loss, {0, 1})(w1, w2);
    w1 = w1 - 0.1f * g[0];
    w2 = w2 - 0.1f * g[1];
    kiln::eval({value, w1, w2});
    made = std::max<uint64_t>(made, stats().peak_bytes - at_start);
    (step == 0 ? first : last) = value.item<float>();
  }
  EXPECT_LT(last, first);
  EXPECT_LE(made, hand + 4096) << "block rounding of the small buffers aside";
}

TEST(AutodiffErrors, EveryMistakeIsAClearError) {
  const Array x = array<double>({1.0, 2.0});
  const Array i = array<int64_t>({1, 2});
  expect_error([&] { kiln::grad(x * 2.0, {x}); },
               {"[grad]", "real floating 0-d", "shape (2,)", "sum or mean"});
  expect_error([&] { kiln::grad(sum(i), {i}); }, {"[grad]", "dtype int64", "floating"});
  expect_error([&] { kiln::grad([](const Array& u) { return sum(u); })(i); },
               {"[grad]", "argument 0", "int64"});
  expect_error([&] { kiln::grad([](const Array& u) { return u * 2.0; })(3); },
               {"[grad]", "C++ integer", "2.0"});
  expect_error([&] { kiln::grad([](const Array& u) { return sum(u * 1.0); }, {1})(x); },
               {"[grad]", "argnums names argument 1", "called with 1"});
  expect_error(
      [&] {
        kiln::grad([](const Array& u, const Array&) { return sum(u); }, {0, 0})(x, x);
      },
      {"argnums names argument 0 twice"});
  expect_error([&] { kiln::jvp([](const Array& u) { return u; }, {x}, {ones({3}, float64)}); },
               {"[jvp]", "tangent 0 has shape (3,)", "(2,)"});
  expect_error(
      [&] {
        kiln::jvp([](const Array& u) { return u; }, {x, x}, {x, x});
      },
      {"[jvp]", "cannot be called with 2"});
  const auto [out, pullback] = kiln::vjp([](const Array& u) { return u * u; }, x);
  expect_error([&, pb = pullback] { pb(ones({3}, float64)); },
               {"[vjp]", "cotangent has shape (3,)", "output (2,)"});
}

TEST(AutodiffErrors, EvaluatedHistoryIsAnErrorNamingIt) {
  const Array x = array<double>({1.0, 2.0});
  const Array h = sin(x);  // line of the evaluated array
  const int h_line = __LINE__ - 1;
  h.eval();
  const Array y = sum(h * 2.0);
  try {
    kiln::grad(y, {x});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("test_autodiff.cpp:" + std::to_string(h_line)), std::string::npos) << msg;
    EXPECT_NE(msg.find("was evaluated before differentiating"), std::string::npos) << msg;
  }
  // An evaluated array made after the input from other arrays and many constants: its filter
  // does not hold the input's bit, so no error.
  const Array in = array<double>({1.0, 2.0});
  const Array other = array<double>({0.5, 0.25});
  Array poly = other;
  for (int k = 1; k <= 100; ++k) poly = poly * 0.999 + static_cast<double>(k) * 1e-3;
  poly.eval();
  EXPECT_EQ(kiln::grad(sum(in * poly), {in})[0].to_vector<double>(), poly.to_vector<double>());
  // Arrays evaluated before the input was made cannot depend on it: no error.
  const Array c = exp(array<double>({0.5, 0.5}));
  c.eval();
  const Array z = array<double>({3.0, 4.0});
  EXPECT_EQ(kiln::grad(sum(c * z), {z})[0].to_vector<double>(), c.to_vector<double>());
}

}  // namespace
