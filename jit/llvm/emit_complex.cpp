// complex64 and complex128 in LLVM IR: a value is the struct {float re, float im} (or of
// doubles). Loads and stores of the
// struct are split by InstCombine into float accesses with stride 2, which the loop vectorizer
// handles as interleaved groups, so complex kernels vectorize like real ones. The formulas are
// numpy's loops (graph/scalar_math.hpp has the same ones for the reference interpreter).
#include "graph/errors.hpp"
#include "graph/scalar_math.hpp"
#include "graph/types.hpp"
#include "jit/llvm/emit_body.hpp"

namespace kiln::jit {

using graph::Op;
using llvm::Value;

namespace {
Value* re(llvm::IRBuilder<>& b, Value* z) {
  return b.CreateExtractValue(z, 0);
}
Value* im(llvm::IRBuilder<>& b, Value* z) {
  return b.CreateExtractValue(z, 1);
}
}  // namespace

Value* BodyEmitter::make_complex(Value* r, Value* i) {
  // The struct of the parts' type: {float, float} is complex64, {double, double} complex128.
  Value* z =
      llvm::PoisonValue::get(llvm::StructType::get(b_.getContext(), {r->getType(), r->getType()}));
  return b_.CreateInsertValue(b_.CreateInsertValue(z, r, 0), i, 1);
}

Value* BodyEmitter::complex_constant(uint64_t bits) {
  llvm::Type* f = b_.getFloatTy();
  auto part = [&](uint32_t w) { return llvm::ConstantFP::get(f, std::bit_cast<float>(w)); };
  return llvm::ConstantStruct::get(
      llvm::cast<llvm::StructType>(value_type(b_.getContext(), DType::complex64)),
      {part(static_cast<uint32_t>(bits)), part(static_cast<uint32_t>(bits >> 32))});
}

Value* BodyEmitter::complex_from_param(Value* raw) {
  Value* r = b_.CreateBitCast(b_.CreateTrunc(raw, b_.getInt32Ty()), b_.getFloatTy());
  Value* i =
      b_.CreateBitCast(b_.CreateTrunc(b_.CreateLShr(raw, 32), b_.getInt32Ty()), b_.getFloatTy());
  return make_complex(r, i);
}

Value* BodyEmitter::emit_complex_cast(Value* v, DType from, DType to) {
  if (is_complex(from) && is_complex(to)) {  // part by part
    const DType pf = graph::part_of(from), pt = graph::part_of(to);
    return make_complex(emit_cast(re(b_, v), pf, pt), emit_cast(im(b_, v), pf, pt));
  }
  if (is_complex(from)) {  // numpy keeps the real part (with a ComplexWarning)
    if (to == DType::bool_) {
      Value* zero = llvm::ConstantFP::get(re(b_, v)->getType(), 0.0);
      return b_.CreateOr(b_.CreateFCmpUNE(re(b_, v), zero), b_.CreateFCmpUNE(im(b_, v), zero));
    }
    return emit_cast(re(b_, v), graph::part_of(from), to);
  }
  const DType part = graph::part_of(to);
  return make_complex(emit_cast(v, from, part),
                      llvm::ConstantFP::get(value_type(b_.getContext(), part), 0.0));
}

Value* BodyEmitter::emit_complex(const ir::Instr& in) {
  Value* x = values_[in.args[0]];
  if (in.op == Op::MakeComplex) return make_complex(x, values_[in.args[1]]);
  if (in.op == Op::Where) {  // per part: selects of structs do not vectorize
    Value* c = x;
    Value *a = values_[in.args[1]], *b = values_[in.args[2]];
    return make_complex(b_.CreateSelect(c, re(b_, a), re(b_, b)),
                        b_.CreateSelect(c, im(b_, a), im(b_, b)));
  }
  Value* xr = re(b_, x);
  Value* xi = im(b_, x);
  llvm::Type* f = xr->getType();  // float for complex64, double for complex128
  const DType part = f->isFloatTy() ? DType::float32 : DType::float64;
  Value* zero = llvm::ConstantFP::get(f, 0.0);
  Value* one = llvm::ConstantFP::get(f, 1.0);
  auto fabs = [&](Value* v) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v); };
  auto inf = llvm::ConstantFP::getInfinity(f);
  switch (in.op) {
    case Op::Negative:
      return make_complex(b_.CreateFNeg(xr), b_.CreateFNeg(xi));
    case Op::Conj:
      return make_complex(xr, b_.CreateFNeg(xi));
    case Op::Real:
      return xr;
    case Op::Imag:
      return xi;
    case Op::Abs:
      return math_.call(b_, Op::Hypot, part, {xr, xi});
    case Op::Angle:
      return math_.call(b_, Op::Arctan2, part, {xi, xr});
    case Op::IsNan:
      return b_.CreateOr(b_.CreateFCmpUNO(xr, xr), b_.CreateFCmpUNO(xi, xi));
    case Op::IsInf:
      return b_.CreateOr(b_.CreateFCmpOEQ(fabs(xr), inf), b_.CreateFCmpOEQ(fabs(xi), inf));
    case Op::IsFinite:
      return b_.CreateAnd(b_.CreateFCmpOLT(fabs(xr), inf), b_.CreateFCmpOLT(fabs(xi), inf));
    case Op::Square:
      return make_complex(b_.CreateFSub(b_.CreateFMul(xr, xr), b_.CreateFMul(xi, xi)),
                          b_.CreateFAdd(b_.CreateFMul(xr, xi), b_.CreateFMul(xi, xr)));
    case Op::Reciprocal: {  // numpy's: divide by the larger part first
      Value* small_im = b_.CreateFCmpOLE(fabs(xi), fabs(xr));
      Value* q1 = b_.CreateFDiv(xi, xr);
      Value* d1 = b_.CreateFAdd(xr, b_.CreateFMul(xi, q1));
      Value* q2 = b_.CreateFDiv(xr, xi);
      Value* d2 = b_.CreateFAdd(b_.CreateFMul(xr, q2), xi);
      return make_complex(b_.CreateSelect(small_im, b_.CreateFDiv(one, d1), b_.CreateFDiv(q2, d2)),
                          b_.CreateSelect(small_im, b_.CreateFDiv(b_.CreateFNeg(q1), d1),
                                          b_.CreateFDiv(llvm::ConstantFP::get(f, -1.0), d2)));
    }
    case Op::Exp: {  // e^re in float64 times cos/sin(im); im == 0 kept (no inf * 0)
      llvm::Type* f64 = b_.getDoubleTy();
      Value* xr64 = b_.CreateFPCast(xr, f64);
      // Above kComplexExpSplit, e^re as (e^(re/2))^2, multiplied in after cos and sin, so that
      // a finite result does not overflow on the way (scalar_math.hpp's cexp).
      Value* split =
          b_.CreateFCmpOGT(xr64, llvm::ConstantFP::get(f64, graph::ref::kComplexExpSplit));
      Value* e = math_.call(
          b_, Op::Exp, DType::float64,
          {b_.CreateSelect(split, b_.CreateFMul(xr64, llvm::ConstantFP::get(f64, 0.5)), xr64)});
      Value* m = b_.CreateSelect(split, e, llvm::ConstantFP::get(f64, 1.0));
      Value* c = b_.CreateFPCast(math_.call(b_, Op::Cos, part, {xi}), f64);
      Value* s = b_.CreateFPCast(math_.call(b_, Op::Sin, part, {xi}), f64);
      Value* im_zero = b_.CreateFCmpOEQ(xi, zero);
      Value* r = b_.CreateFPCast(b_.CreateFMul(b_.CreateFMul(e, c), m), f);
      Value* i = b_.CreateFPCast(b_.CreateFMul(b_.CreateFMul(e, s), m), f);
      r = b_.CreateSelect(im_zero, b_.CreateFPCast(b_.CreateFMul(e, m), f), r);
      i = b_.CreateSelect(im_zero, xi, i);
      // Annex G: an infinite real part with a non-finite imaginary one.
      Value* special = b_.CreateAnd(b_.CreateFCmpOEQ(fabs(xr), inf),
                                    b_.CreateNot(b_.CreateFCmpOLT(fabs(xi), inf)));
      Value* negative = b_.CreateFCmpOLT(xr, zero);
      Value* nan = llvm::ConstantFP::getNaN(f);
      r = b_.CreateSelect(special, b_.CreateSelect(negative, zero, inf), r);
      i = b_.CreateSelect(special, b_.CreateSelect(negative, zero, nan), i);
      return make_complex(r, i);
    }
    default:
      break;
  }
  Value* y = values_[in.args[1]];
  Value* yr = re(b_, y);
  Value* yi = im(b_, y);
  switch (in.op) {
    case Op::Add:
      return make_complex(b_.CreateFAdd(xr, yr), b_.CreateFAdd(xi, yi));
    case Op::Subtract:
      return make_complex(b_.CreateFSub(xr, yr), b_.CreateFSub(xi, yi));
    case Op::Multiply:
      return make_complex(b_.CreateFSub(b_.CreateFMul(xr, yr), b_.CreateFMul(xi, yi)),
                          b_.CreateFAdd(b_.CreateFMul(xr, yi), b_.CreateFMul(xi, yr)));
    case Op::Equal:
      return b_.CreateAnd(b_.CreateFCmpOEQ(xr, yr), b_.CreateFCmpOEQ(xi, yi));
    case Op::NotEqual:
      return b_.CreateOr(b_.CreateFCmpUNE(xr, yr), b_.CreateFCmpUNE(xi, yi));
    case Op::Divide: {  // numpy's Smith division, branch-free
      Value* ar = fabs(yr);
      Value* ai = fabs(yi);
      Value* real_larger = b_.CreateFCmpOGE(ar, ai);
      Value* both_zero = b_.CreateAnd(b_.CreateFCmpOEQ(ar, zero), b_.CreateFCmpOEQ(ai, zero));
      Value* rat1 = b_.CreateFDiv(yi, yr);
      Value* scl1 = b_.CreateFDiv(one, b_.CreateFAdd(yr, b_.CreateFMul(yi, rat1)));
      Value* r1 = b_.CreateFMul(b_.CreateFAdd(xr, b_.CreateFMul(xi, rat1)), scl1);
      Value* i1 = b_.CreateFMul(b_.CreateFSub(xi, b_.CreateFMul(xr, rat1)), scl1);
      Value* r0 = b_.CreateFDiv(xr, ar);
      Value* i0 = b_.CreateFDiv(xi, ar);
      Value* rat2 = b_.CreateFDiv(yr, yi);
      Value* scl2 = b_.CreateFDiv(one, b_.CreateFAdd(yi, b_.CreateFMul(yr, rat2)));
      Value* r2 = b_.CreateFMul(b_.CreateFAdd(b_.CreateFMul(xr, rat2), xi), scl2);
      Value* i2 = b_.CreateFMul(b_.CreateFSub(b_.CreateFMul(xi, rat2), xr), scl2);
      return make_complex(b_.CreateSelect(real_larger, b_.CreateSelect(both_zero, r0, r1), r2),
                          b_.CreateSelect(real_larger, b_.CreateSelect(both_zero, i0, i1), i2));
    }
    default:
      break;
  }
  graph::internal_error(__FILE__, __LINE__,
                        "no complex lowering for " + std::string(graph::op_info(in.op).name));
}

}  // namespace kiln::jit
