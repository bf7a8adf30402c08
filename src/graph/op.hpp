// The Op enum and its static properties, generated from ops.def.
#pragma once

#include <cstdint>
#include <string_view>

#include "kiln/dtype.hpp"

namespace kiln::graph {

/// How an op's operand dtypes give its compute dtype and result dtype (see types.hpp).
enum class TypeRule : uint8_t {
  Leaf,         ///< no operands; the dtype is given
  Cast,         ///< astype: the result dtype is given
  Same,         ///< common dtype in, same out (bool allowed)
  NoBool,       ///< like Same, but two bools are an error (numpy's subtract, negative)
  IntFallback,  ///< like Same, but bool computes in int8 (numpy's loops for bools here)
  Float,        ///< floats keep their dtype, integers compute in float64, bool in float32
  TrueDivide,   ///< floats keep their dtype, integers and bool compute in float64
  Compare,      ///< common dtype in, bool out
  Bitwise,      ///< bool and integers only
  Shift,        ///< integers (bool computes in int32, numpy's int8); floats are an error
  Logical,      ///< operands tested for truth, bool out
  Predicate,    ///< any dtype in, bool out
  Where,        ///< bool condition, then two values with a common dtype
  View,         ///< same dtype; shape and strides given (reshape, transpose, broadcast_to)
  Reduce,       ///< a reduction; result dtype per op (sum of int32 is int64, ...)
  Random,       ///< int64 operands (index, seed, stream) give int64 random bits
  Library,      ///< computed by a library call at the sync (matmul), not in kernels
  Part,         ///< real, imag, angle: complex gives its part type; reals keep their dtype (angle
                ///< of an integer or bool is float64)
  MakeComplex,  ///< complex(re, im): float32 parts give complex64, others complex128
  Gather,       ///< take, take_along_axis: operand 0 read where operand 1's indices say
};

/// Op flags (the `flags` column of ops.def).
enum OpFlags : uint8_t {
  kCommutative = 1,   ///< op(a, b) == op(b, a)
  kApprox = 2,        ///< result depends on the math library (compared with a ulp tolerance)
  kMayFail = 4,       ///< a kernel can raise an error at the sync (e.g. int ** negative)
  kComplexParts = 8,  ///< on complex operands, composed of real ops on the parts (numpy's
                      ///< complex sqrt, log, power, trigonometry: api/complex_math.hpp)
};

/// Every operation kiln records.
enum class Op : uint8_t {
#define KILN_OP(Name, fn, arity, rule, flags, cost, libm) Name,
#include "graph/ops.def"
#undef KILN_OP
};

/// Number of ops in the table.
inline constexpr int kNumOps = 0
#define KILN_OP(Name, fn, arity, rule, flags, cost, libm) +1
#include "graph/ops.def"
#undef KILN_OP
    ;

/// One row of ops.def.
struct OpInfo {
  std::string_view name;  ///< enum name, e.g. "FloorDivide"
  std::string_view fn;    ///< kiln's public function, e.g. "floor_divide"
  uint8_t arity;          ///< operand count
  TypeRule rule;          ///< dtype rule
  uint8_t flags;          ///< OpFlags
  uint8_t cost;           ///< rough per-element cost
  const char* libm;       ///< C math library base name, or nullptr
};

namespace detail {
// The table itself, in the header so that every lookup is an inlined index (ops are looked up
// several times for each recorded operation).
inline constexpr OpInfo kOpTable[] = {
#define KILN_OP(Name, fn, arity, rule, flags, cost, libm) \
  {#Name, #fn, arity, TypeRule::rule, static_cast<uint8_t>(flags), cost, libm},
#include "graph/ops.def"
#undef KILN_OP
};
static_assert(sizeof(kOpTable) / sizeof(kOpTable[0]) == kNumOps);
}  // namespace detail

/// The row of `op`.
constexpr const OpInfo& op_info(Op op) noexcept {
  return detail::kOpTable[static_cast<int>(op)];
}

/// Shorthands.
inline bool is_leaf(Op op) noexcept {
  return op_info(op).rule == TypeRule::Leaf;
}
inline bool has_flag(Op op, OpFlags f) noexcept {
  return (op_info(op).flags & f) != 0;
}
inline bool is_reduction(Op op) noexcept {
  return op_info(op).rule == TypeRule::Reduce;
}
/// Elementwise: each result element comes from the operands' elements at the same (broadcast)
/// position.
inline bool is_elementwise(Op op) noexcept {
  const TypeRule r = op_info(op).rule;
  return r != TypeRule::Leaf && r != TypeRule::View && r != TypeRule::Reduce &&
         r != TypeRule::Library && r != TypeRule::Gather;
}
/// A gather (take, take_along_axis), computed in kernels with a data-dependent load.
inline bool is_gather(Op op) noexcept {
  return op_info(op).rule == TypeRule::Gather;
}
/// Planned into kernels that store their operands into its buffer (windows), not run itself.
inline bool is_window_base(Op op) noexcept {
  return op == Op::Concatenate || op == Op::Update;
}
/// Run by a library at the sync rather than in a generated kernel.
inline bool is_library(Op op) noexcept {
  return op_info(op).rule == TypeRule::Library;
}
/// A library op that a GPU runs itself (cuBLAS, cuFFT, strided copies) when its result has
/// `dtype`; the other library ops have host implementations only.
inline bool runs_on_devices(Op op, DType dtype) noexcept {
  if (op == Op::MatMul)
    return dtype == DType::float32 || dtype == DType::float64 || dtype == DType::complex64 ||
           dtype == DType::complex128;
  return op == Op::Fft || op == Op::Rfft || op == Op::Irfft || op == Op::Concatenate ||
         op == Op::Update || op == Op::Transfer;
}

}  // namespace kiln::graph
