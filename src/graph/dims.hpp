// Dims: a shape with its first extents stored inline, used by nodes, graphs and the scheduler.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>

#include "kiln/dtype.hpp"

namespace kiln::graph {

/// numpy's limit on dimensions (NPY_MAXDIMS in numpy 1.x).
inline constexpr int kMaxDims = 32;
/// The most elements an array may have (2^62: positions and byte offsets stay within int64).
inline constexpr int64_t kMaxElements = int64_t{1} << 62;

/// A shape of at most kMaxDims extents. Up to kInline extents live inside the object, so
/// nodes of ordinary rank never allocate for their shapes; higher ranks spill to the heap.
class Dims {
 public:
  static constexpr int kInline = 6;

  Dims() = default;
  /// From extents (the caller has checked the rank).
  Dims(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.size()); }
  /// From a public Shape (the caller has checked the rank against kMaxDims).
  explicit Dims(const Shape& s) { assign(s.data(), s.size()); }
  /// From a span of extents.
  explicit Dims(std::span<const int64_t> s) { assign(s.data(), s.size()); }
  Dims(const Dims& o) { assign(o.data(), static_cast<size_t>(o.rank_)); }
  Dims(Dims&& o) noexcept { take(std::move(o)); }
  Dims& operator=(const Dims& o) {
    if (this != &o) assign(o.data(), static_cast<size_t>(o.rank_));
    return *this;
  }
  Dims& operator=(Dims&& o) noexcept {
    if (this != &o) take(std::move(o));
    return *this;
  }

  int rank() const noexcept { return rank_; }
  int64_t operator[](int i) const noexcept { return data()[i]; }
  int64_t& operator[](int i) noexcept { return data()[i]; }
  const int64_t* begin() const noexcept { return data(); }
  const int64_t* end() const noexcept { return data() + rank_; }
  std::span<const int64_t> span() const noexcept { return {data(), static_cast<size_t>(rank_)}; }

  /// Product of the extents (1 for rank 0).
  int64_t size() const noexcept {
    int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= data()[i];
    return n;
  }
  /// The number of elements, or -1 when it exceeds kMaxElements (the product of the extents
  /// would not fit the 64-bit positions kernels count with).
  int64_t checked_size() const noexcept {
    int64_t n = 1;
    for (int d = 0; d < rank(); ++d) {
      const int64_t e = (*this)[d];
      if (e < 0) return -1;
      if (e == 0) return 0;
    }
    for (int d = 0; d < rank(); ++d) {
      const int64_t e = (*this)[d];
      if (n > kMaxElements / e) return -1;
      n *= e;
    }
    return n;
  }
  /// Appends an extent.
  void push_back(int64_t v) {
    resize(rank_ + 1);
    data()[rank_ - 1] = v;
  }
  /// Sets the rank, filling new extents with `fill`.
  void resize(int r, int64_t fill = 1) {
    reserve(r);
    for (int i = rank_; i < r; ++i) data()[i] = fill;
    rank_ = r;
  }
  Shape to_shape() const { return Shape(begin(), end()); }

  friend bool operator==(const Dims& a, const Dims& b) noexcept {
    return a.rank_ == b.rank_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  int64_t* data() noexcept { return heap_ ? heap_.get() : inline_; }
  const int64_t* data() const noexcept { return heap_ ? heap_.get() : inline_; }
  void reserve(int r) {
    if (r <= kInline || (heap_ && r <= kMaxDims)) return;
    auto h = std::make_unique<int64_t[]>(kMaxDims);
    std::copy(begin(), end(), h.get());
    heap_ = std::move(h);
  }
  void assign(const int64_t* p, size_t n) {
    rank_ = 0;
    reserve(static_cast<int>(n));
    std::copy(p, p + n, data());
    rank_ = static_cast<int>(n);
  }
  void take(Dims&& o) noexcept {
    rank_ = o.rank_;
    heap_ = std::move(o.heap_);
    if (!heap_) std::copy(o.inline_, o.inline_ + rank_, inline_);
    o.rank_ = 0;
  }

  int rank_ = 0;
  int64_t inline_[kInline];
  std::unique_ptr<int64_t[]> heap_;
};

/// "(3,4)", "(5,)", "()" as numpy prints shapes.
std::string to_string(const Dims& d);
/// Same for a public Shape.
std::string shape_string(std::span<const int64_t> s);

/// Row-major strides, in elements, of a contiguous array of shape `d`.
Dims contiguous_strides(const Dims& d);

}  // namespace kiln::graph
