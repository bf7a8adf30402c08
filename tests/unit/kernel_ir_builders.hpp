// Hand-written kernel IR for the IR and backend unit tests.
#pragma once

#include <initializer_list>

#include "jit/ir/kernel_ir.hpp"

namespace kiln_test {

/// One instruction: its kind, op, result dtype, operand instructions and immediate.
inline kiln::ir::Instr make_instr(kiln::ir::InstrKind kind, kiln::graph::Op op, kiln::DType t,
                                  std::initializer_list<uint32_t> args, uint64_t imm = 0) {
  kiln::ir::Instr i;
  i.kind = kind;
  i.op = op;
  i.dtype = t;
  for (uint32_t a : args) i.args[i.nargs++] = a;
  i.imm = imm;
  return i;
}

/// out[i, j] = exp(m[i, j]) * v[j] + p over a 2-d space: a map with a math-library call, a
/// broadcast input (v) and a scalar parameter (p). Params: [p, dims..., m's offset and two
/// strides, v's offset and stride].
inline kiln::ir::KernelIR broadcast_rows_kernel() {
  using namespace kiln::ir;
  using kiln::float32;
  using kiln::graph::Op;
  KernelIR k;
  k.rank = 2;
  k.num_params = 1;
  k.accesses = {{0b11, Inner::Unit, float32, 1, 0}, {0b10, Inner::Unit, float32, 1, 0}};
  k.instrs = {make_instr(InstrKind::Load, Op::Data, float32, {}, 0),
              make_instr(InstrKind::Compute, Op::Exp, float32, {0}),
              make_instr(InstrKind::Load, Op::Data, float32, {}, 1),
              make_instr(InstrKind::Compute, Op::Multiply, float32, {1, 2}),
              make_instr(InstrKind::Param, Op::Data, float32, {}, 0),
              make_instr(InstrKind::Compute, Op::Add, float32, {3, 4})};
  k.outputs = {{5, float32, {}}};
  return k;
}

}  // namespace kiln_test
