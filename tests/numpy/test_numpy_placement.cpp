// numpy as the oracle for kiln/placement.hpp (insert, delete, put, put_along_axis, putmask,
// place, copyto, fill_diagonal, choose) and the numeric functions (gcd, lcm, frexp, nextafter,
// spacing, packbits, unpackbits, real_if_close, full_like) on random shapes, dtypes, positions
// and modes, with positions out of range, shapes that do not broadcast and casts numpy refuses
// among the cases (kiln refuses exactly where numpy does).
#include <gtest/gtest.h>

#include "numpy/oracle_more.hpp"
#include "numpy/random_arrays.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

class PlacementCases : public oracle::RandomArrays {
 public:
  using RandomArrays::RandomArrays;

  DType dtype() { return any_dtype(); }

  // Integers in [-extent - 1, extent] (out of range now and then), as an int64 array.
  Arg positions(const Shape& s, int64_t extent, bool in_range = false) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) {
      const int64_t span = std::max<int64_t>(extent, 1);
      x = pick(static_cast<int>(2 * span)) - span;
      if (!in_range && pick(25) == 0) x = extent + pick(2);
    }
    return oracle::array_arg(v, s);
  }

  Arg mask(const Shape& s) { return array(s, bool_); }

  // A shape that broadcasts against s (a suffix, some extents 1), or now and then one that
  // does not.
  Shape sub(const Shape& s) {
    Shape r(s.begin() + pick(static_cast<int>(s.size()) + 1), s.end());
    for (auto& e : r)
      if (pick(4) == 0) e = pick(8) == 0 ? e + 1 : 1;
    return r;
  }

  Case next() {
    Shape s = shape();
    const int rank = static_cast<int>(s.size());
    const DType t = dtype();
    int64_t size = 1;
    for (int64_t e : s) size *= e;
    switch (pick(21)) {
      case 0:
      case 1: {  // insert and delete
        const bool flat = rank == 0 || pick(4) == 0;
        const int ax = flat ? 0 : axis(rank);
        const int64_t extent = flat ? size : (ax >= -rank && ax < rank ? s[(ax + rank) % rank] : 1);
        Arg where;
        if (pick(2)) {
          where = oracle::int_arg(pick(static_cast<int>(2 * extent + 4)) - extent - 2);
        } else {
          Shape at(static_cast<size_t>(pick(4)));
          for (auto& e : at) e = pick(static_cast<int>(2 * extent + 2)) - extent - 1;
          where = oracle::shape_arg(at);
        }
        const Arg ax_arg = flat ? oracle::axes_arg(nullptr) : oracle::int_arg(ax);
        if (pick(2)) return {"delete", {operand(s, t), where, ax_arg}};
        Shape vs = pick(2) ? Shape{} : sub(flat ? Shape{size} : s);
        if (pick(4) == 0) vs = {1 + pick(3)};
        return {"insert", {operand(s, t), where, operand(vs, t), ax_arg}};
      }
      case 2: {  // put
        const Shape is{pick(6)};
        Shape vs{1 + pick(4)};
        if (pick(5) == 0) vs = {};
        // (numpy 1.24 never returns from put with wrap or clip into an empty array)
        return {"put",
                {array(s, t), positions(is, size), operand(vs, t),
                 oracle::int_arg(size == 0 ? 0 : pick(3))}};
      }
      case 3: {  // put_along_axis
        if (rank == 0) s = {3};
        const int r = static_cast<int>(s.size());
        const int ax = pick(r);
        Shape is = s;
        is[static_cast<size_t>(ax)] = pick(4);
        for (auto& e : is)
          if (pick(5) == 0) e = 1;
        return {"put_along_axis",
                {array(s, t), positions(is, s[static_cast<size_t>(ax)]), operand(sub(is), t),
                 oracle::int_arg(pick(2) ? ax : ax - r)}};
      }
      case 4: {  // putmask and place
        const Shape vs{pick(8) == 0 ? 0 : 1 + pick(5)};
        return {pick(2) ? "putmask" : "place", {array(s, t), mask(s), operand(vs, t)}};
      }
      case 5: {  // copyto
        const DType from = pick(3) == 0 ? t : dtype();
        Shape from_shape = sub(s);  // (not 0-d: numpy 1.24 casts those by value)
        if (from_shape.empty()) from_shape = {1};
        return {"copyto",
                {array(s, t), operand(from_shape, from), oracle::int_arg(pick(5)),
                 pick(2) ? oracle::axes_arg(nullptr) : mask(sub(s))}};
      }
      case 6: {  // fill_diagonal
        Shape m;
        if (pick(3) == 0) {
          const int64_t e = 1 + pick(3);
          m = Shape(static_cast<size_t>(2 + pick(2)), e);
          if (pick(6) == 0) m.back() += 1;  // unequal: an error
        } else {
          m = {1 + pick(6), 1 + pick(4)};
        }
        const Shape vs = pick(2) ? Shape{} : Shape{1 + pick(4)};
        return {"fill_diagonal", {array(m, t), operand(vs, t), oracle::int_arg(pick(2))}};
      }
      case 9: {  // gcd, lcm: integers (floats and bools refused, as numpy)
        static const DType ints[] = {int8, int16, int32, int64, uint8, uint16, uint32, uint64};
        const DType it = pick(8) == 0 ? dtype() : ints[pick(8)];
        Case c{pick(2) ? "gcd" : "lcm",
               {array(s, it), operand(sub(s), pick(4) ? it : ints[pick(8)])}};
        if (pick(4) == 0) c.args[1] = oracle::int_arg(pick(30) - 15);
        return c;
      }
      case 10: {  // frexp, nextafter, spacing
        static const DType floats[] = {float16, float32, float64};
        const DType ft = pick(6) == 0 ? dtype() : floats[pick(3)];
        if (pick(3) == 0) return {"frexp", {operand(s, ft)}};
        if (pick(2)) return {"spacing", {operand(s, ft)}};
        return {"nextafter", {operand(s, ft), operand(sub(s), pick(3) ? ft : floats[pick(3)])}};
      }
      case 11: {  // packbits, unpackbits
        const Arg ax =
            rank == 0 || pick(3) == 0 ? oracle::axes_arg(nullptr) : oracle::int_arg(axis(rank));
        if (pick(2))
          return {"packbits", {array(s, pick(4) ? bool_ : dtype()), ax, oracle::int_arg(pick(2))}};
        const int64_t count = pick(3) == 0 ? -99 : pick(30) - 10;
        return {"unpackbits",
                {array(s, pick(6) ? uint8 : dtype()), ax, oracle::int_arg(count),
                 oracle::int_arg(pick(2))}};
      }
      case 12: {  // real_if_close: imaginary parts of zero now and then
        const DType ct = pick(2) ? complex64 : complex128;
        Arg z = array(s, ct);
        if (pick(2)) z = array(s, pick(2) ? float64 : float32);
        static const double tols[] = {100, 1e-3, 0.5, 1e6};
        return {"real_if_close", {z, oracle::float_arg(tols[pick(4)])}};
      }
      case 13:
        return {"full_like",
                {operand(s, t), oracle::float_arg(pick(20) - 10.5), oracle::dtype_arg(dtype())}};
      case 14: {  // histogram_bin_edges
        const Shape v{pick(12)};
        const bool ranged = pick(2);
        const double lo = pick(9) - 4.0, hi = lo + pick(6);
        return {"histogram_bin_edges",
                {array(v, pick(3) ? float64 : dtype()), oracle::int_arg(pick(6)),
                 oracle::int_arg(ranged), oracle::float_arg(lo), oracle::float_arg(hi)}};
      }
      case 15: {  // histogramdd of N points in D dimensions
        const int64_t d = 1 + pick(3);
        Case c{"histogramdd",
               {array(Shape{pick(9), d}, pick(3) ? float64 : int32), oracle::int_arg(1 + pick(4)),
                oracle::int_arg(pick(2)), oracle::int_arg(pick(2))}};
        for (int64_t k = 0; k < d; ++k) {
          const double lo = pick(5) - 3.0;
          c.args.push_back(oracle::float_arg(lo));
          c.args.push_back(oracle::float_arg(lo + 1 + pick(4)));
        }
        return c;
      }
      case 16:
        if (rank == 0) s = {3};
        return {"apply_along_axis",
                {oracle::int_arg(pick(4)), oracle::int_arg(axis(static_cast<int>(s.size()))),
                 array(s, pick(2) ? float64 : int64)}};
      case 17: {
        Shape axes;
        for (int k = 0; k < rank; ++k)
          if (pick(2)) axes.push_back(pick(2) ? k : k - rank);
        return {"apply_over_axes", {array(s, pick(2) ? float64 : int32), oracle::shape_arg(axes)}};
      }
      case 18:
        return {"piecewise",
                {array(s, pick(3) ? float64 : int64), oracle::float_arg(pick(5) - 2.0),
                 oracle::float_arg(pick(5) - 1.0), oracle::int_arg(pick(3))}};
      case 19: {  // block: 2 x 2 blocks, a row, a column of rows, mismatched depths
        const int pattern = pick(4);
        const int64_t m = 1 + pick(3), n = 1 + pick(3), p = pick(3), k = 1 + pick(2);
        const DType bt = pick(3) ? float64 : int32;
        if (pattern == 0)
          return {"block",
                  {oracle::int_arg(0), array({m, n}, bt), array({m, k}, bt), array({p, n}, bt),
                   array({p, pick(8) ? k : k + 1}, bt)}};
        return {"block",
                {oracle::int_arg(pattern), array(pick(2) ? Shape{n} : Shape{m, n}, bt),
                 array(pick(2) ? Shape{n} : Shape{p, n}, bt)}};
      }
      case 20:
        return {"mask_indices",
                {oracle::int_arg(pick(6)), oracle::int_arg(pick(7) - 3), oracle::int_arg(pick(2))}};
      default: {  // choose
        const int n = 1 + pick(4);
        Case c{"choose", {positions(s, n, pick(6) != 0)}};
        for (int k = 0; k < n; ++k) c.args.push_back(operand(sub(s), t));
        c.args.push_back(oracle::int_arg(pick(3)));
        // Non-negative positions for choose (numpy's raise mode refuses negatives).
        return c;
      }
    }
  }
};

}  // namespace

TEST(NumpyOracle, PlacementFunctionsOnRandomShapes) {
  PlacementCases gen(20261207);
  oracle::check_random_cases(gen, kiln_test::oracle_cases(1200), 40);
}

// What random cases meet rarely: exact positions, the words of the errors, and the call sites.
TEST(Placement, EdgesAndErrors) {
  using kiln_test::expect_error;
  const Array a = arange(6).reshape({2, 3});
  EXPECT_EQ(insert(a, 1, 9, 1).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 9, 1, 2, 3, 9, 4, 5}));
  EXPECT_EQ(insert(a, std::vector<int64_t>{0, 3, 0}, 7).to_vector<int64_t>(),
            (std::vector<int64_t>{7, 7, 0, 1, 2, 7, 3, 4, 5}));
  EXPECT_EQ(delete_(a, std::vector<int64_t>{0, -1, 0}).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2, 3, 4}));
  Array b = zeros({3, 3}, float64);
  fill_diagonal(b, array(std::vector<double>{1, 2}));
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{1, 0, 0, 0, 2, 0, 0, 0, 1}));
  Array p = arange(5);
  put(p, array(std::vector<int64_t>{0, -1, 0}), array(std::vector<int64_t>{7, 8}));
  EXPECT_EQ(p.to_vector<int64_t>(), (std::vector<int64_t>{7, 1, 2, 3, 8}));  // last write wins
  expect_error([&] { (void)insert(a, 4, 1, 1); },
               {"[insert]", "index 4 is out of bounds for axis 1 with size 3"});
  expect_error([&] { (void)delete_(a, 6); }, {"[delete]", "index 6 is out of bounds"});
  expect_error([&] { (void)insert(a, 0, std::complex<double>(1, 1)); }, {"[insert]", "complex"});
  expect_error(
      [&] {
        Array c = a;
        copyto(c, a.astype(float64));
      },
      {"[copyto]",
       "Cannot cast array data from dtype('float64') to dtype('int64') according to the rule "
       "'same_kind'"},
      __LINE__ - 6);
  expect_error(
      [&] {
        Array c = zeros({2, 3, 4});
        fill_diagonal(c, 1);
      },
      {"[fill_diagonal]", "All dimensions of input must be of equal length"}, __LINE__ - 3);
  expect_error(
      [&] {
        Array c = a;
        place(c, a > 2, zeros({0}, int64));
      },
      {"[place]", "Cannot insert from an empty array!"}, __LINE__ - 3);
  expect_error([&] { (void)choose(a, {}); }, {"[choose]", "choices must not be empty"});
  // Positions in arrays are checked at the sync, naming the call.
  Array q = arange(4);
  put(q, array(std::vector<int64_t>{9}), 1);
  const int line = __LINE__ - 1;
  expect_error([&] { (void)q.eval(); }, {"out of bounds"}, line);
  const int line2 = __LINE__ + 1;
  const Array chosen = choose(array(std::vector<int64_t>{0, 2}),
                              {a[{0}].reshape({3})[{slice(0, 2)}], zeros({2}, int64)});
  expect_error([&] { (void)chosen.eval(); }, {"out of"}, line2);
}

// The numeric functions at the ends of their ranges (values from numpy 1.24): subnormals and
// the largest doubles, the steps at powers of two and at infinity, Euclid's longest int64 chain.
TEST(NumericFunctions, EdgeValues) {
  const auto [m, e] = frexp(array(std::vector<double>{5e-324, 1.7e308, -0.0, 0.75, 0x1p-1030}));
  const auto mv = m.to_vector<double>();
  EXPECT_EQ(mv[0], 0.5);
  EXPECT_EQ(mv[1], std::ldexp(1.7e308, -1024));
  EXPECT_TRUE(mv[2] == 0 && std::signbit(mv[2]));
  EXPECT_EQ(mv[4], 0.5);
  EXPECT_EQ(e.dtype(), int32);
  EXPECT_EQ(e.to_vector<int32_t>(), (std::vector<int32_t>{-1073, 1024, 0, 0, -1029}));
  const double max = std::numeric_limits<double>::max(), inf = INFINITY;
  const auto n = nextafter(array(std::vector<double>{0.0, 1.0, max, inf, 1.0, -0.0}),
                           array(std::vector<double>{1.0, 2.0, inf, 0.0, 0.0, -1.0}))
                     .to_vector<double>();
  EXPECT_EQ(
      n, (std::vector<double>{5e-324, 1.0000000000000002, inf, max, 0.9999999999999999, -5e-324}));
  EXPECT_EQ(nextafter(array(std::vector<float>{1.f}), 0.f).to_vector<float>()[0], 0.99999994f);
  EXPECT_EQ(spacing(array(std::vector<float>{1.f})).to_vector<float>()[0], 1.1920929e-07f);
  EXPECT_EQ(spacing(array(std::vector<double>{1.0, -1.0})).to_vector<double>(),
            (std::vector<double>{2.220446049250313e-16, -2.220446049250313e-16}));
  // Consecutive Fibonacci numbers: Euclid's longest chain for int64.
  EXPECT_EQ(gcd(array(std::vector<int64_t>{7540113804746346429}),
                array(std::vector<int64_t>{4660046610375530309}))
                .to_vector<int64_t>()[0],
            1);
  EXPECT_EQ(lcm(array(std::vector<int32_t>{6}), -4).to_vector<int32_t>()[0], 12);
  EXPECT_EQ(packbits(array(std::vector<bool>{1, 0, 1, 1, 0, 0, 0, 0, 1})).to_vector<uint8_t>(),
            (std::vector<uint8_t>{176, 128}));
  EXPECT_EQ(unpackbits(array(std::vector<uint8_t>{5}), std::nullopt, std::nullopt, "little")
                .to_vector<uint8_t>(),
            (std::vector<uint8_t>{1, 0, 1, 0, 0, 0, 0, 0}));
  kiln_test::expect_error([] { (void)gcd(1.5, 2); }, {"[gcd]", "needs integer operands"});
  kiln_test::expect_error([] { (void)packbits(zeros({3})); }, {"[packbits]", "integer or boolean"});
  kiln_test::expect_error([] { (void)unpackbits(zeros({3}, int32)); },
                          {"[unpackbits]", "unsigned byte"});
  kiln_test::expect_error([] { (void)packbits(zeros({3}, bool_), 0, "middle"); },
                          {"'order' must be"});
}

// The errors of the functions of functions and of histogramdd, with numpy's words.
TEST(Functional, ErrorsNameTheFunction) {
  using kiln_test::expect_error;
  expect_error(
      [] {
        (void)apply_along_axis([](const Array& v) { return v; }, 0, zeros({3, 0}));
      },
      {"[apply_along_axis]", "any iteration dimensions are 0"});
  expect_error(
      [] {
        (void)piecewise(zeros({3}), {zeros({3}, bool_)}, {1.0, 2.0, 3.0});
      },
      {"[piecewise]", "with 1 condition(s), either 1 or 2 functions are expected"});
  expect_error(
      [] {
        (void)block(Block{zeros({2}), Block{zeros({2})}});
      },
      {"[block]", "List depths are mismatched"});
  expect_error([] { (void)block(Block(std::vector<Block>{})); },
               {"[block]", "Lists cannot be empty"});
  expect_error(
      [] {
        (void)apply_over_axes([](const Array& a, int) { return sum(a); }, zeros({2, 3, 4}), {0});
      },
      {"[apply_over_axes]", "not returning an array of the correct shape"});
  expect_error([] { (void)histogramdd(zeros({5})); }, {"[histogramdd]", "sample must be 2-d"});
  expect_error([] { (void)histogramdd(zeros({5, 2}), 0); }, {"[histogramdd]", "must be positive"});
  expect_error(
      [] {
        (void)histogramdd(zeros({5, 2}), 3, std::vector<std::pair<double, double>>{{0, 1}});
      },
      {"[histogramdd]", "one (min, max) per dimension"});
  // numpy's block of a 2 x 2 layout.
  const Array a = ones({2, 2}), b = zeros({2, 1}), c = zeros({1, 2}), d = ones({1, 1});
  EXPECT_EQ(block(Block{Block{a, b}, Block{c, d}}).shape(), (Shape{3, 3}));
  EXPECT_EQ(mask_indices(
                3, [](const Array& m, int64_t k) { return triu(m, k); }, 1)[1]
                .to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2, 2}));
}
