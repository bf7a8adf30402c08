// numpy as the oracle for its smaller functions (src/api/special_functions.cpp,
// src/api/set_operations.cpp, src/api/index_functions.cpp and
// src/api/manipulation_more.cpp) on random shapes, dtypes and arguments, with nans and
// infinities among the values and bad arguments among the cases (kiln refuses exactly where
// numpy does), and for the copysign and signbit ops.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "numpy/random_arrays.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

class FunctionCases : public oracle::RandomArrays {
 public:
  using RandomArrays::RandomArrays;

  DType dtype() { return pick(8) == 0 ? (pick(2) ? complex64 : complex128) : any_dtype(); }

  // A shape that broadcasts against s (a suffix, some extents 1).
  Shape sub(const Shape& s) {
    Shape r(s.begin() + pick(static_cast<int>(s.size()) + 1), s.end());
    for (auto& e : r)
      if (pick(4) == 0) e = 1;
    return r;
  }

  Arg values(const Shape& s, const std::vector<double>& pool) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    std::vector<double> v(static_cast<size_t>(n));
    for (auto& x : v) x = pool[static_cast<size_t>(pick(static_cast<int>(pool.size())))];
    return oracle::array_arg(v, s);
  }

  Case next() {
    const Shape s = shape();
    const int rank = static_cast<int>(s.size());
    const DType t = dtype();
    switch (pick(13)) {
      case 0: {
        static const char* fns[] = {"fabs",     "positive",     "fix",       "sinc",
                                    "isposinf", "isneginf",     "iscomplex", "isreal",
                                    "i0",       "iscomplexobj", "isrealobj", "signbit"};
        return {fns[pick(12)], {operand(s, t)}};
      }
      case 1: {
        static const char* fns[] = {"float_power", "copysign", "fmod"};
        Case c{fns[pick(3)], {operand(s, t), operand(sub(s), dtype())}};
        if (pick(5) == 0) c.args[1] = oracle::float_arg(pick(2) ? -0.0 : -1.5);
        if (pick(3) == 0) std::swap(c.args[0], c.args[1]);
        return c;
      }
      case 2: {
        static const char* fns[] = {"bartlett", "blackman", "hamming", "hanning", "kaiser"};
        Case c{fns[pick(5)], {oracle::int_arg(pick(14) - 1)}};
        if (c.fn == "kaiser") c.args.push_back(oracle::float_arg(pick(30) / 2.0));
        return c;
      }
      case 3: {
        static const double ends[] = {-8, -2, -0.5, 0, 0.5, 1, 3, 100};
        const DType out = pick(2) ? float64 : float32;
        if (pick(3) == 0) return {"identity", {oracle::int_arg(pick(5)), oracle::dtype_arg(t)}};
        if (pick(2))
          return {"logspace",
                  {oracle::float_arg(pick(9) / 2.0 - 2), oracle::float_arg(pick(9) / 2.0 - 2),
                   oracle::int_arg(pick(8)), oracle::int_arg(pick(2)),
                   oracle::float_arg(pick(2)   ? 10.0
                                     : pick(2) ? 2.0
                                               : 0.5),
                   oracle::dtype_arg(out)}};
        return {"geomspace",
                {oracle::float_arg(ends[pick(8)]), oracle::float_arg(ends[pick(8)]),
                 oracle::int_arg(pick(8)), oracle::int_arg(pick(2)), oracle::dtype_arg(out)}};
      }
      case 4: {  // increasing sample points, values at them, between them and outside
        std::set<int> points;
        for (int n = 1 + pick(6); n > 0; --n) points.insert(pick(13) - 6);
        std::vector<double> xp(points.begin(), points.end());
        for (auto& x : xp) x /= 2;
        const int64_t n = static_cast<int64_t>(xp.size());
        const DType ft = pick(5) == 0 ? complex128 : pick(2) ? float64 : pick(2) ? float32 : int32;
        Arg fp = array(Shape{pick(15) ? n : n + 1}, ft);
        std::vector<double> pool = {-4, -3.25, -0.75, 0, 0.3, 1.6, 3.5, NAN, INFINITY};
        pool.insert(pool.end(), xp.begin(), xp.end());
        return {"interp",
                {values(s, pool), oracle::array_arg(xp, Shape{n}), fp, oracle::int_arg(pick(2)),
                 oracle::float_arg(-9.5), oracle::float_arg(7.25)}};
      }
      case 5: {
        if (rank == 0 || pick(3) == 0)
          return {"append", {operand(s, t), operand(sub(s), dtype()), oracle::axes_arg(nullptr)}};
        const int ax = pick(rank);
        Shape other = s;
        other[static_cast<size_t>(ax)] = pick(3);
        if (pick(10) == 0) other.push_back(2);  // numpy's dimension mismatch
        return {"append",
                {operand(s, t), operand(other, t), oracle::int_arg(ax - (pick(2) ? rank : 0))}};
      }
      case 6: {
        static const char* fns[] = {"hsplit", "vsplit", "dsplit"};
        if (pick(2)) return {fns[pick(3)], {operand(s, t), oracle::int_arg(1 + pick(3))}};
        return {fns[pick(3)], {operand(s, t), oracle::shape_arg({pick(4), pick(4)})}};
      }
      case 7:
        return {"rollaxis",
                {operand(s, t), oracle::int_arg(pick(rank + 2) - rank - (pick(2) ? 0 : -1)),
                 oracle::int_arg(pick(rank + 3) - rank - 1)}};
      case 8: {
        const int n = 1 + pick(3);
        Case c{"select", {oracle::int_arg(n)}};
        for (int i = 0; i < n; ++i) c.args.push_back(array(sub(s), pick(12) ? bool_ : int32));
        for (int i = 0; i < n; ++i)
          c.args.push_back(operand(pick(2) ? s : sub(s), pick(2) ? t : dtype()));
        c.args.push_back(pick(2) ? oracle::int_arg(pick(5) - 2) : oracle::float_arg(1.5));
        if (pick(15) == 0) c.args.erase(c.args.begin() + 1);  // one condition short
        if (pick(15) == 0) c.args[0] = oracle::int_arg(0), c.args.resize(2);
        return c;
      }
      case 9: {
        Shape other = pick(2) ? s : sub(s);
        if (pick(6) == 0) other.push_back(3);
        const Arg a = operand(s, t);
        return {"array_equiv", {a, pick(3) ? a : operand(other, t)}};
      }
      case 10: {
        const DType real = is_complex(t) ? float64 : t;
        if (rank == 0 || pick(3) == 0)
          return {"average",
                  {operand(s, real), oracle::axes_arg(nullptr),
                   pick(2) ? oracle::int_arg(0) : values(s, {0, 1, 2, 0.5, -1})}};
        const int ax = pick(rank);
        const Arg w = pick(2) ? values(Shape{s[static_cast<size_t>(ax)]}, {0, 1, 2, 0.5})
                              : values(s, {0, 1, 3, 0.25});
        return {"average",
                {operand(s, real), oracle::int_arg(ax), pick(4) ? w : oracle::int_arg(0)}};
      }
      default:
        return {pick(2) ? "nancumsum" : "nancumprod",
                {operand(s, is_complex(t) ? float32 : t),
                 rank && pick(3) ? oracle::int_arg(pick(rank)) : oracle::axes_arg(nullptr)}};
    }
  }

  // Integers from a small range, so that sets and searches meet equal values.
  Arg ints(const Shape& s, int lo, int hi) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = lo + pick(hi - lo + 1);
    return oracle::array_arg(v, s);
  }

  Case more() {
    const Shape s = shape();
    const DType t = dtype();
    switch (pick(12)) {
      case 0: {
        static const char* fns[] = {"copy",    "sort_complex", "arcsinh",
                                    "arccosh", "arctanh",      "cbrt"};
        return {fns[pick(6)], {operand(s, t)}};
      }
      case 1:
        if (pick(2)) return {"modf", {operand(s, t)}};
        return {pick(2) ? "divmod" : "ldexp",
                {operand(s, pick(2) ? t : float64), operand(sub(s), pick(2) ? int32 : dtype())}};
      case 2:
        return {"vander",
                {operand(Shape{pick(5)}, pick(4) ? t : float32), oracle::int_arg(pick(6) - 1),
                 oracle::int_arg(pick(2))}};
      case 3:
        return {"resize", {operand(s, t), oracle::shape_arg({pick(4), pick(5)})}};
      case 4: {
        const Shape p = s.empty() ? Shape{1 + pick(6)} : s;
        const int r = static_cast<int>(p.size());
        return {
            "unwrap",
            {values(p, {0, 1, 3.5, -2.75, 6.5, 9, -7.25}), oracle::int_arg(pick(2)),
             oracle::float_arg(pick(2) ? 1.0 : 4.0), oracle::int_arg(pick(r) - (pick(2) ? r : 0)),
             oracle::float_arg(pick(3) ? 6.283185307179586 : 4.0)}};
      }
      case 5: {
        static const char* fns[] = {"in1d",        "isin",      "union1d",
                                    "intersect1d", "setdiff1d", "setxor1d"};
        const std::string fn = fns[pick(6)];
        Case c{fn, {values(s, {0, 1, 2, 2, 5, -1, NAN}), values(sub(s), {1, 2, 7, NAN, -1})}};
        if (pick(4) == 0) c.args[1] = ints(Shape{pick(5)}, -1, 3);
        if (fn == "in1d" || fn == "isin") c.args.push_back(oracle::int_arg(pick(2)));
        return c;
      }
      case 6: {
        const int64_t n = pick(7);
        Case c{"lexsort", {}};
        for (int k = 1 + pick(3); k > 0; --k) c.args.push_back(ints(Shape{n}, 0, 2));
        if (pick(10) == 0) c.args.push_back(ints(Shape{n + 1}, 0, 2));  // lengths differ
        return c;
      }
      case 7: {
        std::vector<double> v(static_cast<size_t>(pick(8)));
        for (auto& x : v) x = pick(3) ? 0 : pick(5) - 2;
        return {"trim_zeros",
                {oracle::array_arg(v, Shape{static_cast<int64_t>(v.size())}),
                 oracle::int_arg(pick(3))}};
      }
      case 8: {
        Case c{"broadcast_shapes", {}};
        for (int k = pick(4); k > 0; --k)
          c.args.push_back(oracle::shape_arg(pick(8) ? sub(s) : Shape{5}));
        if (c.args.empty()) c.args.push_back(oracle::shape_arg(s));
        return c;
      }
      case 9: {
        switch (pick(4)) {
          case 0:
            return {"diag_indices", {oracle::int_arg(pick(5)), oracle::int_arg(1 + pick(3))}};
          case 1:
            return {"diag_indices_from", {operand(pick(3) ? Shape{3, 3} : s, t)}};
          case 2:
            return {pick(2) ? "tril_indices" : "triu_indices",
                    {oracle::int_arg(pick(5)), oracle::int_arg(pick(5) - 2),
                     oracle::int_arg(pick(6) - 1)}};
          default:
            return {
                pick(2) ? "tril_indices_from" : "triu_indices_from",
                {operand(pick(3) ? Shape{pick(4), pick(4)} : s, t), oracle::int_arg(pick(5) - 2)}};
        }
      }
      case 10: {
        Case c{"ix_", {}};
        for (int k = 1 + pick(3); k > 0; --k)
          c.args.push_back(pick(4) ? ints(Shape{pick(4)}, -3, 3)
                                   : array(Shape{pick(4)}, pick(2) ? bool_ : float32));
        return c;
      }
      default: {
        const Shape dims = {1 + pick(3), pick(4) + 1};
        if (pick(2)) return {"unravel_index", {ints(sub(s), -1, 13), oracle::shape_arg(dims)}};
        Case c{"ravel_multi_index", {}};
        const Shape is = sub(s);
        for (size_t d = 0; d < dims.size(); ++d)
          c.args.push_back(
              ints(is, pick(12) ? 0 : -1, static_cast<int>(dims[d]) - (pick(12) ? 1 : 0)));
        c.args.push_back(oracle::shape_arg(dims));
        return c;
      }
    }
  }
};

}  // namespace

TEST(NumpyOracle, SetsIndicesAndMoreOnRandomShapes) {
  FunctionCases gen(2718);
  std::vector<Case> cases;
  const int n = kiln_test::oracle_cases(1200);
  for (int i = 0; i < n; ++i) cases.push_back(gen.more());
  const int refused = oracle::run_and_check(cases, oracle::check);
  // (The error paths are the same on every device: counted where all the cases run.)
  if (kiln_test::cpu_kernels()) {
    EXPECT_GT(refused, n / 200) << "the error paths are exercised";
  }
  EXPECT_LT(refused, n / 3) << "too few cases exercise a result";
}

TEST(Functions, EmptyIsZerosOfTheShapeAndDtype) {
  kiln_test::covers("empty", "its shape and dtype (kiln's are zeros)");
  kiln_test::covers("empty_like", "its shape and dtype (kiln's are zeros)");
  const Array e = empty({2, 3}, int16);
  EXPECT_EQ(e.shape(), (Shape{2, 3}));
  EXPECT_EQ(e.dtype(), int16);
  EXPECT_EQ(sum(e).item<int64_t>(), 0);
  EXPECT_EQ(empty_like(ones({4}, complex64)).dtype(), complex64);
}

TEST(NumpyOracle, SmallerFunctionsOnRandomShapes) {
  FunctionCases gen(31337);
  std::vector<Case> cases;
  const int n = kiln_test::oracle_cases(1500);
  for (int i = 0; i < n; ++i) cases.push_back(gen.next());
  const int refused = oracle::run_and_check(cases, oracle::check);
  // (The error paths are the same on every device: counted where all the cases run.)
  if (kiln_test::cpu_kernels()) {
    EXPECT_GT(refused, n / 100) << "the error paths are exercised";
  }
  EXPECT_LT(refused, n / 3) << "too few cases exercise a result";
}

// What the oracle's random cases meet rarely: exact values, signed zeros and the errors' words.
TEST(Functions, EdgesAndErrors) {
  const Array z = array<double>({-0.0, 0.0, -NAN, NAN, -INFINITY, 2.0});
  EXPECT_EQ(signbit(z).to_vector<bool>(),
            (std::vector<bool>{true, false, true, false, true, false}));
  const auto c = copysign(3.0, z).to_vector<double>();
  EXPECT_EQ(c[0], -3.0);
  EXPECT_EQ(c[2], -3.0);  // the sign of -nan
  EXPECT_EQ(sinc(array<double>({0.0})).item<double>(), 1.0);
  EXPECT_EQ(
      interp(array<double>({0.5}), array<double>({0, 1}), array<double>({0, 10})).item<double>(),
      5.0);
  EXPECT_EQ(geomspace(1.0, 1000.0, 4).to_vector<double>(), (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_EQ(rollaxis(zeros({2, 3, 4}), 2).shape(), (Shape{4, 2, 3}));
  kiln_test::expect_error([&] { geomspace(0.0, 1.0, 3); }, {"[geomspace]", "cannot include zero"});
  kiln_test::expect_error([&] { interp(array<double>({1}), zeros({2}), zeros({3})); },
                          {"[interp]", "not of the same length"});
  kiln_test::expect_error([&] { vsplit(zeros({4}), 2); }, {"[vsplit]", "2 or more dimensions"});
  kiln_test::expect_error([&] { select({zeros({2})}, {zeros({2})}); }, {"[select]", "not bool"});
  kiln_test::expect_error(
      [&] {
        average(ones({2, 3}), 1, zeros({3}));
      },
      {"[average]", "sum to zero"});
  kiln_test::expect_error(
      [&] {
        average(ones({2, 3}), std::nullopt, ones({3}));
      },
      {"[average]", "axis must be given"});
  kiln_test::expect_error([&] { isposinf(zeros({2}, complex64)); }, {"[isposinf]", "complex"});
  kiln_test::expect_error([&] { positive(zeros({2}, bool_)); }, {"[positive]", "bool"});
  kiln_test::expect_error([&] { rollaxis(zeros({2, 3}), 0, 4); }, {"[rollaxis]", "start"});
  EXPECT_FALSE(array_equiv(zeros({2}), zeros({3})));
  EXPECT_TRUE(array_equiv(zeros({2, 3}), zeros({3})));
}
