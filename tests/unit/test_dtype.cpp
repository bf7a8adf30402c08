// dtype promotion: numpy's promote_types, NEP 50 weak scalars, and the per-op type rules.
#include <gtest/gtest.h>

#include "graph/types.hpp"

using namespace kiln;
using graph::OperandType;

TEST(Promotion, MatchesNumpyPromoteTypes) {
  // numpy.promote_types over kiln's dtypes, in DType order (bool, int32, int64, float32,
  // float64, complex64, complex128, int8, int16, uint8, uint16, uint32, uint64, float16), printed
  // by numpy 1.24.
  const DType table[kNumDTypes][kNumDTypes] = {
      {bool_, int32, int64, float32, float64, complex64, complex128, int8, int16, uint8, uint16,
       uint32, uint64, float16},
      {int32, int32, int64, float64, float64, complex128, complex128, int32, int32, int32, int32,
       int64, float64, float64},
      {int64, int64, int64, float64, float64, complex128, complex128, int64, int64, int64, int64,
       int64, float64, float64},
      {float32, float64, float64, float32, float64, complex64, complex128, float32, float32,
       float32, float32, float64, float64, float32},
      {float64, float64, float64, float64, float64, complex128, complex128, float64, float64,
       float64, float64, float64, float64, float64},
      {complex64, complex128, complex128, complex64, complex128, complex64, complex128, complex64,
       complex64, complex64, complex64, complex128, complex128, complex64},
      {complex128, complex128, complex128, complex128, complex128, complex128, complex128,
       complex128, complex128, complex128, complex128, complex128, complex128, complex128},
      {int8, int32, int64, float32, float64, complex64, complex128, int8, int16, int16, int32,
       int64, float64, float16},
      {int16, int32, int64, float32, float64, complex64, complex128, int16, int16, int16, int32,
       int64, float64, float32},
      {uint8, int32, int64, float32, float64, complex64, complex128, int16, int16, uint8, uint16,
       uint32, uint64, float16},
      {uint16, int32, int64, float32, float64, complex64, complex128, int32, int32, uint16, uint16,
       uint32, uint64, float32},
      {uint32, int64, int64, float64, float64, complex128, complex128, int64, int64, uint32, uint32,
       uint32, uint64, float64},
      {uint64, float64, float64, float64, float64, complex128, complex128, float64, float64, uint64,
       uint64, uint64, uint64, float64},
      {float16, float64, float64, float32, float64, complex64, complex128, float16, float32,
       float16, float32, float64, float64, float16}};
  for (int a = 0; a < kNumDTypes; ++a)
    for (int b = 0; b < kNumDTypes; ++b)
      EXPECT_EQ(promote_types(DType(a), DType(b)), table[a][b])
          << dtype_name(DType(a)) << " " << dtype_name(DType(b));
}

TEST(Promotion, WeakScalarsFollowNep50) {
  auto rt = [](std::initializer_list<OperandType> ops) {
    return graph::result_type({ops.begin(), ops.size()});
  };
  const OperandType weak_int{int64, true}, weak_float{float64, true}, weak_bool{bool_, true};
  EXPECT_EQ(rt({{float32, false}, weak_float}), float32);  // float32_array * 2.0 stays float32
  EXPECT_EQ(rt({{int32, false}, weak_int}), int32);
  EXPECT_EQ(rt({{int32, false}, weak_float}), float64);  // kind rises: default float
  EXPECT_EQ(rt({{bool_, false}, weak_int}), int64);
  EXPECT_EQ(rt({{bool_, false}, weak_float}), float64);
  EXPECT_EQ(rt({{bool_, false}, weak_bool}), bool_);
  EXPECT_EQ(rt({{float32, false}, weak_int}), float32);
  EXPECT_EQ(rt({weak_int, weak_float}), float64);  // all weak: default of the top kind
  EXPECT_EQ(rt({weak_int, weak_int}), int64);
  EXPECT_EQ(rt({{int32, false}, {float32, false}}), float64);  // strong arrays as numpy
  EXPECT_EQ(rt({{int32, false}, weak_int, weak_float}), float64);
}

TEST(TypeRules, PerRule) {
  graph::OpTypes t;
  std::string_view why;
  ASSERT_TRUE(graph::op_types(graph::Op::Divide, int32, t, why));
  EXPECT_EQ(t.result, float64);
  ASSERT_TRUE(graph::op_types(graph::Op::Sqrt, bool_, t, why));
  EXPECT_EQ(t.result, float16);  // as numpy
  ASSERT_TRUE(graph::op_types(graph::Op::Sqrt, int16, t, why));
  EXPECT_EQ(t.result, float32);
  ASSERT_TRUE(graph::op_types(graph::Op::Divide, float16, t, why));
  EXPECT_EQ(t.result, float16);
  EXPECT_EQ(graph::reduce_types(graph::Op::Sum, float16).result, float16);
  EXPECT_EQ(graph::reduce_types(graph::Op::Sum, float16).accumulator, float64);
  EXPECT_EQ(graph::reduce_types(graph::Op::Max, float16).accumulator, float32);
  ASSERT_TRUE(graph::op_types(graph::Op::FloorDivide, bool_, t, why));
  EXPECT_EQ(t.result, int8);  // as numpy
  ASSERT_TRUE(graph::op_types(graph::Op::Less, float32, t, why));
  EXPECT_EQ(t.compute, float32);
  EXPECT_EQ(t.result, bool_);
  ASSERT_TRUE(graph::op_types(graph::Op::LogicalAnd, float64, t, why));
  EXPECT_EQ(t.compute, bool_);
  EXPECT_FALSE(graph::op_types(graph::Op::Subtract, bool_, t, why));
  EXPECT_FALSE(graph::op_types(graph::Op::Negative, bool_, t, why));
  EXPECT_FALSE(graph::op_types(graph::Op::BitwiseAnd, float32, t, why));
  EXPECT_FALSE(graph::op_types(graph::Op::LeftShift, float64, t, why));
  EXPECT_FALSE(graph::op_types(graph::Op::Sign, bool_, t, why));
  ASSERT_TRUE(graph::op_types(graph::Op::Divide, bool_, t, why));
  EXPECT_EQ(t.result, float64);
  ASSERT_TRUE(graph::op_types(graph::Op::LeftShift, bool_, t, why));
  EXPECT_EQ(t.result, int8);
  EXPECT_FALSE(why.empty());
}

TEST(TypeRules, Casting) {
  EXPECT_TRUE(graph::is_exact_cast(int32, float64));
  EXPECT_FALSE(graph::is_exact_cast(int64, float64));
  EXPECT_FALSE(graph::is_exact_cast(int32, float32));
  EXPECT_TRUE(graph::can_cast_same_kind(float64, float32));
  EXPECT_TRUE(graph::is_exact_cast(uint8, float16));
  EXPECT_FALSE(graph::is_exact_cast(int16, float16));
  EXPECT_TRUE(graph::is_exact_cast(float16, float32));
  EXPECT_FALSE(graph::is_exact_cast(float32, float16));
  EXPECT_TRUE(graph::can_cast_same_kind(int64, float32));
  EXPECT_FALSE(graph::can_cast_same_kind(float32, int64));
  EXPECT_EQ(dtype_name(bool_), "bool");
  EXPECT_EQ(itemsize(float64), 8u);
  EXPECT_EQ(dtype_of<long long>(), int64);
  EXPECT_EQ(dtype_of<int>(), int32);
}
