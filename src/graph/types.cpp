#include "graph/types.hpp"

namespace kiln {

std::string_view dtype_name(DType t) noexcept {
  constexpr std::string_view names[] = {"bool",    "int32",     "int64",     "float32",
                                        "float64", "complex64", "complex128"};
  const int i = static_cast<int>(t);
  return i < kNumDTypes ? names[i] : std::string_view("<invalid dtype>");
}

DType promote_types(DType a, DType b) noexcept {
  // numpy's promotion table restricted to kiln's dtypes: within a kind the wider wins, bool
  // joins anything, and any integer with float32 needs float64 to hold it.
  using graph::Kind;
  if (a == b) return a;
  const Kind ka = graph::kind_of(a), kb = graph::kind_of(b);
  if (ka == kb) return static_cast<int>(a) > static_cast<int>(b) ? a : b;
  if (ka == Kind::bool_) return b;
  if (kb == Kind::bool_) return a;
  // complex64 holds float32 (and bool) exactly; anything wider needs complex128.
  if (ka == Kind::complex || kb == Kind::complex) {
    const DType c = ka == Kind::complex ? a : b, other = ka == Kind::complex ? b : a;
    return c == complex64 && other == float32 ? complex64 : complex128;
  }
  return float64;  // integer with floating: int32/int64 + float32 -> float64; + float64 -> float64
}

}  // namespace kiln

namespace kiln::graph {

Kind kind_of(DType t) noexcept {
  switch (t) {
    case DType::bool_:
      return Kind::bool_;
    case DType::int32:
    case DType::int64:
      return Kind::integer;
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
  for (const OperandType& o : operands) {
    if (o.weak) {
      const Kind k = kind_of(o.dtype);
      if (!have_weak || k > weak_kind) weak_kind = k;
      have_weak = true;
    } else {
      strong = have_strong ? promote_types(strong, o.dtype) : o.dtype;
      have_strong = true;
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
  return part == DType::float32 ? DType::complex64 : DType::complex128;
}

DType part_of(DType complex) noexcept {
  return complex == DType::complex64 ? DType::float32 : DType::float64;
}

namespace {
// The complex loops kiln has, for complex `c` (numpy has more: sqrt, log, trigonometry, power,
// and the lexicographic orderings). The others are refused with `why`.
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
          "is not supported for complex numbers in kiln (its complex loops are arithmetic, exp, "
          "abs, real, imag, conj, angle and comparisons for equality)";
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
    case TypeRule::IntFallback:
      // numpy computes bools in int8 here; kiln's smallest integer is int32.
      out = k == Kind::bool_ ? OpTypes{DType::int32, DType::int32} : OpTypes{common, common};
      return true;
    case TypeRule::Float: {
      const DType f = k == Kind::floating ? common
                      : k == Kind::bool_  ? DType::float32  // numpy: float16, which kiln lacks
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
      out = k == Kind::bool_ ? OpTypes{DType::int32, DType::int32} : OpTypes{common, common};
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
      out = op == Op::Angle && k != Kind::floating ? OpTypes{DType::float64, DType::float64}
                                                   : OpTypes{common, common};
      return true;
    case TypeRule::MakeComplex:
      // numpy's re + 1j*im: float32 parts make complex64, the others (bool too: 1j * True is
      // complex128) complex128.
      out = common == DType::float32 ? OpTypes{DType::float32, DType::complex64}
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
      // numpy: integer sums and products widen to the platform integer (int64).
      const DType t = k == Kind::floating ? operand : DType::int64;
      const DType acc = op == Op::Sum && operand == DType::float32 ? DType::float64 : t;
      return {t, t, acc};
    }
    case Op::ArgMax:
    case Op::ArgMin:
      return {operand, DType::int64, operand};
    case Op::Any:
    case Op::All:
      return {DType::bool_, DType::bool_, DType::bool_};
    default:
      return {operand, operand, operand};  // max, min
  }
}

bool is_exact_cast(DType from, DType to) noexcept {
  if (from == to || from == DType::bool_) return true;
  switch (from) {
    case DType::int32:
      return to == DType::int64 || to == DType::float64 || to == DType::complex128;
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
  return is_exact_cast(from, to) || kind_of(from) <= kind_of(to);
}

}  // namespace kiln::graph
