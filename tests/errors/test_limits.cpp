// Must-fail tests for sizes, dtypes and slices at the limits of 64-bit arithmetic: each is a
// kiln::Error at the call (or, for memory that cannot be had, at the sync), never a crash, a
// hang or a silently empty result.
#include "helpers.hpp"

using namespace kiln;
using kiln_test::expect_error;

TEST(Limits, ShapesWhoseElementsOrBytesOverflow) {
  const Array a = ones({int64_t{1} << 32}), b = ones({int64_t{1} << 32});
  expect_error([&] { auto c = outer(a, b); },
               {"(4294967296,4294967296)", "more than 2^62 elements"});
  expect_error(
      [&] {
        auto c = matmul(a.reshape({-1, 1}), b.reshape({1, -1}));
      },
      {"[matmul]", "(4294967296,4294967296)", "more than 2^62 elements"});
  expect_error(
      [&] {
        auto c = a.reshape({-1, 1}) * b.reshape({1, -1});
      },
      {"[multiply]", "more than 2^62 elements"});
  expect_error([&] { auto c = zeros({int64_t{1} << 61}, float64); },
               {"[full]", "(2305843009213693952,)", "float64", "more than 2^62 bytes"});
  expect_error([&] { auto c = eye(int64_t{1} << 31, complex128); }, {"[eye]", "bytes"});
  expect_error(
      [&] {
        auto c = broadcast_to(zeros({1}), {int64_t{1} << 40, int64_t{1} << 40});
      },
      {"[broadcast_to]", "(1099511627776,1099511627776)", "too many elements"});
}

TEST(Limits, MemoryThatCannotBeHadIsAnErrorAtTheSync) {
  // 2^62 bytes: a valid shape, and no machine's memory.
  const int line = __LINE__ + 1;
  const Array huge = zeros({int64_t{1} << 59}, float64) + 1.0;
  expect_error([&] { huge.eval(); },
               {kiln_test::on_cpu() ? "[allocate] out of memory" : "[cuda] cannot allocate",
                "4611686018427387904 bytes"},
               line);
  EXPECT_EQ((zeros({3}) + 1.f).to_vector<float>(), (std::vector<float>{1, 1, 1}));  // still fine
}

TEST(Limits, InvalidDtypeValues) {
  const auto bad = static_cast<DType>(255);
  expect_error([&] { auto c = zeros({2}, bad); }, {"[full]", "invalid dtype value 255"});
  expect_error([&] { auto c = ones({2}, static_cast<DType>(kNumDTypes)); },
               {"[full]", "invalid dtype"});
  expect_error([&] { auto c = arange(0, 4, 1, bad); }, {"[arange]", "invalid dtype value 255"});
  expect_error([&] { auto c = linspace(0.0, 1.0, 3, bad); }, {"[linspace]", "invalid dtype"});
  expect_error([&] { auto c = eye(3, bad); }, {"[eye]", "invalid dtype"});
  const Array x = arange(4);
  expect_error([&] { auto c = x.astype(static_cast<DType>(42)); },
               {"[astype]", "invalid dtype value 42"});
  expect_error([&] { auto c = zeros_like(x, bad); }, {"[zeros_like]", "invalid dtype"});
  expect_error([&] { auto c = random::uniform({2}, 0.0, 1.0, bad); }, {"[uniform]", "dtype"});
}

TEST(Limits, SliceStepsAtTheEndsOfInt64) {
  const Array x = arange(10);
  EXPECT_EQ(x[{slice(none, none, INT64_MIN)}].to_vector<int64_t>(), (std::vector<int64_t>{9}));
  EXPECT_EQ(x[{slice(none, none, INT64_MAX)}].to_vector<int64_t>(), (std::vector<int64_t>{0}));
  EXPECT_EQ(x[{slice(INT64_MAX, INT64_MIN, INT64_MIN)}].to_vector<int64_t>(),
            (std::vector<int64_t>{9}));
  EXPECT_EQ(x[{slice(INT64_MIN, INT64_MAX, 3)}].to_vector<int64_t>(),
            (std::vector<int64_t>{0, 3, 6, 9}));
}

TEST(Limits, CompoundAssignmentKeepsTheTargetsShape) {
  Array a = zeros({2});
  expect_error(
      [&] {
        a += ones({2, 2});
      },
      {"[add]", "(2,2)", "does not broadcast into the in-place target of shape (2,)"});
  EXPECT_EQ(a.shape(), (Shape{2}));  // unchanged
  a += ones({1});                    // broadcasts into it: fine
  a *= 3.f;
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{3, 3}));
}

TEST(Limits, FromBlobAndWrapTakeEveryDtypesType) {
  const bool flags[4] = {true, false, true, true};
  EXPECT_EQ(sum(from_blob(flags, {4})).item<int64_t>(), 3);
  EXPECT_EQ(sum(wrap(flags, {2, 2})).item<int64_t>(), 3);
  const std::complex<double> z[2] = {{1, 2}, {3, -4}};
  EXPECT_EQ(from_blob(z, {2}).dtype(), complex128);
  EXPECT_EQ(wrap(z, {2}).to_vector<std::complex<double>>()[1], (std::complex<double>(3, -4)));
}

TEST(Limits, AChainTooLongForOneKernelIsEvaluatedInBoundedPieces) {
  // 120'000 recorded ops used to make one kernel (refused past kMaxKernelInstrs). Now the
  // pending graph is evaluated automatically every kAutoEvalPending nodes and cut into kernels
  // of at most kMaxFusedNodes nodes, so it computes, compiling a handful of kernels.
  kiln::reset_stats();
  Array x = arange(4, float64);
  for (int i = 0; i < 120'000; ++i) x = x * 1.0000001 + 1.0;
  const std::vector<double> got = x.to_vector<double>();
  std::vector<double> want{0, 1, 2, 3};
  for (int i = 0; i < 120'000; ++i)
    for (double& w : want) w = w * 1.0000001 + 1.0;
  for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-9 * want[k]);
  const Stats st = kiln::stats();
  EXPECT_GE(st.auto_evaluations, 5u);
  EXPECT_LE(st.kernels_compiled, 8u);
  EXPECT_LE(st.ir_instructions, 8u * 2 * 128);
}
