// Assignment into arrays: a[{...}] = v, compound assignments, chained indices, kiln::at, value
// semantics, updates in place, fused window stores, and the errors.
#include <cmath>
#include <complex>

#include "helpers.hpp"

using namespace kiln;
using kiln_test::expect_error;

namespace {
Array matrix(int64_t rows, int64_t cols) {
  return arange(rows * cols, float64).reshape({rows, cols}).eval();
}
}  // namespace

TEST(Update, AssignsThroughEveryBasicIndexForm) {
  Array a = matrix(3, 4);
  a[{1}] = 7.0;                                                    // a row, from a scalar
  a[{slice(), 2}] += 100.0;                                        // a column, compound
  a[{0}][{1}] = -1.0;                                              // chained, numpy's a[0][1] = -1
  a[{2, slice(1, none, 2)}] = array(std::vector<double>{20, 30});  // a strided part
  a[{ellipsis, newaxis, 0}] *= 2.0;                                // ellipsis and newaxis
  EXPECT_EQ(a.to_vector<double>(),
            (std::vector<double>{0, -1, 102, 3, 14, 7, 107, 7, 16, 20, 110, 30}));
  Array r = arange(6, int32);
  r[{slice(none, none, -1)}] = arange(6, int32);  // a reversed window
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{5, 4, 3, 2, 1, 0}));
  Array s = zeros({2, 3}, float32);
  s[{slice()}] = array(std::vector<float>{1, 2, 3});  // the whole array, broadcast
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  Array z = zeros({2, 3}, float64);
  z[{0}] = ones({1, 1, 3}, float64);  // numpy drops the value's leading extent-1 axes
  EXPECT_EQ(z.to_vector<double>(), (std::vector<double>{1, 1, 1, 0, 0, 0}));
  Array e = zeros({0, 3}, float64);
  e[{slice()}] = 5.0;  // nothing to write
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
}

TEST(Update, CastsTheValueToTheArraysDtype) {
  Array i = zeros({4}, int32);
  i[{0}] = 2.9;  // truncated, as numpy
  i[{1}] = true;
  i[{slice(2, none)}] = array(std::vector<double>{-1.5, 7.25});
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{2, 1, -1, 7}));
  Array b = zeros({3}, bool_);
  b[{0}] = 5;
  b[{1}] = std::complex<double>(0, 1);  // its truth
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, true, false}));
  Array c = zeros({2}, complex64);
  c[{1}] = 3.0;
  EXPECT_EQ(c.to_vector<std::complex<float>>()[1], std::complex<float>(3, 0));
  Array f = zeros({2}, float32);
  f[{0}] += 1;  // an integer into float32: same kind rule holds
  f[{1}] -= 0.5;
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1, -0.5f}));
}

TEST(Update, ArraysAreValues) {
  Array a = matrix(2, 3);
  const Array before = a;
  const Array row = a[{0}];  // the value at this moment
  a[{0, 1}] = 100.0;
  EXPECT_EQ(before.to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(row.to_vector<double>(), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{0, 100, 2, 3, 4, 5}));
  if (kiln_test::on_cpu()) {
    EXPECT_NE(a.data<double>(), before.data<double>());  // copied
  }
  // kiln::at leaves its array as it was.
  const Array b = at(a, {1}).add(10.0);
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{0, 100, 2, 3, 4, 5}));
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{0, 100, 2, 13, 14, 15}));
  EXPECT_EQ(at(a, {0}).set(-1.0).to_vector<double>(), (std::vector<double>{-1, -1, -1, 3, 4, 5}));
  EXPECT_EQ(at(a, {slice(), 1}).multiply(0.5).to_vector<double>(),
            (std::vector<double>{0, 50, 2, 3, 2, 5}));
  EXPECT_EQ(at(a, {0}).min(1.5).to_vector<double>(), (std::vector<double>{0, 1.5, 1.5, 3, 4, 5}));
  EXPECT_EQ(at(a, {1}).max(4.5).to_vector<double>(), (std::vector<double>{0, 100, 2, 4.5, 4.5, 5}));
  EXPECT_EQ(at(a, {0, 0}).subtract(1.0).item<double>(0), -1.0);
  EXPECT_EQ(at(a, {1, 2}).divide(2.0).item<double>(5), 2.5);
  EXPECT_EQ(at(a, {1}).get().to_vector<double>(), (std::vector<double>{3, 4, 5}));
}

TEST(Update, AReferenceConvertsToAnArrayWhereverOneIsExpected) {
  Array a = matrix(3, 3);
  EXPECT_EQ(kiln::sqrt(a[{2, 2}]).item<double>(), std::sqrt(8.0));
  EXPECT_EQ((a[{1}] + 1.0).to_vector<double>(), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(kiln::sum(a[{slice(), 0}]).item<double>(), 9.0);
  EXPECT_EQ(a[{0}].shape(), (Shape{3}));
  EXPECT_EQ(a[{1}][{2}].item<double>(), 5.0);
  EXPECT_EQ(concatenate({a[{0}], a[{1}]}).shape(), (Shape{6}));
  // `auto` keeps the reference: assigning through it still updates a.
  auto r = a[{0}];
  r = 9.0;
  EXPECT_EQ(r.to_vector<double>(), (std::vector<double>{9, 9, 9}));
  EXPECT_EQ(a.to_vector<double>()[0], 9.0);
  // Assigning one reference to another copies values (it does not rebind).
  a[{1}] = a[{2}];
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{9, 9, 9, 6, 7, 8, 6, 7, 8}));
}

TEST(Update, RunsInPlaceWhenNothingElseRefersToTheOldValue) {
  const int64_t n = 64;
  Array a = matrix(n, n);
  const void* buffer = a.data<double>();
  kiln::reset_stats();
  for (int64_t i = 0; i < n; ++i) {
    a[{i}] = a[{i}] * 2.0 + static_cast<double>(i);  // reads the row it writes
    a.eval();
  }
  if (kiln_test::on_cpu()) {
    EXPECT_EQ(a.data<double>(), buffer);  // never copied
  }
  // Each update stores the new row aside and copies it in: no kernel touches the whole matrix.
  EXPECT_LE(kiln::stats().kernels_launched, static_cast<uint64_t>(2 * n));
  EXPECT_EQ(a.item<double>(n * n - 1), (n * n - 1) * 2.0 + (n - 1));
  EXPECT_EQ(a.item<double>(n), n * 2.0 + 1);
  // A shift within one array reads the old values (no element sees an earlier write).
  Array c = arange(6, float64).eval();
  const void* c_buffer = c.data<double>();
  c[{slice(1, none)}] = c[{slice(0, -1)}];
  EXPECT_EQ(c.to_vector<double>(), (std::vector<double>{0, 0, 1, 2, 3, 4}));
  if (kiln_test::on_cpu()) {
    EXPECT_EQ(c.data<double>(), c_buffer);
  }
  Array d = arange(6, float64).eval();
  d[{slice(0, -1)}] = d[{slice(1, none)}] + d[{slice(0, -1)}];
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{1, 3, 5, 7, 9, 5}));
  // Reading exactly the elements written, or elements outside the window, needs no copy: one
  // kernel reads and writes the array's buffer.
  Array e = arange(6, float64).eval();
  kiln::reset_stats();
  e[{slice(2, 4)}] = e[{slice(2, 4)}] * 10.0 + e[{0}] + e[{5}];
  e.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  EXPECT_EQ(e.to_vector<double>(), (std::vector<double>{0, 1, 25, 35, 4, 5}));
  // A reversed read of the window itself is not the element written: stored aside first.
  Array f = arange(6, float64).eval();
  f[{slice(1, 5)}] = f[{slice(4, 0, -1)}] + 0.5;
  EXPECT_EQ(f.to_vector<double>(), (std::vector<double>{0, 4.5, 3.5, 2.5, 1.5, 5}));
}

TEST(Update, PendingUpdatesShareOneBuffer) {
  Array e = zeros({4, 4}, float64).eval();
  const void* buffer = e.data<double>();
  for (int i = 0; i < 4; ++i) e[{i, i}] = static_cast<double>(i + 1);  // no sync in between
  for (int i = 1; i < 4; ++i) e[{i, i - 1}] = e[{i - 1, i - 1}] * 10.0;
  EXPECT_EQ(e.to_vector<double>(),
            (std::vector<double>{1, 0, 0, 0, 10, 2, 0, 0, 0, 20, 3, 0, 0, 0, 30, 4}));
  if (kiln_test::on_cpu()) {
    EXPECT_EQ(e.data<double>(), buffer);
  }
  // A pending array updated and read in one sync.
  Array p = arange(5, float64) * 2.0;
  p[{slice(1, 4)}] = p[{slice(1, 4)}] * 10.0 + 1.0;
  Array q = p + 1.0;
  EXPECT_EQ(q.to_vector<double>(), (std::vector<double>{1, 22, 42, 62, 9}));
  // A pending value that the array itself is computed from, and that is written into it.
  Array v = arange(3, float64) + 1.0;
  Array w = broadcast_to(v, {2, 3}) * 2.0;
  w[{0}] = v;
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{1, 2, 3, 2, 4, 6}));
}

TEST(Update, AnInteriorUpdateIsOneKernelWritingTheWindow) {
  const int64_t n = 32;
  Array a = random::uniform({n, n}, 0.0, 1.0, float64).eval();
  Array b = zeros({n, n}, float64).eval();
  const void* buffer = b.data<double>();
  const std::vector<double> av = a.to_vector<double>();
  kiln::reset_stats();
  const Slice in = slice(1, -1);
  b[{in, in}] = 0.25 * (a[{slice(0, -2), in}] + a[{slice(2, none), in}] + a[{in, slice(0, -2)}] +
                        a[{in, slice(2, none)}]);
  b.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  if (kiln_test::on_cpu()) {
    EXPECT_EQ(b.data<double>(), buffer);
  }
  const std::vector<double> bv = b.to_vector<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const auto at_ = [&](int64_t r, int64_t c) { return av[static_cast<size_t>(r * n + c)]; };
      const bool inside = i > 0 && j > 0 && i < n - 1 && j < n - 1;
      const double want =
          inside ? 0.25 * (at_(i - 1, j) + at_(i + 1, j) + at_(i, j - 1) + at_(i, j + 1)) : 0.0;
      ASSERT_DOUBLE_EQ(bv[static_cast<size_t>(i * n + j)], want) << i << "," << j;
    }
}

TEST(Update, WrappedMemoryIsCopiedOnTheFirstWrite) {
  std::vector<double> mine{1, 2, 3, 4};
  Array w = wrap(mine.data(), {4});
  w[{0}] = 10.0;
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{10, 2, 3, 4}));
  EXPECT_EQ(mine, (std::vector<double>{1, 2, 3, 4}));
}

TEST(Update, MistakesAreErrorsAtTheAssignment) {
  Array a = matrix(3, 4);
  Array i = zeros({3}, int32);
  expect_error([&] { a[{0}] = ones({3}, float64); },
               {"[assign]", "could not broadcast the value of shape (3,)", "part of shape (4,)"});
  expect_error(
      [&] {
        a[{0}] += ones({2, 4}, float64);
      },
      {"[add]", "shape (2,4)", "indexed part of shape (4,)"});
  expect_error([&] { a[{0}] = std::complex<double>(1, 1); },
               {"[assign]", "complex value cannot be assigned", "float64"});
  expect_error([&] { a[{0}] = ones({4}, complex64); }, {"[assign]", "complex array"});
  expect_error([&] { i[{0}] += 1.5; }, {"[add]", "float64 to int32", "same_kind"});
  expect_error([&] { i[{1}] /= 2; }, {"[divide]", "float64 to int32"});
  expect_error([&] { i[{0}] = std::nan(""); }, {"[assign]", "cannot be assigned", "int32"});
  expect_error([&] { i[{0}] = int64_t{1} << 40; }, {"[assign]", "does not fit int32"});
  expect_error([&] { a[{3}] = 1.0; }, {"[index]", "index 3 is out of bounds for axis 0"});
  expect_error([&] { a[{0}][{5}] = 1.0; }, {"[index]", "out of bounds"});
  expect_error([&] { a[{0, 0, 0}] = 1.0; }, {"[index]", "too many indices"});
  expect_error([&] { a[{slice(0, 1, 0)}] = 1.0; }, {"[index]", "step cannot be zero"});
  expect_error([&] { at(a, {0}).add(ones({5}, float64)); }, {"[add]", "(5,)"});
  Array empty;
  expect_error([&] { at(empty, {0}).set(1.0); }, {"assign"});
  Array b = zeros({3}, bool_);
  expect_error([&] { b[{0}] -= true; }, {"[subtract]"});
  // Nothing was changed by the failed assignments.
  EXPECT_EQ(a.to_vector<double>(), matrix(3, 4).to_vector<double>());
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{0, 0, 0}));
}

// Buffer donation: an output computed element for element from data that nothing else refers to
// is written over that data (numpy's `out=`), so a loop `w = w - lr * g` holds one w, not two.
TEST(Update, AnOutputTakesOverTheBufferOfDataNoOneElseReads) {
  const int64_t n = 128;  // 128 KiB of float64: large enough to be offered (64 KiB and up)
  const Array g = (matrix(n, n) * 0.001).eval();
  const std::vector<double> gv = g.to_vector<double>();
  Array w = (matrix(n, n) + 0.0).eval();
  std::vector<double> expect = w.to_vector<double>();
  uint64_t last_step_bytes = 0;
  for (int step = 0; step < 4; ++step) {
    const uint64_t before = kiln::stats().bytes_allocated;
    w = w - 0.5 * g + 1.0;  // the old w: no handle, read once per element
    w.eval();
    last_step_bytes = kiln::stats().bytes_allocated - before;
    for (size_t k = 0; k < expect.size(); ++k) expect[k] = expect[k] - 0.5 * gv[k] + 1.0;
  }
  EXPECT_EQ(w.to_vector<double>(), expect);
  EXPECT_EQ(last_step_bytes, 0u) << "the new w is written over the old one";
  // Held by another handle: never written over.
  Array keep = w;
  const uint64_t before = kiln::stats().bytes_allocated;
  w = w * 2.0;
  w.eval();
  EXPECT_EQ(kiln::stats().bytes_allocated - before, static_cast<uint64_t>(n * n * 8));
  EXPECT_EQ(keep.to_vector<double>(), expect);
  EXPECT_EQ(w.item<double>(5), 2 * expect[5]);
}

// Reads that are not element for element, or that come later, keep the data intact.
TEST(Update, DonationLeavesOtherReadersTheOldValues) {
  const int64_t n = 128;
  auto fresh = [&] { return (matrix(n, n) + 0.0).eval(); };
  const std::vector<double> m = fresh().to_vector<double>();
  auto at = [&](int64_t i, int64_t j) { return m[static_cast<size_t>(i * n + j)]; };
  auto check = [&](const Array& r, auto expected, const char* what) {
    const std::vector<double> v = r.to_vector<double>();
    for (int64_t i = 0; i < n; i += 7)
      for (int64_t j = 0; j < n; j += 5)
        ASSERT_EQ(v[static_cast<size_t>(i * n + j)], expected(i, j))
            << what << " " << i << "," << j;
  };
  Array w = fresh();
  w = w + transpose(w);
  check(
      w.eval(), [&](int64_t i, int64_t j) { return at(i, j) + at(j, i); }, "transposed");
  w = fresh();
  w = w[{slice(none, none, -1)}] + 1.0;
  check(
      w.eval(), [&](int64_t i, int64_t j) { return at(n - 1 - i, j) + 1; }, "reversed");
  w = fresh();
  w = w + w[{slice(0, 1)}];
  check(
      w.eval(), [&](int64_t i, int64_t j) { return at(i, j) + at(0, j); }, "broadcast row");
  w = fresh();
  w = w - kiln::sum(w) / double(n * n);
  const double mean = double(n * n - 1) / 2;
  check(
      w.eval(), [&](int64_t i, int64_t j) { return at(i, j) - mean; }, "reduction");
  Array a, b, later;
  {
    Array t = fresh();
    a = t * 2.0;
    b = t + 1.0;
    later = t * 3.0;  // read after this sync: t must survive it
  }
  kiln::eval({a, b});
  check(
      a, [&](int64_t i, int64_t j) { return at(i, j) * 2; }, "two outputs");
  check(
      b, [&](int64_t i, int64_t j) { return at(i, j) + 1; }, "two outputs");
  check(
      later, [&](int64_t i, int64_t j) { return at(i, j) * 3; }, "a later reader");
}
