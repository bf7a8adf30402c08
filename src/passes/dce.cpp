#include "passes/dce.hpp"

#include <vector>

namespace kiln::passes {

void dce(graph::Graph& g) {
  const size_t n = g.nodes.size();
  std::vector<char> live(n, 0);
  for (int32_t o : g.outputs) live[o] = 1;
  for (size_t i = n; i-- > 0;)  // operands precede users: one backward sweep marks everything
    if (live[i])
      for (int a = 0; a < g.nodes[i].nargs; ++a) live[g.nodes[i].args[a]] = 1;
  std::vector<int32_t> index(n, -1);
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!live[i]) continue;
    index[i] = static_cast<int32_t>(kept);
    if (kept != i) g.nodes[kept] = std::move(g.nodes[i]);
    auto& node = g.nodes[kept];
    for (int a = 0; a < node.nargs; ++a) node.args[a] = index[node.args[a]];
    ++kept;
  }
  g.nodes.resize(kept);
  for (int32_t& o : g.outputs) o = index[o];
}

}  // namespace kiln::passes
