// Indexing: a[{kiln::slice(1, kiln::none, 2), 3, kiln::newaxis, kiln::ellipsis}], with numpy's
// rules for negative indices, negative steps and clipping (basic indexing: the result is a
// view), and numpy's advanced indexing by integer and boolean arrays (a[{idx}], a[{i0, i1}],
// a[{mask}]).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <source_location>
#include <span>
#include <utility>
#include <vector>

namespace kiln {

class Array;

/// An open slice end: `kiln::slice(2, kiln::none)` is numpy's `2:`.
struct None {};
/// See None.
inline constexpr None none{};

/// A new axis of extent 1 (numpy's `np.newaxis` / `None` in an index).
struct NewAxis {};
/// See NewAxis.
inline constexpr NewAxis newaxis{};

/// All the axes not named by the other indices (numpy's `...`); at most one per index.
struct Ellipsis {};
/// See Ellipsis.
inline constexpr Ellipsis ellipsis{};

/// One end or the step of a slice: an integer, or kiln::none (open).
class SliceBound {
 public:
  /// Open (numpy's omitted bound).
  constexpr SliceBound(None) noexcept {}
  /// An integer bound; negative counts from the end, as in numpy.
  template <std::integral T>
  constexpr SliceBound(T v) noexcept : value_(static_cast<int64_t>(v)), open_(false) {}
  /// Whether the bound was omitted.
  constexpr bool open() const noexcept { return open_; }
  /// The bound (meaningless when open()).
  constexpr int64_t value() const noexcept { return value_; }

 private:
  int64_t value_ = 0;
  bool open_ = true;
};

/// numpy's start:stop:step.
struct Slice {
  SliceBound start = none, stop = none, step = none;
};

/// numpy's `:` (every element).
constexpr Slice slice() noexcept {
  return {};
}
/// numpy's start:stop (kiln::none for an open end).
constexpr Slice slice(SliceBound start, SliceBound stop) noexcept {
  return {start, stop, none};
}
/// numpy's start:stop:step (kiln::none for an open end or the default step 1).
constexpr Slice slice(SliceBound start, SliceBound stop, SliceBound step) noexcept {
  return {start, stop, step};
}

/// One entry of an index: an integer (drops its axis), a Slice, newaxis, ellipsis, or an array
/// (numpy's advanced indexing): an integer array picks positions along its axis, a boolean array
/// of k dimensions selects the true positions of the next k axes.
class Index {
 public:
  /// What the entry is.
  enum class Kind { integer, slice, newaxis, ellipsis, array };
  /// An integer index; negative counts from the end.
  template <std::integral T>
  Index(T i) noexcept : kind_(Kind::integer), integer_(static_cast<int64_t>(i)) {}
  /// A slice.
  Index(Slice s) noexcept : kind_(Kind::slice), slice_(s) {}
  /// A new axis.
  Index(NewAxis) noexcept : kind_(Kind::newaxis) {}
  /// The remaining axes.
  Index(Ellipsis) noexcept : kind_(Kind::ellipsis) {}
  /// An index array: int32 or int64 (positions; negative count from the end) or bool (a mask).
  Index(const Array& indices);

  /// What the entry is.
  Kind kind() const noexcept { return kind_; }
  /// The integer (kind() == integer).
  int64_t integer() const noexcept { return integer_; }
  /// The slice (kind() == slice).
  const Slice& slice() const noexcept { return slice_; }
  /// The index array (kind() == array).
  const Array& array() const noexcept { return *array_; }

 private:
  friend class Indices;
  Index() noexcept : kind_(Kind::newaxis) {}  // an unused slot of Indices' inline storage
  Kind kind_;
  int64_t integer_ = 0;
  Slice slice_;
  std::shared_ptr<const Array> array_;
};

/// The entries of `a[{...}]`, with the call site for error messages. Up to kInline entries are
/// kept inside the object (an index is made, and often copied, for every `a[{...}]`).
class Indices {
 public:
  /// The braced list of an index expression.
  Indices(std::initializer_list<Index> entries,
          std::source_location loc = std::source_location::current())
      : loc_(loc) {
    if (entries.size() <= kInline) {
      count_ = static_cast<unsigned char>(entries.size());
      std::copy(entries.begin(), entries.end(), inline_);
    } else {
      spill_.assign(entries.begin(), entries.end());
    }
  }
  /// An index built at run time.
  Indices(std::vector<Index> entries, std::source_location loc = std::source_location::current())
      : loc_(loc) {
    if (entries.size() <= kInline) {
      count_ = static_cast<unsigned char>(entries.size());
      std::move(entries.begin(), entries.end(), inline_);
    } else {
      spill_ = std::move(entries);
    }
  }
  /// The entries, in order.
  std::span<const Index> entries() const noexcept {
    return spill_.empty() ? std::span<const Index>(inline_, count_)
                          : std::span<const Index>(spill_);
  }
  /// Where the index was written.
  const std::source_location& loc() const noexcept { return loc_; }

 private:
  static constexpr size_t kInline = 4;
  Index inline_[kInline];
  unsigned char count_ = 0;
  std::vector<Index> spill_;  // more than kInline entries
  std::source_location loc_;
};

}  // namespace kiln
