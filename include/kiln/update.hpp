// Functional updates, as JAX's `a.at[...]`: kiln::at(a, {...}).set(v) returns a new array and
// leaves `a` as it is. The assigning forms, `a[{...}] = v` and `a[{...}] += v`, are IndexRef's
// (kiln/array.hpp).
#pragma once

#include <source_location>

#include "kiln/array.hpp"

namespace kiln {

/// The part `index` of an array, for functional updates. Each returns a new array equal to the
/// array with that part replaced, with IndexRef's broadcasting and casting rules: `set` casts the
/// value to the array's dtype; the combining forms keep it under numpy's same_kind rule.
/// Nothing is copied when the array's old value is not used again (the update is in place).
class At {
 public:
  /// The part `index` of `a`.
  At(const Array& a, Indices index) : array_(a), index_(std::move(index)) {}
  /// The array with the part replaced by `value`.
  Array set(const Operand& value) const;
  /// The array with `value` added to the part.
  Array add(const Operand& value) const;
  /// The array with `value` subtracted from the part.
  Array subtract(const Operand& value) const;
  /// The array with the part multiplied by `value`.
  Array multiply(const Operand& value) const;
  /// The array with the part divided by `value` (true division).
  Array divide(const Operand& value) const;
  /// The array with the part replaced by its elementwise minimum with `value`.
  Array min(const Operand& value) const;
  /// The array with the part replaced by its elementwise maximum with `value`.
  Array max(const Operand& value) const;
  /// The part itself (a[index]).
  Array get() const { return array_[index_]; }

 private:
  Array apply(IndexRef::Combine how, const Operand& value) const;
  Array array_;
  Indices index_;
};

/// kiln::at(a, {i, kiln::slice()}).add(v): JAX's `a.at[i, :].add(v)`.
inline At at(const Array& a, Indices index) {
  return At(a, std::move(index));
}

}  // namespace kiln
