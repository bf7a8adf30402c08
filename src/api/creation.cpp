#include "kiln/creation.hpp"

#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "api/apply.hpp"
#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::checked_shape;
using detail::context;
using detail::record_leaf;
using detail::to_loc;
using graph::Op;
using graph::SourceLoc;

namespace detail {

namespace {
// Host data `a` moved to the default device when that is not the CPU (copied at the sync).
Array on_default_device(Array a, std::string_view fn, SourceLoc loc) {
  const graph::DeviceId device = default_device_id(fn, loc);
  if (device == graph::kCpuDevice) return a;
  return transfer(a, device, loc);
}
}  // namespace

Array array_from_host(const void* data, DType dtype, const Shape& shape, int64_t count,
                      const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const char* fn = count < 0 ? "from_blob" : "array";
  const graph::Dims dims = checked_shape(shape, fn, loc);
  const int64_t n = dims.size();
  if (count >= 0 && count != n)
    graph::throw_error(fn,
                       std::to_string(count) + " values do not fill shape " +
                           graph::shape_string(shape) + " (" + std::to_string(n) + " elements)",
                       loc);
  if (n > 0 && !data) graph::throw_error(fn, "got a null pointer", loc);
  const size_t bytes = static_cast<size_t>(n) * itemsize(dtype);
  auto buffer = context().host_pool().allocate(bytes);
  if (dtype == bool_) {  // store canonical 0/1 whatever bytes the caller used for true
    const auto* src = static_cast<const unsigned char*>(data);
    auto* dst = static_cast<unsigned char*>(buffer->data);
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i] != 0;
  } else if (bytes) {
    std::memcpy(buffer->data, data, bytes);
  }
  return on_default_device(
      Array(context().tracer().record_data(std::move(buffer), dtype, dims, loc)), fn, loc);
}

Array wrap_host(void* data, DType dtype, const Shape& shape, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  const graph::Dims dims = checked_shape(shape, "wrap", loc);
  if (dims.size() > 0 && !data) graph::throw_error("wrap", "got a null pointer", loc);
  if (reinterpret_cast<uintptr_t>(data) % itemsize(dtype) != 0)
    graph::throw_error("wrap", "the pointer is not aligned to its element size", loc);
  auto buffer = std::make_shared<graph::Buffer>(
      graph::Buffer{data, static_cast<size_t>(dims.size()) * itemsize(dtype), true});
  return on_default_device(
      Array(context().tracer().record_data(std::move(buffer), dtype, dims, loc)), "wrap", loc);
}

Array full_impl(const Shape& shape, const Scalar& value, DType dtype,
                const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  detail::check_dtype(dtype, "full", loc);
  const graph::Dims dims = checked_shape(shape, "full", loc);
  if (value.kind == Scalar::Kind::float_ && is_integer(dtype)) {
    // nan, inf and out-of-range values have no integer; numpy 2 refuses them here too.
    const double limit = dtype == int32 ? 2147483648.0 : 9223372036854775808.0;
    if (!(value.f >= -limit && value.f < limit))
      graph::throw_error("full",
                         "the value " + std::to_string(value.f) + " cannot be converted to " +
                             std::string(dtype_name(dtype)),
                         loc);
  }
  return constant(value, dtype, dims, "full", loc, detail::default_device_id("full", loc));
}

Array arange_impl(const Scalar& start, const Scalar& stop, const Scalar& step,
                  std::optional<DType> dtype, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  for (const Scalar* s : {&start, &stop, &step})
    if (s->unsigned_overflow) graph::throw_error("arange", "an argument is above INT64_MAX", loc);
  const bool any_float = start.kind == Scalar::Kind::float_ || stop.kind == Scalar::Kind::float_ ||
                         step.kind == Scalar::Kind::float_;
  const DType t = dtype.value_or(any_float ? float64 : int64);
  detail::check_dtype(t, "arange", loc);
  if (t == bool_ || is_complex(t))
    graph::throw_error("arange", "dtype " + std::string(dtype_name(t)) + " is not supported", loc);
  auto as_double = [](const Scalar& s) {
    return s.kind == Scalar::Kind::float_ ? s.f : double(s.i);
  };

  // numpy: length = ceil((stop - start) / step), then value(i) = start + i*delta with
  // delta = T(start + step) - T(start) computed in the dtype.
  int64_t length = 0;
  if (!any_float) {
    if (step.i == 0) graph::throw_error("arange", "step must not be zero", loc);
    const __int128 span = static_cast<__int128>(stop.i) - start.i;
    __int128 q = span / step.i;
    if (q * step.i != span && ((span > 0) == (step.i > 0))) ++q;  // ceiling
    if (q > (int64_t{1} << 62))
      graph::throw_error("arange", "the range has too many elements", loc);
    length = q > 0 ? static_cast<int64_t>(q) : 0;
  } else {
    const double st = as_double(step);
    if (st == 0) graph::throw_error("arange", "step must not be zero", loc);
    const double len = std::ceil((as_double(stop) - as_double(start)) / st);
    if (std::isnan(len)) graph::throw_error("arange", "arguments give a nan length", loc);
    if (len > static_cast<double>(int64_t{1} << 62))
      graph::throw_error("arange", "the range has too many elements", loc);
    length = len > 0 ? static_cast<int64_t>(len) : 0;
  }
  graph::Payload p;
  if (t == float16) {
    // numpy's float16 arange: its first two values in float16, then start + i*delta in float32
    // (delta their difference), each rounded to float16.
    const half first =
        any_float ? graph::ref::cast<half>(as_double(start)) : graph::ref::cast<half>(start.i);
    const half second = any_float ? graph::ref::cast<half>(as_double(start) + as_double(step))
                                  : graph::ref::cast<half>(start.i + step.i);
    p.v[0] = graph::to_bits(static_cast<float>(first));
    p.v[1] = graph::to_bits(static_cast<float>(second) - static_cast<float>(first));
    const Array wide = record_leaf(Op::Arange, float32, graph::Dims{length}, p, loc,
                                   detail::default_device_id("arange", loc));
    return detail::cast(wide, float16, loc);
  }
  graph::visit_dtype(t, [&]<class T>() {
    T first, second;
    if (any_float) {
      first = graph::ref::cast<T>(as_double(start));
      second = graph::ref::cast<T>(as_double(start) + as_double(step));
    } else {
      first = graph::ref::cast<T>(start.i);
      second = graph::ref::cast<T>(start.i + step.i);
    }
    T delta;
    if constexpr (graph::ref::is_int_v<T>)
      delta = graph::ref::wrap_sub(second, first);
    else if constexpr (std::is_same_v<T, half>)
      graph::internal_error(__FILE__, __LINE__, "float16 arange");  // (above)
    else
      delta = second - first;
    p.v[0] = graph::to_bits<T>(first);
    p.v[1] = graph::to_bits<T>(delta);
  });
  return record_leaf(Op::Arange, t, graph::Dims{length}, p, loc,
                     detail::default_device_id("arange", loc));
}

Array linspace_impl(const Scalar& start, const Scalar& stop, int64_t num, DType dtype,
                    bool endpoint, const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  detail::check_dtype(dtype, "linspace", loc);
  if (num < 0)
    graph::throw_error("linspace", "num must be non-negative, got " + std::to_string(num), loc);
  if (is_complex(dtype))
    graph::throw_error(
        "linspace",
        "dtype " + std::string(dtype_name(dtype)) + " is not supported (build it with complex())",
        loc);
  auto as_double = [](const Scalar& s) {
    return s.kind == Scalar::Kind::float_ ? s.f : double(s.i);
  };
  if (dtype == float16)  // numpy computes in float64 and casts
    return detail::cast(linspace_impl(start, stop, num, float64, endpoint, l), float16, loc);
  const double a = as_double(start), b = as_double(stop);
  graph::LinspaceTail tail{num, endpoint, false};
  const double delta = b - a;
  double mult = delta;  // numpy multiplies by delta when there is no step (num <= 1)
  if (tail.div() > 0) {
    const double step = delta / static_cast<double>(tail.div());
    // numpy divides first when the step underflows to zero (a nonzero delta over a huge num).
    tail.tiny_step = step == 0 && delta != 0;
    mult = tail.tiny_step ? delta : step;
  }
  graph::Payload p;
  p.v[0] = graph::to_bits(a);
  p.v[1] = graph::to_bits(mult);
  p.v[2] = graph::to_bits(b);
  p.v[3] = tail.pack();
  return record_leaf(Op::Linspace, dtype, graph::Dims{num}, p, loc,
                     detail::default_device_id("linspace", loc));
}

}  // namespace detail

Array zeros(const Shape& shape, DType dtype, std::source_location loc) {
  return detail::full_impl(shape, Scalar::of(0), dtype, loc);
}

Array ones(const Shape& shape, DType dtype, std::source_location loc) {
  return detail::full_impl(shape, Scalar::of(1), dtype, loc);
}

namespace {
// `a`'s shape filled with `value` as `dtype` (a's own when none), on `a`'s device (zeros_like,
// ones_like).
Array filled_like(const Array& a, int value, std::optional<DType> dtype, const char* fn,
                  const std::source_location& loc) {
  const graph::Node* n = detail::node_of(a, fn, to_loc(loc));
  if (dtype) detail::check_dtype(*dtype, fn, to_loc(loc));
  return detail::constant(Scalar::of(value), dtype.value_or(n->dtype), n->shape, fn, to_loc(loc),
                          n->device);
}
}  // namespace

Array zeros_like(const Array& a, std::source_location loc) {
  return filled_like(a, 0, std::nullopt, "zeros_like", loc);
}
Array zeros_like(const Array& a, DType dtype, std::source_location loc) {
  return filled_like(a, 0, dtype, "zeros_like", loc);
}
Array ones_like(const Array& a, std::source_location loc) {
  return filled_like(a, 1, std::nullopt, "ones_like", loc);
}
Array ones_like(const Array& a, DType dtype, std::source_location loc) {
  return filled_like(a, 1, dtype, "ones_like", loc);
}

Array eye(int64_t n, DType dtype, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::check_dtype(dtype, "eye", loc);
  if (n < 0) graph::throw_error("eye", "n must be non-negative, got " + std::to_string(n), loc);
  const graph::Dims dims = checked_shape({n, n}, "eye", loc);
  graph::Payload p;
  p.v[0] = static_cast<uint64_t>(n + 1);
  return record_leaf(Op::Eye, dtype, dims, p, loc, detail::default_device_id("eye", loc));
}

Array eye(int64_t n, int64_t m, int64_t k, DType dtype, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (n < 0 || m < 0)
    graph::throw_error(
        "eye",
        "N and M must be non-negative, got " + std::to_string(n) + " and " + std::to_string(m),
        loc);
  // Element (r, c) is 1 where c == r + k: rows [k, k + n) of a square identity for k >= 0,
  // its columns [-k, m - k) for k < 0.
  const int64_t shift = std::min<int64_t>(std::abs(k), std::max(n, m));  // past it: all zeros
  const int64_t size = std::max(n, m) + shift;
  const Array square = eye(size, dtype, l);
  if (k >= 0) return square[{slice(shift, shift + n), slice(0, m)}];
  return square[{slice(0, n), slice(shift, shift + m)}];
}

namespace {

// numpy's nd_grid: each range's values as a 1-d array in the grid's dtype (int64 when every
// bound is an integer, else float64): index * step + start, with step (stop - start) / (N - 1)
// for N points; a lone range without points is numpy's arange.
std::vector<Array> grid_axes(const std::vector<GridRange>& ranges, std::string_view fn,
                             const std::source_location& l) {
  const SourceLoc loc = to_loc(l);
  if (ranges.empty()) graph::throw_error(fn, "needs at least one range", loc);
  auto value = [](const Scalar& s) {
    return s.kind == Scalar::Kind::float_ ? s.f : static_cast<double>(s.i);
  };
  bool integral = true;
  for (const GridRange& r : ranges) {
    for (const Scalar* s : {&r.start, &r.stop, &r.step}) {
      if (s->kind == Scalar::Kind::complex_)
        graph::throw_error(fn, "a bound may not be complex (use GridRange::points)", loc);
      integral &= s->kind != Scalar::Kind::float_;
    }
    integral &= r.num == 0;
    if (r.num < 0)
      graph::throw_error(fn, "the number of points must be positive, got " + std::to_string(r.num),
                         loc);
  }
  const DType t = integral ? int64 : float64;
  if (ranges.size() == 1 && ranges[0].num == 0) {
    const GridRange& r = ranges[0];
    return {detail::arange_impl(r.start, r.stop, r.step, t, l)};
  }
  std::vector<Array> out;
  for (const GridRange& r : ranges) {
    int64_t size = r.num;
    double step = value(r.step);
    if (r.num == 0) {
      if (step == 0) graph::throw_error(fn, "a step may not be zero", loc);
      const double n = std::ceil((value(r.stop) - value(r.start)) / step);
      if (n < 0 && fn == "mgrid")  // (ogrid's arange of a negative size is empty)
        graph::throw_error(fn,
                           "negative dimensions are not allowed (a range of " +
                               std::to_string(static_cast<int64_t>(n)) + " values)",
                           loc);
      size = std::max<int64_t>(0, static_cast<int64_t>(n));
    } else if (r.num != 1) {
      step = (value(r.stop) - value(r.start)) / static_cast<double>(r.num - 1);
    }
    const Array index = detail::arange_impl(Scalar::of(0), Scalar::of(size), Scalar::of(1), t, l);
    out.push_back(integral ? index * r.step.i + r.start.i : index * step + value(r.start));
  }
  return out;
}

}  // namespace

Array mgrid(const std::vector<GridRange>& ranges, std::source_location l) {
  std::vector<Array> axes = grid_axes(ranges, "mgrid", l);
  if (axes.size() == 1) return axes[0];
  Shape full;
  for (const Array& a : axes) full.push_back(a.size());
  std::vector<Array> dense;
  for (size_t k = 0; k < axes.size(); ++k) {
    Shape along(axes.size(), 1);
    along[k] = full[k];
    dense.push_back(broadcast_to(reshape(axes[k], along, l), full, l));
  }
  return stack(dense, 0, l);
}

std::vector<Array> ogrid(const std::vector<GridRange>& ranges, std::source_location l) {
  std::vector<Array> axes = grid_axes(ranges, "ogrid", l);
  if (axes.size() == 1) return axes;
  for (size_t k = 0; k < axes.size(); ++k) {
    Shape along(axes.size(), 1);
    along[k] = axes[k].size();
    axes[k] = reshape(axes[k], along, l);
  }
  return axes;
}

}  // namespace kiln
