#pragma once

#include "graph/graph.hpp"

namespace kiln::passes {

/// True when concatenating along `axis` into `shape` places each operand in one contiguous run
/// of the result (every extent before the axis is 1: axis 0 of a C-ordered array, and stack's
/// rows), so the kernels that compute the operands can store them straight into the result.
bool concatenates_into_windows(const graph::Dims& shape, int axis);

/// The node whose result a concatenation's operand `x` is, in the same element order: `x`, or
/// for a contiguous reshape of a whole computed node (stack's rows are such views), that node.
/// The scheduler places the window on it.
int32_t window_target(const graph::Graph& g, int32_t x);

/// Prepares the graph's concatenations for window stores: every operand of a Concatenate node
/// becomes a node that a kernel computes and that no other window claims, by inserting a copy
/// (a cast to its own dtype) in front of an operand that is data, a leaf, a view, or already
/// claimed. The scheduler then stores each operand into its place in the result (see
/// schedule.hpp). Runs last in the pipeline.
void windows(graph::Graph& g);

}  // namespace kiln::passes
