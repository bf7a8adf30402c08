// The optimizer's rule table: each rule fires on its pattern and not where a condition fails,
// at the levels it belongs to, and every row of the table is exercised here.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "graph/payload.hpp"
#include "passes/rules.hpp"
#include "unit/graph_builder.hpp"

using namespace kiln;
using namespace kiln::graph;
using passes::OptimizeLevel;

namespace {

using Builder = kiln_test::GraphBuilder;

// The names of the rules that fired on `b`'s graph (output: the last node) at `level`.
std::multiset<std::string> fire(Builder& b, OptimizeLevel level = OptimizeLevel::full) {
  b.g.outputs = {static_cast<int32_t>(b.g.nodes.size() - 1)};
  std::multiset<std::string> names;
  for (const passes::FiredRule& f : passes::apply_rules(b.g, level, false))
    names.insert(f.rule->name);
  return names;
}

const GNode& result(const Builder& b) {
  return b.g.nodes[b.g.outputs[0]];
}

std::set<std::string>& covered() {
  static std::set<std::string> names;
  return names;
}

// Each case is a test of its own and also runs in Rules.EveryRuleIsTested (ctest runs each
// test in a process of its own).
std::vector<void (*)()>& all_cases() {
  static std::vector<void (*)()> cases;
  return cases;
}

#define RULE_TEST(name)                                           \
  void name();                                                    \
  const bool name##_listed = (all_cases().push_back(name), true); \
  TEST(Rules, name) {                                             \
    name();                                                       \
  }                                                               \
  void name()

// Fires `b`'s graph and expects exactly the rule `name` among those that fired; records it.
void expect_fires(Builder& b, const std::string& name, OptimizeLevel level = OptimizeLevel::full) {
  const auto names = fire(b, level);
  EXPECT_EQ(names.count(name), 1u) << name;
  covered().insert(name);
}

void expect_quiet(Builder& b, OptimizeLevel level = OptimizeLevel::full) {
  const auto names = fire(b, level);
  EXPECT_TRUE(names.empty()) << *names.begin();
}

}  // namespace

RULE_TEST(Involutions) {
  for (auto [op, t, name] : {std::tuple{Op::Negative, int32, "double_negation"},
                             std::tuple{Op::Invert, uint8, "double_invert"},
                             std::tuple{Op::LogicalNot, bool_, "double_not"}}) {
    Builder b;
    const int32_t x = b.data(t);
    b.op(op, t, {b.op(op, t, {x})});
    expect_fires(b, name, OptimizeLevel::exact);
    EXPECT_EQ(b.g.outputs[0], x);
    Builder once;
    once.op(op, t, {once.data(t)});
    expect_quiet(once);
  }
}

RULE_TEST(AbsOfSign) {
  Builder b;
  const int32_t x = b.data(float32);
  b.op(Op::Abs, float32, {b.op(Op::Negative, float32, {x})});
  expect_fires(b, "abs_of_sign", OptimizeLevel::exact);
  EXPECT_EQ(result(b).op, Op::Abs);
  EXPECT_EQ(result(b).args[0], x);
  Builder u;  // -x wraps for unsigned integers, and abs is the identity there
  u.op(Op::Abs, uint8, {u.op(Op::Negative, uint8, {u.data(uint8)})});
  expect_quiet(u);
}

RULE_TEST(CastChain) {
  Builder b;
  const int32_t x = b.data(int32);
  b.op(Op::Cast, float64, {b.op(Op::Cast, int64, {x})});
  expect_fires(b, "cast_chain", OptimizeLevel::exact);
  EXPECT_EQ(result(b).args[0], x);
  Builder lossy;
  lossy.op(Op::Cast, float64, {lossy.op(Op::Cast, float32, {lossy.data(float64)})});
  expect_quiet(lossy);
}

RULE_TEST(WhereSame) {
  Builder b;
  const int32_t x = b.data(float64);
  b.op(Op::Where, float64, {b.data(bool_), x, x});
  expect_fires(b, "where_same", OptimizeLevel::exact);
  EXPECT_EQ(b.g.outputs[0], x);
  Builder two;
  two.op(Op::Where, float64, {two.data(bool_), two.data(float64), two.data(float64)});
  expect_quiet(two);
}

RULE_TEST(TimesOneMinusZeroPlusNegativeZero) {
  Builder b;
  const int32_t x = b.data(float32);
  b.op(Op::Multiply, float32, {b.value(float32, 1.0), x});
  expect_fires(b, "times_one", OptimizeLevel::exact);
  EXPECT_EQ(b.g.outputs[0], x);
  Builder m;
  m.op(Op::Subtract, float32, {m.data(float32), m.value(float32, 0.0)});
  expect_fires(m, "minus_zero", OptimizeLevel::exact);
  Builder p;
  p.op(Op::Add, float64, {p.data(float64), p.value(float64, -0.0)});
  expect_fires(p, "plus_negative_zero", OptimizeLevel::exact);
  Builder i;  // integers have no -0: x + 0 is x
  i.op(Op::Add, int32, {i.data(int32), i.value(int32, 0)});
  expect_fires(i, "plus_negative_zero", OptimizeLevel::exact);
  // Not exact: x + 0.0 (-0.0 + 0.0 is +0.0), x - (-0.0), 0 - x, x * 2, complex x * 1.
  Builder q1, q2, q3, q4, q5;
  q1.op(Op::Add, float64, {q1.data(float64), q1.value(float64, 0.0)});
  q2.op(Op::Subtract, float64, {q2.data(float64), q2.value(float64, -0.0)});
  q3.op(Op::Subtract, float64, {q3.value(float64, 0.0), q3.data(float64)});
  q4.op(Op::Multiply, float64, {q4.data(float64), q4.value(float64, 2.0)});
  q5.op(Op::Multiply, complex64, {q5.data(complex64), q5.value(float32, 1.0)});
  for (Builder* q : {&q1, &q2, &q3, &q4, &q5}) expect_quiet(*q);
}

RULE_TEST(DivideByPowerOfTwo) {
  Builder b;
  b.op(Op::Divide, float64, {b.data(float64), b.value(float64, 0.25)});
  expect_fires(b, "divide_by_power_of_two", OptimizeLevel::exact);
  EXPECT_EQ(result(b).op, Op::Multiply);
  for (double c : {3.0, 0.0, 0x1p-1070}) {  // inexact reciprocal, x/0, a reciprocal that overflows
    Builder q;
    q.op(Op::Divide, float64, {q.data(float64), q.value(float64, c)});
    expect_quiet(q);
  }
  Builder f;  // 2^-130 is a float32 subnormal whose reciprocal is past float32's range
  f.op(Op::Divide, float32, {f.data(float32), f.value(float32, 0x1p-130)});
  expect_quiet(f);
}

RULE_TEST(PowerOneAndNumpysSpecialCases) {
  Builder b;
  const int32_t x = b.data(float64);
  b.op(Op::Power, float64, {x, b.value(float64, 1.0)});
  expect_fires(b, "power_one", OptimizeLevel::exact);
  EXPECT_EQ(b.g.outputs[0], x);
  for (auto [c, want] : {std::pair{2.0, Op::Square}, std::pair{0.5, Op::Sqrt},
                         std::pair{-1.0, Op::Reciprocal}, std::pair{0.0, Op::Full}}) {
    Builder p;
    p.op(Op::Power, float32, {p.data(float32), p.value(float32, c)});
    expect_quiet(p, OptimizeLevel::exact);  // numpy's forms are not bit-identical to pow
    Builder q;
    q.op(Op::Power, float32, {q.data(float32), q.value(float32, c)});
    expect_fires(q, "power_special");
    EXPECT_EQ(result(q).op, want) << c;
    EXPECT_EQ(result(q).shape, (Dims{8}));
  }
  Builder i;  // integer ** -1 stays an error at the sync
  i.op(Op::Power, int64, {i.data(int64), i.value(int64, -1)});
  expect_quiet(i);
  Builder three;
  three.op(Op::Power, float64, {three.data(float64), three.value(float64, 3.0)});
  expect_quiet(three);
}

RULE_TEST(IntegerSumOfScaled) {
  Builder b;
  b.reduce(Op::Sum, b.op(Op::Multiply, int64, {b.value(int64, 3), b.data(int64)}), 1);
  expect_fires(b, "sum_of_scaled", OptimizeLevel::exact);
  EXPECT_EQ(result(b).op, Op::Multiply);
  Builder f;  // float: c * x may overflow where c * sum(x) does not
  f.reduce(Op::Sum, f.op(Op::Multiply, float64, {f.value(float64, 2.0), f.data(float64)}), 1);
  expect_quiet(f);
}

RULE_TEST(ExtremaOverABroadcastAxis) {
  for (auto [op, t, name] : {std::tuple{Op::Max, float32, "max_broadcast_axis"},
                             std::tuple{Op::Min, int32, "min_broadcast_axis"},
                             std::tuple{Op::Any, bool_, "any_broadcast_axis"},
                             std::tuple{Op::All, bool_, "all_broadcast_axis"}}) {
    Builder b;
    const int32_t v = b.view(b.data(t, {3}), {4, 3}, {0, 1});
    b.reduce(op, v, 0b11);
    expect_fires(b, name, OptimizeLevel::exact);
    EXPECT_EQ(b.g.nodes[result(b).args[0]].shape, (Dims{1, 3}));
    Builder q;  // over the axis that is not repeated: nothing to save
    q.reduce(op, q.view(q.data(t, {3}), {4, 3}, {0, 1}), 0b10);
    expect_quiet(q);
  }
  Builder s;  // a float sum over a repeated axis is not a multiply
  s.reduce(Op::Sum, s.view(s.data(float64, {3}), {4, 3}, {0, 1}), 0b01);
  expect_quiet(s);
}

RULE_TEST(LogOneplusAndExpMinusOne) {
  Builder b;
  b.op(Op::Log, float64, {b.op(Op::Add, float64, {b.data(float64), b.value(float64, 1.0)})});
  expect_quiet(b, OptimizeLevel::exact);
  Builder c;
  const int32_t x = c.data(float64);
  c.op(Op::Log, float64, {c.op(Op::Add, float64, {c.value(float64, 1.0), x})});
  expect_fires(c, "log1p");
  EXPECT_EQ(result(c).op, Op::Log1p);
  EXPECT_EQ(result(c).args[0], x);
  Builder m;
  m.op(Op::Log, float32, {m.op(Op::Subtract, float32, {m.value(float32, 1.0), m.data(float32)})});
  expect_fires(m, "log1p");
  EXPECT_EQ(m.g.nodes[result(m).args[0]].op, Op::Negative);
  Builder e;
  e.op(Op::Subtract, float64, {e.op(Op::Exp, float64, {e.data(float64)}), e.value(float64, 1.0)});
  expect_fires(e, "expm1");
  EXPECT_EQ(result(e).op, Op::Expm1);
  Builder two, flipped;  // log(2 + x); 1 - exp(x)
  two.op(Op::Log, float64,
         {two.op(Op::Add, float64, {two.value(float64, 2.0), two.data(float64)})});
  flipped.op(Op::Subtract, float64,
             {flipped.value(float64, 1.0), flipped.op(Op::Exp, float64, {flipped.data(float64)})});
  expect_quiet(two);
  expect_quiet(flipped);
}

RULE_TEST(LogOfExpAndHypot) {
  Builder b;
  const int32_t x = b.data(float64);
  b.op(Op::Log, float64, {b.op(Op::Exp, float64, {x})});
  expect_fires(b, "log_of_exp");
  EXPECT_EQ(b.g.outputs[0], x);
  Builder h;
  const int32_t p = h.data(float32), q = h.data(float32);
  h.op(Op::Sqrt, float32,
       {h.op(Op::Add, float32,
             {h.op(Op::Multiply, float32, {p, p}), h.op(Op::Square, float32, {q})})});
  expect_fires(h, "hypot");
  EXPECT_EQ(result(h).op, Op::Hypot);
  Builder n;  // x * y is not a square
  const int32_t u = n.data(float32), v = n.data(float32);
  n.op(Op::Sqrt, float32,
       {n.op(Op::Add, float32,
             {n.op(Op::Multiply, float32, {u, v}), n.op(Op::Square, float32, {v})})});
  expect_quiet(n);
}

RULE_TEST(SigmoidSoftplusAndTheirLogs) {
  auto one_plus_exp_minus = [](Builder& b, int32_t x, DType t) {
    return b.op(Op::Add, t, {b.value(t, 1.0), b.op(Op::Exp, t, {b.op(Op::Negative, t, {x})})});
  };
  Builder s;
  s.op(Op::Divide, float64,
       {s.value(float64, 1.0), one_plus_exp_minus(s, s.data(float64), float64)});
  expect_fires(s, "sigmoid");
  EXPECT_EQ(result(s).op, Op::Where);
  Builder r;
  r.op(Op::Reciprocal, float32, {one_plus_exp_minus(r, r.data(float32), float32)});
  expect_fires(r, "sigmoid");
  Builder safe;  // exp(-|x|) cannot overflow: nothing to fix
  safe.op(Op::Divide, float64,
          {safe.value(float64, 1.0),
           one_plus_exp_minus(safe, safe.op(Op::Abs, float64, {safe.data(float64)}), float64)});
  expect_quiet(safe);
  Builder ratio;
  const int32_t e = ratio.op(Op::Exp, float64, {ratio.data(float64)});
  ratio.op(Op::Divide, float64, {e, ratio.op(Op::Add, float64, {e, ratio.value(float64, 1.0)})});
  expect_fires(ratio, "exp_ratio");
  Builder sp;
  const int32_t ex = sp.op(Op::Exp, float64, {sp.data(float64)});
  sp.op(Op::Log, float64, {sp.op(Op::Add, float64, {sp.value(float64, 1.0), ex})});
  const auto names = fire(sp);
  EXPECT_EQ(names.count("log1p"), 1u);
  EXPECT_EQ(names.count("softplus"), 1u);
  covered().insert("softplus");
  EXPECT_EQ(result(sp).op, Op::Add);
  Builder ls;
  ls.op(Op::Log, float64,
        {ls.op(Op::Divide, float64,
               {ls.value(float64, 1.0), one_plus_exp_minus(ls, ls.data(float64), float64)})});
  expect_fires(ls, "log_sigmoid");
  EXPECT_EQ(result(ls).op, Op::Negative);
  // The derivative of log(1 + exp(x)) as the chain rule writes it: (g * (1 / (1 + e))) * e.
  Builder ch;
  const int32_t g = ch.data(float64);
  const int32_t ce = ch.op(Op::Exp, float64, {ch.data(float64)});
  const int32_t inv =
      ch.op(Op::Divide, float64,
            {ch.value(float64, 1.0), ch.op(Op::Add, float64, {ch.value(float64, 1.0), ce})});
  ch.op(Op::Multiply, float64, {ch.op(Op::Multiply, float64, {g, inv}), ce});
  expect_fires(ch, "chain_sigmoid");
  Builder in;  // integers are left alone
  in.op(Op::Log, float64, {in.op(Op::Add, int64, {in.value(int64, 1), in.data(int64)})});
  expect_quiet(in);
}

RULE_TEST(LogSumExpSoftmaxAndLogSoftmax) {
  Builder l;
  const int32_t x = l.data(float64, {4, 5});
  l.op(Op::Log, float64, {l.reduce(Op::Sum, l.op(Op::Exp, float64, {x}), 0b10)});
  expect_fires(l, "logsumexp");
  EXPECT_EQ(result(l).shape, (Dims{4}));
  Builder sm;
  const int32_t y = sm.data(float32, {4, 5});
  const int32_t e = sm.op(Op::Exp, float32, {y});
  sm.op(Op::Divide, float32, {e, sm.reduce(Op::Sum, e, 0b10, true)});
  expect_fires(sm, "softmax");
  EXPECT_EQ(result(sm).shape, (Dims{4, 5}));
  Builder lsm;
  const int32_t z = lsm.data(float64, {4, 5});
  const int32_t ez = lsm.op(Op::Exp, float64, {z});
  lsm.op(Op::Log, float64,
         {lsm.op(Op::Divide, float64, {ez, lsm.reduce(Op::Sum, ez, 0b10, true)})});
  const auto names = fire(lsm);
  EXPECT_EQ(names.count("log_softmax"), 1u);
  covered().insert("log_softmax");
  EXPECT_EQ(result(lsm).op, Op::Subtract);
  // The derivative of log(sum(exp(x), axis 1)) as the chain rule writes it:
  // broadcast(g * (1 / sum(exp(x)))) * exp(x).
  Builder ch;
  const int32_t cx = ch.data(float64, {4, 5});
  const int32_t ce = ch.op(Op::Exp, float64, {cx});
  const int32_t cs = ch.reduce(Op::Sum, ce, 0b10);
  const int32_t cq =
      ch.op(Op::Multiply, float64,
            {ch.data(float64, {4}), ch.op(Op::Divide, float64, {ch.value(float64, 1.0), cs})});
  ch.op(Op::Multiply, float64, {ch.view(cq, {4, 5}, {1, 0}), ce});
  expect_fires(ch, "chain_softmax");
  EXPECT_EQ(result(ch).shape, (Dims{4, 5}));
  // Its tangent as forward mode writes it: sum(t * exp(x)) * (1 / sum(exp(x))), and with a
  // tangent of ones (t * 1 -> t made it) sum(exp(x)) / sum(exp(x)).
  Builder tg;
  const int32_t tx = tg.data(float64, {4, 5});
  const int32_t te = tg.op(Op::Exp, float64, {tx});
  const int32_t ts = tg.reduce(Op::Sum, te, 0b10);
  const int32_t moved =
      tg.reduce(Op::Sum, tg.op(Op::Multiply, float64, {tg.data(float64, {4, 5}), te}), 0b10);
  tg.op(Op::Multiply, float64, {moved, tg.op(Op::Divide, float64, {tg.value(float64, 1.0), ts})});
  expect_fires(tg, "tangent_softmax");
  EXPECT_EQ(result(tg).shape, (Dims{4}));
  Builder ones;
  const int32_t oe = ones.op(Op::Exp, float32, {ones.data(float32, {4, 5})});
  ones.op(Op::Divide, float32, {ones.reduce(Op::Sum, oe, 0b01), ones.reduce(Op::Sum, oe, 0b01)});
  expect_fires(ones, "tangent_softmax");
  Builder axes;  // sums over different axes: not a tangent of log-sum-exp
  const int32_t ae = axes.op(Op::Exp, float32, {axes.data(float32, {4, 4})});
  axes.op(Op::Divide, float32, {axes.reduce(Op::Sum, ae, 0b01), axes.reduce(Op::Sum, ae, 0b10)});
  expect_quiet(axes);
  Builder other;  // exp(x) / sum(exp(y)): not a softmax
  const int32_t ea = other.op(Op::Exp, float64, {other.data(float64, {4, 5})});
  const int32_t eb = other.op(Op::Exp, float64, {other.data(float64, {4, 5})});
  other.op(Op::Divide, float64, {ea, other.reduce(Op::Sum, eb, 0b10, true)});
  expect_quiet(other);
  Builder empty;  // nothing to reduce: max would have no elements
  empty.op(
      Op::Log, float64,
      {empty.reduce(Op::Sum, empty.op(Op::Exp, float64, {empty.data(float64, {4, 0})}), 0b10)});
  expect_quiet(empty);
}

TEST(Rules, NoneRunsNothing) {
  Builder b;
  b.op(Op::Negative, int32, {b.op(Op::Negative, int32, {b.data(int32)})});
  expect_quiet(b, OptimizeLevel::none);
}

TEST(Rules, EveryRuleIsTested) {
  for (void (*run)() : all_cases()) run();
  for (const passes::Rule& r : passes::rule_table())
    EXPECT_EQ(covered().count(r.name), 1u) << "no test fires rule " << r.name;
}
