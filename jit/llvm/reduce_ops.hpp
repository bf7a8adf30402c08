// The reductions of a kernel as LLVM IR, shared by every LLVM target: each Reduce instruction's
// accumulator, its identity, how two partial results combine, and argmax/argmin's tie rule.
// The targets differ in how they walk the reduced positions (jit/cpu: chunked loops and
// accumulator rows; jit/cuda: threads, warp shuffles and shared memory), not in these.
#pragma once

#include <vector>

#include <llvm/IR/IRBuilder.h>

#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// One Reduce instruction of a kernel, with the dtypes it involves.
struct Reduction {
  uint32_t instr = 0;  ///< the Reduce instruction
  graph::Op op = graph::Op::Sum;
  DType operand = DType::float32;  ///< dtype of the reduced values
  DType acc = DType::float32;      ///< dtype it accumulates in
  DType result = DType::float32;   ///< dtype of the Reduce instruction
  uint32_t slot = 0;               ///< accumulator buffer (argmax: value, then index at slot+1)
  /// argmax and argmin carry an int64 position next to the value.
  bool with_index() const { return op == graph::Op::ArgMax || op == graph::Op::ArgMin; }
};

/// The Reduce instructions of `ir`, in instruction order.
std::vector<Reduction> reductions_of(const ir::KernelIR& ir);

/// The value every accumulator of `r` starts from (register form).
llvm::Value* reduction_identity(llvm::IRBuilder<>& b, const Reduction& r);

/// The index an arg reduction starts from (larger than every position).
llvm::Value* reduction_index_identity(llvm::IRBuilder<>& b);

/// acc (op) x, both of the accumulator dtype (or vectors of it). With `reassociate`, float sums
/// and products may be reordered (a GPU thread's loop); without, they are exact IEEE operations
/// in the order written (the CPU's fixed summation tree, ir::kTreeBlock).
llvm::Value* reduction_combine(llvm::IRBuilder<>& b, const Reduction& r, llvm::Value* acc,
                               llvm::Value* x, bool reassociate = true);

/// True for the reductions whose result depends on the order of their operands: float sums and
/// products (the CPU computes them in the fixed order of ir::kTreeBlock).
bool order_sensitive(const Reduction& r);

/// argmax/argmin: whether (x, xi) beats (acc, acci): strictly more extreme, a nan against a
/// number, or equal (both nan) at a smaller position, which is numpy's first extreme.
llvm::Value* reduction_better(llvm::IRBuilder<>& b, const Reduction& r, llvm::Value* acc,
                              llvm::Value* acci, llvm::Value* x, llvm::Value* xi);

}  // namespace kiln::jit
