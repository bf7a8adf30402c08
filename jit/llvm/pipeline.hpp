// LLVM's standard optimisation pipelines for a whole module, for the targets that want one (the
// NVPTX kernels and the CUDA emulator; the CPU backend runs its own short list of passes).
#pragma once

#include <llvm/IR/Module.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Target/TargetMachine.h>

namespace kiln::jit {

/// Runs LLVM's default per-module pipeline at `level` on `m`, with `tm`'s target passes (NVPTX's
/// include resolving libdevice's __nvvm_reflect queries).
void run_standard_pipeline(llvm::Module& m, llvm::TargetMachine& tm, llvm::OptimizationLevel level);

}  // namespace kiln::jit
