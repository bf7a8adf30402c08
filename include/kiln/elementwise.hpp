// Elementwise operations: numpy's names and semantics, broadcasting, and NEP 50 type promotion.
// Every parameter is an Operand, so arrays and C++ scalars mix freely on either side:
// `maximum(x, 0.f)`, `where(c, a, 1.0)`, `2.0 * x`. All of them are lazy.
#pragma once

#include <source_location>

#include "kiln/array.hpp"

namespace kiln {

// ---- Arithmetic -------------------------------------------------------------------------------

/// a + b (on bools: logical or, as numpy).
Array add(const Operand& a, const Operand& b);
/// a - b (not defined for two bools, as in numpy).
Array subtract(const Operand& a, const Operand& b);
/// a * b (on bools: logical and).
Array multiply(const Operand& a, const Operand& b);
/// True division: integers give float64.
Array divide(const Operand& a, const Operand& b);
/// Floor division; integer division by zero gives 0, as in numpy.
Array floor_divide(const Operand& a, const Operand& b);
/// Remainder with the sign of the divisor (numpy `remainder`, Python `%`).
Array remainder(const Operand& a, const Operand& b);
/// C's fmod (numpy's fmod): the remainder with the sign of the dividend a; integer division by
/// zero gives 0, as in numpy.
Array fmod(const Operand& a, const Operand& b);
/// a ** b. Integers to negative integer powers are an error (at the sync for arrays).
Array power(const Operand& a, const Operand& b);
/// Elementwise maximum; a nan on either side gives nan.
Array maximum(const Operand& a, const Operand& b);
/// Elementwise minimum; a nan on either side gives nan.
Array minimum(const Operand& a, const Operand& b);
/// Angle of the point (b, a), quadrant-aware.
Array arctan2(const Operand& a, const Operand& b);
/// sqrt(a*a + b*b) without undue overflow.
Array hypot(const Operand& a, const Operand& b);
/// |a| with the sign of b (C's copysign, numpy's: the sign bit of b, -0 and -nan included), in
/// numpy's float type of the two; complex is refused.
Array copysign(const Operand& a, const Operand& b);

/// -a (not defined for bools).
Array negative(const Operand& a);
/// |a|.
Array abs(const Operand& a);
/// -1, 0 or 1 by sign (nan stays nan).
Array sign(const Operand& a);
/// a * a.
Array square(const Operand& a);
/// 1 / a (integer reciprocal as numpy computes it).
Array reciprocal(const Operand& a);

// ---- Complex numbers (complex64, complex128) ------------------------------------------------

/// The real part: float32 for complex64, float64 for complex128; a real array itself.
Array real(const Operand& a);
/// The imaginary part: float32 for complex64, float64 for complex128; zeros of a real array's
/// dtype.
Array imag(const Operand& a);
/// The complex conjugate (a real array's values; bool computes in int32, as numpy's int8).
Array conj(const Operand& a);
/// The argument arctan2(imag, real), in radians: float32 for complex64, float64 for complex128
/// and integers.
Array angle(const Operand& a);
/// The complex number re + im*i (numpy's `re + 1j*im`): complex64 from float32 parts, complex128
/// from float64, integer or bool parts.
Array complex(const Operand& re, const Operand& im);

// ---- Floating-point functions (integers give float64) -------------------------------------

/// Square root.
Array sqrt(const Operand& a);
/// e**a.
Array exp(const Operand& a);
/// 2**a.
Array exp2(const Operand& a);
/// e**a - 1, accurate near 0.
Array expm1(const Operand& a);
/// Natural logarithm.
Array log(const Operand& a);
/// Base-2 logarithm.
Array log2(const Operand& a);
/// Base-10 logarithm.
Array log10(const Operand& a);
/// log(1 + a), accurate near 0.
Array log1p(const Operand& a);
/// Sine.
Array sin(const Operand& a);
/// Cosine.
Array cos(const Operand& a);
/// Tangent.
Array tan(const Operand& a);
/// Inverse sine.
Array arcsin(const Operand& a);
/// Inverse cosine.
Array arccos(const Operand& a);
/// Inverse tangent.
Array arctan(const Operand& a);
/// Hyperbolic sine.
Array sinh(const Operand& a);
/// Hyperbolic cosine.
Array cosh(const Operand& a);
/// Hyperbolic tangent.
Array tanh(const Operand& a);
/// Inverse hyperbolic sine (complex: numpy's branch cuts, as arcsin's).
Array arcsinh(const Operand& a);
/// Inverse hyperbolic cosine (nan below 1 for real input).
Array arccosh(const Operand& a);
/// Inverse hyperbolic tangent (+-inf at +-1, nan beyond for real input).
Array arctanh(const Operand& a);
/// Cube root, real for negative input (numpy's cbrt; complex is refused, as numpy's).
Array cbrt(const Operand& a);
/// Error function.
Array erf(const Operand& a);
/// Complementary error function 1 - erf(a).
Array erfc(const Operand& a);
/// Largest integer not above a.
Array floor(const Operand& a);
/// Smallest integer not below a.
Array ceil(const Operand& a);
/// Nearest integer, ties to even.
Array rint(const Operand& a);
/// Integer part (toward zero).
Array trunc(const Operand& a);

// ---- Predicates and logic (give bool) -------------------------------------------------------

/// True where a is nan.
Array isnan(const Operand& a);
/// True where a is +inf or -inf.
Array isinf(const Operand& a);
/// True where a is neither nan nor infinite.
Array isfinite(const Operand& a);
/// True where a's sign bit is set (-0.0 and -nan too); integers: a < 0; complex is refused.
Array signbit(const Operand& a);
/// Truth of a and b (nonzero is true).
Array logical_and(const Operand& a, const Operand& b);
/// Truth of a or b.
Array logical_or(const Operand& a, const Operand& b);
/// Truth of a xor b.
Array logical_xor(const Operand& a, const Operand& b);
/// Truth of not a.
Array logical_not(const Operand& a);

/// a == b.
Array equal(const Operand& a, const Operand& b);
/// a != b.
Array not_equal(const Operand& a, const Operand& b);
/// a < b.
Array less(const Operand& a, const Operand& b);
/// a <= b.
Array less_equal(const Operand& a, const Operand& b);
/// a > b.
Array greater(const Operand& a, const Operand& b);
/// a >= b.
Array greater_equal(const Operand& a, const Operand& b);

// ---- Bitwise (bool and integers) ----------------------------------------------------------

/// a & b.
Array bitwise_and(const Operand& a, const Operand& b);
/// a | b.
Array bitwise_or(const Operand& a, const Operand& b);
/// a ^ b.
Array bitwise_xor(const Operand& a, const Operand& b);
/// ~a (logical not on bools).
Array invert(const Operand& a);
/// a << b on integers; shifts of the bit width or more give 0.
Array left_shift(const Operand& a, const Operand& b);
/// Arithmetic a >> b on integers; shifts of the bit width or more give 0 or -1.
Array right_shift(const Operand& a, const Operand& b);

// ---- Selection and conversion -------------------------------------------------------------

/// x where cond is true, else y (cond is converted to bool; x and y promote together).
Array where(const Operand& cond, const Operand& x, const Operand& y);
/// minimum(maximum(a, lo), hi), as numpy's clip.
Array clip(const Operand& a, const Operand& lo, const Operand& hi);
/// `a` rounded to `decimals` decimal places (negative: to tens, hundreds, ...), halves to even,
/// as numpy's round: scaled by 10**decimals, rint, scaled back, in a's dtype (integers in
/// float64 and back, and as they are for decimals >= 0; complex numbers by parts; bools refused).
Array round(const Array& a, int decimals = 0,
            std::source_location loc = std::source_location::current());
/// round (numpy's other name for it).
Array around(const Array& a, int decimals = 0,
             std::source_location loc = std::source_location::current());
/// `a` converted to `dtype` (numpy `astype`: float to int truncates; nan, inf and values out of
/// range give the integer minimum, as numpy does on x86).
Array astype(const Operand& a, DType dtype);

// ---- Operators ----------------------------------------------------------------------------

/// add(a, b).
Array operator+(const Operand& a, const Operand& b);
/// subtract(a, b).
Array operator-(const Operand& a, const Operand& b);
/// multiply(a, b).
Array operator*(const Operand& a, const Operand& b);
/// divide(a, b).
Array operator/(const Operand& a, const Operand& b);
/// remainder(a, b).
Array operator%(const Operand& a, const Operand& b);
/// negative(a).
Array operator-(const Operand& a);
/// equal(a, b).
Array operator==(const Operand& a, const Operand& b);
/// not_equal(a, b).
Array operator!=(const Operand& a, const Operand& b);
/// less(a, b).
Array operator<(const Operand& a, const Operand& b);
/// less_equal(a, b).
Array operator<=(const Operand& a, const Operand& b);
/// greater(a, b).
Array operator>(const Operand& a, const Operand& b);
/// greater_equal(a, b).
Array operator>=(const Operand& a, const Operand& b);
/// bitwise_and(a, b).
Array operator&(const Operand& a, const Operand& b);
/// bitwise_or(a, b).
Array operator|(const Operand& a, const Operand& b);
/// bitwise_xor(a, b).
Array operator^(const Operand& a, const Operand& b);
/// invert(a).
Array operator~(const Operand& a);
/// left_shift(a, b).
Array operator<<(const Operand& a, const Operand& b);
/// right_shift(a, b).
Array operator>>(const Operand& a, const Operand& b);

/// a = a + b, keeping a's dtype where numpy's in-place rules allow (same kind), else an error.
Array& operator+=(Array& a, const Operand& b);
/// a = a - b, keeping a's dtype.
Array& operator-=(Array& a, const Operand& b);
/// a = a * b, keeping a's dtype.
Array& operator*=(Array& a, const Operand& b);
/// a = a / b, keeping a's dtype (an integer array cannot take true division in place).
Array& operator/=(Array& a, const Operand& b);

}  // namespace kiln
