// Numerically stable functions of the kind numpy and scipy.special users call directly. They
// build the stable formulas out of ordinary lazy ops (so they fuse, run on every device and are
// differentiable), and they are what the optimizer's accuracy rules rewrite the naive formulas
// into (README "Optimizer").
#pragma once

#include <source_location>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// log(exp(a) + exp(b)) without overflow or underflow (numpy's logaddexp).
Array logaddexp(const Operand& a, const Operand& b);
/// log2(2**a + 2**b) without overflow or underflow (numpy's logaddexp2).
Array logaddexp2(const Operand& a, const Operand& b);
/// Degrees to radians, x * (pi / 180), in numpy's float type for x (deg2rad and its alias
/// radians; real x).
Array deg2rad(const Operand& x);
/// numpy's radians: deg2rad.
Array radians(const Operand& x);
/// Radians to degrees, x * (180 / pi) (rad2deg and its alias degrees; real x).
Array rad2deg(const Operand& x);
/// numpy's degrees: rad2deg.
Array degrees(const Operand& x);
/// numpy's fmax: the larger of a and b, the other one when one is nan (C's fmax: a when a >= b).
Array fmax(const Operand& a, const Operand& b);
/// numpy's fmin: the smaller of a and b, the other one when one is nan.
Array fmin(const Operand& a, const Operand& b);
/// numpy's heaviside: 0 where x < 0, h0 where x == 0, 1 where x > 0, nan where x is nan.
Array heaviside(const Operand& x, const Operand& h0);
/// The logistic sigmoid 1 / (1 + exp(-x)), finite and accurate for every x
/// (scipy.special.expit).
Array expit(const Operand& x);
/// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
Array softplus(const Operand& x);
/// x * log(y), and 0 where x is 0 and y is not nan (scipy.special.xlogy).
Array xlogy(const Operand& x, const Operand& y);

/// exp(a) / sum(exp(a)) over every element, shifted by the maximum so that no exp overflows
/// (scipy.special.softmax with axis=None). Integers give float64.
Array softmax(const Array& a, std::source_location loc = std::source_location::current());
/// softmax over one axis (negative counts from the end).
Array softmax(const Array& a, int axis, std::source_location loc = std::source_location::current());
/// softmax over several axes.
Array softmax(const Array& a, const std::vector<int>& axes,
              std::source_location loc = std::source_location::current());

/// log(softmax(a)) computed as a - logsumexp(a): finite where softmax underflows to 0.
Array log_softmax(const Array& a, std::source_location loc = std::source_location::current());
/// log_softmax over one axis.
Array log_softmax(const Array& a, int axis,
                  std::source_location loc = std::source_location::current());
/// log_softmax over several axes.
Array log_softmax(const Array& a, const std::vector<int>& axes,
                  std::source_location loc = std::source_location::current());

namespace special {

/// log(sum(exp(a))) over every element, shifted by the maximum: finite for inputs of 1000,
/// -inf for no elements or all -inf (scipy.special.logsumexp).
Array logsumexp(const Array& a, std::source_location loc = std::source_location::current());
/// logsumexp over one axis, keeping it as extent 1 with `keepdims`.
Array logsumexp(const Array& a, int axis, bool keepdims = false,
                std::source_location loc = std::source_location::current());
/// logsumexp over several axes.
Array logsumexp(const Array& a, const std::vector<int>& axes, bool keepdims = false,
                std::source_location loc = std::source_location::current());

}  // namespace special

}  // namespace kiln
