// numpy functions that are short compositions of kiln's own ops (so lazy, fused with their
// neighbours and differentiable where the ops are): angle conversions, fmax/fmin, heaviside,
// nan_to_num, count_nonzero, ptp, atleast_Nd, broadcast_arrays, diagflat, tri, trapz,
// tensordot, inner, vdot, kron.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "api/index.hpp"
#include "graph/types.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/linalg.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"
#include "kiln/special.hpp"

namespace kiln {

using detail::to_loc;
using graph::SourceLoc;

namespace {

using detail::float_type;

// An operand's dtype (a C++ scalar's default one).
DType dtype_of(const Operand& x) {
  return detail::operand_type(x).dtype;
}

Array scaled_angle(const Operand& x, double factor, std::string_view fn) {
  const std::source_location& l = x.loc();
  const SourceLoc loc = to_loc(l);
  if (!x.is_array())
    return full(
        {},
        factor * (x.scalar().kind == Scalar::Kind::float_ ? x.scalar().f
                                                          : static_cast<double>(x.scalar().i)),
        float64, l);
  const DType t = float_type(x.array().dtype(), fn, loc);
  return multiply(Operand(x.array().astype(t, l), l), factor);
}

}  // namespace

Array deg2rad(const Operand& x) {
  return scaled_angle(x, std::numbers::pi / 180.0, "deg2rad");
}
Array radians(const Operand& x) {
  return scaled_angle(x, std::numbers::pi / 180.0, "radians");
}
Array rad2deg(const Operand& x) {
  return scaled_angle(x, 180.0 / std::numbers::pi, "rad2deg");
}
Array degrees(const Operand& x) {
  return scaled_angle(x, 180.0 / std::numbers::pi, "degrees");
}

Array fmax(const Operand& a, const Operand& b) {
  const std::source_location& l = a.loc();
  const Array keep_a = logical_or(Operand(isnan(b), l), Operand(greater_equal(a, b), l));
  return where(Operand(keep_a, l), a, b);
}

Array fmin(const Operand& a, const Operand& b) {
  const std::source_location& l = a.loc();
  const Array keep_a = logical_or(Operand(isnan(b), l), Operand(less_equal(a, b), l));
  return where(Operand(keep_a, l), a, b);
}

Array heaviside(const Operand& x, const Operand& h0) {
  const std::source_location& l = x.loc();
  const SourceLoc loc = to_loc(l);
  const DType t = float_type(promote_types(dtype_of(x), dtype_of(h0)), "heaviside", loc);
  const Array xf = astype(x, t), hf = astype(h0, t);
  const Array step =
      where(Operand(less(Operand(xf, l), 0), l), 0.0,
            Operand(where(Operand(greater(Operand(xf, l), 0), l), 1.0, Operand(hf, l)), l));
  return where(Operand(isnan(Operand(xf, l)), l), Operand(xf, l), Operand(step, l));
}

Array nan_to_num(const Array& x, double nan, std::optional<double> posinf,
                 std::optional<double> neginf, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(x, "nan_to_num", loc);
  const DType t = x.dtype();
  if (is_complex(t))
    return complex(Operand(nan_to_num(real(Operand(x, l)), nan, posinf, neginf, l), l),
                   Operand(nan_to_num(imag(Operand(x, l)), nan, posinf, neginf, l), l));
  if (!is_floating(t)) return x;
  const double big = t == float16   ? 65504.0
                     : t == float32 ? std::numeric_limits<float>::max()
                                    : std::numeric_limits<double>::max();
  const Array finite_inf =
      where(Operand(greater(Operand(x, l), 0), l), posinf.value_or(big), neginf.value_or(-big));
  const Array fixed =
      where(Operand(isinf(Operand(x, l)), l), Operand(finite_inf.astype(t, l), l), Operand(x, l));
  return where(Operand(isnan(Operand(x, l)), l), Operand(full({}, nan, t, l), l),
               Operand(fixed, l));
}

Array count_nonzero(const Array& a, std::source_location l) {
  return sum(not_equal(Operand(a, l), 0), l);
}

Array count_nonzero(const Array& a, int axis, bool keepdims, std::source_location l) {
  return sum(not_equal(Operand(a, l), 0), axis, keepdims, l);
}

Array ptp(const Array& a, std::source_location l) {
  return subtract(Operand(max(a, l), l), Operand(min(a, l), l));
}

Array ptp(const Array& a, int axis, bool keepdims, std::source_location l) {
  return subtract(Operand(max(a, axis, keepdims, l), l), Operand(min(a, axis, keepdims, l), l));
}

Array atleast_1d(const Array& a, std::source_location l) {
  return a.ndim() >= 1 ? a : reshape(a, {1}, l);
}

Array atleast_2d(const Array& a, std::source_location l) {
  if (a.ndim() >= 2) return a;
  return reshape(a, {1, a.ndim() == 1 ? a.shape()[0] : 1}, l);
}

Array atleast_3d(const Array& a, std::source_location l) {
  switch (a.ndim()) {
    case 0:
      return reshape(a, {1, 1, 1}, l);
    case 1:
      return reshape(a, {1, a.shape()[0], 1}, l);
    case 2:
      return reshape(a, {a.shape()[0], a.shape()[1], 1}, l);
    default:
      return a;
  }
}

std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  Shape common;
  for (const Array& a : arrays) {
    detail::node_of(a, "broadcast_arrays", loc);  // a valid array
    const Shape s = a.shape();
    if (s.size() > common.size()) common.insert(common.begin(), s.size() - common.size(), 1);
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& c = common[common.size() - s.size() + i];
      const int64_t e = s[i];
      if (c == 1) {
        c = e;
      } else if (e != 1 && e != c) {
        graph::throw_error("broadcast_arrays",
                           "shape mismatch: objects cannot be broadcast to a single shape (" +
                               graph::shape_string(common) + " and " + graph::shape_string(s) + ")",
                           loc);
      }
    }
  }
  std::vector<Array> out;
  for (const Array& a : arrays) out.push_back(broadcast_to(a, common, l));
  return out;
}

Array diagflat(const Array& v, int64_t k, std::source_location l) {
  return diag(flatten(v, l), k, l);
}

Array tri(int64_t n, int64_t m, int64_t k, DType dtype, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (n < 0 || m < 0)
    graph::throw_error("tri",
                       "negative dimensions are not allowed (" + std::to_string(n) + ", " +
                           std::to_string(m) + ")",
                       loc);
  const Array rows = reshape(arange(int64_t{0}, n, int64_t{1}, int64, l), {n, 1}, l);
  const Array cols = arange(int64_t{0}, m, int64_t{1}, int64, l);
  const Array below = less_equal(Operand(cols, l), Operand(rows + k, l));
  return below.astype(dtype, l);
}

namespace {

// d * (y[1:] + y[:-1]) / 2.0 summed along axis, as numpy's trapz writes it.
Array trapezoids(const Array& y, const Operand& d, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int64_t n = y.shape()[static_cast<size_t>(axis)];
  if (n == 0) return sum(multiply(d, Operand(y, l)), axis, false, l);
  const Array hi = detail::slice_axis(y, axis, 1, n, loc),
              lo = detail::slice_axis(y, axis, 0, n - 1, loc);
  return sum(divide(Operand(multiply(d, Operand(hi + lo, l)), l), 2.0), axis, false, l);
}

}  // namespace

Array trapz(const Array& y, double dx, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int d =
      detail::normalize_axis("trapz", axis, detail::node_of(y, "trapz", loc)->shape.rank(), loc);
  return trapezoids(y, Operand(dx, l), d, l);
}

Array trapz(const Array& y, const Array& x, int axis, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int rank = detail::node_of(y, "trapz", loc)->shape.rank();
  const int d = detail::normalize_axis("trapz", axis, rank, loc);
  Array dx;
  if (detail::node_of(x, "trapz", loc)->shape.rank() == 1) {
    Shape along(static_cast<size_t>(rank), 1);
    along[static_cast<size_t>(d)] = std::max<int64_t>(0, x.size() - 1);
    dx = reshape(diff(x, 1, 0, l), along, l);
  } else {
    dx = diff(x, 1, d, l);
  }
  return trapezoids(y, Operand(dx, l), d, l);
}

Array tensordot(const Array& a, const Array& b, int axes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int ra = detail::node_of(a, "tensordot", loc)->shape.rank();
  const int rb = detail::node_of(b, "tensordot", loc)->shape.rank();
  if (axes < 0 || axes > ra || axes > rb)
    graph::throw_error("tensordot",
                       "axes = " + std::to_string(axes) + " for arrays of " + std::to_string(ra) +
                           " and " + std::to_string(rb) + " dimensions",
                       loc);
  std::vector<int> a_axes, b_axes;
  for (int i = 0; i < axes; ++i) {
    a_axes.push_back(ra - axes + i);
    b_axes.push_back(i);
  }
  return tensordot(a, b, a_axes, b_axes, l);
}

Array tensordot(const Array& a, const Array& b, const std::vector<int>& a_axes,
                const std::vector<int>& b_axes, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const graph::Dims sa = detail::node_of(a, "tensordot", loc)->shape;
  const graph::Dims sb = detail::node_of(b, "tensordot", loc)->shape;
  if (a_axes.size() != b_axes.size())
    graph::throw_error("tensordot", "shape-mismatch for sum (different numbers of axes)", loc);
  std::vector<int> sum_a, sum_b;
  int64_t k = 1;
  for (size_t i = 0; i < a_axes.size(); ++i) {
    sum_a.push_back(detail::normalize_axis("tensordot", a_axes[i], sa.rank(), loc));
    sum_b.push_back(detail::normalize_axis("tensordot", b_axes[i], sb.rank(), loc));
    if (sa[sum_a.back()] != sb[sum_b.back()])
      graph::throw_error("tensordot",
                         "shape-mismatch for sum: axis " + std::to_string(a_axes[i]) +
                             " of a has " + std::to_string(sa[sum_a.back()]) + ", axis " +
                             std::to_string(b_axes[i]) + " of b " +
                             std::to_string(sb[sum_b.back()]),
                         loc);
    k *= sa[sum_a.back()];
  }
  std::vector<int> perm_a, perm_b = sum_b;
  Shape out;
  int64_t m = 1, n = 1;
  for (int d = 0; d < sa.rank(); ++d)
    if (std::find(sum_a.begin(), sum_a.end(), d) == sum_a.end()) {
      perm_a.push_back(d);
      out.push_back(sa[d]);
      m *= sa[d];
    }
  perm_a.insert(perm_a.end(), sum_a.begin(), sum_a.end());
  for (int d = 0; d < sb.rank(); ++d)
    if (std::find(sum_b.begin(), sum_b.end(), d) == sum_b.end()) {
      perm_b.push_back(d);
      out.push_back(sb[d]);
      n *= sb[d];
    }
  const Array am = reshape(transpose(a, perm_a, l), {m, k}, l);
  const Array bm = reshape(transpose(b, perm_b, l), {k, n}, l);
  return reshape(matmul(am, bm, l), out, l);
}

Array inner(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (detail::node_of(a, "inner", loc)->shape.rank() == 0 ||
      detail::node_of(b, "inner", loc)->shape.rank() == 0)
    return multiply(Operand(a, l), Operand(b, l));
  return tensordot(a, b, {-1}, {-1}, l);
}

Array vdot(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (detail::node_of(a, "vdot", loc)->shape.size() !=
      detail::node_of(b, "vdot", loc)->shape.size())
    graph::throw_error("vdot",
                       "vectors have different lengths (" + std::to_string(a.size()) + " and " +
                           std::to_string(b.size()) + ")",
                       loc);
  const Array first = is_complex(a.dtype()) ? conj(Operand(a, l)) : a;
  return tensordot(flatten(first, l), flatten(b, l), 1, l);
}

Array kron(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int ra = detail::node_of(a, "kron", loc)->shape.rank();
  const int rb = detail::node_of(b, "kron", loc)->shape.rank();
  if (ra == 0 || rb == 0) return multiply(Operand(a, l), Operand(b, l));
  const int r = std::max(ra, rb);
  Shape sa = a.shape(), sb = b.shape();
  sa.insert(sa.begin(), static_cast<size_t>(r - ra), 1);
  sb.insert(sb.begin(), static_cast<size_t>(r - rb), 1);
  Shape ea, eb, out;  // a at the even axes, b at the odd ones
  for (int d = 0; d < r; ++d) {
    ea.insert(ea.end(), {sa[static_cast<size_t>(d)], 1});
    eb.insert(eb.end(), {1, sb[static_cast<size_t>(d)]});
    out.push_back(sa[static_cast<size_t>(d)] * sb[static_cast<size_t>(d)]);
  }
  return reshape(multiply(Operand(reshape(a, ea, l), l), Operand(reshape(b, eb, l), l)), out, l);
}

}  // namespace kiln
