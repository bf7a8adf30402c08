// Kernel IR -> LLVM IR for the per-element body of a kernel, shared by every LLVM target. The
// target builds the loops around it (jit/cpu: chunked loops; jit/cuda: grid-stride) and supplies
// the math library (libm/libmvec on the CPU, libdevice on NVPTX).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <llvm/IR/IRBuilder.h>

#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// LLVM type of a dtype in registers (bool is i1, complex64 the struct {float, float}).
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

/// Math-library ops as calls to scalar functions named `prefix` + the libm name (+ "f" for
/// float32): "__nv_" gives libdevice's __nv_expf (NVPTX), "" the host's expf (the CUDA emulator).
class NamedMath final : public MathLib {
 public:
  NamedMath(llvm::Module& m, std::string prefix) : m_(m), prefix_(std::move(prefix)) {}
  llvm::Value* call(llvm::IRBuilder<>& b, graph::Op op, DType t,
                    llvm::ArrayRef<llvm::Value*> args) override;

 private:
  llvm::Module& m_;
  std::string prefix_;
};

/// Ends a kernel's work: ORs `errors` (i64, or null when none can be raised) into `*status`
/// when it is not zero, then branches to `done`.
void report_errors(llvm::IRBuilder<>& b, llvm::Value* errors, llvm::Value* status,
                   llvm::BasicBlock* done);

/// The loop level an instruction is computed at: 0 is once per call, higher numbers are deeper
/// loops, as the target's loop builder numbers them. Emitting by level is loop-invariant code
/// motion done by construction, so the optimisation pipeline can stay short.
using Level = uint8_t;
/// An instruction that the function being built does not compute.
inline constexpr Level kNotHere = 255;

/// What the body needs from the loops around it.
struct BodyEnv {
  /// Element index (i64) of access `a` at the current position.
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

  /// Sets the level of every instruction for the function being built (kNotHere to skip).
  void set_levels(std::vector<Level> levels) { levels_ = std::move(levels); }
  /// The level of an instruction.
  Level level(uint32_t instr) const { return levels_[instr]; }

  /// Emits every instruction of level `l` (Reduce instructions excepted: the loop builder
  /// provides their values) at the builder's insertion point. Returns the OR of the error bits
  /// they raise (i64), or null when none can be raised.
  llvm::Value* emit(Level l, const BodyEnv& env);

  /// The value of an emitted instruction (in register form).
  llvm::Value* value(uint32_t instr) const { return values_[instr]; }
  /// Provides the value of an instruction the loop builder computes (a Reduce).
  void set_value(uint32_t instr, llvm::Value* v) { values_[instr] = v; }

  /// Converts a register value to its in-memory form for a store (bool -> i8).
  llvm::Value* to_memory(llvm::Value* v, DType t);
  /// Converts a loaded value to register form (i8 -> bool).
  llvm::Value* from_memory(llvm::Value* v, DType t);
  /// Converts a value between dtypes with numpy's casting rules.
  llvm::Value* cast(llvm::Value* v, DType from, DType to) { return emit_cast(v, from, to); }
  /// An LLVM constant of dtype `t` from to_bits() bits.
  llvm::Value* constant(DType t, uint64_t bits);

 private:
  llvm::Value* emit_compute(const ir::Instr& in, llvm::Value*& fail);
  llvm::Value* emit_half(const ir::Instr& in, llvm::Value*& fail);
  llvm::Value* emit_predicate(graph::Op op, DType t, llvm::Value* x);
  llvm::Value* emit_cast(llvm::Value* v, DType from, DType to);
  llvm::Value* emit_unary(graph::Op op, DType t, llvm::Value* x);
  llvm::Value* emit_binary(graph::Op op, DType t, llvm::Value* x, llvm::Value* y,
                           llvm::Value*& fail);
  llvm::Value* emit_compare(graph::Op op, DType t, llvm::Value* x, llvm::Value* y);
  llvm::Value* emit_int_divmod(graph::Op op, DType t, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_float_divmod(graph::Op op, DType t, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_int_power(DType t, llvm::Value* a, llvm::Value* b, llvm::Value*& fail);
  llvm::Value* emit_gather(const ir::Instr& in, const BodyEnv& env, llvm::Value*& fail);
  llvm::Value* emit_philox(llvm::Value* index, llvm::Value* seed, llvm::Value* stream);
  llvm::Value* from_param(llvm::Value* raw, DType t);
  // complex64 (emit_complex.cpp).
  llvm::Value* emit_complex(const ir::Instr& in);
  llvm::Value* emit_complex_cast(llvm::Value* v, DType from, DType to);
  llvm::Value* make_complex(llvm::Value* re, llvm::Value* im);
  llvm::Value* complex_constant(uint64_t bits);
  llvm::Value* complex_from_param(llvm::Value* raw);

  const ir::KernelIR& ir_;
  llvm::IRBuilder<>& b_;
  MathLib& math_;
  std::vector<Level> levels_;
  std::vector<llvm::Value*> values_;
};

}  // namespace kiln::jit
