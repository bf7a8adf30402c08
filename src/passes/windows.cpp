#include "passes/windows.hpp"

#include <vector>

namespace kiln::passes {

using graph::GNode;
using graph::Op;

bool concatenates_into_windows(const graph::Dims& shape, int axis) {
  for (int d = 0; d < axis; ++d)
    if (shape[d] != 1) return false;
  return true;
}

namespace {
bool computed(const GNode& x) {
  return x.op != Op::Data && !graph::is_leaf(x.op) && x.op != Op::View;
}
}  // namespace

int32_t window_target(const graph::Graph& g, int32_t x) {
  const GNode& v = g.nodes[x];
  if (v.op != Op::View || v.payload.v[0] != 0) return x;
  const GNode& y = g.nodes[v.args[0]];
  if (!computed(y) || y.shape.size() != v.shape.size()) return x;
  const graph::Dims cs = graph::contiguous_strides(v.shape);
  for (int d = 0; d < v.shape.rank(); ++d)
    if (v.shape[d] > 1 && v.strides[d] != cs[d]) return x;
  return v.args[0];
}

void windows(graph::Graph& g) {
  bool any = false;
  for (const GNode& n : g.nodes) any |= n.op == Op::Concatenate;
  if (!any) return;
  graph::Graph out;
  out.nodes.reserve(g.nodes.size() + 8);
  out.visits = g.visits;
  out.values_used = g.values_used;
  std::vector<int32_t> index(g.nodes.size());
  std::vector<char> claimed(g.nodes.size() + 1, 0);  // by new index, grown as nodes are added
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    GNode n = std::move(g.nodes[i]);
    for (int a = 0; a < n.nargs; ++a) n.args[a] = index[n.args[a]];
    if (n.op == Op::Concatenate) {
      for (int a = 0; a < n.nargs; ++a) {
        const GNode& x = out.nodes[n.args[a]];
        if (x.shape.size() == 0) continue;  // nothing to store
        const int32_t target = window_target(out, n.args[a]);
        if (computed(out.nodes[target]) && !claimed[target]) {
          claimed[target] = 1;
          continue;
        }
        GNode copy;  // the operand's values, computed by a kernel into the window
        copy.op = Op::Cast;
        copy.dtype = x.dtype;
        copy.nargs = 1;
        copy.args[0] = n.args[a];
        copy.shape = x.shape;
        copy.loc = n.loc;
        n.args[a] = out.add(std::move(copy));
        claimed.resize(out.nodes.size() + 1, 0);
        claimed[n.args[a]] = 1;
      }
    }
    index[i] = out.add(std::move(n));
    claimed.resize(out.nodes.size() + 1, 0);
  }
  for (int32_t& o : out.outputs = g.outputs) o = index[o];
  g = std::move(out);
}

}  // namespace kiln::passes
