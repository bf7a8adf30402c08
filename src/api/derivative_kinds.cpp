// Which ops have derivatives, and of which kind (see derivatives.hpp): the classification of
// the op table that autodiff and the rule test read; the rules themselves are in derivatives.cpp.
#include "api/derivatives.hpp"

namespace kiln::detail {

using graph::Op;

DerivativeKind derivative_kind(Op op) {
  switch (op) {
    case Op::Data:
    case Op::Full:
    case Op::Arange:
    case Op::Linspace:
    case Op::Eye:
      return DerivativeKind::Leaf;
    case Op::Sign:
    case Op::Floor:
    case Op::Ceil:
    case Op::Rint:
    case Op::Trunc:
    case Op::IsNan:
    case Op::IsInf:
    case Op::IsFinite:
    case Op::Signbit:
    case Op::LogicalNot:
    case Op::Invert:
    case Op::FloorDivide:
    case Op::Equal:
    case Op::NotEqual:
    case Op::Less:
    case Op::LessEqual:
    case Op::Greater:
    case Op::GreaterEqual:
    case Op::BitwiseAnd:
    case Op::BitwiseOr:
    case Op::BitwiseXor:
    case Op::LeftShift:
    case Op::RightShift:
    case Op::LogicalAnd:
    case Op::LogicalOr:
    case Op::LogicalXor:
    case Op::ArgMax:
    case Op::ArgMin:
    case Op::ArgSort:
    case Op::SearchSorted:
    case Op::Any:
    case Op::All:
    case Op::Philox:
      return DerivativeKind::Constant;
    case Op::Cast:
    case Op::View:
    case Op::Negative:
    case Op::Abs:
    case Op::Square:
    case Op::Reciprocal:
    case Op::Sqrt:
    case Op::Exp:
    case Op::Exp2:
    case Op::Expm1:
    case Op::Log:
    case Op::Log2:
    case Op::Log10:
    case Op::Log1p:
    case Op::Sin:
    case Op::Cos:
    case Op::Tan:
    case Op::Arcsin:
    case Op::Arccos:
    case Op::Arctan:
    case Op::Sinh:
    case Op::Cosh:
    case Op::Tanh:
    case Op::Arcsinh:
    case Op::Arccosh:
    case Op::Arctanh:
    case Op::Cbrt:
    case Op::Erf:
    case Op::Erfc:
    case Op::Add:
    case Op::Subtract:
    case Op::Multiply:
    case Op::Divide:
    case Op::Remainder:
    case Op::Power:
    case Op::Maximum:
    case Op::Minimum:
    case Op::Arctan2:
    case Op::Hypot:
    case Op::Copysign:
    case Op::Real:
    case Op::Imag:
    case Op::Angle:
    case Op::Conj:
    case Op::MakeComplex:
    case Op::Where:
    case Op::Sum:
    case Op::Prod:
    case Op::Max:
    case Op::Min:
    case Op::MatMul:
    case Op::Take:
    case Op::TakeAlong:
    case Op::Scatter:
    case Op::ScatterAdd:
    case Op::ScatterApply:
    case Op::Concatenate:
    case Op::Update:
    case Op::CumSum:
    case Op::CumProd:
    case Op::Sort:
    case Op::Solve:
    case Op::Cholesky:
    case Op::SlogDet:
    case Op::Eigh:
    case Op::Svd:
    case Op::Qr:
    case Op::Eig:
    case Op::Fft:
    case Op::Rfft:
    case Op::Irfft:
    case Op::Transfer:
      return DerivativeKind::Rule;
  }
  return DerivativeKind::Missing;
}

}  // namespace kiln::detail
