// numpy's complex sqrt, logarithms, exp2, expm1, power, and trigonometric and hyperbolic
// functions with their inverses, as real ops on the parts. The formulas are those of numpy's
// loops (its npymath, which calls glibc's C99 functions): the same branch cuts, with the sign of
// a zero part choosing the side (asin(2+0j) and asin(2-0j) differ), the special values of
// C99's Annex G for infinite and nan parts, and the algebraic forms that keep the result
// accurate (the inverse functions evaluate in the right half-plane, where nothing cancels, and
// use their symmetry for the left). Being ordinary ops, they are lazy, fuse with their
// neighbours, run on every device, and are differentiable through the parts.
#include "api/complex_math.hpp"

#include <cmath>
#include <numbers>
#include <optional>

#include "api/apply.hpp"
#include "api/formula.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"

namespace kiln::detail {

using graph::Op;

namespace {

using P = Formula;

// `v` in x's dtype and shape.
P like(const P& x, double v) {
  return {full_like(x.a, v, x.l), x.l};
}
// x's sign bit is set (-0 included; a nan's sign is not seen, and no formula here needs it).
P sign_bit(const P& x) {
  return x < 0.0 || (x == 0.0 && 1.0 / x < 0.0);
}
// |m| with y's sign.
P copy_sign(const P& m, const P& y) {
  return where(sign_bit(y), -abs(m), abs(m));
}

// A complex value as its parts.
struct Z {
  P re, im;
};

Z parts_of(const Array& z, const std::source_location& l) {
  return {{real(Operand(z, l)), l}, {imag(Operand(z, l)), l}};
}
Array complex_of(const Z& z) {
  return complex(Operand(z.re.a, z.re.l), Operand(z.im.a, z.re.l));
}
// i z and -i z, with exact signs (as glibc rotates: no 0 * part term adds a zero of its own).
Z times_i(const Z& z) {
  return {-z.im, z.re};
}
Z times_minus_i(const Z& z) {
  return {z.im, -z.re};
}

// The principal square root (glibc's csqrt): the root of the larger part's magnitude first, so
// nothing cancels; halved arguments to hypot so that nothing overflows.
Z csqrt(const Z& z) {
  const P& x = z.re;
  const P& y = z.im;
  const P t = sqrt(0.5 * abs(x) + hypot(0.5 * x, 0.5 * y));
  const P right = x >= 0.0;
  P re = where(right, t, abs(y) / (2.0 * t));
  P im = where(right, y / (2.0 * t), copy_sign(t, y));
  const P zero = x == 0.0 && y == 0.0;  // +0 with the zero imaginary part's sign
  re = where(zero, 0.0, re);
  im = where(zero, y, im);
  const P inf_y = isinf(y);  // +inf + i y, whatever x is (nan included)
  return {where(inf_y, abs(y), re), where(inf_y, y, im)};
}

// The limits of a part dtype that the formulas below switch at.
struct Limits {
  double huge;  // past this magnitude z^2 overflows (2^(mantissa bits + 1) is far below that,
                // and far above where log(2z) stops being exact)
};
Limits limits_of(DType part) {
  return part == float32 ? Limits{1e18} : Limits{1e150};
}

// log|z| + i arg z; near |z| = 1, log1p of |z|^2 - 1 formed from the larger part as
// (a - 1)(a + 1) + b^2, so that a result near 0 keeps its relative accuracy.
Z clog(const Z& z) {
  const P h = hypot(z.re, z.im);
  const P a = where(abs(z.re) >= abs(z.im), abs(z.re), abs(z.im));
  const P b = where(abs(z.re) >= abs(z.im), abs(z.im), abs(z.re));
  const P near_one = h > 0.5 && h < 2.0;
  const P re = where(near_one, 0.5 * log1p((a - 1.0) * (a + 1.0) + b * b), log(h));
  return {re, atan2(z.im, z.re)};
}

Z csinh(const Z& z) {
  const P& x = z.re;
  const P& y = z.im;
  P re = sinh(x) * cos(y);
  P im = cosh(x) * sin(y);
  // Annex G: sinh(+-0 + i inf) = +-0 + i nan, sinh(+-inf + i inf) = +-inf + i nan,
  // sinh(x + i0) = sinh(x) + i0 for every x (inf and nan too).
  re = where(!isfinite(y) && (x == 0.0 || isinf(x)), x, re);
  im = where(y == 0.0, y, im);
  return {re, im};
}

Z ccosh(const Z& z) {
  const P& x = z.re;
  const P& y = z.im;
  P re = cosh(x) * cos(y);
  P im = sinh(x) * sin(y);
  // Annex G: cosh(+-inf + i inf) = +inf + i nan, cosh(0 + i inf) = nan + i0,
  // cosh(x + i0) = cosh(x) + i0 for every x.
  re = where(isinf(x) && !isfinite(y), abs(x), re);
  im = where(x == 0.0 && !isfinite(y), 0.0, im);
  im = where(y == 0.0, y, im);
  return {re, im};
}

// glibc's ctanh: (sinh 2x + i sin 2y) / (cosh 2x + cos 2y) written with sinh and cosh of x (no
// cancellation), and past |x| = 20, where tanh(x) is 1 in every precision, its limit.
Z ctanh(const Z& z) {
  const P& x = z.re;
  const P& y = z.im;
  const P sy = sin(y), cy = cos(y), sh = sinh(x), ch = cosh(x);
  const P den = sh * sh + cy * cy;
  const P big = abs(x) > 20.0;
  P re = where(big, copy_sign(like(x, 1.0), x), sh * ch / den);
  P im = where(big, 4.0 * sy * cy * exp(-2.0 * abs(x)), sy * cy / den);
  // Annex G: tanh(+-inf + i y) = +-1 + i0 (y infinite or nan too), tanh(x + i inf) = nan + i nan
  // for finite x but +-0, whose real part stays, tanh(x + i0) = tanh(x) + i0 (x nan too).
  re = where(!isfinite(y) && isfinite(x), like(x, NAN), re);
  im = where(isinf(x), 0.0, im);
  im = where(y == 0.0, y, im);
  re = where(x == 0.0, x, re);
  return {re, im};
}

// The real asinh of v >= 0 (kiln has no real op for it): log1p(v + v^2 / (1 + sqrt(1 + v^2))),
// exact in relative terms for small v; log(2v) where v^2 would overflow.
P real_asinh(const P& v, const Limits& lim) {
  const P near = log1p(v + v * v / (1.0 + sqrt(1.0 + v * v)));
  return where(v > lim.huge, log(v) + std::numbers::ln2, near);
}

// asinh(z) in the right half-plane (asinh is odd: the left half is -asinh(-z)), where nothing
// cancels: log(z + sqrt(z^2 + 1)) with z^2 + 1 formed as (1 - y)(1 + y) + x^2 (exact near +-i);
// below |z| = 1/2, log1p(z + z^2 / (1 + sqrt(z^2 + 1))), which keeps small results' relative
// accuracy; beyond `huge`, log(2z) (z^2 would overflow).
Z casinh(const Z& z, const Limits& lim) {
  const P left = sign_bit(z.re);
  const P x = abs(z.re);
  const P y = where(left, -z.im, z.im);
  const Z u{(1.0 - y) * (1.0 + y) + x * x, 2.0 * x * y};
  const Z root = csqrt(u);
  const Z near = clog({x + root.re, y + root.im});
  // z + z^2 / (1 + root), then log1p of it (numpy's complex log1p, with |1 + t|^2 - 1 formed as
  // t_re (2 + t_re) + t_im^2).
  const P dr = 1.0 + root.re, di = root.im, den = dr * dr + di * di;
  const P sq_re = (x - y) * (x + y), sq_im = 2.0 * x * y;
  const P t_re = x + (sq_re * dr + sq_im * di) / den, t_im = y + (sq_im * dr - sq_re * di) / den;
  const Z small{0.5 * log1p(t_re * (2.0 + t_re) + t_im * t_im), atan2(t_im, 1.0 + t_re)};
  const P size = hypot(x, y);
  const P is_small = size < 0.5;
  P re = where(is_small, small.re, near.re);
  P im = where(is_small, small.im, near.im);
  const P far = size > lim.huge;
  re = where(far, log(size) + std::numbers::ln2, re);
  im = where(far, atan2(y, x), im);
  im = where(y == 0.0, y, im);  // asinh(x + i0) = asinh(x) + i0 (x nan too)
  return {where(left, -re, re), where(left, -im, im)};
}

// Kahan's acos ("Branch cuts for complex elementary functions"): 2 atan2(Re sqrt(1 - z),
// Re sqrt(1 + z)) - i asinh(Im(conj(sqrt(1 + z)) sqrt(1 - z))): accurate near +-1, where
// pi/2 - asin(z) would cancel, and on both sides of the cuts (1 - z and 1 + z keep z's zero
// signs). Infinite and nan parts take pi/2 - asin(z), as glibc.
Z cacos(const Z& z, const Limits& lim) {
  const Z s = times_minus_i(casinh(times_i(z), lim));
  const Z special{std::numbers::pi / 2 - s.re, -s.im};
  const Z a = csqrt({1.0 - z.re, -z.im}), b = csqrt({1.0 + z.re, z.im});
  const P re = 2.0 * atan2(a.re, b.re);
  const P v = b.re * a.im - b.im * a.re;  // Im(conj(b) a)
  const P im = real_asinh(abs(v), lim);
  const P finite = isfinite(z.re) && isfinite(z.im);
  return {where(finite, re, special.re), where(finite, where(sign_bit(v), -im, im), special.im)};
}

// atanh(z) = (log1p(z) - log1p(-z)) / 2 as glibc forms it, in the right half-plane (odd); where
// (1 - x)^2 + y^2 underflows, the real part as the difference of log|1 + z| and log|1 - z|.
Z catanh(const Z& z) {
  const P left = sign_bit(z.re);
  const P x = abs(z.re);
  const P y = where(left, -z.im, z.im);
  const P one_minus = 1.0 - x;
  const P den = one_minus * one_minus + y * y;
  P re = where(den < 1e-30, 0.5 * (log(hypot(1.0 + x, y)) - log(hypot(one_minus, y))),
               0.25 * log1p(4.0 * x / den));
  P im = 0.5 * atan2(2.0 * y, one_minus * (1.0 + x) - y * y);
  // Annex G: atanh(+0 + i nan) = +0 + i nan; an infinite part gives +0 + i pi/2 with y's sign
  // (i nan for +inf + i nan).
  re = where(x == 0.0, x, re);
  const P infinite = isinf(x) || isinf(y);
  re = where(infinite, 0.0, re);
  im = where(infinite, where(isnan(y), y, copy_sign(like(y, std::numbers::pi / 2), y)), im);
  return {where(left, -re, re), where(left, -im, im)};
}

Z unary(Op op, const Z& z, DType part) {
  const Limits lim = limits_of(part);
  switch (op) {
    case Op::Sqrt:
      return csqrt(z);
    case Op::Log:
      return clog(z);
    case Op::Log2:
    case Op::Log10: {  // numpy scales log(z)'s parts
      const double k = op == Op::Log2 ? std::numbers::log2e : std::numbers::log10e;
      const Z w = clog(z);
      return {w.re * k, w.im * k};
    }
    case Op::Log1p: {  // numpy's: log of |1 + z| and the angle of 1 + z
      const P re1 = z.re + 1.0;
      return {log(hypot(re1, z.im)), atan2(z.im, re1)};
    }
    case Op::Expm1: {  // numpy's: expm1(x) cos(y) - 2 sin^2(y/2) + i e^x sin(y)
      const P h = sin(z.im / 2.0);
      return {expm1(z.re) * cos(z.im) - 2.0 * h * h, exp(z.re) * sin(z.im)};
    }
    case Op::Sinh:
      return csinh(z);
    case Op::Cosh:
      return ccosh(z);
    case Op::Tanh:
      return ctanh(z);
    case Op::Sin:  // sin z = -i sinh(iz)
      return times_minus_i(csinh(times_i(z)));
    case Op::Cos:  // cos z = cosh(iz)
      return ccosh(times_i(z));
    case Op::Tan:  // tan z = -i tanh(iz)
      return times_minus_i(ctanh(times_i(z)));
    case Op::Arcsin:  // asin z = -i asinh(iz)
      return times_minus_i(casinh(times_i(z), lim));
    case Op::Arccos:
      return cacos(z, lim);
    case Op::Arctan:  // atan z = -i atanh(iz)
      return times_minus_i(catanh(times_i(z)));
    case Op::Arcsinh:
      return casinh(z, lim);
    case Op::Arccosh: {  // +-i acos(z): the real part >= 0, the imaginary part z's side
      const Z a = cacos(z, lim);
      return {abs(a.im), copy_sign(a.re, z.im)};
    }
    case Op::Arctanh:
      return catanh(z);
    default:
      break;
  }
  graph::internal_error(__FILE__, __LINE__, "a complex function without a formula");
}

// numpy's complex power: z^0 = 1, 0^w = 0 for real w > 0 and nan otherwise, integer exponents
// below 100 in magnitude by repeated squaring (exact for small powers, as numpy's loop), and
// exp(w log z) for the rest.
Array cpow(const Array& z, const Operand& w_in, DType t, const std::source_location& l) {
  const Array w = astype(w_in, t);
  const Z a = parts_of(z, l), b = parts_of(w, l);
  auto mul = [&](const Array& x, const Array& y) { return multiply(Operand(x, l), Operand(y, l)); };
  const Array one = full_like(z, 1.0, l);
  // The powers |n| = 1..99 by binary exponentiation, as numpy's loop multiplies them.
  const P n_real = b.re;
  const P integral = b.im == 0.0 && abs(n_real) < 100.0 && n_real == floor(n_real);
  const P n = where(integral, abs(n_real), like(n_real, 0.0));
  Array acc = one, p = z;
  P rest = n;
  for (int bit = 0; bit < 7; ++bit) {
    const P half = floor(rest / 2.0);
    const P odd = rest - 2.0 * half > 0.5;
    acc = where(Operand(odd.a, l), Operand(mul(acc, p), l), Operand(acc, l));
    if (bit < 6) p = mul(p, p);
    rest = half;
  }
  const Array reciprocal_acc = divide(Operand(one, l), Operand(acc, l));
  Array by_squaring =
      where(Operand((n_real < 0.0).a, l), Operand(reciprocal_acc, l), Operand(acc, l));
  // numpy unrolls 1, 2 and 3 (no multiplication by 1 + 0i: infinities stay as they are).
  const Array square = mul(z, z);
  by_squaring =
      where(Operand((n_real == 3.0).a, l), Operand(mul(z, square), l), Operand(by_squaring, l));
  by_squaring = where(Operand((n_real == 2.0).a, l), Operand(square, l), Operand(by_squaring, l));
  by_squaring = where(Operand((n_real == 1.0).a, l), Operand(z, l), Operand(by_squaring, l));
  // exp(w log z) multiplies log z's rounding error by |w log z|: complex64 takes it in double.
  const Array z2 = astype(Operand(z, l), complex128), w2 = astype(Operand(w, l), complex128);
  const Array general =
      astype(Operand(kiln::exp(Operand(mul(w2, complex_of(clog(parts_of(z2, l)))), l)), l), t);
  Array r = where(Operand(integral.a, l), Operand(by_squaring, l), Operand(general, l));
  const P zero_base = a.re == 0.0 && a.im == 0.0;
  const Array nan_c = complex_of({like(a.re, NAN), like(a.re, NAN)});
  const Array zero_c = full_like(z, 0.0, l);
  const P positive_real = b.re > 0.0 && b.im == 0.0;
  r = where(Operand(zero_base.a, l),
            Operand(where(Operand(positive_real.a, l), Operand(zero_c, l), Operand(nan_c, l)), l),
            Operand(r, l));
  const P zero_exponent = b.re == 0.0 && b.im == 0.0;
  return where(Operand(zero_exponent.a, l), Operand(one, l), Operand(r, l));
}

}  // namespace

bool composed_for_complex(Op op) noexcept {
  return graph::has_flag(op, graph::kComplexParts);
}

Array complex_math(Op op, std::initializer_list<const Operand*> operands, DType t,
                   const std::source_location& l) {
  const Operand& first = **operands.begin();
  const Array z = astype(first, t);
  if (op == Op::Power) return cpow(z, **(operands.begin() + 1), t, l);
  if (op == Op::Exp2) {  // numpy's: exp(z ln 2)
    const Z a = parts_of(z, l);
    return kiln::exp(Operand(complex_of({a.re * std::numbers::ln2, a.im * std::numbers::ln2}), l));
  }
  const DType part = t == complex64 ? float32 : float64;
  return complex_of(unary(op, parts_of(z, l), part));
}

}  // namespace kiln::detail
