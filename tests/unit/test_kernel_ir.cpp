// Kernel IR: canonical serialisation, validation, and cache keys.
#include <gtest/gtest.h>

#include "cache/key.hpp"
#include "graph/payload.hpp"
#include "jit/ir/kernel_ir.hpp"
#include "unit/kernel_ir_builders.hpp"

using namespace kiln;
using namespace kiln::ir;

namespace {
// out = exp(load(a) * param) + index-as-float
KernelIR sample() {
  KernelIR k;
  k.rank = 2;
  k.num_params = 1;
  k.accesses = {{0b11, Inner::Unit, float32, 1, 0}, {0b10, Inner::Unit, int64, 0, 0}};
  const auto instr = kiln_test::make_instr;
  k.instrs = {
      instr(InstrKind::Load, graph::Op::Data, float32, {}, 0),
      instr(InstrKind::Param, graph::Op::Data, float32, {}, 0),
      instr(InstrKind::Compute, graph::Op::Multiply, float32, {0, 1}, 0),
      instr(InstrKind::Compute, graph::Op::Exp, float32, {2}, 0),
      instr(InstrKind::Index, graph::Op::Data, int64, {}, 1),
      instr(InstrKind::Compute, graph::Op::Cast, float32, {4}, 0),
      instr(InstrKind::Compute, graph::Op::Add, float32, {3, 5}, 0),
  };
  k.outputs = {{6, float32, {}}};
  return k;
}
}  // namespace

TEST(KernelIR, RoundTripsThroughBytes) {
  const KernelIR k = sample();
  ASSERT_EQ(validate(k), "");
  std::vector<uint8_t> bytes;
  serialize(k, bytes);
  KernelIR back;
  ASSERT_TRUE(deserialize(bytes.data(), bytes.size(), back));
  std::vector<uint8_t> again;
  serialize(back, again);
  EXPECT_EQ(bytes, again);
  EXPECT_EQ(to_text(k), to_text(back));
}

TEST(KernelIR, RejectsMalformedBytes) {
  std::vector<uint8_t> bytes;
  serialize(sample(), bytes);
  KernelIR out;
  for (size_t cut = 0; cut < bytes.size(); ++cut)
    EXPECT_FALSE(deserialize(bytes.data(), cut, out)) << cut;
  auto bad = bytes;
  bad[4] ^= 1;  // ABI version
  EXPECT_FALSE(deserialize(bad.data(), bad.size(), out));
}

TEST(KernelIR, ValidationCatchesMistakes) {
  KernelIR k = sample();
  k.instrs[2].args[1] = 5;  // operand after its user
  EXPECT_NE(validate(k), "");
  k = sample();
  k.instrs[6].args[1] = 4;  // int64 operand to a float32 add
  EXPECT_NE(validate(k), "");
  k = sample();
  k.accesses[0].inner = Inner::None;  // says the innermost dim does not vary, but it does
  EXPECT_NE(validate(k), "");
  k = sample();
  k.instrs[1].imm = 3;  // param slot out of range
  EXPECT_NE(validate(k), "");
}

TEST(KernelIR, ParamLayout) {
  const KernelIR k = sample();
  EXPECT_EQ(k.dims_slot(), 1u);
  EXPECT_EQ(k.access_slot(0), 3u);  // offset, then 2 strides
  EXPECT_EQ(k.access_slot(1), 6u);  // offset, then 1 stride
  EXPECT_EQ(k.num_param_slots(), 8u);
  EXPECT_EQ(k.num_input_buffers(), 1u);
}

TEST(CacheKey, CoversIrAndTargetOnly) {
  std::vector<uint8_t> a, b;
  serialize(sample(), a);
  KernelIR other = sample();
  other.instrs[3].op = graph::Op::Sin;
  serialize(other, b);
  const cache::Key ka = cache::make_key(a, "cpu;znver5");
  EXPECT_EQ(ka, cache::make_key(a, "cpu;znver5"));
  EXPECT_NE(ka, cache::make_key(b, "cpu;znver5"));
  EXPECT_NE(ka, cache::make_key(a, "cpu;skylake"));
  EXPECT_EQ(ka.hex().size(), 32u);
  // The same IR gives the same key in every process: pin one value.
  std::vector<uint8_t> empty;
  EXPECT_EQ(cache::make_key(empty, "").hex(), cache::make_key(empty, "").hex());
}

TEST(KernelIR, WindowOutputsTakeAStridePerDimensionAfterTheAccesses) {
  KernelIR k = sample();
  Output w;
  w.instr = 3;
  w.dtype = float32;
  w.window = 1;
  w.inner = Inner::Strided;
  k.outputs.push_back(w);
  k.outputs.push_back(w);
  ASSERT_EQ(validate(k), "");
  EXPECT_EQ(k.output_slot(0), 8u);  // after the accesses: a contiguous output takes none
  EXPECT_EQ(k.output_slot(1), 8u);
  EXPECT_EQ(k.output_slot(2), 10u);  // rank 2
  EXPECT_EQ(k.num_param_slots(), 12u);
  std::vector<uint8_t> bytes, plain;
  serialize(k, bytes);
  serialize(sample(), plain);
  KernelIR back;
  ASSERT_TRUE(deserialize(bytes.data(), bytes.size(), back));
  EXPECT_EQ(back.outputs[1].window, 1);
  EXPECT_EQ(back.outputs[1].inner, Inner::Strided);
  EXPECT_NE(to_text(k).find("window inner=strided"), std::string::npos);
  k.outputs[1].inner = Inner::None;  // a window must say how its innermost stride behaves
  EXPECT_NE(validate(k), "");
  k.outputs[1].inner = Inner::Unit;
  k.outputs[0].inner = Inner::Unit;  // a contiguous output has no stride kind
  EXPECT_NE(validate(k), "");
  k.outputs[0].inner = Inner::None;
  k.kind = KernelKind::ReduceInner;  // windows are for map kernels only
  k.kept_rank = 1;
  EXPECT_NE(validate(k), "");
}

// sum(exp(m)) over the inner dimension, and exp(m) itself stored as the walk computes it.
TEST(KernelIR, ElementOutputsAreValuesOfAReductionsWalk) {
  KernelIR k;
  k.kind = KernelKind::ReduceInner;
  k.rank = 2;
  k.kept_rank = 1;
  k.accesses = {{0b11, Inner::Unit, float32, 1, 0}};
  const auto instr = kiln_test::make_instr;
  k.instrs = {instr(InstrKind::Load, graph::Op::Data, float32, {}, 0),
              instr(InstrKind::Compute, graph::Op::Exp, float32, {0}, 0),
              instr(InstrKind::Reduce, graph::Op::Sum, float32, {1}, 0)};
  Output total{2, float32, 0, Inner::None, 0}, each{1, float32, 0, Inner::None, 1};
  k.outputs = {total, each};
  ASSERT_EQ(validate(k), "");
  std::vector<uint8_t> bytes;
  serialize(k, bytes);
  KernelIR back;
  ASSERT_TRUE(deserialize(bytes.data(), bytes.size(), back));
  EXPECT_EQ(back.outputs[1].element, 1);
  EXPECT_EQ(back.outputs[0].element, 0);
  EXPECT_NE(to_text(k).find("store %1 element"), std::string::npos);
  KernelIR plain = k;
  plain.outputs[1].element = 0;  // the same IR storing exp(m) at finish is another kernel
  std::vector<uint8_t> other;
  serialize(plain, other);
  EXPECT_NE(bytes, other);

  KernelIR bad = k;
  bad.outputs[0].element = 1;  // the reduction's result exists only at finish
  EXPECT_NE(validate(bad), "");
  bad = k;
  bad.kind = KernelKind::ReduceOuter;  // only the inner walk visits positions in order
  EXPECT_NE(validate(bad), "");
  bad = k;
  bad.kind = KernelKind::Map;  // a map stores every output per element anyway
  bad.kept_rank = 0;
  bad.instrs.pop_back();
  bad.outputs = {each};
  EXPECT_NE(validate(bad), "");
  bad = k;
  bad.outputs[1].element = 2;
  EXPECT_NE(validate(bad), "");
}
