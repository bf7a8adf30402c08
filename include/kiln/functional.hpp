// numpy's functions that take functions or nested lists: apply_along_axis, apply_over_axes,
// piecewise, block and mask_indices. The functions given are C++ callables over kiln arrays;
// they are called while tracing (once per 1-d slice for apply_along_axis), so the result is
// one lazy expression of their recorded operations.
#pragma once

#include <functional>
#include <initializer_list>
#include <source_location>
#include <utility>
#include <variant>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's apply_along_axis: func1d applied to every 1-d slice of `arr` along `axis`; its
/// results (of one shape: they are broadcast to the first one's and cast to its dtype) take
/// that axis's place in the result.
Array apply_along_axis(const std::function<Array(const Array&)>& func1d, int axis, const Array& arr,
                       std::source_location loc = std::source_location::current());

/// numpy's apply_over_axes: a = func(a, axis) for each axis in turn, a result with one
/// dimension fewer getting it back as extent 1 (any other shape is an error).
Array apply_over_axes(const std::function<Array(const Array&, int)>& func, const Array& a,
                      const std::vector<int>& axes,
                      std::source_location loc = std::source_location::current());

/// One piece of piecewise: a value, or a function of x.
using Piece = std::variant<double, std::function<Array(const Array&)>>;

/// numpy's piecewise: where condlist[k] (x's shape) holds, piece k (a value, or a function of
/// x); one more piece than conditions is the value where none holds; later conditions win.
/// x's dtype. Departure: a function is applied to the whole of x and its values are selected
/// (numpy passes it x[cond]); the same for elementwise functions, which are what piecewise is
/// for.
Array piecewise(const Array& x, const std::vector<Array>& condlist,
                const std::vector<Piece>& funclist,
                std::source_location loc = std::source_location::current());

/// A nested list of arrays for kiln::block: an array, or a list of blocks.
class Block {
 public:
  /// An array.
  Block(const Array& a) : array_(a) {}  // NOLINT: implicit, as numpy's nested lists
  /// A list of blocks.
  Block(std::initializer_list<Block> items) : items_(items), list_(true) {}
  /// A list of blocks.
  explicit Block(std::vector<Block> items) : items_(std::move(items)), list_(true) {}
  /// Whether this is a list.
  bool is_list() const noexcept { return list_; }
  /// The array (when not a list).
  const Array& array() const noexcept { return array_; }
  /// The items (when a list).
  const std::vector<Block>& items() const noexcept { return items_; }

 private:
  Array array_;
  std::vector<Block> items_;
  bool list_ = false;
};

/// numpy's block: the innermost lists concatenated along the last axis, the next ones along
/// the one before, and so on; every array first given at least as many dimensions as the
/// deepest list (ones in front), every list at one depth.
Array block(const Block& blocks, std::source_location loc = std::source_location::current());

/// numpy's mask_indices: the (row, column) indices of the nonzero entries of
/// mask_func(ones((n, n)), k), e.g. kiln::triu. A sync (nonzero's size depends on the data).
std::vector<Array> mask_indices(int64_t n,
                                const std::function<Array(const Array&, int64_t)>& mask_func,
                                int64_t k = 0,
                                std::source_location loc = std::source_location::current());

}  // namespace kiln
