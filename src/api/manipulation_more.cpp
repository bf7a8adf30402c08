// More of numpy's array functions as compositions of kiln's ops: append, hsplit vsplit dsplit,
// rollaxis, select, array_equiv, average, nancumsum, nancumprod.
#include <algorithm>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "graph/types.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/nanfunctions.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::SourceLoc;

namespace {

// numpy's hsplit/vsplit/dsplit: split along `axis` of an array of at least `min_rank` dims.
void check_split_rank(const Array& a, int min_rank, std::string_view fn, const SourceLoc& loc) {
  detail::node_of(a, fn, loc);
  if (a.ndim() < min_rank)
    graph::throw_error(fn,
                       "only works on arrays of " + std::to_string(min_rank) +
                           " or more dimensions (this one has " + std::to_string(a.ndim()) + ")",
                       loc);
}

}  // namespace

Array append(const Array& arr, const Array& values, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(arr, "append", loc);
  detail::node_of(values, "append", loc);
  return concatenate({arr.flatten(l), values.flatten(l)}, 0, l);
}

Array append(const Array& arr, const Array& values, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(arr, "append", loc);
  detail::node_of(values, "append", loc);
  return concatenate({arr, values}, axis, l);
}

std::vector<Array> hsplit(const Array& a, int64_t sections, std::source_location l) {
  check_split_rank(a, 1, "hsplit", to_loc(l));
  return split(a, sections, a.ndim() > 1 ? 1 : 0, l);
}
std::vector<Array> hsplit(const Array& a, const std::vector<int64_t>& indices,
                          std::source_location l) {
  check_split_rank(a, 1, "hsplit", to_loc(l));
  return split(a, indices, a.ndim() > 1 ? 1 : 0, l);
}
std::vector<Array> vsplit(const Array& a, int64_t sections, std::source_location l) {
  check_split_rank(a, 2, "vsplit", to_loc(l));
  return split(a, sections, 0, l);
}
std::vector<Array> vsplit(const Array& a, const std::vector<int64_t>& indices,
                          std::source_location l) {
  check_split_rank(a, 2, "vsplit", to_loc(l));
  return split(a, indices, 0, l);
}
std::vector<Array> dsplit(const Array& a, int64_t sections, std::source_location l) {
  check_split_rank(a, 3, "dsplit", to_loc(l));
  return split(a, sections, 2, l);
}
std::vector<Array> dsplit(const Array& a, const std::vector<int64_t>& indices,
                          std::source_location l) {
  check_split_rank(a, 3, "dsplit", to_loc(l));
  return split(a, indices, 2, l);
}

Array rollaxis(const Array& a, int axis, int start, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "rollaxis", loc);
  const int n = a.ndim();
  axis = detail::normalize_axis("rollaxis", axis, n, loc);
  const int given = start;
  if (start < 0) start += n;
  if (start < 0 || start > n)
    graph::throw_error("rollaxis",
                       "start must be in [" + std::to_string(-n) + ", " + std::to_string(n + 1) +
                           "), but " + std::to_string(given) + " was passed",
                       loc);
  if (axis < start) --start;
  std::vector<int> axes;
  for (int d = 0; d < n; ++d)
    if (d != axis) axes.push_back(d);
  axes.insert(axes.begin() + start, axis);
  return transpose(a, axes, l);
}

Array select(const std::vector<Array>& conditions, const std::vector<Array>& choices,
             const Operand& fallback, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (conditions.size() != choices.size())
    graph::throw_error("select",
                       "the list of cases (" + std::to_string(choices.size()) +
                           ") must be as long as the list of conditions (" +
                           std::to_string(conditions.size()) + ")",
                       loc);
  if (conditions.empty())
    graph::throw_error("select", "an empty list of conditions selects nothing", loc);
  std::vector<graph::OperandType> types;
  for (size_t i = 0; i < choices.size(); ++i) {
    detail::node_of(choices[i], "select", loc);
    detail::node_of(conditions[i], "select", loc);
    if (conditions[i].dtype() != bool_)
      graph::throw_error("select",
                         "condition " + std::to_string(i) + " is " +
                             std::string(dtype_name(conditions[i].dtype())) + ", not bool",
                         loc);
    types.push_back({choices[i].dtype(), false});
  }
  // numpy takes the default as an array (np.asarray): a C++ scalar's dtype counts in full.
  types.push_back({detail::operand_type(fallback).dtype, false});
  const DType t = graph::result_type(types);
  // numpy's: the default, then each condition from the last to the first takes its choice.
  Array r = astype(fallback, t);
  for (size_t i = choices.size(); i-- > 0;)
    r = where(Operand(conditions[i], l), Operand(choices[i].astype(t, l), l), Operand(r, l));
  return r;
}

bool array_equiv(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "array_equiv", loc);
  detail::node_of(b, "array_equiv", loc);
  const Shape sa = a.shape(), sb = b.shape();
  const size_t rank = std::max(sa.size(), sb.size());
  for (size_t d = 0; d < rank; ++d) {
    const int64_t ea = d < rank - sa.size() ? 1 : sa[d - (rank - sa.size())];
    const int64_t eb = d < rank - sb.size() ? 1 : sb[d - (rank - sb.size())];
    if (ea != eb && ea != 1 && eb != 1) return false;  // numpy: shapes that do not broadcast
  }
  return all(equal(Operand(a, l), Operand(b, l)), l).item<bool>(l);
}

Array average(const Array& a, std::optional<int> axis, const std::optional<Array>& weights,
              std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "average", loc);
  if (!weights) {
    const Array m = axis ? mean(a, *axis, false, l) : mean(a, l);
    // numpy scales by a.size / result.size, in Python: an empty result divides by zero.
    if (m.size() == 0)
      graph::throw_error("average",
                         "an empty result (a of shape " + graph::shape_string(a.shape()) +
                             ") has no elements to scale by, as in numpy",
                         loc);
    return m;
  }
  const Array& w = *weights;
  detail::node_of(w, "average", loc);
  const bool exact = is_integer(a.dtype()) || a.dtype() == bool_;
  DType t = promote_types(a.dtype(), w.dtype());
  if (exact || is_integer(t) || t == bool_) t = promote_types(t, float64);
  Array wb = w.astype(t, l);
  if (a.shape() != w.shape()) {
    if (!axis)
      graph::throw_error("average",
                         "axis must be given when the shapes of a " +
                             graph::shape_string(a.shape()) + " and weights " +
                             graph::shape_string(w.shape()) + " differ",
                         loc);
    if (w.ndim() != 1)
      graph::throw_error("average", "1-d weights expected when the shapes differ", loc);
    const int ax = detail::normalize_axis("average", *axis, a.ndim(), loc);
    if (w.shape()[0] != a.shape()[static_cast<size_t>(ax)])
      graph::throw_error("average",
                         "the length of weights (" + std::to_string(w.shape()[0]) +
                             ") differs from that of a along axis " + std::to_string(ax) + " (" +
                             std::to_string(a.shape()[static_cast<size_t>(ax)]) + ")",
                         loc);
    Shape s(static_cast<size_t>(a.ndim()), 1);
    s[static_cast<size_t>(ax)] = w.shape()[0];
    // numpy sums the weights in this shape (ones elsewhere), not broadcast to a's.
    wb = reshape(wb, s, l);
  }
  const Array scale = axis ? sum(wb, *axis, false, l) : sum(wb, l);
  // numpy raises when a sum of weights is 0: that reads the sums (a sync).
  if (any(equal(Operand(scale, l), 0.0), l).item<bool>(l))
    graph::throw_error("average", "the weights sum to zero, so they cannot be normalized", loc);
  const Array weighted = multiply(Operand(a.astype(t, l), l), Operand(wb, l));
  const Array total = axis ? sum(weighted, *axis, false, l) : sum(weighted, l);
  return divide(Operand(total, l), Operand(scale, l));
}

Array nancumsum(const Array& a, std::optional<int> axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "nancumsum", loc);
  const bool floats = is_floating(a.dtype()) || is_complex(a.dtype());
  const Array x =
      floats ? where(Operand(isnan(Operand(a, l)), l), Operand(0, l), Operand(a, l)) : a;
  return axis ? cumsum(x, *axis, l) : cumsum(x, l);
}

Array nancumprod(const Array& a, std::optional<int> axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "nancumprod", loc);
  const bool floats = is_floating(a.dtype()) || is_complex(a.dtype());
  const Array x =
      floats ? where(Operand(isnan(Operand(a, l)), l), Operand(1, l), Operand(a, l)) : a;
  return axis ? cumprod(x, *axis, l) : cumprod(x, l);
}

Array copy(const Array& a, std::source_location l) {
  detail::node_of(a, "copy", to_loc(l));
  // kiln's arrays are values: an assignment to one (a[...] = v) rebinds that handle to a new
  // array and never shows through another handle, so a copy can share the array.
  return a;
}

Array empty(const Shape& shape, DType dtype, std::source_location l) {
  return zeros(shape, dtype, l);
}

Array empty_like(const Array& a, std::source_location l) {
  return zeros_like(a, l);
}

Array vander(const Array& x, std::optional<int64_t> n, bool increasing, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(x, "vander", loc);
  if (x.ndim() != 1) graph::throw_error("vander", "x must be a one-dimensional array", loc);
  const int64_t cols = n.value_or(x.size());
  if (cols < 0) graph::throw_error("vander", "N must be non-negative", loc);
  // numpy's: promote_types(x, int), 1 in the first column, then the running product of x.
  const DType t = promote_types(x.dtype(), int64);
  const int64_t rows = x.size();
  Array r = ones({rows, std::min<int64_t>(cols, 1)}, t, l);
  if (cols > 1) {
    const Array xs = broadcast_to(reshape(x.astype(t, l), {rows, 1}, l), {rows, cols - 1}, l);
    r = concatenate({r, cumprod(xs, 1, l)}, 1, l);
  }
  return increasing ? r : flip(r, 1, l);
}

Array resize(const Array& a, const Shape& new_shape, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "resize", loc);
  int64_t size = 1;
  for (int64_t e : new_shape) {
    if (e < 0) graph::throw_error("resize", "all elements of new_shape must be non-negative", loc);
    size *= e;
  }
  if (size == 0 || a.size() == 0) return zeros(new_shape, a.dtype(), l);
  // numpy's: the flattened a repeated as often as needed, cut to the new size.
  const int64_t copies = (size + a.size() - 1) / a.size();
  const Array flat = tile(flatten(a, l), {copies}, l);
  return reshape(flat[{slice(0, size)}], new_shape, l);
}

Array unwrap(const Array& p, std::optional<double> discont, int axis, double period,
             std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(p, "unwrap", loc);
  if (p.ndim() == 0) graph::throw_error("unwrap", "needs an array of at least one dimension", loc);
  axis = detail::normalize_axis("unwrap", axis, p.ndim(), loc);
  if (is_complex(p.dtype()) || p.dtype() == bool_)
    graph::throw_error(
        "unwrap", "is not supported for " + std::string(dtype_name(p.dtype())) + " input", loc);
  const DType t = is_floating(p.dtype()) ? p.dtype() : float64;
  const Array x = p.astype(t, l);
  if (x.shape()[static_cast<size_t>(axis)] < 2) return x;
  // numpy's (float period): dd = diff(p); ddmod = mod(dd + period/2, period) - period/2, with
  // -period/2 turned to +period/2 where dd > 0; corrections where |dd| >= discont, summed along
  // the axis and added to p from its second element on.
  const double high = period / 2, low = -high;
  const Array dd = diff(x, 1, axis, l);
  Array ddmod = add(Operand(remainder(Operand(subtract(Operand(dd, l), low), l), period), l), low);
  ddmod = where(Operand(logical_and(Operand(equal(Operand(ddmod, l), low), l),
                                    Operand(greater(Operand(dd, l), 0), l)),
                        l),
                Operand(high, l), Operand(ddmod, l));
  Array correct = subtract(Operand(ddmod, l), Operand(dd, l));
  correct = where(Operand(less(Operand(abs(Operand(dd, l)), l), discont.value_or(high)), l),
                  Operand(0.0, l), Operand(correct, l));
  const Array sums = cumsum(correct.astype(t, l), axis, l).astype(t, l);
  const std::vector<Array> parts = split(x, std::vector<int64_t>{1}, axis, l);
  return concatenate({parts[0], add(Operand(parts[1], l), Operand(sums, l)).astype(t, l)}, axis, l);
}

}  // namespace kiln
