#include "graph/types.hpp"

namespace kiln {

std::string_view dtype_name(DType t) noexcept {
  constexpr std::string_view names[] = {"bool",      "int32",      "int64",  "float32", "float64",
                                        "complex64", "complex128", "int8",   "int16",   "uint8",
                                        "uint16",    "uint32",     "uint64", "float16"};
  const int i = static_cast<int>(t);
  return i < kNumDTypes ? names[i] : std::string_view("<invalid dtype>");
}

namespace {
int bits_of(DType t) noexcept {
  return static_cast<int>(itemsize(t)) * 8;
}
// The signed integer of `bits` bits (64 at most).
DType signed_of(int bits) noexcept {
  return bits <= 8 ? int8 : bits <= 16 ? int16 : bits <= 32 ? int32 : int64;
}
}  // namespace

DType promote_types(DType a, DType b) noexcept {
  // numpy's promotion table: within a kind the wider wins and bool joins anything; a signed and
  // an unsigned integer need a signed integer wider than the unsigned one (float64 past int64);
  // an integer of up to 8 bits fits float16, of up to 16 bits float32 (and complex64) exactly,
  // a wider one needs float64 (complex128).
  using graph::Kind;
  if (a == b) return a;
  const Kind ka = graph::kind_of(a), kb = graph::kind_of(b);
  if (ka == Kind::bool_) return b;
  if (kb == Kind::bool_) return a;
  if (ka == Kind::integer && kb == Kind::integer) {
    if (is_unsigned(a) == is_unsigned(b)) return bits_of(a) > bits_of(b) ? a : b;
    const DType u = is_unsigned(a) ? a : b, s = is_unsigned(a) ? b : a;
    if (bits_of(s) > bits_of(u)) return s;
    return bits_of(u) == 64 ? float64 : signed_of(2 * bits_of(u));
  }
  if (ka == kb) return bits_of(a) > bits_of(b) ? a : b;  // floats, complexes
  const DType wide = ka > kb ? a : b, narrow = ka > kb ? b : a;
  const bool small_int = graph::kind_of(narrow) == Kind::integer && bits_of(narrow) <= 16;
  if (graph::kind_of(wide) == Kind::complex) {
    const bool fits64 = narrow == float32 || narrow == float16 || small_int;
    return wide == complex64 && fits64 ? complex64 : complex128;
  }
  // wide is floating, narrow an integer
  if (wide == float16) return bits_of(narrow) <= 8 ? float16 : small_int ? float32 : float64;
  return wide == float32 && small_int ? float32 : float64;
}

}  // namespace kiln

namespace kiln::graph {

Kind kind_of(DType t) noexcept {
  switch (t) {
    case DType::bool_:
      return Kind::bool_;
    case DType::int8:
    case DType::int16:
    case DType::int32:
    case DType::int64:
    case DType::uint8:
    case DType::uint16:
    case DType::uint32:
    case DType::uint64:
      return Kind::integer;
    case DType::float16:
    case DType::float32:
    case DType::float64:
      return Kind::floating;
    case DType::complex64:
    case DType::complex128:
      return Kind::complex;
  }
  return Kind::floating;
}

DType default_dtype(Kind k) noexcept {
  switch (k) {
    case Kind::bool_:
      return DType::bool_;
    case Kind::integer:
      return DType::int64;
    case Kind::floating:
      return DType::float64;
    case Kind::complex:
      return DType::complex128;
  }
  return DType::float64;
}

DType result_type(std::span<const OperandType> operands) noexcept {
  bool have_strong = false;
  DType strong = DType::bool_;
  bool have_weak = false;
  Kind weak_kind = Kind::bool_;
  // numpy promotes a sequence into its highest kind first: uint16, int16 and float32 give
  // float32 (each fits it), where promoting left to right would go through int32 to float64.
  for (int kind = static_cast<int>(Kind::complex); kind >= 0; --kind) {
    for (const OperandType& o : operands) {
      if (static_cast<int>(kind_of(o.dtype)) != kind) continue;
      if (o.weak) {
        if (!have_weak) weak_kind = kind_of(o.dtype);
        have_weak = true;
      } else {
        strong = have_strong ? promote_types(strong, o.dtype) : o.dtype;
        have_strong = true;
      }
    }
  }
  if (!have_strong) return default_dtype(weak_kind);
  if (!have_weak || kind_of(strong) >= weak_kind) return strong;
  // A Python complex with a float32 array stays complex64 (NEP 50: the precision is the
  // array's); with integers it is complex128.
  if (weak_kind == Kind::complex && kind_of(strong) == Kind::floating) return complex_of(strong);
  return promote_types(strong, default_dtype(weak_kind));
}

DType complex_of(DType part) noexcept {
  return part == DType::float32 || part == DType::float16 ? DType::complex64 : DType::complex128;
}

DType part_of(DType complex) noexcept {
  return complex == DType::complex64 ? DType::float32 : DType::float64;
}

namespace {
// The complex loops kiln's kernels have, for complex `c` (sqrt, the logarithms, power and
// trigonometry are compositions of real ops on the parts: api/complex_math.hpp; numpy has
// lexicographic orderings too). The others are refused with `why`.
bool complex_op_types(Op op, DType c, OpTypes& out, std::string_view& why) noexcept {
  switch (op) {
    case Op::Cast:
    case Op::Negative:
    case Op::Square:
    case Op::Reciprocal:
    case Op::Exp:
    case Op::Add:
    case Op::Subtract:
    case Op::Multiply:
    case Op::Divide:
    case Op::Conj:
    case Op::Where:
      out = {c, c};
      return true;
    case Op::Abs:
    case Op::Real:
    case Op::Imag:
    case Op::Angle:
      out = {c, part_of(c)};
      return true;
    case Op::Equal:
    case Op::NotEqual:
    case Op::IsNan:
    case Op::IsInf:
    case Op::IsFinite:
      out = {c, DType::bool_};
      return true;
    case Op::LogicalNot:
    case Op::LogicalAnd:
    case Op::LogicalOr:
    case Op::LogicalXor:
      out = {DType::bool_, DType::bool_};
      return true;
    case Op::Less:
    case Op::LessEqual:
    case Op::Greater:
    case Op::GreaterEqual:
    case Op::Maximum:
    case Op::Minimum:
      why =
          "is not supported for complex numbers: they have no order (compare abs or real parts "
          "instead)";
      return false;
    case Op::MakeComplex:
      why = "takes real parts, not complex ones";
      return false;
    default:
      why =
          "is not supported for complex numbers in kiln (its complex functions are arithmetic, "
          "power, sqrt, exp, exp2, expm1, the logarithms, the trigonometric and hyperbolic "
          "functions and their inverses, abs, real, imag, conj, angle and equality)";
      return false;
  }
}
}  // namespace

bool op_types(Op op, DType common, OpTypes& out, std::string_view& why) noexcept {
  const Kind k = kind_of(common);
  if (k == Kind::complex) return complex_op_types(op, common, out, why);
  switch (op_info(op).rule) {
    case TypeRule::Leaf:
    case TypeRule::Cast:
      out = {common, common};
      return true;
    case TypeRule::Same:
      out = {common, common};
      return true;
    case TypeRule::NoBool:
      if (k == Kind::bool_) {
        why = "is not supported for bool (numpy has no bool loop)";
        return false;
      }
      out = {common, common};
      return true;
    case TypeRule::IntFallback:  // numpy computes bools in int8 here
      out = k == Kind::bool_ ? OpTypes{DType::int8, DType::int8} : OpTypes{common, common};
      return true;
    case TypeRule::Float: {
      // numpy: float16 for bool and 8-bit integers, float32 for 16-bit ones, float64 for the
      // wider.
      const DType f = k == Kind::floating                         ? common
                      : k == Kind::bool_ || itemsize(common) == 1 ? DType::float16
                      : itemsize(common) == 2                     ? DType::float32
                                                                  : DType::float64;
      out = {f, f};
      return true;
    }
    case TypeRule::TrueDivide: {
      const DType f = k == Kind::floating ? common : DType::float64;
      out = {f, f};
      return true;
    }
    case TypeRule::Compare:
    case TypeRule::Predicate:
      out = {common, DType::bool_};
      return true;
    case TypeRule::Bitwise:
      if (k == Kind::floating) {
        why = "needs bool or integer operands, not floating point";
        return false;
      }
      out = {common, common};
      return true;
    case TypeRule::Shift:
      if (k == Kind::floating) {
        why = "needs integer operands, not floating point";
        return false;
      }
      out = k == Kind::bool_ ? OpTypes{DType::int8, DType::int8} : OpTypes{common, common};
      return true;
    case TypeRule::Logical:
      out = {DType::bool_, DType::bool_};
      return true;
    case TypeRule::Where:
      out = {common, common};
      return true;
    case TypeRule::Random:
      if (common != DType::int64) {
        why = "needs int64 operands";
        return false;
      }
      out = {DType::int64, DType::int64};
      return true;
    case TypeRule::Part:
      if (op == Op::Angle && k != Kind::floating) {  // numpy: arctan2(0, x)
        const DType f = k != Kind::integer      ? DType::float64
                        : itemsize(common) == 1 ? DType::float16
                        : itemsize(common) == 2 ? DType::float32
                                                : DType::float64;
        out = {f, f};
      } else {
        out = {common, common};
      }
      return true;
    case TypeRule::MakeComplex:
      // numpy's re + 1j*im: float16 and float32 parts make complex64, the others (bool too:
      // 1j * True is complex128) complex128.
      out = common == DType::float32 || common == DType::float16
                ? OpTypes{DType::float32, DType::complex64}
                : OpTypes{DType::float64, DType::complex128};
      return true;
    case TypeRule::View:
    case TypeRule::Reduce:
    case TypeRule::Library:
    case TypeRule::Gather:
      break;  // not elementwise: see reduce_types and view.hpp
  }
  return false;
}

ReduceTypes reduce_types(Op op, DType operand) noexcept {
  const Kind k = kind_of(operand);
  switch (op) {
    case Op::Sum:
    case Op::Prod: {
      // numpy: integer sums and products widen to the platform integer (int64), unsigned ones
      // to uint64.
      const DType t = k == Kind::floating    ? operand
                      : is_unsigned(operand) ? DType::uint64
                                             : DType::int64;
      // Float sums of float16 and float32 add in float64 (numpy's float16 reductions add in
      // float32); float16 products multiply in float32; each rounds once at the end.
      const bool narrow_float = operand == DType::float16 || operand == DType::float32;
      const DType acc = op == Op::Sum && narrow_float ? DType::float64
                        : operand == DType::float16   ? DType::float32
                                                      : t;
      return {t, t, acc};
    }
    case Op::ArgMax:
    case Op::ArgMin:  // (float16 compares in float32: exact)
      return {operand, DType::int64, operand == DType::float16 ? DType::float32 : operand};
    case Op::Any:
    case Op::All:
      return {DType::bool_, DType::bool_, DType::bool_};
    default:  // max, min
      return {operand, operand, operand == DType::float16 ? DType::float32 : operand};
  }
}

bool is_exact_cast(DType from, DType to) noexcept {
  if (from == to || from == DType::bool_) return true;
  const Kind kf = kind_of(from), kt = kind_of(to);
  if (kf == Kind::integer) {
    if (kt == Kind::integer) {
      if (is_unsigned(from))
        return itemsize(to) > itemsize(from) || (is_unsigned(to) && itemsize(to) >= itemsize(from));
      return !is_unsigned(to) && itemsize(to) >= itemsize(from);
    }
    if (kt == Kind::floating)
      return itemsize(from) <= (to == DType::float16 ? 1u : to == DType::float32 ? 2u : 4u);
    if (kt == Kind::complex) return itemsize(from) <= (to == DType::complex64 ? 2u : 4u);
    return false;
  }
  switch (from) {
    case DType::float16:
      return to == DType::float32 || to == DType::float64 || to == DType::complex64 ||
             to == DType::complex128;
    case DType::float32:
      return to == DType::float64 || to == DType::complex64 || to == DType::complex128;
    case DType::float64:
    case DType::complex64:
      return to == DType::complex128;
    default:
      return false;
  }
}

bool can_cast_same_kind(DType from, DType to) noexcept {
  // numpy's kinds are ordered b < u < i < f < c: a signed integer never goes to an unsigned one
  if (is_integer(from) && !is_unsigned(from) && is_unsigned(to)) return false;
  return is_exact_cast(from, to) || kind_of(from) <= kind_of(to);
}

}  // namespace kiln::graph
