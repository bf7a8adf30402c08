#include "passes/windows.hpp"

#include <vector>

#include "graph/view.hpp"

namespace kiln::passes {

using graph::Dims;
using graph::GNode;
using graph::Op;
using graph::walks_in_order;

namespace {

bool computed(const GNode& x) {
  return x.op != Op::Data && !graph::is_leaf(x.op) && x.op != Op::View;
}

}  // namespace

std::vector<Placement> place_operands(const graph::Graph& g, const GNode& c, const Placement& at) {
  const int axis = static_cast<int>(c.payload.v[0]);
  const Dims strides = at.contiguous() ? graph::contiguous_strides(c.shape) : at.strides;
  std::vector<Placement> out;
  int64_t offset = at.offset;
  for (int a = 0; a < c.nargs; ++a) {
    const Dims& shape = g.nodes[c.args[a]].shape;
    Placement p{offset, {}};
    if (!walks_in_order(shape, strides)) p.strides = strides;
    out.push_back(std::move(p));
    offset += shape[axis] * strides[axis];
  }
  return out;
}

int32_t window_target(const graph::Graph& g, int32_t x, Placement& placement) {
  const GNode& v = g.nodes[x];
  if (v.op != Op::View || v.payload.v[0] != 0) return x;
  const GNode& y = g.nodes[v.args[0]];
  if (!computed(y) || y.shape.size() != v.shape.size() || !walks_in_order(v.shape, v.strides))
    return x;
  if (placement.contiguous()) return v.args[0];
  // The extents other than 1 must be the same, in the same order; they keep their strides.
  Dims strides;
  strides.resize(y.shape.rank(), 0);
  int d = 0;
  for (int e = 0; e < y.shape.rank(); ++e) {
    if (y.shape[e] == 1) continue;
    while (d < v.shape.rank() && v.shape[d] == 1) ++d;
    if (d == v.shape.rank() || v.shape[d] != y.shape[e]) return x;
    strides[e] = placement.strides[d++];
  }
  placement.strides = std::move(strides);
  return v.args[0];
}

void windows(graph::Graph& g) {
  const size_t n = g.nodes.size();
  bool any = false;
  for (const GNode& c : g.nodes) any |= c.op == Op::Concatenate;
  if (!any) return;
  // Which operands will be placed with strides: concatenations are placed before their
  // operands, so a walk from the last node sees each one's own placement first.
  std::vector<Placement> placed(n);
  std::vector<std::vector<Placement>> operand_at(n);
  std::vector<int32_t> uses(n, 0);
  for (const GNode& x : g.nodes)
    for (int a = 0; a < x.nargs; ++a) ++uses[x.args[a]];
  for (int32_t o : g.outputs) ++uses[o];
  for (size_t i = n; i-- > 0;) {
    const GNode& c = g.nodes[i];
    if (c.op != Op::Concatenate) continue;
    operand_at[i] = place_operands(g, c, placed[i]);
    for (int a = 0; a < c.nargs; ++a) {
      Placement p = operand_at[i][a];
      const int32_t y = window_target(g, c.args[a], p);
      if (g.nodes[y].op == Op::Concatenate) placed[y] = std::move(p);
    }
  }
  graph::Graph out;
  out.nodes.reserve(n + 8);
  out.visits = g.visits;
  out.values_used = g.values_used;
  std::vector<int32_t> index(n), old_of;
  std::vector<char> claimed;
  auto add = [&](GNode x, int32_t old) {
    const int32_t at = out.add(std::move(x));
    old_of.push_back(old);
    claimed.push_back(0);
    return at;
  };
  for (size_t i = 0; i < n; ++i) {
    GNode c = std::move(g.nodes[i]);
    const int32_t old_args[3] = {c.args[0], c.args[1], c.args[2]};
    for (int a = 0; a < c.nargs; ++a) c.args[a] = index[c.args[a]];
    if (c.op == Op::Concatenate) {
      for (int a = 0; a < c.nargs; ++a) {
        const GNode& x = out.nodes[c.args[a]];
        if (x.shape.size() == 0) continue;  // nothing to store
        // A strided window: the target (and the reshape before it) has no other reader.
        Placement p = operand_at[i][a];
        const bool strided = !p.contiguous();
        const int32_t target = window_target(out, c.args[a], p);
        bool ok = computed(out.nodes[target]) && !claimed[target];
        if (ok && strided) {
          const int32_t old = old_of[target];
          ok = old >= 0 && uses[old] == 1 && !graph::is_reduction(out.nodes[target].op) &&
               (target == c.args[a] || uses[old_args[a]] == 1);
        }
        if (ok) {
          claimed[target] = 1;
          continue;
        }
        GNode copy;  // the operand's values, computed by a kernel into the window
        copy.op = Op::Cast;
        copy.dtype = x.dtype;
        copy.nargs = 1;
        copy.args[0] = c.args[a];
        copy.shape = x.shape;
        copy.loc = c.loc;
        c.args[a] = add(std::move(copy), -1);
        claimed[c.args[a]] = 1;
      }
    }
    index[i] = add(std::move(c), static_cast<int32_t>(i));
  }
  for (int32_t& o : out.outputs = g.outputs) o = index[o];
  g = std::move(out);
}

}  // namespace kiln::passes
