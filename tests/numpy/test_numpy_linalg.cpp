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
  // A stack of m x n matrices of any m, n (now and then one that is not a matrix).
  Shape rectangles() {
    Shape s;
    for (int b = pick(3); b > 0; --b) s.push_back(1 + pick(3));
    s.push_back(pick(6));
    s.push_back(pick(6));
    if (pick(30) == 0) s = {pick(4)};
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
    switch (pick(15)) {
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
      case 9:
        switch (pick(4)) {
          case 0:
            return {"linalg.eigvalsh", {operand(s, t), oracle::int_arg(pick(2))}};
          case 1:
            return {"linalg.eigh", {operand(s, t)}};
          default:  // general matrices: eigenvalues in sorted order (see oracle.py)
            return {pick(2) ? "linalg.eig" : "linalg.eigvals", {operand(s, t)}};
        }
      case 10: {  // any m x n stack
        const Shape r = rectangles();
        switch (pick(3)) {
          case 0:
            return {"linalg.svdvals", {operand(r, t)}};
          case 1:
            return {"linalg.svd", {operand(r, t), oracle::int_arg(pick(2))}};
          default:
            return {"linalg.qr", {operand(r, t), oracle::int_arg(pick(3))}};
        }
      }
      case 7:
        return {pick(2) ? "linalg.pinv" : "linalg.matrix_rank",
                {operand(rectangles(), pick(4) ? float64 : float32)}};
      case 11: {  // one m x n matrix, b (m,) or (m, k)
        const int64_t m = pick(5), k = pick(3);
        const Shape b = pick(2) ? Shape{m} : Shape{m, k};
        Shape a{m, pick(5)};
        if (pick(20) == 0) a = Shape{m + 1, 2};  // numpy's Incompatible dimensions
        return {"linalg.lstsq", {operand(a, pick(3) ? float64 : float32), operand(b, t)}};
      }
      case 12: {
        static constexpr double ords[] = {2, -2, 1, -1, INFINITY, -INFINITY};
        const Shape r = rectangles();
        const int rank = static_cast<int>(r.size());
        std::vector<int> axes{rank - 2, rank - 1};
        if (rank > 2 && pick(2)) axes = {rank - 1, 0};
        if (pick(25) == 0) axes = {0, 0};  // numpy's Duplicate axes
        const int which = pick(8);
        const std::string f = which == 6   ? "linalg.matrix_norm_fro"
                              : which == 7 ? "linalg.matrix_norm_nuc"
                                           : "linalg.matrix_norm";
        return {f,
                {operand(r, pick(3) ? float64 : t), oracle::float_arg(ords[which % 6]),
                 oracle::axes_arg(axes), oracle::int_arg(pick(2))}};
      }
      case 13: {  // cond (square stacks shifted to be well conditioned), tensorinv, tensorsolve
        static constexpr double ps[] = {2, -2, 1, -1, INFINITY, -INFINITY, 0, 0};
        const int which = pick(10);
        if (which <
            8) {  // square (shifted rectangles could be singular: numpy's inf, kiln's error)
          Shape sq = s;
          if (sq.size() >= 2) sq[sq.size() - 2] = sq.back();
          return {which == 6   ? "linalg.cond_fro"
                  : which == 7 ? "linalg.cond_none"
                               : "linalg.cond",
                  {operand(sq, t), oracle::float_arg(ps[which])}};
        }
        const int64_t k = 1 + pick(3), m = 1 + pick(2);
        if (which == 8) {
          Shape ts{k, m, k * m};
          if (pick(6) == 0) ts = {k, m + 1, k * m};  // not square: an error
          return {"linalg.tensorinv", {operand(ts, t), oracle::int_arg(2)}};
        }
        return {"linalg.tensorsolve", {operand(Shape{k * m, k, m}, t), operand(Shape{k * m}, t)}};
      }
      case 14: {  // multi_dot of 2 to 5 arrays, 1-d ends now and then
        const int n_arrays = 2 + pick(4);
        std::vector<int64_t> dims;
        for (int d = 0; d <= n_arrays; ++d) dims.push_back(1 + pick(5));
        Case c{"linalg.multi_dot", {}};
        for (int k = 0; k < n_arrays; ++k) {
          Shape ms{dims[static_cast<size_t>(k)], dims[static_cast<size_t>(k) + 1]};
          if (k == 0 && pick(3) == 0) ms = {ms[1]};
          if (k == n_arrays - 1 && pick(3) == 0) ms = {ms[0]};
          c.args.push_back(operand(ms, pick(4) ? t : float64));
        }
        return c;
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

// eigh, svd, qr, pinv and lstsq by what defines them, real and complex, on larger stacks.
TEST(Linalg, DecompositionsSatisfyTheirDefinitions) {
  for (const DType t : {float64, complex128}) {
    SCOPED_TRACE(dtype_name(t));
    Array x = random::normal({2, 9, 6}, 0.0, 1.0, float64);
    if (t == complex128) x = complex(x, random::normal({2, 9, 6}, 0.0, 1.0, float64));
    x = x.eval();
    auto mH = [](const Array& m) { return conj(mT(m)); };
    const Array h = matmul(mH(x), x);  // Hermitian 6 x 6
    const auto [w, v] = linalg::eigh(h);
    EXPECT_LT(max_abs(matmul(h, v) - v * w.astype(t)[{ellipsis, newaxis, slice()}]), 1e-10);
    EXPECT_LT(max_abs(matmul(mH(v), v) - eye(6, t)), 1e-12);
    EXPECT_EQ(sum(w[{ellipsis, slice(1, none)}] < w[{ellipsis, slice(none, -1)}]).item<int64_t>(),
              0);  // ascending
    EXPECT_LT(max_abs(linalg::eigvalsh(h) - w), 1e-10);
    EXPECT_LT(max_abs(linalg::eigvalsh(tril(h), 'L') - linalg::eigvalsh(triu(h), 'U')), 1e-10);

    for (const bool full : {false, true}) {
      const auto [u, s, vh] = linalg::svd(x, full);
      const Array us =
          u[{ellipsis, slice(), slice(0, 6)}] * s.astype(t)[{ellipsis, newaxis, slice()}];
      EXPECT_LT(max_abs(matmul(us, vh) - x), 1e-12);
      EXPECT_LT(max_abs(matmul(mH(u), u) - eye(full ? 9 : 6, t)), 1e-12);
      EXPECT_LT(max_abs(matmul(vh, mH(vh)) - eye(6, t)), 1e-12);
      EXPECT_EQ(sum(s[{ellipsis, slice(1, none)}] > s[{ellipsis, slice(none, -1)}]).item<int64_t>(),
                0);  // descending
      EXPECT_LT(max_abs(linalg::svdvals(x) - s), 1e-12);
    }
    for (const char* mode : {"reduced", "complete"}) {
      const auto [q, r] = linalg::qr(mT(x), mode);  // 6 x 9: wide
      EXPECT_LT(max_abs(matmul(q, r) - mT(x)), 1e-12);
      EXPECT_LT(max_abs(matmul(mH(q), q) - eye(6, t)), 1e-12);
      EXPECT_EQ(max_abs(r - triu(r)), 0.0);
      const auto [q2, r2] = linalg::qr(x, mode);  // 9 x 6: tall
      EXPECT_LT(max_abs(matmul(q2, r2) - x), 1e-12);
      EXPECT_EQ(q2.shape().back(), std::string(mode) == "complete" ? 9 : 6);
    }
    EXPECT_LT(max_abs(linalg::qr(x, "r").R - linalg::qr(x).R), 1e-12);
    const Array p = linalg::pinv(x);
    EXPECT_LT(max_abs(matmul(matmul(x, p), x) - x), 1e-12);
    EXPECT_LT(max_abs(matmul(matmul(p, x), p) - p), 1e-12);
    const Array b = random::normal({9, 2}, 0.0, 1.0, float64).astype(t);
    const auto ls = linalg::lstsq(x[{0}], b);
    EXPECT_EQ(ls.rank, 6);
    EXPECT_LT(max_abs(ls.x - matmul(p[{0}], b)), 1e-12);
    const Array resid = abs(b - matmul(x[{0}], ls.x));
    EXPECT_LT(max_abs(ls.residuals - sum(resid * resid, 0)), 1e-12);
  }
  // numpy's eye(N, M, k) against its definition.
  for (const int64_t k : {-4, -1, 0, 2, 7}) {
    const std::vector<float> e = eye(3, 5, k).to_vector<float>();
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t c = 0; c < 5; ++c) EXPECT_EQ(e[static_cast<size_t>(r * 5 + c)], c == r + k);
  }
}

TEST(Linalg, DecompositionErrorsNameTheFunction) {
  kiln_test::expect_error([] { linalg::eigh(zeros({2, 3})); }, {"eigh", "square"});
  kiln_test::expect_error([] { linalg::eigvalsh(eye(2), 'X'); }, {"eigvalsh", "UPLO"});
  kiln_test::expect_error([] { linalg::svd(zeros({3})); }, {"svd", "two-dimensional"});
  kiln_test::expect_error([] { linalg::qr(eye(2), "raw"); }, {"qr", "Unrecognized mode 'raw'"});
  kiln_test::expect_error([] { linalg::svdvals(zeros({2, 2}, float16)); }, {"svdvals", "float16"});
  const Array bad = stack({eye(2, float64), full({2, 2}, NAN, float64)});
  kiln_test::expect_error([&] { linalg::svd(bad).U.eval(); },
                          {"svd", "SVD did not converge", "matrix 1 of the batch"});
  kiln_test::expect_error(
      [&] {
        linalg::pinv(full({2, 2}, INFINITY, float64)).eval();
      },
      {"svd", "SVD did not converge"});
  // values alone of an inf: nans (numpy's)
  EXPECT_TRUE(std::isnan(linalg::svdvals(full({2, 2}, INFINITY, float64)).item<double>(0)));
  kiln_test::expect_error([] { linalg::lstsq(eye(3), ones({4})); },
                          {"lstsq", "Incompatible dimensions"});
  kiln_test::expect_error(
      [] {
        linalg::lstsq(ones({2, 2, 2}), ones({2}));
      },
      {"lstsq", "two-dimensional"});
  kiln_test::expect_error(
      [] {
        linalg::lstsq(full({2, 2}, NAN, float64), ones({2}));
      },
      {"lstsq", "SVD did not converge"});
  kiln_test::expect_error(
      [] {
        linalg::norm(eye(3), 3.0, {0, 1});
      },
      {"norm", "Invalid norm order"});
  kiln_test::expect_error([] { linalg::norm(eye(3), "max"); },
                          {"norm", "Invalid norm order 'max'"});
  kiln_test::expect_error([] { linalg::norm(eye(3), 2.0, {1, 1}); }, {"norm", "Duplicate axes"});
  kiln_test::expect_error([] { linalg::norm(eye(3), "fro", {0, 2}); }, {"norm", "out of bounds"});
  kiln_test::expect_error([] { eye(-1, 3); }, {"eye", "non-negative"});
  // What is not differentiable says so.
  const Array x = eye(3, float64) + 1.0;
  kiln_test::expect_error(
      [&] {
        grad([](const Array& a) { return sum(linalg::qr(a, "complete").Q); })(ones({3, 2}, float64))
            .eval();
      },
      {"qr", "complete Q of a tall matrix"});
  kiln_test::expect_error(
      [&] { grad([](const Array& a) { return sum(linalg::svd(a).U); })(x).eval(); },
      {"svd", "U and Vh are not differentiable"});
  kiln_test::expect_error(
      [&] {
        grad([](const Array& a) { return sum(linalg::eigvalsh(a)); })(x.astype(complex128)).eval();
      },
      {"eigh", "complex"});
}

// Gradients of eigh, eigvalsh, svdvals and the matrix norms against central differences, and
// forward mode against reverse mode.
TEST(Linalg, DecompositionDerivativesAgreeWithFiniteDifferences) {
  const Array x = random::normal({3, 3}, 0.0, 1.0, float64).eval();
  auto check_at = [&](const Array& x0, auto f, const char* what) {
    const std::vector<double> g = grad(f)(x0).template to_vector<double>();
    std::vector<double> xv = x0.to_vector<double>();
    for (size_t i = 0; i < xv.size(); ++i) {
      const double h = 1e-6, keep = xv[i];
      xv[i] = keep + h;
      const double up = f(array(xv, x0.shape())).template item<double>();
      xv[i] = keep - h;
      const double down = f(array(xv, x0.shape())).template item<double>();
      xv[i] = keep;
      EXPECT_NEAR(g[i], (up - down) / (2 * h), 1e-5 * std::max(1.0, std::fabs(g[i]))) << what << i;
    }
  };
  auto check = [&](auto f, const char* what) { check_at(x, f, what); };
  auto sym = [](const Array& a) { return 0.5 * (a + mT(a)); };  // eigh reads one triangle
  const Array weights = array(std::vector<double>{1, -2, 3}, {3});
  check([&](const Array& a) { return sum(linalg::eigvalsh(sym(a)) * weights); }, "eigvalsh");
  check(
      [&](const Array& a) {
        const auto [w, v] = linalg::eigh(sym(a));
        return sum(square(square(v)) * weights) + sum(w * w);  // free of the vectors' signs
      },
      "eigh");
  check([&](const Array& a) { return sum(linalg::svdvals(a) * weights); }, "svdvals");
  check([&](const Array& a) { return linalg::norm(a, 2.0, {0, 1}); }, "norm 2");
  check([&](const Array& a) { return linalg::norm(a, "nuc"); }, "norm nuc");
  // QR of tall, square and wide matrices, and R alone.
  for (const Shape& shape : {Shape{5, 3}, Shape{3, 3}, Shape{3, 5}}) {
    const Array a0 = random::normal(shape, 0.0, 1.0, float64).eval();
    const int64_t k = std::min(shape[0], shape[1]);
    const Array wq = random::normal({shape[0], k}, 0.0, 1.0, float64).eval();
    const Array wr = random::normal({k, shape[1]}, 0.0, 1.0, float64).eval();
    check_at(
        a0,
        [&](const Array& a) {
          const auto [q, r] = linalg::qr(a);
          return sum(q * wq) + sum(r * wr);
        },
        "qr");
    check_at(
        a0, [&](const Array& a) { return sum(linalg::qr(a, "r").R * wr); }, "qr r");
  }
  const Array v = random::normal({3, 3}, 0.0, 1.0, float64).eval();
  auto f = [&](const Array& a) {
    const auto [w, vec] = linalg::eigh(sym(a));
    const auto [q, r] = linalg::qr(a);
    return sum(square(square(vec))) + sum(w * weights) + sum(linalg::svdvals(a)) +
           sum(q * weights) + sum(r * r * weights);
  };
  const double reverse = sum(grad(f)(x) * v).item<double>();
  const double forward = jvp(f, {x}, {v}).second.item<double>();
  EXPECT_NEAR(reverse, forward, 1e-9 * std::max(1.0, std::fabs(forward)));
}

// eig by its definition (A V = V diag(w), unit columns) on real and complex stacks, numpy's
// dtype rule (real when every eigenvalue is), and its error paths.
TEST(Linalg, EigSatisfiesItsDefinition) {
  for (const DType t : {float64, complex128}) {
    Array a = random::normal({3, 6, 6}, 0.0, 1.0, float64);
    if (t == complex128) a = complex(a, random::normal({3, 6, 6}, 0.0, 1.0, float64));
    const auto [w, v] = linalg::eig(a);
    EXPECT_EQ(w.dtype(), complex128);
    const Array av = matmul(a.astype(complex128), v), vw = v * expand_dims(w, -2);
    EXPECT_LT(max(abs(av - vw)).item<double>(), 1e-10);
    EXPECT_LT(max(abs(sum(real(v * conj(v)), -2) - 1.0)).item<double>(), 1e-12);
    EXPECT_LT(max(abs(sort(linalg::eigvals(a), -1) - sort(w, -1))).item<double>(), 1e-12);
  }
  const Array s = array(std::vector<double>{2, 1, 0, 1, 3, 1, 0, 1, 4}, {3, 3});
  EXPECT_EQ(linalg::eig(s).eigenvalues.dtype(), float64);  // symmetric: real eigenvalues
  EXPECT_EQ(linalg::eigvals(s.astype(float32)).dtype(), float32);
  const Array rot = array(std::vector<float>{0, -1, 1, 0}, {2, 2});
  EXPECT_EQ(linalg::eigvals(rot).dtype(), complex64);  // +-i
  kiln_test::expect_error([] { linalg::eig(ones({2, 3}, float64)); }, {"eig", "square"});
  kiln_test::expect_error(
      [] {
        linalg::eigvals(array(std::vector<double>{1, NAN, 0, 1}, {2, 2}));
      },
      {"eigvals", "infs or NaNs"});
  kiln_test::expect_error([] { linalg::eig(ones({2, 2}, float16)); }, {"eig", "float16"});
  // not differentiable: the sync drops the history, and the error says where
  kiln_test::expect_error(
      [&] { grad([](const Array& x) { return sum(real(linalg::eigvals(x))); })(s).eval(); },
      {"grad", "evaluated before differentiating"});
}

TEST(Linalg, CondMultiDotTensorErrors) {
  using kiln_test::expect_error;
  expect_error([] { (void)linalg::cond(zeros({3})); }, {"[cond]", "at least two-dimensional"});
  expect_error([] { (void)linalg::cond(zeros({2, 3}), 1.0); }, {"[cond]", "must be square"});
  expect_error([] { (void)linalg::cond(zeros({0, 0})); }, {"[cond]", "not defined on empty"});
  expect_error([] { (void)linalg::multi_dot({zeros({3, 3})}); }, {"[multi_dot]", "at least two"});
  expect_error(
      [] {
        (void)linalg::multi_dot({zeros({3, 3}), zeros({2, 3, 3}), zeros({3})});
      },
      {"[multi_dot]", "3-dimensional array given (array 1)"});
  expect_error(
      [] {
        (void)linalg::tensorinv(zeros({2, 3, 4}), 0);
      },
      {"[tensorinv]", "Invalid ind"});
  expect_error([] { (void)linalg::tensorinv(zeros({2, 3, 4}), 1); }, {"[tensorinv]", "square"});
  expect_error(
      [] {
        (void)linalg::tensorsolve(zeros({2, 3, 4}), zeros({2}));
      },
      {"[tensorsolve]", "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])"});
  // Singular matrices: inf for the 2-norm condition number, as numpy.
  EXPECT_TRUE(std::isinf(linalg::cond(zeros({2, 2}, float64)).item<double>()));
  // The chain's order does not change the product.
  const Array a = random::normal({10, 30}, 0, 1, float64),
              b = random::normal({30, 5}, 0, 1, float64),
              c = random::normal({5, 60}, 0, 1, float64);
  EXPECT_TRUE(allclose(linalg::multi_dot({a, b, c}), matmul(matmul(a, b), c)));
}
