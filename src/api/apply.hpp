// The bridge from the public API to the trace: checks arguments, applies numpy's promotion and
// broadcasting, and records nodes. Every user mistake is thrown here, at the call.
#pragma once

#include <initializer_list>
#include <source_location>
#include <span>
#include <string_view>

#include "graph/errors.hpp"
#include "graph/node.hpp"
#include "graph/types.hpp"
#include "kiln/array.hpp"
#include "runtime/context.hpp"

namespace kiln::detail {

/// The user's call site in the form nodes keep.
inline graph::SourceLoc to_loc(const std::source_location& l) noexcept {
  return {l.file_name(), l.line()};
}

/// The process's context.
inline runtime::Context& context() {
  return runtime::Context::get();
}

/// The node of a valid array; an empty handle is an error naming `fn`.
graph::Node* node_of(const Array& a, std::string_view fn, graph::SourceLoc loc);

/// A public Shape checked for use as an array shape (rank, negative extents, size overflow).
graph::Dims checked_shape(const Shape& shape, std::string_view fn, graph::SourceLoc loc);

/// `axis` of an array of `rank` dimensions made non-negative; out of range it is an error naming
/// `fn` (and `shape`, when given).
int normalize_axis(std::string_view fn, int axis, int rank, graph::SourceLoc loc,
                   const graph::Dims* shape = nullptr);

/// Records `op` on `operands` (arrays or weak scalars) with numpy's NEP 50 promotion and
/// broadcasting. The call site is the first operand's.
Array apply(graph::Op op, std::initializer_list<const Operand*> operands);

/// An error naming `fn` unless `dtype` is one of kiln's dtypes (a value cast to DType is not).
void check_dtype(DType dtype, std::string_view fn, graph::SourceLoc loc);

/// `a` converted to `dtype` (returns `a` itself when the dtype already matches).
Array cast(const Array& a, DType dtype, graph::SourceLoc loc);

/// Records a leaf node on `device` (creation functions).
Array record_leaf(graph::Op op, DType dtype, const graph::Dims& shape,
                  const graph::Payload& payload, graph::SourceLoc loc, graph::DeviceId device);

/// `a` copied to `device` at the sync (a Transfer node); `a` itself when it is there already.
Array transfer(const Array& a, graph::DeviceId device, graph::SourceLoc loc);

/// The device creation functions put new arrays on (kiln::default_device()). The first call
/// applies KILN_DEVICE; a device there that cannot be used is an error naming `fn` and `loc`.
graph::DeviceId default_device_id(std::string_view fn, graph::SourceLoc loc);

/// An operand's type for promotion: an array's dtype (strong), or a C++ scalar's kind's default
/// dtype (weak).
graph::OperandType operand_type(const Operand& o);

/// numpy's float type for a float function of dtype `t` (float16 for bool and 8-bit integers,
/// float32 for 16-bit ones, float64 for the wider, floats their own); complex is an error
/// naming `fn` (numpy has no complex loop for the function).
DType float_type(DType t, std::string_view fn, graph::SourceLoc loc);

/// A shape as numpy prints it: (2, 3), (4,), ().
std::string shape_text(const Shape& s);

/// Whether the integer `v` is within the range of `dtype` (true for non-integer dtypes).
bool integer_fits(int64_t v, DType dtype);

/// The bits of `s` converted to `dtype` as a weak scalar would be; an integer that does not fit
/// an integer dtype is an error naming `fn`. Not for complex128 (see constant()).
uint64_t scalar_bits(const Scalar& s, DType dtype, std::string_view fn, graph::SourceLoc loc);

/// An array of `shape` on `device` filled with `s` converted to `dtype` (errors as
/// scalar_bits). A Full leaf, except for complex128, whose values have no 64-bit payload:
/// complex(re, im) of two float64 Full leaves, which the kernel computes inline all the same.
Array constant(const Scalar& s, DType dtype, const graph::Dims& shape, std::string_view fn,
               graph::SourceLoc loc, graph::DeviceId device);

}  // namespace kiln::detail
