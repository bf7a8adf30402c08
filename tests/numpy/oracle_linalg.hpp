// The oracle's kiln side of kiln::linalg's cases (oracle.py's linalg() and decomposition()):
// the decompositions by what is unique about them, the values and the squared magnitudes of
// their factors (whose signs or phases are free), flattened one after another.
#pragma once

#include "numpy/oracle.hpp"

namespace oracle {

// |x|^2 of each factor, each matrix flattened (..., m * n).
inline kiln::Array squared_magnitudes(const kiln::Array& x) {
  const kiln::Array m = kiln::is_complex(x.dtype()) ? kiln::real(x * kiln::conj(x)) : x * x;
  const kiln::Shape shape = x.shape();
  kiln::Shape flat(shape.begin(), shape.end() - 2);
  flat.push_back(-1);
  return kiln::reshape(m, flat);
}

// a + 4 max(m, n) times the (rectangular) identity, in a floating type.
inline kiln::Array well_conditioned(const kiln::Array& a) {
  const int64_t m = a.shape()[a.ndim() - 2], n = a.shape().back();
  const kiln::DType t = kiln::promote_types(a.dtype(), kiln::float32);
  return a.astype(t) + kiln::eye(m, n, 0, t) * double(4 * std::max(m, n));
}

inline bool build_decomposition(const std::string& f, const Case& c, kiln::Array& r) {
  namespace la = kiln::linalg;
  const kiln::Array& a = c.args[0].array;
  if (f == "linalg.eigvalsh") {
    r = la::eigvalsh(a, c.args[1].scalar.i ? 'U' : 'L');
  } else if (f == "linalg.eigh") {
    const auto [w, v] = la::eigh(a);
    r = kiln::concatenate({w, squared_magnitudes(v)}, -1);
  } else if (f == "linalg.eigvals") {
    r = kiln::sort(la::eigvals(a), -1);
  } else if (f == "linalg.eig") {
    const auto [w, v] = la::eig(a);
    const kiln::Array order = kiln::argsort(w, -1);
    const kiln::Array sorted_v = kiln::take_along_axis(v, kiln::expand_dims(order, -2), -1);
    r = kiln::concatenate({kiln::take_along_axis(w, order, -1), squared_magnitudes(sorted_v)}, -1);
  } else if (f == "linalg.svdvals") {
    r = la::svdvals(a);
  } else if (f == "linalg.svd") {
    const auto [u, s, vh] = la::svd(a, c.args[1].scalar.i != 0);
    r = kiln::concatenate({squared_magnitudes(u), s, squared_magnitudes(vh)}, -1);
  } else if (f == "linalg.qr") {
    const int64_t mode = c.args[1].scalar.i;
    const auto [q, rr] = la::qr(a, mode == 2 ? "r" : mode == 1 ? "complete" : "reduced");
    r = mode == 2 ? squared_magnitudes(rr)
                  : kiln::concatenate({squared_magnitudes(q), squared_magnitudes(rr)}, -1);
  } else if (f == "linalg.pinv") {
    r = la::pinv(a.ndim() >= 2 ? well_conditioned(a) : a);
  } else if (f == "linalg.matrix_rank") {
    r = la::matrix_rank(a);
  } else if (f == "linalg.lstsq") {
    const auto l = la::lstsq(a.ndim() == 2 ? well_conditioned(a) : a, c.args[1].array);
    const kiln::DType t = l.x.dtype();
    r = kiln::concatenate({kiln::flatten(l.x), l.residuals.astype(t),
                           kiln::full({1}, double(l.rank), t), l.s.astype(t)});
  } else if (f.rfind("linalg.matrix_norm", 0) == 0) {
    const std::array<int, 2> axes{c.args[2].axes[0], c.args[2].axes[1]};
    const bool keep = c.args[3].scalar.i != 0;
    r = f == "linalg.matrix_norm_fro"   ? la::norm(a, "fro", axes, keep)
        : f == "linalg.matrix_norm_nuc" ? la::norm(a, "nuc", axes, keep)
                                        : la::norm(a, c.args[1].scalar.f, axes, keep);
  } else {
    return false;
  }
  return true;
}

// "einsum:SUBSCRIPTS" and "einsum_path:SUBSCRIPTS" (the path's steps, each followed by -1, then
// numpy's three cost figures, as float64).
inline bool build_einsum(const Case& c, kiln::Array& r) {
  const size_t colon = c.fn.find(':');
  const std::string subscripts = c.fn.substr(colon + 1);
  std::vector<kiln::Array> operands;
  for (const Arg& a : c.args) operands.push_back(a.array);
  if (c.fn.compare(0, colon, "einsum") == 0) {
    r = kiln::einsum(subscripts, operands);
    return true;
  }
  const kiln::EinsumPath p = kiln::einsum_path(subscripts, operands);
  std::vector<double> flat;
  for (const auto& step : p.path) {
    for (const int i : step) flat.push_back(i);
    flat.push_back(-1);
  }
  for (const double v : {p.naive_flops, p.optimized_flops, p.largest_intermediate}) {
    char printed[32];  // numpy prints them with 4 digits
    std::snprintf(printed, sizeof printed, "%.3e", v);
    flat.push_back(std::strtod(printed, nullptr));
  }
  r = kiln::array(flat, kiln::Shape{static_cast<int64_t>(flat.size())});
  return true;
}

inline bool build_linalg(const Case& c, kiln::Array& r) {
  if (c.fn.rfind("outer.", 0) == 0) {  // numpy's ufunc.outer
    static const std::pair<const char*, kiln::BinaryFunction> fns[] = {
        {"add", kiln::add},       {"subtract", kiln::subtract},      {"multiply", kiln::multiply},
        {"divide", kiln::divide}, {"maximum", kiln::maximum},        {"minimum", kiln::minimum},
        {"power", kiln::power},   {"arctan2", kiln::arctan2},        {"less", kiln::less},
        {"equal", kiln::equal},   {"logical_and", kiln::logical_and}};
    for (const auto& [name, f] : fns)
      if (c.fn == std::string("outer.") + name)
        r = kiln::outer(f, c.args[0].array, c.args[1].array);
    return r.valid();
  }
  if (c.fn.rfind("einsum", 0) == 0) return build_einsum(c, r);
  if (c.fn.rfind("linalg.", 0) != 0 && c.fn != "cross") return false;
  if (c.fn.starts_with("linalg.cond")) {  // of the shifted matrices (as numpy's side)
    const kiln::Array a = c.args[0].array;
    const int64_t n = a.ndim() >= 2 ? a.shape().back() : 0;
    const kiln::DType t = kiln::promote_types(a.dtype(), kiln::float32);
    const kiln::Array w =
        a.ndim() >= 2 ? kiln::Array(a.astype(t) + kiln::eye(n, t) * double(4 * n + 8)) : a;
    r = c.fn == "linalg.cond_fro"    ? kiln::linalg::cond(w, "fro")
        : c.fn == "linalg.cond_none" ? kiln::linalg::cond(w)
                                     : kiln::linalg::cond(w, c.args[1].scalar.f);
    return true;
  }
  if (c.fn == "linalg.multi_dot") {
    std::vector<kiln::Array> arrays;
    for (const Arg& a : c.args) arrays.push_back(a.array);
    r = kiln::linalg::multi_dot(arrays);
    return true;
  }
  if (c.fn == "linalg.tensorinv") {
    r = kiln::linalg::tensorinv(c.args[0].array + 8.0, static_cast<int>(c.args[1].scalar.i));
    return true;
  }
  if (c.fn == "linalg.tensorsolve") {
    const kiln::Array a = c.args[0].array, b = c.args[1].array;
    const int64_t n = b.size();
    const kiln::DType t = kiln::promote_types(a.dtype(), kiln::float32);
    r = kiln::linalg::tensorsolve(
        a.astype(t) + (kiln::eye(n, t) * double(4 * n)).reshape(a.shape()), b);
    return true;
  }
  const bool raw = c.fn.size() > 4 && c.fn.compare(c.fn.size() - 4, 4, "_raw") == 0;
  const std::string f = c.fn.substr(0, c.fn.size() - (raw ? 4 : 0));
  const kiln::Array a0 = c.args[0].array;
  auto shifted = [&](const kiln::Array& a) {
    if (raw || a.ndim() < 2) return a;
    const int64_t n = a.shape().back();
    const kiln::DType t = kiln::promote_types(a.dtype(), kiln::float32);
    return kiln::Array(a.astype(t) + kiln::eye(n, t) * double(4 * n));
  };
  if (f == "cross") {
    r = kiln::cross(a0, c.args[1].array);
  } else if (f == "linalg.solve") {
    r = kiln::linalg::solve(shifted(a0), c.args[1].array);
  } else if (f == "linalg.inv") {
    r = kiln::linalg::inv(shifted(a0));
  } else if (f == "linalg.det") {
    r = kiln::linalg::det(shifted(a0));
  } else if (f == "linalg.slogdet") {  // the two parts stacked
    const auto [sign, logdet] = kiln::linalg::slogdet(shifted(a0));
    r = kiln::stack({sign, logdet});
  } else if (f == "linalg.cholesky") {
    kiln::Array a = a0;
    if (!raw && a.ndim() >= 2) {
      const int64_t n = a.shape().back();
      const kiln::DType t = kiln::promote_types(a.dtype(), kiln::float32);
      const kiln::Array w = a.astype(t);
      a = kiln::matmul(w, kiln::swapaxes(w, -1, -2)) + kiln::eye(n, t) * double(n);
    }
    r = kiln::linalg::cholesky(a);
  } else if (f == "linalg.matrix_power") {
    r = kiln::linalg::matrix_power(c.args[1].scalar.i < 0 ? shifted(a0) : a0, c.args[1].scalar.i);
  } else if (f == "linalg.norm") {
    r = c.args[2].kind == Arg::Kind::axes
            ? kiln::linalg::norm(a0)
            : kiln::linalg::norm(a0, c.args[1].scalar.f, c.args[2].axes[0], c.args[3].scalar.i);
  } else {
    return build_decomposition(f, c, r);
  }
  return true;
}

}  // namespace oracle
