// Each pass on small hand-built graphs.
#include <gtest/gtest.h>

#include "graph/payload.hpp"
#include "passes/cse.hpp"
#include "passes/dce.hpp"
#include "passes/fold_constants.hpp"
#include "passes/pipeline.hpp"
#include "passes/rules.hpp"
#include "unit/graph_builder.hpp"

using namespace kiln;
using namespace kiln::graph;

namespace {
using Builder = kiln_test::GraphBuilder;
}  // namespace

TEST(FoldConstants, FoldsOpsOnFullValues) {
  Builder b;
  const int32_t two = b.full(float32, to_bits(2.f), {4});
  const int32_t three = b.full(float32, to_bits(3.f));
  const int32_t m = b.op(Op::Multiply, float32, {two, three});
  const int32_t neg = b.op(Op::Negative, float32, {m});
  b.g.outputs = {neg};
  passes::fold_constants(b.g);
  passes::dce(b.g);
  ASSERT_EQ(b.g.nodes.size(), 1u);
  EXPECT_EQ(b.g.nodes[0].op, Op::Full);
  EXPECT_EQ(b.g.nodes[0].shape, (Dims{4}));
  EXPECT_EQ(from_bits<float>(b.g.nodes[0].payload.v[0]), -6.f);
}

TEST(FoldConstants, LeavesFailingOpsForTheKernel) {
  Builder b;
  const int32_t base = b.full(int64, to_bits<int64_t>(2), {3});
  const int32_t exp = b.full(int64, to_bits<int64_t>(-1));
  b.g.outputs = {b.op(Op::Power, int64, {base, exp})};
  passes::fold_constants(b.g);
  EXPECT_EQ(b.g.nodes[b.g.outputs[0]].op, Op::Power);
}

TEST(FoldConstants, WhereWithConstantCondition) {
  Builder b;
  const int32_t x = b.data(float32, {5});
  const int32_t y = b.data(float32, {5});
  const int32_t c = b.full(bool_, 1);
  b.g.outputs = {b.op(Op::Where, float32, {c, x, y})};
  passes::fold_constants(b.g);
  EXPECT_EQ(b.g.outputs[0], x);
}

TEST(Simplify, Involutions) {
  Builder b;
  const int32_t x = b.data(int32, {5});
  const int32_t n1 = b.op(Op::Negative, int32, {x});
  const int32_t n2 = b.op(Op::Negative, int32, {n1});
  const int32_t i1 = b.op(Op::Invert, int32, {n2});
  const int32_t i2 = b.op(Op::Invert, int32, {i1});
  b.g.outputs = {i2};
  passes::apply_rules(b.g, passes::OptimizeLevel::exact, false);
  EXPECT_EQ(b.g.outputs[0], x);
}

TEST(Simplify, CastThroughExactIntermediate) {
  Builder b;
  const int32_t x = b.data(int32, {5});
  const int32_t wide = b.op(Op::Cast, int64, {x});
  const int32_t f = b.op(Op::Cast, float64, {wide});
  const int32_t back = b.op(Op::Cast, int32, {b.op(Op::Cast, float64, {x})});
  b.g.outputs = {f, back};
  passes::apply_rules(b.g, passes::OptimizeLevel::exact, false);
  passes::dce(b.g);
  // int32 -> int64 -> float64 becomes int32 -> float64; int32 -> float64 -> int32 is x.
  EXPECT_EQ(b.g.nodes[b.g.outputs[0]].args[0], 0);
  EXPECT_EQ(b.g.outputs[1], 0);
}

TEST(Simplify, LossyCastChainsStay) {
  Builder b;
  const int32_t x = b.data(float64, {5});
  const int32_t narrow = b.op(Op::Cast, float32, {x});
  b.g.outputs = {b.op(Op::Cast, float64, {narrow})};
  passes::apply_rules(b.g, passes::OptimizeLevel::exact, false);
  EXPECT_EQ(b.g.nodes[b.g.outputs[0]].args[0], narrow);
}

TEST(Cse, MergesEqualNodes) {
  Builder b;
  const int32_t x = b.data(float32, {5});
  const int32_t a = b.op(Op::Exp, float32, {x});
  const int32_t c = b.op(Op::Exp, float32, {x});
  b.g.outputs = {b.op(Op::Add, float32, {a, c})};
  passes::cse(b.g);
  const GNode& sum = b.g.nodes[b.g.outputs[0]];
  EXPECT_EQ(sum.args[0], sum.args[1]);
}

TEST(Dce, RemovesDeadNodesAndRenumbers) {
  Builder b;
  const int32_t dead = b.data(float32, {5});
  const int32_t x = b.data(float32, {5});
  b.op(Op::Exp, float32, {dead});
  b.g.outputs = {b.op(Op::Sin, float32, {x})};
  passes::dce(b.g);
  ASSERT_EQ(b.g.nodes.size(), 2u);
  EXPECT_EQ(b.g.nodes[1].args[0], 0);
  EXPECT_EQ(b.g.outputs[0], 1);
  verify(b.g);
}

TEST(Pipeline, RunsInOrder) {
  Builder b;
  const int32_t x = b.data(float32, {5});
  const int32_t one = b.full(float32, to_bits(1.f));
  const int32_t neg = b.op(Op::Negative, float32, {one});
  const int32_t s1 = b.op(Op::Multiply, float32, {x, neg});
  const int32_t s2 = b.op(Op::Multiply, float32, {x, b.full(float32, to_bits(-1.f))});
  b.g.outputs = {b.op(Op::Add, float32, {s1, s2})};
  passes::run_pipeline(b.g, {});
  verify(b.g);
  // negative(1) folds to full(-1), which CSE then merges with the other -1: one multiply left.
  const GNode& sum = b.g.nodes[b.g.outputs[0]];
  EXPECT_EQ(sum.args[0], sum.args[1]);
  EXPECT_EQ(b.g.nodes.size(), 4u);
}
