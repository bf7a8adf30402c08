// Kernel IR -> LLVM IR for the per-element body of a kernel, shared by every LLVM target. The
// target builds the loops around it (jit/cpu: chunked loops; jit/cuda: grid-stride) and supplies
// the math library (libm/libmvec on the CPU, libdevice on NVPTX).
#pragma once

#include <functional>
#include <vector>

#include <llvm/IR/IRBuilder.h>

#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// LLVM type of a dtype in registers (bool is i1).
llvm::Type* value_type(llvm::LLVMContext& c, DType t);
/// LLVM type of a dtype in memory (bool is i8).
llvm::Type* memory_type(llvm::LLVMContext& c, DType t);

/// Emits the math-library ops (those with a `libm` column in ops.def) for one target.
class MathLib {
 public:
  virtual ~MathLib() = default;
  /// Emits `op` on `args` (all of dtype `t`, float32 or float64).
  virtual llvm::Value* call(llvm::IRBuilder<>& b, graph::Op op, DType t,
                            llvm::ArrayRef<llvm::Value*> args) = 0;
};

/// Where an instruction is computed: once per launch, once per row of the innermost loop, or
/// once per element. Emitting by level is loop-invariant code motion done by construction, so
/// the optimisation pipeline can stay short.
enum class Level : uint8_t { Invariant = 0, Row = 1, Element = 2 };

/// What the body needs from the loops around it.
struct BodyEnv {
  /// Element index (i64) of access `a` at the current position (only asked at a level where
  /// the access varies).
  std::function<llvm::Value*(uint32_t access)> index;
  /// Base pointer of buffer access `a`.
  std::function<llvm::Value*(uint32_t access)> base;
  /// Raw 64-bit parameter slot.
  std::function<llvm::Value*(uint32_t slot)> param;
  /// !noalias metadata for loads (the outputs' alias scopes), or null.
  llvm::MDNode* load_noalias = nullptr;
};

/// Emits kernel IR instructions as LLVM IR, level by level.
class BodyEmitter {
 public:
  BodyEmitter(const ir::KernelIR& ir, llvm::IRBuilder<>& b, MathLib& math);

  /// The level of each instruction.
  Level level(uint32_t instr) const { return levels_[instr]; }
  /// The level at which an access's index changes (Invariant if it never does).
  Level access_level(uint32_t access) const;

  /// Emits every instruction of level `l` at the builder's insertion point. Returns the OR of
  /// the error bits raised by them (i64), or null when none can be raised at this level.
  llvm::Value* emit(Level l, const BodyEnv& env);

  /// The value of an emitted instruction (in register form).
  llvm::Value* value(uint32_t instr) const { return values_[instr]; }

  /// Converts a register value to its in-memory form for a store (bool -> i8).
  llvm::Value* to_memory(llvm::Value* v, DType t);

 private:
  llvm::Value* emit_compute(const ir::Instr& in, llvm::Value*& fail);
  llvm::Value* emit_cast(llvm::Value* v, DType from, DType to);
  llvm::Value* emit_unary(graph::Op op, DType t, llvm::Value* x);
  llvm::Value* emit_binary(graph::Op op, DType t, llvm::Value* x, llvm::Value* y,
                           llvm::Value*& fail);
  llvm::Value* emit_compare(graph::Op op, DType t, llvm::Value* x, llvm::Value* y);
  llvm::Value* emit_int_divmod(graph::Op op, DType t, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_float_divmod(graph::Op op, DType t, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_int_power(DType t, llvm::Value* a, llvm::Value* b, llvm::Value*& fail);
  llvm::Value* from_param(llvm::Value* raw, DType t);
  llvm::Value* constant(DType t, uint64_t bits);

  const ir::KernelIR& ir_;
  llvm::IRBuilder<>& b_;
  MathLib& math_;
  std::vector<Level> levels_;
  std::vector<llvm::Value*> values_;
};

}  // namespace kiln::jit
