// Running numpy (tests/numpy/oracle.py with Debian's /usr/bin/python3) on cases that kiln also
// evaluates, and comparing values, shapes and dtypes.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "graph/payload.hpp"
#include "helpers.hpp"

namespace oracle {

/// One argument of a case: an array, a weak C++ scalar, a dtype, axes or a shape.
struct Arg {
  enum class Kind { array, scalar, dtype, axes, axis, shape, index } kind = Kind::array;
  kiln::Array array;
  kiln::Scalar scalar;
  kiln::DType dtype = kiln::float32;
  std::vector<int> axes;           // axes (empty with all_axes: None) or a single axis
  bool all_axes = false;           // axes: None
  kiln::Shape shape;               // shape
  std::vector<kiln::Index> index;  // a basic index
  std::string encoded;             // the oracle's text form
};

/// A function call to evaluate in both kiln and numpy.
struct Case {
  std::string fn;
  std::vector<Arg> args;
};

/// numpy's answer.
struct Result {
  bool ok = false;
  std::string dtype, error;
  kiln::Shape shape;
  std::vector<std::string> values;
};

inline std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

template <class T>
std::string encode_value(T v) {
  if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>)
    return hex(static_cast<double>(v.real())) + "_" + hex(static_cast<double>(v.imag()));
  else if constexpr (std::is_same_v<T, kiln::half>)
    return hex(static_cast<double>(static_cast<float>(v)));
  else if constexpr (std::is_floating_point_v<T>)
    return hex(static_cast<double>(v));
  else if constexpr (std::is_same_v<T, bool>)
    return v ? "1" : "0";
  else if constexpr (std::is_unsigned_v<T>)
    return std::to_string(static_cast<unsigned long long>(v));
  else
    return std::to_string(static_cast<long long>(v));
}

template <class T>
Arg array_arg(const std::vector<T>& values, kiln::Shape shape = {}) {
  if (shape.empty() && values.size() != 1) shape = {static_cast<int64_t>(values.size())};
  Arg a;
  a.array = kiln::array(values, shape);
  a.encoded = "A:" + std::string(kiln::dtype_name(kiln::dtype_of<T>())) + ":";
  for (size_t i = 0; i < shape.size(); ++i) a.encoded += (i ? "," : "") + std::to_string(shape[i]);
  a.encoded += ":";
  for (size_t i = 0; i < values.size(); ++i)
    a.encoded += (i ? "," : "") + encode_value<T>(values[i]);
  return a;
}

/// The array seen transposed (.T in numpy, a view in kiln).
inline Arg transposed(Arg a) {
  a.array = a.array.T();
  a.encoded = "AT" + a.encoded.substr(1);
  return a;
}
/// The array as a lazy expression in kiln (maximum(a, a), or conj(conj(a)) for complex), the
/// same array for numpy.
inline Arg lazy(Arg a) {
  a.array = kiln::is_complex(a.array.dtype()) ? kiln::conj(kiln::conj(a.array))
                                              : kiln::maximum(a.array, a.array);
  a.encoded = "AL" + a.encoded.substr(1);
  return a;
}
inline std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}
/// Reduction axes (null: all of them, numpy's None).
inline Arg axes_arg(const std::vector<int>* axes) {
  Arg a;
  a.kind = Arg::Kind::axes;
  a.all_axes = axes == nullptr;
  if (axes) a.axes = *axes;
  a.encoded = axes ? "X:" + join(std::vector<int64_t>(a.axes.begin(), a.axes.end())) : "X:none";
  if (axes && axes->size() == 1) a.encoded += ",";
  return a;
}
/// Reduction axes, given.
inline Arg axes_arg(const std::vector<int>& axes) {
  return axes_arg(&axes);
}
/// A single axis.
inline Arg axis_arg(int axis) {
  Arg a;
  a.kind = Arg::Kind::axis;
  a.axes = {axis};
  a.encoded = "I:" + std::to_string(axis);
  return a;
}
/// A shape.
inline Arg shape_arg(const kiln::Shape& shape) {
  Arg a;
  a.kind = Arg::Kind::shape;
  a.shape = shape;
  a.encoded = "H:" + join(shape);
  return a;
}

/// An index, encoded K:<entry>;<entry>... with entries i<n>, s<start>,<stop>,<step> (n for an
/// open bound), N (newaxis), E (ellipsis) and a<dtype>/<shape>/<values> (an index array).
inline Arg index_arg(const std::vector<kiln::Index>& entries) {
  Arg a;
  a.kind = Arg::Kind::index;
  a.index = entries;
  a.encoded = "K:";
  auto bound = [](kiln::SliceBound b) {
    return b.open() ? std::string("n") : std::to_string(b.value());
  };
  for (size_t k = 0; k < entries.size(); ++k) {
    const kiln::Index& e = entries[k];
    if (k) a.encoded += ";";
    switch (e.kind()) {
      case kiln::Index::Kind::integer:
        a.encoded += "i" + std::to_string(e.integer());
        break;
      case kiln::Index::Kind::slice:
        a.encoded += "s" + bound(e.slice().start) + "," + bound(e.slice().stop) + "," +
                     bound(e.slice().step);
        break;
      case kiln::Index::Kind::newaxis:
        a.encoded += "N";
        break;
      case kiln::Index::Kind::ellipsis:
        a.encoded += "E";
        break;
      case kiln::Index::Kind::array: {  // a<dtype>/<shape>/<values>
        const kiln::Array& x = e.array();
        a.encoded += "a" + std::string(kiln::dtype_name(x.dtype())) + "/" + join(x.shape()) + "/";
        if (x.dtype() == kiln::bool_) {
          const std::vector<bool> v = x.to_vector<bool>();
          for (size_t i = 0; i < v.size(); ++i)
            a.encoded += std::string(i ? "," : "") + (v[i] ? "1" : "0");
        } else {
          const std::vector<int64_t> v = x.to_vector<int64_t>();
          for (size_t i = 0; i < v.size(); ++i) a.encoded += (i ? "," : "") + std::to_string(v[i]);
        }
        break;
      }
    }
  }
  return a;
}

inline Arg int_arg(int64_t v) {
  Arg a;
  a.kind = Arg::Kind::scalar;
  a.scalar = kiln::Scalar::of(v);
  a.encoded = "S:int:" + std::to_string(v);
  return a;
}
inline Arg float_arg(double v) {
  Arg a;
  a.kind = Arg::Kind::scalar;
  a.scalar = kiln::Scalar::of(v);
  a.encoded = "S:float:" + hex(v);
  return a;
}
/// A C++ std::complex<double> (numpy: a Python complex).
inline Arg complex_arg(double re, double im) {
  Arg a;
  a.kind = Arg::Kind::scalar;
  a.scalar = kiln::Scalar::of(std::complex<double>(re, im));
  a.encoded = "S:complex:" + hex(re) + "_" + hex(im);
  return a;
}
inline Arg bool_arg(bool v) {
  Arg a;
  a.kind = Arg::Kind::scalar;
  a.scalar = kiln::Scalar::of(v);
  a.encoded = std::string("S:bool:") + (v ? "1" : "0");
  return a;
}
inline Arg dtype_arg(kiln::DType t) {
  Arg a;
  a.kind = Arg::Kind::dtype;
  a.dtype = t;
  a.encoded = "D:" + std::string(kiln::dtype_name(t));
  return a;
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

/// Evaluates every case with numpy. Fails the test (and returns nothing) when numpy is missing.
inline std::vector<Result> run_numpy(const std::vector<Case>& cases) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem =
      "kiln_oracle_" + std::to_string(getpid()) + "_" + std::to_string(std::rand());
  const auto in_path = dir / (stem + ".in"), out_path = dir / (stem + ".out");
  {
    std::ofstream in(in_path);
    for (size_t i = 0; i < cases.size(); ++i) {
      in << i << "|" << cases[i].fn;
      for (const Arg& a : cases[i].args) in << "|" << a.encoded;
      in << "\n";
    }
  }
  const std::string cmd = "/usr/bin/python3 " KILN_TEST_DIR "/numpy/oracle.py " + in_path.string() +
                          " " + out_path.string();
  const int rc = std::system(cmd.c_str());
  std::vector<Result> results(cases.size());
  std::ifstream out(out_path);
  EXPECT_EQ(rc, 0) << "numpy oracle failed to run (is python3-numpy installed?): " << cmd;
  for (std::string line; std::getline(out, line);) {
    const auto f = split(line, '|');
    Result& r = results.at(std::stoul(f.at(0)));
    r.ok = f.at(1) == "ok";
    if (!r.ok) {
      r.error = f.at(2);
      continue;
    }
    r.dtype = f.at(2);
    for (const auto& d : split(f.at(3), ','))
      if (!d.empty()) r.shape.push_back(std::stoll(d));
    for (const auto& v : split(f.at(4), ','))
      if (!v.empty()) r.values.push_back(v);
  }
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  return results;
}

/// An argument as a kiln operand: the array, or the C++ scalar of its kind.
inline kiln::Operand operand(const Arg& a) {
  if (a.kind == Arg::Kind::array) return kiln::Operand(a.array);
  switch (a.scalar.kind) {
    case kiln::Scalar::Kind::bool_:
      return kiln::Operand(a.scalar.i != 0);
    case kiln::Scalar::Kind::int_:
      return kiln::Operand(a.scalar.i);
    case kiln::Scalar::Kind::complex_:
      return kiln::Operand(std::complex<double>(a.scalar.f, a.scalar.imag));
    default:
      return kiln::Operand(a.scalar.f);
  }
}

/// Records a case with kiln without evaluating it (throws kiln::Error where kiln refuses at the
/// call); tests/fuzz chains these into programs.
inline bool build_manipulation(const Case& c, kiln::Array& r);
/// kiln/sorting.hpp's functions (see build_manipulation).
inline bool build_sorting(const Case& c, kiln::Array& r);
// nanquantile, nanpercentile (oracle_functions.hpp)
inline bool build_nan_quantile(const Case& c, kiln::Array& r);
/// kiln::linalg and cross (see build_manipulation).
inline bool build_linalg(const Case& c, kiln::Array& r);
/// kiln/histograms.hpp (oracle_counting.hpp).
inline bool build_counting(const Case& c, kiln::Array& r);
/// oracle_functions.hpp
inline bool build_functions(const Case& c, kiln::Array& r);

/// kiln::fft's transforms: a, n (-1: None) or s, axis or axes, norm (0, 1, 2).
inline void fft_case(const Case& c, kiln::Array& r) {
  static const char* norms[] = {"backward", "ortho", "forward"};
  const std::string f = c.fn.substr(4);
  const kiln::Array& a = c.args[0].array;
  const char* norm = norms[c.args[3].scalar.i];
  if (f.find("fft2") != std::string::npos || f.find("fftn") != std::string::npos) {
    const kiln::Shape s = c.args[1].kind == Arg::Kind::shape ? c.args[1].shape : kiln::Shape{};
    const std::vector<int>& axes = c.args[2].axes;  // empty: None
    r = f == "fft2"     ? kiln::fft::fft2(a, s, axes, norm)
        : f == "ifft2"  ? kiln::fft::ifft2(a, s, axes, norm)
        : f == "rfft2"  ? kiln::fft::rfft2(a, s, axes, norm)
        : f == "irfft2" ? kiln::fft::irfft2(a, s, axes, norm)
        : f == "fftn"   ? kiln::fft::fftn(a, s, axes, norm)
        : f == "ifftn"  ? kiln::fft::ifftn(a, s, axes, norm)
        : f == "rfftn"  ? kiln::fft::rfftn(a, s, axes, norm)
                        : kiln::fft::irfftn(a, s, axes, norm);
  } else {
    const int64_t n = c.args[1].scalar.i;
    const int axis = c.args[2].axes[0];
    r = f == "fft"     ? kiln::fft::fft(a, n, axis, norm)
        : f == "ifft"  ? kiln::fft::ifft(a, n, axis, norm)
        : f == "rfft"  ? kiln::fft::rfft(a, n, axis, norm)
        : f == "hfft"  ? kiln::fft::hfft(a, n, axis, norm)
        : f == "ihfft" ? kiln::fft::ihfft(a, n, axis, norm)
                       : kiln::fft::irfft(a, n, axis, norm);
  }
}

inline kiln::Array build(const Case& c) {
  using kiln::graph::Op;
  kiln::Array r;
  static const std::vector<std::string> reductions = {
      "sum",    "prod",    "max",    "min",    "mean",      "var",      "std",
      "any",    "all",     "argmax", "argmin", "nansum",    "nanprod",  "nanmax",
      "nanmin", "nanmean", "nanvar", "nanstd", "nanargmax", "nanargmin"};
  if (std::find(reductions.begin(), reductions.end(), c.fn) != reductions.end()) {
    const kiln::Array& a = c.args[0].array;
    const Arg& ax = c.args[1];
    const bool keep = c.args[2].scalar.i != 0;
    std::vector<int> axes = ax.axes;
    if (ax.kind == Arg::Kind::axes && ax.all_axes)
      for (int d = 0; d < a.ndim(); ++d) axes.push_back(d);
    const int ddof = c.args.size() > 3 ? static_cast<int>(c.args[3].scalar.i) : 0;
    if (c.fn == "argmax" || c.fn == "argmin") {
      const bool mx = c.fn == "argmax";
      if (ax.kind == Arg::Kind::axes)
        r = mx ? kiln::argmax(a) : kiln::argmin(a);
      else
        r = mx ? kiln::argmax(a, ax.axes[0], keep) : kiln::argmin(a, ax.axes[0], keep);
      if (ax.kind == Arg::Kind::axes && keep) r = kiln::reshape(r, kiln::Shape(a.ndim(), 1));
    } else if (c.fn == "nanargmax" || c.fn == "nanargmin") {
      const bool mx = c.fn == "nanargmax";
      if (ax.kind == Arg::Kind::axes)
        r = mx ? kiln::nanargmax(a) : kiln::nanargmin(a);
      else
        r = mx ? kiln::nanargmax(a, ax.axes[0], keep) : kiln::nanargmin(a, ax.axes[0], keep);
      if (ax.kind == Arg::Kind::axes && keep) r = kiln::reshape(r, kiln::Shape(a.ndim(), 1));
    } else if (c.fn.rfind("nan", 0) == 0) {
      r = c.fn == "nansum"    ? kiln::nansum(a, axes, keep)
          : c.fn == "nanprod" ? kiln::nanprod(a, axes, keep)
          : c.fn == "nanmax"  ? kiln::nanmax(a, axes, keep)
          : c.fn == "nanmin"  ? kiln::nanmin(a, axes, keep)
          : c.fn == "nanmean" ? kiln::nanmean(a, axes, keep)
          : c.fn == "nanvar"  ? kiln::nanvar(a, axes, keep, ddof)
                              : kiln::nanstd(a, axes, keep, ddof);
    } else if (c.fn == "sum")
      r = kiln::sum(a, axes, keep);
    else if (c.fn == "prod")
      r = kiln::prod(a, axes, keep);
    else if (c.fn == "max")
      r = kiln::max(a, axes, keep);
    else if (c.fn == "min")
      r = kiln::min(a, axes, keep);
    else if (c.fn == "mean")
      r = kiln::mean(a, axes, keep);
    else if (c.fn == "var")
      r = kiln::var(a, axes, keep, ddof);
    else if (c.fn == "std")
      r = kiln::std(a, axes, keep, ddof);
    else if (c.fn == "any")
      r = kiln::any(a, axes, keep);
    else
      r = kiln::all(a, axes, keep);
  } else if (c.fn == "reshape") {
    r = kiln::reshape(c.args[0].array, c.args[1].shape);
  } else if (c.fn == "transpose") {
    r = c.args.size() > 1 ? kiln::transpose(c.args[0].array, c.args[1].axes)
                          : kiln::transpose(c.args[0].array);
  } else if (c.fn == "squeeze") {
    r = c.args.size() > 1 ? kiln::squeeze(c.args[0].array, c.args[1].axes)
                          : kiln::squeeze(c.args[0].array);
  } else if (c.fn == "expand_dims") {
    r = kiln::expand_dims(c.args[0].array, c.args[1].axes);
  } else if (c.fn == "broadcast_to") {
    r = kiln::broadcast_to(c.args[0].array, c.args[1].shape);
  } else if (c.fn == "matmul") {
    r = kiln::matmul(c.args[0].array, c.args[1].array);
  } else if (c.fn == "dot") {
    r = kiln::dot(c.args[0].array, c.args[1].array);
  } else if (c.fn == "outer") {
    r = kiln::outer(c.args[0].array, c.args[1].array);
  } else if (c.fn == "take") {
    r = c.args[2].kind == Arg::Kind::axes
            ? kiln::take(c.args[0].array, c.args[1].array)
            : kiln::take(c.args[0].array, c.args[1].array, c.args[2].axes[0]);
  } else if (c.fn == "take_along_axis") {
    r = kiln::take_along_axis(c.args[0].array, c.args[1].array, c.args[2].axes[0]);
  } else if (c.fn == "scatter" || c.fn == "scatter_add") {
    const kiln::Operand values = operand(c.args[2]);
    r = c.fn == "scatter"
            ? kiln::scatter(c.args[0].array, c.args[1].array, values, c.args[3].axes[0])
            : kiln::scatter_add(c.args[0].array, c.args[1].array, values, c.args[3].axes[0]);
  } else if (c.fn == "concatenate" || c.fn == "stack") {
    std::vector<kiln::Array> arrays;
    for (size_t i = 0; i + 1 < c.args.size(); ++i) arrays.push_back(c.args[i].array);
    const int axis = c.args.back().axes[0];
    r = c.fn == "stack" ? kiln::stack(arrays, axis) : kiln::concatenate(arrays, axis);
  } else if (c.fn == "cumsum" || c.fn == "cumprod") {
    const bool sum = c.fn == "cumsum";
    if (c.args[1].kind == Arg::Kind::axes)
      r = sum ? kiln::cumsum(c.args[0].array) : kiln::cumprod(c.args[0].array);
    else
      r = sum ? kiln::cumsum(c.args[0].array, c.args[1].axes[0])
              : kiln::cumprod(c.args[0].array, c.args[1].axes[0]);
  } else if (c.fn.rfind("fft.", 0) == 0) {
    if (!build_functions(c, r)) fft_case(c, r);
  } else if (c.fn == "nonzero") {
    r = kiln::stack(kiln::nonzero(c.args[0].array));
  } else if (c.fn == "flatnonzero") {
    r = kiln::flatnonzero(c.args[0].array);
  } else if (c.fn == "argwhere") {
    r = kiln::argwhere(c.args[0].array);
  } else if (c.fn == "compress") {
    r = c.args[2].kind == Arg::Kind::axes
            ? kiln::compress(c.args[0].array, c.args[1].array)
            : kiln::compress(c.args[0].array, c.args[1].array, c.args[2].axes[0]);
  } else if (c.fn == "extract") {
    r = kiln::extract(c.args[0].array, c.args[1].array);
  } else if (c.fn == "index") {
    r = c.args[0].array[kiln::Indices(c.args[1].index)];
  } else if (c.fn.rfind("setitem", 0) == 0) {  // r = a; r[i] = v, r[i][j] = v, r[i] op= v
    r = c.args[0].array;
    const kiln::Operand v = operand(c.args.back());
    kiln::IndexRef part = r[kiln::Indices(c.args[1].index)];
    if (c.fn == "setitem") {
      if (c.args.size() == 4)
        part[kiln::Indices(c.args[2].index)] = v;
      else
        part = v;
    } else {
      using Combine = kiln::IndexRef::Combine;
      static const std::pair<const char*, Combine> ops[] = {{"add", Combine::add},
                                                            {"subtract", Combine::subtract},
                                                            {"multiply", Combine::multiply},
                                                            {"divide", Combine::divide},
                                                            {"remainder", Combine::remainder},
                                                            {"bitwise_and", Combine::bitwise_and},
                                                            {"bitwise_or", Combine::bitwise_or},
                                                            {"bitwise_xor", Combine::bitwise_xor},
                                                            {"left_shift", Combine::left_shift},
                                                            {"right_shift", Combine::right_shift},
                                                            {"minimum", Combine::minimum},
                                                            {"maximum", Combine::maximum}};
      const std::string op = c.fn.substr(std::string("setitem_").size());
      for (const auto& [name, how] : ops) {
        if (op != name) continue;
        if (how == Combine::add)
          part += v;
        else if (how == Combine::subtract)
          part -= v;
        else if (how == Combine::multiply)
          part *= v;
        else if (how == Combine::divide)
          part /= v;
        else if (how == Combine::remainder)
          part %= v;
        else if (how == Combine::bitwise_and)
          part &= v;
        else if (how == Combine::bitwise_or)
          part |= v;
        else if (how == Combine::bitwise_xor)
          part ^= v;
        else if (how == Combine::left_shift)
          part <<= v;
        else if (how == Combine::right_shift)
          part >>= v;
        else
          r = how == Combine::minimum ? kiln::at(r, kiln::Indices(c.args[1].index)).min(v)
                                      : kiln::at(r, kiln::Indices(c.args[1].index)).max(v);
      }
    }
  } else if (c.fn.rfind("at_", 0) == 0) {  // kiln::at(a, idx).<op>(v): numpy's ufunc.at
    const kiln::At part = kiln::at(c.args[0].array, kiln::Indices(c.args[1].index));
    const kiln::Operand v = operand(c.args.back());
    const std::string op = c.fn.substr(3);
    r = op == "add"        ? part.add(v)
        : op == "subtract" ? part.subtract(v)
        : op == "multiply" ? part.multiply(v)
        : op == "divide"   ? part.divide(v)
        : op == "minimum"  ? part.min(v)
                           : part.max(v);
  } else if (build_manipulation(c, r) || build_sorting(c, r) || build_linalg(c, r) ||
             build_counting(c, r) || build_functions(c, r)) {
  } else if (c.fn == "flatten") {
    r = kiln::flatten(c.args[0].array);
  } else if (c.fn == "astype") {
    r = c.args[0].array.astype(c.args[1].dtype);
  } else if (c.fn == "arange") {
    r = kiln::detail::arange_impl(c.args[0].scalar, c.args[1].scalar, c.args[2].scalar,
                                  c.args[3].dtype, {});
  } else if (c.fn == "linspace") {
    r = kiln::detail::linspace_impl(c.args[0].scalar, c.args[1].scalar, c.args[2].scalar.i,
                                    c.args[4].dtype, c.args[3].scalar.i != 0, {});
  } else if (c.fn == "zeros" || c.fn == "ones") {  // shape, dtype
    r = c.fn == "zeros" ? kiln::zeros(c.args[0].shape, c.args[1].dtype)
                        : kiln::ones(c.args[0].shape, c.args[1].dtype);
  } else if (c.fn == "full") {  // shape, value, dtype
    r = kiln::full(c.args[0].shape, c.args[1].scalar.f, c.args[2].dtype);
  } else if (c.fn == "zeros_like" || c.fn == "ones_like") {  // array, dtype
    r = c.fn == "zeros_like" ? kiln::zeros_like(c.args[0].array, c.args[1].dtype)
                             : kiln::ones_like(c.args[0].array, c.args[1].dtype);
  } else if (c.fn == "eye") {  // n, m, k, dtype
    r = kiln::eye(c.args[0].scalar.i, c.args[1].scalar.i, c.args[2].scalar.i, c.args[3].dtype);
  } else if (c.fn == "logaddexp" || c.fn == "logaddexp2") {
    r = c.fn == "logaddexp" ? kiln::logaddexp(operand(c.args[0]), operand(c.args[1]))
                            : kiln::logaddexp2(operand(c.args[0]), operand(c.args[1]));
  } else if (c.fn == "around") {
    r = kiln::around(c.args[0].array, static_cast<int>(c.args[1].scalar.i));
  } else if (c.fn == "clip") {
    r = kiln::clip(operand(c.args[0]), operand(c.args[1]), operand(c.args[2]));
  } else {
    int op = 0;
    while (op < kiln::graph::kNumOps && kiln::graph::op_info(Op(op)).fn != c.fn) ++op;
    if (op == kiln::graph::kNumOps) throw std::runtime_error("unknown function " + c.fn);
    std::vector<kiln::Operand> ops;
    for (const Arg& a : c.args) ops.push_back(operand(a));
    if (ops.size() == 1)
      r = kiln::detail::apply(Op(op), {&ops[0]});
    else if (ops.size() == 2)
      r = kiln::detail::apply(Op(op), {&ops[0], &ops[1]});
    else
      r = kiln::detail::apply(Op(op), {&ops[0], &ops[1], &ops[2]});
  }
  return r;
}

/// kiln/manipulation.hpp's functions, with numpy's arguments: true when `c` is one of them.
inline bool build_manipulation(const Case& c, kiln::Array& r) {
  const std::string& f = c.fn;
  auto array = [&](size_t i) { return c.args[i].array; };
  auto integer = [&](size_t i) { return c.args[i].scalar.i; };
  auto none = [&](size_t i) { return c.args[i].kind == Arg::Kind::axes && c.args[i].all_axes; };
  if (f == "flip") {
    r = none(1)                             ? kiln::flip(array(0))
        : c.args[1].kind == Arg::Kind::axis ? kiln::flip(array(0), c.args[1].axes[0])
                                            : kiln::flip(array(0), c.args[1].axes);
  } else if (f == "fliplr" || f == "flipud") {
    r = f == "fliplr" ? kiln::fliplr(array(0)) : kiln::flipud(array(0));
  } else if (f == "rot90") {
    r = kiln::rot90(array(0), static_cast<int>(integer(1)), c.args[2].axes);
  } else if (f == "roll") {
    r = none(2) ? kiln::roll(array(0), integer(1))
                : kiln::roll(array(0), integer(1), c.args[2].axes[0]);
  } else if (f == "moveaxis" || f == "swapaxes") {
    const int a1 = static_cast<int>(integer(1)), a2 = static_cast<int>(integer(2));
    r = f == "moveaxis" ? kiln::moveaxis(array(0), a1, a2) : kiln::swapaxes(array(0), a1, a2);
  } else if (f == "diagonal" || f == "trace") {
    const int a1 = static_cast<int>(integer(2)), a2 = static_cast<int>(integer(3));
    r = f == "diagonal" ? kiln::diagonal(array(0), integer(1), a1, a2)
                        : kiln::trace(array(0), integer(1), a1, a2);
  } else if (f == "diag" || f == "triu" || f == "tril") {
    r = f == "diag"   ? kiln::diag(array(0), integer(1))
        : f == "triu" ? kiln::triu(array(0), integer(1))
                      : kiln::tril(array(0), integer(1));
  } else if (f == "hstack" || f == "vstack" || f == "dstack" || f == "column_stack") {
    std::vector<kiln::Array> arrays;
    for (size_t i = 0; i < c.args.size(); ++i) arrays.push_back(array(i));
    r = f == "hstack"   ? kiln::hstack(arrays)
        : f == "vstack" ? kiln::vstack(arrays)
        : f == "dstack" ? kiln::dstack(arrays)
                        : kiln::column_stack(arrays);
  } else if (f == "split" || f == "array_split") {
    const int axis = static_cast<int>(integer(2));
    const std::vector<kiln::Array> parts = f == "split"
                                               ? kiln::split(array(0), integer(1), axis)
                                               : kiln::array_split(array(0), integer(1), axis);
    std::vector<kiln::Array> flat;
    for (const kiln::Array& p : parts) flat.push_back(kiln::flatten(p));
    r = flat.empty() ? kiln::zeros({0}, kiln::float64) : kiln::concatenate(flat);
  } else if (f == "repeat") {
    r = none(2) ? kiln::repeat(array(0), integer(1))
                : kiln::repeat(array(0), integer(1), c.args[2].axes[0]);
  } else if (f == "tile") {
    r = kiln::tile(array(0), c.args[1].shape);
  } else if (f == "diff") {
    r = kiln::diff(array(0), static_cast<int>(integer(1)), static_cast<int>(integer(2)));
  } else if (f == "ediff1d") {
    r = kiln::ediff1d(array(0));
  } else if (f == "round") {
    r = kiln::round(array(0), static_cast<int>(integer(1)));
  } else if (f == "cov") {
    r = kiln::cov(array(0), integer(1) != 0, static_cast<int>(integer(2)));
  } else if (f == "corrcoef") {
    r = kiln::corrcoef(array(0), integer(1) != 0);
  } else if (f == "pad") {
    std::vector<std::pair<int64_t, int64_t>> widths;
    for (size_t i = 0; i + 1 < c.args[1].shape.size(); i += 2)
      widths.push_back({c.args[1].shape[i], c.args[1].shape[i + 1]});
    r = kiln::pad(array(0), widths, c.args[2].scalar.f);
  } else if (f.rfind("correlate.", 0) == 0) {
    r = kiln::correlate(array(0), array(1), f.substr(10));
  } else if (f.rfind("convolve.", 0) == 0) {
    r = kiln::convolve(array(0), array(1), f.substr(9));
  } else if (f == "mgrid" || f == "ogrid") {  // (kind, start, stop, step or points) per range
    std::vector<kiln::GridRange> ranges;
    for (size_t i = 0; i + 3 < c.args.size(); i += 4) {
      const int64_t kind = integer(i);
      if (kind == 0)
        ranges.emplace_back(integer(i + 1), integer(i + 2), integer(i + 3));
      else if (kind == 1)
        ranges.emplace_back(c.args[i + 1].scalar.f, c.args[i + 2].scalar.f, c.args[i + 3].scalar.f);
      else
        ranges.push_back(kiln::GridRange::points(c.args[i + 1].scalar.f, c.args[i + 2].scalar.f,
                                                 integer(i + 3)));
    }
    if (f == "mgrid") {
      r = kiln::mgrid(ranges);
    } else {  // the open grid broadcast and stacked
      std::vector<kiln::Array> parts = kiln::ogrid(ranges);
      kiln::Shape full;
      for (const auto& p : parts) full.push_back(p.size());
      if (parts.size() > 1)
        for (auto& p : parts) p = kiln::broadcast_to(p, full);
      r = parts.size() > 1 ? kiln::stack(parts) : parts[0];
    }
  } else if (f == "deg2rad" || f == "radians" || f == "rad2deg" || f == "degrees") {
    r = f == "deg2rad"   ? kiln::deg2rad(array(0))
        : f == "radians" ? kiln::radians(array(0))
        : f == "rad2deg" ? kiln::rad2deg(array(0))
                         : kiln::degrees(array(0));
  } else if (f == "fmax" || f == "fmin") {
    r = f == "fmax" ? kiln::fmax(array(0), array(1)) : kiln::fmin(array(0), array(1));
  } else if (f == "heaviside") {
    r = kiln::heaviside(array(0), array(1));
  } else if (f == "nan_to_num") {  // nan, whether posinf/neginf are given, posinf, neginf
    std::optional<double> pos, neg;
    if (integer(2)) pos = c.args[3].scalar.f, neg = c.args[4].scalar.f;
    r = kiln::nan_to_num(array(0), c.args[1].scalar.f, pos, neg);
  } else if (f == "count_nonzero" || f == "ptp") {
    const bool all = c.args[1].kind == Arg::Kind::axes;
    if (f == "count_nonzero")
      r = all ? kiln::count_nonzero(array(0)) : kiln::count_nonzero(array(0), c.args[1].axes[0]);
    else
      r = all ? kiln::ptp(array(0)) : kiln::ptp(array(0), c.args[1].axes[0]);
  } else if (f == "atleast_1d" || f == "atleast_2d" || f == "atleast_3d") {
    r = f == "atleast_1d"   ? kiln::atleast_1d(array(0))
        : f == "atleast_2d" ? kiln::atleast_2d(array(0))
                            : kiln::atleast_3d(array(0));
  } else if (f == "diagflat") {
    r = kiln::diagflat(array(0), integer(1));
  } else if (f == "broadcast_arrays") {
    std::vector<kiln::Array> xs;
    for (size_t i = 0; i < c.args.size(); ++i) xs.push_back(array(i));
    r = kiln::stack(kiln::broadcast_arrays(xs));
  } else if (f == "tri") {
    r = kiln::tri(integer(0), integer(1), integer(2), c.args[3].dtype);
  } else if (f == "trapz") {
    r = kiln::trapz(array(0), c.args[2].scalar.f, static_cast<int>(integer(1)));
  } else if (f == "trapz_x") {
    r = kiln::trapz(array(0), array(2), static_cast<int>(integer(1)));
  } else if (f == "tensordot") {
    r = kiln::tensordot(array(0), array(1), static_cast<int>(integer(2)));
  } else if (f == "inner" || f == "vdot") {
    r = f == "inner" ? kiln::inner(array(0), array(1)) : kiln::vdot(array(0), array(1));
  } else if (f == "kron") {
    r = kiln::kron(array(0), array(1));
  } else if (f == "gradient") {  // edge_order, axes (None: all), spacings; the results stacked
    std::vector<kiln::Operand> spacing;
    for (size_t i = 3; i < c.args.size(); ++i)
      spacing.push_back(c.args[i].kind == Arg::Kind::array ? kiln::Operand(c.args[i].array)
                                                           : kiln::Operand(c.args[i].scalar.f));
    r = kiln::stack(kiln::gradient(array(0), spacing,
                                   c.args[2].all_axes ? std::vector<int>{} : c.args[2].axes,
                                   static_cast<int>(integer(1))));
  } else if (f.rfind("pad.", 0) == 0) {  // stat_length (-1: None), end_values
    std::vector<std::pair<int64_t, int64_t>> widths;
    for (size_t i = 0; i + 1 < c.args[1].shape.size(); i += 2)
      widths.push_back({c.args[1].shape[i], c.args[1].shape[i + 1]});
    kiln::PadOptions o;
    if (integer(2) >= 0) o.stat_length = integer(2);
    o.end_values = {c.args[3].scalar.f, c.args[4].scalar.f};
    r = kiln::pad(array(0), widths, f.substr(4), o);
  } else if (f == "meshgrid") {
    std::vector<kiln::Array> xs;
    for (size_t i = 0; i + 1 < c.args.size(); ++i) xs.push_back(array(i));
    r = kiln::stack(kiln::meshgrid(xs, c.args.back().scalar.i != 0));
  } else if (f == "indices") {
    r = kiln::indices(c.args[0].shape);
  } else if (f == "isclose") {
    r = kiln::isclose(operand(c.args[0]), operand(c.args[1]));
  } else if (f == "allclose" || f == "array_equal") {
    const bool v = f == "allclose" ? kiln::allclose(operand(c.args[0]), operand(c.args[1]))
                                   : kiln::array_equal(array(0), array(1));
    r = kiln::array(std::vector<bool>{v}, kiln::Shape{});
  } else {
    return false;
  }
  return true;
}

/// Evaluates a case with kiln (throws kiln::Error where kiln refuses).
inline kiln::Array evaluate(const Case& c) {
  kiln::Array r = build(c);
  r.eval();
  return r;
}

/// A value of numpy's output as a complex number: "<re>_<im>" for complex dtypes, else a real
/// number (C99 hex float, or an integer / bool digit) with a zero imaginary part.
inline std::complex<double> parse_complex128(const std::string& s) {
  const size_t u = s.find('_');
  if (u == std::string::npos) return {std::strtod(s.c_str(), nullptr), 0.0};
  return {std::strtod(s.substr(0, u).c_str(), nullptr),
          std::strtod(s.substr(u + 1).c_str(), nullptr)};
}
/// parse_complex128 rounded to complex64.
inline std::complex<float> parse_complex(const std::string& s) {
  const std::complex<double> z = parse_complex128(s);
  return {static_cast<float>(z.real()), static_cast<float>(z.imag())};
}

/// One of numpy's output values (oracle.py's text) as T.
template <class T>
T parse_value(const std::string& s) {
  if constexpr (std::is_same_v<T, std::complex<float>>)
    return parse_complex(s);
  else if constexpr (std::is_same_v<T, std::complex<double>>)
    return parse_complex128(s);
  else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, kiln::half>)
    return static_cast<T>(std::strtod(s.c_str(), nullptr));
  else if constexpr (std::is_unsigned_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(std::stoull(s));
  else
    return static_cast<T>(std::stoll(s));
}

/// Evaluates `c` with kiln and checks what comes before the values: kiln refuses exactly where
/// numpy does (or where `refused_by_design(kiln's message)` accepts kiln's refusal), and gives
/// numpy's dtype and shape. Returns false, with `diff` set ("" where both refused), when there
/// are no values to compare; true with `got` evaluated otherwise.
inline bool evaluate_and_match(
    const Case& c, const Result& want, kiln::Array& got, std::string& diff,
    const std::function<bool(const std::string&)>& refused_by_design = nullptr) {
  std::string kiln_error;
  try {
    got = evaluate(c);
  } catch (const kiln::Error& e) {
    kiln_error = e.what();
  }
  diff.clear();
  if (!kiln_error.empty() && want.ok && refused_by_design && refused_by_design(kiln_error))
    return false;
  if (!want.ok || !kiln_error.empty()) {
    if (want.ok || kiln_error.empty())
      diff = !want.ok ? "numpy raised (" + want.error + ") but kiln did not"
                      : "kiln raised (" + kiln_error + ") but numpy gives " + want.dtype;
    return false;
  }
  if (kiln::dtype_name(got.dtype()) != want.dtype)
    diff = "dtype: kiln " + std::string(kiln::dtype_name(got.dtype())) + ", numpy " + want.dtype;
  else if (got.shape() != want.shape)
    diff = "shape: kiln " + kiln::graph::shape_string(got.shape()) + ", numpy " +
           kiln::graph::shape_string(want.shape);
  return diff.empty();
}

/// A case and numpy's result are checked together; `check` returns "" when kiln agrees, else
/// what differs. Runs numpy once for all cases and reports at most 16 failures. Returns how
/// many cases numpy refused.
template <class Check>
int run_and_check(const std::vector<Case>& cases, Check check) {
  const auto results = run_numpy(cases);
  EXPECT_EQ(results.size(), cases.size());
  int failures = 0, refused = 0;
  for (size_t i = 0; i < std::min(cases.size(), results.size()); ++i) {
    refused += !results[i].ok;
    const std::string diff = check(cases[i], results[i]);
    if (diff.empty()) continue;
    std::string args;
    for (const Arg& a : cases[i].args) args += " " + a.encoded.substr(0, 120);
    ADD_FAILURE() << cases[i].fn << args << "\n  " << diff;
    if (++failures > 15) break;
  }
  return refused;
}

/// Distance in units in the last place between two finite floats of type T.
template <class T>
int64_t ulp_distance(T a, T b) {
  using I = std::conditional_t<sizeof(T) == 2, int16_t,
                               std::conditional_t<sizeof(T) == 4, int32_t, int64_t>>;
  auto ordered = [](T x) {
    I i;
    std::memcpy(&i, &x, sizeof x);
    return i < 0 ? static_cast<int64_t>(std::numeric_limits<I>::min()) - static_cast<int64_t>(i)
                 : static_cast<int64_t>(i);
  };
  return std::llabs(ordered(a) - ordered(b));
}

// Axis arguments: an axis, or None (all_axes) for the flattened array.
inline bool build_sorting(const Case& c, kiln::Array& r) {
  const std::string& f = c.fn;
  auto array = [&](size_t i) { return c.args[i].array; };
  auto none = [&](size_t i) { return c.args[i].kind == Arg::Kind::axes && c.args[i].all_axes; };
  auto axis = [&](size_t i) { return c.args[i].axes[0]; };
  if (f == "sort" || f == "argsort") {
    const kiln::Array a = none(1) ? kiln::flatten(array(0)) : array(0);
    const int ax = none(1) ? -1 : axis(1);
    r = f == "sort" ? kiln::sort(a, ax) : kiln::argsort(a, ax);
  } else if (f == "searchsorted") {  // into the sorted operand 0
    r = kiln::searchsorted(kiln::sort(array(0)), array(1),
                           c.args[2].scalar.i ? kiln::Side::right : kiln::Side::left);
  } else if (f == "unique") {
    r = kiln::unique(array(0));
  } else if (f == "unique_counts") {  // the counts (the values are unique's)
    r = kiln::unique_counts(array(0)).second;
  } else if (f == "unique_inverse") {  // the inverse
    r = kiln::unique_inverse(array(0)).second;
  } else if (f == "median" || f == "nanmedian") {
    const bool nan = f == "nanmedian";
    r = none(1) ? (nan ? kiln::nanmedian(array(0)) : kiln::median(array(0)))
        : nan   ? kiln::nanmedian(array(0), axis(1), c.args[2].scalar.i)
                : kiln::median(array(0), axis(1), c.args[2].scalar.i);
    if (none(1) && c.args[2].scalar.i) r = kiln::reshape(r, kiln::Shape(array(0).ndim(), 1));
  } else if (f.ends_with("quantile") || f.ends_with("percentile")) {
    if (f.starts_with("nan")) return build_nan_quantile(c, r);
    const bool q = f == "quantile";
    const bool keep = c.args[3].scalar.i != 0;
    if (c.args[1].kind == Arg::Kind::shape) {  // several, as the shape's entries / 100
      std::vector<double> qs;
      for (int64_t e : c.args[1].shape) qs.push_back(q ? e / 100.0 : double(e));
      r = q ? kiln::quantile(array(0), qs, axis(2), keep)
            : kiln::percentile(array(0), qs, axis(2), keep);
    } else {
      const double v = c.args[1].scalar.f;
      r = none(2) ? (q ? kiln::quantile(array(0), v) : kiln::percentile(array(0), v))
                  : (q ? kiln::quantile(array(0), v, axis(2), keep)
                       : kiln::percentile(array(0), v, axis(2), keep));
      if (none(2) && keep) r = kiln::reshape(r, kiln::Shape(array(0).ndim(), 1));
    }
  } else {
    return false;
  }
  return true;
}

// "linalg.f" takes a matrix made safely invertible (a + 4n I: diagonally dominant) or, for
// cholesky, positive definite (a a^T + n I); "linalg.f_raw" takes it as it is.
}  // namespace oracle

#include "numpy/oracle_counting.hpp"
#include "numpy/oracle_functions.hpp"
#include "numpy/oracle_linalg.hpp"
