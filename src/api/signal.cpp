// numpy's gradient, correlate and convolve, as compositions of kiln's own ops: gradient is
// differences of views (axis after axis), correlate and convolve are one gather of the padded
// signal at (lag + tap) indices, multiplied by the taps and summed: one fused kernel, no
// temporary of len(a) x len(v) values.
#include <algorithm>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "api/index.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::slice_axis;
using detail::to_loc;
using graph::SourceLoc;

namespace {

// Which lags a mode keeps: `count` of them from index `first` of the full correlation.
struct Window {
  int64_t first, count;
};

Window window_of(std::string_view fn, std::string_view mode, int64_t n, int64_t m, bool convolve,
                 SourceLoc loc) {
  const int64_t lo = std::min(n, m), hi = std::max(n, m);
  if (mode == "full") return {0, n + m - 1};
  if (mode == "valid") return {lo - 1, hi - lo + 1};
  if (mode == "same") {  // numpy centres the window on the shorter operand
    if (convolve || n >= m) return {(lo - 1) - lo / 2, hi};
    return {n / 2, hi};
  }
  graph::throw_error(fn, "mode must be 'valid', 'same' or 'full', got '" + std::string(mode) + "'",
                     loc);
}

// c[i] = sum_j a[first + i + j - (m - 1)] * taps[j], a taken as zero outside its extent.
Array sliding_sum(std::string_view fn, const Array& a, const Array& v, std::string_view mode,
                  bool convolve, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  for (const Array* x : {&a, &v}) {
    const graph::Node* node = detail::node_of(*x, fn, loc);
    if (node->shape.rank() != 1)
      graph::throw_error(fn,
                         "needs 1-d arrays, got shape " + graph::to_string(node->shape) +
                             (x == &a ? " for a" : " for v"),
                         loc);
    if (node->shape.size() == 0)
      graph::throw_error(fn, std::string(x == &a ? "a" : "v") + " cannot be empty", loc);
  }
  const int64_t n = a.size(), m = v.size();
  const Window w = window_of(fn, mode, n, m, convolve, loc);
  const DType t = promote_types(a.dtype(), v.dtype());
  const Array taps = (convolve ? flip(v, 0, l) : conj(Operand(v, l))).astype(t, l);
  // The windows of a padded with m - 1 zeros each side, as one view with overlapping strides
  // (row p starts one element after row p - 1), so the kernel reads a contiguously. In the
  // rows that overhang a, products outside it are masked out, not multiplied by the padding:
  // a zero times an infinite tap would be a nan where numpy's sum has none.
  const Array padded = pad(a.astype(t, l), {{m - 1, m - 1}}, 0.0, l);
  auto rows = [&](int64_t p0, int64_t p1, bool overhang) {
    const graph::Layout overlapping{p0, graph::Dims({1, 1})};
    const Array windows = detail::make_view(padded, graph::Dims({p1 - p0, m}), overlapping, loc);
    Array products = windows * taps;
    if (overhang) {
      const Array lags =
          reshape(arange(p0 - (m - 1), p1 - (m - 1), int64_t{1}, int64, l), {-1, 1}, l);
      const Array index = detail::transfer(lags + arange(int64_t{0}, m, int64_t{1}, int64, l),
                                           a.node()->device, loc);
      const Array inside = logical_and(Operand(index >= 0, l), Operand(index < n, l));
      products = where(Operand(inside, l), Operand(products, l), Operand(0, l));
    }
    const Array total = sum(products, 1, false, l);
    return total.dtype() == t ? total : total.astype(t, l);
  };
  // rows [m - 1, n) lie inside a
  const int64_t end = w.first + w.count, inner0 = std::clamp(m - 1, w.first, end),
                inner1 = std::clamp(n, inner0, end);
  std::vector<Array> parts;
  if (inner0 > w.first) parts.push_back(rows(w.first, inner0, true));
  if (inner1 > inner0) parts.push_back(rows(inner0, inner1, false));
  if (end > inner1) parts.push_back(rows(inner1, end, true));
  if (parts.empty()) return zeros({0}, t, l);
  return parts.size() == 1 ? parts[0] : concatenate(parts, 0, l);
}

// f's derivative along `axis` with numpy's formulas: the uniform ones with spacing h (a C++
// scalar, or the lazy 0-d `h_array`), the non-uniform ones with the spacings dx (1-d).
Array derivative(const Array& f, int axis, double h, const Array* h_array, const Array* dx,
                 int edge_order, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const int64_t n = f.shape()[static_cast<size_t>(axis)];
  auto part = [&](int64_t start, int64_t stop) { return slice_axis(f, axis, start, stop, loc); };
  auto along = [&](const Array& d) {  // a 1-d array shaped to broadcast along `axis`
    Shape s(static_cast<size_t>(f.ndim()), 1);
    s[static_cast<size_t>(axis)] = -1;
    return reshape(d, s, l);
  };
  // x / (c h) and (c / h) x, as numpy writes them (a C++ h stays a weak scalar)
  auto over = [&](const Array& x, double c) {
    return h_array ? divide(Operand(x, l), Operand(multiply(c, Operand(*h_array, l)), l))
                   : divide(Operand(x, l), c * h);
  };
  auto times = [&](double c, const Array& x) {
    return h_array ? multiply(Operand(divide(c, Operand(*h_array, l)), l), Operand(x, l))
                   : multiply(c / h, Operand(x, l));
  };
  std::vector<Array> pieces(3);
  if (dx == nullptr) {
    pieces[1] = over(part(2, n) - part(0, n - 2), 2.0);
    if (edge_order == 1) {
      pieces[0] = over(part(1, 2) - part(0, 1), 1.0);
      pieces[2] = over(part(n - 1, n) - part(n - 2, n - 1), 1.0);
    } else {
      pieces[0] = times(-1.5, part(0, 1)) + times(2.0, part(1, 2)) + times(-0.5, part(2, 3));
      pieces[2] = times(0.5, part(n - 3, n - 2)) + times(-2.0, part(n - 2, n - 1)) +
                  times(1.5, part(n - 1, n));
    }
  } else {
    const int64_t k = dx->size();
    const Array dx1 = along(slice_axis(*dx, 0, 0, k - 1, loc)),
                dx2 = along(slice_axis(*dx, 0, 1, k, loc));
    const Array a = -dx2 / (dx1 * (dx1 + dx2)), b = (dx2 - dx1) / (dx1 * dx2),
                c = dx1 / (dx2 * (dx1 + dx2));
    pieces[1] = a * part(0, n - 2) + b * part(1, n - 1) + c * part(2, n);
    const Array first = along(slice_axis(*dx, 0, 0, 1, loc)),
                second = along(slice_axis(*dx, 0, 1, 2, loc));
    const Array before_last = along(slice_axis(*dx, 0, k - 2, k - 1, loc)),
                last = along(slice_axis(*dx, 0, k - 1, k, loc));
    if (edge_order == 1) {
      pieces[0] = (part(1, 2) - part(0, 1)) / first;
      pieces[2] = (part(n - 1, n) - part(n - 2, n - 1)) / last;
    } else {
      const Array &d1 = first, &d2 = second;
      pieces[0] = -(2.0 * d1 + d2) / (d1 * (d1 + d2)) * part(0, 1) +
                  (d1 + d2) / (d1 * d2) * part(1, 2) - d1 / (d2 * (d1 + d2)) * part(2, 3);
      const Array &e1 = before_last, &e2 = last;
      pieces[2] = e2 / (e1 * (e1 + e2)) * part(n - 3, n - 2) -
                  (e2 + e1) / (e1 * e2) * part(n - 2, n - 1) +
                  (2.0 * e2 + e1) / (e2 * (e1 + e2)) * part(n - 1, n);
    }
  }
  return concatenate({pieces[0], pieces[1], pieces[2]}, axis, l);
}

// A C++ scalar spacing as a double (a complex one is refused).
double spacing_value(const Scalar& s, SourceLoc loc) {
  switch (s.kind) {
    case Scalar::Kind::complex_:
      graph::throw_error("gradient", "a spacing must be real", loc);
    case Scalar::Kind::float_:
      return s.f;
    default:
      return static_cast<double>(s.i);
  }
}

}  // namespace

Array correlate(const Array& a, const Array& v, std::string_view mode, std::source_location l) {
  return sliding_sum("correlate", a, v, mode, false, l);
}

Array convolve(const Array& a, const Array& v, std::string_view mode, std::source_location l) {
  return sliding_sum("convolve", a, v, mode, true, l);
}

std::vector<Array> gradient(const Array& f, const std::vector<Operand>& spacing,
                            const std::vector<int>& axes, int edge_order, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const graph::Node* node = detail::node_of(f, "gradient", loc);
  const int rank = node->shape.rank();
  if (f.dtype() == bool_)
    graph::throw_error("gradient",
                       "cannot take differences of a bool array (numpy's subtract "
                       "refuses)",
                       loc);
  std::vector<int> chosen;
  if (axes.empty())
    for (int d = 0; d < rank; ++d) chosen.push_back(d);
  for (const int axis : axes) {
    const int d = detail::normalize_axis("gradient", axis, rank, loc);
    if (std::find(chosen.begin(), chosen.end(), d) != chosen.end())
      graph::throw_error("gradient", "repeated axis " + std::to_string(axis), loc);
    chosen.push_back(d);
  }
  if (edge_order != 1 && edge_order != 2)
    graph::throw_error("gradient", "edge_order must be 1 or 2, got " + std::to_string(edge_order),
                       loc);
  if (!spacing.empty() && spacing.size() != 1 && spacing.size() != chosen.size())
    graph::throw_error("gradient",
                       "invalid number of arguments: " + std::to_string(spacing.size()) +
                           " spacings for " + std::to_string(chosen.size()) + " axes",
                       loc);
  const Array values = is_floating(f.dtype()) || is_complex(f.dtype()) ? f : f.astype(float64, l);
  std::vector<Array> out;
  for (size_t i = 0; i < chosen.size(); ++i) {
    const int d = chosen[i];
    const int64_t n = node->shape[d];
    if (n < edge_order + 1)
      graph::throw_error("gradient",
                         "Shape of array too small to calculate a numerical gradient, at least " +
                             std::to_string(edge_order + 1) + " elements are required (axis " +
                             std::to_string(d) + " has " + std::to_string(n) + ")",
                         loc);
    const Operand* s = spacing.empty() ? nullptr : &spacing[spacing.size() == 1 ? 0 : i];
    if (s == nullptr || !s->is_array() || s->array().ndim() == 0) {
      Array r;
      if (s != nullptr && s->is_array())
        r = derivative(values, d, 1.0, &s->array(), nullptr, edge_order, l);
      else
        r = derivative(values, d, s ? spacing_value(s->scalar(), loc) : 1.0, nullptr, nullptr,
                       edge_order, l);
      out.push_back(r.dtype() == values.dtype() ? r : r.astype(values.dtype(), l));
      continue;
    }
    if (spacing.size() == 1 && chosen.size() > 1)
      graph::throw_error("gradient", "one array of coordinates given for several axes", loc);
    const Array& x = s->array();
    if (x.ndim() != 1)
      graph::throw_error(
          "gradient",
          "distances must be either scalars or 1d, got shape " + graph::to_string(x.node()->shape),
          loc);
    if (x.size() != n)
      graph::throw_error("gradient",
                         "when 1d, distances must match the length of the corresponding "
                         "dimension (" +
                             std::to_string(x.size()) + " != " + std::to_string(n) + ")",
                         loc);
    const Array coords = is_integer(x.dtype()) || x.dtype() == bool_ ? x.astype(float64, l) : x;
    const Array dx = diff(coords, 1, 0, l);
    // numpy uses the uniform formulas when every spacing equals the first
    const Array h = slice_axis(dx, 0, 0, 1, loc).reshape({}, l);
    const Array uniform = all(equal(Operand(dx, l), Operand(h, l)), l);
    const Array r = where(Operand(uniform, l),
                          Operand(derivative(values, d, 1.0, &h, nullptr, edge_order, l), l),
                          Operand(derivative(values, d, 1.0, nullptr, &dx, edge_order, l), l));
    out.push_back(r.astype(values.dtype(), l));
  }
  return out;
}

}  // namespace kiln
