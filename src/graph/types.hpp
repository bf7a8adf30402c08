// dtype promotion (numpy's promote_types and NEP 50 weak scalars) and the per-op type rules.
#pragma once

#include <span>
#include <string_view>

#include "graph/op.hpp"
#include "kiln/dtype.hpp"

namespace kiln::graph {

/// The kind of a dtype in numpy's order: bool < integer < floating < complex.
enum class Kind : uint8_t { bool_, integer, floating, complex };

/// Kind of a dtype.
Kind kind_of(DType t) noexcept;

/// The default dtype of a kind (bool, int64, float64, complex128): what a weak C++ scalar
/// becomes on its own.
DType default_dtype(Kind k) noexcept;

/// An operand's type for promotion: a dtype, and whether it is a weak C++ scalar (NEP 50).
struct OperandType {
  DType dtype;  ///< for weak scalars, the default dtype of the scalar's kind
  bool weak;    ///< a C++ scalar, which takes the strong operands' dtype when its kind allows
};

/// numpy's result_type under NEP 50: strong dtypes promote with each other; a weak scalar only
/// raises the result when its kind is above the strong result's: to its kind's default dtype,
/// except that a weak complex takes a floating result's precision (float32 -> complex64).
DType result_type(std::span<const OperandType> operands) noexcept;

/// The complex dtype whose parts are `part` (float32 -> complex64, float64 -> complex128).
DType complex_of(DType part) noexcept;
/// The dtype of a complex dtype's parts (complex64 -> float32, complex128 -> float64).
DType part_of(DType complex) noexcept;

/// What an op computes in and produces.
struct OpTypes {
  DType compute;  ///< operands are converted to this before the op
  DType result;   ///< dtype of the result
};

/// Applies the op's TypeRule to the common dtype of its (value) operands. Returns false with
/// `why` set when numpy has no such loop (e.g. subtract of two bools, shift of floats).
bool op_types(Op op, DType common, OpTypes& out, std::string_view& why) noexcept;

/// A reduction's dtypes: numpy's (sum of bool or int32 is int64, argmax is int64, any is bool).
struct ReduceTypes {
  DType compute;      ///< the operand is converted to this first
  DType result;       ///< dtype of the result
  DType accumulator;  ///< what kernels accumulate in (float32 sums add in float64)
};

/// The dtypes of reduction `op` over an operand of dtype `operand`.
ReduceTypes reduce_types(Op op, DType operand) noexcept;

/// True when every value of `from` is exactly representable in `to`.
bool is_exact_cast(DType from, DType to) noexcept;

/// numpy's "same_kind" casting: safe casts, or casts within a kind (float64 -> float32).
bool can_cast_same_kind(DType from, DType to) noexcept;

}  // namespace kiln::graph
