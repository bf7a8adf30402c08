// The host implementations of the library ops other than matmul and the FFTs: scatters, scans,
// sorts and sorted searches, over evaluated, contiguous operands.
#pragma once

#include <vector>

#include "jit/backend.hpp"
#include "runtime/library_call.hpp"

namespace kiln::runtime {

/// Computes library op `n` (Scatter, ScatterAdd, ScatterApply, CumSum, CumProd, Sort, ArgSort,
/// SearchSorted) into `out` (n's shape and dtype, contiguous) from `inputs`, the data of n's
/// operands in order (contiguous, of their shapes and dtypes). Throws kiln::Error for an index out
/// of range, naming the op and n's call site. `executor`: the runtime's threads, for the ops that
/// split their work (random draws).
void run_host_op(const LibraryCall& n, const std::vector<const void*>& inputs, void* out,
                 jit::Executor* executor);

}  // namespace kiln::runtime
