// Reference semantics (numpy on x86-64) and the interpreter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "graph/payload.hpp"
#include "graph/reference.hpp"
#include "graph/scalar_math.hpp"
#include "kiln/error.hpp"

using namespace kiln;
using namespace kiln::graph;

TEST(ScalarMath, IntegerFloorDivisionAndRemainderFollowPython) {
  // Python: -7 // 2 == -4, -7 % 2 == 1, 7 // -2 == -4, 7 % -2 == -1.
  EXPECT_EQ(ref::floor_divide<int32_t>(-7, 2), -4);
  EXPECT_EQ(ref::remainder<int32_t>(-7, 2), 1);
  EXPECT_EQ(ref::floor_divide<int32_t>(7, -2), -4);
  EXPECT_EQ(ref::remainder<int32_t>(7, -2), -1);
  EXPECT_EQ(ref::floor_divide<int32_t>(6, -2), -3);
  EXPECT_EQ(ref::remainder<int32_t>(6, -2), 0);
  // numpy: division by zero gives 0; MIN // -1 gives MIN.
  EXPECT_EQ(ref::floor_divide<int64_t>(5, 0), 0);
  EXPECT_EQ(ref::remainder<int64_t>(5, 0), 0);
  const int32_t min = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(ref::floor_divide<int32_t>(min, -1), min);
  EXPECT_EQ(ref::remainder<int32_t>(min, -1), 0);
}

TEST(ScalarMath, FloatFloorDivisionAndRemainder) {
  EXPECT_EQ(ref::floor_divide(-7.0, 2.0), -4.0);
  EXPECT_EQ(ref::remainder(-7.0, 2.0), 1.0);
  EXPECT_EQ(ref::remainder(7.5, -2.0), -0.5);
  EXPECT_TRUE(std::signbit(ref::remainder(4.0, -2.0)));  // zero takes the divisor's sign
  EXPECT_FALSE(std::signbit(ref::remainder(-4.0, 2.0)));
  EXPECT_EQ(ref::floor_divide(1.0, 0.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(ref::remainder(1.0, 0.0)));
  EXPECT_TRUE(std::isnan(ref::floor_divide(0.0, 0.0)));
}

TEST(ScalarMath, CastsAsNumpyOnX86) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(ref::cast<int32_t>(nan), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(ref::cast<int32_t>(3e9), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(ref::cast<int32_t>(-2.7), -2);
  EXPECT_EQ(ref::cast<int64_t>(1e19f), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ref::cast<int32_t>(int64_t{1} << 32 | 5), 5);  // wraps
  EXPECT_TRUE(ref::cast<bool>(nan));
  EXPECT_FALSE(ref::cast<bool>(-0.0));
  EXPECT_EQ(ref::cast<float>(true), 1.f);
}

TEST(ScalarMath, WrappingAndShifts) {
  bool fail = false;
  const int32_t max = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(ref::binary<int32_t>(Op::Add, max, 1, fail), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(ref::binary<int32_t>(Op::Power, 3, 40, fail), ref::int_power<int32_t>(3, 40));
  EXPECT_EQ(ref::binary<int64_t>(Op::Power, 2, 10, fail), 1024);
  EXPECT_FALSE(fail);
  ref::binary<int64_t>(Op::Power, 2, -1, fail);
  EXPECT_TRUE(fail);
  fail = false;
  EXPECT_EQ(ref::binary<int32_t>(Op::LeftShift, 1, 32, fail), 0);
  EXPECT_EQ(ref::binary<int32_t>(Op::RightShift, -8, 40, fail), -1);
  EXPECT_EQ(ref::binary<int32_t>(Op::RightShift, -8, 1, fail), -4);
  EXPECT_EQ(ref::binary<int32_t>(Op::LeftShift, 1, -1, fail), 0);
  EXPECT_EQ(ref::unary<int32_t>(Op::Abs, std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::min());
}

TEST(ScalarMath, MaximumPropagatesNanAndTiesTakeTheSecond) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(ref::fmaximum(nan, 1.f)));
  EXPECT_TRUE(std::isnan(ref::fmaximum(1.f, nan)));
  EXPECT_TRUE(std::isnan(ref::fminimum(1.f, nan)));
  EXPECT_FALSE(std::signbit(ref::fmaximum(-0.f, 0.f)));  // numpy: maximum(-0.0, 0.0) == 0.0
  EXPECT_TRUE(std::signbit(ref::fmaximum(0.f, -0.f)));   // numpy: maximum(0.0, -0.0) == -0.0
  EXPECT_EQ(ref::unary<float>(Op::Sign, -3.f), -1.f);
  EXPECT_TRUE(std::isnan(ref::unary<float>(Op::Sign, nan)));
}

TEST(Interpreter, LeavesAndBroadcasting) {
  Graph g;
  GNode ar;
  ar.op = Op::Arange;
  ar.dtype = int64;
  ar.shape = Dims{3};
  ar.payload.v[0] = to_bits<int64_t>(10);
  ar.payload.v[1] = to_bits<int64_t>(5);
  const int32_t a = g.add(ar);
  GNode eye;
  eye.op = Op::Eye;
  eye.dtype = int64;
  eye.shape = Dims{3, 3};
  eye.payload.v[0] = 4;
  const int32_t e = g.add(eye);
  GNode add;
  add.op = Op::Add;
  add.dtype = int64;
  add.nargs = 2;
  add.args[0] = e;
  add.args[1] = a;
  add.shape = Dims{3, 3};
  g.outputs = {g.add(add)};
  verify(g);
  const auto out = interpret(g);
  const int64_t want[] = {11, 15, 20, 10, 16, 20, 10, 15, 21};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(out[0].at<int64_t>(i), want[i]) << i;
}

TEST(Interpreter, LinspaceMatchesNumpyFormula) {
  Payload p;
  p.v[0] = to_bits(0.0);
  p.v[1] = to_bits(0.25);
  p.v[2] = to_bits(1.0);
  p.v[3] = LinspaceTail{5, true, false}.pack();
  EXPECT_EQ(from_bits<double>(leaf_value_bits(Op::Linspace, float64, p, 3)), 0.75);
  EXPECT_EQ(from_bits<double>(leaf_value_bits(Op::Linspace, float64, p, 4)), 1.0);
  EXPECT_EQ(from_bits<int64_t>(leaf_value_bits(Op::Linspace, int64, p, 3)), 0);  // floored
}

TEST(Interpreter, NegativeIntegerPowerRaises) {
  Graph g;
  GNode base;
  base.op = Op::Full;
  base.dtype = int64;
  base.shape = Dims{2};
  base.payload.v[0] = to_bits<int64_t>(2);
  const int32_t b = g.add(base);
  GNode ex = base;
  ex.payload.v[0] = to_bits<int64_t>(-2);
  const int32_t e = g.add(ex);
  GNode pw;
  pw.op = Op::Power;
  pw.dtype = int64;
  pw.nargs = 2;
  pw.args[0] = b;
  pw.args[1] = e;
  pw.shape = Dims{2};
  pw.loc = {"prog.cpp", 7};
  g.outputs = {g.add(pw)};
  try {
    interpret(g);
    FAIL() << "expected an error";
  } catch (const Error& err) {
    EXPECT_STREQ(err.what(),
                 "[power] integers to negative integer powers are not allowed (at prog.cpp:7)");
  }
}
