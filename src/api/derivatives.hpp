// Derivative rules: for each op of graph/ops.def, how a cotangent flows back to its operands
// (reverse mode) and how operand tangents give its tangent (forward mode). The rules build
// ordinary lazy arrays with kiln's own operations, so derivatives fuse, compile and cache like
// any other computation. The engine that walks the trace is api/autodiff.cpp.
#pragma once

#include <array>
#include <span>

#include "graph/node.hpp"
#include "kiln/array.hpp"

namespace kiln::detail {

/// How gradients pass through an op (derivative_kind, a switch over every op, so that a new op
/// must be classified before kiln builds).
enum class DerivativeKind {
  Leaf,      ///< no operands: gradients stop here (a differentiated input, or a constant)
  Rule,      ///< vjp_rule and jvp_rule apply
  Constant,  ///< piecewise constant or integer-valued (comparisons, floor, argmax, random
             ///< bits): no gradient flows, by definition rather than by omission
  Missing,   ///< differentiable in principle but without a rule yet: differentiating through it
             ///< is a kiln::Error naming the op, never a silent zero
};

/// The kind of `op`.
DerivativeKind derivative_kind(graph::Op op);

/// A cotangent (the gradient of the output with respect to one node) of the node's shape and
/// dtype. `mask`, when set, is a bool array of the same shape outside of which `value` is zero
/// because a `where` chose the other branch there: rules keep those positions exactly zero, so
/// that an infinite or NaN derivative of the unused branch (sqrt of a negative number) never
/// turns them into NaN.
struct Cotangent {
  Array value;  ///< empty: no gradient
  Array mask;   ///< empty: no mask
};

/// A node and its operands, held while its rule builds arrays from them.
struct RuleInputs {
  const graph::Node* node;    ///< the recorded op (shape, dtype, payload)
  Array out;                  ///< the node itself
  std::array<Array, 3> args;  ///< its operands
};

/// The cotangents that node `in.node` sends to each operand given its own cotangent `ct`, for
/// the operands with `wanted[i]`. An empty value: nothing flows to that operand. Only for
/// DerivativeKind::Rule ops.
std::array<Cotangent, 3> vjp_rule(const RuleInputs& in, const Cotangent& ct,
                                  const std::array<bool, 3>& wanted);

/// The tangent of node `in.node` given its operands' tangents (an empty array: a zero tangent;
/// at least one is set). Only for DerivativeKind::Rule ops.
Array jvp_rule(const RuleInputs& in, const std::array<Array, 3>& tangents);

/// The LAPACK ops' rules (linalg_derivatives.cpp): the cotangents of Solve's, Cholesky's or
/// SlogDet's operands for the node's cotangent `g`, and its tangent.
std::array<Array, 2> linalg_vjp(const RuleInputs& in, const Array& g,
                                const std::array<bool, 3>& wanted);
Array linalg_jvp(const RuleInputs& in, const std::array<Array, 3>& tangents);

}  // namespace kiln::detail
