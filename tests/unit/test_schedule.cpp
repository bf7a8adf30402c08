// The scheduler: grouping, what gets stored, dimension collapsing, parameters.
#include <gtest/gtest.h>

#include "graph/payload.hpp"
#include "passes/windows.hpp"
#include "schedule/schedule.hpp"
#include "unit/graph_builder.hpp"

using namespace kiln;
using namespace kiln::graph;

namespace {
using Builder = kiln_test::GraphBuilder;
}  // namespace

TEST(Schedule, SameShapeChainIsOneRankOneKernel) {
  Builder b;
  const int32_t x = b.data(float32, {64, 32});
  const int32_t y = b.data(float32, {64, 32});
  const int32_t s = b.op(Op::Add, float32, {x, y});
  b.g.outputs = {b.op(Op::Multiply, float32, {s, b.full(float32, to_bits(2.f))})};
  const schedule::Plan plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 1u);
  const auto& k = plan.kernels[0];
  EXPECT_EQ(k.ir.rank, 1);  // contiguous 2-d collapses to 1-d
  EXPECT_EQ(k.size, 64 * 32);
  EXPECT_EQ(k.ir.accesses.size(), 2u);
  EXPECT_EQ(k.params.size(), k.ir.num_param_slots());
  EXPECT_EQ(from_bits<float>(k.params[0]), 2.f);  // the scalar is a parameter, not code
}

TEST(Schedule, BroadcastKeepsPatternNotSizes) {
  Builder b1, b2;
  for (auto [bb, rows, cols] : {std::tuple{&b1, 8, 16}, std::tuple{&b2, 100, 3}}) {
    const int32_t m = bb->data(float32, {rows, cols});
    const int32_t v = bb->data(float32, {cols});
    bb->g.outputs = {bb->op(Op::Add, float32, {m, v})};
  }
  const auto p1 = schedule::make_plan(b1.g), p2 = schedule::make_plan(b2.g);
  std::vector<uint8_t> s1, s2;
  ir::serialize(p1.kernels[0].ir, s1);
  ir::serialize(p2.kernels[0].ir, s2);
  EXPECT_EQ(s1, s2);  // same structure, different sizes: one compiled kernel serves both
  EXPECT_EQ(p1.kernels[0].ir.rank, 2);
  EXPECT_EQ(p1.kernels[0].ir.accesses[1].varying, 0b10u);  // the vector varies along columns only
}

TEST(Schedule, BroadcastIntermediatesAreStoredFirst) {
  Builder b;
  const int32_t v = b.data(float32, {16});
  const int32_t e = b.op(Op::Exp, float32, {v});  // broadcast below: compute once, store
  const int32_t m = b.data(float32, {4, 16});
  b.g.outputs = {b.op(Op::Add, float32, {m, e})};
  const schedule::Plan plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 2u);
  EXPECT_EQ(plan.kernels[0].size, 16);
  EXPECT_EQ(plan.kernels[0].stores[0], e);
  ASSERT_EQ(plan.kernels[1].inputs.size(), 2u);
  EXPECT_EQ(plan.kernels[1].inputs[1].produced_by, e);
}

TEST(Schedule, OutputsOfOneShapeShareAKernel) {
  Builder b;
  const int32_t x = b.data(float64, {1000});
  const int32_t s = b.op(Op::Sin, float64, {x});
  const int32_t c = b.op(Op::Cos, float64, {x});
  b.g.outputs = {s, c, b.op(Op::Add, float64, {s, c})};
  const schedule::Plan plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 1u);
  EXPECT_EQ(plan.kernels[0].ir.outputs.size(), 3u);
  EXPECT_EQ(plan.kernels[0].ir.accesses.size(), 1u);  // x is read once
}

TEST(Schedule, IntegerPowerGetsAnErrorBit) {
  Builder b;
  const int32_t x = b.data(int64, {10});
  const int32_t y = b.data(int64, {10});
  GNode& dummy = b.g.nodes[y];
  (void)dummy;
  const int32_t p = b.op(Op::Power, int64, {x, y});
  b.g.nodes[p].loc = {"f.cpp", 3};
  b.g.outputs = {p};
  const schedule::Plan plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels[0].ir.num_error_bits, 1u);
  EXPECT_EQ(plan.kernels[0].error_sources[0].loc.line, 3u);
}

TEST(Schedule, SingleElementUsesUnitStrides) {
  Builder b;
  const int32_t x = b.data(float32, {1, 1});
  b.g.outputs = {b.op(Op::Sqrt, float32, {x})};
  const auto plan = schedule::make_plan(b.g);
  EXPECT_EQ(plan.kernels[0].ir.rank, 1);
  EXPECT_EQ(plan.kernels[0].ir.accesses[0].inner, ir::Inner::Unit);
}

TEST(Schedule, EmptyOutputsNeedNoKernel) {
  Builder b;
  const int32_t x = b.data(float32, {0, 3});
  b.g.outputs = {b.op(Op::Sqrt, float32, {x})};
  EXPECT_TRUE(schedule::make_plan(b.g).kernels.empty());
}

namespace {
int32_t reduce(Builder& b, Op op, int32_t x, uint64_t mask, DType t) {
  GNode n;
  n.op = op;
  n.dtype = t;
  n.nargs = 1;
  n.args[0] = x;
  const Dims& s = b.g.nodes[x].shape;
  for (int d = 0; d < s.rank(); ++d)
    if (!(mask >> d & 1)) n.shape.push_back(s[d]);
  n.payload.v[0] = mask;
  return b.g.add(n);
}
}  // namespace

TEST(Schedule, ReductionFusesWithItsProducer) {
  Builder b;
  const int32_t x = b.data(float32, {1000});
  const int32_t sq = b.op(Op::Multiply, float32, {x, x});
  b.g.outputs = {reduce(b, Op::Sum, sq, 1, float32)};
  const auto plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 1u);
  const auto& k = plan.kernels[0];
  EXPECT_EQ(k.ir.kind, ir::KernelKind::ReduceInner);
  EXPECT_EQ(k.ir.rank, 2);  // a kept dimension of extent 1, then the reduced one
  EXPECT_EQ(k.ir.kept_rank, 1);
  EXPECT_EQ(k.size, 1);
  EXPECT_EQ(k.reduce_size, 1000);
  EXPECT_EQ(k.ir.num_accumulators(), 1u);
}

TEST(Schedule, OuterAxisReductionsAccumulateRows) {
  Builder b;
  const int32_t m = b.data(float64, {64, 128});
  b.g.outputs = {reduce(b, Op::Sum, m, 0b01, float64), reduce(b, Op::ArgMax, m, 0b01, int64)};
  const auto plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 1u);  // two reductions of one operand and axes: one kernel
  EXPECT_EQ(plan.kernels[0].ir.kind, ir::KernelKind::ReduceOuter);
  EXPECT_EQ(plan.kernels[0].ir.num_accumulators(), 3u);  // sum, argmax value and index
  Builder c;
  const int32_t n = c.data(float64, {64, 128});
  c.g.outputs = {reduce(c, Op::Sum, n, 0b10, float64)};
  EXPECT_EQ(schedule::make_plan(c.g).kernels[0].ir.kind, ir::KernelKind::ReduceInner);
}

TEST(Schedule, ReductionOfAReductionRunsInTwoStages) {
  Builder b;
  const int32_t m = b.data(float32, {16, 8});
  const int32_t rows = reduce(b, Op::Sum, m, 0b10, float32);
  b.g.outputs = {reduce(b, Op::Max, rows, 0b1, float32)};
  const auto plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 2u);
  EXPECT_EQ(plan.kernels[0].stores[0], rows);
  EXPECT_EQ(plan.kernels[1].inputs[0].produced_by, rows);
}

TEST(Schedule, OpsOnReductionResultsRunInTheFinish) {
  Builder b;
  const int32_t m = b.data(float32, {16, 8});
  const int32_t s = reduce(b, Op::Sum, m, 0b10, float32);
  b.g.outputs = {b.op(Op::Multiply, float32, {s, b.full(float32, to_bits(0.125f))})};  // a mean
  const auto plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 1u);
  EXPECT_EQ(plan.kernels[0].ir.outputs.size(), 1u);
}

TEST(Schedule, ViewsOfDataBecomeStridedAccesses) {
  Builder b;
  const int32_t m = b.data(float32, {4, 6});
  GNode t;
  t.op = Op::View;
  t.dtype = float32;
  t.nargs = 1;
  t.args[0] = m;
  t.shape = Dims{6, 4};
  t.strides = Dims{1, 6};
  const int32_t tv = b.g.add(t);
  b.g.outputs = {b.op(Op::Sqrt, float32, {tv})};
  const auto plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 1u);
  EXPECT_EQ(plan.kernels[0].ir.accesses[0].inner, ir::Inner::Strided);
  EXPECT_TRUE(schedule::is_contiguous_view(b.g.nodes[tv]) == false);
}

TEST(Schedule, ConcatenationAlongALaterAxisIsFilledThroughStridedWindows) {
  Builder b;
  const int32_t x = b.data(float32, {3, 4});
  const int32_t y = b.data(float32, {3, 2});
  const int32_t a = b.op(Op::Exp, float32, {x});
  GNode c;
  c.op = Op::Concatenate;
  c.dtype = float32;
  c.nargs = 2;
  c.args[0] = a;
  c.args[1] = b.op(Op::Sqrt, float32, {y});
  c.payload.v[0] = 1;
  c.shape = Dims{3, 6};
  const int32_t joined = b.g.add(c);
  const int32_t other = b.op(Op::Negative, float32, {a});  // `a` has a second reader
  b.g.outputs = {joined, other};
  passes::windows(b.g);
  // `a` is read elsewhere: a copy of it (a cast) takes its window instead.
  const GNode& first = b.g.nodes[b.g.nodes[b.g.outputs[0]].args[0]];
  EXPECT_EQ(first.op, Op::Cast);
  const schedule::Plan plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.window_bases.size(), 1u);
  EXPECT_EQ(plan.window_bases[0].elements, 18);
  int windows = 0;
  for (const schedule::KernelLaunch& k : plan.kernels) {
    ASSERT_EQ(k.windows.size(), k.ir.outputs.size());
    EXPECT_EQ(k.params.size(), k.ir.num_param_slots());
    for (size_t o = 0; o < k.windows.size(); ++o) {
      const schedule::Window& w = k.windows[o];
      if (w.base < 0) {
        EXPECT_EQ(k.ir.outputs[o].window, 0);
        continue;
      }
      ++windows;
      EXPECT_EQ(k.ir.outputs[o].window, 1);
      EXPECT_EQ(k.ir.outputs[o].inner, ir::Inner::Unit);
      EXPECT_EQ(w.strides, (Dims{6, 1}));
      EXPECT_EQ(w.offset, k.size == 12 ? 0 : 4);
      // Rows of the window are not contiguous with each other: the kernel keeps two dimensions.
      EXPECT_EQ(k.ir.rank, 2);
      const uint32_t s = k.ir.output_slot(static_cast<uint32_t>(o));
      EXPECT_EQ(k.params[s], 6u);
      EXPECT_EQ(k.params[s + 1], 1u);
    }
  }
  EXPECT_EQ(windows, 2);
}

// An update of writable data stores the value's kernel through its window into the data's own
// buffer (the window base's donor); data that is not writable is copied into a new buffer
// first, by a kernel at an earlier stage than the one storing the value.
TEST(Schedule, AnUpdateWritesTheDataInPlaceOnlyWhenItIsWritable) {
  for (const bool writable : {true, false}) {
    Builder b;
    const int32_t x = b.data(float32, {4, 6});
    const int32_t y = b.data(float32, {4});
    b.g.nodes[x].writable = writable;
    GNode u;
    u.op = Op::Update;
    u.dtype = float32;
    u.nargs = 2;
    u.args[0] = x;
    u.args[1] = b.op(Op::Sqrt, float32, {y});
    u.shape = Dims{4, 6};
    u.strides = Dims{6};  // column 2
    u.payload.v[0] = 2;
    b.g.outputs = {b.g.add(u)};
    passes::windows(b.g);
    const GNode& update = b.g.nodes[b.g.outputs[0]];
    EXPECT_EQ(update.payload.v[1], writable ? 1u : 0u);
    EXPECT_EQ(b.g.nodes[update.args[0]].op, writable ? Op::Data : Op::Cast);
    const schedule::Plan plan = schedule::make_plan(b.g);
    ASSERT_EQ(plan.window_bases.size(), 1u);
    EXPECT_EQ(plan.window_bases[0].donor, writable ? b.g.nodes[x].source : -1);
    ASSERT_EQ(plan.kernels.size(), writable ? 1u : 2u);
    const schedule::KernelLaunch& last = plan.kernels.back();
    ASSERT_EQ(last.windows.size(), 1u);
    EXPECT_EQ(last.windows[0].offset, 2);
    EXPECT_EQ(last.windows[0].strides, (Dims{6}));
    EXPECT_EQ(last.ir.outputs[0].inner, ir::Inner::Strided);
    if (!writable) {
      EXPECT_EQ(plan.kernels[0].windows[0].strides.rank(), 0);  // the copy, first
    }
  }
}

TEST(Schedule, MapsOfAFullReductionsElementsRunInItsWalk) {
  Builder b;
  const int32_t x = b.data(float32, {20, 50});
  const int32_t total = reduce(b, Op::Sum, b.op(Op::Exp, float32, {x}), 0b11, float32);
  const int32_t sine = b.op(Op::Sin, float32, {x});
  b.g.outputs = {total, sine, b.op(Op::Multiply, float32, {x, x})};
  const auto plan = schedule::make_plan(b.g);
  ASSERT_EQ(plan.kernels.size(), 1u);
  const auto& k = plan.kernels[0];
  EXPECT_EQ(k.ir.kind, ir::KernelKind::ReduceInner);
  EXPECT_EQ(k.ir.accesses.size(), 1u);  // x is read once for all three
  ASSERT_EQ(k.ir.outputs.size(), 3u);
  EXPECT_EQ(k.ir.outputs[0].element, 0);  // the sum, at finish
  EXPECT_EQ(k.ir.outputs[1].element, 1);
  EXPECT_EQ(k.ir.outputs[2].element, 1);
  EXPECT_EQ(k.stores[1], sine);
  EXPECT_EQ(k.reduce_size, 1000);

  // A reduction keeping an axis, a map reading the sum, a map into a concatenation's buffer:
  // each a kernel of its own.
  Builder r;
  const int32_t m = r.data(float32, {20, 50});
  r.g.outputs = {reduce(r, Op::Sum, m, 0b10, float32), r.op(Op::Sin, float32, {m})};
  EXPECT_EQ(schedule::make_plan(r.g).kernels.size(), 2u);
  Builder s;
  const int32_t v = s.data(float64, {300});
  const int32_t sv = reduce(s, Op::Sum, v, 0b1, float64);
  s.g.outputs = {sv, s.op(Op::Subtract, float64, {v, sv})};
  EXPECT_EQ(schedule::make_plan(s.g).kernels.size(), 2u);
  Builder c;
  const int32_t w = c.data(float32, {300});
  GNode joined;
  joined.op = Op::Concatenate;
  joined.dtype = float32;
  joined.nargs = 2;
  joined.args[0] = c.op(Op::Sin, float32, {w});
  joined.args[1] = c.op(Op::Cos, float32, {w});
  joined.shape = Dims{600};
  c.g.outputs = {reduce(c, Op::Sum, w, 0b1, float32), c.g.add(joined)};
  passes::windows(c.g);
  const auto windowed = schedule::make_plan(c.g);
  ASSERT_EQ(windowed.kernels.size(), 2u);
  for (const auto& kernel : windowed.kernels)
    for (const ir::Output& o : kernel.ir.outputs) EXPECT_EQ(o.element, 0);
}
