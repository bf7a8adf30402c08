#pragma once

#include <vector>

#include "graph/graph.hpp"

namespace kiln::passes {

/// Where a node's elements go in a concatenation's buffer: element `offset` on, either in order
/// (contiguous) or with `strides`, one per dimension of the node, in elements of the buffer.
struct Placement {
  int64_t offset = 0;
  graph::Dims strides;  ///< empty: contiguous
  bool contiguous() const noexcept { return strides.rank() == 0; }
};

/// The placements of the operands of window base `c` (a Concatenate or an Update), itself placed
/// at `at`. A concatenation's operand sits at its position along the axis, with the
/// concatenation's own strides; it is contiguous when those strides are its own contiguous ones
/// (every extent before the axis is 1: axis 0 of a C-ordered array, and stack's rows). An
/// update's operand 0 fills its whole buffer; operand 1 goes through the update's window.
std::vector<Placement> place_operands(const graph::Graph& g, const graph::GNode& c,
                                      const Placement& at);

/// The node whose result a concatenation's operand `x` is, and which the scheduler places
/// (passes it `x`'s placement, and gets it back in the target's dimensions): `x` itself, or, for
/// a reshape of a whole computed node, that node. A contiguous placement looks through any
/// contiguous reshape (stack's rows of any shape), a strided one only through reshapes that add
/// or drop extent-1 dimensions. Returns `x` (placement unchanged) when it cannot look through.
int32_t window_target(const graph::Graph& g, int32_t x, Placement& placement);

/// Prepares the graph's window bases for window stores. Every operand of a Concatenate node
/// becomes a node that a kernel computes and that no other window claims, by inserting a copy
/// (a cast to its own dtype) in front of an operand that is data, a leaf, a view, or already
/// claimed. A node placed with strides must in addition be computed by a map kernel and read by
/// nothing else (it has no buffer of its own to be read from): a reduction, a graph output, or a
/// node with other users gets the copy too. The scheduler then stores each operand into its
/// place in the result (see schedule.hpp). An Update node's buffer is its operand 0's own when
/// that is writable data or a result no one else reads (payload v[1] = 1 for data): the update
/// then runs in place. Readers of operand 0 among the nodes computing the value that could read
/// an element after the window overwrote it are served by storing the value on its own first
/// and copying it into the window (views outside the window, and a view reading exactly the
/// element written, need nothing); any other reader makes the update copy operand 0 into a
/// buffer of its own. Runs last in the pipeline.
void windows(graph::Graph& g);

}  // namespace kiln::passes
