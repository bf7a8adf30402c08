// The rule engine (rules.hpp): a bottom-up rebuild of the graph that offers each node to the
// rules of its op.
#include "passes/rules.hpp"

#include <array>
#include <cmath>
#include <cstdio>

#include "graph/errors.hpp"
#include "graph/payload.hpp"
#include "passes/dce.hpp"

namespace kiln::passes {

using graph::Dims;
using graph::GNode;
using graph::Op;

namespace {

// Replacements nest (a rule's new nodes are offered to the rules too); a cycle of rules would
// stop here rather than recurse without end.
constexpr int kMaxDepth = 16;

// The rules of each root op, in table order: a node whose op has no rule costs one lookup.
const std::vector<const Rule*>& rules_for(Op op) {
  static const auto by_op = [] {
    std::array<std::vector<const Rule*>, graph::kNumOps> table;
    for (const Rule& r : rule_table()) table[static_cast<size_t>(r.root)].push_back(&r);
    return table;
  }();
  return by_op[static_cast<size_t>(op)];
}

// numpy's broadcast of two shapes (the graph's operands always broadcast).
Dims broadcast(const Dims& a, const Dims& b) {
  const Dims& longer = a.rank() >= b.rank() ? a : b;
  const Dims& shorter = a.rank() >= b.rank() ? b : a;
  Dims out = longer;
  const int skip = longer.rank() - shorter.rank();
  for (int d = 0; d < shorter.rank(); ++d)
    if (out[skip + d] == 1) out[skip + d] = shorter[d];
  return out;
}

}  // namespace

graph::ScalarClass Rewriter::scalar(int32_t i) const {
  const GNode* n = &out_.nodes[i];
  while (n->op == Op::View) n = &out_.nodes[n->args[0]];
  return n->op == Op::Full ? graph::scalar_class(n->dtype, n->payload.v[0])
                           : graph::ScalarClass::other;
}

bool Rewriter::nonnegative(int32_t i) const {
  switch (out_.nodes[i].op) {
    case Op::Abs:
    case Op::Square:
    case Op::Exp:
    case Op::Exp2:
    case Op::Sqrt:
    case Op::Hypot:
      return true;
    default:
      return false;
  }
}

int32_t Rewriter::through_views(int32_t i) const {
  while (out_.nodes[i].op == Op::View) i = out_.nodes[i].args[0];
  return i;
}

bool Rewriter::nonpositive(int32_t i) const {
  const GNode& n = out_.nodes[i];
  if (n.op == Op::Negative) return nonnegative(n.args[0]);
  if (n.op != Op::Where) return false;
  // where(x > 0, -x, rest) with rest x, or where(x < 0, x, 0).
  const GNode& c = out_.nodes[n.args[0]];
  const GNode& neg = out_.nodes[n.args[1]];
  if (c.op != Op::Greater || scalar(c.args[1]) != graph::ScalarClass::zero ||
      neg.op != Op::Negative || neg.args[0] != c.args[0])
    return false;
  const int32_t x = c.args[0];
  if (n.args[2] == x) return true;
  const GNode& rest = out_.nodes[n.args[2]];
  if (rest.op != Op::Where || rest.args[1] != x || scalar(rest.args[2]) != graph::ScalarClass::zero)
    return false;
  const GNode& below = out_.nodes[rest.args[0]];
  return below.op == Op::Less && below.args[0] == x &&
         scalar(below.args[1]) == graph::ScalarClass::zero;
}

int32_t Rewriter::add(GNode n) {
  const int32_t i = out_.add(std::move(n));
  written_.push_back(i);
  return offer_ ? rewrite(i) : i;
}

int32_t Rewriter::op(Op op, DType dtype, std::initializer_list<int32_t> args,
                     graph::SourceLoc loc) {
  GNode n;
  n.op = op;
  n.dtype = dtype;
  n.loc = loc;
  for (int32_t a : args) {
    n.shape = n.nargs == 0 ? out_.nodes[a].shape : broadcast(n.shape, out_.nodes[a].shape);
    n.args[n.nargs++] = a;
  }
  return add(std::move(n));
}

int32_t Rewriter::fixed(DType dtype, double value, graph::SourceLoc loc, const Dims& shape) {
  GNode n;
  n.op = Op::Full;
  n.shape = shape;
  n.dtype = dtype;
  n.loc = loc;
  n.source = graph::kFixedConstant;
  n.payload.v[0] = graph::visit_dtype(dtype, [&]<class T>() -> uint64_t {
    if constexpr (std::is_same_v<T, std::complex<double>>)
      return 0;  // rules build real constants only
    else
      return graph::to_bits(static_cast<T>(value));
  });
  return add(std::move(n));
}

int32_t Rewriter::reduce(Op op, int32_t x, uint64_t mask, bool keepdims, graph::SourceLoc loc) {
  GNode n;
  n.op = op;
  n.dtype = out_.nodes[x].dtype;
  n.loc = loc;
  n.nargs = 1;
  n.args[0] = x;
  const Dims& in = out_.nodes[x].shape;
  for (int d = 0; d < in.rank(); ++d) {
    if (!(mask >> d & 1))
      n.shape.push_back(in[d]);
    else if (keepdims)
      n.shape.push_back(1);
  }
  n.payload.v[0] = mask;
  n.payload.v[1] = keepdims;
  return add(std::move(n));
}

int32_t Rewriter::reshape(int32_t x, const Dims& shape, graph::SourceLoc loc) {
  if (out_.nodes[x].shape == shape) return x;
  GNode n;
  n.op = Op::View;
  n.dtype = out_.nodes[x].dtype;
  n.loc = loc;
  n.nargs = 1;
  n.args[0] = x;
  n.shape = shape;
  n.strides = graph::contiguous_strides(shape);
  return add(std::move(n));
}

int32_t Rewriter::rewrite(int32_t i) {
  if (depth_ >= kMaxDepth) return i;
  for (const Rule* rule : rules_for(out_.nodes[i].op)) {
    if (!enabled(rule->level, level_)) continue;
    ++depth_;
    const int32_t r = rule->apply(*this, i);
    --depth_;
    if (r < 0 || r == i) continue;
    const GNode& was = out_.nodes[i];
    GNode& now = out_.nodes[r];
    KILN_CHECK(now.shape == was.shape && now.dtype == was.dtype,
               std::string("rewrite rule ") + rule->name + " changed a node's shape or dtype");
    now.store |= was.store;
    if (r > i) written_[r] = written_[i];  // a node built for it stands for what was written
    // A replacement built for the node carries the call site the rule chose (a derivative's
    // rule names the user's forward op, not kiln's chain rule); a redirect names the node.
    fired_.push_back({rule, r > i ? now.loc : was.loc});
    return r;  // built through add(), so already offered to the rules
  }
  return i;
}

std::vector<FiredRule> apply_rules(graph::Graph& g, OptimizeLevel level, bool log) {
  if (level == OptimizeLevel::none) return {};
  graph::Graph out;
  out.nodes.reserve(g.nodes.size() + g.nodes.size() / 4);
  out.visits = g.visits;
  out.values_used = g.values_used;
  std::vector<int32_t> index(g.nodes.size());
  Rewriter r(out, level);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    GNode n = std::move(g.nodes[i]);
    for (int a = 0; a < n.nargs; ++a) n.args[a] = index[n.args[a]];
    index[i] = r.add(std::move(n));
  }
  for (int32_t& o : out.outputs = g.outputs) o = index[o];
  out.visits += out.nodes.size();
  g = std::move(out);
  if (!r.fired().empty()) dce(g);  // what the rules replaced must not count as a user
  if (log)
    for (const FiredRule& f : r.fired())
      std::fprintf(stderr, "kiln: rewrite %s (%s) at %s:%u\n", f.rule->name, f.rule->pattern,
                   f.loc.file, f.loc.line);
  return r.fired();
}

}  // namespace kiln::passes
