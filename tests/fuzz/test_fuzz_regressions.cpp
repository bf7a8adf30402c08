// What the program fuzzer found, kept as regression tests. Each kiln bug (all fixed) is a small
// C++ reproducer with numpy's answer written out (numpy 1.24, NEP 50 weak promotion). Fuzzer
// programs that once disagreed for reasons on the fuzzer's side (tolerances, numpy quirks) are
// replayed through both sides.
#include <cmath>

#include "fuzz/fuzz.hpp"
#include "helpers.hpp"

using namespace kiln;

namespace {

// Runs a program (fuzz::Program::text() form) in kiln and numpy and expects them to agree.
void expect_agree(const std::string& text) {
  const fuzz::Program p = fuzz::parse(text);
  const auto numpy = fuzz::run_numpy({p});
  EXPECT_EQ(fuzz::compare(p, numpy.at(0)), "") << text;
}

}  // namespace

// numpy: np.max(np.zeros((2, 0, 3)), axis=1) and np.max(np.zeros((2, 0, 0)), axis=1) both raise
// "zero-size array to reduction operation maximum which has no identity"; np.argmax(np.zeros(
// (0, 0)), axis=1) raises "attempt to get argmax of an empty sequence". kiln raised when the
// result had elements, but returned an empty array when another axis was empty too.
TEST(FuzzRegression, MaxMinArgmaxOverEmptyAxisWithEmptyResultRaise) {
  const Array a = zeros({2, 0, 0}, float32);
  EXPECT_THROW(max(a, 1).eval(), Error);
  EXPECT_THROW(min(a, std::vector<int>{1}, true).eval(), Error);
  EXPECT_THROW(argmax(zeros({0, 0}), 1).eval(), Error);
  EXPECT_EQ(argmin(zeros({1, 0}), 0, true).shape(), (Shape{1, 0}));  // length-1 axis: no error
}

// The case with a non-empty result already raises; kept so the two stay consistent.
TEST(FuzzRegression, MaxOverEmptyAxisWithElementsRaises) {
  EXPECT_THROW(max(zeros({2, 0, 3}), 1).eval(), Error);
  EXPECT_THROW(argmax(zeros({3, 0}), 1).eval(), Error);
}

// numpy: r = np.zeros((0, 0), np.int32).sum(axis=0)[None, :]; r.prod(axis=1) -> array([1]),
// shape (1,). kiln aborts the process while scheduling when the view (r) and the reduction over
// it are evaluated together (also with an elementwise op before the view, e.g. -s, and with
// all(axis=0) / flatten / var in place of sum / reshape / prod):
//   kiln internal error at src/schedule/lower.cpp:249: a view's operand was neither stored nor
//   a leaf
TEST(FuzzRegression, ProductOverViewOfEmptySumEvaluatedTogether) {
  // In a child process: the bug aborted the process.
  EXPECT_EXIT(
      {
        const Array s = sum(zeros({0, 0}, int32), 0);  // int64, shape (0,)
        const Array v = reshape(s, {1, 0});
        const Array p = prod(v, 1);  // int64, shape (1,): [1]
        kiln::eval({s, v, p});
        std::exit(p.shape() == Shape{1} && p.item<int64_t>() == 1 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// numpy: r = np.zeros(2, np.float32); r[np.array(1)] = np.array([True]) -> [0, 1]. Assignment
// (scatter's model) accepts values with extra leading axes of length 1; kiln raised "values of
// shape (1,) do not broadcast to the scattered shape ()".
TEST(FuzzRegression, ScatterAcceptsValuesWithLeadingUnitAxes) {
  const Array r = scatter(zeros({2}), array(std::vector<int64_t>{1}, Shape{}),
                          array(std::vector<bool>{true}), 0);
  EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{0, 1}));
  const Array q = scatter(zeros({2, 3}), array(std::vector<int64_t>{1}), ones({1, 1, 2, 1}), 1);
  EXPECT_EQ(q.to_vector<float>(), (std::vector<float>{0, 1, 0, 0, 1, 0}));
  // numpy 1.24's add.at accepts extra leading axes in some keys ((slice(None), -1) with values
  // of shape (1, 2) into (2,)) and fails on an internal reshape in others (values (1,1,1,2,1)
  // into (1,1,2,3)); scatter_add keeps to the documented rule: values broadcast to the target.
  EXPECT_THROW(
      scatter_add(zeros({2, 3}), array(std::vector<int64_t>{-1}, Shape{}), ones({1, 2}), 1), Error);
  EXPECT_THROW(scatter_add(zeros({2}), array(std::vector<int64_t>{1}, Shape{}),
                           array(std::vector<float>{5}), 0)
                   .eval(),
               Error);
}

// numpy: np.cumsum(np.array([-0.0, -0.0], np.float32)) -> [-0., -0.] (the first output is the
// first input). The fuzzer compares order-dependent sums with a tolerance (signed zeros equal),
// so this is checked here.
TEST(FuzzRegression, CumsumKeepsNegativeZero) {
  const auto v = cumsum(array({-0.0f, -0.0f})).to_vector<float>();
  EXPECT_TRUE(std::signbit(v[0]) && std::signbit(v[1]));
}

// numpy: np.squeeze(np.zeros(1), (0, 0)) and np.squeeze(np.zeros(1), (-1, 0)) raise
// "duplicate value in 'axis'"; kiln squeezes (a 0-d array).
TEST(FuzzRegression, SqueezeRefusesRepeatedAxes) {
  EXPECT_THROW(squeeze(zeros({1}), std::vector<int>{0, 0}), Error);
  EXPECT_THROW(squeeze(zeros({1}), std::vector<int>{-1, 0}), Error);
  EXPECT_THROW(squeeze(zeros({3, 1}), std::vector<int>{1, -1}), Error);
}

// numpy: np.dot(np.zeros((2, 0)), np.zeros((2, 0, 3))) -> zeros of shape (2, 2, 3), and
// np.dot(np.zeros((2, 0, 0)), np.zeros((2, 0, 3))).shape == (2, 0, 2, 3). kiln raises
// "[reshape] cannot reshape an array of size 0 into shape (-1,0)" (an internal reshape of
// N-d dot when the contracted axis is empty).
TEST(FuzzRegression, NdDotOverEmptyAxis) {
  const Array r = dot(zeros({2, 0}), zeros({2, 0, 3}));
  EXPECT_EQ(r.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(r.to_vector<float>(), std::vector<float>(12, 0.f));
  EXPECT_EQ(dot(zeros({2, 0, 0}), zeros({2, 0, 3})).shape(), (Shape{2, 0, 2, 3}));
}

// Programs that disagreed because of the fuzzer (each line: why), replayed through both sides.
TEST(FuzzRegression, FuzzerSideFixes) {
  // cosh of an integer-valued input is a math-library result (4 ulp), not an exact one.
  expect_agree(
      "v0 = linspace|S:float:0x1.8p+1|S:int:6|S:int:1|S:bool:0|D:int32\n"
      "v1 = cosh|V:0\n");
  // Out-of-bound scatter index on an empty array: numpy 1.24 ignores it (deprecated), kiln
  // raises: excluded (the program stops there).
  expect_agree(
      "v0 = eye|S:int:0|D:float32\n"
      "v1 = scatter|V:0|A:int32:2,2:0,0,0,0|AL:float32::0x1p+0|I:0\n");
  // clip with a Python bool bound: numpy 1.24 promotes it strongly; never generated, and the
  // program with an int bound agrees.
  expect_agree("v0 = zeros|H:|D:float32\nv1 = clip|V:0|S:int:1|S:int:-3\n");
  // cumsum of -0.0 values: compared with the summation tolerance (see CumsumKeepsNegativeZero).
  expect_agree(
      "v0 = full|H:|S:int:-1|D:float32\n"
      "v1 = outer|V:0|AL:bool:3:0,0,0\n"
      "v2 = cumsum|V:1|X:none\n");
  // clip with a 0-d bool bound (numpy 1.24 gives float64) or a nan bound (numpy 1.24 ignores
  // it): excluded, the program stops there.
  expect_agree(
      "v0 = arange|S:int:1|S:int:1|S:int:2|D:float32\n"
      "v1 = clip|V:0|AL:bool::1|S:float:0x1p-2\n");
  expect_agree(
      "v0 = zeros|H:1,2|D:int64\n"
      "v1 = clip|V:0|V:0|AL:float64::nan\n");
  // A value derived from a sum of zeros (whose sign numpy and kiln may decide differently)
  // stays approximate: numpy's cumsum of [-0.0] is -0.0, kiln's +0.0, and v4 is a view of it.
  expect_agree(
      "v0 = zeros|H:5,3,2|D:float32\n"
      "v1 = min|V:0|X:none|S:bool:0\n"
      "v2 = __neg__|V:1\n"
      "v3 = cumsum|V:2|X:none\n"
      "v4 = index|V:3|K:\n");
  // Values that do not broadcast to an empty scattered part: numpy 1.24 skips the check.
  expect_agree(
      "v0 = zeros|H:1,4|D:float64\n"
      "v1 = scatter|V:0|A:int32:0:|A:bool:3,1,0:|I:-1\n");
  // The min of 0.0 and -0.0 may be either: what is taken from it may differ in the zero's sign
  // too (seed 21, program 32155: kiln -0, numpy 0).
  expect_agree(
      "v0 = zeros|H:3,5|D:float64\n"
      "v1 = multiply|V:0|A:float64:3,5:0x1.fp+1,0x1.2p+0,-0x1.4p-1,0x1.cp+1,0x1.8p+1,0x1.6p+1,"
      "-0x1.9p+1,-0x1.ap+0,0x1.cp+0,-0x1.ep+1,0x1.2p+1,-0x1.2p+0,0x1.3p+1,-0x1p+1,"
      "0x1.999999999999ap-4\n"
      "v2 = min|V:1|X:none|S:bool:1\n"
      "v3 = take|V:2|A:int32:2,1:0,0|X:none\n");
}

// Found once complex64 was fuzzed. Logical ops test each operand for truth on its own, so a
// complex64 operand with a float64 or integer one (or a C++ complex) needs no complex128: numpy
// gives bool, kiln refused. A C++ complex converts to bool by its truth.
TEST(FuzzRegression, LogicalOpsOnComplexWithWiderReals) {
  const Array z = array(std::vector<std::complex<float>>{{0, 0}, {0, 1}, {2, 0}});
  const Array d = array(std::vector<double>{1, 1, 0});
  EXPECT_EQ(logical_and(z, d).to_vector<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(
      logical_xor(std::complex<double>(0, 1), array(std::vector<int64_t>{0, 3})).to_vector<bool>(),
      (std::vector<bool>{true, false}));
  EXPECT_EQ(logical_or(z, std::complex<double>(0, 0)).to_vector<bool>(),
            (std::vector<bool>{false, true, true}));
}

// numpy: r[idx] = 1.5+0.25j raises TypeError for a float or integer r, and sets True in a bool
// r; np.add.at(float32 r, idx, complex scalar) refuses the cast; np.add.at(complex64 r, idx,
// float64 values) computes in complex128 and casts back (kiln: in complex64, a rounding apart).
TEST(FuzzRegression, ComplexScalarsAndValuesInScatters) {
  const Array idx = array(std::vector<int64_t>{1});
  EXPECT_THROW(scatter(zeros({3}), idx, std::complex<double>(1.5, 0.25)), Error);
  EXPECT_EQ(scatter(zeros({2}, bool_), idx, std::complex<double>(0, 1)).to_vector<bool>(),
            (std::vector<bool>{false, true}));
  EXPECT_THROW(scatter_add(zeros({3}), idx, std::complex<double>(1, -0.25)), Error);
  const Array r = scatter_add(zeros({2}, complex64), idx, array(std::vector<double>{0.5}));
  EXPECT_EQ(r.to_vector<std::complex<float>>()[1], std::complex<float>(0.5f, 0.0f));
}

// numpy: np.power(np.zeros((0, 0), bool), -5) is an empty int array: the negative exponent is
// refused only where an element is computed. kiln refused it at the call.
TEST(FuzzRegression, NegativeIntegerPowerOfAnEmptyArray) {
  EXPECT_EQ(power(zeros({0, 0}, int64), -5).shape(), (Shape{0, 0}));
  EXPECT_THROW(power(zeros({1}, int64), -5), Error);
}

// A view of a stored gather read by a kernel of the same shape: the scheduler put the gather
// in that same kernel and the view then read positions not computed yet (an internal error,
// abort). Views, like gathers, now read only results of earlier kernels.
TEST(FuzzRegression, ViewOfAGatherReadInAKernelOfItsShape) {
  const Array v0 = array(std::vector<double>{-3.5, 0.75, -2, -2, -3, 3.125}, {2, 3}).T();
  const Array v3 = take_along_axis(v0, array(std::vector<int64_t>{-2, 1}, {2, 1}), 0);
  const Array v4 = transpose(v3);
  const Array v5 = clip(v3, v4, 1);
  kiln::eval({v3, v4, v5});
  // v0 = [[-3.5, -2], [0.75, -3], [-2, 3.125]]; rows -2 (= 1) and 1: [[0.75, -3], [0.75, -3]];
  // clip(v3, v3.T, 1) = minimum(maximum(v3, v3.T), 1) (numpy gives the same).
  EXPECT_EQ(v3.to_vector<double>(), (std::vector<double>{0.75, -3, 0.75, -3}));
  EXPECT_EQ(v5.to_vector<double>(), (std::vector<double>{0.75, 0.75, 0.75, -3}));
}

// Found once complex128 was fuzzed (seed 77, program 1224). An empty complex128 operand inside
// a kernel (any() over a where() of an empty array) was lowered to a complex128 constant, which
// has no 64-bit form: the scheduler's invalid-IR check aborted the process. Now complex(0, 0).
TEST(FuzzRegression, EmptyComplex128OperandInsideAKernel) {
  expect_agree(
      "v0 = full|H:0,4|S:float:0x1p-1|D:complex128\n"
      "v1 = where|A:bool::1|V:0|V:0\n"
      "v2 = any|V:1|X:none|S:bool:1\n"
      "v3 = take_along_axis|V:1|A:int64:1,4:0,0,0,0|I:-2\n");
  const Array z = zeros({0, 4}, complex128);
  EXPECT_EQ(any(where(true, z, z)).item<bool>(), false);
  EXPECT_EQ(sum(z * std::complex<double>(1, 2), 0).to_vector<std::complex<double>>(),
            std::vector<std::complex<double>>(4));
}

// Seed 77, program 5884: clip computes in the result type of all three operands (numpy's
// 3-operand ufunc), so a float32 array clipped to the C++ double 0.1 and an int64 array is
// float64 with the bound 0.1 exactly; kiln clipped to float32(0.1) first.
TEST(FuzzRegression, ClipIsComputedInTheTypeOfAllThreeOperands) {
  expect_agree(
      "v0 = zeros|H:3|D:bool\n"
      "v1 = log10|V:0\n"
      "v2 = scatter|V:1|A:int64::2|AL:float32::0x1.8p-2|I:0\n"
      "v3 = clip|V:2|S:float:0x1.999999999999ap-4|A:int64:3:9,2,7\n");
  const Array c =
      clip(array(std::vector<float>{-1.f, 0.375f}), 0.1, array(std::vector<int64_t>{9, 7}));
  EXPECT_EQ(c.dtype(), float64);
  EXPECT_EQ(c.to_vector<double>(), (std::vector<double>{0.1, 0.375}));
}
