// kiln/nanfunctions.hpp: numpy's nan-ignoring reductions as where() and the ordinary reductions
// (so they fuse: nansum(x) reads x once), and isclose / allclose / array_equal.
#include "kiln/nanfunctions.hpp"

#include <limits>
#include <numeric>

#include "api/apply.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/reductions.hpp"

namespace kiln {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<int> every_axis(const Array& a, std::string_view fn, std::source_location l) {
  std::vector<int> axes(
      static_cast<size_t>(detail::node_of(a, fn, detail::to_loc(l))->shape.rank()));
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

bool has_nans(DType t) {
  return is_floating(t) || is_complex(t);
}

// `a` with its nans replaced by `fill` (in a's dtype).
Array filled(const Array& a, double fill, std::source_location l) {
  return where(Operand(isnan(Operand(a, l)), l), Operand(fill, l), Operand(a, l));
}

// The count of elements that are not nan over `axes`, in `t`.
Array count(const Array& a, const std::vector<int>& axes, bool keepdims, DType t,
            std::source_location l) {
  return sum(logical_not(Operand(isnan(Operand(a, l)), l)), axes, keepdims, l).astype(t, l);
}

Array nansum_over(const Array& a, const std::vector<int>& axes, bool keepdims,
                  std::source_location l) {
  return sum(has_nans(a.dtype()) ? filled(a, 0, l) : a, axes, keepdims, l);
}

Array nanprod_over(const Array& a, const std::vector<int>& axes, bool keepdims,
                   std::source_location l) {
  return prod(has_nans(a.dtype()) ? filled(a, 1, l) : a, axes, keepdims, l);
}

Array extreme(const Array& a, const std::vector<int>& axes, bool keepdims, bool largest,
              std::source_location l) {
  if (!has_nans(a.dtype())) return largest ? max(a, axes, keepdims, l) : min(a, axes, keepdims, l);
  const Array skip = filled(a, largest ? -kInf : kInf, l);
  const Array m = largest ? max(skip, axes, keepdims, l) : min(skip, axes, keepdims, l);
  const Array none = all(isnan(Operand(a, l)), axes, keepdims, l);
  return where(Operand(none, l), Operand(kNan, l), Operand(m, l));
}

Array nanmax_over(const Array& a, const std::vector<int>& axes, bool keepdims,
                  std::source_location l) {
  return extreme(a, axes, keepdims, true, l);
}

Array nanmin_over(const Array& a, const std::vector<int>& axes, bool keepdims,
                  std::source_location l) {
  return extreme(a, axes, keepdims, false, l);
}

Array nanmean_over(const Array& a, const std::vector<int>& axes, bool keepdims,
                   std::source_location l) {
  if (!has_nans(a.dtype())) return mean(a, axes, keepdims, l);
  const Array total = sum(filled(a, 0, l), axes, keepdims, l);
  return divide(Operand(total, l), Operand(count(a, axes, keepdims, total.dtype(), l), l));
}

// numpy's nanvar: the mean of the squared deviations of the elements that are not nan from
// their mean, over their count minus ddof (nan where that is not positive).
Array nanvar_over(const Array& a, const std::vector<int>& axes, bool keepdims, int ddof,
                  std::source_location l) {
  if (!has_nans(a.dtype()) || is_complex(a.dtype())) return var(a, axes, keepdims, ddof, l);
  const Array nan = isnan(Operand(a, l));
  const Array x = filled(a, 0, l);
  const Array mean_kept =
      divide(Operand(sum(x, axes, true, l), l), Operand(count(a, axes, true, x.dtype(), l), l));
  const Array dev = where(Operand(nan, l), Operand(0, l),
                          Operand(subtract(Operand(x, l), Operand(mean_kept, l)), l));
  const Array squares = sum(multiply(Operand(dev, l), Operand(dev, l)), axes, keepdims, l);
  const Array dof = subtract(Operand(count(a, axes, keepdims, x.dtype(), l), l), Operand(ddof, l));
  return where(Operand(less_equal(Operand(dof, l), Operand(0, l)), l), Operand(kNan, l),
               Operand(divide(Operand(squares, l), Operand(dof, l)), l));
}

Array nanstd_over(const Array& a, const std::vector<int>& axes, bool keepdims, int ddof,
                  std::source_location l) {
  return sqrt(Operand(nanvar_over(a, axes, keepdims, ddof, l), l));
}

}  // namespace

#define KILN_NAN_REDUCTION(fn)                                                                    \
  Array fn(const Array& a, std::source_location l) {                                              \
    return fn##_over(a, every_axis(a, #fn, l), false, l);                                         \
  }                                                                                               \
  Array fn(const Array& a, int axis, bool keepdims, std::source_location l) {                     \
    return fn##_over(a, {axis}, keepdims, l);                                                     \
  }                                                                                               \
  Array fn(const Array& a, const std::vector<int>& axes, bool keepdims, std::source_location l) { \
    return fn##_over(a, axes, keepdims, l);                                                       \
  }
KILN_NAN_REDUCTION(nansum)
KILN_NAN_REDUCTION(nanprod)
KILN_NAN_REDUCTION(nanmax)
KILN_NAN_REDUCTION(nanmin)
KILN_NAN_REDUCTION(nanmean)
#undef KILN_NAN_REDUCTION

#define KILN_NAN_MOMENT(fn)                                                             \
  Array fn(const Array& a, std::source_location l) {                                    \
    return fn##_over(a, every_axis(a, #fn, l), false, 0, l);                            \
  }                                                                                     \
  Array fn(const Array& a, int axis, bool keepdims, int ddof, std::source_location l) { \
    return fn##_over(a, {axis}, keepdims, ddof, l);                                     \
  }                                                                                     \
  Array fn(const Array& a, const std::vector<int>& axes, bool keepdims, int ddof,       \
           std::source_location l) {                                                    \
    return fn##_over(a, axes, keepdims, ddof, l);                                       \
  }
KILN_NAN_MOMENT(nanvar)
KILN_NAN_MOMENT(nanstd)
#undef KILN_NAN_MOMENT

Array isclose(const Operand& a, const Operand& b, double rtol, double atol, bool equal_nan) {
  const std::source_location l = a.loc();
  // numpy compares in an inexact dtype: b * 1.0 is b, as float64 unless already inexact.
  const Array y = multiply(b, Operand(1.0, l));
  const Operand yo(y, l);
  const Array tolerance =
      add(Operand(atol, l), Operand(multiply(Operand(rtol, l), Operand(abs(yo), l)), l));
  const Array within =
      less_equal(Operand(abs(Operand(subtract(a, yo), l)), l), Operand(tolerance, l));
  const Array finite = logical_and(Operand(isfinite(a), l), Operand(isfinite(yo), l));
  Array close = where(Operand(finite, l), Operand(within, l), Operand(equal(a, yo), l));
  if (equal_nan)
    close = logical_or(Operand(close, l),
                       Operand(logical_and(Operand(isnan(a), l), Operand(isnan(yo), l)), l));
  return close;
}

bool allclose(const Operand& a, const Operand& b, double rtol, double atol, bool equal_nan) {
  const std::source_location l = a.loc();
  return all(isclose(a, b, rtol, atol, equal_nan), l).item<bool>(l);
}

bool array_equal(const Array& a, const Array& b, bool equal_nan, std::source_location l) {
  if (a.shape() != b.shape()) return false;
  Array same = equal(Operand(a, l), Operand(b, l));
  if (equal_nan)
    same = logical_or(Operand(same, l), Operand(logical_and(Operand(isnan(Operand(a, l)), l),
                                                            Operand(isnan(Operand(b, l)), l)),
                                                l));
  return all(same, l).item<bool>(l);
}

namespace {

// numpy's nanargmax / nanargmin: the nans replaced by -inf / inf, after an error for a slice
// of nans alone (which numpy raises too; it needs the data, so it is a sync).
Array nan_arg(const Array& a, bool largest, const int* axis, bool keepdims, std::string_view fn,
              std::source_location l) {
  const graph::SourceLoc loc = detail::to_loc(l);
  const DType t = detail::node_of(a, fn, loc)->dtype;
  if (!has_nans(t)) {
    if (!axis) return largest ? argmax(a, l) : argmin(a, l);
    return largest ? argmax(a, *axis, keepdims, l) : argmin(a, *axis, keepdims, l);
  }
  const Array nan = isnan(Operand(a, l));
  const Array all_nan = axis ? all(nan, *axis, false, l) : all(nan, l);
  if (any(all_nan, l).item<bool>(l)) graph::throw_error(fn, "All-NaN slice encountered", loc);
  const Array filled = where(Operand(nan, l), Operand(largest ? -kInf : kInf, l), Operand(a, l));
  if (!axis) return largest ? argmax(filled, l) : argmin(filled, l);
  return largest ? argmax(filled, *axis, keepdims, l) : argmin(filled, *axis, keepdims, l);
}

}  // namespace

Array nanargmax(const Array& a, std::source_location l) {
  return nan_arg(a, true, nullptr, false, "nanargmax", l);
}
Array nanargmax(const Array& a, int axis, bool keepdims, std::source_location l) {
  return nan_arg(a, true, &axis, keepdims, "nanargmax", l);
}
Array nanargmin(const Array& a, std::source_location l) {
  return nan_arg(a, false, nullptr, false, "nanargmin", l);
}
Array nanargmin(const Array& a, int axis, bool keepdims, std::source_location l) {
  return nan_arg(a, false, &axis, keepdims, "nanargmin", l);
}

}  // namespace kiln
