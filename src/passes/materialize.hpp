// The store-or-recompute policy: kiln's one answer to "does this node get its own buffer, or is
// it recomputed inside every kernel that reads it?". Derivatives and later passes defer to it.
//
// Fusing a node into its consumers saves a store and a load, but a fused node is recomputed
// once per kernel and per index map that reads it (an index map is how a consumer walks the
// node's elements: directly, through a broadcast, or through a view). Unbounded, that turns
// ordinary numpy-style loops into recomputation of their whole history, exponential through
// views (`a = a + a[:, i, None] + a[i]`), and kernels whose compile time grows faster than their
// size. The rules, after XLA's refusal to duplicate expensive producers, Halide's compute_root,
// and Dr.Jit, MLX and ArrayFire bounding what a lazy array may recompute:
//
// 1. Live arrays are stored at their second computation (runtime/sync.cpp). A sync marks the
//    pending arrays a user handle refers to; a later sync that needs a marked array again
//    stores it (one more output of the kernels it runs anyway), so a loop-carried array is
//    computed from the previous step's buffer and every step after the second compiles nothing.
//    Not at the first: then a live handle is as often a temporary of the statement that syncs
//    (`sum(x * y).item()` holds `x * y`), and storing it would cost every fused reduction a
//    store. Nothing is kept while a function is differentiated: a sync inside it must leave the
//    history that the derivative walks (api/autodiff.cpp).
// 2. Index maps. Two reads of a node use the same index map when they walk it with the same
//    shape, offset and strides (over its flat index; extent-1 dimensions count as stride 0): an
//    elementwise user in the node's own shape and a reduction both read it directly. A node read
//    through m >= 2 different maps is stored unless m times its recompute cost is at most
//    kRecomputeBudget.
// 3. Recompute cost is in the op table's cost column (ops.def: about one simple instruction
//    each, exp 12, philox 40): the node's own cost plus that of each operand it would recompute
//    (stored operands and evaluated data cost nothing; a view costs its operand's), counted
//    once per read, so a node recomputed through several maps is counted that many times.
// 4. Kernel size. The fused expression behind a node (distinct recorded nodes it would compute,
//    its loads and leaves included) has at most kMaxFusedNodes nodes: past that, its largest
//    operands are stored first. A kernel stores at most kMaxKernelOutputs results (the
//    scheduler splits larger groups). So code generation, whose cost grows faster than linearly
//    in a kernel's size, sees bounded kernels, and a pending graph of any length or width
//    compiles in time linear in its size; equal chunks compile once.
// 5. The pending graph is bounded: once kAutoEvalPending recorded nodes are pending, the next
//    recording evaluates every pending array (runtime/context.cpp). An automatic evaluation
//    never throws: a failure marks the arrays concerned, which raise it at their next sync or
//    read. It is suspended while a function is captured or differentiated.
//
// Everything else fuses as before: a long elementwise expression read once stays one kernel,
// reductions fuse with their producers and their elementwise finish.
#pragma once

#include <cstddef>
#include <cstdint>

#include "graph/graph.hpp"

namespace kiln::passes {

/// Rule 2: the most op-table cost units a node read through several index maps may be
/// recomputed for (its cost times its maps). Eight keeps a cheap producer of a stencil's views
/// (`u = x * 0.5 + 1` read as u[2:], u[1:-1], u[:-2]) fused, and stores anything dearer.
inline constexpr uint32_t kRecomputeBudget = 8;

/// Rule 4: most nodes in one fused expression. Code generation of a 128-node kernel takes a few
/// tens of milliseconds here; past a few hundred nodes its cost grows superlinearly.
inline constexpr uint32_t kMaxFusedNodes = 128;

/// Rule 4: most results one kernel stores (the loop vectorizer's alias checks grow with the
/// square of the output count).
inline constexpr size_t kMaxKernelOutputs = 32;

/// Rule 5: pending recorded nodes that trigger an automatic evaluation: about 10 MB of nodes,
/// and a graph the planner handles in a few milliseconds (a 2000-row loop of sparse dot products
/// still syncs once).
inline constexpr size_t kAutoEvalPending = 32768;

/// Marks the nodes of `g` that rules 2-4 store (GNode::store). Runs first in the pipeline, so
/// that push_views moves no view through a stored node. Returns the nodes it visited, a measure
/// of its work (linear in the graph's size).
uint64_t materialize(graph::Graph& g);

}  // namespace kiln::passes
