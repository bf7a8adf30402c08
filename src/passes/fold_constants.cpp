#include "passes/fold_constants.hpp"

#include "graph/reference.hpp"
#include "passes/rewrite.hpp"

namespace kiln::passes {

using graph::GNode;
using graph::Op;

void fold_constants(graph::Graph& g) {
  Redirects r(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    GNode& n = g.nodes[i];
    r.remap_args(n);
    if (!graph::is_elementwise(n.op)) continue;  // views and reductions keep their shapes' work
    bool all_full = true, all_fixed = true;
    for (int a = 0; a < n.nargs; ++a) {
      all_full &= g.nodes[n.args[a]].op == Op::Full;
      all_fixed &= g.nodes[n.args[a]].source == graph::kFixedConstant;
    }
    if (n.op == Op::Where && g.nodes[n.args[0]].op == Op::Full) {
      const int32_t chosen = g.nodes[n.args[0]].payload.v[0] ? n.args[1] : n.args[2];
      if (g.nodes[chosen].shape == n.shape && g.nodes[chosen].dtype == n.dtype) {
        r.redirect(i, chosen);
        g.values_used = true;
        continue;
      }
    }
    // complex128 constants stay complex(re, im): their values have no 64-bit payload.
    if (!all_full || n.dtype == DType::complex128) continue;
    graph::Bits args[3];
    for (int a = 0; a < n.nargs; ++a) args[a] = g.nodes[n.args[a]].payload.v[0];
    const DType arg_dtype = g.nodes[n.args[n.op == Op::Where ? 1 : 0]].dtype;
    bool fail = false;
    const auto value =
        static_cast<uint64_t>(graph::apply_op_bits(n.op, n.dtype, arg_dtype, args, fail));
    if (fail) continue;  // the kernel reports it at the sync, with the call site
    n.op = Op::Full;
    // A value derived from the user's scalars: plans made with it hold for these values only.
    // From a rewrite's constants alone, it is a constant of the rewrite.
    n.source = all_fixed ? graph::kFixedConstant : -1;
    g.values_used |= !all_fixed;
    n.nargs = 0;
    n.args[0] = n.args[1] = n.args[2] = -1;
    n.payload = {};
    n.payload.v[0] = value;
  }
  r.remap_outputs();
}

}  // namespace kiln::passes
