// The stable functions of kiln/special.hpp, written with ordinary ops: each one is the form the
// optimizer's accuracy rules produce (passes/rule_table.cpp), so a user who calls it and one who
// writes the naive formula get the same kernels.
#include "kiln/special.hpp"

#include <numbers>
#include <numeric>
#include <string>

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "kiln/autodiff.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/reductions.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"

namespace kiln {

namespace {

// -|d|, with derivative 0 at d = 0 (abs'(0) is 1 by JAX's convention, which would make the
// functions below lopsided there).
Array minus_abs(const Array& d, std::source_location l) {
  const Array below =
      where(Operand(less(Operand(d, l), Operand(0, l)), l), Operand(d, l), Operand(0, l));
  return where(Operand(greater(Operand(d, l), Operand(0, l)), l),
               Operand(negative(Operand(d, l)), l), Operand(below, l));
}

// log(base**a + base**b) in base e or 2: max(a, b) + log1p(base**-|a - b|). Equal infinities
// give a - b = nan, which minus_abs makes 0: the result is then max(a, b), as numpy's.
Array log_add(const Operand& a, const Operand& b, bool base2) {
  const std::source_location l = a.loc();
  const Array gap = minus_abs(subtract(a, b), l);
  const Array tail = base2 ? multiply(Operand(log1p(Operand(exp2(Operand(gap, l)), l)), l),
                                      Operand(std::numbers::log2e, l))
                           : log1p(Operand(exp(Operand(gap, l)), l));
  return add(Operand(maximum(a, b), l), Operand(tail, l));
}

std::vector<int> all_axes(const Array& a) {
  std::vector<int> axes(static_cast<size_t>(a.ndim()));
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

// `axes` of `a` made non-negative; one out of range or repeated is an error naming `fn`.
std::vector<int> checked_axes(std::string_view fn, const Array& a, std::vector<int> axes,
                              std::source_location l) {
  const graph::SourceLoc loc = detail::to_loc(l);
  uint64_t seen = 0;
  for (int& axis : axes) {
    const int k = detail::normalize_axis(fn, axis, a.ndim(), loc);
    if (seen >> k & 1) graph::throw_error(fn, "axis " + std::to_string(axis) + " is repeated", loc);
    seen |= 1ull << k;
    axis = k;
  }
  return axes;
}

// The shift of a max-shifted reduction: the maximum over `axes` kept as extent-1 axes, or 0
// where it is not finite (all -inf, or an inf or nan that the result propagates anyway). The
// results do not depend on it, so no gradient flows through it (as in JAX).
Array shift(const Array& a, const std::vector<int>& axes, std::source_location l) {
  const Array m = max(a, axes, true, l);
  return stop_gradient(where(Operand(isfinite(Operand(m, l)), l), Operand(m, l), Operand(0, l)), l);
}

// a - shift (a itself when there is nothing to reduce: max would have no elements).
Array shifted(const Array& a, const std::vector<int>& axes, std::source_location l) {
  if (a.size() == 0) return a;
  return subtract(Operand(a, l), Operand(shift(a, axes, l), l));
}

Array softmax_over(const Array& a, const std::vector<int>& axes, std::source_location l) {
  const Array e = exp(Operand(shifted(a, axes, l), l));
  return divide(Operand(e, l), Operand(sum(e, axes, true, l), l));
}

Array log_softmax_over(const Array& a, const std::vector<int>& axes, std::source_location l) {
  const Array s = shifted(a, axes, l);
  const Array total = sum(exp(Operand(s, l)), axes, true, l);
  return subtract(Operand(s, l), Operand(log(Operand(total, l)), l));
}

Array logsumexp_over(const Array& a, const std::vector<int>& axes, bool keepdims,
                     std::source_location l) {
  if (a.size() == 0) return log(Operand(sum(exp(Operand(a, l)), axes, keepdims, l), l));
  const Array m = shift(a, axes, l);
  const Array total = sum(exp(Operand(subtract(Operand(a, l), Operand(m, l)), l)), axes, true, l);
  const Array out = add(Operand(log(Operand(total, l)), l), Operand(m, l));
  return keepdims ? out : squeeze(out, axes, l);
}

}  // namespace

Array logaddexp(const Operand& a, const Operand& b) {
  return log_add(a, b, false);
}

Array logaddexp2(const Operand& a, const Operand& b) {
  return log_add(a, b, true);
}

Array expit(const Operand& x) {
  const std::source_location l = x.loc();
  const Array e = exp(Operand(negative(Operand(abs(x), l)), l));
  const Array d = add(Operand(1, l), Operand(e, l));
  return where(Operand(greater_equal(x, Operand(0, l)), l),
               Operand(divide(Operand(1, l), Operand(d, l)), l),
               Operand(divide(Operand(e, l), Operand(d, l)), l));
}

Array softplus(const Operand& x) {
  // max(x, 0) + log1p(exp(-|x|)), written so that its derivative at 0 is sigmoid(0) = 0.5.
  const std::source_location l = x.loc();
  const Array positive = greater(x, Operand(0, l));
  const Array nx = where(Operand(positive, l), Operand(negative(x), l), x);
  return add(Operand(where(Operand(positive, l), x, Operand(0, l)), l),
             Operand(log1p(Operand(exp(Operand(nx, l)), l)), l));
}

Array xlogy(const Operand& x, const Operand& y) {
  const std::source_location l = x.loc();
  const Array zero_x = logical_and(Operand(equal(x, Operand(0, l)), l),
                                   Operand(logical_not(Operand(isnan(y), l)), l));
  const Array product = multiply(x, Operand(log(y), l));
  return where(Operand(zero_x, l), Operand(0, l), Operand(product, l));
}

Array softmax(const Array& a, std::source_location l) {
  return softmax_over(a, all_axes(a), l);
}
Array softmax(const Array& a, int axis, std::source_location l) {
  return softmax_over(a, checked_axes("softmax", a, {axis}, l), l);
}
Array softmax(const Array& a, const std::vector<int>& axes, std::source_location l) {
  return softmax_over(a, checked_axes("softmax", a, axes, l), l);
}

Array log_softmax(const Array& a, std::source_location l) {
  return log_softmax_over(a, all_axes(a), l);
}
Array log_softmax(const Array& a, int axis, std::source_location l) {
  return log_softmax_over(a, checked_axes("log_softmax", a, {axis}, l), l);
}
Array log_softmax(const Array& a, const std::vector<int>& axes, std::source_location l) {
  return log_softmax_over(a, checked_axes("log_softmax", a, axes, l), l);
}

namespace special {

Array logsumexp(const Array& a, std::source_location l) {
  return logsumexp_over(a, all_axes(a), false, l);
}
Array logsumexp(const Array& a, int axis, bool keepdims, std::source_location l) {
  return logsumexp_over(a, checked_axes("logsumexp", a, {axis}, l), keepdims, l);
}
Array logsumexp(const Array& a, const std::vector<int>& axes, bool keepdims,
                std::source_location l) {
  return logsumexp_over(a, checked_axes("logsumexp", a, axes, l), keepdims, l);
}

}  // namespace special

}  // namespace kiln
