// The loops of CUDA kernels around the shared body emitter: a grid-stride loop for maps, and for
// reductions a block or a warp per output (threads stride over the reduced positions, then warp
// shuffles, and for a block shared memory, combine them) or a thread per output. Private to
// jit/cuda.
#pragma once

#include <llvm/IR/Function.h>

#include "jit/cuda/launch_params.hpp"
#include "jit/ir/kernel_ir.hpp"
#include "jit/llvm/emit_body.hpp"

namespace kiln::jit {

/// The kernel parameters of a CUDA kernel, in order (the launch ABI of jit/cuda):
/// one pointer per output, one per buffer access (ir.accesses order, buffers only), the
/// status word (uint64_t*, ORed with error bits), the reduction workspace (see
/// cuda_reduction_workspace_bytes; unused unless the launch splits outputs), the iteration size
/// (i64: map positions, or outputs of a reduction), the reduced size (i64, reductions; 0 for maps),
/// then the ir.num_param_slots() parameter slots as i64 each. Accumulator buffers are not passed: a
/// reduction finishes in the same kernel.
llvm::FunctionType* cuda_kernel_type(const ir::KernelIR& ir, llvm::LLVMContext& c);

/// Builds `fn` (of cuda_kernel_type) as the whole kernel `ir`. Block-shared memory is made in
/// `shared_address_space` (3 on NVPTX; the emulator, cuda_emulator.hpp, uses 0).
void build_cuda_kernel(const ir::KernelIR& ir, llvm::Function* fn, MathLib& math,
                       unsigned shared_address_space = 3);

}  // namespace kiln::jit
