// numpy as the oracle for complex64 and complex128: arithmetic with every dtype and weak scalar
// (int, float, complex), the complex functions, casts, reductions, gathers, joins, scans and
// matmul, on random shapes with broadcasting, infinities, nans and signed zeros, including the
// promotions between the two precisions.
#include <random>

#include "numpy/oracle.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;
using c64 = std::complex<float>;
using c128 = std::complex<double>;

namespace {

class ComplexCases {
 public:
  ComplexCases(uint64_t seed, DType complex_dtype) : rng_(seed), ct_(complex_dtype) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  Shape shape() {
    static constexpr int64_t extents[] = {1, 2, 3, 4, 0};
    Shape s(static_cast<size_t>(pick(4)));
    for (auto& e : s) e = extents[pick(pick(10) == 0 ? 5 : 4)];
    return s;
  }

  float part() {
    if (!finite_ && pick(30) == 0) {
      static constexpr float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN};
      return specials[pick(5)];
    }
    return static_cast<float>(pick(33) - 16) / 4;
  }

  Arg array(const Shape& s, DType t) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    Arg a;
    if (t == complex64) {
      std::vector<c64> v(static_cast<size_t>(n));
      for (auto& x : v) x = {part(), part()};
      a = oracle::array_arg(v, s);
    } else if (t == complex128) {
      std::vector<c128> v(static_cast<size_t>(n));
      for (auto& x : v) x = {part() + part() / 1024, part()};  // some need double's precision
      a = oracle::array_arg(v, s);
    } else if (t == float32) {
      std::vector<float> v(static_cast<size_t>(n));
      for (auto& x : v) x = part();
      a = oracle::array_arg(v, s);
    } else if (t == float64) {
      std::vector<double> v(static_cast<size_t>(n));
      for (auto& x : v) x = part();
      a = oracle::array_arg(v, s);
    } else if (t == bool_) {
      std::vector<bool> v(static_cast<size_t>(n));
      for (size_t i = 0; i < v.size(); ++i) v[i] = pick(2);
      a = oracle::array_arg(v, s);
    } else {
      std::vector<int32_t> v(static_cast<size_t>(n));
      for (auto& x : v) x = pick(9) - 4;
      a = oracle::array_arg(v, s);
    }
    if (pick(4) == 0) return oracle::lazy(a);
    return a;
  }

  // A suffix of `s` with some extents 1: broadcasts against it.
  Shape sub(const Shape& s) {
    Shape r(s.begin() + pick(static_cast<int>(s.size()) + 1), s.end());
    for (auto& e : r)
      if (pick(4) == 0) e = 1;
    return r;
  }

  Arg other(const Shape& s) {
    switch (pick(8)) {
      case 0:
        return oracle::int_arg(pick(7) - 3);
      case 1:
        return oracle::float_arg(part());
      case 2:
        return oracle::complex_arg(part(), part());
      case 3:
        return array(sub(s), float32);
      case 4:
        return array(sub(s), pick(2) ? bool_ : pick(2) ? int32 : float64);
      case 5:
        return array(sub(s), ct_ == complex64 ? complex128 : complex64);
      default:
        return array(sub(s), ct_);
    }
  }

  Case next() {
    finite_ = false;
    const Shape s = shape();
    const int rank = static_cast<int>(s.size());
    Arg z = array(s, ct_);
    switch (pick(12)) {
      case 0:
      case 1: {
        static const char* fns[] = {"add", "subtract", "multiply", "divide", "equal", "not_equal"};
        Case c{fns[pick(6)], {z, other(s)}};
        if (pick(3) == 0) std::swap(c.args[0], c.args[1]);
        return c;
      }
      case 2:
      case 3: {
        static const char* fns[] = {"negative", "abs",        "real",       "imag",  "conj",
                                    "angle",    "exp",        "square",     "isnan", "isinf",
                                    "isfinite", "reciprocal", "logical_not"};
        Case c{fns[pick(13)], {pick(8) ? z : array(s, pick(2) ? float32 : int32)}};
        return c;
      }
      case 4: {
        static const char* fns[] = {"sum", "mean", "var", "std", "any", "all"};
        const std::string fn = fns[pick(6)];
        Case c{fn, {z}};
        if (rank == 0 || pick(3) == 0)
          c.args.push_back(oracle::axes_arg(nullptr));
        else
          c.args.push_back(oracle::axes_arg(std::vector<int>{pick(rank)}));
        c.args.push_back(oracle::bool_arg(pick(2) == 0));
        if (fn == "var" || fn == "std") c.args.push_back(oracle::int_arg(pick(2)));
        return c;
      }
      case 5:
        if (pick(2)) return {"astype", {z, oracle::dtype_arg(pick(2) ? float32 : bool_)}};
        if (pick(2)) return {"astype", {z, oracle::dtype_arg(pick(2) ? complex64 : complex128)}};
        return {"astype", {array(s, pick(2) ? int32 : float64), oracle::dtype_arg(ct_)}};
      case 6:
        return {"where", {array(s, bool_), z, other(s)}};
      case 7: {
        if (rank == 0) return {"cumsum", {z, oracle::axes_arg(nullptr)}};
        const int axis = pick(rank);
        switch (pick(3)) {
          case 0:
            return {"cumsum", {z, oracle::axis_arg(axis)}};
          case 1: {
            Shape t = s;
            t[static_cast<size_t>(axis)] = pick(3);
            return {"concatenate",
                    {z,
                     array(t, pick(3)   ? complex64
                              : pick(2) ? float32
                                        : complex128),
                     oracle::axis_arg(axis)}};
          }
          default: {
            std::vector<int64_t> idx(static_cast<size_t>(pick(4)));
            for (auto& i : idx)
              i = s[static_cast<size_t>(axis)] ? pick(static_cast<int>(s[axis])) : 0;
            return {"take",
                    {z, oracle::array_arg(idx, {static_cast<int64_t>(idx.size())}),
                     oracle::axis_arg(axis)}};
          }
        }
      }
      case 8:
      case 9:
      case 10: {  // numpy's complex functions (kiln composes them of real ops on the parts)
        static const char* fns[] = {"sqrt",   "log",     "log2",    "log10",   "log1p",
                                    "exp2",   "expm1",   "sin",     "cos",     "tan",
                                    "sinh",   "cosh",    "tanh",    "arcsin",  "arccos",
                                    "arctan", "arcsinh", "arccosh", "arctanh", "power"};
        const std::string fn = fns[pick(20)];
        if (fn != "power") return {fn, {z}};
        // z ** w: w a C++ int (small, or up to numpy's repeated-squaring limit of 100), float
        // or complex, or an array of any kind; or a real base to a complex power.
        Arg w;
        switch (pick(5)) {
          case 0:
            w = oracle::int_arg(pick(9) - 4);
            break;
          case 1:
            w = oracle::int_arg(pick(220) - 110);
            break;
          case 2:
            w = oracle::float_arg(part());
            break;
          case 3:
            w = oracle::complex_arg(part(), part());
            break;
          default:
            w = other(s);
        }
        Case c{"power", {z, w}};
        if (pick(5) == 0) std::swap(c.args[0], c.args[1]);
        return c;
      }
      default: {  // finite values: BLAS kernels give nan where numpy's loop has inf
        finite_ = true;
        const int64_t m = 1 + pick(3), k = pick(4), n = 1 + pick(3);
        return {"matmul",
                {array({m, k}, ct_), array({k, n}, pick(4)   ? ct_
                                                   : pick(2) ? float32
                                                             : float64)}};
      }
    }
  }

 private:
  std::mt19937_64 rng_;
  DType ct_;
  bool finite_ = false;
};

// Equal bits, both nan, or (where the formula or summation order may differ from numpy's:
// products, quotients, exp, abs, angle, reductions) within `rtol` of the magnitude.
bool close(double g, double w, double scale, bool tolerant, double rtol) {
  if (kiln_test::same_bits(g, w) || (std::isnan(g) && std::isnan(w)) || g == w) return true;
  if (!tolerant || !std::isfinite(g) || !std::isfinite(w)) return false;
  return std::fabs(g - w) <= rtol * std::max(1.0, scale);
}

std::string check(const Case& c, const oracle::Result& want) {
  Array got;
  std::string diff;
  if (!oracle::evaluate_and_match(c, want, got, diff, [](const std::string&) { return false; }))
    return diff;
  // Single-precision results within 2e-6 (a few float32 ulps), double within 1e-14.
  const bool single = want.dtype == "complex64" || want.dtype == "float32";
  // Powers other than small integers are exp(w log z), whose error numpy's loop (glibc's
  // cpow) multiplies by |w log z|: up to a few hundred ulps here.
  const double rtol = (single ? 2e-6 : 1e-14) * (c.fn == "power" ? 300 : 1);
  const bool tolerant = c.fn != "add" && c.fn != "subtract" && c.fn != "negative" &&
                        c.fn != "conj" && c.fn != "real" && c.fn != "imag" && c.fn != "where" &&
                        c.fn != "astype" && c.fn != "concatenate" && c.fn != "take";
  const auto g = got.astype(complex128).to_vector<c128>();
  for (size_t i = 0; i < g.size(); ++i) {
    const c128 w = oracle::parse_complex128(want.values[i]);  // bools are "0" and "1"
    const double scale = std::max(std::fabs(w.real()), std::fabs(w.imag()));
    // An infinite part beside a nan one has no specified sign (C99 Annex G: sinh(inf + i inf)
    // = +-inf + i nan); glibc's follows the sign bits of nans, which numpy does not define.
    const bool unsigned_inf = std::isnan(w.real()) != std::isnan(w.imag()) &&
                              std::isnan(g[i].real()) == std::isnan(w.real()) &&
                              (std::isinf(g[i].real()) || std::isinf(g[i].imag())) &&
                              (std::isinf(w.real()) || std::isinf(w.imag()));
    if (unsigned_inf) continue;
    if (!close(g[i].real(), w.real(), scale, tolerant, rtol) ||
        !close(g[i].imag(), w.imag(), scale, tolerant, rtol)) {
      std::ostringstream os;
      os.precision(17);
      os << "element " << i << ": kiln " << g[i] << ", numpy " << w;
      return os.str();
    }
  }
  return "";
}

}  // namespace

TEST(NumpyOracle, Complex64OnRandomShapes) {
  ComplexCases gen(6464, complex64);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(2000); ++i) cases.push_back(gen.next());
  const int refused = oracle::run_and_check(cases, check);
  EXPECT_LT(refused, 300) << "too few cases exercise a result";
}

TEST(NumpyOracle, Complex128OnRandomShapes) {
  ComplexCases gen(128128, complex128);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(2000); ++i) cases.push_back(gen.next());
  const int refused = oracle::run_and_check(cases, check);
  EXPECT_LT(refused, 300) << "too few cases exercise a result";
}
