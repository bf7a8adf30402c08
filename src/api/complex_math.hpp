// numpy's complex loops that kiln composes of real ops on the parts: sqrt, the logarithms, exp2,
// expm1, power, and the trigonometric and hyperbolic functions and their inverses (internal to
// the API layer; apply() hands complex operands of these ops here).
#pragma once

#include <initializer_list>

#include "graph/op.hpp"
#include "kiln/array.hpp"

namespace kiln::detail {

/// True when `op` on operands whose common dtype is complex is computed by complex_math.
bool composed_for_complex(graph::Op op) noexcept;

/// `op` on `operands` (one, or two for power) in complex dtype `t`, recorded at `loc` (the first
/// operand's call site): real ops on the real and imaginary parts with numpy's formulas, so the
/// result is lazy, fuses, runs on every device and is differentiable through the parts.
Array complex_math(graph::Op op, std::initializer_list<const Operand*> operands, DType t,
                   const std::source_location& loc);

}  // namespace kiln::detail
