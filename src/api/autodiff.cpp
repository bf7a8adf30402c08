// The derivative engine: walks the recorded graph between the inputs and the output, then
// builds the backward (or tangent) graph node by node with the rules of derivatives.cpp. It only
// records lazy arrays; what the sync stores or recomputes of the forward graph is decided by the
// scheduler's one materialisation policy (passes/materialize.hpp), as for any other graph.
#include "kiln/autodiff.hpp"

#include <string>
#include <unordered_map>

#include "api/apply.hpp"
#include "api/derivatives.hpp"
#include "graph/payload.hpp"
#include "graph/tracer.hpp"
#include "graph/view.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace detail {

namespace {

std::string where_recorded(const Node* n) {
  return std::string(n->loc.file) + ":" + std::to_string(n->loc.line);
}

bool differentiable_dtype(DType t) {
  return is_floating(t) || is_complex(t);
}

bool is_stop_gradient(const Node* n) {
  return n->op == Op::View && n->payload.v[1] == graph::kStopGradientMark;
}

// The part of the graph below `root` that depends on `inputs`, operands before users, with a
// handle on each node and its operands while rules read them.
struct Subgraph {
  std::vector<RuleInputs> nodes;
  std::unordered_map<const Node*, size_t> index;  // into nodes
};

Subgraph walk(const Array& root, const std::vector<Array>& inputs, const char* fn, SourceLoc loc) {
  graph::Tracer& tracer = context().tracer();
  std::unordered_map<const Node*, bool> depends;  // decided nodes: whether they depend
  std::vector<Node*> order;
  std::vector<std::pair<Node*, int>> stack{{root.node(), 0}};
  std::lock_guard lock(tracer.mutex());
  while (!stack.empty()) {
    auto& [n, next] = stack.back();
    if (next < n->nargs) {  // operands first (a DAG: one never waits on the stack twice)
      Node* arg = n->args[next++];
      if (!depends.count(arg)) stack.push_back({arg, 0});
      continue;
    }
    Node* done = n;
    stack.pop_back();
    bool d = false;
    for (int i = 0; i < done->nargs; ++i) d = d || depends[done->args[i]];
    const bool input = std::find_if(inputs.begin(), inputs.end(), [&](const Array& x) {
                         return x.node() == done;
                       }) != inputs.end();
    d = input || (d && differentiable_dtype(done->dtype) && !is_stop_gradient(done) &&
                  derivative_kind(done->op) != DerivativeKind::Constant);
    // Only where a gradient could have flowed: a bool mask or a count evaluated inside f (a
    // mask's sync) never carried one.
    if (!input && done->nargs == 0 && done->evaluated() && !graph::is_leaf(done->op) &&
        differentiable_dtype(done->dtype) && !is_stop_gradient(done) &&
        derivative_kind(done->op) != DerivativeKind::Constant)
      for (const Array& x : inputs) {  // history dropped at an evaluation: could x be in it?
        const Node* xn = x.node();
        if (done->serial > xn->serial && (done->ancestry & xn->ancestry) == xn->ancestry)
          graph::throw_error(fn,
                             "the array recorded at " + where_recorded(done) +
                                 " was evaluated before differentiating, and may have been "
                                 "computed from the input recorded at " +
                                 where_recorded(xn) +
                                 ": an evaluated array keeps its values, not how they were "
                                 "computed (differentiate before evaluating it, or use "
                                 "kiln::grad(f) on a function)",
                             loc);
      }
    if (d && !input && derivative_kind(done->op) == DerivativeKind::Missing)
      graph::throw_error(fn,
                         std::string("no derivative rule for ") +
                             std::string(graph::op_info(done->op).fn) + " (recorded at " +
                             where_recorded(done) + ") yet",
                         loc);
    depends[done] = d;
    if (d) order.push_back(done);
  }
  Subgraph g;
  g.nodes.reserve(order.size());
  for (Node* n : order) {
    RuleInputs in{n, {}, {}};
    graph::Tracer::add_handle(n);
    in.out = Array(n);
    for (int i = 0; i < n->nargs; ++i) {
      graph::Tracer::add_handle(n->args[i]);
      in.args[static_cast<size_t>(i)] = Array(n->args[i]);
    }
    g.index[n] = g.nodes.size();
    g.nodes.push_back(std::move(in));
  }
  return g;
}

void check_inputs(const std::vector<Array>& inputs, const char* fn, SourceLoc loc) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Node* n = node_of(inputs[i], fn, loc);
    if (!differentiable_dtype(n->dtype))
      graph::throw_error(fn,
                         "input " + std::to_string(i) + " has dtype " +
                             std::string(dtype_name(n->dtype)) +
                             ": derivatives are taken with respect to floating or complex "
                             "arrays only (astype(kiln::float64) first)",
                         loc);
  }
}

// Adds `c` into `into`: masks survive only where both agree.
void accumulate(Cotangent& into, Cotangent c) {
  if (!c.value.valid()) return;
  if (!into.value.valid()) {
    into = std::move(c);
    return;
  }
  into.value = into.value + c.value;
  if (!(into.mask.valid() && c.mask.valid() && into.mask.node() == c.mask.node()))
    into.mask = Array();
}

// `a` itself as a View that carries a differentiation mark (graph/payload.hpp).
Array marked_identity(const Array& a, uint64_t mark, SourceLoc loc) {
  const Node* n = a.node();
  graph::NodeDesc d;
  d.op = Op::View;
  d.dtype = n->dtype;
  d.nargs = 1;
  d.args[0] = a.node();
  d.shape = n->shape;
  d.strides = graph::identity_layout(n->shape).strides;
  d.payload.v[1] = mark;
  d.loc = loc;
  return Array(context().tracer().record(d));
}

Array zeros_of(const Array& a) {
  const Node* n = a.node();
  return constant(Scalar::of(0), n->dtype, n->shape, "grad", n->loc, n->device);
}

}  // namespace

DerivativeScope::DerivativeScope() : pause_(new runtime::Context::AutoEvalPause(context())) {}
DerivativeScope::~DerivativeScope() {
  delete static_cast<runtime::Context::AutoEvalPause*>(pause_);
}

Array differentiated_argument(const Array& a, int position, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = node_of(a, "grad", loc);
  if (!differentiable_dtype(n->dtype))
    graph::throw_error("grad",
                       "argument " + std::to_string(position) + " has dtype " +
                           std::string(dtype_name(n->dtype)) +
                           ": derivatives are taken with respect to floating or complex arrays "
                           "only (astype(kiln::float64) first, or leave it out of argnums)",
                       loc);
  Array marked = marked_identity(a, graph::kDiffInputMark + static_cast<uint64_t>(position), loc);
  // The input is a leaf of f's graph: a bit of its own, so that arrays f computes without it
  // (from constants, whose bit a scalar input shares) are not taken for its descendants.
  graph::Tracer& tracer = context().tracer();
  std::lock_guard lock(tracer.mutex());
  Node* m = marked.node();
  m->ancestry |= graph::leaf_bit(m->serial, Op::Data, 2);
  return marked;
}

Array differentiated_scalar(double value, bool integral, int position,
                            const std::source_location& l) {
  if (integral)
    graph::throw_error("grad",
                       "argument " + std::to_string(position) +
                           " is a C++ integer: derivatives are taken with respect to floating "
                           "values (pass 2.0, not 2)",
                       to_loc(l));
  return differentiated_argument(full({}, value, float64, l), position, l);
}

Array plain_scalar(double value, bool integral, int64_t integer) {
  return integral ? full({}, integer, int64) : full({}, value, float64);
}

void check_argnums(const std::vector<int>& argnums, int nargs, const char* fn,
                   const std::source_location& l) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] < 0 || argnums[i] >= nargs)
      graph::throw_error(fn,
                         "argnums names argument " + std::to_string(argnums[i]) +
                             ", but the function was called with " + std::to_string(nargs) +
                             " arguments",
                         to_loc(l));
    for (size_t j = 0; j < i; ++j)
      if (argnums[j] == argnums[i])
        graph::throw_error(fn, "argnums names argument " + std::to_string(argnums[i]) + " twice",
                           to_loc(l));
  }
}

void wrong_arity(const char* fn, size_t given, const std::source_location& l) {
  graph::throw_error(fn,
                     "the function cannot be called with " + std::to_string(given) +
                         " const Array& arguments (one per primal, at most 8)",
                     to_loc(l));
}

// The value and its derivatives are computed in one sync, whichever is read first (see
// Tracer::compute_together): a later sync of one would otherwise find the other's shared
// nodes stored as written, where the rewrite rules can no longer make them stable.
static void compute_together(const Array& value, const std::vector<Array>& derivatives) {
  std::vector<Node*> nodes{value.node()};
  for (const Array& d : derivatives) nodes.push_back(d.node());
  value.node()->tracer->compute_together(nodes);
}

std::vector<Array> backward(const Array& y, const std::vector<Array>& inputs, const Array& seed,
                            const char* fn, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const Node* yn = node_of(y, fn, loc);
  check_inputs(inputs, fn, loc);
  Array start = seed;
  if (!start.valid()) {
    if (yn->shape.rank() != 0 || !is_floating(yn->dtype))
      graph::throw_error(fn,
                         "the output must be a real floating 0-d array, got shape " +
                             graph::to_string(yn->shape) + " and dtype " +
                             std::string(dtype_name(yn->dtype)) +
                             " (reduce it with sum or mean, or use kiln::vjp)",
                         loc);
    start = ones_like(y);
  } else {
    const Node* sn = node_of(seed, fn, loc);
    if (sn->shape != yn->shape)
      graph::throw_error(fn,
                         "the cotangent has shape " + graph::to_string(sn->shape) +
                             ", the output " + graph::to_string(yn->shape),
                         loc);
    start = cast(seed, yn->dtype, loc);
  }
  Subgraph g = walk(y, inputs, fn, loc);
  std::vector<Cotangent> cots(g.nodes.size());
  const auto root = g.index.find(yn);
  if (root != g.index.end()) cots[root->second].value = start;
  for (size_t k = g.nodes.size(); k-- > 0;) {
    const RuleInputs& in = g.nodes[k];
    if (!cots[k].value.valid() || derivative_kind(in.node->op) != DerivativeKind::Rule) continue;
    std::array<bool, 3> wanted{};
    for (int i = 0; i < in.node->nargs; ++i)
      wanted[static_cast<size_t>(i)] = g.index.count(in.node->args[i]) != 0;
    std::array<Cotangent, 3> sent = vjp_rule(in, cots[k], wanted);
    for (int i = 0; i < in.node->nargs; ++i) {
      const auto it = g.index.find(in.node->args[i]);
      if (it != g.index.end())
        accumulate(cots[it->second], std::move(sent[static_cast<size_t>(i)]));
    }
    if (!std::any_of(inputs.begin(), inputs.end(),
                     [&](const Array& x) { return x.node() == in.node; }))
      cots[k] = Cotangent();  // let go of what no later rule reads
  }
  std::vector<Array> out;
  for (const Array& x : inputs) {
    const auto it = g.index.find(x.node());
    const Array& v = it == g.index.end() ? Array() : cots[it->second].value;
    out.push_back(v.valid() ? cast(v, x.dtype(), loc) : zeros_of(x));
  }
  compute_together(y, out);
  return out;
}

Array forward(const Array& out, const std::vector<Array>& inputs,
              const std::vector<Array>& tangents, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  node_of(out, "jvp", loc);
  check_inputs(inputs, "jvp", loc);
  if (tangents.size() != inputs.size())
    graph::throw_error("jvp",
                       std::to_string(inputs.size()) + " primals but " +
                           std::to_string(tangents.size()) + " tangents",
                       loc);
  Subgraph g = walk(out, inputs, "jvp", loc);
  std::vector<Array> t(g.nodes.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Node* tn = node_of(tangents[i], "jvp", loc);
    const Node* xn = inputs[i].node();
    if (tn->shape != xn->shape)
      graph::throw_error("jvp",
                         "tangent " + std::to_string(i) + " has shape " +
                             graph::to_string(tn->shape) + ", its primal " +
                             graph::to_string(xn->shape),
                         loc);
    const auto it = g.index.find(xn);
    if (it != g.index.end()) t[it->second] = cast(tangents[i], xn->dtype, loc);
  }
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const RuleInputs& in = g.nodes[k];
    if (t[k].valid() || derivative_kind(in.node->op) != DerivativeKind::Rule) continue;
    std::array<Array, 3> ta;
    bool any = false;
    for (int i = 0; i < in.node->nargs; ++i) {
      const auto it = g.index.find(in.node->args[i]);
      if (it != g.index.end() && t[it->second].valid()) {
        ta[static_cast<size_t>(i)] = t[it->second];
        any = true;
      }
    }
    if (any) t[k] = jvp_rule(in, ta);
  }
  const auto root = g.index.find(out.node());
  Array tangent =
      root != g.index.end() && t[root->second].valid() ? t[root->second] : zeros_of(out);
  compute_together(out, {tangent});
  return tangent;
}

}  // namespace detail

Array stop_gradient(const Array& a, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "stop_gradient", loc);
  return detail::marked_identity(a, graph::kStopGradientMark, loc);
}

std::vector<Array> grad(const Array& y, const std::vector<Array>& wrt, std::source_location l) {
  detail::DerivativeScope scope;
  return detail::backward(y, wrt, Array(), "grad", l);
}

}  // namespace kiln
