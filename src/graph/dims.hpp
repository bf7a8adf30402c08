// Dims: a shape stored inline (no heap), used by nodes, graphs and the scheduler.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "kiln/dtype.hpp"

namespace kiln::graph {

/// numpy's limit on dimensions (NPY_MAXDIMS in numpy 1.x).
inline constexpr int kMaxDims = 32;

/// A shape of at most kMaxDims extents, stored inline so that nodes never allocate for it.
class Dims {
 public:
  Dims() = default;
  /// Copies only the used extents (nodes and graphs copy shapes often).
  Dims(const Dims& o) noexcept { assign(o.d_, static_cast<size_t>(o.rank_)); }
  Dims& operator=(const Dims& o) noexcept {
    assign(o.d_, static_cast<size_t>(o.rank_));
    return *this;
  }
  /// From extents (the caller has checked the rank).
  Dims(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.size()); }
  /// From a public Shape (the caller has checked the rank against kMaxDims).
  explicit Dims(const Shape& s) { assign(s.data(), s.size()); }
  /// From a span of extents.
  explicit Dims(std::span<const int64_t> s) { assign(s.data(), s.size()); }

  int rank() const noexcept { return rank_; }
  int64_t operator[](int i) const noexcept { return d_[i]; }
  int64_t& operator[](int i) noexcept { return d_[i]; }
  const int64_t* begin() const noexcept { return d_; }
  const int64_t* end() const noexcept { return d_ + rank_; }
  std::span<const int64_t> span() const noexcept { return {d_, static_cast<size_t>(rank_)}; }

  /// Product of the extents (1 for rank 0).
  int64_t size() const noexcept {
    int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= d_[i];
    return n;
  }
  /// Appends an extent.
  void push_back(int64_t v) noexcept { d_[rank_++] = v; }
  /// Sets the rank, filling new extents with `fill`.
  void resize(int r, int64_t fill = 1) noexcept {
    for (int i = rank_; i < r; ++i) d_[i] = fill;
    rank_ = r;
  }
  Shape to_shape() const { return Shape(begin(), end()); }

  friend bool operator==(const Dims& a, const Dims& b) noexcept {
    return a.rank_ == b.rank_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  void assign(const int64_t* p, size_t n) noexcept {
    if (n > static_cast<size_t>(kMaxDims)) __builtin_unreachable();  // callers check the rank
    rank_ = static_cast<int>(n);
    std::copy(p, p + n, d_);
  }
  int rank_ = 0;
  int64_t d_[kMaxDims];
};

/// "(3,4)", "(5,)", "()" as numpy prints shapes.
std::string to_string(const Dims& d);
/// Same for a public Shape.
std::string shape_string(std::span<const int64_t> s);

/// Row-major strides, in elements, of a contiguous array of shape `d`.
Dims contiguous_strides(const Dims& d) noexcept;

}  // namespace kiln::graph
