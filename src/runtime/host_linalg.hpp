// The LAPACK library ops on the host: Solve, Cholesky, SlogDet (see ops.def).
#pragma once

#include <vector>

#include "runtime/library_call.hpp"

namespace kiln::runtime {

/// Computes `c` (Solve, Cholesky or SlogDet, of float64 or complex128 operands) into `out` (c's
/// shape and dtype, contiguous) from `inputs`, the contiguous data of c's operands. A singular
/// matrix (Solve) or one that is not positive definite (Cholesky) is a kiln::Error naming the op,
/// c's call site and the matrix of the batch.
void run_linalg(const LibraryCall& c, const std::vector<const void*>& inputs, void* out);

}  // namespace kiln::runtime
