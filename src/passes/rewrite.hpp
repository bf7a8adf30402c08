// Redirects: the shared bookkeeping of in-place graph rewrites. A pass walks the nodes in order,
// and a node it replaces by an earlier one is redirected; users and outputs follow the redirect.
#pragma once

#include <numeric>
#include <vector>

#include "graph/graph.hpp"

namespace kiln::passes {

/// Maps each node index to the index that now stands for it.
class Redirects {
 public:
  explicit Redirects(graph::Graph& g) : g_(g), to_(g.nodes.size()) {
    std::iota(to_.begin(), to_.end(), 0);
  }
  /// Points `n`'s operands at their replacements.
  void remap_args(graph::GNode& n) const {
    for (int a = 0; a < n.nargs; ++a) n.args[a] = to_[n.args[a]];
  }
  /// From now on, node `from` is `to` (an earlier node, already final). `to` is stored when
  /// either was to be.
  void redirect(size_t from, int32_t to) {
    to_[from] = to;
    g_.nodes[to].store |= g_.nodes[from].store;
  }
  /// Points the graph's outputs at their replacements.
  void remap_outputs() {
    for (int32_t& o : g_.outputs) o = to_[o];
  }

 private:
  graph::Graph& g_;
  std::vector<int32_t> to_;
};

}  // namespace kiln::passes
