#include "graph/graph.hpp"

#include <cstdio>
#include <cstdlib>

#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"
#include "graph/tracer.hpp"

namespace kiln::graph {

Node* walk_pending(Tracer& tracer, std::span<Node* const> targets, std::vector<Node*>& order,
                   std::vector<int32_t>& outputs) {
  order.clear();
  outputs.clear();
  tracer.walk_met_in_flight = false;
  Node* failed = nullptr;
  const uint32_t epoch = tracer.next_epoch();
  std::vector<Tracer::WalkFrame>& stack = tracer.walk_stack();  // scratch kept by the tracer
  stack.clear();
  auto visit = [&](Node* root) -> int32_t {
    if (root->visit_epoch == epoch) return root->visit_index;
    stack.push_back({root, 0});
    root->visit_epoch = epoch;
    root->visit_index = -1;  // on the stack
    while (!stack.empty()) {
      Tracer::WalkFrame& f = stack.back();
      Node* n = f.node;
      if (n->failure && !failed) failed = n;
      int nargs = n->evaluated() ? 0 : n->nargs;
      if (nargs > 0 && tracer.in_flight(n)) {  // its operands are another sync's business
        nargs = 0;
        tracer.walk_met_in_flight = true;
      }
      // On the first look at a node, ask for all its operands at once: the walk goes into the
      // first while the others' memory is on its way (nodes are scattered over the slabs).
      if (f.next_arg == 0)
        for (int i = 1; i < nargs; ++i) __builtin_prefetch(n->args[i]);
      if (f.next_arg < nargs) {
        Node* a = n->args[f.next_arg++];
        if (a->visit_epoch != epoch) {
          a->visit_epoch = epoch;
          a->visit_index = -1;
          stack.push_back({a, 0});
        }
        continue;
      }
      n->visit_index = static_cast<int32_t>(order.size());
      order.push_back(n);
      stack.pop_back();
    }
    return root->visit_index;
  };
  for (Node* t : targets) outputs.push_back(visit(t));
  return failed;
}

Graph build_graph(const std::vector<Node*>& order, const std::vector<int32_t>& outputs,
                  std::span<const char> writable) {
  Graph g;
  g.nodes.reserve(order.size());
  for (Node* n : order) {
    GNode gn;
    gn.dtype = n->dtype;
    gn.shape = n->shape;
    gn.loc = n->loc;
    gn.source = static_cast<int32_t>(g.nodes.size());
    if (n->evaluated()) {
      gn.op = Op::Data;
      gn.buffer = n->buffer;
      gn.writable = !writable.empty() && writable[g.nodes.size()];
    } else {
      gn.op = n->op;
      gn.nargs = n->nargs;
      gn.payload = n->payload;
      gn.strides = n->strides;
      for (int i = 0; i < n->nargs; ++i) gn.args[i] = n->args[i]->visit_index;
    }
    g.nodes.push_back(std::move(gn));
  }
  g.outputs = outputs;
  return g;
}

Graph capture(Tracer& tracer, std::span<Node* const> targets) {
  std::vector<Node*> order;
  std::vector<int32_t> outputs;
  walk_pending(tracer, targets, order, outputs);
  return build_graph(order, outputs);
}

namespace {
std::string payload_text(const GNode& n) {
  char buf[160];
  switch (n.op) {
    case Op::Full:
      return visit_dtype(n.dtype, [&]<class T>() {
        const T v = from_bits<T>(n.payload.v[0]);
        if constexpr (ref::is_complex_v<T>)
          std::snprintf(buf, sizeof buf, " value=%.17g%+.17gj", double(v.real()), double(v.imag()));
        else if constexpr (std::is_floating_point_v<T>)
          std::snprintf(buf, sizeof buf, " value=%.17g", double(v));
        else
          std::snprintf(buf, sizeof buf, " value=%lld", static_cast<long long>(v));
        return std::string(buf);
      });
    case Op::Arange:
      return visit_dtype(n.dtype, [&]<class T>() {
        if constexpr (ref::is_complex_v<T>) {
          return std::string(" complex");  // the API makes no complex aranges
        } else {
          std::snprintf(buf, sizeof buf, " start=%.17g delta=%.17g",
                        double(from_bits<T>(n.payload.v[0])), double(from_bits<T>(n.payload.v[1])));
          return std::string(buf);
        }
      });
    case Op::Linspace: {
      const auto tail = LinspaceTail::unpack(n.payload.v[3]);
      std::snprintf(buf, sizeof buf, " start=%.17g mult=%.17g stop=%.17g num=%lld%s%s",
                    from_bits<double>(n.payload.v[0]), from_bits<double>(n.payload.v[1]),
                    from_bits<double>(n.payload.v[2]), static_cast<long long>(tail.num),
                    tail.endpoint ? "" : " no-endpoint", tail.tiny_step ? " tiny-step" : "");
      return buf;
    }
    case Op::View:
    case Op::Update: {
      std::string s =
          " offset=" + std::to_string(static_cast<int64_t>(n.payload.v[0])) + " strides=(";
      for (int d = 0; d < n.strides.rank(); ++d) s += (d ? "," : "") + std::to_string(n.strides[d]);
      return s + ")" + (n.op == Op::Update && n.payload.v[1] ? " in_place" : "");
    }
    case Op::Eye:
      std::snprintf(buf, sizeof buf, " n=%lld", static_cast<long long>(n.payload.v[0]) - 1);
      return buf;
    default:
      return "";
  }
}
}  // namespace

std::string to_text(const Graph& g) {
  std::string out;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GNode& n = g.nodes[i];
    out += "%" + std::to_string(i) + " = " + std::string(op_info(n.op).fn) + " " +
           std::string(dtype_name(n.dtype)) + " " + to_string(n.shape);
    for (int a = 0; a < n.nargs; ++a) out += " %" + std::to_string(n.args[a]);
    out += payload_text(n) + (n.store ? " store" : "") + "\n";
  }
  out += "outputs:";
  for (int32_t o : g.outputs) out += " %" + std::to_string(o);
  return out + "\n";
}

std::string to_dot(const Graph& g) {
  std::string out = "digraph kiln {\n  rankdir=BT;\n  node [shape=box, fontname=monospace];\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GNode& n = g.nodes[i];
    bool is_output = false;
    for (int32_t o : g.outputs) is_output |= (static_cast<size_t>(o) == i);
    out += "  n" + std::to_string(i) + " [label=\"%" + std::to_string(i) + " " +
           std::string(op_info(n.op).fn) + "\\n" + std::string(dtype_name(n.dtype)) + " " +
           to_string(n.shape) + payload_text(n) + "\"" +
           (n.op == Op::Data ? ", style=filled, fillcolor=lightgrey" : "") +
           (is_output ? ", peripheries=2" : "") + "];\n";
    for (int a = 0; a < n.nargs; ++a)
      out += "  n" + std::to_string(n.args[a]) + " -> n" + std::to_string(i) + ";\n";
  }
  return out + "}\n";
}

void verify(const Graph& g) {
  auto fail = [&](size_t i, const char* what) {
    std::fprintf(stderr, "kiln internal error: graph node %%%zu: %s\n%s", i, what,
                 to_text(g).c_str());
    std::abort();
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GNode& n = g.nodes[i];
    if (n.nargs != (n.op == Op::Data ? 0 : op_info(n.op).arity)) fail(i, "wrong operand count");
    if (n.op == Op::Data && !n.buffer) fail(i, "data node without a buffer");
    if (n.op == Op::View && n.strides.rank() != n.shape.rank()) fail(i, "view strides mismatch");
    for (int a = 0; a < n.nargs; ++a) {
      const int32_t j = n.args[a];
      if (j < 0 || static_cast<size_t>(j) >= i) fail(i, "operand does not precede its user");
      if (!is_elementwise(n.op)) continue;  // views and reductions change shapes
      const Dims& s = g.nodes[j].shape;
      if (s.rank() > n.shape.rank()) fail(i, "operand has a higher rank than the result");
      for (int d = 1; d <= s.rank(); ++d) {
        const int64_t e = s[s.rank() - d];
        if (e != 1 && e != n.shape[n.shape.rank() - d]) fail(i, "operand does not broadcast");
      }
    }
  }
  for (int32_t o : g.outputs)
    if (o < 0 || static_cast<size_t>(o) >= g.nodes.size()) fail(0, "output out of range");
}

}  // namespace kiln::graph
