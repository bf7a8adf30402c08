// The optimizer: named rewrite rules, as data, matched on the captured graph.
//
// Each rule (rule_table.cpp) has a name, the op at the root of its pattern, a level and a
// function that matches the pattern at a node and builds the replacement through a Rewriter. The
// engine (rules.cpp) rebuilds the graph bottom-up: every node, as it is added with its operands
// already final, is offered to the rules of its op only (a table indexed by op: a node no rule
// can match costs one lookup), and a replacement's own new nodes are offered to the rules as they
// are built, so the graph leaves at a fixed point. Rules may look at the graph as the user wrote
// it (Rewriter::written) when a rewrite below has already changed an operand.
//
// Levels, from the safest (OptimizeLevel says which run):
// - exact: the result is bit-identical to evaluating the graph as written, for every input,
//   inf, nan and -0.0 included (nan payloads aside);
// - numpy: the result is numpy's where kiln's general formula differs from it (numpy computes
//   x ** 2 as a square, x ** 0.5 as a square root, ...);
// - accuracy: the result is closer to the true value than the formula as written (log1p, expm1,
//   max-shifted log-sum-exp and softmax, stable sigmoid and softplus, hypot); it may differ from
//   numpy's, toward the true value.
//
// A rule decides from a scalar's class (graph::ScalarClass: one, two, -0.0, ...), never from
// its value, and builds nothing from the value: the structural plan signature keeps each
// scalar's class, so the plan holds for every value of the same class. Constants a rule
// introduces (the 1 of a stable sigmoid) are graph::kFixedConstant, kept out of relocation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "graph/payload.hpp"

namespace kiln::passes {

/// How far a rule departs from the graph as written (see the file comment).
enum class RuleLevel : uint8_t { exact, numpy, accuracy };

/// Which rules run: none, the exact ones, or all of them (kiln::Optimize).
enum class OptimizeLevel : uint8_t { none, exact, full };

/// True when rules of `rule` level run at optimization level `level`.
constexpr bool enabled(RuleLevel rule, OptimizeLevel level) {
  return level == OptimizeLevel::full ||
         (level == OptimizeLevel::exact && rule == RuleLevel::exact);
}

class Rewriter;

/// One named rewrite. `apply` returns the index of the node that replaces `node` (an earlier
/// node, or one built through the Rewriter), or -1 when the pattern or its conditions do not hold.
struct Rule {
  const char* name;     ///< shown by KILN_LOG=rewrites
  graph::Op root;       ///< the op at the pattern's root
  RuleLevel level;      ///< exact, numpy or accuracy
  const char* pattern;  ///< the rewrite, for the log and the docs ("log(1 + x) -> log1p(x)")
  int32_t (*apply)(Rewriter& r, int32_t node);
};

/// Every rule (rule_table.cpp), most specific first within a root op.
std::span<const Rule> rule_table();

/// One rule that fired: which, and the user's call site of the node it rewrote.
struct FiredRule {
  const Rule* rule;
  graph::SourceLoc loc;
};

/// The graph under rewriting, and the tools rules build replacements with. Indices are of the
/// graph being built; operands always precede their users.
class Rewriter {
 public:
  Rewriter(graph::Graph& out, OptimizeLevel level) : out_(out), level_(level) {}

  /// The node at `i`.
  const graph::GNode& node(int32_t i) const { return out_.nodes[i]; }
  /// The node `i` stood for as the user wrote it (before rules replaced it), else `i`.
  int32_t written(int32_t i) const { return written_[i]; }

  /// The class of `i`'s value when it is a scalar constant (a Full, possibly seen through
  /// views), else ScalarClass::other.
  graph::ScalarClass scalar(int32_t i) const;
  /// True when every element of `i` is >= 0 or nan whatever the inputs (abs, square, exp, ...).
  bool nonnegative(int32_t i) const;
  /// True when every element of `i` is <= 0 or nan whatever the inputs: -y for y nonnegative,
  /// and -|x| written as where(x > 0, -x, x) (kiln::softplus) or where(x > 0, -x,
  /// where(x < 0, x, 0)) (kiln::logaddexp).
  bool nonpositive(int32_t i) const;
  /// `i` seen through views.
  int32_t through_views(int32_t i) const;

  /// Adds a node (operands already in the graph) and offers it to the rules; returns the index
  /// that stands for it.
  int32_t add(graph::GNode n);
  /// An elementwise op of `dtype` over operands that broadcast (numpy's rule), at `loc`.
  int32_t op(graph::Op op, DType dtype, std::initializer_list<int32_t> args, graph::SourceLoc loc);
  /// A constant of `dtype` introduced by a rule (graph::kFixedConstant), 0-d unless `shape`.
  int32_t fixed(DType dtype, double value, graph::SourceLoc loc, const graph::Dims& shape = {});
  /// While a Final is alive, nodes added are not offered to the rules: a rule's replacement
  /// that is already in its final form (a max-shifted log-sum-exp) is not matched again.
  class Final {
   public:
    explicit Final(Rewriter& r) : r_(r), was_(r.offer_) { r.offer_ = false; }
    ~Final() { r_.offer_ = was_; }
    Final(const Final&) = delete;
    Final& operator=(const Final&) = delete;

   private:
    Rewriter& r_;
    bool was_;
  };
  /// A reduction of `x` over the axes in `mask`, keeping them as extent 1 when `keepdims`.
  int32_t reduce(graph::Op op, int32_t x, uint64_t mask, bool keepdims, graph::SourceLoc loc);
  /// `x` (contiguous) seen with the same number of elements in `shape`.
  int32_t reshape(int32_t x, const graph::Dims& shape, graph::SourceLoc loc);

  /// Offers node `i` (already added, operands final) to the rules until none fires; returns the
  /// index that stands for it.
  int32_t rewrite(int32_t i);

  /// The rules that fired, in order.
  const std::vector<FiredRule>& fired() const { return fired_; }

 private:
  graph::Graph& out_;
  OptimizeLevel level_;
  std::vector<int32_t> written_;
  std::vector<FiredRule> fired_;
  int depth_ = 0;      // nesting of rewrites inside replacements
  bool offer_ = true;  // nodes added are offered to the rules (see Final)
};

/// Rewrites `g` with the rules enabled at `level`, to a fixed point. Returns the rules that
/// fired (with `log`, also printed to stderr: name, rewrite and call site).
std::vector<FiredRule> apply_rules(graph::Graph& g, OptimizeLevel level, bool log);

}  // namespace kiln::passes
