// Whole-module steps shared by the LLVM targets: LLVM's standard optimisation pipelines (for the
// NVPTX kernels and the CUDA emulator; the CPU backend runs its own short list of passes), and
// the KILN_DUMP_DIR files.
#pragma once

#include <string>

#include <llvm/IR/Module.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Target/TargetMachine.h>

#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// Runs LLVM's default per-module pipeline at `level` on `m`, with `tm`'s target passes (NVPTX's
/// include resolving libdevice's __nvvm_reflect queries).
void run_standard_pipeline(llvm::Module& m, llvm::TargetMachine& tm, llvm::OptimizationLevel level);

/// Writes kernel `ir` to `<dir>/<hash>.kir` and module `m` to `<dir>/<hash>.ll`, where <hash> is
/// `symbol` without its "kiln_" prefix. Returns `<dir>/<hash>`, for the target's own files
/// (assembly, PTX).
std::string dump_kernel(const std::string& dir, const std::string& symbol, const ir::KernelIR& ir,
                        llvm::Module& m);

}  // namespace kiln::jit
