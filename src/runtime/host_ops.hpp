// The host implementations of the library ops other than matmul and the FFTs: scatters,
// concatenation and scans, over evaluated, contiguous operands.
#pragma once

#include <vector>

#include "graph/node.hpp"

namespace kiln::runtime {

/// Computes library node `n` (Scatter, ScatterAdd, Concatenate, CumSum, CumProd) into `out` (n's
/// shape and dtype, contiguous) from `inputs`, the data of n's operands in order (contiguous, of
/// their nodes' shapes and dtypes). Throws kiln::Error for an index out of range, naming the op and
/// n's call site.
void run_host_op(const graph::Node& n, const std::vector<const void*>& inputs, void* out);

}  // namespace kiln::runtime
