// Random programs differentiated: reverse mode against forward mode against central finite
// differences (first and second order), and <u, J v> = <J^T u, v>, over graphs of elementwise
// ops with broadcasting, reductions, views, matmul, gathers, scatters, concatenation and where.
// Inputs stay inside each op's domain and away from kinks (abs, max, clip and floor have their
// own rule tests): every op is applied to values it is smooth at.
//
//   RandomGrads.Programs        a fixed set, in make test
//   RandomGradsLong.TimeBudget  KILN_GRAD_FUZZ_SECONDS=<s> [KILN_GRAD_FUZZ_SEED=<n>]: programs
//                               until the budget is spent (make fuzz-grad)
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>

#include "autodiff/check_grads.hpp"

using namespace kiln;

namespace {

// One step of a program: an op over earlier values (by index), with a parameter.
struct Step {
  int op = 0;
  size_t a = 0, b = 0, c = 0;
  int param = 0;
};

constexpr int kNumStepOps = 25;

// The smooth, in-domain form of step `s` over `pool`.
Array apply_step(const Step& s, const std::vector<Array>& pool) {
  const Array& x = pool[s.a];
  const Array& y = pool[s.b];
  const Array& z = pool[s.c];
  const int axis = x.ndim() > 0 ? s.param % x.ndim() : 0;
  switch (s.op) {
    case 0:
      return sin(x) + y;
    case 1:
      return x * y;
    case 2:
      return x / (y * y + 1.0);
    case 3:
      return tanh(x) - cos(y);
    case 4:
      return log(x * x + 0.5);
    case 5:
      return sqrt(x * x + 0.25) * exp(tanh(y));
    case 6:
      return power(x * x + 0.5, tanh(y) + 1.0);
    case 7:
      return arctan2(x, y * y + 1.0) + hypot(x, 1.0);
    case 8:
      return sum(x, axis, s.param % 2 == 0);
    case 9:
      return mean(square(x), axis, true);
    case 10:
      return transpose(x);
    case 11:
      return where(x > y, x * 2.0, erf(y));
    case 12:
      return matmul(x, transpose(y));
    case 13:
      return cumsum(x, axis);
    case 14:
      return concatenate({x, y}, axis);
    case 15: {  // a strided slice
      std::vector<Index> idx(static_cast<size_t>(axis), slice());
      idx.push_back(slice(none, none, s.param % 3 == 0 ? -1 : 2));
      return x[Indices(idx)];
    }
    case 16: {  // take with repeats along an axis
      if (x.ndim() == 0) throw Error("take: a 0-d array has no axis");
      const int64_t n = x.shape()[static_cast<size_t>(axis)];
      return take(x, array<int64_t>({n - 1, 0, n - 1}), axis);
    }
    case 17:
      return stack({x, y * 0.5});
    case 18:
      return reshape(x, {-1}) * 1.5;
    case 19:
      return prod(x * 0.25 + 1.0, axis);
    case 20:
      return arctan(x) * sinh(tanh(y)) + z;
    case 21:
      return var(x, axis, true);
    case 22: {  // an update of a slice
      if (x.ndim() == 0) throw Error("a 0-d array cannot be sliced");
      Array base = x * 1.0;
      const Array part = x[{slice(0, 1)}];
      base[{slice(0, 1)}] = part * part;
      return base;
    }
    case 23:
      return cumprod(tanh(x) * 0.5 + 1.0, axis);
    default:
      return reciprocal(x * x + 1.0) + expm1(tanh(y));
  }
}

struct Program {
  std::vector<Shape> shapes;
  std::vector<Step> steps;
};

std::vector<double> values(const Shape& s, std::mt19937_64& rng) {
  int64_t n = 1;
  for (int64_t e : s) n *= e;
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& e : v) e = u(rng);
  return v;
}

// A random program whose steps all record without error, ending in a non-empty array.
Program random_program(std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  static const Shape kShapes[] = {{3, 4}, {4}, {3, 1}, {}, {2, 3, 4}, {4, 3}, {5}};
  Program p;
  const int inputs = 1 + pick(3);
  p.shapes.push_back(kShapes[pick(3) == 0 ? 4 : 0]);
  for (int i = 1; i < inputs; ++i) p.shapes.push_back(kShapes[pick(7)]);
  std::vector<Array> pool;
  for (const Shape& s : p.shapes) pool.push_back(array(values(s, rng), s));
  const int steps = 2 + pick(5);
  for (int i = 0; i < steps; ++i) {
    for (int attempt = 0; attempt < 30; ++attempt) {
      const size_t n = pool.size();
      Step s{pick(kNumStepOps),
             n - 1 - static_cast<size_t>(pick(std::min<int>(3, static_cast<int>(n)))),
             static_cast<size_t>(pick(static_cast<int>(n))),
             static_cast<size_t>(pick(static_cast<int>(n))), pick(6)};
      try {
        Array r = apply_step(s, pool);
        if (r.size() == 0 || r.size() > 200) continue;
        pool.push_back(r);
        p.steps.push_back(s);
        break;
      } catch (const Error&) {
        // shapes that do not fit this op: try another
      }
    }
  }
  return p;
}

kiln_test::ArrayFn as_function(const Program& p) {
  return [p](const std::vector<Array>& xs) {
    std::vector<Array> pool = xs;
    for (const Step& s : p.steps) pool.push_back(apply_step(s, pool));
    return pool.back();
  };
}

std::string describe(const Program& p, uint64_t seed) {
  std::string s = "seed " + std::to_string(seed) + ": ops";
  for (const Step& st : p.steps) s += " " + std::to_string(st.op);
  return s;
}

void run_program(uint64_t seed) {
  std::mt19937_64 rng(seed);
  const Program p = random_program(rng);
  std::vector<std::vector<double>> x0;
  for (const Shape& s : p.shapes) x0.push_back(values(s, rng));
  kiln_test::check_grads(as_function(p), x0, p.shapes, seed, describe(p, seed),
                         seed % 4 == 0 ? 2 : 1);
}

TEST(RandomGrads, Programs) {
  for (uint64_t seed = 1; seed <= 60; ++seed) run_program(seed);
}

TEST(RandomGradsLong, TimeBudget) {
  const char* budget = std::getenv("KILN_GRAD_FUZZ_SECONDS");
  if (!budget) GTEST_SKIP() << "set KILN_GRAD_FUZZ_SECONDS (and KILN_GRAD_FUZZ_SEED)";
  const char* first = std::getenv("KILN_GRAD_FUZZ_SEED");
  uint64_t seed = first ? std::stoull(first) : 1000;
  const auto end =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(std::stod(budget));
  int programs = 0;
  while (std::chrono::steady_clock::now() < end && !HasFailure()) {
    run_program(seed++);
    ++programs;
  }
  std::printf("%d programs, seeds up to %llu\n", programs,
              static_cast<unsigned long long>(seed - 1));
}

}  // namespace
