#include "jit/llvm/reduce_ops.hpp"

#include "graph/errors.hpp"
#include "jit/llvm/emit_body.hpp"

namespace kiln::jit {

using graph::Op;
using llvm::Value;

namespace {
bool is_float(DType t) {
  return is_floating(t);
}
}  // namespace

std::vector<Reduction> reductions_of(const ir::KernelIR& ir) {
  std::vector<Reduction> out;
  for (uint32_t k = 0; k < ir.instrs.size(); ++k) {
    const ir::Instr& i = ir.instrs[k];
    if (i.kind != ir::InstrKind::Reduce) continue;
    const DType operand = ir.instrs[i.args[0]].dtype;
    out.push_back({k, i.op, operand, ir::accumulator_dtype(i.op, operand), i.dtype,
                   static_cast<uint32_t>(i.imm)});
  }
  return out;
}

Value* reduction_identity(llvm::IRBuilder<>& b, const Reduction& r) {
  const DType t = r.acc;
  llvm::Type* ty = value_type(b.getContext(), t);
  switch (r.op) {
    case Op::Sum:
      return is_float(t) ? llvm::ConstantFP::get(ty, 0.0) : llvm::ConstantInt::get(ty, 0);
    case Op::Prod:
      return is_float(t) ? llvm::ConstantFP::get(ty, 1.0) : llvm::ConstantInt::get(ty, 1);
    case Op::Any:
      return b.getFalse();
    case Op::All:
      return b.getTrue();
    case Op::Max:
    case Op::ArgMax:
      if (t == DType::bool_) return b.getFalse();
      if (is_unsigned(t)) return llvm::ConstantInt::get(ty, 0);
      return is_float(t) ? llvm::ConstantFP::getInfinity(ty, true)
                         : llvm::ConstantInt::get(
                               ty, llvm::APInt::getSignedMinValue(ty->getIntegerBitWidth()));
    default:  // Min, ArgMin
      if (t == DType::bool_) return b.getTrue();
      if (is_unsigned(t))
        return llvm::ConstantInt::get(ty, llvm::APInt::getMaxValue(ty->getIntegerBitWidth()));
      return is_float(t) ? llvm::ConstantFP::getInfinity(ty, false)
                         : llvm::ConstantInt::get(
                               ty, llvm::APInt::getSignedMaxValue(ty->getIntegerBitWidth()));
  }
}

Value* reduction_index_identity(llvm::IRBuilder<>& b) {
  return b.getInt64(INT64_MAX);
}

bool order_sensitive(const Reduction& r) {
  return (r.op == Op::Sum || r.op == Op::Prod) && is_float(r.operand);
}

Value* reduction_combine(llvm::IRBuilder<>& b, const Reduction& r, Value* acc, Value* x,
                         bool reassociate) {
  const bool f = is_float(r.acc);
  llvm::IRBuilder<>::FastMathFlagGuard guard(b);
  llvm::FastMathFlags flags;
  flags.setAllowReassoc(reassociate);
  b.setFastMathFlags(flags);
  switch (r.op) {
    case Op::Sum:
      return f ? b.CreateFAdd(acc, x) : b.CreateAdd(acc, x);
    case Op::Prod:
      return f ? b.CreateFMul(acc, x) : b.CreateMul(acc, x);
    case Op::Any:
      return b.CreateOr(acc, x);
    case Op::All:
      return b.CreateAnd(acc, x);
    case Op::Max:
      if (r.acc == DType::bool_) return b.CreateOr(acc, x);
      return b.CreateBinaryIntrinsic(f                    ? llvm::Intrinsic::maximum
                                     : is_unsigned(r.acc) ? llvm::Intrinsic::umax
                                                          : llvm::Intrinsic::smax,
                                     acc, x);
    case Op::Min:
      if (r.acc == DType::bool_) return b.CreateAnd(acc, x);
      return b.CreateBinaryIntrinsic(f                    ? llvm::Intrinsic::minimum
                                     : is_unsigned(r.acc) ? llvm::Intrinsic::umin
                                                          : llvm::Intrinsic::smin,
                                     acc, x);
    default:
      break;
  }
  graph::internal_error(__FILE__, __LINE__, "combine of an arg reduction");
}

Value* reduction_better(llvm::IRBuilder<>& b, const Reduction& r, Value* acc, Value* acci, Value* x,
                        Value* xi) {
  Value* more;
  Value* same;
  if (is_float(r.acc)) {
    more = r.op == Op::ArgMax ? b.CreateFCmpOGT(x, acc) : b.CreateFCmpOLT(x, acc);
    Value* x_nan = b.CreateFCmpUNO(x, x);
    Value* acc_nan = b.CreateFCmpUNO(acc, acc);
    more = b.CreateOr(more, b.CreateAnd(x_nan, b.CreateNot(acc_nan)));
    same = b.CreateOr(b.CreateFCmpOEQ(x, acc), b.CreateAnd(x_nan, acc_nan));
  } else if (r.acc == DType::bool_ || is_unsigned(r.acc)) {
    more = r.op == Op::ArgMax ? b.CreateICmpUGT(x, acc) : b.CreateICmpULT(x, acc);
    same = b.CreateICmpEQ(x, acc);
  } else {
    more = r.op == Op::ArgMax ? b.CreateICmpSGT(x, acc) : b.CreateICmpSLT(x, acc);
    same = b.CreateICmpEQ(x, acc);
  }
  return b.CreateOr(more, b.CreateAnd(same, b.CreateICmpSLT(xi, acci)));
}

}  // namespace kiln::jit
