#pragma once

#include "graph/graph.hpp"

namespace kiln::passes {

/// Moves views (reshape, transpose, broadcast_to, ...) down through elementwise ops to the
/// leaves, composing each with the operand's broadcast, so that a kernel reads the leaves
/// through strides instead of materializing the op. Views of views collapse; a view of a full
/// value becomes a full value. A view that cannot move (it would need a non-strided index, or it
/// sits on a reduction) stays, and the scheduler stores its operand first.
void push_views(graph::Graph& g);

}  // namespace kiln::passes
