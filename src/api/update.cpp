// Updates: `a[{...}] = v` through IndexRef, and kiln::at's functional forms. Each records one
// Update node (graph/ops.def): a's values with v written through a window of a's flat index,
// which the scheduler stores into a's own buffer when nothing else can see it
// (passes/windows.hpp).
#include "kiln/update.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "api/apply.hpp"
#include "api/index.hpp"
#include "kiln/elementwise.hpp"

namespace kiln {

using graph::Dims;
using graph::Layout;
using graph::SourceLoc;
using Combine = IndexRef::Combine;

namespace {

constexpr const char* kAssign = "assign";

}  // namespace

namespace detail {

const char* name_of(Combine how) {
  switch (how) {
    case Combine::set:
      return "assign";
    case Combine::add:
      return "add";
    case Combine::subtract:
      return "subtract";
    case Combine::multiply:
      return "multiply";
    case Combine::divide:
      return "divide";
    case Combine::remainder:
      return "remainder";
    case Combine::bitwise_and:
      return "bitwise_and";
    case Combine::bitwise_or:
      return "bitwise_or";
    case Combine::bitwise_xor:
      return "bitwise_xor";
    case Combine::left_shift:
      return "left_shift";
    case Combine::right_shift:
      return "right_shift";
    case Combine::minimum:
      return "minimum";
    case Combine::maximum:
      return "maximum";
  }
  return "assign";
}

Array combined(const Array& part, Combine how, const Operand& value) {
  const Operand p(part, value.loc());
  switch (how) {
    case Combine::add:
      return add(p, value);
    case Combine::subtract:
      return subtract(p, value);
    case Combine::multiply:
      return multiply(p, value);
    case Combine::divide:
      return divide(p, value);
    case Combine::remainder:
      return remainder(p, value);
    case Combine::bitwise_and:
      return bitwise_and(p, value);
    case Combine::bitwise_or:
      return bitwise_or(p, value);
    case Combine::bitwise_xor:
      return bitwise_xor(p, value);
    case Combine::left_shift:
      return left_shift(p, value);
    case Combine::right_shift:
      return right_shift(p, value);
    case Combine::minimum:
      return minimum(p, value);
    case Combine::maximum:
      return maximum(p, value);
    case Combine::set:
      break;
  }
  return part;
}

}  // namespace detail

namespace {

// Where a[chain[0]][chain[1]]... sits in a's flat index. Basic indices of basic indices always
// compose into one strided window (numpy never copies for them).
void window_of(const Dims& shape, std::span<const Indices> chain, Dims& window, Layout& layout) {
  window = shape;
  layout = graph::identity_layout(shape);
  for (const Indices& index : chain) {
    Dims part;
    Layout over;
    detail::basic_index(window, index, part, over);
    Layout composed;
    if (!graph::compose(part, over, window, layout, composed))
      graph::throw_error(kAssign, "internal: an index of an index did not compose into one window",
                         detail::to_loc(index.loc()));
    window = std::move(part);
    layout = std::move(composed);
  }
}

// A C++ scalar assigned into an array of `dtype`, as numpy converts a Python scalar: complex
// into a real dtype, and nan, inf or an out-of-range float into an integer dtype, are errors.
Scalar assignable(Scalar s, DType dtype, SourceLoc loc) {
  if (s.kind == Scalar::Kind::complex_ && !is_complex(dtype) && dtype != DType::bool_)
    graph::throw_error(kAssign,
                       "a complex value cannot be assigned into an array of dtype " +
                           std::string(dtype_name(dtype)) +
                           " (numpy raises TypeError); assign kiln::real of it to keep the real "
                           "part",
                       loc);
  if (s.kind == Scalar::Kind::float_ && is_integer(dtype)) {
    const double t = std::trunc(s.f);
    const bool fits = std::isfinite(t) && t >= -9223372036854775808.0 && t < 9223372036854775808.0;
    if (!fits)
      graph::throw_error(kAssign,
                         "the value " + std::to_string(s.f) +
                             " cannot be assigned into an array of dtype " +
                             std::string(dtype_name(dtype)) + " (numpy raises for it)",
                         loc);
    // Into an unsigned dtype numpy's C cast keeps the low bits (-4.0 into uint8 is 252): the
    // float goes through that cast; into a signed one it is the truncated integer.
    if (!is_unsigned(dtype)) s = Scalar::of(static_cast<int64_t>(t));
  }
  return s;
}

}  // namespace

namespace detail {

Array assigned_value(const Array& a, const Dims& window, const Array& part, Combine how,
                     const Operand& value, SourceLoc loc) {
  const DType dtype = a.dtype();
  const char* fn = name_of(how);
  Array v;
  if (how == Combine::set) {
    if (!value.is_array()) {
      v = detail::constant(assignable(value.scalar(), dtype, loc), dtype, {}, kAssign, loc,
                           a.node()->device);
    } else {
      const Array& x = value.array();
      detail::node_of(x, kAssign, loc);
      if (is_complex(x.dtype()) && !is_complex(dtype) && dtype != DType::bool_)
        graph::throw_error(kAssign,
                           "a complex array cannot be assigned into an array of dtype " +
                               std::string(dtype_name(dtype)) +
                               " (numpy would drop the imaginary part with a warning); assign "
                               "kiln::real of it to keep the real part",
                           loc);
      v = detail::cast(x, dtype, loc);
    }
  } else {
    v = combined(part, how, value);
    if (v.node()->shape != window)
      graph::throw_error(fn,
                         "the value of shape " +
                             (value.is_array() ? graph::to_string(value.array().node()->shape)
                                               : std::string("()")) +
                             " does not broadcast into the indexed part of shape " +
                             graph::to_string(window) +
                             " (numpy: non-broadcastable output operand)",
                         loc);
    if (v.dtype() != dtype) {
      if (!graph::can_cast_same_kind(v.dtype(), dtype))
        graph::throw_error(fn,
                           "cannot cast the result from " + std::string(dtype_name(v.dtype())) +
                               " to " + std::string(dtype_name(dtype)) +
                               ", the array's dtype, in place (numpy's same_kind rule)",
                           loc);
      v = detail::cast(v, dtype, loc);
    }
    return v;
  }
  // numpy drops the value's leading extent-1 dimensions beyond the part's, then broadcasts.
  Dims shape = v.node()->shape;
  int drop = 0;
  while (shape.rank() - drop > window.rank() && shape[drop] == 1) ++drop;
  bool fits = shape.rank() - drop <= window.rank();
  for (int d = 0; fits && d < shape.rank() - drop; ++d) {
    const int64_t e = shape[shape.rank() - 1 - d], w = window[window.rank() - 1 - d];
    fits = e == w || e == 1;
  }
  if (!fits)
    graph::throw_error(kAssign,
                       "could not broadcast the value of shape " + graph::to_string(shape) +
                           " into the indexed part of shape " + graph::to_string(window),
                       loc);
  if (drop > 0) {
    Dims kept(std::span<const int64_t>(shape.begin() + drop, shape.end()));
    v = detail::make_view(v, kept, graph::identity_layout(kept), loc);
    shape = std::move(kept);
  }
  if (shape != window) v = detail::make_view(v, window, graph::broadcast_view(shape, window), loc);
  return v;
}

/// `a` with the part a[chain[0]][chain[1]]... replaced by `value` combined as `how` says.
Array updated(const Array& a, std::span<const Indices> chain, Combine how, const Operand& value) {
  const SourceLoc loc = to_loc(value.loc());
  const graph::Node* n = node_of(a, name_of(how), loc);
  for (size_t k = 0; k + 1 < chain.size(); ++k)
    if (has_array_entry(chain[k]))
      graph::throw_error(kAssign,
                         "an index with arrays gives a copy, so assigning through a further "
                         "index of it would change nothing (numpy's a[idx][j] = v leaves a as "
                         "it is); write the whole index at once",
                         to_loc(chain[k].loc()));
  if (has_array_entry(chain.back())) {
    if (chain.size() == 1) return advanced_updated(a, chain[0], how, value, false);
    // a[i][idx] = v: the advanced update of the basic part a[i], written back into a.
    const std::span<const Indices> outer = chain.first(chain.size() - 1);
    Array part = a;
    for (const Indices& index : outer) part = std::as_const(part)[index];
    const Array changed = advanced_updated(part, chain.back(), how, value, false);
    return updated(a, outer, Combine::set, Operand(changed, value.loc()));
  }
  const Dims shape = n->shape;
  Dims window;
  Layout layout;
  window_of(shape, chain, window, layout);
  Array v =
      assigned_value(a, window, how == Combine::set ? Array() : make_view(a, window, layout, loc),
                     how, value, loc);
  if (window.size() == 0) return a;
  if (graph::is_identity(window, layout, shape))  // the whole array, in order
    return make_view(v, shape, graph::identity_layout(shape), loc);
  return record_update(a, v, layout, loc);
}

Array record_update(const Array& a, const Array& v, const graph::Layout& window, SourceLoc loc) {
  const graph::Node* n = a.node();
  graph::NodeDesc d;
  d.op = graph::Op::Update;
  d.dtype = n->dtype;
  d.nargs = 2;
  d.args[0] = a.node();
  d.args[1] = v.node();
  d.shape = n->shape;
  d.strides = window.strides;
  d.payload.v[0] = static_cast<uint64_t>(window.offset);
  d.loc = loc;
  return Array(context().tracer().record(d));
}

}  // namespace detail

IndexRef Array::operator[](const Indices& index) & {
  return IndexRef(*this, index);
}

IndexRef::IndexRef(Array& target, const Indices& index)
    : Array(std::as_const(target)[index]), target_(&target), first_(index) {}

IndexRef::IndexRef(Array& target, std::vector<Indices> chain, Array value)
    : Array(std::move(value)), target_(&target), first_(chain[0]), chain_(std::move(chain)) {}

IndexRef IndexRef::operator[](const Indices& index) {
  std::vector<Indices> chain(this->chain().begin(), this->chain().end());
  chain.push_back(index);
  return IndexRef(*target_, std::move(chain), std::as_const(*this)[index]);
}

IndexRef& IndexRef::update(Combine how, const Operand& value) {
  const std::span<const Indices> chain = this->chain();
  *target_ = detail::updated(*target_, chain, how, value);
  // This reference's value becomes the updated part (and stops holding the old array, which
  // lets the next update run in place).
  Array part = std::as_const(*target_)[chain[0]];
  for (size_t k = 1; k < chain.size(); ++k) part = std::as_const(part)[chain[k]];
  static_cast<Array&>(*this) = std::move(part);
  return *this;
}

IndexRef& IndexRef::operator=(const Operand& value) {
  return update(Combine::set, value);
}
IndexRef& IndexRef::operator=(const IndexRef& other) {
  return update(Combine::set,
                Operand(static_cast<const Array&>(other), other.chain().back().loc()));
}
IndexRef& IndexRef::operator+=(const Operand& value) {
  return update(Combine::add, value);
}
IndexRef& IndexRef::operator-=(const Operand& value) {
  return update(Combine::subtract, value);
}
IndexRef& IndexRef::operator*=(const Operand& value) {
  return update(Combine::multiply, value);
}
IndexRef& IndexRef::operator/=(const Operand& value) {
  return update(Combine::divide, value);
}
IndexRef& IndexRef::operator%=(const Operand& value) {
  return update(Combine::remainder, value);
}
IndexRef& IndexRef::operator&=(const Operand& value) {
  return update(Combine::bitwise_and, value);
}
IndexRef& IndexRef::operator|=(const Operand& value) {
  return update(Combine::bitwise_or, value);
}
IndexRef& IndexRef::operator^=(const Operand& value) {
  return update(Combine::bitwise_xor, value);
}
IndexRef& IndexRef::operator<<=(const Operand& value) {
  return update(Combine::left_shift, value);
}
IndexRef& IndexRef::operator>>=(const Operand& value) {
  return update(Combine::right_shift, value);
}

Array At::apply(Combine how, const Operand& value) const {
  // With index arrays, repeated positions take every value in turn (numpy's ufunc.at).
  if (detail::has_array_entry(index_))
    return detail::advanced_updated(array_, index_, how, value, true);
  return detail::updated(array_, std::span<const Indices>(&index_, 1), how, value);
}
Array At::set(const Operand& value) const {
  return apply(Combine::set, value);
}
Array At::add(const Operand& value) const {
  return apply(Combine::add, value);
}
Array At::subtract(const Operand& value) const {
  return apply(Combine::subtract, value);
}
Array At::multiply(const Operand& value) const {
  return apply(Combine::multiply, value);
}
Array At::divide(const Operand& value) const {
  return apply(Combine::divide, value);
}
Array At::min(const Operand& value) const {
  return apply(Combine::minimum, value);
}
Array At::max(const Operand& value) const {
  return apply(Combine::maximum, value);
}

}  // namespace kiln
