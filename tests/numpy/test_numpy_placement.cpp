// numpy as the oracle for kiln/placement.hpp (insert, delete, put, put_along_axis, putmask,
// place, copyto, fill_diagonal, choose) on random shapes, dtypes, positions and modes, with
// positions out of range, shapes that do not broadcast and casts numpy refuses among the cases
// (kiln refuses exactly where numpy does).
#include <gtest/gtest.h>

#include "numpy/oracle_placement.hpp"
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
    switch (pick(9)) {
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
