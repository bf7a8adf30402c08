// check_grads: a function's reverse-mode gradient, its forward-mode tangent and central finite
// differences in float64 must agree along random directions, to first and second order.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <kiln/kiln.hpp>

namespace kiln_test {

/// A function of several arrays giving one array (any shape: check_grads reduces it with
/// fixed random weights).
using ArrayFn = std::function<kiln::Array(const std::vector<kiln::Array>&)>;

/// Fresh float64 arrays with the values of `xs` (so nothing recorded before is reused).
inline std::vector<kiln::Array> fresh(const std::vector<std::vector<double>>& values,
                                      const std::vector<kiln::Shape>& shapes) {
  std::vector<kiln::Array> out;
  for (size_t i = 0; i < values.size(); ++i) out.push_back(kiln::array(values[i], shapes[i]));
  return out;
}

/// sum_i <a_i, b_i> over host vectors.
inline double inner(const std::vector<std::vector<double>>& a,
                    const std::vector<std::vector<double>>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t k = 0; k < a[i].size(); ++k) s += a[i][k] * b[i][k];
  return s;
}

inline std::vector<std::vector<double>> host(const std::vector<kiln::Array>& xs) {
  std::vector<std::vector<double>> out;
  for (const kiln::Array& x : xs) out.push_back(x.astype(kiln::float64).to_vector<double>());
  return out;
}

/// Relative closeness with an absolute floor.
inline bool close(double a, double b, double rtol, double atol) {
  return std::abs(a - b) <= atol + rtol * std::max(std::abs(a), std::abs(b));
}

/// Checks f at `x0` (float64 values of `shapes`): reverse (grad) against forward (jvp) against
/// central differences along a random direction; with `order` 2, also the gradient of
/// <grad f, v> (grad of grad) and the jvp of grad (a Hessian-vector product) against central
/// differences of grad. `what` names the case in failures.
inline void check_grads(const ArrayFn& f, const std::vector<std::vector<double>>& x0,
                        const std::vector<kiln::Shape>& shapes, uint64_t seed,
                        const std::string& what, int order = 1, double rtol = 1e-6) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  auto random_like = [&](const std::vector<std::vector<double>>& x) {
    std::vector<std::vector<double>> v = x;
    for (auto& vi : v)
      for (double& e : vi) e = normal(rng);
    return v;
  };
  auto shift = [](const std::vector<std::vector<double>>& x,
                  const std::vector<std::vector<double>>& v, double h) {
    std::vector<std::vector<double>> out = x;
    for (size_t i = 0; i < x.size(); ++i)
      for (size_t k = 0; k < x[i].size(); ++k) out[i][k] += h * v[i][k];
    return out;
  };
  // The scalar: f's result weighted by fixed random values (summed over its elements).
  const kiln::Shape out_shape = f(fresh(x0, shapes)).shape();
  int64_t out_size = 1;
  for (int64_t e : out_shape) out_size *= e;
  std::vector<double> weights(static_cast<size_t>(out_size));
  for (double& w : weights) w = normal(rng);
  const kiln::Array w = kiln::array(weights, out_shape);
  auto scalar = [&](const std::vector<kiln::Array>& xs) { return kiln::sum(f(xs) * w); };
  auto value_at = [&](const std::vector<std::vector<double>>& x) {
    return scalar(fresh(x, shapes)).item<double>();
  };

  const auto v = random_like(x0);
  const double h = 1e-5;
  const double fd = (value_at(shift(x0, v, h)) - value_at(shift(x0, v, -h))) / (2 * h);
  std::vector<kiln::Array> xs = fresh(x0, shapes);
  const std::vector<kiln::Array> g = kiln::grad(scalar(xs), xs);
  const double reverse = inner(host(g), v);
  std::vector<kiln::Array> tangents = fresh(v, shapes);
  std::vector<kiln::Array> again = fresh(x0, shapes);
  const double forward = kiln::detail::forward(scalar(again), again, tangents, {}).item<double>();
  const double scale = std::abs(fd) + 1.0;
  EXPECT_TRUE(close(reverse, fd, rtol * 100, 1e-6 * scale))
      << what << ": reverse " << reverse << " vs finite differences " << fd;
  EXPECT_TRUE(close(forward, reverse, 1e-9, 1e-12 * scale))
      << what << ": forward " << forward << " vs reverse " << reverse;

  // <u, J v> = <J^T u, v> for the unreduced output (forward against reverse with a cotangent).
  {
    std::vector<kiln::Array> p = fresh(x0, shapes);
    const kiln::Array out = f(p);
    std::vector<double> uu(weights.size());
    for (double& e : uu) e = normal(rng);
    const kiln::Array u = kiln::array(uu, out_shape);
    // Both derivatives are built before anything runs: a sync stores `out` (a live handle),
    // and an evaluated array keeps no history to differentiate.
    const kiln::Array jv = kiln::detail::forward(out, p, fresh(v, shapes), {});
    const std::vector<kiln::Array> jtu = kiln::detail::backward(out, p, u, "vjp", {});
    const double lhs = kiln::sum(jv * u).item<double>();
    const double rhs = inner(host(jtu), v);
    EXPECT_TRUE(close(lhs, rhs, 1e-9, 1e-12 * (std::abs(lhs) + 1.0)))
        << what << ": <u, J v> " << lhs << " vs <J^T u, v> " << rhs;
  }
  if (order < 2) return;
  // Second order: d/dt <grad f(x + t u), v> by grad of grad and by forward over reverse.
  const auto u = random_like(x0);
  auto directional = [&](const std::vector<kiln::Array>& xs2) {
    const std::vector<kiln::Array> g2 = kiln::grad(scalar(xs2), xs2);
    kiln::Array s = kiln::zeros({}, kiln::float64);
    for (size_t i = 0; i < g2.size(); ++i) s = s + kiln::sum(g2[i] * kiln::array(v[i], shapes[i]));
    return s;
  };
  auto dir_at = [&](const std::vector<std::vector<double>>& x) {
    return directional(fresh(x, shapes)).item<double>();
  };
  const double fd2 = (dir_at(shift(x0, u, h)) - dir_at(shift(x0, u, -h))) / (2 * h);
  std::vector<kiln::Array> xs2 = fresh(x0, shapes);
  const double rr = inner(host(kiln::grad(directional(xs2), xs2)), u);
  std::vector<kiln::Array> xs3 = fresh(x0, shapes);
  const double fr =
      kiln::detail::forward(directional(xs3), xs3, fresh(u, shapes), {}).item<double>();
  const double scale2 = std::abs(fd2) + 1.0;
  EXPECT_TRUE(close(rr, fd2, rtol * 1000, 1e-5 * scale2))
      << what << ": grad of grad " << rr << " vs finite differences " << fd2;
  EXPECT_TRUE(close(fr, rr, 1e-8, 1e-10 * scale2))
      << what << ": forward over reverse " << fr << " vs reverse over reverse " << rr;
}

}  // namespace kiln_test
