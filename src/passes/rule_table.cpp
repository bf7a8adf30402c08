// The optimizer's rules (rules.hpp): one table, each row a named rewrite with its level.
//
// Every rule keeps the node's shape and dtype (the engine checks). Building a node can move the
// graph's nodes: a rule that builds more than one reads what it needs first (a copy of the node,
// operand indices), never through a reference held across a build. Rules match on operands that
// are already rewritten; a pattern that an earlier rewrite of an operand hides is matched on
// the operand as written (Rewriter::written). What is deliberately absent: x - x -> 0 and
// x * 0 -> 0 (nan and inf), and float sums over a broadcast axis turned into a multiply.
#include <cmath>

#include "graph/types.hpp"
#include "passes/rules.hpp"

namespace kiln::passes {

namespace {

using graph::GNode;
using graph::Op;
using graph::ScalarClass;

bool real_float(DType t) {
  return is_floating(t);
}

// `i` has `n`'s shape and dtype, so it can stand for n.
bool fits(const Rewriter& r, int32_t i, const GNode& n) {
  return r.node(i).shape == n.shape && r.node(i).dtype == n.dtype;
}

// For a binary node with a scalar of class `c` on one side (either side when `commutes`, else
// the right one only), the other operand when it can stand for the node; -1 otherwise.
int32_t beside(const Rewriter& r, const GNode& n, ScalarClass c, bool commutes) {
  if (r.scalar(n.args[1]) == c && fits(r, n.args[0], n)) return n.args[0];
  if (commutes && r.scalar(n.args[0]) == c && fits(r, n.args[1], n)) return n.args[1];
  return -1;
}

// ---- exact -----------------------------------------------------------------------------------

// -(-x), ~~x, not(not(x)) == x (integer negation wraps both ways).
int32_t involution(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& a = r.node(n.args[0]);
  return a.op == n.op && fits(r, a.args[0], n) ? a.args[0] : -1;
}

// abs(abs(x)) == abs(x); abs(-x) == abs(x) except for unsigned integers (abs is the identity
// there, and -x wraps).
int32_t abs_of_sign(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& a = r.node(n.args[0]);
  if (a.op == Op::Abs) return n.args[0];
  if (a.op != Op::Negative || is_unsigned(n.dtype)) return -1;
  return r.op(Op::Abs, n.dtype, {a.args[0]}, n.loc);
}

// cast(cast(x, A), B) == cast(x, B) when x -> A loses nothing; a cast to x's own dtype is x.
int32_t cast_chain(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& a = r.node(n.args[0]);
  if (fits(r, n.args[0], n)) return n.args[0];
  if (a.op != Op::Cast || !graph::is_exact_cast(r.node(a.args[0]).dtype, a.dtype)) return -1;
  if (fits(r, a.args[0], n)) return a.args[0];
  GNode c = n;
  c.args[0] = a.args[0];
  return r.add(std::move(c));
}

// where(c, x, x) == x.
int32_t where_same(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  return n.args[1] == n.args[2] && fits(r, n.args[1], n) ? n.args[1] : -1;
}

// x * 1 == x (not for complex numbers: (a+bi)(1+0i) computes b*0, nan for infinite b).
int32_t times_one(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  if (is_complex(n.dtype) || n.dtype == DType::bool_) return -1;
  return beside(r, n, ScalarClass::one, true);
}

// x - 0 == x (-0.0 - 0.0 is -0.0).
int32_t minus_zero(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  if (is_complex(n.dtype)) return -1;
  return beside(r, n, ScalarClass::zero, false);
}

// x + (-0.0) == x for floats (x + 0.0 is not: -0.0 + 0.0 is +0.0); x + 0 == x for integers.
int32_t plus_zero(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  if (is_complex(n.dtype) || n.dtype == DType::bool_) return -1;
  return beside(r, n, is_integer(n.dtype) ? ScalarClass::zero : ScalarClass::negative_zero, true);
}

// x / c == x * (1 / c) for c = +-2^k whose reciprocal is exact: both round the same real
// number. Constant folding then computes 1 / c, which makes the plan one for this value of c
// (a derived constant), as any folded scalar does.
int32_t divide_by_power_of_two(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  if (!real_float(n.dtype) || !fits(r, n.args[0], n) || r.node(n.args[1]).dtype != n.dtype)
    return -1;
  const int32_t x = n.args[0], c = n.args[1];
  const DType t = n.dtype;
  const graph::SourceLoc loc = n.loc;
  switch (r.scalar(c)) {
    case ScalarClass::one:
      return x;
    case ScalarClass::minus_one:
    case ScalarClass::two:
    case ScalarClass::half:
    case ScalarClass::power_of_two: {
      const int32_t inverse = r.op(Op::Reciprocal, t, {c}, loc);
      return r.op(Op::Multiply, t, {x, inverse}, loc);
    }
    default:
      return -1;
  }
}

// x ** 1 == x (pow(x, 1) is x for every x).
int32_t power_one(Rewriter& r, int32_t i) {
  return beside(r, r.node(i), ScalarClass::one, false);
}

// sum(c * x) == c * sum(x) for integers summed in their own dtype (wrapping arithmetic
// distributes). Not for floats: c * x can overflow or underflow where c * sum(x) does not.
int32_t sum_of_scaled(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& m = r.node(n.args[0]);
  if (!is_integer(n.dtype) || m.op != Op::Multiply || m.dtype != n.dtype) return -1;
  for (int side = 0; side < 2; ++side) {
    const int32_t c = m.args[side], x = m.args[1 - side];
    const GNode& cn = r.node(c);
    if (cn.op != Op::Full || cn.shape.rank() != 0 || !fits(r, x, m)) continue;
    GNode s = n;
    s.args[0] = x;
    const DType t = s.dtype;
    const graph::SourceLoc loc = s.loc;
    const int32_t total = r.add(std::move(s));
    return r.op(Op::Multiply, t, {c, total}, loc);
  }
  return -1;
}

// max, min, any and all over an axis that a broadcast repeats (stride 0) reduce one copy of it.
int32_t reduce_broadcast_axis(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& v = r.node(n.args[0]);
  if (v.op != Op::View) return -1;
  GNode narrow = v;
  bool any = false;
  for (int d = 0; d < v.shape.rank(); ++d) {
    if ((n.payload.v[0] >> d & 1) && v.strides[d] == 0 && v.shape[d] > 1) {
      narrow.shape[d] = 1;
      any = true;
    }
  }
  if (!any) return -1;
  GNode m = n;
  m.args[0] = r.add(std::move(narrow));
  return r.add(std::move(m));
}

// ---- numpy's special cases of power ------------------------------------------------------------

// numpy computes x ** 2 as square(x), x ** 0.5 as sqrt(x), x ** -1 as reciprocal(x) and x ** 0
// as ones; kiln's general pow can differ from these in the last bit (sqrt also at -0.0 and
// -inf). Integers: only 0 and 2 (x ** -1 is an error for integer arrays).
int32_t power_special(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const int32_t x = n.args[0];
  if (!fits(r, x, n) || is_complex(n.dtype)) return -1;
  const bool flt = real_float(n.dtype);
  switch (r.scalar(n.args[1])) {
    case ScalarClass::two:
      return r.op(Op::Square, n.dtype, {x}, n.loc);
    case ScalarClass::zero:
    case ScalarClass::negative_zero:
      return r.fixed(n.dtype, 1.0, n.loc, n.shape);
    case ScalarClass::half:
      return flt ? r.op(Op::Sqrt, n.dtype, {x}, n.loc) : -1;
    case ScalarClass::minus_one:
      return flt ? r.op(Op::Reciprocal, n.dtype, {x}, n.loc) : -1;
    default:
      return -1;
  }
}

// ---- accuracy ----------------------------------------------------------------------------------

// The stable forms the accuracy rules build, already final (not matched again).

// 1 / (1 + exp(-x)) without overflow: with e = exp(-|x|) <= 1, 1 / (1 + e) for x >= 0 and
// e / (1 + e) below.
int32_t stable_sigmoid(Rewriter& r, int32_t x, graph::SourceLoc loc) {
  Rewriter::Final final(r);
  const DType t = r.node(x).dtype;
  const int32_t one = r.fixed(t, 1.0, loc);
  const int32_t e =
      r.op(Op::Exp, t, {r.op(Op::Negative, t, {r.op(Op::Abs, t, {x}, loc)}, loc)}, loc);
  const int32_t d = r.op(Op::Add, t, {one, e}, loc);
  const int32_t nonneg = r.op(Op::GreaterEqual, DType::bool_, {x, r.fixed(t, 0.0, loc)}, loc);
  return r.op(Op::Where, t,
              {nonneg, r.op(Op::Divide, t, {one, d}, loc), r.op(Op::Divide, t, {e, d}, loc)}, loc);
}

// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
int32_t stable_softplus(Rewriter& r, int32_t x, graph::SourceLoc loc) {
  Rewriter::Final final(r);
  const DType t = r.node(x).dtype;
  const int32_t e =
      r.op(Op::Exp, t, {r.op(Op::Negative, t, {r.op(Op::Abs, t, {x}, loc)}, loc)}, loc);
  return r.op(Op::Add, t,
              {r.op(Op::Maximum, t, {x, r.fixed(t, 0.0, loc)}, loc), r.op(Op::Log1p, t, {e}, loc)},
              loc);
}

// The shift of a max-shifted reduction over the axes in `mask`: max(x) kept as extent-1 axes,
// or 0 where that max is not finite (all -inf, or an inf or nan that the sum propagates anyway).
int32_t shift_of(Rewriter& r, int32_t x, uint64_t mask, graph::SourceLoc loc) {
  const DType t = r.node(x).dtype;
  const int32_t m = r.reduce(Op::Max, x, mask, true, loc);
  return r.op(Op::Where, t, {r.op(Op::IsFinite, DType::bool_, {m}, loc), m, r.fixed(t, 0.0, loc)},
              loc);
}

// exp(x - m) with m = shift_of(x, mask) (returned in `m` when asked): the terms of every
// max-shifted sum of exponentials below.
int32_t shifted_exp(Rewriter& r, int32_t x, uint64_t mask, graph::SourceLoc loc,
                    int32_t* m = nullptr) {
  const DType t = r.node(x).dtype;
  const int32_t shift = shift_of(r, x, mask, loc);
  if (m) *m = shift;
  return r.op(Op::Exp, t, {r.op(Op::Subtract, t, {x, shift}, loc)}, loc);
}

// A reduction over `mask` of x's shape has at least one element (max has no identity).
bool reduces_something(const Rewriter& r, int32_t x, uint64_t mask) {
  const graph::Dims& s = r.node(x).shape;
  for (int d = 0; d < s.rank(); ++d)
    if ((mask >> d & 1) && s[d] == 0) return false;
  return true;
}

// x is already shifted by a maximum (x - m, m a max reduction or its shift_of): exp(x) cannot
// overflow (kiln::softmax, kiln::special::logsumexp, or a rule's own result).
bool shifted_by_max(const Rewriter& r, int32_t x) {
  const GNode& n = r.node(x);
  if (n.op != Op::Subtract) return false;
  const GNode& m = r.node(r.through_views(n.args[1]));
  return m.op == Op::Max || (m.op == Op::Where && r.node(r.through_views(m.args[1])).op == Op::Max);
}

// For a sum node `s` of exp(x) (same dtype, x not already shifted), x; else -1.
int32_t sum_of_exp(const Rewriter& r, int32_t s) {
  const GNode& sn = r.node(s);
  if (sn.op != Op::Sum) return -1;
  const GNode& e = r.node(sn.args[0]);
  if (e.op != Op::Exp || e.dtype != sn.dtype || !reduces_something(r, e.args[0], sn.payload.v[0]) ||
      shifted_by_max(r, e.args[0]))
    return -1;
  return e.args[0];
}

// log(1 + x), log(x + 1) -> log1p(x); log(1 - x) -> log1p(-x).
int32_t log_one_plus(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& a = r.node(n.args[0]);
  if (!real_float(n.dtype) || a.dtype != n.dtype || a.shape != n.shape) return -1;
  if (a.op == Op::Add) {
    const int32_t x = beside(r, a, ScalarClass::one, true);
    return x < 0 ? -1 : r.op(Op::Log1p, n.dtype, {x}, n.loc);
  }
  if (a.op == Op::Subtract && r.scalar(a.args[0]) == ScalarClass::one && fits(r, a.args[1], a)) {
    const DType t = n.dtype;
    const graph::SourceLoc loc = n.loc;
    const int32_t minus = r.op(Op::Negative, t, {a.args[1]}, loc);
    return r.op(Op::Log1p, t, {minus}, loc);
  }
  return -1;
}

// exp(x) - 1 -> expm1(x).
int32_t exp_minus_one(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  if (!real_float(n.dtype) || r.scalar(n.args[1]) != ScalarClass::one) return -1;
  const GNode& e = r.node(n.args[0]);
  if (e.op != Op::Exp || !fits(r, n.args[0], n)) return -1;
  return r.op(Op::Expm1, n.dtype, {e.args[0]}, n.loc);
}

// log(exp(x)) -> x (exp overflows from 710 on; x does not).
int32_t log_of_exp(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& e = r.node(n.args[0]);
  return real_float(n.dtype) && e.op == Op::Exp && fits(r, e.args[0], n) ? e.args[0] : -1;
}

// log1p(exp(x)) (which log(1 + exp(x)) becomes) -> the stable softplus, unless x <= 0 is known.
int32_t softplus_rule(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& e = r.node(n.args[0]);
  if (!real_float(n.dtype) || e.op != Op::Exp || !fits(r, e.args[0], n)) return -1;
  if (r.nonpositive(e.args[0])) return -1;  // exp cannot overflow
  return stable_softplus(r, e.args[0], n.loc);
}

// The x of 1 + exp(-x) (either order), or -1; not when -x <= 0 is known (no overflow).
int32_t one_plus_exp_minus(const Rewriter& r, int32_t i) {
  const GNode& a = r.node(i);
  if (a.op != Op::Add) return -1;
  for (int side = 0; side < 2; ++side) {
    const GNode& e = r.node(a.args[1 - side]);
    if (r.scalar(a.args[side]) != ScalarClass::one || e.op != Op::Exp || e.shape != a.shape)
      continue;
    const GNode& neg = r.node(e.args[0]);
    if (neg.op == Op::Negative && !r.nonnegative(neg.args[0])) return neg.args[0];
  }
  return -1;
}

// The x of a sigmoid written 1 / (1 + exp(-x)) or reciprocal(1 + exp(-x)), or -1.
int32_t sigmoid_written(const Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  if (n.op == Op::Reciprocal) return one_plus_exp_minus(r, n.args[0]);
  if (n.op == Op::Divide && r.scalar(n.args[0]) == ScalarClass::one)
    return one_plus_exp_minus(r, n.args[1]);
  return -1;
}

// 1 / (1 + exp(-x)) -> the stable sigmoid.
int32_t sigmoid_rule(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const int32_t x = sigmoid_written(r, i);
  if (!real_float(n.dtype) || x < 0 || !fits(r, x, n)) return -1;
  return stable_sigmoid(r, x, n.loc);
}

// exp(x) / (1 + exp(x)) -> the stable sigmoid (also what the derivative of log(1 + exp(x))
// computes).
int32_t exp_ratio_rule(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& e = r.node(n.args[0]);
  const GNode& d = r.node(n.args[1]);
  if (!real_float(n.dtype) || e.op != Op::Exp || d.op != Op::Add || !fits(r, e.args[0], n))
    return -1;
  if (beside(r, d, ScalarClass::one, true) != n.args[0]) return -1;
  if (r.nonpositive(e.args[0])) return -1;  // exp cannot overflow
  return stable_sigmoid(r, e.args[0], n.loc);
}

// For `q` = g / d, written as g / d, 1 / d, reciprocal(d) or g * (1 / d): true, with `g` -1
// when it is 1.
bool ratio(const Rewriter& r, int32_t q, int32_t& g, int32_t& d) {
  const GNode& n = r.node(q);
  g = -1;
  if (n.op == Op::Reciprocal) {
    d = n.args[0];
    return true;
  }
  if (n.op == Op::Divide) {
    if (r.scalar(n.args[0]) != ScalarClass::one) g = n.args[0];
    d = n.args[1];
    return true;
  }
  if (n.op != Op::Multiply) return false;
  for (int k = 0; k < 2; ++k) {
    const GNode& f = r.node(n.args[k]);
    const bool inverse =
        f.op == Op::Reciprocal || (f.op == Op::Divide && r.scalar(f.args[0]) == ScalarClass::one);
    if (!inverse) continue;
    g = n.args[1 - k];
    d = f.args[f.op == Op::Divide ? 1 : 0];
    return true;
  }
  return false;
}

// For `q` = g / (1 + e) with e the node `e`: true, with `g` -1 when it is 1.
bool over_one_plus(const Rewriter& r, int32_t q, int32_t e, int32_t& g) {
  int32_t d = -1;
  return ratio(r, q, g, d) && r.node(d).op == Op::Add &&
         beside(r, r.node(d), ScalarClass::one, true) == e;
}

// g / (1 + exp(x)) * exp(x) -> g * sigmoid(x): the derivative of log(1 + exp(x)) as the chain
// rule writes it (inf / inf at x = 800 as written).
int32_t chain_sigmoid_rule(Rewriter& r, int32_t i) {
  const GNode n = r.node(i);
  if (!real_float(n.dtype)) return -1;
  for (int side = 0; side < 2; ++side) {
    const int32_t e = n.args[side];
    int32_t g = -1;
    if (r.node(e).op != Op::Exp || !over_one_plus(r, n.args[1 - side], e, g)) continue;
    const int32_t x = r.node(e).args[0];
    if (!fits(r, x, r.node(e)) || (g >= 0 && r.node(g).dtype != n.dtype)) continue;
    const graph::SourceLoc loc = r.node(e).loc;  // the user's exp, not the chain rule's multiply
    const int32_t s = stable_sigmoid(r, x, loc);
    const int32_t out = g < 0 ? s : r.op(Op::Multiply, n.dtype, {g, s}, loc);
    if (r.node(out).shape == n.shape) return out;
  }
  return -1;
}

// (g / sum(exp(x)), seen in x's shape) * exp(x) -> g * softmax(x): the derivative of
// log(sum(exp(x))) as the chain rule writes it (0 * inf at x = 1000 as written).
int32_t chain_softmax_rule(Rewriter& r, int32_t i) {
  const GNode n = r.node(i);
  if (!real_float(n.dtype)) return -1;
  for (int side = 0; side < 2; ++side) {
    const int32_t e = n.args[side];
    int32_t q = n.args[1 - side], g = -1, s = -1;
    const bool viewed = r.node(q).op == Op::View;  // the sum's cotangent broadcast back
    if (viewed) q = r.node(q).args[0];
    if (r.node(e).op != Op::Exp || !fits(r, e, n) || !ratio(r, q, g, s) || sum_of_exp(r, s) < 0 ||
        r.node(s).args[0] != e || (g >= 0 && r.node(g).shape != r.node(q).shape))
      continue;
    const int32_t x = r.node(e).args[0];
    const uint64_t mask = r.node(s).payload.v[0];
    GNode g_view = r.node(n.args[1 - side]);     // g seen through the same view
    const graph::SourceLoc loc = r.node(e).loc;  // the user's exp, not the chain rule's multiply
    Rewriter::Final final(r);
    const DType t = n.dtype;
    const int32_t shifted = shifted_exp(r, x, mask, loc);
    const int32_t softmax =
        r.op(Op::Divide, t, {shifted, r.reduce(Op::Sum, shifted, mask, true, loc)}, loc);
    if (g < 0) return softmax;
    if (viewed) g_view.args[0] = g;
    const int32_t cotangent = viewed ? r.add(std::move(g_view)) : g;
    return r.op(Op::Multiply, t, {cotangent, softmax}, loc);
  }
  return -1;
}

// log(sigmoid(x)) -> -softplus(-x).
int32_t log_sigmoid_rule(Rewriter& r, int32_t i) {
  const GNode n = r.node(i);
  const int32_t x = sigmoid_written(r, r.written(n.args[0]));
  if (!real_float(n.dtype) || x < 0 || !fits(r, x, n)) return -1;
  const int32_t sp = stable_softplus(r, r.op(Op::Negative, n.dtype, {x}, n.loc), n.loc);
  Rewriter::Final final(r);
  return r.op(Op::Negative, n.dtype, {sp}, n.loc);
}

// sqrt(x*x + y*y), with squares or products -> hypot(x, y).
int32_t hypot_rule(Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  const GNode& a = r.node(n.args[0]);
  if (!real_float(n.dtype) || a.op != Op::Add || a.dtype != n.dtype) return -1;
  int32_t base[2];
  for (int side = 0; side < 2; ++side) {
    const GNode& s = r.node(a.args[side]);
    if (s.op == Op::Square)
      base[side] = s.args[0];
    else if (s.op == Op::Multiply && s.args[0] == s.args[1])
      base[side] = s.args[0];
    else
      return -1;
    if (r.node(base[side]).dtype != n.dtype) return -1;
  }
  return r.op(Op::Hypot, n.dtype, {base[0], base[1]}, n.loc);
}

// log(sum(exp(x))) -> max-shifted: log(sum(exp(x - m))) + m, finite for inputs of 1000.
int32_t logsumexp_rule(Rewriter& r, int32_t i) {
  const GNode n = r.node(i);
  const int32_t s = n.args[0];
  const int32_t x = sum_of_exp(r, s);
  if (!real_float(n.dtype) || x < 0 || r.node(s).dtype != n.dtype) return -1;
  const uint64_t mask = r.node(s).payload.v[0];
  const bool keepdims = r.node(s).payload.v[1] != 0;
  Rewriter::Final final(r);
  const DType t = n.dtype;
  int32_t m = -1;
  const int32_t e = shifted_exp(r, x, mask, n.loc, &m);
  const int32_t sum = r.reduce(Op::Sum, e, mask, keepdims, n.loc);
  return r.op(Op::Add, t, {r.op(Op::Log, t, {sum}, n.loc), r.reshape(m, n.shape, n.loc)}, n.loc);
}

// For exp(x) / sum(exp(x)) at `i` (the same exp node), x; else -1.
int32_t softmax_written(const Rewriter& r, int32_t i) {
  const GNode& n = r.node(i);
  if (n.op != Op::Divide || !real_float(n.dtype) || r.node(n.args[0]).op != Op::Exp) return -1;
  const int32_t x = sum_of_exp(r, n.args[1]);
  if (x < 0 || r.node(r.node(n.args[1]).args[0]).args[0] != r.node(n.args[0]).args[0]) return -1;
  return fits(r, x, n) && r.node(n.args[0]).shape == n.shape ? x : -1;
}

// exp(x) / sum(exp(x), axes) -> exp(x - m) / sum(exp(x - m), axes).
int32_t softmax_rule(Rewriter& r, int32_t i) {
  const GNode n = r.node(i);
  const int32_t x = softmax_written(r, i);
  if (x < 0) return -1;
  const GNode& s = r.node(n.args[1]);
  const uint64_t mask = s.payload.v[0];
  const bool keepdims = s.payload.v[1] != 0;
  Rewriter::Final final(r);
  const DType t = n.dtype;
  const int32_t e = shifted_exp(r, x, mask, n.loc);
  return r.op(Op::Divide, t, {e, r.reduce(Op::Sum, e, mask, keepdims, n.loc)}, n.loc);
}

// sum(t * exp(x), axes) * (g / sum(exp(x), axes)), or sum(t * exp(x)) / sum(exp(x)) ->
// the same over exp(x - m): the tangent of log(sum(exp(x))) as forward mode writes it
// (inf / inf at x = 1000 as written).
int32_t tangent_softmax_rule(Rewriter& r, int32_t i) {
  const GNode n = r.node(i);
  if (!real_float(n.dtype)) return -1;
  for (int side = 0; side < (n.op == Op::Divide ? 1 : 2); ++side) {
    const int32_t a = n.args[side];
    int32_t g = -1, s = n.args[1];
    if (n.op == Op::Multiply && !ratio(r, n.args[1 - side], g, s)) continue;
    const int32_t x = sum_of_exp(r, s);
    const GNode& sn = r.node(s);
    const GNode& an = r.node(a);
    if (x < 0 || an.op != Op::Sum || an.payload != sn.payload || an.dtype != n.dtype) continue;
    const GNode& product = r.node(an.args[0]);
    const int32_t e = sn.args[0];
    int32_t tangent = -1;  // none: a tangent of ones, which x * 1 -> x took away
    if (an.args[0] != e) {
      if (product.op != Op::Multiply || (product.args[0] != e && product.args[1] != e)) continue;
      tangent = product.args[product.args[0] == e ? 1 : 0];
    }
    const uint64_t mask = sn.payload.v[0];
    const bool keepdims = sn.payload.v[1] != 0;
    const graph::SourceLoc loc = r.node(e).loc;  // the user's exp
    Rewriter::Final final(r);
    const DType t = n.dtype;
    const int32_t shifted = shifted_exp(r, x, mask, loc);
    const int32_t total = r.reduce(Op::Sum, shifted, mask, keepdims, loc);
    const int32_t moved = tangent < 0
                              ? total
                              : r.reduce(Op::Sum, r.op(Op::Multiply, t, {tangent, shifted}, loc),
                                         mask, keepdims, loc);
    const int32_t q = r.op(Op::Divide, t, {moved, total}, loc);
    const int32_t out = g < 0 ? q : r.op(Op::Multiply, t, {g, q}, loc);
    if (r.node(out).shape == n.shape) return out;
  }
  return -1;
}

// log(softmax(x)) -> x - m - log(sum(exp(x - m))).
int32_t log_softmax_rule(Rewriter& r, int32_t i) {
  const GNode n = r.node(i);
  const int32_t d = r.written(n.args[0]);
  const int32_t x = softmax_written(r, d);
  if (x < 0 || !fits(r, x, n)) return -1;
  const GNode& s = r.node(r.node(d).args[1]);
  const uint64_t mask = s.payload.v[0];
  const bool keepdims = s.payload.v[1] != 0;
  Rewriter::Final final(r);
  const DType t = n.dtype;
  const int32_t shifted = r.op(Op::Subtract, t, {x, shift_of(r, x, mask, n.loc)}, n.loc);
  const int32_t sum = r.reduce(Op::Sum, r.op(Op::Exp, t, {shifted}, n.loc), mask, keepdims, n.loc);
  return r.op(Op::Subtract, t, {shifted, r.op(Op::Log, t, {sum}, n.loc)}, n.loc);
}

constexpr RuleLevel kExact = RuleLevel::exact;
constexpr RuleLevel kNumpy = RuleLevel::numpy;
constexpr RuleLevel kAccuracy = RuleLevel::accuracy;

// Within a root op, the more specific rule first.
constexpr Rule kRules[] = {
    {"double_negation", Op::Negative, kExact, "-(-x) -> x", involution},
    {"double_invert", Op::Invert, kExact, "~~x -> x", involution},
    {"double_not", Op::LogicalNot, kExact, "not(not(x)) -> x", involution},
    {"abs_of_sign", Op::Abs, kExact, "abs(abs(x)), abs(-x) -> abs(x)", abs_of_sign},
    {"cast_chain", Op::Cast, kExact, "cast(cast(x, exact A), B) -> cast(x, B)", cast_chain},
    {"where_same", Op::Where, kExact, "where(c, x, x) -> x", where_same},
    {"times_one", Op::Multiply, kExact, "x * 1 -> x", times_one},
    {"minus_zero", Op::Subtract, kExact, "x - 0 -> x", minus_zero},
    {"plus_negative_zero", Op::Add, kExact, "x + (-0.0) -> x", plus_zero},
    {"divide_by_power_of_two", Op::Divide, kExact, "x / 2^k -> x * (1 / 2^k)",
     divide_by_power_of_two},
    {"power_one", Op::Power, kExact, "x ** 1 -> x", power_one},
    {"sum_of_scaled", Op::Sum, kExact, "sum(c * x) -> c * sum(x) (integers)", sum_of_scaled},
    {"max_broadcast_axis", Op::Max, kExact, "max over a broadcast axis -> over one copy",
     reduce_broadcast_axis},
    {"min_broadcast_axis", Op::Min, kExact, "min over a broadcast axis -> over one copy",
     reduce_broadcast_axis},
    {"any_broadcast_axis", Op::Any, kExact, "any over a broadcast axis -> over one copy",
     reduce_broadcast_axis},
    {"all_broadcast_axis", Op::All, kExact, "all over a broadcast axis -> over one copy",
     reduce_broadcast_axis},
    {"power_special", Op::Power, kNumpy, "x**2, x**0.5, x**-1, x**0 -> square, sqrt, 1/x, 1",
     power_special},
    {"log_softmax", Op::Log, kAccuracy, "log(exp(x) / sum(exp(x))) -> x - logsumexp(x)",
     log_softmax_rule},
    {"log_sigmoid", Op::Log, kAccuracy, "log(1 / (1 + exp(-x))) -> -softplus(-x)",
     log_sigmoid_rule},
    {"logsumexp", Op::Log, kAccuracy, "log(sum(exp(x))) -> max-shifted log-sum-exp",
     logsumexp_rule},
    {"log_of_exp", Op::Log, kAccuracy, "log(exp(x)) -> x", log_of_exp},
    {"log1p", Op::Log, kAccuracy, "log(1 + x) -> log1p(x), log(1 - x) -> log1p(-x)", log_one_plus},
    {"softplus", Op::Log1p, kAccuracy, "log1p(exp(x)) -> max(x, 0) + log1p(exp(-|x|))",
     softplus_rule},
    {"expm1", Op::Subtract, kAccuracy, "exp(x) - 1 -> expm1(x)", exp_minus_one},
    {"sigmoid", Op::Divide, kAccuracy, "1 / (1 + exp(-x)) -> stable sigmoid", sigmoid_rule},
    {"sigmoid", Op::Reciprocal, kAccuracy, "1 / (1 + exp(-x)) -> stable sigmoid", sigmoid_rule},
    {"exp_ratio", Op::Divide, kAccuracy, "exp(x) / (1 + exp(x)) -> stable sigmoid", exp_ratio_rule},
    {"softmax", Op::Divide, kAccuracy, "exp(x) / sum(exp(x)) -> max-shifted softmax", softmax_rule},
    {"chain_sigmoid", Op::Multiply, kAccuracy, "g / (1 + exp(x)) * exp(x) -> g * sigmoid(x)",
     chain_sigmoid_rule},
    {"chain_softmax", Op::Multiply, kAccuracy, "g / sum(exp(x)) * exp(x) -> g * softmax(x)",
     chain_softmax_rule},
    {"tangent_softmax", Op::Multiply, kAccuracy,
     "sum(t * exp(x)) * (g / sum(exp(x))) -> the same over exp(x - max)", tangent_softmax_rule},
    {"tangent_softmax", Op::Divide, kAccuracy,
     "sum(t * exp(x)) / sum(exp(x)) -> the same over exp(x - max)", tangent_softmax_rule},
    {"hypot", Op::Sqrt, kAccuracy, "sqrt(x*x + y*y) -> hypot(x, y)", hypot_rule},
};

}  // namespace

std::span<const Rule> rule_table() {
  return kRules;
}

}  // namespace kiln::passes
