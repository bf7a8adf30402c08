// numpy.fft on top of three library ops (Fft, Rfft, Irfft over one axis, unnormalised): the
// cropping and zero-padding to n points are views and concatenations, the normalisation a lazy
// multiply, and fft2/ifft2 one transform per axis, last axis first, as numpy's fftn.
#include "kiln/fft.hpp"

#include <cmath>
#include <string>

#include "api/apply.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/index.hpp"
#include "kiln/manipulation.hpp"

namespace kiln::fft {

using detail::to_loc;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace {

enum class Norm { backward, ortho, forward };

Norm parse_norm(std::string_view fn, std::string_view norm, SourceLoc loc) {
  if (norm == "backward" || norm.empty()) return Norm::backward;
  if (norm == "ortho") return Norm::ortho;
  if (norm == "forward") return Norm::forward;
  graph::throw_error(
      fn, "invalid norm \"" + std::string(norm) + "\": use \"backward\", \"ortho\" or \"forward\"",
      loc);
}

// The scale a transform of n points gets under `norm` (numpy's _get_forward_norm and
// _get_backward_norm).
double scale_of(Norm norm, bool inverse, int64_t n) {
  switch (norm) {
    case Norm::ortho:
      return 1.0 / std::sqrt(static_cast<double>(n));
    case Norm::forward:
      return inverse ? 1.0 : 1.0 / static_cast<double>(n);
    default:
      return inverse ? 1.0 / static_cast<double>(n) : 1.0;
  }
}

// Whether numpy 2 transforms `t` in double precision: everything but float32 and complex64
// (integers and bool as float64).
bool wide(DType t) {
  return t != float32 && t != complex64;
}

// `a` converted to the complex (or, with `real`, the real) dtype of its precision.
Array converted(std::string_view fn, const Array& a, bool real, SourceLoc loc) {
  const DType t = a.dtype();
  if (fn == "rfft" && is_complex(t))
    graph::throw_error(fn, "needs real input, not " + std::string(dtype_name(t)) + " (use fft)",
                       loc);
  const DType want = real ? (wide(t) ? float64 : float32) : (wide(t) ? complex128 : complex64);
  return detail::cast(a, want, loc);
}

// `a` cropped or zero-padded along `axis` to `n` elements.
Array resized(const Array& a, int axis, int64_t n, const std::source_location& l) {
  const int64_t have = a.shape()[static_cast<size_t>(axis)];
  if (have == n) return a;
  if (have > n) {
    std::vector<Index> idx(static_cast<size_t>(axis), slice());
    idx.push_back(slice(0, n));
    return a[Indices(idx, l)];
  }
  graph::Dims pad = a.node()->shape;
  pad[axis] = n - have;  // zeros on a's device
  return concatenate({a, detail::constant(Scalar::of(0), a.dtype(), pad, "fft", detail::to_loc(l),
                                          a.node()->device)},
                     axis, l);
}

Array record(Op op, DType dtype, const Array& x, int axis, int64_t n, uint64_t flag,
             SourceLoc loc) {
  graph::NodeDesc d;
  d.op = op;
  d.dtype = dtype;
  d.nargs = 1;
  d.args[0] = x.node();
  d.shape = x.node()->shape;
  d.shape[axis] = n;
  d.payload.v[0] = static_cast<uint64_t>(axis);
  d.payload.v[1] = flag;
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

// The normalisation, applied to each part (a complex product with (s, 0) would turn an
// infinite part's partner into nan: inf * 0).
Array scaled(const Array& x, double scale, const std::source_location& l) {
  if (scale == 1.0) return x;
  if (!is_complex(x.dtype())) return multiply(Operand(x, l), Operand(scale, l));
  const Array re = multiply(real(Operand(x, l)), Operand(scale, l));
  const Array im = multiply(imag(Operand(x, l)), Operand(scale, l));
  return complex(Operand(re, l), Operand(im, l));
}

void check_points(std::string_view fn, int64_t n, SourceLoc loc) {
  if (n < 1)
    graph::throw_error(
        fn, "invalid number of data points (" + std::to_string(n) + ") specified: needs at least 1",
        loc);
}

Array complex_transform(std::string_view fn, const Array& a, int64_t n, int axis,
                        std::string_view norm, bool inverse, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const Node* node = detail::node_of(a, fn, loc);
  const Norm nm = parse_norm(fn, norm, loc);
  axis = detail::normalize_axis(fn, axis, node->shape.rank(), loc, &node->shape);
  if (n == -1) n = node->shape[axis];
  check_points(fn, n, loc);
  const Array x = resized(converted(fn, a, false, loc), axis, n, l);
  return scaled(record(Op::Fft, x.dtype(), x, axis, n, inverse ? 1 : 0, loc),
                scale_of(nm, inverse, n), l);
}

Array transform_2d(std::string_view fn, const Array& a, const Shape& s,
                   const std::vector<int>& axes, std::string_view norm, bool inverse,
                   const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, fn, loc);
  if (!s.empty() && s.size() != axes.size())
    graph::throw_error(fn,
                       "s has " + std::to_string(s.size()) + " entries but axes has " +
                           std::to_string(axes.size()) + "; they must match",
                       loc);
  Array r = a;
  for (size_t i = axes.size(); i-- > 0;)
    r = complex_transform(fn, r, s.empty() ? -1 : s[i], axes[i], norm, inverse, l);
  return r;
}

}  // namespace

Array fft(const Array& a, int64_t n, int axis, std::string_view norm, std::source_location l) {
  return complex_transform("fft", a, n, axis, norm, false, l);
}

Array ifft(const Array& a, int64_t n, int axis, std::string_view norm, std::source_location l) {
  return complex_transform("ifft", a, n, axis, norm, true, l);
}

Array rfft(const Array& a, int64_t n, int axis, std::string_view norm, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* node = detail::node_of(a, "rfft", loc);
  const Norm nm = parse_norm("rfft", norm, loc);
  axis = detail::normalize_axis("rfft", axis, node->shape.rank(), loc, &node->shape);
  if (n == -1) n = node->shape[axis];
  check_points("rfft", n, loc);
  const Array x = resized(converted("rfft", a, true, loc), axis, n, l);
  const DType out = x.dtype() == float64 ? complex128 : complex64;
  return scaled(record(Op::Rfft, out, x, axis, n / 2 + 1, static_cast<uint64_t>(n), loc),
                scale_of(nm, false, n), l);
}

Array irfft(const Array& a, int64_t n, int axis, std::string_view norm, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Node* node = detail::node_of(a, "irfft", loc);
  const Norm nm = parse_norm("irfft", norm, loc);
  axis = detail::normalize_axis("irfft", axis, node->shape.rank(), loc, &node->shape);
  if (n == -1) n = 2 * (node->shape[axis] - 1);
  check_points("irfft", n, loc);
  const Array x = resized(converted("irfft", a, false, loc), axis, n / 2 + 1, l);
  const DType out = x.dtype() == complex128 ? float64 : float32;
  Array r = record(Op::Irfft, out, x, axis, n, static_cast<uint64_t>(n), loc);
  return scaled(r, scale_of(nm, true, n), l);
}

Array fft2(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
           std::source_location l) {
  return transform_2d("fft2", a, s, axes, norm, false, l);
}

Array ifft2(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
            std::source_location l) {
  return transform_2d("ifft2", a, s, axes, norm, true, l);
}

namespace {

// numpy's _cook_nd_args: the axes (all of them, or the last len(s) when only s is given) and the
// point counts along them (-1: the axis' own; s's last for an inverse real transform).
std::vector<int> nd_axes(std::string_view fn, const Array& a, const Shape& s,
                         const std::vector<int>& axes, const SourceLoc& loc) {
  detail::node_of(a, fn, loc);
  std::vector<int> r = axes;
  if (r.empty()) {
    const int n = s.empty() ? a.ndim() : static_cast<int>(s.size());
    if (n > a.ndim())
      graph::throw_error(fn,
                         "s has " + std::to_string(n) + " entries for an array of " +
                             std::to_string(a.ndim()) + " dimensions",
                         loc);
    for (int i = 0; i < n; ++i) r.push_back(i - n);
  }
  if (!s.empty() && s.size() != r.size())
    graph::throw_error(fn,
                       "shape and axes have different lengths (" + std::to_string(s.size()) +
                           " and " + std::to_string(r.size()) + ")",
                       loc);
  if (r.empty()) graph::throw_error(fn, "no axes to transform (a 0-d array)", loc);
  return r;
}

int64_t points(const Shape& s, size_t i) {
  return s.empty() ? -1 : s[i];
}

// numpy's _swap_direction for hfft and ihfft.
std::string_view swapped(std::string_view norm) {
  return norm == "backward" ? "forward" : norm == "forward" ? "backward" : norm;
}

}  // namespace

Array fftn(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
           std::source_location l) {
  const std::vector<int> ax = nd_axes("fftn", a, s, axes, to_loc(l));
  Array r = a;
  for (size_t i = ax.size(); i-- > 0;)
    r = complex_transform("fftn", r, points(s, i), ax[i], norm, false, l);
  return r;
}

Array ifftn(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
            std::source_location l) {
  const std::vector<int> ax = nd_axes("ifftn", a, s, axes, to_loc(l));
  Array r = a;
  for (size_t i = ax.size(); i-- > 0;)
    r = complex_transform("ifftn", r, points(s, i), ax[i], norm, true, l);
  return r;
}

Array rfftn(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
            std::source_location l) {
  const std::vector<int> ax = nd_axes("rfftn", a, s, axes, to_loc(l));
  // numpy's: rfft along the last axis, then fft along the others.
  Array r = rfft(a, points(s, ax.size() - 1), ax.back(), norm, l);
  for (size_t i = 0; i + 1 < ax.size(); ++i)
    r = complex_transform("rfftn", r, points(s, i), ax[i], norm, false, l);
  return r;
}

Array irfftn(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
             std::source_location l) {
  const std::vector<int> ax = nd_axes("irfftn", a, s, axes, to_loc(l));
  Array r = a;
  for (size_t i = 0; i + 1 < ax.size(); ++i)
    r = complex_transform("irfftn", r, points(s, i), ax[i], norm, true, l);
  return irfft(r, points(s, ax.size() - 1), ax.back(), norm, l);
}

Array rfft2(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
            std::source_location l) {
  return rfftn(a, s, axes, norm, l);
}

Array irfft2(const Array& a, const Shape& s, const std::vector<int>& axes, std::string_view norm,
             std::source_location l) {
  return irfftn(a, s, axes, norm, l);
}

Array hfft(const Array& a, int64_t n, int axis, std::string_view norm, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "hfft", loc);
  parse_norm("hfft", norm, loc);
  return irfft(conj(Operand(a, l)), n, axis, swapped(norm), l);
}

Array ihfft(const Array& a, int64_t n, int axis, std::string_view norm, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "ihfft", loc);
  parse_norm("ihfft", norm, loc);
  return conj(Operand(rfft(a, n, axis, swapped(norm), l), l));
}

Array fftfreq(int64_t n, double d, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (n < 1) graph::throw_error("fftfreq", "n must be at least 1, not " + std::to_string(n), loc);
  // numpy's: [0, 1, ..., (n-1)//2, -(n//2), ..., -1] * (1 / (n d))
  const int64_t half = (n - 1) / 2 + 1;
  const Array k = arange(0, n, 1, int64, l);
  const Array shifted = where(Operand(less(Operand(k, l), half), l), Operand(k, l),
                              Operand(subtract(Operand(k, l), n), l));
  return multiply(Operand(shifted, l), 1.0 / (static_cast<double>(n) * d));
}

Array rfftfreq(int64_t n, double d, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (n < 1) graph::throw_error("rfftfreq", "n must be at least 1, not " + std::to_string(n), loc);
  return multiply(Operand(arange(0, n / 2 + 1, 1, int64, l), l),
                  1.0 / (static_cast<double>(n) * d));
}

namespace {

Array shift(std::string_view fn, const Array& x, const std::vector<int>& axes, bool inverse,
            const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(x, fn, loc);
  if (x.ndim() == 0)  // numpy's roll of no axes fails
    graph::throw_error(fn, "needs an array of at least one dimension", loc);
  std::vector<int> ax = axes;
  if (ax.empty())
    for (int d = 0; d < x.ndim(); ++d) ax.push_back(d);
  Array r = x;
  for (int a : ax) {
    const int d = detail::normalize_axis(fn, a, x.ndim(), loc);
    const int64_t half = x.shape()[static_cast<size_t>(d)] / 2;
    r = roll(r, inverse ? -half : half, d, l);
  }
  return r;
}

}  // namespace

Array fftshift(const Array& x, const std::vector<int>& axes, std::source_location l) {
  return shift("fftshift", x, axes, false, l);
}

Array ifftshift(const Array& x, const std::vector<int>& axes, std::source_location l) {
  return shift("ifftshift", x, axes, true, l);
}

}  // namespace kiln::fft
