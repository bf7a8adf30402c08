// numpy as the oracle for kiln/manipulation.hpp on random shapes and dtypes: flips, rotations,
// rolls, axis moves, diagonals, triangles, stacking, splitting, repeating, tiling and
// differences, with out-of-range axes and bad arguments among them (kiln refuses exactly where
// numpy does); and for kiln/nanfunctions.hpp: the nan-ignoring reductions, isclose, allclose,
// array_equal.
#include <gtest/gtest.h>

#include <functional>

#include "numpy/random_arrays.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

class Cases : public oracle::RandomArrays {
 public:
  using RandomArrays::RandomArrays;

  Arg small(int lo, int hi) { return oracle::int_arg(lo + pick(hi - lo + 1)); }

  Case next() {
    const Shape s = shape();
    const DType t = any_dtype();
    const int rank = static_cast<int>(s.size());
    switch (pick(15)) {
      case 0: {
        const int how = pick(3);
        const std::vector<int> axes = some_axes(rank);
        return {"flip",
                {operand(s, t), how == 0   ? oracle::axes_arg(nullptr)
                                : how == 1 ? oracle::axis_arg(axis(rank))
                                           : oracle::axes_arg(axes)}};
      }
      case 1:
        return {pick(2) ? "fliplr" : "flipud", {operand(s, t)}};
      case 2:
        return {"rot90",
                {operand(s, t), small(-5, 5),
                 oracle::axes_arg(std::vector<int>{axis(rank), axis(rank)})}};
      case 3:
        return {"roll", {operand(s, t), small(-9, 9), axis_or_none(rank)}};
      case 4:
        return {pick(2) ? "moveaxis" : "swapaxes",
                {operand(s, t), oracle::int_arg(axis(rank)), oracle::int_arg(axis(rank))}};
      case 5:
        return {pick(2) ? "diagonal" : "trace",
                {operand(s, t), small(-3, 3), oracle::int_arg(axis(rank)),
                 oracle::int_arg(axis(rank))}};
      case 6: {
        const Shape v = pick(5) == 0 ? s : pick(2) ? Shape{pick(5)} : Shape{pick(4), pick(4)};
        return {pick(3) == 0 ? "diag" : pick(2) ? "triu" : "tril", {operand(v, t), small(-3, 3)}};
      }
      case 7: {
        static const char* fns[] = {"hstack", "vstack", "dstack", "column_stack"};
        Case c{fns[pick(4)], {}};
        const int n = 1 + pick(3);
        for (int i = 0; i < n; ++i) {
          Shape p = s;
          if (pick(4) == 0 && !p.empty()) p[static_cast<size_t>(pick(rank))] = pick(4);
          c.args.push_back(operand(p, pick(3) ? t : any_dtype()));
        }
        return c;
      }
      case 8:
        return {pick(2) ? "split" : "array_split",
                {operand(s, t), small(0, 4), oracle::int_arg(axis(rank))}};
      case 9:
        return {"repeat", {operand(s, t), small(-1, 3), axis_or_none(rank)}};
      case 10: {
        Shape reps(static_cast<size_t>(pick(4)));
        for (auto& r : reps) r = pick(12) == 0 ? -1 : pick(4);
        return {"tile", {operand(s, t), oracle::shape_arg(reps)}};
      }
      case 11:
        return {"diff", {operand(s, t), small(-1, 3), oracle::int_arg(axis(rank))}};
      case 12:
        return {"ediff1d", {operand(s, t)}};
      default: {
        // Square planes, so that the diagonals and rotations have something to do.
        const int64_t n = 1 + pick(4);
        Shape sq = {n, n};
        if (pick(2)) sq.insert(sq.begin(), 1 + pick(3));
        return {pick(2) ? "trace" : "diagonal",
                {operand(sq, t), small(-1, 1), oracle::int_arg(0), oracle::int_arg(-1)}};
      }
    }
  }

  // Arrays with nans in one case of three (some slices all nan), reduced or compared.
  Case nan_function() {
    static const char* fns[] = {"nansum",   "nanprod",     "nanmax",    "nanmin",
                                "nanmean",  "nanvar",      "nanstd",    "isclose",
                                "allclose", "array_equal", "nanargmax", "nanargmin"};
    const std::string fn = fns[pick(12)];
    const Shape s = shape();
    const int rank = static_cast<int>(s.size());
    const DType t = pick(3) ? (pick(2) ? float64 : float32) : any_dtype();
    Arg x = pick(3) == 0 ? with_nans(s, t) : operand(s, t);
    if (fn == "isclose" || fn == "allclose" || fn == "array_equal") {
      Shape other = pick(5) == 0 && rank > 0 ? Shape(s.begin() + 1, s.end()) : s;
      Arg y = pick(2) ? x : operand(other, pick(3) ? t : any_dtype());
      return {fn, {x, y}};
    }
    if (fn == "nanargmax" || fn == "nanargmin")
      // (not an axis of a 0-d array: numpy's argmax accepts axis 0 there, kiln does not)
      return {fn,
              {x, rank ? axis_or_none(rank) : oracle::axes_arg(nullptr),
               oracle::bool_arg(pick(2) == 0)}};
    Case c{fn, {x}};
    if (rank == 0 || pick(3) == 0) {
      c.args.push_back(oracle::axes_arg(nullptr));
    } else {
      c.args.push_back(oracle::axes_arg(some_axes(rank)));
    }
    c.args.push_back(oracle::bool_arg(pick(2) == 0));
    if (fn == "nanvar" || fn == "nanstd") c.args.push_back(oracle::int_arg(pick(3)));
    return c;
  }

  // round, cov, corrcoef, pad, meshgrid, indices.
  Case more() {
    const Shape s = shape();
    const DType t = any_dtype();
    const int rank = static_cast<int>(s.size());
    switch (pick(6)) {
      case 0:  // (not bools: numpy refuses them, except, by accident, empty ones)
        return {"round", {operand(s, t == bool_ ? int16 : t), small(-2, 2)}};
      case 1:
      case 2: {
        const Shape m = pick(5) == 0 ? s : pick(2) ? Shape{pick(5)} : Shape{pick(4), 1 + pick(5)};
        if (pick(2)) return {"corrcoef", {operand(m, t), oracle::bool_arg(pick(2) == 0)}};
        return {"cov", {operand(m, t), oracle::bool_arg(pick(2) == 0), small(0, 2)}};
      }
      case 3: {
        Shape widths;
        const int pairs = pick(6) == 0 ? 1 + pick(3) : (pick(3) == 0 ? 1 : rank);
        for (int i = 0; i < 2 * pairs; ++i) widths.push_back(pick(15) == 0 ? -1 : pick(3));
        if (pick(2))
          return {"pad",
                  {operand(s, t), oracle::shape_arg(widths), oracle::float_arg(pick(5) - 2.5)}};
        static const char* modes[] = {"edge",    "reflect", "symmetric", "wrap",  "linear_ramp",
                                      "maximum", "minimum", "mean",      "median"};
        for (auto& w : widths)
          if (w > 0 && pick(3) == 0) w += pick(8);  // wider than the axis now and then
        return {std::string("pad.") + modes[pick(9)],
                {operand(s, t), oracle::shape_arg(widths), oracle::int_arg(pick(3) - 1),
                 oracle::float_arg(pick(9) - 4.5), oracle::float_arg(pick(9) - 3.0)}};
      }
      case 4: {
        Case c{"meshgrid", {}};
        const int n = 1 + pick(3);
        const DType g = pick(3) ? t : any_dtype();
        for (int i = 0; i < n; ++i) c.args.push_back(operand(pick(6) == 0 ? s : Shape{pick(5)}, g));
        c.args.push_back(oracle::bool_arg(pick(2) == 0));
        return c;
      }
      default:
        return {"indices", {oracle::shape_arg(s)}};
    }
  }

  // gradient (spacings: none, one scalar, or per axis a scalar or coordinates, uniform now and
  // then), correlate and convolve in their three modes.
  Case calculus() {
    const DType t = pick(3) ? (pick(2) ? float64 : float32) : any_dtype();
    if (pick(3)) {
      static const char* modes[] = {"valid", "same", "full"};
      const std::string fn = std::string(pick(2) ? "correlate." : "convolve.") + modes[pick(3)];
      const int64_t n = pick(15) ? 1 + pick(9) : 0, m = pick(15) ? 1 + pick(9) : 0;
      const Shape sa = pick(30) ? Shape{n} : Shape{n, 2};
      return {fn, {operand(sa, t), operand(Shape{m}, pick(4) ? t : any_dtype())}};
    }
    Shape s(static_cast<size_t>(1 + pick(3)));
    for (auto& e : s) e = 1 + pick(6);
    // (not bools: numpy subtracts them, and refuses, except in the non-uniform second-order
    // formulas; kiln refuses them all, tested in Manipulation.GradientErrors)
    const DType ft = t == bool_ ? float64 : t;
    const int rank = static_cast<int>(s.size());
    const int edge_order = pick(12) ? 1 + pick(2) : 3;
    std::vector<int> axes;
    Case c{"gradient", {operand(s, ft), oracle::int_arg(edge_order)}};
    if (pick(2)) {
      c.args.push_back(oracle::axes_arg(nullptr));
      for (int d = 0; d < rank; ++d) axes.push_back(d);
    } else {
      for (int d = 0; d < rank; ++d)
        if (pick(2)) axes.push_back(pick(2) ? d : d - rank);
      if (axes.empty()) axes.push_back(0);
      c.args.push_back(oracle::axes_arg(axes));
    }
    switch (pick(3)) {
      case 0:
        break;
      case 1:
        c.args.push_back(oracle::float_arg((1 + pick(8)) / 4.0));
        break;
      default:
        for (const int axis : axes) {
          const int64_t n = s[static_cast<size_t>(axis < 0 ? axis + rank : axis)];
          if (pick(2)) {
            c.args.push_back(oracle::float_arg((1 + pick(8)) / 4.0));
            continue;
          }
          std::vector<double> x(static_cast<size_t>(pick(20) ? n : n + 1));
          const double step = (1 + pick(4)) / 8.0;
          for (size_t i = 0; i < x.size(); ++i)
            x[i] = pick(2) ? static_cast<double>(i) * step : (pick(65) - 32) / 8.0;
          c.args.push_back(oracle::array_arg(x, Shape{static_cast<int64_t>(x.size())}));
        }
    }
    return c;
  }

  // mgrid and ogrid over one to three ranges: integer slices, float slices (negative steps,
  // empty ranges) and numpy's complex-step point counts.
  Case grid() {
    Case c{pick(2) ? "mgrid" : "ogrid", {}};
    for (int n = 1 + pick(3); n > 0; --n) {
      const int kind = pick(3);
      c.args.push_back(oracle::int_arg(kind));
      if (kind == 0) {
        for (const int64_t v : {pick(9) - 4, pick(9) - 2, pick(8) ? 1 + pick(3) : -1 - pick(2)})
          c.args.push_back(oracle::int_arg(v));
      } else {
        c.args.push_back(oracle::float_arg((pick(17) - 8) / 4.0));
        c.args.push_back(oracle::float_arg((pick(17) - 4) / 4.0));
        c.args.push_back(kind == 1 ? oracle::float_arg((1 + pick(6)) / (pick(6) ? 8.0 : -8.0))
                                   : oracle::int_arg(1 + pick(6)));
      }
    }
    return c;
  }

  // numpy's short compositions (api/compositions.cpp) on random shapes and dtypes.
  Case composition() {
    const Shape s = shape();
    const int rank = static_cast<int>(s.size());
    DType t = any_dtype();
    const DType real = is_complex(t) ? float64 : t;
    switch (pick(12)) {
      case 0: {
        static const char* fns[] = {"deg2rad", "radians", "rad2deg", "degrees"};
        return {fns[pick(4)], {operand(s, real)}};
      }
      case 1: {
        const Shape other = pick(3) == 0 && rank ? Shape(s.begin() + 1, s.end()) : s;
        return {pick(2) ? "fmax" : "fmin",
                {operand(s, real), operand(other, pick(3) ? real : float64)}};
      }
      case 2:
        return {"heaviside",
                {operand(s, real), operand(pick(2) ? Shape{} : s, pick(2) ? real : float32)}};
      case 3:
        return {"nan_to_num",
                {operand(s, pick(2) ? float64 : t), oracle::float_arg(pick(5) - 2.0),
                 oracle::int_arg(pick(2)), oracle::float_arg(1e3), oracle::float_arg(-7.5)}};
      case 4:
        return {pick(2) ? "count_nonzero" : "ptp",
                {operand(s, t == bool_ ? int16 : t),
                 rank ? axis_or_none(rank) : oracle::axes_arg(nullptr)}};
      case 5: {
        static const char* fns[] = {"atleast_1d", "atleast_2d", "atleast_3d", "diagflat"};
        const char* f = fns[pick(4)];
        if (std::string(f) == "diagflat")
          return {f, {operand(Shape{pick(4), pick(3)}, t), small(-2, 2)}};
        return {f, {operand(s, t)}};
      }
      case 6: {
        Case c{"broadcast_arrays", {}};
        for (int n = 1 + pick(3); n > 0; --n) {
          Shape p = s;
          if (!p.empty() && pick(2)) p[static_cast<size_t>(pick(rank))] = 1;
          if (!p.empty() && pick(3) == 0) p.erase(p.begin());
          if (pick(20) == 0) p.push_back(7);  // numpy's shape mismatch
          c.args.push_back(operand(p, t));
        }
        return c;
      }
      case 7:
        return {"tri",
                {oracle::int_arg(pick(5)), oracle::int_arg(pick(5)), small(-3, 3),
                 oracle::dtype_arg(t)}};
      case 8: {  // y, axis, and dx or coordinates
        Shape y = s;
        if (y.empty()) y = {1 + pick(4)};
        const int r = static_cast<int>(y.size());
        const int axis = pick(r) - (pick(2) ? r : 0);
        const int64_t n = y[static_cast<size_t>(axis < 0 ? axis + r : axis)];
        if (pick(2))
          return {"trapz",
                  {operand(y, real), oracle::int_arg(axis), oracle::float_arg(pick(8) / 4.0)}};
        return {"trapz_x", {operand(y, real), oracle::int_arg(axis), operand(Shape{n}, float64)}};
      }
      case 9: {
        const int64_t a = 1 + pick(3), b = 1 + pick(3), c = 1 + pick(3);
        const int axes = pick(3);
        const Shape sa = axes == 0 ? Shape{a} : axes == 1 ? Shape{a, b} : Shape{a, b, c};
        const Shape sb = axes == 0 ? Shape{c} : axes == 1 ? Shape{b, c} : Shape{b, c, a};
        return {
            "tensordot",
            {operand(sa, t), operand(pick(15) ? sb : Shape{a + 1, 5}, t), oracle::int_arg(axes)}};
      }
      case 10: {
        const int64_t n = pick(5);
        const Shape sa = pick(2) ? Shape{n} : Shape{pick(3), n};
        const Shape sb = pick(12) ? Shape{pick(2) + 1, n} : Shape{n + 1};
        return {pick(2) ? "inner" : "vdot", {operand(sa, t), operand(pick(2) ? sb : Shape{n}, t)}};
      }
      default:
        return {"kron",
                {operand(Shape(s.begin(), s.begin() + std::min<size_t>(s.size(), 2)), t),
                 operand(Shape{1 + pick(3), 1 + pick(2)}, pick(3) ? t : any_dtype())}};
    }
  }

  // A float array in which about half the elements are nan.
  Arg with_nans(const Shape& s, DType t) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    std::vector<double> v(static_cast<size_t>(n));
    for (double& x : v) x = pick(2) ? std::nan("") : (pick(33) - 16) / 8.0;
    Arg a = oracle::array_arg(v, s);
    a.array = a.array.astype(t == float32 ? float32 : float64);
    a.encoded =
        "A:" + std::string(dtype_name(a.array.dtype())) + a.encoded.substr(a.encoded.find(':', 2));
    return a;
  }
};

// `count` cases of one kind (a Cases method) from `seed`, run in kiln and numpy and compared;
// returns how many both refused.
int check_cases(uint64_t seed, int count, Case (Cases::*make)()) {
  Cases gen(seed);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(count); ++i) cases.push_back((gen.*make)());
  return oracle::run_and_check(cases, oracle::check);
}

}  // namespace

TEST(NumpyOracle, NanReductionsAndComparisonsOnRandomShapes) {
  check_cases(6174, 1200, &Cases::nan_function);
}

TEST(NumpyOracle, RoundCovPadMeshgridOnRandomShapes) {
  check_cases(4711, 900, &Cases::more);
}

TEST(NumpyOracle, GradientCorrelateConvolveOnRandomShapes) {
  const int n = kiln_test::oracle_cases(500);
  const int refused = check_cases(1729, 500, &Cases::calculus);
  // (The error paths are the same on every device: counted where all the cases run.)
  if (kiln_test::cpu_kernels()) {
    EXPECT_GT(refused, n / 50);
  }
  EXPECT_LT(refused, n / 3);
}

TEST(NumpyOracle, MgridOgridOnRandomRanges) {
  check_cases(2024, 300, &Cases::grid);
}

TEST(NumpyOracle, CompositionsOnRandomShapes) {
  const int n = kiln_test::oracle_cases(600);
  const int refused = check_cases(8128, 600, &Cases::composition);
  // (The error paths are the same on every device: counted where all the cases run.)
  if (kiln_test::cpu_kernels()) {
    EXPECT_GT(refused, n / 100);
  }
  EXPECT_LT(refused, n / 3);
}

TEST(NumpyOracle, ManipulationOnRandomShapes) {
  Cases gen(5150);
  oracle::check_random_cases(gen, kiln_test::oracle_cases(1500), 50);
}

// The parts' shapes (the oracle compares their values joined).
TEST(Manipulation, SplitPartsAndViews) {
  const Array a = arange(24, float32).reshape({4, 6});
  const std::vector<Array> three = split(a, 3, 1);
  ASSERT_EQ(three.size(), 3u);
  for (const Array& p : three) EXPECT_EQ(p.shape(), (Shape{4, 2}));
  EXPECT_EQ(three[2].to_vector<float>()[0], 4.f);
  const std::vector<Array> uneven = array_split(arange(7, int32), 3);
  ASSERT_EQ(uneven.size(), 3u);
  EXPECT_EQ(uneven[0].shape(), Shape{3});
  EXPECT_EQ(uneven[2].shape(), Shape{2});
  const std::vector<Array> at = split(arange(10, int32), std::vector<int64_t>{3, -2, 20});
  ASSERT_EQ(at.size(), 4u);
  EXPECT_EQ(at[1].shape(), Shape{5});
  EXPECT_EQ(at[3].shape(), Shape{0});
  kiln_test::expect_error([&] { split(a, 4, 1); }, {"split", "equal parts"});
  kiln_test::expect_error([&] { array_split(a, 0); }, {"array_split", "larger than 0"});
  kiln_test::expect_error([&] { rot90(arange(3, int32)); }, {"rot90", "at least 2"});
  kiln_test::expect_error([&] { diag(zeros({2, 2, 2})); }, {"diag", "1-d or 2-d"});
  kiln_test::expect_error([&] { tile(a, {2, -1}); }, {"tile", "negative"});
  // Flips and diagonals are views: no kernel until something computes with them.
  reset_stats();
  const Array d = diagonal(flip(a, 0), 1);
  EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{19, 14, 9, 4}));
  EXPECT_EQ(trace(a).item<float>(), 0.f + 7 + 14 + 21);
}

// Gradients flow through the views and compositions.
TEST(Manipulation, Differentiable) {
  const Array x = arange(6, float64).reshape({2, 3});
  const Array g = grad([](const Array& a) {
    return sum(triu(a) * 2.0) + sum(roll(a, 1, 1) * flip(a, 1)) + trace(a);
  })(x);
  // d/da: 2 on the upper triangle; roll/flip pair: sum_j a[i, j-1] a[i, 2-j] -> 2 a[i, ...]
  // mirrored; trace: 1 on the diagonal. Checked against the formula written out by hand.
  const Array h = grad([](const Array& a) {
    const Array upper = where(arange(3, int64) >= reshape(arange(2, int64), {2, 1}), a, 0.0);
    const Array rolled = concatenate({a[{slice(), slice(2, 3)}], a[{slice(), slice(0, 2)}]}, 1);
    const Array flipped = a[{slice(), slice(kiln::none, kiln::none, -1)}];
    return sum(upper * 2.0) + sum(rolled * flipped) + a[{0, 0}] + a[{1, 1}];
  })(x);
  EXPECT_EQ(g.to_vector<double>(), h.to_vector<double>());
}

// pad's modes: the errors numpy has (an empty axis, a mode it lacks) and kiln's stat_length
// rule, each naming the call; the gathered modes are differentiable (each source value gets
// the gradient of every copy of it).
TEST(Manipulation, PadModes) {
  const Array x = arange(4, float64);
  auto message = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string unknown = message([&] { pad(x, {{1, 1}}, "empty"); });
  EXPECT_NE(unknown.find("[pad] mode 'empty' is not supported"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("test_numpy_manipulation.cpp"), std::string::npos) << unknown;
  const std::string empty = message([&] { pad(zeros({0, 2}), {{1, 1}}, "edge"); });
  EXPECT_NE(empty.find("can't extend empty axis 0"), std::string::npos) << empty;
  PadOptions none;
  none.stat_length = 0;
  const std::string zero = message([&] { pad(x, {{1, 1}}, "mean", none); });
  EXPECT_NE(zero.find("stat_length must be at least 1, got 0"), std::string::npos) << zero;
  // reflect of [0 1 2 3] by 5 on the left: 1 2 3 2 1 | 0 1 2 3
  EXPECT_EQ(pad(x, {{5, 0}}, "reflect").to_vector<double>(),
            (std::vector<double>{1, 2, 3, 2, 1, 0, 1, 2, 3}));
  const Array g = grad([](const Array& a) { return sum(pad(a, {{2, 3}}, "symmetric")); })(x);
  // symmetric: 1 0 | 0 1 2 3 | 3 2 1: each value counted once more per copy
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{2, 3, 2, 2}));
}

// gradient's, correlate's and mgrid's error paths, each naming the call site.
TEST(Manipulation, GradientAndCorrelateErrors) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const Array f = arange(5, float64), m = ones({3, 4}, float64);
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[&] { gradient(f.astype(bool_)); }, "[gradient] cannot take differences of a bool array"},
      {[&] { gradient(f, {}, {}, 3); }, "edge_order must be 1 or 2, got 3"},
      {[&] { gradient(arange(2, float64), {}, {}, 2); }, "at least 3 elements are required"},
      {[&] {
         gradient(m, {1.0, 2.0, 3.0});
       },
       "3 spacings for 2 axes"},
      {[&] {
         gradient(m, {}, {0, -2});
       },
       "repeated axis -2"},
      {[&] { gradient(f, {arange(4, float64)}); }, "must match the length"},
      {[&] { gradient(f, {m}); }, "distances must be either scalars or 1d"},
      {[&] { correlate(f, zeros({0}, float64)); }, "[correlate] v cannot be empty"},
      {[&] { convolve(m, f); }, "[convolve] needs 1-d arrays, got shape (3,4) for a"},
      {[&] { correlate(f, f, "middle"); }, "mode must be 'valid', 'same' or 'full'"},
      {[&] { mgrid({}); }, "[mgrid] needs at least one range"},
      {[&] { tri(-1, 2); }, "[tri] negative dimensions are not allowed"},
      {[&] { deg2rad(f.astype(complex64)); }, "[deg2rad] is not supported for complex input"},
      {[&] { tensordot(m, f, 1); }, "[tensordot] shape-mismatch for sum"},
      {[&] { vdot(f, m); }, "[vdot] vectors have different lengths (5 and 12)"},
      {[&] {
         broadcast_arrays({m, f});
       },
       "[broadcast_arrays] shape mismatch"},
      {[&] {
         mgrid({{0, 3}, {0.0, 1.0, 0.0}});
       },
       "[mgrid] a step may not be zero"},
      {[&] {
         mgrid({{0, 3}, {4, 0}});
       },
       "[mgrid] negative dimensions are not allowed"},
      {[&] { ogrid({GridRange::points(0, 1, -2)}); }, "[ogrid] the number of points must be"},
  };
  for (const auto& [call, part] : cases) {
    const std::string what = message(call);
    EXPECT_NE(what.find(part), std::string::npos) << what;
    EXPECT_NE(what.find("test_numpy_manipulation.cpp"), std::string::npos) << what;
  }
  // Derivatives flow through both (lazy compositions): d/dv sum(correlate(a, v, "valid")) is
  // the sum of a's windows.
  const Array a = arange(5, float64);
  const Array g = grad([&](const Array& v) { return sum(correlate(a, v)); })(ones({3}, float64));
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{3, 6, 9}));
  const Array h = grad([](const Array& x) { return sum(gradient(x)[0]); })(a);
  // sum of np.gradient of 5 samples: (x1 - x0) + (x2 - x0)/2 + (x3 - x1)/2 + (x4 - x2)/2 + (x4 -
  // x3)
  EXPECT_EQ(h.to_vector<double>(), (std::vector<double>{-1.5, 0.5, 0, -0.5, 1.5}));
}
