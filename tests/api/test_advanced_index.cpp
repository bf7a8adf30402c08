// numpy's advanced indexing: integer index arrays in any axis and several at once, boolean masks,
// the assignments through them (the last of repeated positions wins) and kiln::at's
// accumulating forms (numpy's ufunc.at), and the errors. Random cases against numpy are in
// tests/numpy (NumpyOracle.AdvancedIndexing*, AssignmentThroughIndexArraysAndMasks*).
#include "helpers.hpp"

using namespace kiln;
using kiln_test::expect_error;

namespace {
Array cube() {
  return arange(24, float64).reshape({2, 3, 4}).eval();
}
Array ints(std::vector<int64_t> v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return array(v, shape);
}
}  // namespace

TEST(AdvancedIndex, IndexArraysPickAlongTheirAxesAndBroadcastTogether) {
  const Array a = cube();
  const Array one = a[{ints({1, 0})}];  // whole rows of the first axis
  EXPECT_EQ(one.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(one.to_vector<double>()[0], 12.0);
  // Two arrays side by side: their broadcast shape where the axes were.
  const Array two = a[{1, ints({0, 2, -1}), ints({3, 0, 1})}];
  EXPECT_EQ(two.to_vector<double>(), (std::vector<double>{15, 20, 21}));
  const Array grid = a[{0, ints({0, 2}, {2, 1}), ints({1, 3})}];  // (2,1) with (2,): (2,2)
  EXPECT_EQ(grid.shape(), (Shape{2, 2}));
  EXPECT_EQ(grid.to_vector<double>(), (std::vector<double>{1, 3, 9, 11}));
  // Separated by a slice: numpy puts the index dimensions first.
  const Array apart = a[{ints({1, 0}), slice(), ints({2, 3})}];
  EXPECT_EQ(apart.shape(), (Shape{2, 3}));
  EXPECT_EQ(apart.to_vector<double>(), (std::vector<double>{14, 18, 22, 3, 7, 11}));
  const Array last = a[{ellipsis, ints({0, 0, 3})}];  // int32 and int64 both index
  EXPECT_EQ(last.shape(), (Shape{2, 3, 3}));
  const Array narrow = a[{ellipsis, ints({0, 0, 3}).astype(int32)}];
  EXPECT_EQ(narrow.to_vector<double>(), last.to_vector<double>());
}

TEST(AdvancedIndex, AMaskSelectsTheTrueElementsInOrder) {
  const Array a = cube();
  EXPECT_EQ(a[{a > 19.0}].to_vector<double>(), (std::vector<double>{20, 21, 22, 23}));
  const Array rows = a[{array(std::vector<bool>{true, false, false, false, true, true}, {2, 3})}];
  EXPECT_EQ(rows.shape(), (Shape{3, 4}));
  EXPECT_EQ(rows.to_vector<double>()[4], 16.0);
  const Array cols = a[{slice(), 1, array(std::vector<bool>{false, true, false, true})}];
  EXPECT_EQ(cols.to_vector<double>(), (std::vector<double>{5, 7, 17, 19}));
  EXPECT_EQ(a[{a > 100.0}].shape(), (Shape{0}));
}

TEST(AdvancedIndex, AssignmentThroughArraysAndMasks) {
  Array v = arange(8, float64);
  v[{ints({1, 1, 5})}] += 10.0;  // numpy's a[idx] += 1: the part's sum, the last write wins
  EXPECT_EQ(v.to_vector<double>(), (std::vector<double>{0, 11, 2, 3, 4, 15, 6, 7}));
  v[{v > 10.0}] = -1.0;
  EXPECT_EQ(v.to_vector<double>(), (std::vector<double>{0, -1, 2, 3, 4, -1, 6, 7}));
  v[{v < 3.0}] *= array(std::vector<double>{2.0});  // a value that broadcasts
  EXPECT_EQ(v.to_vector<double>(), (std::vector<double>{0, -2, 4, 3, 4, -2, 6, 7}));
  v[{v > 3.5}] = array(std::vector<double>{40, 50, 60, 70});  // one value per true element
  EXPECT_EQ(v.to_vector<double>(), (std::vector<double>{0, -2, 40, 3, 50, -2, 60, 70}));
  Array m = arange(12, int64).reshape({3, 4});
  m[{ints({0, 2}), ints({1, 3})}] = ints({-1, -2});
  m[{slice(), ints({0, 2})}] *= 10;
  m[{1}][{ints({1, 2})}] = 99;  // a basic part, then an index array: updates m
  EXPECT_EQ(m.to_vector<int64_t>(),
            (std::vector<int64_t>{0, -1, 20, 3, 40, 99, 99, 7, 80, 9, 100, -2}));
}

TEST(AdvancedIndex, AtAccumulatesRepeatedPositions) {
  const Array v = zeros({4}, float64);
  const Array idx = ints({0, 2, 0, 0});
  EXPECT_EQ(at(v, {idx}).add(1.0).to_vector<double>(), (std::vector<double>{3, 0, 1, 0}));
  EXPECT_EQ(at(v, {idx}).subtract(array(std::vector<double>{1, 2, 3, 4})).to_vector<double>(),
            (std::vector<double>{-8, 0, -2, 0}));
  const Array w = full({3}, 2.0, float64);
  EXPECT_EQ(at(w, {ints({1, 1, 1})}).multiply(3.0).to_vector<double>(),
            (std::vector<double>{2, 54, 2}));
  EXPECT_EQ(at(w, {ints({0, 0})}).divide(4.0).to_vector<double>(),
            (std::vector<double>{0.125, 2, 2}));
  EXPECT_EQ(at(w, {ints({2, 2})}).min(array(std::vector<double>{1, -5})).to_vector<double>(),
            (std::vector<double>{2, 2, -5}));
  EXPECT_EQ(at(w, {ints({2, 2})}).max(array(std::vector<double>{7, 3})).to_vector<double>(),
            (std::vector<double>{2, 2, 7}));
  EXPECT_EQ(at(w, {ints({0, 0})}).set(array(std::vector<double>{1, 9})).to_vector<double>(),
            (std::vector<double>{9, 2, 2}));
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{2, 2, 2}));  // at() changes nothing
}

TEST(AdvancedIndex, AMaskUpdateWithAValueThatDoesNotDependOnTheCountIsLazy) {
  const Array x = arange(6, float64);
  const Array mask = (x * 2.0) > 5.0;  // pending
  const Array y = at(x, {mask}).set(0.0);
  EXPECT_FALSE(mask.is_evaluated());  // where(mask, 0, x): nothing read the mask
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{0, 1, 2, 0, 0, 0}));
  const Array rows = arange(6, float64).reshape({3, 2});
  const Array keep = array(std::vector<bool>{true, false, true}) == true;
  EXPECT_EQ(at(rows, {keep}).add(array(std::vector<double>{10, 20})).to_vector<double>(),
            (std::vector<double>{10, 21, 2, 3, 14, 25}));
  EXPECT_FALSE(keep.is_evaluated());
}

TEST(AdvancedIndex, MistakesAreErrorsNamingTheCallSite) {
  Array a = arange(12, float64).reshape({3, 4}).eval();
  expect_error([&] { (void)a[{array(std::vector<double>{1.0})}]; },
               {"[index]", "must be of integer", "float64"});
  expect_error(
      [&] {
        (void)a[{array(std::vector<bool>{true, false})}];
      },
      {"[index]", "boolean index did not match", "size of axis is 3", "axis is 2"});
  expect_error(
      [&] {
        (void)a[{ints({0, 1}), ints({0, 1, 2})}];
      },
      {"[index]", "could not be broadcast together with shapes (2,) (3,)"});
  expect_error(
      [&] {
        (void)a[{ints({0}), ints({0}), ints({0})}];
      },
      {"[index]", "too many indices"});
  expect_error(
      [&] {
        (void)a[{ints({0}), 4}];
      },
      {"[index]", "index 4 is out of bounds for axis 1"});
  expect_error([&] { a[{ints({5})}].eval(); }, {"out of bounds", "axis 0 with size 3"});
  expect_error(
      [&] {
        a[{ints({1, 2}), ints({0, -5})}].eval();
      },
      {"out of bounds", "axis 1 with size 4"});
  expect_error(
      [&] {
        a[{slice(3, none), ints({7})}].eval();
      },  // even when nothing is selected
      {"[index]", "index 7 is out of bounds for axis 1 with size 4"});
  expect_error([&] { a[{ints({1})}][{0}] = 1.0; }, {"[assign]", "gives a copy"});
  expect_error([&] { a[{ints({0, 1})}] = ones({3}, float64); }, {"[assign]", "(3,)", "(2,4)"});
  expect_error([&] { a[{a > 5.0}] += std::complex<double>(0, 1); }, {"[add]", "same_kind"});
  expect_error([&] { at(a, {ints({0})}).add(std::complex<double>(0, 1)); },
               {"[add]", "complex128 to float64"});
  Array b = zeros({3}, bool_);
  expect_error([&] { at(b, {ints({0})}).subtract(true); }, {"[subtract]"});
  Array e = zeros({0}, float64);
  expect_error([&] { at(e, {ints({0})}).add(1.0); }, {"out of bounds"});
  // Nothing was changed by the failed assignments.
  EXPECT_EQ(a.to_vector<double>(), arange(12, float64).to_vector<double>());
}
