#include "passes/simplify.hpp"

#include "graph/types.hpp"
#include "passes/rewrite.hpp"

namespace kiln::passes {

using graph::GNode;
using graph::Op;

void simplify(graph::Graph& g) {
  Redirects r(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    GNode& n = g.nodes[i];
    r.remap_args(n);
    if (n.nargs == 0) continue;
    const GNode& a = g.nodes[n.args[0]];
    switch (n.op) {
      case Op::Negative:
      case Op::Invert:
      case Op::LogicalNot:
        // Involutions: op(op(x)) == x (integer negation wraps both ways; logical_not's operand
        // is already bool).
        if (a.op == n.op && g.nodes[a.args[0]].dtype == n.dtype) r.redirect(i, a.args[0]);
        break;
      case Op::Abs:
        // abs(-x) == abs(x), except for unsigned integers: abs is the identity there, and -x
        // wraps.
        if (a.op == Op::Abs || (a.op == Op::Negative && !is_unsigned(n.dtype)))
          n.args[0] = a.args[0];
        break;
      case Op::Cast: {
        // cast(cast(x, A), B) == cast(x, B) when x -> A loses nothing.
        if (a.op == Op::Cast && graph::is_exact_cast(g.nodes[a.args[0]].dtype, a.dtype))
          n.args[0] = a.args[0];
        const GNode& src = g.nodes[n.args[0]];
        if (src.dtype == n.dtype && src.shape == n.shape) r.redirect(i, n.args[0]);
        break;
      }
      case Op::Where:
        if (n.args[1] == n.args[2] && g.nodes[n.args[1]].shape == n.shape) r.redirect(i, n.args[1]);
        break;
      default:
        break;
    }
  }
  r.remap_outputs();
}

}  // namespace kiln::passes
