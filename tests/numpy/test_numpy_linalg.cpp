// numpy as the oracle for kiln::linalg and cross on random stacks of matrices (float32, float64,
// complex, integer and bool; numpy's errors for float16, non-square, singular and
// non-positive-definite input among them), and the decompositions' invariants and derivatives.
#include <gtest/gtest.h>

#include <cmath>

#include "helpers.hpp"
#include "numpy/random_arrays.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

class Cases : public oracle::RandomArrays {
 public:
  using RandomArrays::RandomArrays;

  // A stack of n x n matrices (now and then not square, or a vector).
  Shape matrices(int64_t n) {
    Shape s;
    for (int b = pick(3); b > 0; --b) s.push_back(1 + pick(3));
    s.push_back(n);
    s.push_back(pick(15) == 0 ? n + 1 : n);
    if (pick(30) == 0) s = {n};
    return s;
  }
  DType linalg_dtype() {
    static constexpr DType common[] = {float64, float32, complex128, int32, float64, float32};
    return pick(6) == 0 ? any_dtype() : common[pick(6)];
  }

  Case next() {
    const int64_t n = pick(5);
    const Shape s = matrices(n);
    const DType t = linalg_dtype();
    const bool raw = pick(8) == 0;
    auto name = [&](const char* f) { return std::string(f) + (raw ? "_raw" : ""); };
    switch (pick(9)) {
      case 0: {
        Shape b = s;
        if (!b.empty()) b.back() = 1 + pick(3);
        if (pick(3) == 0) b = Shape{n};
        if (pick(4) == 0 && b.size() > 2) b.erase(b.begin());  // batch broadcast
        return {name("linalg.solve"), {operand(s, t), operand(b, pick(4) ? t : linalg_dtype())}};
      }
      case 1:
        return {name("linalg.inv"), {operand(s, t)}};
      case 2:
        return {name(pick(2) ? "linalg.det" : "linalg.slogdet"), {operand(s, t)}};
      case 3:
        return {name("linalg.cholesky"), {operand(s, is_complex(t) ? float64 : t)}};
      case 4:
        return {"linalg.matrix_power", {operand(s, t), oracle::int_arg(pick(8) - 3)}};
      case 5: {
        static constexpr double ords[] = {2, 1, INFINITY, -INFINITY, 0, 3, 0.5};
        const Shape v = shape();
        const int rank = static_cast<int>(v.size());
        const int axis = rank ? pick(rank) - (pick(2) ? rank : 0) : 0;
        if (pick(4) == 0)
          return {
              "linalg.norm",
              {operand(v, t), oracle::float_arg(2), oracle::axes_arg(nullptr), oracle::int_arg(0)}};
        return {"linalg.norm",
                {operand(v, pick(3) ? float64 : t), oracle::float_arg(ords[pick(7)]),
                 oracle::axis_arg(axis), oracle::int_arg(pick(2))}};
      }
      case 6: {
        static const char* fns[] = {"add",     "subtract", "multiply",   "divide",
                                    "maximum", "minimum",  "power",      "arctan2",
                                    "less",    "equal",    "logical_and"};
        return {
            std::string("outer.") + fns[pick(11)],
            {operand(shape(), any_dtype()), operand(pick(2) ? shape() : Shape{3}, any_dtype())}};
      }
      default: {
        Shape a{1 + pick(3), 2 + pick(2)}, b{2 + pick(2)};
        if (pick(5) == 0) b = Shape{4};
        return {"cross", {operand(a, pick(2) ? float64 : int32), operand(b, float64)}};
      }
    }
  }
};

Array mT(const Array& x) {
  return swapaxes(x, -1, -2);
}

double max_abs(const Array& x) {
  return max(abs(x)).item<double>();
}

}  // namespace

TEST(NumpyOracle, LinalgOnRandomStacks) {
  // LAPACK runs on the host on every device: the GPU runs check fewer cases (the copies).
  const int count = kiln_test::cpu_kernels() ? 900 : 150;
  Cases gen(1618);
  oracle::check_random_cases(gen, count, 30);
}

// The factors by what defines them, on larger random matrices.
TEST(Linalg, FactorsSatisfyTheirDefinitions) {
  const Array x = random::normal({3, 40, 40}, 0.0, 1.0, float64).eval();
  const Array spd = (matmul(x, mT(x)) + eye(40, float64) * 40.0).eval();
  const Array l = linalg::cholesky(spd);
  EXPECT_LT(max_abs(matmul(l, mT(l)) - spd), 1e-10);
  EXPECT_EQ(max_abs(l - tril(l)), 0.0);  // lower triangular
  const Array inv = linalg::inv(spd);
  EXPECT_LT(max_abs(matmul(spd, inv) - eye(40, float64)), 1e-12);
  const Array b = random::normal({3, 40, 2}, 0.0, 1.0, float64);
  EXPECT_LT(max_abs(matmul(spd, linalg::solve(spd, b)) - b), 1e-11);
  // det of a product is the product of dets; slogdet agrees with det.
  const Array d = linalg::det(matmul(x, x));
  const Array dx = linalg::det(x);
  EXPECT_LT(max_abs((d - dx * dx) / (dx * dx)), 1e-9);
  const auto [sign, logdet] = linalg::slogdet(x);
  EXPECT_LT(max_abs(sign * exp(logdet) - dx), 1e-6 * max_abs(dx));
  EXPECT_EQ(linalg::matrix_power(spd[{0}], 0).to_vector<double>(),
            eye(40, float64).to_vector<double>());
}

TEST(Linalg, ErrorsNameTheFunctionAndTheMatrix) {
  kiln_test::expect_error(
      [] {
        linalg::inv(zeros({2, 2}, float64)).eval();
      },
      {"inv", "Singular matrix"});
  const Array batch = stack({eye(2, float64), zeros({2, 2}, float64)});
  kiln_test::expect_error(
      [&] {
        linalg::solve(batch, ones({2, 2, 1}, float64)).eval();
      },
      {"solve", "Singular matrix", "matrix 1 of the batch"});
  kiln_test::expect_error([] { linalg::cholesky(-eye(3, float64)).eval(); },
                          {"cholesky", "not positive definite"});
  kiln_test::expect_error([] { linalg::inv(zeros({2, 3})); }, {"inv", "square"});
  kiln_test::expect_error([] { linalg::det(zeros({3})); }, {"det", "two-dimensional"});
  kiln_test::expect_error([] { linalg::inv(zeros({2, 2}, float16)); }, {"inv", "float16"});
  kiln_test::expect_error([] { linalg::solve(eye(3), ones({4})); }, {"solve", "does not match"});
  kiln_test::expect_error([] { cross(ones({4}), ones({3})); },
                          {"cross", "dimension must be 2 or 3"});
  // The error is raised at the sync, and again at every read of the failed array, naming the
  // call that recorded it.
  const Array bad = linalg::inv(zeros({2, 2}, float64));
  const int line = __LINE__ - 1;
  for (int read = 0; read < 2; ++read) {
    try {
      (read ? bad + 1.0 : bad).eval();
      ADD_FAILURE() << "no error";
    } catch (const kiln::Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("[inv] Singular matrix"), std::string::npos) << m;
      EXPECT_NE(m.find("test_numpy_linalg.cpp:" + std::to_string(line)), std::string::npos) << m;
    }
  }
}

// Gradients through solve, inv, cholesky and det against central finite differences.
TEST(Linalg, DerivativesAgreeWithFiniteDifferences) {
  const Array x = (random::normal({3, 3}, 0.0, 1.0, float64) + eye(3, float64) * 3.0).eval();
  const Array b = random::normal({3, 2}, 0.0, 1.0, float64).eval();
  auto check = [&](auto f, const char* what) {
    const std::vector<double> g = grad(f)(x).template to_vector<double>();
    std::vector<double> xv = x.to_vector<double>();
    for (size_t i = 0; i < xv.size(); ++i) {
      const double h = 1e-6, keep = xv[i];
      xv[i] = keep + h;
      const double up = f(array(xv, {3, 3})).template item<double>();
      xv[i] = keep - h;
      const double down = f(array(xv, {3, 3})).template item<double>();
      xv[i] = keep;
      EXPECT_NEAR(g[i], (up - down) / (2 * h), 1e-5 * std::max(1.0, std::fabs(g[i]))) << what << i;
    }
  };
  const Array w = array(std::vector<double>{1, -2, 3, 0.5, 2, -1}, {3, 2});
  check([&](const Array& a) { return sum(linalg::solve(a, b) * w); }, "solve");
  check([&](const Array& a) { return sum(square(linalg::inv(a))); }, "inv");
  check([&](const Array& a) { return linalg::det(a); }, "det");
  check([&](const Array& a) { return linalg::slogdet(a).second; }, "slogdet");
  check(
      [&](const Array& a) {
        const Array spd = matmul(a, mT(a)) + eye(3, float64);
        return sum(linalg::cholesky(spd) *
                   array(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3}));
      },
      "cholesky");
  // Forward mode agrees with reverse mode: <grad, v> = jvp(v).
  const Array v = random::normal({3, 3}, 0.0, 1.0, float64).eval();
  auto f = [&](const Array& a) {
    const Array spd = matmul(a, mT(a)) + eye(3, float64);
    return sum(linalg::cholesky(spd)) + linalg::det(a) + sum(linalg::solve(a, b));
  };
  const double reverse = sum(grad(f)(x) * v).item<double>();
  const double forward = jvp(f, {x}, {v}).second.item<double>();
  EXPECT_NEAR(reverse, forward, 1e-9 * std::max(1.0, std::fabs(forward)));
}
