// The oracle's kiln side of numpy's smaller functions (src/api/special_functions.cpp and
// src/api/manipulation_more.cpp; oracle.py's functions()): split parts flattened and joined, a
// bool answer as a 0-d bool array, None as a flag argument.
#pragma once

#include "numpy/oracle.hpp"

namespace oracle {

// kiln/placement.hpp and the numeric functions (oracle_more.hpp).
inline bool build_more(const Case& c, kiln::Array& r);

// As oracle.hpp's quantile and percentile: a, q (a shape's entries / 100 for several), axis,
// keepdims.
inline bool build_nan_quantile(const Case& c, kiln::Array& r) {
  const bool q = c.fn == "nanquantile", keep = c.args[3].scalar.i != 0;
  const kiln::Array& a = c.args[0].array;
  const bool none = c.args[2].kind == Arg::Kind::axes && c.args[2].all_axes;
  const int axis = none ? 0 : c.args[2].axes.at(0);
  if (c.args[1].kind == Arg::Kind::shape) {
    std::vector<double> qs;
    for (int64_t e : c.args[1].shape) qs.push_back(q ? e / 100.0 : double(e));
    r = q ? kiln::nanquantile(a, qs, axis, keep) : kiln::nanpercentile(a, qs, axis, keep);
    return true;
  }
  const double v = c.args[1].scalar.f;
  r = none ? (q ? kiln::nanquantile(a, v) : kiln::nanpercentile(a, v))
           : (q ? kiln::nanquantile(a, v, axis, keep) : kiln::nanpercentile(a, v, axis, keep));
  if (none && keep) r = kiln::reshape(r, kiln::Shape(a.ndim(), 1));
  return true;
}

inline bool build_functions(const Case& c, kiln::Array& r) {
  const std::string& f = c.fn;
  auto array = [&](size_t i) { return c.args[i].array; };
  auto integer = [&](size_t i) { return c.args[i].scalar.i; };
  auto real = [&](size_t i) { return c.args[i].scalar.f; };
  auto joined = [](const std::vector<kiln::Array>& parts) {
    std::vector<kiln::Array> flat;
    for (const kiln::Array& p : parts) flat.push_back(kiln::flatten(p));
    return flat.empty() ? kiln::zeros({0}, kiln::float64) : kiln::concatenate(flat);
  };
  auto answer = [](bool b) { return kiln::full({}, b, kiln::bool_); };
  if (f == "fabs" || f == "positive" || f == "fix" || f == "sinc" || f == "isposinf" ||
      f == "isneginf" || f == "iscomplex" || f == "isreal" || f == "i0") {
    const kiln::Operand x = operand(c.args[0]);
    r = f == "fabs"        ? kiln::fabs(x)
        : f == "positive"  ? kiln::positive(x)
        : f == "fix"       ? kiln::fix(x)
        : f == "sinc"      ? kiln::sinc(x)
        : f == "isposinf"  ? kiln::isposinf(x)
        : f == "isneginf"  ? kiln::isneginf(x)
        : f == "iscomplex" ? kiln::iscomplex(x)
        : f == "isreal"    ? kiln::isreal(x)
                           : kiln::i0(x);
  } else if (f == "iscomplexobj" || f == "isrealobj") {
    const kiln::Operand x = operand(c.args[0]);
    r = answer(f == "iscomplexobj" ? kiln::iscomplexobj(x) : kiln::isrealobj(x));
  } else if (f == "float_power") {
    r = kiln::float_power(operand(c.args[0]), operand(c.args[1]));
  } else if (f == "bartlett" || f == "blackman" || f == "hamming" || f == "hanning") {
    const int64_t m = integer(0);
    r = f == "bartlett"   ? kiln::bartlett(m)
        : f == "blackman" ? kiln::blackman(m)
        : f == "hamming"  ? kiln::hamming(m)
                          : kiln::hanning(m);
  } else if (f == "kaiser") {
    r = kiln::kaiser(integer(0), real(1));
  } else if (f == "logspace") {  // start, stop, num, endpoint, base, dtype
    r = kiln::logspace(real(0), real(1), integer(2), integer(3) != 0, real(4), c.args[5].dtype);
  } else if (f == "geomspace") {  // start, stop, num, endpoint, dtype
    r = kiln::geomspace(real(0), real(1), integer(2), integer(3) != 0, c.args[4].dtype);
  } else if (f == "identity") {
    r = kiln::identity(integer(0), c.args[1].dtype);
  } else if (f == "interp") {  // x, xp, fp, whether left/right are given, left, right
    std::optional<double> left, right;
    if (integer(3)) left = real(4), right = real(5);
    r = kiln::interp(operand(c.args[0]), array(1), array(2), left, right);
  } else if (f == "append") {  // arr, values, axis (None: flattened)
    const bool none = c.args[2].kind == Arg::Kind::axes;
    r = none ? kiln::append(array(0), array(1))
             : kiln::append(array(0), array(1), static_cast<int>(integer(2)));
  } else if (f == "hsplit" || f == "vsplit" || f == "dsplit") {  // a, sections or indices
    const auto& how = c.args[1];
    std::vector<kiln::Array> parts;
    if (how.kind == Arg::Kind::shape) {
      const std::vector<int64_t> at(how.shape.begin(), how.shape.end());
      parts = f == "hsplit"   ? kiln::hsplit(array(0), at)
              : f == "vsplit" ? kiln::vsplit(array(0), at)
                              : kiln::dsplit(array(0), at);
    } else {
      parts = f == "hsplit"   ? kiln::hsplit(array(0), integer(1))
              : f == "vsplit" ? kiln::vsplit(array(0), integer(1))
                              : kiln::dsplit(array(0), integer(1));
    }
    r = joined(parts);
  } else if (f == "rollaxis") {
    r = kiln::rollaxis(array(0), static_cast<int>(integer(1)), static_cast<int>(integer(2)));
  } else if (f == "select") {  // n, n conditions, n choices, default
    const size_t n = static_cast<size_t>(integer(0));
    std::vector<kiln::Array> conds, choices;
    for (size_t i = 0; i < n; ++i) conds.push_back(array(1 + i));
    for (size_t i = 0; i < n; ++i) choices.push_back(array(1 + n + i));
    r = kiln::select(conds, choices, operand(c.args[1 + 2 * n]));
  } else if (f == "array_equiv") {
    r = answer(kiln::array_equiv(array(0), array(1)));
  } else if (f == "average") {  // a, axis (None), weights (or an int 0: none)
    std::optional<int> axis;
    if (c.args[1].kind != Arg::Kind::axes) axis = static_cast<int>(integer(1));
    std::optional<kiln::Array> w;
    if (c.args[2].kind == Arg::Kind::array) w = array(2);
    r = kiln::average(array(0), axis, w);
  } else if (f == "fft.fftfreq" || f == "fft.rfftfreq") {  // n, d
    r = f == "fft.fftfreq" ? kiln::fft::fftfreq(integer(0), real(1))
                           : kiln::fft::rfftfreq(integer(0), real(1));
  } else if (f == "fft.fftshift" || f == "fft.ifftshift") {  // x, axes (None: all)
    const std::vector<int>& axes = c.args[1].axes;
    r = f == "fft.fftshift" ? kiln::fft::fftshift(array(0), axes)
                            : kiln::fft::ifftshift(array(0), axes);
  } else if (f == "copy") {
    r = kiln::copy(array(0));
  } else if (f == "vander") {  // x, N (-1: None), increasing
    std::optional<int64_t> n;
    if (integer(1) >= 0) n = integer(1);
    r = kiln::vander(array(0), n, integer(2) != 0);
  } else if (f == "resize") {
    r = kiln::resize(array(0), c.args[1].shape);
  } else if (f == "unwrap") {  // p, whether discont is given, discont, axis, period
    std::optional<double> discont;
    if (integer(1)) discont = real(2);
    r = kiln::unwrap(array(0), discont, static_cast<int>(integer(3)), real(4));
  } else if (f == "modf" || f == "divmod") {  // the pair stacked
    const auto [x, y] = f == "modf" ? kiln::modf(operand(c.args[0]))
                                    : kiln::divmod(operand(c.args[0]), operand(c.args[1]));
    r = kiln::stack({x, y});
  } else if (f == "ldexp") {
    r = kiln::ldexp(operand(c.args[0]), operand(c.args[1]));
  } else if (f == "in1d" || f == "isin") {  // a, b, invert
    r = f == "in1d" ? kiln::in1d(array(0), array(1), integer(2) != 0)
                    : kiln::isin(array(0), array(1), integer(2) != 0);
  } else if (f == "union1d" || f == "intersect1d" || f == "setdiff1d" || f == "setxor1d") {
    r = f == "union1d"       ? kiln::union1d(array(0), array(1))
        : f == "intersect1d" ? kiln::intersect1d(array(0), array(1))
        : f == "setdiff1d"   ? kiln::setdiff1d(array(0), array(1))
                             : kiln::setxor1d(array(0), array(1));
  } else if (f == "lexsort") {
    std::vector<kiln::Array> keys;
    for (size_t i = 0; i < c.args.size(); ++i) keys.push_back(array(i));
    r = kiln::lexsort(keys);
  } else if (f == "sort_complex") {
    r = kiln::sort_complex(array(0));
  } else if (f == "trim_zeros") {  // filt, 0 'fb', 1 'f', 2 'b'
    static const char* trims[] = {"fb", "f", "b"};
    r = kiln::trim_zeros(array(0), trims[integer(1)]);
  } else if (f == "broadcast_shapes") {
    std::vector<kiln::Shape> shapes;
    for (const Arg& a : c.args) shapes.push_back(a.shape);
    const kiln::Shape s = kiln::broadcast_shapes(shapes);
    r = kiln::array(std::vector<int64_t>(s.begin(), s.end()));
  } else if (f == "diag_indices") {  // n, ndim
    r = kiln::stack(kiln::diag_indices(integer(0), static_cast<int>(integer(1))));
  } else if (f == "diag_indices_from") {
    r = kiln::stack(kiln::diag_indices_from(array(0)));
  } else if (f == "tril_indices" || f == "triu_indices") {  // n, k, m (-1: None)
    std::optional<int64_t> m;
    if (integer(2) >= 0) m = integer(2);
    r = kiln::stack(f == "tril_indices" ? kiln::tril_indices(integer(0), integer(1), m)
                                        : kiln::triu_indices(integer(0), integer(1), m));
  } else if (f == "tril_indices_from" || f == "triu_indices_from") {  // a, k
    r = kiln::stack(f == "tril_indices_from" ? kiln::tril_indices_from(array(0), integer(1))
                                             : kiln::triu_indices_from(array(0), integer(1)));
  } else if (f == "ix_") {  // the open mesh broadcast and stacked
    std::vector<kiln::Array> seqs;
    for (size_t i = 0; i < c.args.size(); ++i) seqs.push_back(array(i));
    r = kiln::stack(kiln::broadcast_arrays(kiln::ix_(seqs)));
  } else if (f == "unravel_index") {  // indices, shape
    r = kiln::stack(kiln::unravel_index(array(0), c.args[1].shape));
  } else if (f == "ravel_multi_index") {  // index arrays..., dims
    std::vector<kiln::Array> idx;
    for (size_t i = 0; i + 1 < c.args.size(); ++i) idx.push_back(array(i));
    r = kiln::ravel_multi_index(idx, c.args.back().shape);
  } else if (f == "nancumsum" || f == "nancumprod") {  // a, axis (None)
    std::optional<int> axis;
    if (c.args[1].kind != Arg::Kind::axes) axis = static_cast<int>(integer(1));
    r = f == "nancumsum" ? kiln::nancumsum(array(0), axis) : kiln::nancumprod(array(0), axis);
  } else {
    return build_more(c, r);
  }
  return true;
}

}  // namespace oracle

#include "numpy/oracle_more.hpp"
