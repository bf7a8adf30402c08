// The reference interpreter: evaluates a Graph element by element in plain C++, with numpy's
// semantics from scalar_math.hpp. Every compiled kernel must agree with it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "graph/payload.hpp"

namespace kiln::graph {

/// One element in the reference interpreter: 128 bits, so that complex128 fits (its real part's
/// bits low, its imaginary part's high); every other dtype is its to_bits() pattern.
using Bits = unsigned __int128;

/// The Bits of a value of T.
template <class T>
constexpr Bits element_bits(T v) {
  if constexpr (std::is_same_v<T, std::complex<double>>)
    return Bits{std::bit_cast<uint64_t>(v.real())} | Bits{std::bit_cast<uint64_t>(v.imag())} << 64;
  else
    return to_bits<T>(v);
}

/// Inverse of element_bits.
template <class T>
constexpr T element_value(Bits b) {
  if constexpr (std::is_same_v<T, std::complex<double>>)
    return T(std::bit_cast<double>(static_cast<uint64_t>(b)),
             std::bit_cast<double>(static_cast<uint64_t>(b >> 64)));
  else
    return from_bits<T>(static_cast<uint64_t>(b));
}

/// A host array of any dtype; each element stored as its element_bits() pattern.
struct HostArray {
  DType dtype = DType::float32;  ///< element type
  Dims shape;                    ///< extents
  std::vector<Bits> bits;        ///< row-major elements as element_bits<T>(value)

  /// Element i as T (T must match dtype).
  template <class T>
  T at(int64_t i) const;
};

/// Evaluates `g` and returns the values of g.outputs in order. Throws kiln::Error, naming the op
/// and its call site, where numpy would raise (integer power with a negative exponent).
std::vector<HostArray> interpret(const Graph& g);

/// The message of an out-of-range gather index for node `n` over an operand of shape
/// `operand` (the reference interpreter's and the kernels' alike).
std::string gather_error(const GNode& n, const Dims& operand);

/// Reduces `xs` (bits of dtype `in`, in row-major order of the reduced axes) with reduction `op`,
/// as numpy does: sums of float32 accumulate in float64, max and min propagate nan, argmax and
/// argmin give the first extreme (a nan counts as one).
Bits reduce_bits(Op op, DType in, DType out, const std::vector<Bits>& xs);

/// Value of a leaf (Full, Arange, Linspace, Eye) at flat index `i`, as bits of `dtype`.
Bits leaf_value_bits(Op op, DType dtype, const Payload& p, int64_t i);

/// Applies a non-leaf op to one element: `args` and the result are bits of their dtypes
/// (`arg_dtype` is the dtype of every value operand; Where's condition is bool). Sets `fail`
/// where numpy raises.
Bits apply_op_bits(Op op, DType result, DType arg_dtype, const Bits* args, bool& fail);

}  // namespace kiln::graph
