// Graph: a flat, topologically ordered copy of the pending part of the trace, made at each sync.
// Passes rewrite it in place and the scheduler cuts it into kernels; the traced nodes themselves
// are never rewritten, so handles the user holds keep their meaning. Results are matched to the
// sync's targets by position in `outputs`.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "graph/node.hpp"

namespace kiln::graph {

/// One node of a Graph. Operands are indices of earlier nodes.
struct GNode {
  Op op = Op::Data;                ///< Data for every evaluated input
  DType dtype = DType::float32;    ///< result dtype
  uint8_t nargs = 0;               ///< operand count
  int32_t args[3] = {-1, -1, -1};  ///< operand indices (< this node's index)
  Dims shape;                      ///< result shape
  Dims strides;                    ///< View only: strides over the operand's flat index
  Payload payload;                 ///< op-specific values
  SourceLoc loc;                   ///< call site
  std::shared_ptr<Buffer> buffer;  ///< data of a Data node
  int32_t source = -1;             ///< index in the captured graph, kept by passes while the
                                   ///< node holds the captured node's data or payload (plans
                                   ///< refer to inputs and scalar values by it); -1 when derived
                                   ///< from the values, kFixedConstant for a rewrite's constant
  bool store = false;              ///< gets its own buffer (passes/materialize.hpp decides)
  bool writable = false;           ///< Data only: nothing outside this graph can see the buffer,
                                   ///< so an Update may write into it (passes/windows.hpp)
};

/// GNode::source of a constant that a rewrite rule introduced (the 1 of a stable sigmoid): the
/// same whatever the user's scalars are, so a plan with it serves other values.
inline constexpr int32_t kFixedConstant = -2;

/// A pending computation: nodes in topological order and the indices of the wanted results.
struct Graph {
  std::vector<GNode> nodes;      ///< operands always precede their users
  std::vector<int32_t> outputs;  ///< results to produce, in the order asked for
  uint64_t visits = 0;           ///< work counter: node visits by passes and the scheduler
  /// A pass decided something from a scalar's value (folded constants): a plan made from this
  /// graph holds only for the same values.
  bool values_used = false;

  /// Appends a node and returns its index.
  int32_t add(GNode n) {
    nodes.push_back(std::move(n));
    return static_cast<int32_t>(nodes.size() - 1);
  }
};

/// The pending nodes behind `targets` in depth-first post-order from the targets in the order
/// given (so the same program always gives the same order), and the position of each target.
/// Evaluated nodes end the walk, and so do nodes in flight (Tracer::set_in_flight): then
/// tracer.walk_met_in_flight is set and the order is not to be used (the caller waits for them
/// and walks again). Sets each node's visit_index to its position. Returns the
/// first failed node met (Node::failure set), or null. Requires the tracer's lock.
Node* walk_pending(Tracer& tracer, std::span<Node* const> targets, std::vector<Node*>& order,
                   std::vector<int32_t>& outputs);

/// The Graph of a walk_pending() result: evaluated nodes become Data leaves (`writable`, when
/// given, says by position which of them may be written in place).
Graph build_graph(const std::vector<Node*>& order, const std::vector<int32_t>& outputs,
                  std::span<const char> writable = {});

/// walk_pending() then build_graph(). Requires the tracer's lock.
Graph capture(Tracer& tracer, std::span<Node* const> targets);

/// A readable listing, one node per line ("%3 = add f32 (4,5) %1 %2").
std::string to_text(const Graph& g);

/// Graphviz dot text of the graph.
std::string to_dot(const Graph& g);

/// Checks invariants (operand order, arity, shapes broadcast); aborts with context if broken.
void verify(const Graph& g);

}  // namespace kiln::graph
