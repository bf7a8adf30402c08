// The loops of CPU kernels around the shared body emitter.
#pragma once

#include <llvm/IR/Function.h>

#include "jit/ir/kernel_ir.hpp"
#include "jit/llvm/emit_body.hpp"

namespace kiln::jit {

/// The functions a kernel is made of.
enum class Entry {
  Map,           ///< computes flat output positions [begin, end); extra[0] != 0 asks for
                 ///< non-temporal stores (rank-1 maps; chunks then start at multiples of 16)
  ReduceMain,    ///< accumulates outputs [begin, end) over reduced positions extra[0..1) into
                 ///< accumulator row extra[2]
  ReduceFinish,  ///< combines extra[0] accumulator rows, finishes outputs [begin, end)
};

/// Builds `fn`, of type void(void* const* buffers, const uint64_t* params, int64_t begin,
/// int64_t end, uint64_t* status, const int64_t* extra), as the `entry` of kernel `ir`.
void build_entry(const ir::KernelIR& ir, Entry entry, llvm::Function* fn, MathLib& math);

/// After vectorization: makes the vector stores of streaming loops aligned and non-temporal.
void mark_streaming_stores(llvm::Module& m);

}  // namespace kiln::jit
