#include "jit/cpu/cpu_codegen.hpp"

#include <map>

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>
#include <llvm/Transforms/Vectorize/LoopVectorize.h>

#include "graph/errors.hpp"
#include "jit/llvm/emit_body.hpp"

namespace kiln::jit {

namespace {

using llvm::BasicBlock;
using llvm::Value;

// libm calls that the loop vectorizer may replace by glibc's libmvec variants, declared through
// the "vector-function-abi-variant" attribute for every width the CPU supports.
class LibmvecMath final : public MathLib {
 public:
  LibmvecMath(llvm::Module& m, const VectorIsa& isa) : m_(m), isa_(isa) {}

  Value* call(llvm::IRBuilder<>& b, graph::Op op, DType t, llvm::ArrayRef<Value*> args) override {
    llvm::LLVMContext& c = m_.getContext();
    llvm::Type* ty = value_type(c, t);
    const std::string name =
        std::string(graph::op_info(op).libm) + (t == DType::float32 ? "f" : "");
    llvm::Function* f = m_.getFunction(name);
    if (!f) {
      auto* fty = llvm::FunctionType::get(ty, std::vector<llvm::Type*>(args.size(), ty), false);
      f = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, m_);
      mark_pure(f);
      declare_variants(name, ty, args.size());
    }
    llvm::CallInst* call = b.CreateCall(f, args);
    call->setDoesNotAccessMemory();
    const std::string& variants = variants_[name];
    if (!variants.empty())
      call->addFnAttr(llvm::Attribute::get(c, "vector-function-abi-variant", variants));
    return call;
  }

 private:
  static void mark_pure(llvm::Function* f) {
    // errno is never read, so the math functions are pure for kiln's purposes.
    f->setDoesNotAccessMemory();
    f->setDoesNotThrow();
    f->setWillReturn();
  }

  void declare_variants(const std::string& name, llvm::Type* ty, size_t nargs) {
    const bool f32 = ty->isFloatTy();
    struct Variant {
      bool available;
      char isa;
      unsigned lanes;
    };
    const Variant variants[] = {{isa_.sse2, 'b', f32 ? 4u : 2u},
                                {isa_.avx2, 'd', f32 ? 8u : 4u},
                                {isa_.avx512, 'e', f32 ? 16u : 8u}};
    const std::string params(nargs, 'v');
    std::string attr;
    std::vector<llvm::GlobalValue*> used;
    for (const Variant& v : variants) {
      if (!v.available) continue;
      const std::string lanes = std::to_string(v.lanes);
      const std::string vname = "_ZGV" + std::string(1, v.isa) + "N" + lanes + params + "_" + name;
      auto* vty = llvm::FixedVectorType::get(ty, v.lanes);
      auto* vfty = llvm::FunctionType::get(vty, std::vector<llvm::Type*>(nargs, vty), false);
      auto* vf = llvm::Function::Create(vfty, llvm::Function::ExternalLinkage, vname, m_);
      mark_pure(vf);
      used.push_back(vf);
      if (!attr.empty()) attr += ",";
      attr += "_ZGV_LLVM_N" + lanes + params + "_" + name + "(" + vname + ")";
    }
    // Keeps the vector declarations alive until the vectorizer has looked them up.
    llvm::appendToCompilerUsed(m_, used);
    variants_[name] = attr;
  }

  llvm::Module& m_;
  VectorIsa isa_;
  std::map<std::string, std::string> variants_;
};

// Builds the loops of a CPU kernel around the shared body emitter. Rank 1: one loop over
// [begin, end). Higher ranks: a loop over rows of the innermost dimension (multi-index carried
// incrementally) around an inner loop that the vectorizer turns into SIMD code.
class LoopBuilder {
 public:
  LoopBuilder(const ir::KernelIR& ir, llvm::Function* fn, MathLib& math)
      : ir_(ir), fn_(fn), c_(fn->getContext()), b_(c_), body_(ir, b_, math) {}

  void build() {
    auto* entry = BasicBlock::Create(c_, "entry", fn_);
    b_.SetInsertPoint(entry);
    Value* bufs = fn_->getArg(0);
    params_ = fn_->getArg(1);
    Value* begin = fn_->getArg(2);
    Value* end = fn_->getArg(3);
    Value* status = fn_->getArg(4);
    load_buffers(bufs);
    make_alias_scopes();
    for (uint32_t d = 0; d < ir_.rank; ++d) dims_.push_back(slot(ir_.dims_slot() + d));
    load_strides();

    auto* body = BasicBlock::Create(c_, "body", fn_);
    auto* done = BasicBlock::Create(c_, "done", fn_);
    b_.CreateCondBr(b_.CreateICmpSLT(begin, end), body, done);
    b_.SetInsertPoint(body);
    BodyEnv env = base_env();
    env.index = [&](uint32_t) -> Value* { return b_.getInt64(0); };
    body_.emit(Level::Invariant, env);
    Value* errors = ir_.rank == 1 ? flat_loop(begin, end) : row_loops(begin, end);
    auto* report = BasicBlock::Create(c_, "report", fn_);
    if (errors) {
      b_.CreateCondBr(b_.CreateICmpNE(errors, b_.getInt64(0)), report, done);
      b_.SetInsertPoint(report);
      b_.CreateAtomicRMW(llvm::AtomicRMWInst::Or, status, errors, llvm::MaybeAlign(8),
                         llvm::AtomicOrdering::Monotonic);
    }
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    b_.CreateRetVoid();
    if (!errors) report->eraseFromParent();
  }

 private:
  Value* slot(uint32_t s) {
    Value* p = b_.CreateConstInBoundsGEP1_64(b_.getInt64Ty(), params_, s);
    return b_.CreateLoad(b_.getInt64Ty(), p);
  }

  void load_buffers(Value* bufs) {
    uint32_t k = 0;
    auto next = [&] {
      return b_.CreateLoad(b_.getPtrTy(), b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), bufs, k++));
    };
    for (size_t o = 0; o < ir_.outputs.size(); ++o) outputs_.push_back(next());
    for (const ir::Access& a : ir_.accesses) inputs_.push_back(a.is_buffer ? next() : nullptr);
  }

  void make_alias_scopes() {
    // Outputs are fresh buffers: no load aliases any store, and outputs never alias each other.
    llvm::MDBuilder md(c_);
    llvm::MDNode* domain = md.createAnonymousAliasScopeDomain("kiln.kernel");
    std::vector<llvm::Metadata*> scopes;
    for (size_t o = 0; o < ir_.outputs.size(); ++o)
      scopes.push_back(md.createAnonymousAliasScope(domain, "out" + std::to_string(o)));
    all_outputs_ = llvm::MDNode::get(c_, scopes);
    for (size_t o = 0; o < scopes.size(); ++o) {
      std::vector<llvm::Metadata*> others;
      for (size_t p = 0; p < scopes.size(); ++p)
        if (p != o) others.push_back(scopes[p]);
      store_scope_.push_back(llvm::MDNode::get(c_, {scopes[o]}));
      store_noalias_.push_back(llvm::MDNode::get(c_, others));
    }
  }

  void load_strides() {
    strides_.resize(ir_.accesses.size());
    for (uint32_t a = 0; a < ir_.accesses.size(); ++a) {
      uint32_t s = ir_.stride_slot(a);
      strides_[a].assign(ir_.rank, nullptr);
      for (uint32_t d = 0; d < ir_.rank; ++d)
        if (ir_.accesses[a].varying >> d & 1) strides_[a][d] = slot(s++);
    }
  }

  BodyEnv base_env() {
    BodyEnv env;
    env.base = [this](uint32_t a) { return inputs_[a]; };
    env.param = [this](uint32_t s) { return slot(s); };
    env.load_noalias = all_outputs_;
    return env;
  }

  // Index of access `a` at inner position `j` given its row base.
  Value* inner_index(uint32_t a, Value* row_base, Value* j) {
    switch (ir_.accesses[a].inner) {
      case ir::Inner::None:
        return row_base;
      case ir::Inner::Unit:
        return row_base ? b_.CreateAdd(row_base, j) : j;
      case ir::Inner::Strided: {
        Value* off = b_.CreateMul(j, strides_[a][ir_.rank - 1]);
        return row_base ? b_.CreateAdd(row_base, off) : off;
      }
    }
    return j;
  }

  void store_outputs(Value* position) {
    for (size_t o = 0; o < ir_.outputs.size(); ++o) {
      const ir::Output& out = ir_.outputs[o];
      Value* v = body_.to_memory(body_.value(out.instr), out.dtype);
      Value* p = b_.CreateInBoundsGEP(memory_type(c_, out.dtype), outputs_[o], position);
      auto* st = b_.CreateStore(v, p);
      st->setMetadata(llvm::LLVMContext::MD_alias_scope, store_scope_[o]);
      st->setMetadata(llvm::LLVMContext::MD_noalias, store_noalias_[o]);
    }
  }

  // The element loop: emits the per-element body and the stores; returns the error
  // accumulator's value after the loop (or null when the kernel raises no errors).
  Value* element_loop(Value* from, Value* to, Value* row_base_of_output,
                      const std::vector<Value*>& row_bases, Value* errors_in) {
    BasicBlock* pre = b_.GetInsertBlock();
    auto* loop = BasicBlock::Create(c_, "loop", fn_);
    auto* exit = BasicBlock::Create(c_, "loop.exit", fn_);
    b_.CreateBr(loop);
    b_.SetInsertPoint(loop);
    llvm::PHINode* j = b_.CreatePHI(b_.getInt64Ty(), 2, "j");
    j->addIncoming(from, pre);
    llvm::PHINode* err = nullptr;
    if (errors_in) {
      err = b_.CreatePHI(b_.getInt64Ty(), 2, "err");
      err->addIncoming(errors_in, pre);
    }
    BodyEnv env = base_env();
    env.index = [&](uint32_t a) { return inner_index(a, row_bases[a], j); };
    Value* fails = body_.emit(Level::Element, env);
    store_outputs(row_base_of_output ? b_.CreateAdd(row_base_of_output, j) : j);
    Value* next = b_.CreateAdd(j, b_.getInt64(1), "", /*HasNUW=*/true, /*HasNSW=*/true);
    Value* err_next = err ? (fails ? b_.CreateOr(err, fails) : err) : nullptr;
    BasicBlock* latch = b_.GetInsertBlock();
    j->addIncoming(next, latch);
    if (err) err->addIncoming(err_next, latch);
    b_.CreateCondBr(b_.CreateICmpSLT(next, to), loop, exit);
    b_.SetInsertPoint(exit);
    return err_next;
  }

  Value* initial_errors() { return ir_.num_error_bits ? b_.getInt64(0) : nullptr; }

  Value* flat_loop(Value* begin, Value* end) {
    std::vector<Value*> no_bases(ir_.accesses.size(), nullptr);
    return element_loop(begin, end, nullptr, no_bases, initial_errors());
  }

  Value* row_loops(Value* begin, Value* end) {
    const uint32_t outer = ir_.rank - 1;
    Value* inner_extent = dims_[outer];
    // Multi-index of `begin`, computed once; later rows advance it with carries.
    Value* j0_init = b_.CreateSRem(begin, inner_extent);
    Value* q = b_.CreateSDiv(begin, inner_extent);
    std::vector<Value*> idx_init(outer);
    for (uint32_t d = outer; d-- > 0;) {
      if (d == 0) {
        idx_init[d] = q;
      } else {
        idx_init[d] = b_.CreateSRem(q, dims_[d]);
        q = b_.CreateSDiv(q, dims_[d]);
      }
    }
    BasicBlock* pre = b_.GetInsertBlock();
    auto* row = BasicBlock::Create(c_, "row", fn_);
    auto* exit = BasicBlock::Create(c_, "rows.exit", fn_);
    b_.CreateBr(row);
    b_.SetInsertPoint(row);
    llvm::PHINode* flat = b_.CreatePHI(b_.getInt64Ty(), 2, "flat");
    llvm::PHINode* j0 = b_.CreatePHI(b_.getInt64Ty(), 2, "j0");
    std::vector<llvm::PHINode*> idx(outer);
    for (uint32_t d = 0; d < outer; ++d) idx[d] = b_.CreatePHI(b_.getInt64Ty(), 2);
    llvm::PHINode* err = nullptr;
    if (ir_.num_error_bits) err = b_.CreatePHI(b_.getInt64Ty(), 2, "err.row");
    flat->addIncoming(begin, pre);
    j0->addIncoming(j0_init, pre);
    for (uint32_t d = 0; d < outer; ++d) idx[d]->addIncoming(idx_init[d], pre);
    if (err) err->addIncoming(b_.getInt64(0), pre);

    Value* len = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, b_.CreateSub(inner_extent, j0),
                                          b_.CreateSub(end, flat));
    std::vector<Value*> bases(ir_.accesses.size(), nullptr);
    for (uint32_t a = 0; a < ir_.accesses.size(); ++a) {
      for (uint32_t d = 0; d < outer; ++d) {
        if (!strides_[a][d]) continue;
        Value* term = b_.CreateMul(idx[d], strides_[a][d]);
        bases[a] = bases[a] ? b_.CreateAdd(bases[a], term) : term;
      }
      if (!bases[a]) bases[a] = b_.getInt64(0);
    }
    BodyEnv env = base_env();
    env.index = [&](uint32_t a) { return bases[a]; };
    body_.emit(Level::Row, env);
    Value* out_row = b_.CreateSub(flat, j0);
    Value* errors = element_loop(j0, b_.CreateAdd(j0, len), out_row, bases, err);

    Value* flat_next = b_.CreateAdd(flat, len);
    Value* carry = b_.getTrue();
    std::vector<Value*> idx_next(outer);
    for (uint32_t d = outer; d-- > 0;) {
      Value* bumped = b_.CreateAdd(idx[d], b_.CreateZExt(carry, b_.getInt64Ty()));
      Value* wraps = b_.CreateICmpEQ(bumped, dims_[d]);
      idx_next[d] = b_.CreateSelect(wraps, b_.getInt64(0), bumped);
      carry = b_.CreateAnd(carry, wraps);
    }
    BasicBlock* latch = b_.GetInsertBlock();
    flat->addIncoming(flat_next, latch);
    j0->addIncoming(b_.getInt64(0), latch);
    for (uint32_t d = 0; d < outer; ++d) idx[d]->addIncoming(idx_next[d], latch);
    if (err) err->addIncoming(errors, latch);
    b_.CreateCondBr(b_.CreateICmpSLT(flat_next, end), row, exit);
    b_.SetInsertPoint(exit);
    return errors;
  }

  const ir::KernelIR& ir_;
  llvm::Function* fn_;
  llvm::LLVMContext& c_;
  llvm::IRBuilder<> b_;
  BodyEmitter body_;
  Value* params_ = nullptr;
  std::vector<Value*> outputs_, inputs_, dims_;
  std::vector<std::vector<Value*>> strides_;
  llvm::MDNode* all_outputs_ = nullptr;
  std::vector<llvm::MDNode*> store_scope_, store_noalias_;
};

}  // namespace

std::unique_ptr<llvm::Module> build_cpu_module(const ir::KernelIR& ir, const std::string& symbol,
                                               llvm::LLVMContext& context, llvm::TargetMachine& tm,
                                               const VectorIsa& isa) {
  auto m = std::make_unique<llvm::Module>(symbol, context);
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());
  llvm::Type* ptr = llvm::PointerType::getUnqual(context);
  llvm::Type* i64 = llvm::Type::getInt64Ty(context);
  auto* fty =
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptr, ptr, i64, i64, ptr}, false);
  auto* fn = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, symbol, m.get());
  fn->addFnAttr("target-cpu", tm.getTargetCPU());
  fn->addFnAttr("target-features", tm.getTargetFeatureString());
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  fn->addFnAttr(llvm::Attribute::MustProgress);
  for (unsigned a : {0u, 1u, 4u}) {
    fn->addParamAttr(a, llvm::Attribute::NoAlias);
    fn->addParamAttr(a, llvm::Attribute::NoCapture);
  }
  fn->addParamAttr(0, llvm::Attribute::ReadOnly);
  fn->addParamAttr(1, llvm::Attribute::ReadOnly);
  LibmvecMath math(*m, isa);
  LoopBuilder(ir, fn, math).build();
  std::string problems;
  llvm::raw_string_ostream os(problems);
  KILN_CHECK(!llvm::verifyModule(*m, &os),
             "invalid LLVM IR for kernel " + symbol + ": " + problems);
  return m;
}

void optimize_cpu_module(llvm::Module& m, llvm::TargetMachine& tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = false;
  llvm::PassBuilder pb(&tm, tuning);
  llvm::Triple triple(m.getTargetTriple());
  fam.registerPass(
      [&] { return llvm::TargetLibraryAnalysis(llvm::TargetLibraryInfoImpl(triple)); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);

  // The body arrives hoisted and CSE'd by construction; the vectorizer does the real work, and
  // a cleanup round tidies its output.
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::LoopVectorizePass());
  fpm.addPass(llvm::EarlyCSEPass());
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(m, mam);
}

std::vector<uint8_t> emit_machine_code(llvm::Module& m, llvm::TargetMachine& tm, bool assembly) {
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream os(bytes);
  llvm::legacy::PassManager pm;
  const auto type =
      assembly ? llvm::CodeGenFileType::AssemblyFile : llvm::CodeGenFileType::ObjectFile;
  KILN_CHECK(!tm.addPassesToEmitFile(pm, os, nullptr, type), "the target cannot emit machine code");
  pm.run(m);
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace kiln::jit
