#include "jit/llvm/emit_body.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include "graph/philox.hpp"

#include "graph/errors.hpp"

namespace kiln::jit {

using graph::Op;
using graph::TypeRule;
using llvm::Value;
using llvm::Intrinsic::ID;

llvm::Type* value_type(llvm::LLVMContext& c, DType t) {
  switch (t) {
    case DType::bool_:
      return llvm::Type::getInt1Ty(c);
    case DType::int8:
    case DType::uint8:
      return llvm::Type::getInt8Ty(c);
    case DType::int16:
    case DType::uint16:
      return llvm::Type::getInt16Ty(c);
    case DType::int32:
    case DType::uint32:
      return llvm::Type::getInt32Ty(c);
    case DType::int64:
    case DType::uint64:
      return llvm::Type::getInt64Ty(c);
    case DType::float16:
      return llvm::Type::getHalfTy(c);
    case DType::float32:
      return llvm::Type::getFloatTy(c);
    case DType::float64:
      return llvm::Type::getDoubleTy(c);
    case DType::complex64: {
      llvm::Type* f = llvm::Type::getFloatTy(c);
      return llvm::StructType::get(c, {f, f});
    }
    case DType::complex128: {
      llvm::Type* f = llvm::Type::getDoubleTy(c);
      return llvm::StructType::get(c, {f, f});
    }
  }
  return nullptr;
}

llvm::Type* memory_type(llvm::LLVMContext& c, DType t) {
  return t == DType::bool_ ? llvm::Type::getInt8Ty(c) : value_type(c, t);
}

namespace {
bool is_int(DType t) {
  return is_integer(t);
}
bool is_float(DType t) {
  return t == DType::float32 || t == DType::float64;
}
unsigned bits_of(DType t) {
  return static_cast<unsigned>(itemsize(t)) * 8;
}
}  // namespace

Value* NamedMath::call(llvm::IRBuilder<>& b, Op op, DType t, llvm::ArrayRef<Value*> args) {
  llvm::Type* ty = value_type(m_.getContext(), t);
  const std::string name = prefix_ + graph::op_info(op).libm + (t == DType::float32 ? "f" : "");
  auto* fty = llvm::FunctionType::get(ty, std::vector<llvm::Type*>(args.size(), ty), false);
  llvm::CallInst* c = b.CreateCall(m_.getOrInsertFunction(name, fty), args);
  c->setDoesNotAccessMemory();
  return c;
}

void report_errors(llvm::IRBuilder<>& b, Value* errors, Value* status, llvm::BasicBlock* done) {
  if (errors) {
    auto* report = llvm::BasicBlock::Create(b.getContext(), "report", done->getParent());
    b.CreateCondBr(b.CreateICmpNE(errors, b.getInt64(0)), report, done);
    b.SetInsertPoint(report);
    b.CreateAtomicRMW(llvm::AtomicRMWInst::Or, status, errors, llvm::MaybeAlign(8),
                      llvm::AtomicOrdering::Monotonic);
  }
  b.CreateBr(done);
}

BodyEmitter::BodyEmitter(const ir::KernelIR& ir, llvm::IRBuilder<>& b, MathLib& math)
    : ir_(ir), b_(b), math_(math), levels_(ir.instrs.size(), kNotHere), values_(ir.instrs.size()) {}

Value* BodyEmitter::constant(DType t, uint64_t bits) {
  llvm::Type* ty = value_type(b_.getContext(), t);
  switch (t) {
    case DType::float16:
      return llvm::ConstantFP::get(b_.getContext(), llvm::APFloat(llvm::APFloat::IEEEhalf(),
                                                                  llvm::APInt(16, bits & 0xffffu)));
    case DType::float32:
      return llvm::ConstantFP::get(ty, std::bit_cast<float>(static_cast<uint32_t>(bits)));
    case DType::float64:
      return llvm::ConstantFP::get(ty, std::bit_cast<double>(bits));
    case DType::complex64:
      return complex_constant(bits);
    case DType::complex128:
      graph::no_complex128_bits();  // built as complex(re, im) of two float64 constants
    default:
      return llvm::ConstantInt::get(ty, bits, /*isSigned=*/true);
  }
}

Value* BodyEmitter::from_param(Value* raw, DType t) {
  switch (t) {
    case DType::bool_:
      return b_.CreateICmpNE(raw, b_.getInt64(0));
    case DType::int8:
    case DType::int16:
    case DType::int32:
    case DType::uint8:
    case DType::uint16:
    case DType::uint32:
      return b_.CreateTrunc(raw, value_type(b_.getContext(), t));
    case DType::int64:
    case DType::uint64:
      return raw;
    case DType::float16:
      return b_.CreateBitCast(b_.CreateTrunc(raw, b_.getInt16Ty()), b_.getHalfTy());
    case DType::float32:
      return b_.CreateBitCast(b_.CreateTrunc(raw, b_.getInt32Ty()), b_.getFloatTy());
    case DType::float64:
      return b_.CreateBitCast(raw, b_.getDoubleTy());
    case DType::complex64:
      return complex_from_param(raw);
    case DType::complex128:
      graph::no_complex128_bits();  // parameters are its two float64 parts
  }
  return raw;
}

Value* BodyEmitter::to_memory(Value* v, DType t) {
  return t == DType::bool_ ? b_.CreateZExt(v, b_.getInt8Ty()) : v;
}

Value* BodyEmitter::from_memory(Value* v, DType t) {
  return t == DType::bool_ ? b_.CreateICmpNE(v, b_.getInt8(0)) : v;
}

Value* BodyEmitter::emit(Level l, const BodyEnv& env) {
  Value* fail_bits = nullptr;
  for (size_t n = 0; n < ir_.instrs.size(); ++n) {
    if (levels_[n] != l || ir_.instrs[n].kind == ir::InstrKind::Reduce) continue;
    const ir::Instr& in = ir_.instrs[n];
    Value* v = nullptr;
    switch (in.kind) {
      case ir::InstrKind::Param:
        v = from_param(env.param(static_cast<uint32_t>(in.imm)), in.dtype);
        break;
      case ir::InstrKind::Const:
        v = constant(in.dtype, in.imm);
        break;
      case ir::InstrKind::Index:
        v = env.index(static_cast<uint32_t>(in.imm));
        break;
      case ir::InstrKind::Load: {
        const auto a = static_cast<uint32_t>(in.imm);
        llvm::Type* mt = memory_type(b_.getContext(), in.dtype);
        Value* ptr = b_.CreateInBoundsGEP(mt, env.base(a), env.index(a));
        auto* load = b_.CreateLoad(mt, ptr);
        if (env.load_noalias) load->setMetadata(llvm::LLVMContext::MD_noalias, env.load_noalias);
        v = from_memory(load, in.dtype);
        break;
      }
      case ir::InstrKind::Reduce:
        break;
      case ir::InstrKind::Gather: {
        Value* fail = nullptr;
        v = emit_gather(in, env, fail);
        Value* bit = b_.CreateShl(b_.CreateZExt(fail, b_.getInt64Ty()), (in.imm >> 32) - 1);
        fail_bits = fail_bits ? b_.CreateOr(fail_bits, bit) : bit;
        break;
      }
      case ir::InstrKind::Compute: {
        Value* fail = nullptr;
        v = emit_compute(in, fail);
        if (fail) {
          Value* bit = b_.CreateShl(b_.CreateZExt(fail, b_.getInt64Ty()), in.imm - 1);
          fail_bits = fail_bits ? b_.CreateOr(fail_bits, bit) : bit;
        }
        break;
      }
    }
    values_[n] = v;
  }
  return fail_bits;
}

Value* BodyEmitter::emit_compute(const ir::Instr& in, Value*& fail) {
  Value* x = values_[in.args[0]];
  const DType arg_t = ir_.instrs[in.args[0]].dtype;
  const DType value_t = in.op == graph::Op::Where ? ir_.instrs[in.args[1]].dtype : arg_t;
  if (in.op != graph::Op::Cast && (is_complex(value_t) || in.op == graph::Op::MakeComplex))
    return emit_complex(in);
  if (value_t == DType::float16 && in.op != graph::Op::Cast && in.op != graph::Op::Where)
    return emit_half(in, fail);
  switch (graph::op_info(in.op).rule) {
    case TypeRule::Cast:
      return emit_cast(x, arg_t, in.dtype);
    case TypeRule::Where:
      return b_.CreateSelect(x, values_[in.args[1]], values_[in.args[2]]);
    case TypeRule::Random:
      return emit_philox(x, values_[in.args[1]], values_[in.args[2]]);
    case TypeRule::Compare:
      return emit_compare(in.op, arg_t, x, values_[in.args[1]]);
    case TypeRule::Predicate:
      return emit_predicate(in.op, arg_t, x);
    default:
      break;
  }
  if (in.nargs == 1) return emit_unary(in.op, in.dtype, x);
  return emit_binary(in.op, in.dtype, x, values_[in.args[1]], fail);
}

Value* BodyEmitter::emit_predicate(Op op, DType t, Value* x) {
  if (op == Op::Signbit) {  // the sign bit itself (a nan's too), as numpy's; integers: x < 0
    if (!is_float(t))
      return is_integer(t) && !is_unsigned(t)
                 ? b_.CreateICmpSLT(x, llvm::ConstantInt::get(x->getType(), 0))
                 : b_.getInt1(false);
    Value* bits = b_.CreateBitCast(
        x, llvm::IntegerType::get(b_.getContext(), x->getType()->getPrimitiveSizeInBits()));
    return b_.CreateICmpSLT(bits, llvm::ConstantInt::get(bits->getType(), 0));
  }
  if (!is_float(t)) return b_.getInt1(op == Op::IsFinite);
  if (op == Op::IsNan) return b_.CreateFCmpUNO(x, x);
  Value* ax = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  Value* inf = llvm::ConstantFP::getInfinity(x->getType());
  return op == Op::IsInf ? b_.CreateFCmpOEQ(ax, inf) : b_.CreateFCmpOLT(ax, inf);
}

// float16 as numpy computes it: each op in float32 on the widened operands, its result rounded
// back to float16 (exact for comparisons and predicates). The rounding is explicit, so every
// target (x86 with or without F16C, NVPTX) gives the same bits, and fused chains round after
// each op as numpy's separate loops do.
Value* BodyEmitter::emit_half(const ir::Instr& in, Value*& fail) {
  Value* x = b_.CreateFPExt(values_[in.args[0]], b_.getFloatTy());
  Value* y = in.nargs > 1 ? b_.CreateFPExt(values_[in.args[1]], b_.getFloatTy()) : nullptr;
  Value* r;
  switch (graph::op_info(in.op).rule) {
    case TypeRule::Compare:
      return emit_compare(in.op, DType::float32, x, y);
    case TypeRule::Predicate:
      return emit_predicate(in.op, DType::float32, x);
    default:
      if (in.op == Op::Maximum || in.op == Op::Minimum) {
        // numpy's float16 loops keep the first operand on ties (maximum(-0.0, 0.0) is -0.0)
        Value* first = in.op == Op::Maximum ? b_.CreateFCmpOGE(x, y) : b_.CreateFCmpOLE(x, y);
        r = b_.CreateSelect(b_.CreateOr(first, b_.CreateFCmpUNO(x, x)), x, y);
      } else {
        r = in.nargs == 1 ? emit_unary(in.op, DType::float32, x)
                          : emit_binary(in.op, DType::float32, x, y, fail);
      }
  }
  return in.dtype == DType::float16 ? b_.CreateFPTrunc(r, b_.getHalfTy()) : r;
}

Value* BodyEmitter::emit_cast(Value* v, DType from, DType to) {
  if (from == to) return v;
  if (is_complex(from) || is_complex(to)) return emit_complex_cast(v, from, to);
  if (from == DType::float16) {  // numpy converts float16 through float
    Value* f = b_.CreateFPExt(v, b_.getFloatTy());
    // (to uint32 by the compiler's int64 conversion: nan and infinities give 0)
    if (to == DType::uint32)
      return b_.CreateTrunc(emit_cast(f, DType::float32, DType::int64), b_.getInt32Ty());
    return emit_cast(f, DType::float32, to);
  }
  if (to == DType::float16) {
    llvm::Type* h = b_.getHalfTy();
    if (from == DType::float64) return b_.CreateFPTrunc(v, h);  // one rounding, as numpy's
    if (from == DType::bool_) return b_.CreateUIToFP(v, h);
    return b_.CreateFPTrunc(emit_cast(v, from, DType::float32), h);  // integers through float
  }
  llvm::Type* ty = value_type(b_.getContext(), to);
  if (to == DType::bool_) {
    return is_float(from) ? b_.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0))
                          : b_.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
  }
  if (from == DType::bool_) return is_float(to) ? b_.CreateUIToFP(v, ty) : b_.CreateZExt(v, ty);
  if (is_int(from) && is_int(to))
    return is_unsigned(from) ? b_.CreateZExtOrTrunc(v, ty) : b_.CreateSExtOrTrunc(v, ty);
  if (is_int(from)) return is_unsigned(from) ? b_.CreateUIToFP(v, ty) : b_.CreateSIToFP(v, ty);
  if (is_float(to)) return to == DType::float64 ? b_.CreateFPExt(v, ty) : b_.CreateFPTrunc(v, ty);
  // Float to integer the way numpy's C casts behave on x86 (graph::ref::cast): below 32 bits
  // through int32, keeping the low bits; uint32 and uint64 by x86's unsigned sequence: from
  // 2^(N-1) up, the signed conversion of v - 2^(N-1) with the top bit flipped.
  if (bits_of(to) < 32) return b_.CreateTrunc(emit_cast(v, from, DType::int32), ty);
  if (to == DType::uint32 || to == DType::uint64) {
    const unsigned bits = bits_of(to);
    const DType s = to == DType::uint32 ? DType::int32 : DType::int64;
    Value* half = llvm::ConstantFP::get(v->getType(), std::ldexp(1.0, static_cast<int>(bits) - 1));
    Value* high = b_.CreateFCmpOGE(v, half);
    Value* r = emit_cast(b_.CreateSelect(high, b_.CreateFSub(v, half), v), from, s);
    Value* flip = b_.CreateSelect(high, llvm::ConstantInt::get(ty, llvm::APInt::getSignMask(bits)),
                                  llvm::ConstantInt::get(ty, 0));
    return b_.CreateXor(r, flip);
  }
  // Otherwise nan, inf and out-of-range values give the integer minimum (fptosi alone would be
  // poison there).
  const unsigned bits = bits_of(to);
  Value* lo = llvm::ConstantFP::get(v->getType(), -std::ldexp(1.0, static_cast<int>(bits) - 1));
  Value* hi = llvm::ConstantFP::get(v->getType(), std::ldexp(1.0, static_cast<int>(bits) - 1));
  Value* in_range = b_.CreateAnd(b_.CreateFCmpOGE(v, lo), b_.CreateFCmpOLT(v, hi));
  Value* min = llvm::ConstantInt::get(ty, llvm::APInt::getSignedMinValue(bits));
  return b_.CreateSelect(in_range, b_.CreateFPToSI(v, ty), min);
}

Value* BodyEmitter::emit_unary(Op op, DType t, Value* x) {
  llvm::Type* ty = x->getType();
  if (t == DType::bool_) {  // abs, real and conj are the identity; the nots flip
    if (op == Op::Imag) return b_.getInt1(false);
    return (op == Op::LogicalNot || op == Op::Invert) ? b_.CreateNot(x) : x;
  }
  switch (op) {  // the parts of a real number
    case Op::Real:
    case Op::Conj:
      return x;
    case Op::Imag:
      return llvm::Constant::getNullValue(ty);
    case Op::Angle:  // numpy: arctan2(0, x), which is pi for negative x and -0.0
      return math_.call(b_, Op::Arctan2, t, {llvm::ConstantFP::get(ty, 0.0), x});
    default:
      break;
  }
  if (is_int(t)) {
    const bool u = is_unsigned(t);
    Value* zero = llvm::ConstantInt::get(ty, 0);
    switch (op) {
      case Op::Negative:
        return b_.CreateNeg(x);
      case Op::Abs:
        return u ? x : b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, x, b_.getInt1(false));
      case Op::Sign:
        if (u) return b_.CreateZExt(b_.CreateICmpNE(x, zero), ty);
        return b_.CreateSub(b_.CreateZExt(b_.CreateICmpSGT(x, zero), ty),
                            b_.CreateZExt(b_.CreateICmpSLT(x, zero), ty));
      case Op::Square:
        return b_.CreateMul(x, x);
      case Op::Reciprocal: {  // numpy computes 1.0 / x in double and converts back
        Value* r = b_.CreateFDiv(llvm::ConstantFP::get(b_.getDoubleTy(), 1.0),
                                 emit_cast(x, t, DType::float64));
        return emit_cast(r, DType::float64, t);
      }
      case Op::Invert:
        return b_.CreateNot(x);
      default:
        break;
    }
  } else {
    auto intrinsic = [&](ID id) { return b_.CreateUnaryIntrinsic(id, x); };
    switch (op) {
      case Op::Negative:
        return b_.CreateFNeg(x);
      case Op::Abs:
        return intrinsic(llvm::Intrinsic::fabs);
      case Op::Sign: {
        Value* zero = llvm::ConstantFP::get(ty, 0.0);
        Value* s = b_.CreateSelect(b_.CreateFCmpOEQ(x, zero), zero, x);  // nan stays nan
        s = b_.CreateSelect(b_.CreateFCmpOLT(x, zero), llvm::ConstantFP::get(ty, -1.0), s);
        return b_.CreateSelect(b_.CreateFCmpOGT(x, zero), llvm::ConstantFP::get(ty, 1.0), s);
      }
      case Op::Square:
        return b_.CreateFMul(x, x);
      case Op::Reciprocal:
        return b_.CreateFDiv(llvm::ConstantFP::get(ty, 1.0), x);
      case Op::Sqrt:
        return intrinsic(llvm::Intrinsic::sqrt);
      case Op::Floor:
        return intrinsic(llvm::Intrinsic::floor);
      case Op::Ceil:
        return intrinsic(llvm::Intrinsic::ceil);
      case Op::Trunc:
        return intrinsic(llvm::Intrinsic::trunc);
      case Op::Rint:
        return intrinsic(llvm::Intrinsic::roundeven);
      default:
        if (graph::op_info(op).libm) return math_.call(b_, op, t, {x});
        break;
    }
  }
  graph::internal_error(__FILE__, __LINE__,
                        "no lowering for unary op " + std::string(graph::op_info(op).name));
}

Value* BodyEmitter::emit_compare(Op op, DType t, Value* x, Value* y) {
  if (is_float(t)) {
    switch (op) {
      case Op::Equal:
        return b_.CreateFCmpOEQ(x, y);
      case Op::NotEqual:
        return b_.CreateFCmpUNE(x, y);
      case Op::Less:
        return b_.CreateFCmpOLT(x, y);
      case Op::LessEqual:
        return b_.CreateFCmpOLE(x, y);
      case Op::Greater:
        return b_.CreateFCmpOGT(x, y);
      default:
        return b_.CreateFCmpOGE(x, y);
    }
  }
  const bool u = t == DType::bool_ || is_unsigned(t);  // false < true
  switch (op) {
    case Op::Equal:
      return b_.CreateICmpEQ(x, y);
    case Op::NotEqual:
      return b_.CreateICmpNE(x, y);
    case Op::Less:
      return u ? b_.CreateICmpULT(x, y) : b_.CreateICmpSLT(x, y);
    case Op::LessEqual:
      return u ? b_.CreateICmpULE(x, y) : b_.CreateICmpSLE(x, y);
    case Op::Greater:
      return u ? b_.CreateICmpUGT(x, y) : b_.CreateICmpSGT(x, y);
    default:
      return u ? b_.CreateICmpUGE(x, y) : b_.CreateICmpSGE(x, y);
  }
}

Value* BodyEmitter::emit_binary(Op op, DType t, Value* x, Value* y, Value*& fail) {
  if (t == DType::bool_) {
    switch (op) {
      case Op::Add:
      case Op::BitwiseOr:
      case Op::LogicalOr:
      case Op::Maximum:
        return b_.CreateOr(x, y);
      case Op::Multiply:
      case Op::BitwiseAnd:
      case Op::LogicalAnd:
      case Op::Minimum:
        return b_.CreateAnd(x, y);
      case Op::BitwiseXor:
      case Op::LogicalXor:
        return b_.CreateXor(x, y);
      default:
        break;
    }
  } else if (is_int(t)) {
    llvm::Type* ty = x->getType();
    const unsigned bits = bits_of(t);
    switch (op) {
      case Op::Add:
        return b_.CreateAdd(x, y);
      case Op::Subtract:
        return b_.CreateSub(x, y);
      case Op::Multiply:
        return b_.CreateMul(x, y);
      case Op::FloorDivide:
      case Op::Remainder:
      case Op::Fmod:
        return emit_int_divmod(op, t, x, y);
      case Op::Power:
        return emit_int_power(t, x, y, fail);
      case Op::Maximum:
        return b_.CreateBinaryIntrinsic(
            is_unsigned(t) ? llvm::Intrinsic::umax : llvm::Intrinsic::smax, x, y);
      case Op::Minimum:
        return b_.CreateBinaryIntrinsic(
            is_unsigned(t) ? llvm::Intrinsic::umin : llvm::Intrinsic::smin, x, y);
      case Op::BitwiseAnd:
        return b_.CreateAnd(x, y);
      case Op::BitwiseOr:
        return b_.CreateOr(x, y);
      case Op::BitwiseXor:
        return b_.CreateXor(x, y);
      case Op::LeftShift:
      case Op::RightShift: {
        // numpy: a shift by the bit width or more (or a negative one) gives 0, or -1 for a
        // negative value shifted right. The unsigned compare catches negative amounts too.
        Value* in_range = b_.CreateICmpULT(y, llvm::ConstantInt::get(ty, bits));
        Value* amount = b_.CreateSelect(in_range, y, llvm::ConstantInt::get(ty, 0));
        if (op == Op::LeftShift)
          return b_.CreateSelect(in_range, b_.CreateShl(x, amount), llvm::ConstantInt::get(ty, 0));
        if (is_unsigned(t))
          return b_.CreateSelect(in_range, b_.CreateLShr(x, amount), llvm::ConstantInt::get(ty, 0));
        Value* fill = b_.CreateAShr(x, llvm::ConstantInt::get(ty, bits - 1));
        return b_.CreateSelect(in_range, b_.CreateAShr(x, amount), fill);
      }
      default:
        break;
    }
  } else {
    switch (op) {
      case Op::Add:
        return b_.CreateFAdd(x, y);
      case Op::Subtract:
        return b_.CreateFSub(x, y);
      case Op::Multiply:
        return b_.CreateFMul(x, y);
      case Op::Divide:
        return b_.CreateFDiv(x, y);
      case Op::FloorDivide:
      case Op::Remainder:
        return emit_float_divmod(op, t, x, y);
      case Op::Fmod:  // C's fmod
        return b_.CreateFRem(x, y);
      case Op::Maximum:  // numpy: a > b || isnan(a) ? a : b (nan from either side; ties take b)
        return b_.CreateSelect(b_.CreateOr(b_.CreateFCmpOGT(x, y), b_.CreateFCmpUNO(x, x)), x, y);
      case Op::Minimum:
        return b_.CreateSelect(b_.CreateOr(b_.CreateFCmpOLT(x, y), b_.CreateFCmpUNO(x, x)), x, y);
      case Op::Copysign:
        return b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, x, y);
      default:
        if (graph::op_info(op).libm) return math_.call(b_, op, t, {x, y});
        break;
    }
  }
  graph::internal_error(__FILE__, __LINE__,
                        "no lowering for binary op " + std::string(graph::op_info(op).name) +
                            " on " + std::string(dtype_name(t)));
}

// A data-dependent load: the index wraps once from the end; out of range, it reads element 0 of
// the access instead (always inside the buffer, which is not empty when the kernel runs) and
// sets `fail`. Selects, not branches, so that the loop vectorizes (to masked gathers).
Value* BodyEmitter::emit_gather(const ir::Instr& in, const BodyEnv& env, Value*& fail) {
  const auto a = static_cast<uint32_t>(in.imm & 0xffffffffu);
  Value* idx = values_[in.args[0]];
  Value* extent = values_[in.args[1]];
  Value* stride = values_[in.args[2]];
  Value* zero = b_.getInt64(0);
  Value* wrapped = b_.CreateSelect(b_.CreateICmpSLT(idx, zero), b_.CreateAdd(idx, extent), idx);
  Value* ok = b_.CreateICmpULT(wrapped, extent);  // unsigned: negative is out of range too
  fail = b_.CreateNot(ok);
  Value* offset = b_.CreateMul(b_.CreateSelect(ok, wrapped, zero), stride);
  llvm::Type* mt = memory_type(b_.getContext(), in.dtype);
  Value* ptr = b_.CreateInBoundsGEP(mt, env.base(a), b_.CreateAdd(env.index(a), offset));
  auto* load = b_.CreateLoad(mt, ptr);
  if (env.load_noalias) load->setMetadata(llvm::LLVMContext::MD_noalias, env.load_noalias);
  return from_memory(load, in.dtype);
}

// graph::philox_bits as IR: ten Philox rounds on 32-bit lanes (the 32x32->64 multiplies
// vectorize to vpmuludq), words 0 and 1 of the result as one int64.
Value* BodyEmitter::emit_philox(Value* index, Value* seed, Value* stream) {
  llvm::Type* i32 = b_.getInt32Ty();
  llvm::Type* i64 = b_.getInt64Ty();
  auto lo = [&](Value* v) { return b_.CreateTrunc(v, i32); };
  auto hi = [&](Value* v) { return b_.CreateTrunc(b_.CreateLShr(v, 32), i32); };
  Value* c[4] = {lo(index), hi(index), lo(stream), hi(stream)};
  Value* k[2] = {lo(seed), hi(seed)};
  for (int r = 0; r < graph::kPhiloxRounds; ++r) {
    Value* p0 = b_.CreateMul(b_.getInt64(graph::kPhiloxM0), b_.CreateZExt(c[0], i64));
    Value* p1 = b_.CreateMul(b_.getInt64(graph::kPhiloxM1), b_.CreateZExt(c[2], i64));
    Value* next[4] = {b_.CreateXor(b_.CreateXor(hi(p1), c[1]), k[0]), lo(p1),
                      b_.CreateXor(b_.CreateXor(hi(p0), c[3]), k[1]), lo(p0)};
    std::copy(next, next + 4, c);
    k[0] = b_.CreateAdd(k[0], b_.getInt32(graph::kPhiloxW0));
    k[1] = b_.CreateAdd(k[1], b_.getInt32(graph::kPhiloxW1));
  }
  return b_.CreateOr(b_.CreateZExt(c[0], i64), b_.CreateShl(b_.CreateZExt(c[1], i64), 32));
}

// numpy's integer floor_divide and remainder, branch-free so that the loop vectorizes:
// division by zero gives 0, MIN // -1 gives MIN, and the results take the divisor's sign.
Value* BodyEmitter::emit_int_divmod(Op op, DType t, Value* a, Value* b) {
  llvm::Type* ty = a->getType();
  Value* zero = llvm::ConstantInt::get(ty, 0);
  Value* one = llvm::ConstantInt::get(ty, 1);
  if (is_unsigned(t)) {  // plain division; by zero gives 0
    Value* b_zero = b_.CreateICmpEQ(b, zero);
    Value* safe_b = b_.CreateSelect(b_zero, one, b);
    Value* r = op == Op::FloorDivide ? b_.CreateUDiv(a, safe_b) : b_.CreateURem(a, safe_b);  // (Fmod too)
    return b_.CreateSelect(b_zero, zero, r);
  }
  Value* minus_one = llvm::ConstantInt::get(ty, -1, true);
  Value* b_zero = b_.CreateICmpEQ(b, zero);
  Value* b_minus_one = b_.CreateICmpEQ(b, minus_one);
  // Divide by 1 instead where the hardware would trap; those lanes are replaced below.
  Value* safe_b = b_.CreateSelect(b_.CreateOr(b_zero, b_minus_one), one, b);
  Value* q = b_.CreateSDiv(a, safe_b);
  Value* r = b_.CreateSRem(a, safe_b);
  Value* signs_differ = b_.CreateICmpNE(b_.CreateICmpSGT(a, zero), b_.CreateICmpSGT(b, zero));
  Value* inexact = b_.CreateICmpNE(r, zero);
  if (op == Op::FloorDivide) {
    Value* floored = b_.CreateSub(q, b_.CreateZExt(b_.CreateAnd(signs_differ, inexact), ty));
    // b == -1: the quotient is -a, which wraps to MIN for MIN as numpy returns.
    Value* result = b_.CreateSelect(b_minus_one, b_.CreateNeg(a), floored);
    return b_.CreateSelect(b_zero, zero, result);
  }
  if (op == Op::Fmod) return b_.CreateSelect(b_.CreateOr(b_zero, b_minus_one), zero, r);  // C's %
  Value* adjusted = b_.CreateSelect(b_.CreateAnd(signs_differ, inexact), b_.CreateAdd(r, b), r);
  return b_.CreateSelect(b_.CreateOr(b_zero, b_minus_one), zero, adjusted);
}

// numpy's npy_divmod for floats (see scalar_math.hpp), branch-free.
Value* BodyEmitter::emit_float_divmod(Op op, DType, Value* a, Value* b) {
  llvm::Type* ty = a->getType();
  Value* zero = llvm::ConstantFP::get(ty, 0.0);
  Value* one = llvm::ConstantFP::get(ty, 1.0);
  Value* mod = b_.CreateFRem(a, b);
  Value* b_is_zero = b_.CreateFCmpOEQ(b, zero);
  Value* mod_nonzero = b_.CreateFCmpUNE(mod, zero);  // C truthiness: nan is true
  Value* adjust = b_.CreateAnd(
      mod_nonzero, b_.CreateICmpNE(b_.CreateFCmpOLT(b, zero), b_.CreateFCmpOLT(mod, zero)));
  Value* signed_zero_b = b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, zero, b);
  Value* mod_final = b_.CreateSelect(
      mod_nonzero, b_.CreateSelect(adjust, b_.CreateFAdd(mod, b), mod), signed_zero_b);
  if (op == Op::Remainder) return b_.CreateSelect(b_is_zero, mod, mod_final);
  Value* div = b_.CreateFDiv(b_.CreateFSub(a, mod), b);
  div = b_.CreateSelect(adjust, b_.CreateFSub(div, one), div);
  Value* fl = b_.CreateUnaryIntrinsic(llvm::Intrinsic::floor, div);
  Value* rounded =
      b_.CreateSelect(b_.CreateFCmpOGT(b_.CreateFSub(div, fl), llvm::ConstantFP::get(ty, 0.5)),
                      b_.CreateFAdd(fl, one), fl);
  Value* quotient = b_.CreateFDiv(a, b);
  Value* zero_case = b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, zero, quotient);
  Value* floordiv = b_.CreateSelect(b_.CreateFCmpUNE(div, zero), rounded, zero_case);
  return b_.CreateSelect(b_is_zero, quotient, floordiv);
}

// Integer power by squaring over every exponent bit, with selects instead of branches so the
// loop vectorizes; wrap-around matches numpy's. A negative exponent raises an error bit.
Value* BodyEmitter::emit_int_power(DType t, Value* a, Value* b, Value*& fail) {
  llvm::Type* ty = a->getType();
  // Every bit of an unsigned exponent counts; a signed one's sign bit is the error.
  const unsigned bits = bits_of(t) + (is_unsigned(t) ? 1 : 0);
  fail = is_unsigned(t) ? b_.getInt1(false) : b_.CreateICmpSLT(b, llvm::ConstantInt::get(ty, 0));
  Value* result = llvm::ConstantInt::get(ty, 1);
  Value* base = a;
  for (unsigned k = 0; k + 1 < bits; ++k) {
    Value* bit_set = b_.CreateICmpNE(b_.CreateAnd(b, llvm::ConstantInt::get(ty, 1ull << k)),
                                     llvm::ConstantInt::get(ty, 0));
    result = b_.CreateSelect(bit_set, b_.CreateMul(result, base), result);
    if (k + 2 < bits) base = b_.CreateMul(base, base);
  }
  return result;
}

}  // namespace kiln::jit
