// Reductions: one graph node each (sum, prod, max, min, argmax, argmin, any, all); mean, var and
// std are written with them exactly as numpy computes them.
#include "kiln/reductions.hpp"

#include <cmath>
#include <string>

#include "api/apply.hpp"
#include "graph/types.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::Dims;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace {

// The reduced axes as a bit mask over the operand's dimensions (`axes` null: all of them).
uint64_t axes_mask(int ndim, const std::vector<int>* axes, std::string_view fn, SourceLoc loc) {
  if (!axes) return ndim == 64 ? ~0ull : (1ull << ndim) - 1;
  uint64_t mask = 0;
  for (int axis : *axes) {
    const int k = detail::normalize_axis(fn, axis, ndim, loc);
    if (mask >> k & 1) graph::throw_error(fn, "axis " + std::to_string(axis) + " is repeated", loc);
    mask |= 1ull << k;
  }
  return mask;
}

int64_t reduced_count(const Dims& shape, uint64_t mask) {
  int64_t n = 1;
  for (int d = 0; d < shape.rank(); ++d)
    if (mask >> d & 1) n *= shape[d];
  return n;
}

Array reduce(Op op, const Array& a, uint64_t mask, bool keepdims, SourceLoc loc) {
  const std::string_view fn = graph::op_info(op).fn;
  const Node* n = detail::node_of(a, fn, loc);
  if (is_complex(n->dtype) && op != Op::Any && op != Op::All) {
    // Kernels reduce real numbers only: a complex sum is the sums of its parts (each part
    // accumulating in float64, so complex64 sums are more accurate than numpy's).
    if (op != Op::Sum)
      graph::throw_error(
          fn,
          "is not supported for complex numbers in kiln (they have no order; "
          "reduce abs() or real() instead)" +
              std::string(op == Op::Prod ? ", and complex products are left out" : ""),
          loc);
    const std::source_location here = std::source_location::current();
    const Array re = reduce(Op::Sum, real(Operand(a, here)), mask, keepdims, loc);
    const Array im = reduce(Op::Sum, imag(Operand(a, here)), mask, keepdims, loc);
    return complex(Operand(re, here), Operand(im, here));
  }
  const graph::ReduceTypes types = graph::reduce_types(op, n->dtype);
  Dims shape;
  for (int d = 0; d < n->shape.rank(); ++d) {
    if (!(mask >> d & 1))
      shape.push_back(n->shape[d]);
    else if (keepdims)
      shape.push_back(1);
  }
  const bool has_identity = op == Op::Sum || op == Op::Prod || op == Op::Any || op == Op::All;
  if (!has_identity && reduced_count(n->shape, mask) == 0)
    graph::throw_error(fn,
                       "the operand of shape " + graph::to_string(n->shape) +
                           " has nothing to reduce, and " + std::string(fn) +
                           " has no identity (numpy: zero-size array to reduction operation)",
                       loc);
  const Array x = detail::cast(a, types.compute, loc);
  graph::NodeDesc d;
  d.op = op;
  d.dtype = types.result;
  d.nargs = 1;
  d.args[0] = x.node();
  d.shape = shape;
  d.payload.v[0] = mask;
  d.payload.v[1] = keepdims;
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

// numpy's mean: sum (integers in float64) divided by the count; float16 in float32, rounded
// at the end.
Array mean_impl(const Array& a, uint64_t mask, bool keepdims, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "mean", loc);
  if (n->dtype == float16)
    return detail::cast(mean_impl(detail::cast(a, float32, loc), mask, keepdims, l), float16, loc);
  const bool keep = is_floating(n->dtype) || is_complex(n->dtype);
  const Array x = keep ? a : detail::cast(a, float64, loc);
  const Array s = reduce(Op::Sum, x, mask, keepdims, loc);
  return divide(Operand(s, l), Operand(reduced_count(n->shape, mask), l));
}

// numpy's var: mean(abs(x - mean(x))**2) with the count reduced by ddof.
Array var_impl(const Array& a, uint64_t mask, bool keepdims, int ddof,
               const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const Node* n = detail::node_of(a, "var", loc);
  if (is_complex(n->dtype)) {  // numpy: mean(abs(x - mean(x))**2), the parts' variances summed
    const Array vr = var_impl(real(Operand(a, l)), mask, keepdims, ddof, l);
    const Array vi = var_impl(imag(Operand(a, l)), mask, keepdims, ddof, l);
    return add(Operand(vr, l), Operand(vi, l));
  }
  const Array x = is_floating(n->dtype) ? a : detail::cast(a, float64, loc);
  const int64_t count = reduced_count(n->shape, mask);
  const Array mean_kept =
      divide(Operand(reduce(Op::Sum, x, mask, true, loc), l), Operand(count, l));
  const Array dev = subtract(Operand(x, l), Operand(mean_kept, l));
  const Array squares = multiply(Operand(dev, l), Operand(dev, l));
  const int64_t denom = std::max<int64_t>(count - ddof, 0);
  return divide(Operand(reduce(Op::Sum, squares, mask, keepdims, loc), l), Operand(denom, l));
}

}  // namespace

#define KILN_REDUCTION_OVERLOADS(fn, OP)                                                           \
  Array fn(const Array& a, std::source_location l) {                                               \
    const SourceLoc loc = to_loc(l);                                                               \
    return reduce(OP, a, axes_mask(detail::node_of(a, #fn, loc)->shape.rank(), nullptr, #fn, loc), \
                  false, loc);                                                                     \
  }                                                                                                \
  Array fn(const Array& a, int axis, bool keepdims, std::source_location l) {                      \
    const SourceLoc loc = to_loc(l);                                                               \
    const std::vector<int> axes{axis};                                                             \
    return reduce(OP, a, axes_mask(detail::node_of(a, #fn, loc)->shape.rank(), &axes, #fn, loc),   \
                  keepdims, loc);                                                                  \
  }
#define KILN_REDUCTION_AXES(fn, OP)                                                               \
  Array fn(const Array& a, const std::vector<int>& axes, bool keepdims, std::source_location l) { \
    const SourceLoc loc = to_loc(l);                                                              \
    return reduce(OP, a, axes_mask(detail::node_of(a, #fn, loc)->shape.rank(), &axes, #fn, loc),  \
                  keepdims, loc);                                                                 \
  }

KILN_REDUCTION_OVERLOADS(sum, Op::Sum)
KILN_REDUCTION_AXES(sum, Op::Sum)
KILN_REDUCTION_OVERLOADS(prod, Op::Prod)
KILN_REDUCTION_AXES(prod, Op::Prod)
KILN_REDUCTION_OVERLOADS(max, Op::Max)
KILN_REDUCTION_AXES(max, Op::Max)
KILN_REDUCTION_OVERLOADS(min, Op::Min)
KILN_REDUCTION_AXES(min, Op::Min)
KILN_REDUCTION_OVERLOADS(any, Op::Any)
KILN_REDUCTION_AXES(any, Op::Any)
KILN_REDUCTION_OVERLOADS(all, Op::All)
KILN_REDUCTION_AXES(all, Op::All)
KILN_REDUCTION_OVERLOADS(argmax, Op::ArgMax)
KILN_REDUCTION_OVERLOADS(argmin, Op::ArgMin)
#undef KILN_REDUCTION_OVERLOADS
#undef KILN_REDUCTION_AXES

namespace {
uint64_t mask_of(const Array& a, const std::vector<int>* axes, const char* fn, SourceLoc loc) {
  return axes_mask(detail::node_of(a, fn, loc)->shape.rank(), axes, fn, loc);
}
}  // namespace

Array mean(const Array& a, std::source_location l) {
  return mean_impl(a, mask_of(a, nullptr, "mean", to_loc(l)), false, l);
}
Array mean(const Array& a, int axis, bool keepdims, std::source_location l) {
  const std::vector<int> axes{axis};
  return mean_impl(a, mask_of(a, &axes, "mean", to_loc(l)), keepdims, l);
}
Array mean(const Array& a, const std::vector<int>& axes, bool keepdims, std::source_location l) {
  return mean_impl(a, mask_of(a, &axes, "mean", to_loc(l)), keepdims, l);
}

Array var(const Array& a, std::source_location l) {
  return var_impl(a, mask_of(a, nullptr, "var", to_loc(l)), false, 0, l);
}
Array var(const Array& a, int axis, bool keepdims, int ddof, std::source_location l) {
  const std::vector<int> axes{axis};
  return var_impl(a, mask_of(a, &axes, "var", to_loc(l)), keepdims, ddof, l);
}
Array var(const Array& a, const std::vector<int>& axes, bool keepdims, int ddof,
          std::source_location l) {
  return var_impl(a, mask_of(a, &axes, "var", to_loc(l)), keepdims, ddof, l);
}

Array std(const Array& a, std::source_location l) {
  return sqrt(Operand(var(a, l), l));
}
Array std(const Array& a, int axis, bool keepdims, int ddof, std::source_location l) {
  return sqrt(Operand(var(a, axis, keepdims, ddof, l), l));
}
Array std(const Array& a, const std::vector<int>& axes, bool keepdims, int ddof,
          std::source_location l) {
  return sqrt(Operand(var(a, axes, keepdims, ddof, l), l));
}

}  // namespace kiln
