// numpy as the oracle for kiln/sorting.hpp on random shapes and dtypes (nans and infinities
// among the values): sort, argsort (numpy's kind='stable'), searchsorted, unique and its counts
// and inverse, median, quantile and percentile, with out-of-range axes and quantiles among them;
// partition and argpartition by their defining property.
#include <gtest/gtest.h>

#include <algorithm>

#include "helpers.hpp"
#include "numpy/random_arrays.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

class Cases : public oracle::RandomArrays {
 public:
  using RandomArrays::RandomArrays;

  DType real_dtype() {
    DType t = any_dtype();
    while (is_complex(t)) t = any_dtype();
    return t;
  }

  Case next() {
    const Shape s = shape();
    const int rank = static_cast<int>(s.size());
    switch (pick(7)) {
      case 0:
        return {pick(2) ? "sort" : "argsort", {operand(s, any_dtype()), axis_or_none(rank)}};
      case 1: {
        const DType t = real_dtype();
        return {
            "searchsorted",
            {operand(Shape{static_cast<int64_t>(pick(9))}, t),
             operand(pick(3) ? s : Shape{}, pick(3) ? t : real_dtype()), oracle::int_arg(pick(2))}};
      }
      case 2: {
        static const char* fns[] = {"unique", "unique_counts", "unique_inverse"};
        return {fns[pick(3)], {operand(s, any_dtype())}};
      }
      case 3:
        return {pick(2) ? "median" : "nanmedian",
                {operand(s, real_dtype()), axis_or_none(rank), oracle::int_arg(pick(2))}};
      default: {
        const bool q = pick(2);
        const int several = pick(3);
        Arg which;
        if (several == 0) {
          Shape qs(static_cast<size_t>(1 + pick(3)));
          for (int64_t& e : qs) e = pick(101);
          which = oracle::shape_arg(qs);
        } else {
          const double v = pick(15) == 0 ? 1.5 : pick(101) / 100.0;
          which = oracle::float_arg(q ? v : v * 100);
        }
        const bool nan = pick(2);
        return {q ? (nan ? "nanquantile" : "quantile") : (nan ? "nanpercentile" : "percentile"),
                {operand(s, real_dtype()), which,
                 several == 0 ? oracle::axis_arg(axis(rank)) : axis_or_none(rank),
                 oracle::int_arg(pick(2))}};
      }
    }
  }

  // A 1-d float64 array of sorted multiples of 1/8 (now and then descending, or out of order).
  Arg sorted_values(int64_t n) {
    std::vector<double> v(static_cast<size_t>(n));
    for (double& x : v) x = (pick(65) - 32) / 8.0;
    std::sort(v.begin(), v.end());
    if (pick(4) == 0) std::reverse(v.begin(), v.end());
    if (pick(15) == 0 && n > 2)
      std::swap(v[0], v[1 + static_cast<size_t>(pick(static_cast<int>(n) - 1))]);
    return oracle::array_arg(v, Shape{n});
  }

  // A histogram range: multiples of 1/8, now and then reversed (numpy's error).
  std::vector<Arg> range_args() {
    double lo = (pick(65) - 32) / 8.0, hi = (pick(65) - 32) / 8.0;
    if (lo > hi && pick(10)) std::swap(lo, hi);
    return {oracle::int_arg(pick(3) != 0), oracle::float_arg(lo), oracle::float_arg(hi)};
  }

  Case counting() {
    switch (pick(5)) {
      case 0: {
        const Shape s{pick(12)};
        const DType t = pick(5) ? uint8 : pick(2) ? int32 : float32;  // negatives, a float
        if (pick(2)) return {"bincount", {operand(s, t), oracle::int_arg(pick(16) - 1)}};
        const Shape w = pick(15) == 0 ? Shape{pick(12)} : s;
        return {
            "bincount_w",
            {operand(s, t), operand(w, pick(2) ? float64 : float32), oracle::int_arg(pick(15))}};
      }
      case 1:
        return {"digitize",
                {operand(shape(), real_dtype()), sorted_values(pick(7)), oracle::int_arg(pick(2))}};
      case 2: {
        const Shape s = shape();
        const DType t = real_dtype();
        std::vector<Arg> args{operand(s, t), oracle::int_arg(pick(12))};
        for (Arg& a : range_args()) args.push_back(a);
        args.push_back(oracle::int_arg(pick(3) == 0));
        if (pick(3)) return {"histogram", args};
        args.push_back(operand(pick(15) == 0 ? shape() : s, pick(2) ? float64 : float32));
        return {"histogram_w", args};
      }
      case 3: {
        const Shape s = shape();
        std::vector<Arg> args{operand(s, real_dtype()), sorted_values(pick(7)),
                              oracle::int_arg(pick(3) == 0)};
        if (pick(3)) return {"histogram_edges", args};
        args.push_back(operand(s, float64));
        return {"histogram_edges_w", args};
      }
      default: {
        const int64_t n = pick(20);
        const DType t = real_dtype();
        std::vector<Arg> args{operand(Shape{n}, t), operand(Shape{pick(25) ? n : n + 1}, t),
                              oracle::int_arg(1 + pick(6))};
        const std::vector<Arg> x = range_args(), y = range_args();
        args.push_back(oracle::int_arg(x[0].scalar.i));
        for (size_t i = 1; i < 3; ++i) args.push_back(x[i]);
        for (size_t i = 1; i < 3; ++i) args.push_back(y[i]);
        args.push_back(oracle::int_arg(pick(3) == 0));
        if (pick(3)) return {"histogram2d", args};
        args.push_back(operand(Shape{n}, float64));
        return {"histogram2d_w", args};
      }
    }
  }
};

// numpy's order: true when x sorts before y (nan last).
bool before(double x, double y) {
  return x < y || (std::isnan(y) && !std::isnan(x));
}

}  // namespace

TEST(NumpyOracle, SortingAndOrderStatisticsOnRandomShapes) {
  // The sorts run on the host on every device: the GPU runs check fewer cases (the copies).
  const int count = kiln_test::cpu_kernels() ? 1200 : 150;
  Cases gen(2718);
  oracle::check_random_cases(gen, count, 60);
}

TEST(NumpyOracle, HistogramsBincountDigitizeOnRandomShapes) {
  Cases gen(1414);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(900); ++i) cases.push_back(gen.counting());
  const int refused = oracle::run_and_check(cases, oracle::check);
  EXPECT_GT(refused, static_cast<int>(cases.size()) / 40);
  EXPECT_LT(refused, static_cast<int>(cases.size()) * 2 / 5);
}

// partition's contract: the kth element where a sort puts it, nothing after it that sorts
// before it, nothing before it that sorts after it; argpartition's positions give the same.
TEST(Sorting, PartitionPlacesTheKthElement) {
  kiln_test::covers("partition", "its defining property (numpy leaves the order free)");
  kiln_test::covers("argpartition", "its defining property (numpy leaves the order free)");
  std::mt19937 rng(11);
  for (int trial = 0; trial < 60; ++trial) {
    const int64_t rows = 1 + rng() % 4, n = 1 + rng() % 40;
    std::vector<double> v(static_cast<size_t>(rows * n));
    for (double& x : v) x = rng() % 9 == 0 ? std::nan("") : double(rng() % 13);
    const Array a = array(v, {rows, n});
    const int64_t kth = static_cast<int64_t>(rng() % n) - (trial % 2 ? n : 0);
    const int64_t k = kth < 0 ? kth + n : kth;
    const std::vector<double> p = partition(a, kth).to_vector<double>();
    const std::vector<double> s = sort(a).to_vector<double>();
    const std::vector<double> by_index =
        take_along_axis(a, argpartition(a, kth, 1), 1).to_vector<double>();
    for (const std::vector<double>* r : {&p, &by_index})
      for (int64_t i = 0; i < rows; ++i) {
        const double* row = r->data() + i * n;
        const double want = s[static_cast<size_t>(i * n + k)];
        ASSERT_TRUE(row[k] == want || (std::isnan(row[k]) && std::isnan(want))) << trial;
        for (int64_t j = 0; j < n; ++j) {
          if (j < k) {
            ASSERT_FALSE(before(want, row[j])) << trial << " " << j;
          } else if (j > k) {
            ASSERT_FALSE(before(row[j], want)) << trial << " " << j;
          }
        }
      }
  }
  kiln_test::expect_error([] { partition(arange(5, float32), 5); },
                          {"partition", "kth(=5) out of bounds (5)"});
  kiln_test::expect_error([] { argpartition(arange(5, float32), -6); },
                          {"argpartition", "out of bounds"});
  kiln_test::expect_error([] { searchsorted(zeros({2, 2}), 1.0); }, {"searchsorted", "1-d"});
  kiln_test::expect_error([] { quantile(zeros({0}), 0.5); }, {"quantile", "empty"});
  kiln_test::expect_error([] { percentile(zeros({3}), 101.0); }, {"percentile", "[0, 100]"});
  kiln_test::expect_error([] { median(zeros({3}, complex64)); }, {"median", "complex"});
}

// The gradient of a sort goes back to where each element came from; unique is one sync.
TEST(Sorting, SortIsDifferentiableAndUniqueSyncsOnce) {
  const Array x = array(std::vector<double>{3, 1, 2, 1});
  const Array g = grad([](const Array& a) {
    return sum(sort(a) * array(std::vector<double>{1, 10, 100, 1000}));
  })(x);
  // sorted (stable): x[1]=1, x[3]=1, x[2]=2, x[0]=3
  EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{1000, 1, 100, 10}));
  const Array t =
      jvp([](const Array& a) { return sort(a); }, {x}, {array(std::vector<double>{1, 2, 3, 4})})
          .second;
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{2, 4, 3, 1}));
  reset_stats();
  const auto [values, counts] = unique_counts(array(std::vector<int32_t>{5, 1, 5, 5, 2}));
  EXPECT_EQ(values.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 5}));
  EXPECT_EQ(counts.to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 3}));
  const auto [u, inverse] = unique_inverse(array(std::vector<float>{2, 1, NAN, 2, NAN}, {5}));
  EXPECT_EQ(inverse.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2, 1, 2}));
  EXPECT_EQ(u.shape(), Shape{3});
}

TEST(Histograms, ErrorsNameTheFunction) {
  kiln_test::expect_error([] { bincount(zeros({2, 2}, int32)); }, {"bincount", "1-d"});
  kiln_test::expect_error([] { bincount(zeros({3})); }, {"bincount", "Cannot cast", "float32"});
  kiln_test::expect_error([] { bincount(arange(3, int32) - 1); },
                          {"bincount", "no negative elements"});
  kiln_test::expect_error([] { bincount(arange(3, int32), -1); }, {"bincount", "minlength"});
  kiln_test::expect_error([] { bincount(arange(3, int32), ones({2})); },
                          {"bincount", "same length"});
  kiln_test::expect_error([] { digitize(zeros({3}, complex64), arange(3, float32)); },
                          {"digitize", "complex"});
  kiln_test::expect_error([] { digitize(zeros({3}), zeros({2, 2})); }, {"digitize", "1-d"});
  kiln_test::expect_error(
      [] {
        digitize(zeros({3}), array(std::vector<float>{1, 3, 2}));
      },
      {"digitize", "monotonically"});
  kiln_test::expect_error([] { histogram(zeros({3}), 0); }, {"histogram", "must be positive"});
  HistogramOptions reversed;
  reversed.range = std::pair{2.0, 1.0};
  kiln_test::expect_error([&] { histogram(zeros({3}), 4, reversed); },
                          {"histogram", "max must be larger than min"});
  HistogramOptions infinite;
  infinite.range = std::pair{0.0, INFINITY};
  kiln_test::expect_error([&] { histogram(zeros({3}), 4, infinite); },
                          {"histogram", "supplied range", "not finite"});
  kiln_test::expect_error(
      [] {
        histogram(array(std::vector<float>{1, NAN}), 4);
      },
      {"histogram", "autodetected range", "not finite"});
  HistogramOptions weighted;
  weighted.weights = ones({2});
  kiln_test::expect_error([&] { histogram(zeros({3}), 4, weighted); },
                          {"histogram", "weights should have the same shape"});
  kiln_test::expect_error(
      [] {
        histogram(zeros({3}), array(std::vector<float>{0, 2, 1}));
      },
      {"histogram", "increase monotonically"});
  kiln_test::expect_error([] { histogram(zeros({3}), zeros({2, 2})); }, {"histogram", "1d"});
  kiln_test::expect_error([] { histogram(zeros({3}, complex64)); }, {"histogram", "complex"});
  kiln_test::expect_error([] { histogram2d(zeros({3}), zeros({4})); },
                          {"histogram2d", "one length"});
  kiln_test::expect_error([] { histogram2d(zeros({3}), zeros({3}), 0); },
                          {"histogram2d", "must be positive"});
}

// A large histogram (its bins computed by parallel kernels) against a plain count, and its
// automatic range is the one sync before the counting.
TEST(Histograms, LargeCountsMatchALoop) {
  const int64_t n = 1 << 20;
  const Array x = random::normal({n}, 0.0, 1.0, float64).eval();
  const std::vector<double> v = x.to_vector<double>();
  const Histogram h = histogram(x, 64);
  const std::vector<double> e = h.bin_edges.to_vector<double>();
  std::vector<int64_t> want(64);
  for (const double xi : v) {
    const auto at = std::upper_bound(e.begin(), e.end(), xi) - e.begin() - 1;
    ++want[static_cast<size_t>(std::min<ptrdiff_t>(at, 63))];
  }
  EXPECT_EQ(h.hist.to_vector<int64_t>(), want);
  EXPECT_EQ(sum(bincount(digitize(x, h.bin_edges))).item<int64_t>(), n);
}

// The nan functions on rows with nans, a row of nans only (nan, as numpy's with its warning),
// and nothing at all; values from numpy 1.24.
TEST(Sorting, NanQuantilesLeaveTheNansOut) {
  const double nan = std::nan("");
  const Array a = array(std::vector<double>{1, nan, 3, -2, nan, nan, nan, nan, 5, 0.5, nan, 7},
                        {3, 4});
  auto same = [](const Array& x, const std::vector<double>& want) {
    const auto got = x.astype(float64).to_vector<double>();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      if (std::isnan(want[i]))
        EXPECT_TRUE(std::isnan(got[i])) << i;
      else
        EXPECT_NEAR(got[i], want[i], 1e-12) << i;
    }
  };
  same(nanmedian(a, 1), {1.0, nan, 5.0});
  same(nanmedian(a), {2.0});
  same(nanquantile(a, 0.3, 1), {-0.2, nan, 3.2});
  same(nanpercentile(a, std::vector<double>{10, 90}, 0), {1.4, 0.5, 3.0, -1.1, 4.6, 0.5, 3.0, 6.1});
  same(nanquantile(a, 0.75), {4.5});
  same(nanquantile(zeros({0}), 0.5), {nan});
  EXPECT_EQ(nanmedian(a, 1, true).shape(), (Shape{3, 1}));
  kiln_test::expect_error([] { nanquantile(zeros({3}), 1.5); }, {"nanquantile", "[0, 1]"});
  kiln_test::expect_error([] { nanpercentile(zeros({3}), -1.0); }, {"nanpercentile", "[0, 100]"});
  kiln_test::expect_error([] { nanmedian(zeros({3}, complex64)); }, {"median", "complex"});
}
