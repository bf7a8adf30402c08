// numpy's einsum: Einstein summation over labelled axes, lowered to kiln's own operations
// (diagonal views for repeated labels, transposed and reshaped views, matmul through the BLAS
// for contractions, fused multiply-and-sum kernels for the rest) in the contraction order that
// np.einsum_path's greedy algorithm chooses. The result is lazy and differentiable like the
// operations it is made of.
#pragma once

#include <cstdint>
#include <source_location>
#include <string_view>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's einsum(subscripts, *operands, optimize=True): "ij,jk->ik" (explicit output),
/// "ij,jk" (implicit output: the labels that appear once, in alphabetical order, upper case
/// first), "...ij,...jk->...ik" (an ellipsis stands for the axes not labelled; they broadcast
/// against each other), "ii->i" and "ii" (a label repeated in one operand takes its diagonal).
/// Labels are the letters a-z and A-Z; spaces are ignored. A label's extents must agree across
/// operands, or be 1 (broadcast). The result dtype is the operands' promoted dtype, and
/// integer sums wrap in it as numpy's do. Pairs of operands sharing summed labels contract
/// through matmul (the BLAS for floats), with transposed views passed as BLAS transposes; the
/// rest are fused multiply-and-sum kernels. A label that one operand alone has and the output
/// lacks is summed before the product ("ij,jk->" is two sums and a dot product, not a matrix
/// product): with an infinity among the values, the result can be +-inf where numpy's sum of
/// products of both signs is nan; a nan gives nan either way. numpy's interleaved form
/// einsum(op, sublist, ...) is not provided.
Array einsum(std::string_view subscripts, const std::vector<Array>& operands,
             std::source_location loc = std::source_location::current());

/// The order in which einsum contracts its operands, as np.einsum_path(..., optimize="greedy")
/// chooses it, with numpy's cost figures.
struct EinsumPath {
  /// At each step, the positions (in the list of operands still to contract) of the operands
  /// contracted together; the step's result goes to the end of the list. numpy's path without
  /// its leading "einsum_path" entry.
  std::vector<std::vector<int>> path;
  /// numpy's "Naive FLOP count": one einsum over every operand at once.
  double naive_flops = 0;
  /// numpy's "Optimized FLOP count": the path's steps together.
  double optimized_flops = 0;
  /// numpy's "Largest intermediate": the element count of the largest step result.
  double largest_intermediate = 0;
};

/// The contraction path einsum(subscripts, operands) follows (nothing is computed; the
/// operands' shapes and dtypes are read, not their values).
EinsumPath einsum_path(std::string_view subscripts, const std::vector<Array>& operands,
                       std::source_location loc = std::source_location::current());

}  // namespace kiln
