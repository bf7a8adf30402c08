#pragma once

#include "graph/graph.hpp"

namespace kiln::passes {

/// Merges nodes that compute the same thing (same op, dtype, operands, shape and payload; data
/// nodes on the same buffer). The trace is already hash-consed; this catches what the other
/// rewrites made equal.
void cse(graph::Graph& g);

}  // namespace kiln::passes
