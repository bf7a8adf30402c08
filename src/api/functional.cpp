// kiln/functional.hpp: numpy's apply_along_axis, apply_over_axes, piecewise, block and
// mask_indices, as numpy writes them, over kiln's lazy arrays.
#include "kiln/functional.hpp"

#include <string>

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"

namespace kiln {

namespace {

using detail::to_loc;

// The depth of the lists of `b` (0 for an array), every branch checked to have the same one.
int list_depth(const Block& b, const std::source_location& l) {
  if (!b.is_list()) return 0;
  if (b.items().empty()) graph::throw_error("block", "Lists cannot be empty", to_loc(l));
  const int first = list_depth(b.items()[0], l);
  for (const Block& item : b.items())
    if (list_depth(item, l) != first)
      graph::throw_error("block", "List depths are mismatched", to_loc(l));
  return first + 1;
}

int max_array_ndim(const Block& b) {
  if (!b.is_list()) return b.array().ndim();
  int most = 0;
  for (const Block& item : b.items()) most = std::max(most, max_array_ndim(item));
  return most;
}

Array assemble(const Block& b, int depth, int lists, int ndim, const std::source_location& l) {
  if (!b.is_list()) {
    const Array& a = b.array();
    if (a.ndim() >= ndim) return a;
    Shape s(static_cast<size_t>(ndim - a.ndim()), 1);
    for (int64_t e : a.shape()) s.push_back(e);
    return a.reshape(s, l);
  }
  std::vector<Array> parts;
  for (const Block& item : b.items()) parts.push_back(assemble(item, depth + 1, lists, ndim, l));
  return concatenate(parts, -(lists - depth), l);
}

}  // namespace

Array apply_along_axis(const std::function<Array(const Array&)>& func1d, int axis, const Array& arr,
                       std::source_location l) {
  const char* fn = "apply_along_axis";
  const int rank = arr.ndim();
  axis = detail::normalize_axis(fn, axis, rank, to_loc(l), nullptr);
  const Array view = moveaxis(arr, axis, -1, l);
  const Shape vs = view.shape();
  const Shape outer(vs.begin(), vs.end() - 1);
  int64_t count = 1;
  for (int64_t e : outer) count *= e;
  if (count == 0)
    graph::throw_error(fn, "Cannot apply_along_axis when any iteration dimensions are 0",
                       to_loc(l));
  const Array rows = view.reshape({count, vs.back()}, l);
  std::vector<Array> results;
  const Array first = func1d(rows[{int64_t{0}}]);
  for (int64_t i = 0; i < count; ++i) {
    const Array r = i == 0 ? first : func1d(rows[{i}]);
    results.push_back(broadcast_to(r.astype(first.dtype(), l), first.shape(), l));
  }
  Shape shape = outer;
  const Shape rs = first.shape();
  shape.insert(shape.end(), rs.begin(), rs.end());
  const Array stacked = stack(results, 0, l).reshape(shape, l);
  // The result's own axes where `axis` was.
  std::vector<int> order;
  const int o = static_cast<int>(outer.size()), r = static_cast<int>(rs.size());
  for (int d = 0; d < axis; ++d) order.push_back(d);
  for (int d = 0; d < r; ++d) order.push_back(o + d);
  for (int d = axis; d < o; ++d) order.push_back(d);
  return transpose(stacked, order, l);
}

Array apply_over_axes(const std::function<Array(const Array&, int)>& func, const Array& a,
                      const std::vector<int>& axes, std::source_location l) {
  Array value = a;
  const int n = a.ndim();
  for (int axis : axes) {
    if (axis < 0) axis += n;
    const Array r = func(value, axis);
    if (r.ndim() == value.ndim()) {
      value = r;
    } else if (r.ndim() + 1 == value.ndim()) {
      value = expand_dims(r, axis, l);
    } else {
      graph::throw_error("apply_over_axes",
                         "function is not returning an array of the correct shape: " +
                             detail::shape_text(r.shape()) + " for " +
                             detail::shape_text(value.shape()),
                         to_loc(l));
    }
  }
  return value;
}

Array piecewise(const Array& x, const std::vector<Array>& condlist,
                const std::vector<Piece>& funclist, std::source_location l) {
  const char* fn = "piecewise";
  const size_t n = condlist.size(), n2 = funclist.size();
  if (n != n2 && n + 1 != n2)
    graph::throw_error(fn,
                       "with " + std::to_string(n) + " condition(s), either " + std::to_string(n) +
                           " or " + std::to_string(n + 1) + " functions are expected",
                       to_loc(l));
  const Shape s = x.shape();
  std::vector<Array> conds;
  for (const Array& c : condlist) {
    if (c.shape() != s)
      graph::throw_error(fn,
                         "a condition of shape " + detail::shape_text(c.shape()) +
                             " for x of shape " + detail::shape_text(s),
                         to_loc(l));
    conds.push_back(c.astype(bool_, l));
  }
  if (n + 1 == n2) {  // "otherwise": where no condition holds
    Array none = full(s, true, bool_, l);
    for (const Array& c : conds)
      none = logical_and(Operand(none, l), Operand(logical_not(Operand(c, l)), l));
    conds.push_back(none);
  }
  Array y = zeros_like(x, l);
  for (size_t k = 0; k < n2; ++k) {
    const Array v = std::holds_alternative<double>(funclist[k])
                        ? full(Shape{}, std::get<double>(funclist[k]), float64, l)
                        : std::get<1>(funclist[k])(x);
    y = where(Operand(conds[k], l), Operand(v.astype(x.dtype(), l), l), Operand(y, l));
  }
  return y;
}

Array block(const Block& blocks, std::source_location l) {
  const int lists = list_depth(blocks, l);
  if (lists == 0) return blocks.array();
  const int ndim = std::max(lists, max_array_ndim(blocks));
  return assemble(blocks, 0, lists, ndim, l);
}

std::vector<Array> mask_indices(int64_t n,
                                const std::function<Array(const Array&, int64_t)>& mask_func,
                                int64_t k, std::source_location l) {
  const Array m = mask_func(ones({n, n}, int64, l), k);
  return nonzero(not_equal(Operand(m, l), Operand(0, l)), l);
}

}  // namespace kiln
