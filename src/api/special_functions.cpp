// numpy's small elementwise functions, window functions, Bessel's i0, interp and the geometric
// ranges, as compositions of kiln's ops (lazy, fused with their neighbours, differentiable
// where the ops are), each with numpy's formula so that the values agree: fabs positive fix
// sinc float_power isposinf isneginf iscomplex isreal iscomplexobj isrealobj i0 bartlett
// blackman hamming hanning kaiser logspace geomspace identity interp.
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "graph/types.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"
#include "kiln/sorting.hpp"
#include "kiln/special.hpp"

namespace kiln {

using detail::to_loc;
using graph::SourceLoc;

namespace {

DType dtype_of(const Operand& x) {
  return detail::operand_type(x).dtype;
}

// x converted to numpy's float type for a float function of it (a C++ scalar: float64).
Array as_float(const Operand& x, std::string_view fn) {
  const std::source_location& l = x.loc();
  const DType t = detail::float_type(dtype_of(x), fn, to_loc(l));
  return astype(x, x.is_array() ? t : float64);
}

// numpy's _chbevl: a Chebyshev series by Clenshaw's recurrence, in x's dtype.
Array chebyshev(const Array& x, const std::vector<double>& c, const std::source_location& l) {
  Array b0 = full_like(x, c[0], l), b1 = zeros_like(x, l), b2;
  for (size_t i = 1; i < c.size(); ++i) {
    b2 = b1;
    b1 = b0;
    b0 = add(
        Operand(subtract(Operand(multiply(Operand(x, l), Operand(b1, l)), l), Operand(b2, l)), l),
        Operand(c[i], l));
  }
  return multiply(Operand(subtract(Operand(b0, l), Operand(b2, l)), l), Operand(0.5, l));
}

// Cephes' coefficients, as numpy.lib.function_base lists them.
const std::vector<double> kI0A = {
    -4.41534164647933937950e-18, 3.33079451882223809783e-17,  -2.43127984654795469359e-16,
    1.71539128555513303061e-15,  -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12,  -1.72682629144155570723e-11,
    9.67580903537323691224e-11,  -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8,  6.04699502254191894932e-8,   -2.67079385394061173391e-7,
    1.11738753912010371815e-6,   -4.41673835845875056359e-6,  1.64484480707288970893e-5,
    -5.75419501008210370398e-5,  1.88502885095841655729e-4,   -5.76375574538582365885e-4,
    1.63947561694133579842e-3,   -4.32430999505057594430e-3,  1.05464603945949983183e-2,
    -2.37374148058994688156e-2,  4.93052842396707084878e-2,   -9.49010970480476444210e-2,
    1.71620901522208775349e-1,   -3.04682672343198398683e-1,  6.76795274409476084995e-1};
const std::vector<double> kI0B = {
    -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
    3.46122286769746109310e-17,  -2.82762398051658348494e-16, -3.42548561967721913462e-16,
    1.77256013305652638360e-15,  3.81168066935262242075e-15,  -9.55484669882830764870e-15,
    -4.15056934728722208663e-14, 1.54008621752140982691e-14,  3.85277838274214270114e-13,
    7.18012445138366623367e-13,  -1.79417853150680611778e-12, -1.32158118404477131188e-11,
    -3.14991652796324136454e-11, 1.18891471078464383424e-11,  4.94060238822496958910e-10,
    3.39623202570838634515e-9,   2.26666899049817806459e-8,   2.04891858946906374183e-7,
    2.89137052083475648297e-6,   6.88975834691682398426e-5,   3.36911647825569408990e-3,
    8.04490411014108831608e-1};

// numpy's windows of m points: empty for m < 1, [1] for m == 1, else f(n) for n = 1-m, 3-m,
// ..., m-1 (int64).
template <class F>
Array window(int64_t m, const std::source_location& l, F f) {
  if (m < 1) return zeros({0}, float64, l);
  if (m == 1) return ones({1}, float64, l);
  return f(arange(1 - m, m, 2, int64, l));
}

// numpy's cosine windows: a0 + a1 cos(pi n / (m-1)) [+ a2 cos(2 pi n / (m-1))], each product and
// quotient in numpy's order.
Array cosine_window(int64_t m, double a0, double a1, double a2, const std::source_location& l) {
  return window(m, l, [&](const Array& n) {
    const double span = static_cast<double>(m - 1);
    auto term = [&](double k, double a) {
      const Array angle = divide(Operand(multiply(k, Operand(n, l)), l), span);
      return multiply(a, Operand(cos(Operand(angle, l)), l));
    };
    Array r = add(a0, Operand(term(std::numbers::pi, a1), l));
    if (a2 != 0) r = add(Operand(r, l), Operand(term(2.0 * std::numbers::pi, a2), l));
    return r;
  });
}

// Element i of a 1-d array (a 0-d view).
Array element(const Array& a, int64_t i) {
  return a[{i}];
}

}  // namespace

Array fabs(const Operand& x) {
  return abs(Operand(as_float(x, "fabs"), x.loc()));
}

Array positive(const Operand& x) {
  const std::source_location& l = x.loc();
  if (dtype_of(x) == bool_)
    graph::throw_error("positive", "is not defined for bool (numpy has no bool loop)", to_loc(l));
  return astype(x, dtype_of(x));
}

Array fix(const Operand& x) {
  return trunc(Operand(as_float(x, "fix"), x.loc()));
}

Array sinc(const Operand& x) {
  const std::source_location& l = x.loc();
  const DType t = dtype_of(x);
  // numpy's where(x == 0, 1e-20, x) takes 1e-20 as a float64 array: the result is float64 (or
  // complex128) for every input.
  const Array xf = astype(x, is_complex(t) ? complex128 : float64);
  const Array y = multiply(
      Operand(std::numbers::pi, l),
      Operand(where(Operand(equal(Operand(xf, l), 0), l), Operand(1e-20, l), Operand(xf, l)), l));
  return divide(Operand(sin(Operand(y, l)), l), Operand(y, l));
}

Array float_power(const Operand& a, const Operand& b) {
  const std::source_location& l = a.loc();
  const DType t = promote_types(dtype_of(a), dtype_of(b));
  const DType wide = is_complex(t) ? complex128 : float64;
  return power(Operand(astype(a, wide), l), Operand(astype(b, wide), l));
}

Array isposinf(const Operand& x) {
  const std::source_location& l = x.loc();
  if (is_complex(dtype_of(x)))
    graph::throw_error("isposinf", "is not supported for complex values (it would be ambiguous)",
                       to_loc(l));
  return logical_and(Operand(isinf(x), l), Operand(logical_not(Operand(signbit(x), l)), l));
}

Array isneginf(const Operand& x) {
  const std::source_location& l = x.loc();
  if (is_complex(dtype_of(x)))
    graph::throw_error("isneginf", "is not supported for complex values (it would be ambiguous)",
                       to_loc(l));
  return logical_and(Operand(isinf(x), l), Operand(signbit(x), l));
}

Array iscomplex(const Operand& x) {
  const std::source_location& l = x.loc();
  return not_equal(Operand(imag(x), l), 0);
}

Array isreal(const Operand& x) {
  const std::source_location& l = x.loc();
  return equal(Operand(imag(x), l), 0);
}

bool iscomplexobj(const Operand& x) {
  return is_complex(dtype_of(x));
}

bool isrealobj(const Operand& x) {
  return !is_complex(dtype_of(x));
}

Array i0(const Operand& x_in) {
  const std::source_location& l = x_in.loc();
  if (is_complex(dtype_of(x_in)))
    graph::throw_error("i0", "is not supported for complex values", to_loc(l));
  // numpy: float input keeps its dtype, anything else becomes float64.
  const DType t = is_floating(dtype_of(x_in)) && x_in.is_array() ? dtype_of(x_in) : float64;
  const Array x = abs(Operand(astype(x_in, t), l));
  const Operand xo(x, l);
  // exp(x) chbevl(x/2 - 2, A) up to 8, exp(x) chbevl(32/x - 2, B) / sqrt(x) beyond.
  const Array near =
      multiply(Operand(exp(xo), l),
               Operand(chebyshev(subtract(Operand(divide(xo, 2.0), l), 2.0), kI0A, l), l));
  const Array far = divide(
      Operand(multiply(Operand(exp(xo), l),
                       Operand(chebyshev(subtract(Operand(divide(32.0, xo), l), 2.0), kI0B, l), l)),
              l),
      Operand(sqrt(xo), l));
  return where(Operand(less_equal(xo, 8.0), l), Operand(near, l), Operand(far, l));
}

Array bartlett(int64_t m, std::source_location l) {
  return window(m, l, [&](const Array& n) {
    const Array q = divide(Operand(n, l), static_cast<double>(m - 1));
    return where(Operand(less_equal(Operand(n, l), 0), l), Operand(add(1.0, Operand(q, l)), l),
                 Operand(subtract(1.0, Operand(q, l)), l));
  });
}

Array blackman(int64_t m, std::source_location l) {
  return cosine_window(m, 0.42, 0.5, 0.08, l);
}

Array hamming(int64_t m, std::source_location l) {
  return cosine_window(m, 0.54, 0.46, 0.0, l);
}

Array hanning(int64_t m, std::source_location l) {
  return cosine_window(m, 0.5, 0.5, 0.0, l);
}

Array kaiser(int64_t m, double beta, std::source_location l) {
  if (m < 1) return zeros({0}, float64, l);
  if (m == 1) return ones({1}, float64, l);
  // numpy's: n = arange(0, M); alpha = (M-1)/2;
  // i0(beta * sqrt(1 - ((n - alpha)/alpha)**2)) / i0(beta)
  const double alpha = static_cast<double>(m - 1) / 2.0;
  const Array n = arange(0, m, 1, int64, l);
  const Array u = divide(Operand(subtract(Operand(n, l), alpha), l), alpha);
  const Array r = sqrt(Operand(subtract(1.0, Operand(power(Operand(u, l), 2.0), l)), l));
  const Array top = i0(Operand(multiply(beta, Operand(r, l)), l));
  return divide(Operand(top, l), Operand(i0(Operand(full({}, beta, float64, l), l)), l));
}

Array logspace(double start, double stop, int64_t num, bool endpoint, double base, DType dtype,
               std::source_location l) {
  const Array y = linspace(start, stop, num, float64, endpoint, l);
  return astype(Operand(power(Operand(base, l), Operand(y, l)), l), dtype);
}

Array geomspace(double start, double stop, int64_t num, bool endpoint, DType dtype,
                std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (num < 0)
    graph::throw_error("geomspace",
                       "the number of samples, " + std::to_string(num) + ", must be non-negative",
                       loc);
  if (start == 0 || stop == 0)
    graph::throw_error("geomspace", "a geometric sequence cannot include zero", loc);
  // numpy's: both negative runs on the negated values; the endpoints are start and stop exactly.
  const double sign = start < 0 && stop < 0 ? -1.0 : 1.0;
  const double a = start * sign, b = stop * sign;
  Array r = logspace(std::log10(a), std::log10(b), num, endpoint, 10.0, float64, l);
  if (num > 0) {
    const Array position = arange(0, num, 1, int64, l);
    r = where(Operand(equal(Operand(position, l), 0), l), Operand(a, l), Operand(r, l));
    if (num > 1 && endpoint)
      r = where(Operand(equal(Operand(position, l), num - 1), l), Operand(b, l), Operand(r, l));
  }
  return astype(Operand(multiply(sign, Operand(r, l)), l), dtype);
}

Array identity(int64_t n, DType dtype, std::source_location l) {
  return eye(n, dtype, l);
}

namespace {

// numpy's interp of real values fp at real x (float64), xp of n >= 2 points. A complex fp's
// parts take numpy's complex loop: the slope as the difference times 1 / (xp[j+1] - xp[j]), and
// 0 at a nan x (the real part's nan alone).
Array interp_real(const Array& xd, const Array& xpd, const Array& fpd, const Operand& lo,
                  const Operand& hi, bool imaginary_part, const std::source_location& l,
                  bool complex_loop) {
  const int64_t n = xpd.size();
  auto op = [&](const Array& a) { return Operand(a, l); };
  // j with xp[j] <= x < xp[j+1]; slope * (x - xp[j]) + fp[j]; where that is nan, the same from
  // xp[j+1], and fp[j] where both are nan and fp[j] == fp[j+1]; fp[-1] at xp[-1].
  const Array j = clip(op(subtract(op(searchsorted(xpd, xd, Side::right, l)), 1)), 0, n - 2);
  const Array j1 = add(op(j), 1);
  const Array x0 = take(xpd, j, 0, l), x1 = take(xpd, j1, 0, l);
  const Array f0 = take(fpd, j, 0, l), f1 = take(fpd, j1, 0, l);
  const Array dx = subtract(op(x1), op(x0));
  const Array slope = complex_loop ? multiply(op(subtract(op(f1), op(f0))), op(divide(1.0, op(dx))))
                                   : divide(op(subtract(op(f1), op(f0))), op(dx));
  Array r = add(op(multiply(op(slope), op(subtract(op(xd), op(x0))))), op(f0));
  const Array from_right = add(op(multiply(op(slope), op(subtract(op(xd), op(x1))))), op(f1));
  r = where(op(isnan(op(r))), op(from_right), op(r));
  r = where(op(logical_and(op(isnan(op(r))), op(equal(op(f0), op(f1))))), op(f0), op(r));
  r = where(op(equal(op(xd), op(x0))), op(f0), op(r));  // numpy's: no inf * 0 at a sample point
  const Array last_x = element(xpd, n - 1), first_x = element(xpd, 0);
  r = where(op(equal(op(xd), op(last_x))), op(element(fpd, n - 1)), op(r));
  r = where(op(greater(op(xd), op(last_x))), hi, op(r));
  r = where(op(less(op(xd), op(first_x))), lo, op(r));
  return where(op(isnan(op(xd))), imaginary_part ? Operand(0.0, l) : op(xd), op(r));
}

}  // namespace

Array interp(const Operand& x, const Array& xp, const Array& fp, std::optional<double> left,
             std::optional<double> right) {
  const std::source_location& l = x.loc();
  const SourceLoc loc = to_loc(l);
  detail::node_of(xp, "interp", loc);
  detail::node_of(fp, "interp", loc);
  if (xp.ndim() != 1 || fp.ndim() != 1)
    graph::throw_error("interp", "xp and fp must be 1-d sequences", loc);
  if (xp.size() != fp.size())
    graph::throw_error("interp",
                       "fp and xp are not of the same length (" + std::to_string(fp.size()) +
                           " and " + std::to_string(xp.size()) + ")",
                       loc);
  if (xp.size() == 0) graph::throw_error("interp", "the array of sample points is empty", loc);
  if (is_complex(dtype_of(x)) || is_complex(xp.dtype()))
    graph::throw_error("interp", "x and xp must be real (fp may be complex)", loc);
  const Array xd = astype(x, float64), xpd = xp.astype(float64, l);
  auto one = [&](const Array& f, std::optional<double> lo, std::optional<double> hi, bool im,
                 bool complex_loop) {
    const int64_t n = xp.size();
    // (An Operand points at its Array: the ends are kept here for as long as it is used.)
    const Array first = element(f, 0), last = element(f, n - 1);
    const Operand lo_op = lo ? Operand(*lo, l) : Operand(first, l);
    const Operand hi_op = hi ? Operand(*hi, l) : Operand(last, l);
    if (n > 1) return interp_real(xd, xpd, f, lo_op, hi_op, im, l, complex_loop);
    // One point: fp[0] at it, left below and right above (x nan included: fp[0], as numpy).
    const Array x0 = element(xpd, 0);
    const Array mid = where(Operand(greater(Operand(xd, l), Operand(x0, l)), l), hi_op,
                            Operand(element(f, 0), l));
    return where(Operand(less(Operand(xd, l), Operand(x0, l)), l), lo_op, Operand(mid, l));
  };
  if (!is_complex(fp.dtype())) return one(fp.astype(float64, l), left, right, false, false);
  // numpy interpolates a complex fp's parts one after the other (left and right apply to the
  // real part; the imaginary part takes 0 there).
  const Array re = one(real(Operand(fp, l)).astype(float64, l), left, right, false, true);
  const Array im =
      one(imag(Operand(fp, l)).astype(float64, l), left ? std::optional<double>(0.0) : std::nullopt,
          right ? std::optional<double>(0.0) : std::nullopt, true, true);
  return complex(Operand(re, l), Operand(im, l));
}

std::pair<Array, Array> modf(const Operand& x) {
  const std::source_location& l = x.loc();
  const Array xf = as_float(x, "modf");
  const Operand xo(xf, l);
  // C's modf: the integral part trunc(x); the fractional part x - trunc(x) with x's sign
  // (-0.0 for negative integers) and +-0 for infinities.
  const Array whole = trunc(xo);
  const Array part =
      where(Operand(isinf(xo), l), Operand(0.0, l), Operand(subtract(xo, Operand(whole, l)), l));
  return {copysign(Operand(part, l), xo), whole};
}

std::pair<Array, Array> divmod(const Operand& a, const Operand& b) {
  return {floor_divide(a, b), remainder(a, b)};
}

Array ldexp(const Operand& x, const Operand& e) {
  const std::source_location& l = x.loc();
  const DType et = dtype_of(e);
  if ((!is_integer(et) && et != bool_) || et == uint64)  // numpy: only what casts to int64
    graph::throw_error(
        "ldexp",
        "the exponent must be an integer that int64 holds, not " + std::string(dtype_name(et)),
        to_loc(l));
  const DType xt = dtype_of(x);
  const Array xf = is_floating(xt) && x.is_array() ? astype(x, xt) : as_float(x, "ldexp");
  // x * 2^e in two exact halves, so that 2^e may overflow or underflow where the result does not.
  const Array ei = astype(e, int64);
  const Array h1 = floor_divide(Operand(ei, l), 2);
  const Array h2 = subtract(Operand(ei, l), Operand(h1, l));
  const DType t = xf.dtype();
  const Array p1 = exp2(Operand(h1.astype(t == float16 ? float32 : t, l), l)).astype(t, l);
  const Array p2 = exp2(Operand(h2.astype(t == float16 ? float32 : t, l), l)).astype(t, l);
  return multiply(Operand(multiply(Operand(xf, l), Operand(p1, l)), l), Operand(p2, l));
}

}  // namespace kiln
