#pragma once

#include "graph/graph.hpp"

namespace kiln::passes {

/// Replaces every op whose operands are all `full` values by a `full` of the folded value
/// (computed with the reference semantics), and `where` with a `full` condition by the chosen
/// operand when shapes allow. Folded values stay kernel parameters, so this never costs a
/// recompile when the values change. Ops that would raise at run time are left alone.
void fold_constants(graph::Graph& g);

}  // namespace kiln::passes
