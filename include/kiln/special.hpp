// Numerically stable functions of the kind numpy and scipy.special users call directly. They
// build the stable formulas out of ordinary lazy ops (so they fuse, run on every device and are
// differentiable), and they are what the optimizer's accuracy rules rewrite the naive formulas
// into (README "Optimizer").
#pragma once

#include <optional>
#include <source_location>
#include <utility>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// log(exp(a) + exp(b)) without overflow or underflow (numpy's logaddexp).
Array logaddexp(const Operand& a, const Operand& b);
/// log2(2**a + 2**b) without overflow or underflow (numpy's logaddexp2).
Array logaddexp2(const Operand& a, const Operand& b);
/// Degrees to radians, x * (pi / 180), in numpy's float type for x (deg2rad and its alias
/// radians; real x).
Array deg2rad(const Operand& x);
/// numpy's radians: deg2rad.
Array radians(const Operand& x);
/// Radians to degrees, x * (180 / pi) (rad2deg and its alias degrees; real x).
Array rad2deg(const Operand& x);
/// numpy's degrees: rad2deg.
Array degrees(const Operand& x);
/// numpy's fmax: the larger of a and b, the other one when one is nan (C's fmax: a when a >= b).
Array fmax(const Operand& a, const Operand& b);
/// numpy's fmin: the smaller of a and b, the other one when one is nan.
Array fmin(const Operand& a, const Operand& b);
/// numpy's heaviside: 0 where x < 0, h0 where x == 0, 1 where x > 0, nan where x is nan.
Array heaviside(const Operand& x, const Operand& h0);
/// The logistic sigmoid 1 / (1 + exp(-x)), finite and accurate for every x
/// (scipy.special.expit).
Array expit(const Operand& x);
/// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
Array softplus(const Operand& x);
/// x * log(y), and 0 where x is 0 and y is not nan (scipy.special.xlogy).
Array xlogy(const Operand& x, const Operand& y);

/// exp(a) / sum(exp(a)) over every element, shifted by the maximum so that no exp overflows
/// (scipy.special.softmax with axis=None). Integers give float64.
Array softmax(const Array& a, std::source_location loc = std::source_location::current());
/// softmax over one axis (negative counts from the end).
Array softmax(const Array& a, int axis, std::source_location loc = std::source_location::current());
/// softmax over several axes.
Array softmax(const Array& a, const std::vector<int>& axes,
              std::source_location loc = std::source_location::current());

/// log(softmax(a)) computed as a - logsumexp(a): finite where softmax underflows to 0.
Array log_softmax(const Array& a, std::source_location loc = std::source_location::current());
/// log_softmax over one axis.
Array log_softmax(const Array& a, int axis,
                  std::source_location loc = std::source_location::current());
/// log_softmax over several axes.
Array log_softmax(const Array& a, const std::vector<int>& axes,
                  std::source_location loc = std::source_location::current());

// ---- numpy's small functions (src/api/special_functions.cpp: compositions of kiln's ops) ----

/// |x| in numpy's float type for x (fabs; integers become floats, complex is refused).
Array fabs(const Operand& x);
/// A copy of x (+x; bool is refused, as numpy has no bool loop).
Array positive(const Operand& x);
/// x rounded toward zero, in numpy's float type for x (numpy's fix).
Array fix(const Operand& x);
/// sin(pi x) / (pi x), 1 at 0 (numpy's normalized sinc, computed as numpy does, in float64 or
/// complex128 whatever the input).
Array sinc(const Operand& x);
/// a ** b in float64 (complex128 for complex operands), whatever their dtypes.
Array float_power(const Operand& a, const Operand& b);
/// True where x is +inf (complex is refused, as numpy refuses it).
Array isposinf(const Operand& x);
/// True where x is -inf.
Array isneginf(const Operand& x);
/// True where x's imaginary part is nonzero (false everywhere for real x).
Array iscomplex(const Operand& x);
/// True where x's imaginary part is zero.
Array isreal(const Operand& x);
/// Whether x's dtype is complex (numpy's iscomplexobj; no computation).
bool iscomplexobj(const Operand& x);
/// Whether x's dtype is not complex.
bool isrealobj(const Operand& x);
/// numpy's modf: the fractional and integral parts of x (C's modf: the fractional part with x's
/// sign, +-0 for infinities), in numpy's float type for x.
std::pair<Array, Array> modf(const Operand& x);
/// numpy's divmod: floor_divide(a, b) and remainder(a, b).
std::pair<Array, Array> divmod(const Operand& a, const Operand& b);
/// numpy's ldexp: x * 2^e for an integer exponent e, exact (in two halves where 2^e alone would
/// overflow or underflow), in numpy's float type for x.
Array ldexp(const Operand& x, const Operand& e);
/// The modified Bessel function of the first kind, order 0, by numpy's Chebyshev series
/// (Cephes'); floats keep their dtype, other input becomes float64, complex is refused.
Array i0(const Operand& x);
/// numpy's Bartlett (triangular) window of m points (float64; empty for m < 1).
Array bartlett(int64_t m, std::source_location loc = std::source_location::current());
/// numpy's Blackman window of m points.
Array blackman(int64_t m, std::source_location loc = std::source_location::current());
/// numpy's Hamming window of m points.
Array hamming(int64_t m, std::source_location loc = std::source_location::current());
/// numpy's Hann window of m points (numpy's hanning).
Array hanning(int64_t m, std::source_location loc = std::source_location::current());
/// numpy's Kaiser window of m points with shape parameter beta.
Array kaiser(int64_t m, double beta, std::source_location loc = std::source_location::current());
/// numpy's interp: the piecewise-linear interpolant through (xp, fp) at x (xp increasing, not
/// checked, as numpy does not); `left` and `right` below xp[0] and above xp[-1] (fp's ends by
/// default). float64, or complex128 for complex fp. numpy's `period` is not provided.
Array interp(const Operand& x, const Array& xp, const Array& fp,
             std::optional<double> left = std::nullopt, std::optional<double> right = std::nullopt);

namespace special {

/// log(sum(exp(a))) over every element, shifted by the maximum: finite for inputs of 1000,
/// -inf for no elements or all -inf (scipy.special.logsumexp).
Array logsumexp(const Array& a, std::source_location loc = std::source_location::current());
/// logsumexp over one axis, keeping it as extent 1 with `keepdims`.
Array logsumexp(const Array& a, int axis, bool keepdims = false,
                std::source_location loc = std::source_location::current());
/// logsumexp over several axes.
Array logsumexp(const Array& a, const std::vector<int>& axes, bool keepdims = false,
                std::source_location loc = std::source_location::current());

}  // namespace special

// ---- src/api/numeric_functions.cpp --------------------------------------------------------------

/// numpy's gcd: the greatest common divisor of |a| and |b| (integers; 0 for gcd(0, 0)), by
/// Euclid's steps unrolled in the kernel.
Array gcd(const Operand& a, const Operand& b);
/// numpy's lcm: |a / gcd(a, b) * b| (0 where either is 0).
Array lcm(const Operand& a, const Operand& b);
/// numpy's frexp: mantissas m (|m| in [0.5, 1), x's float type) and int32 exponents e with
/// x = m * 2^e; zeros, infinities and nans give themselves and exponent 0.
std::pair<Array, Array> frexp(const Operand& x);
/// numpy's nextafter: the next value of the float type after x1 toward x2.
Array nextafter(const Operand& x1, const Operand& x2);
/// numpy's spacing: the distance from x to the next value away from zero (with x's sign; nan
/// for infinities).
Array spacing(const Operand& x);
/// numpy's real_if_close: the real part of a complex array whose imaginary parts are all below
/// tol (times the dtype's epsilon when tol > 1), else the array. A sync for complex input (the
/// dtype depends on the values).
Array real_if_close(const Array& a, double tol = 100,
                    std::source_location loc = std::source_location::current());
/// numpy's packbits: the elements (nonzero as 1) packed 8 to a uint8 along `axis` (flattened
/// when nullopt), zero-padded, bitorder "big" or "little".
Array packbits(const Array& a, std::optional<int> axis = std::nullopt,
               std::string_view bitorder = "big",
               std::source_location loc = std::source_location::current());
/// numpy's unpackbits: the bits of a uint8 array along `axis` (flattened when nullopt), the
/// first `count` of them (negative: all but the last -count; more than there are: zeros).
Array unpackbits(const Array& a, std::optional<int> axis = std::nullopt,
                 std::optional<int64_t> count = std::nullopt, std::string_view bitorder = "big",
                 std::source_location loc = std::source_location::current());

}  // namespace kiln
