// CPU code generation: the loop skeleton around the shared body, vector math through glibc's
// libmvec, a short optimisation pipeline, and object emission.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// The vector instruction sets whose libmvec variants a kernel may call.
struct VectorIsa {
  bool sse2 = true;     ///< 'b' variants (4 x float, 2 x double)
  bool avx2 = false;    ///< 'd' variants (8 x float, 4 x double)
  bool avx512 = false;  ///< 'e' variants (16 x float, 8 x double)
};

/// Suffix of a reduction kernel's finish entry point.
inline constexpr const char* kFinishSuffix = "_finish";

/// Builds the LLVM module of a kernel for the host CPU: entry point `symbol` (and for a
/// reduction `symbol` + kFinishSuffix), each `void(void* const* buffers, const uint64_t* params,
/// int64_t begin, int64_t end, uint64_t* status, const int64_t* extra)` (see cpu_loops.hpp).
std::unique_ptr<llvm::Module> build_cpu_module(const ir::KernelIR& ir, const std::string& symbol,
                                               llvm::LLVMContext& context, llvm::TargetMachine& tm,
                                               const VectorIsa& isa);

/// Sets LLVM's code generation options for kiln's kernels (once per process).
void configure_llvm_codegen();

/// Sets up LLVM for the host target: its code generator, its assembly printer, and
/// configure_llvm_codegen (once per process).
void initialize_host_llvm();

/// Runs kiln's optimisation pipeline (the loops are already in canonical form, with invariant
/// code hoisted, so a few passes around the loop vectorizer suffice).
void optimize_cpu_module(llvm::Module& m, llvm::TargetMachine& tm);

/// Emits the module as a relocatable object (or as assembly text).
std::vector<uint8_t> emit_machine_code(llvm::Module& m, llvm::TargetMachine& tm, bool assembly);

}  // namespace kiln::jit
