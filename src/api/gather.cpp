// take, take_along_axis, scatter, scatter_add, concatenate, stack, cumsum, cumprod: shape and
// dtype checks at the call, then one node each: the gathers are computed inside the kernels
// that use them (schedule/lower.cpp), the others are library nodes (runtime/host_ops.cpp).
#include "kiln/gather.hpp"

#include "api/apply.hpp"
#include "api/index.hpp"
#include "graph/errors.hpp"
#include "graph/types.hpp"
#include "kiln/creation.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::normalize_axis;
using detail::to_loc;
using graph::Dims;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace {

void check_indices(std::string_view fn, const Node* idx, SourceLoc loc) {
  if (idx->dtype != DType::int32 && idx->dtype != DType::int64)
    graph::throw_error(
        fn, "indices must be int32 or int64, not " + std::string(dtype_name(idx->dtype)), loc);
}

Array record(Op op, DType dtype, const Dims& shape, std::initializer_list<const Array*> args,
             int axis, SourceLoc loc, Op combine = Op::Add, bool one_value = false) {
  graph::NodeDesc d;
  d.op = op;
  d.dtype = dtype;
  d.shape = shape;
  for (const Array* a : args) d.args[d.nargs++] = a->node();
  d.payload.v[0] = static_cast<uint64_t>(axis);
  if (op == Op::ScatterApply) d.payload.v[1] = static_cast<uint64_t>(combine);
  d.payload.v[2] = one_value ? 1 : 0;
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

// a.shape[:axis] + inner + a.shape[axis+1:].
Dims splice(std::string_view fn, const Dims& a, int axis, const Dims& inner, SourceLoc loc) {
  if (a.rank() - 1 + inner.rank() > graph::kMaxDims)
    graph::throw_error(fn,
                       "the result would have " + std::to_string(a.rank() - 1 + inner.rank()) +
                           " dimensions; kiln supports at most " + std::to_string(graph::kMaxDims),
                       loc);
  Dims out;
  for (int d = 0; d < axis; ++d) out.push_back(a[d]);
  for (int d = 0; d < inner.rank(); ++d) out.push_back(inner[d]);
  for (int d = axis + 1; d < a.rank(); ++d) out.push_back(a[d]);
  return out;
}

Array scatter_impl(Op op, const Array& a, const Array& indices, const Operand& values, int axis,
                   Op combine = Op::Add) {
  const std::string_view fn = graph::op_info(op).fn;
  const SourceLoc loc = to_loc(values.loc());
  const Node* na = detail::node_of(a, fn, loc);
  const Node* ni = detail::node_of(indices, fn, loc);
  check_indices(fn, ni, loc);
  if (na->shape.rank() == 0)
    graph::throw_error(fn, "cannot scatter into a 0-dimensional array", loc);
  axis = normalize_axis(fn, axis, na->shape.rank(), loc);
  const Dims target = splice(fn, na->shape, axis, ni->shape, loc);
  if (na->shape[axis] == 0 && ni->shape.size() > 0)
    graph::throw_error(fn,
                       "index out of bounds: axis " + std::to_string(axis) + " of shape " +
                           graph::to_string(na->shape) + " is empty",
                       loc);
  // values: an array or a weak C++ scalar, as the right-hand side of an assignment (scatter)
  // or of numpy's add.at (scatter_add, which refuses to add floats into integers).
  graph::OperandType types[2] = {{na->dtype, false}, {na->dtype, false}};
  if (values.is_array()) {
    types[1].dtype = detail::node_of(values.array(), fn, loc)->dtype;
  } else {
    const Scalar::Kind k = values.scalar().kind;
    types[1] = {graph::default_dtype(k == Scalar::Kind::complex_ ? graph::Kind::complex
                                     : k == Scalar::Kind::float_ ? graph::Kind::floating
                                     : k == Scalar::Kind::int_   ? graph::Kind::integer
                                                                 : graph::Kind::bool_),
                true};
  }
  // No complex128 check: the values are cast to a's dtype (numpy computes add.at in the wider
  // type and casts back, at most a rounding apart).
  const DType promoted = graph::result_type(types);
  if (op != Op::Scatter && !graph::can_cast_same_kind(promoted, na->dtype))
    graph::throw_error(fn,
                       "cannot add " + std::string(dtype_name(types[1].dtype)) + " values into a " +
                           std::string(dtype_name(na->dtype)) +
                           " array (numpy's add.at refuses the cast too)",
                       loc);
  Array v;
  if (values.is_array()) {
    v = values.array().astype(na->dtype, values.loc());
  } else {  // as numpy's assignment: a complex number goes into complex or bool arrays only
    v = detail::constant(values.scalar(), na->dtype, Dims{}, fn, loc, na->device);
  }
  // numpy's assignment drops extra leading length-1 axes of the values. (numpy 1.24's add.at
  // sometimes accepts them and sometimes fails on an internal reshape; scatter_add keeps to
  // its documented rule: the values broadcast to the scattered shape.)
  if (op == Op::Scatter) {
    Shape trimmed = v.shape();
    size_t drop = 0;
    while (trimmed.size() - drop > static_cast<size_t>(target.rank()) && trimmed[drop] == 1) ++drop;
    if (drop)
      v = reshape(v, Shape(trimmed.begin() + static_cast<std::ptrdiff_t>(drop), trimmed.end()),
                  values.loc());
  }
  const Dims& vs = v.node()->shape;
  bool fits = vs.rank() <= target.rank();
  for (int d = 1; fits && d <= vs.rank(); ++d) {
    const int64_t e = vs[vs.rank() - d];
    fits = e == 1 || e == target[target.rank() - d];
  }
  if (!fits)
    graph::throw_error(fn,
                       "values of shape " + graph::to_string(vs) +
                           " do not broadcast to the scattered shape " + graph::to_string(target),
                       loc);
  // A C++ scalar stays one value (payload v[2]) rather than a broadcast the sync would fill in
  // memory: bincount's ones for 1e7 indices would be 80 MB.
  if (!values.is_array() && op != Op::ScatterApply)
    return record(op, na->dtype, na->shape, {&a, &indices, &v}, axis, loc, combine, true);
  const Shape target_shape(target.begin(), target.end());
  const Array bv = broadcast_to(v, target_shape, values.loc());
  return record(op, na->dtype, na->shape, {&a, &indices, &bv}, axis, loc, combine);
}

}  // namespace

Array take(const Array& a, const Array& indices, std::source_location l) {
  if (detail::node_of(a, "take", to_loc(l))->shape.rank() == 1) return take(a, indices, 0, l);
  return take(flatten(a, l), indices, 0, l);
}

Array take(const Array& a, const Array& indices, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "take", loc);
  const Node* ni = detail::node_of(indices, "take", loc);
  check_indices("take", ni, loc);
  if (na->shape.rank() == 0) return take(flatten(a, l), indices, 0, l);
  axis = normalize_axis("take", axis, na->shape.rank(), loc);
  const Dims shape = splice("take", na->shape, axis, ni->shape, loc);
  if (na->shape[axis] == 0 && shape.size() > 0)
    graph::throw_error("take",
                       "cannot take from an empty axis (axis " + std::to_string(axis) +
                           " of shape " + graph::to_string(na->shape) + ")",
                       loc);
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= na->shape[d];
  if (shape.size() == 0 && ni->shape.size() > 0 && outer > 0) {
    // Nothing is taken, so no kernel would read the indices; numpy checks them all the same
    // (for each position before the axis, so never when there is none): read them now (a
    // sync, only for an empty result).
    const int64_t extent = na->shape[axis];
    for (int64_t i : indices.to_vector<int64_t>(l))
      if (i < -extent || i >= extent)
        graph::throw_error("take",
                           "index " + std::to_string(i) + " is out of bounds for axis " +
                               std::to_string(axis) + " with size " + std::to_string(extent),
                           loc);
  }
  return record(Op::Take, na->dtype, shape, {&a, &indices}, axis, loc);
}

Array take_along_axis(const Array& a, const Array& indices, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* na = detail::node_of(a, "take_along_axis", loc);
  const Node* ni = detail::node_of(indices, "take_along_axis", loc);
  check_indices("take_along_axis", ni, loc);
  if (na->shape.rank() != ni->shape.rank())
    graph::throw_error("take_along_axis",
                       "indices (shape " + graph::to_string(ni->shape) +
                           ") must have as many dimensions as the array (shape " +
                           graph::to_string(na->shape) + ")",
                       loc);
  axis = normalize_axis("take_along_axis", axis, na->shape.rank(), loc);
  Dims out;
  for (int d = 0; d < na->shape.rank(); ++d) {
    const int64_t ea = na->shape[d], ei = ni->shape[d];
    if (d == axis) {
      out.push_back(ei);
    } else if (ea == ei || ea == 1 || ei == 1) {
      out.push_back(ea == 1 ? ei : ea);
    } else {
      graph::throw_error("take_along_axis",
                         "shapes " + graph::to_string(na->shape) + " and " +
                             graph::to_string(ni->shape) + " do not broadcast outside axis " +
                             std::to_string(axis),
                         loc);
    }
  }
  if (na->shape[axis] == 0 && out.size() > 0)
    graph::throw_error("take_along_axis", "cannot take from an empty axis", loc);
  return record(Op::TakeAlong, na->dtype, out, {&a, &indices}, axis, loc);
}

Array scatter(const Array& a, const Array& indices, const Operand& values, int axis) {
  return scatter_impl(Op::Scatter, a, indices, values, axis);
}

Array scatter_add(const Array& a, const Array& indices, const Operand& values, int axis) {
  return scatter_impl(Op::ScatterAdd, a, indices, values, axis);
}

namespace detail {
Array scatter_apply(graph::Op combine, const Array& a, const Array& indices, const Array& values,
                    int axis) {
  return scatter_impl(Op::ScatterApply, a, indices, values, axis, combine);
}
}  // namespace detail

Array concatenate(const std::vector<Array>& arrays, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (arrays.empty()) graph::throw_error("concatenate", "needs at least one array", loc);
  const Node* first = detail::node_of(arrays[0], "concatenate", loc);
  if (first->shape.rank() == 0)
    graph::throw_error("concatenate", "zero-dimensional arrays cannot be concatenated", loc);
  axis = normalize_axis("concatenate", axis, first->shape.rank(), loc);
  DType t = first->dtype;
  for (size_t i = 1; i < arrays.size(); ++i) {
    const Node* n = detail::node_of(arrays[i], "concatenate", loc);
    bool ok = n->shape.rank() == first->shape.rank();
    for (int d = 0; ok && d < first->shape.rank(); ++d)
      ok = d == axis || n->shape[d] == first->shape[d];
    if (!ok)
      graph::throw_error("concatenate",
                         "array " + std::to_string(i) + " has shape " + graph::to_string(n->shape) +
                             ", which does not match " + graph::to_string(first->shape) +
                             " outside axis " + std::to_string(axis),
                         loc);
    t = promote_types(t, n->dtype);
  }
  // Pairwise in a balanced tree, which keeps the graph shallow (the kernels that compute the
  // operands store them straight into the outermost concatenation's buffer: nothing is copied
  // once per level).
  std::vector<Array> level;
  level.reserve(arrays.size());
  for (const Array& a : arrays) level.push_back(a.node()->dtype == t ? a : a.astype(t, l));
  while (level.size() > 1) {
    std::vector<Array> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      Dims shape = level[i].node()->shape;
      shape[axis] += level[i + 1].node()->shape[axis];
      next.push_back(record(Op::Concatenate, t, shape, {&level[i], &level[i + 1]}, axis, loc));
    }
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  return level[0];
}

Array stack(const std::vector<Array>& arrays, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (arrays.empty()) graph::throw_error("stack", "needs at least one array", loc);
  const Dims& shape = detail::node_of(arrays[0], "stack", loc)->shape;
  for (size_t i = 1; i < arrays.size(); ++i)
    if (!(detail::node_of(arrays[i], "stack", loc)->shape == shape))
      graph::throw_error("stack",
                         "all input arrays must have the same shape: array 0 has " +
                             graph::to_string(shape) + ", array " + std::to_string(i) + " has " +
                             graph::to_string(arrays[i].node()->shape),
                         loc);
  axis = normalize_axis("stack", axis, shape.rank() + 1, loc);
  // Each array reshaped to have the new axis (expand_dims's view, made directly: a stack of
  // thousands of rows is a common loop's last step).
  Dims expanded_shape;
  for (int d = 0; d <= shape.rank(); ++d)
    expanded_shape.push_back(d == axis ? 1 : shape[d - (d > axis)]);
  const graph::Layout reshape = graph::identity_layout(expanded_shape);
  std::vector<Array> expanded;
  expanded.reserve(arrays.size());
  for (const Array& a : arrays)
    expanded.push_back(detail::make_view(a, expanded_shape, reshape, loc));
  return concatenate(expanded, axis, l);
}

namespace {
Array scan(Op op, const Array& a, int axis, SourceLoc loc) {
  const std::string_view fn = graph::op_info(op).fn;
  const Node* n = detail::node_of(a, fn, loc);
  if (n->shape.rank() == 0) {  // numpy scans a 0-d array as its 1-element flattening
    const Array flat = reshape(a, Shape{1}, std::source_location::current());
    return scan(op, flat, axis, loc);
  }
  axis = normalize_axis(fn, axis, n->shape.rank(), loc);
  // numpy accumulates integers and bool in int64, unsigned integers in uint64
  const DType t = graph::kind_of(n->dtype) >= graph::Kind::floating ? n->dtype
                  : is_unsigned(n->dtype)                           ? DType::uint64
                                                                    : DType::int64;
  const Array operand = detail::cast(a, t, loc);
  return record(op, t, n->shape, {&operand}, axis, loc);
}
}  // namespace

Array cumsum(const Array& a, std::source_location l) {
  return scan(Op::CumSum, flatten(a, l), 0, to_loc(l));
}
Array cumsum(const Array& a, int axis, std::source_location l) {
  return scan(Op::CumSum, a, axis, to_loc(l));
}
Array cumprod(const Array& a, std::source_location l) {
  return scan(Op::CumProd, flatten(a, l), 0, to_loc(l));
}
Array cumprod(const Array& a, int axis, std::source_location l) {
  return scan(Op::CumProd, a, axis, to_loc(l));
}

}  // namespace kiln
