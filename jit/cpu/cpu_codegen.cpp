#include "jit/cpu/cpu_codegen.hpp"

#include <iterator>
#include <map>
#include <mutex>

#include <llvm/Support/CommandLine.h>

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/LoopUnrollPass.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>
#include <llvm/Transforms/Vectorize/LoopVectorize.h>

#include "graph/errors.hpp"
#include "jit/cpu/cpu_loops.hpp"
#include "jit/llvm/emit_body.hpp"

namespace kiln::jit {

namespace {

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

}  // namespace

std::unique_ptr<llvm::Module> build_cpu_module(const ir::KernelIR& ir, const std::string& symbol,
                                               llvm::LLVMContext& context, llvm::TargetMachine& tm,
                                               const VectorIsa& isa) {
  auto m = std::make_unique<llvm::Module>(symbol, context);
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());
  llvm::Type* ptr = llvm::PointerType::getUnqual(context);
  llvm::Type* i64 = llvm::Type::getInt64Ty(context);
  auto* fty = llvm::FunctionType::get(llvm::Type::getVoidTy(context),
                                      {ptr, ptr, i64, i64, ptr, ptr}, false);
  LibmvecMath math(*m, isa);
  auto add_entry = [&](const std::string& name, Entry entry) {
    auto* fn = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, m.get());
    fn->addFnAttr("target-cpu", tm.getTargetCPU());
    fn->addFnAttr("target-features", tm.getTargetFeatureString());
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    fn->addFnAttr(llvm::Attribute::MustProgress);
    for (unsigned a : {0u, 1u, 4u, 5u}) {
      fn->addParamAttr(a, llvm::Attribute::NoAlias);
      fn->addParamAttr(a, llvm::Attribute::NoCapture);
    }
    for (unsigned a : {0u, 1u, 5u}) fn->addParamAttr(a, llvm::Attribute::ReadOnly);
    build_entry(ir, entry, fn, math);
  };
  if (ir.is_reduction()) {
    add_entry(symbol, Entry::ReduceMain);
    add_entry(symbol + kFinishSuffix, Entry::ReduceFinish);
  } else {
    add_entry(symbol, Entry::Map);
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  KILN_CHECK(!llvm::verifyModule(*m, &os),
             "invalid LLVM IR for kernel " + symbol + ": " + problems);
  return m;
}

void configure_llvm_codegen() {
  // Options for short loop kernels, where LLVM's per-module fixed costs dominate compile time:
  // no second (epilogue) vectorized loop, and no loop strength reduction or instruction
  // scheduling, none of which pays off for one simple loop on an out-of-order core. Measured
  // here: codegen median 5.6 ms -> 3.6 ms for a 20-op kernel, with the same kernel speed.
  // No loop versioning on a symbolic stride: the loop vectorizer would otherwise guess that a
  // runtime stride is 1 and keep only a scalar loop for every other stride, but kiln's kernels
  // already know which strides are 1 (the view pattern is in the key), so a runtime stride is
  // almost never 1. Vectorized with strided (gathered or scalarized) accesses instead, a column
  // loop calls libmvec's sin four at a time: stack(cols, axis=1) of sin columns 4.5x faster,
  // exp of a transposed float32 matrix 2x.
  static std::once_flag done;
  std::call_once(done, [] {
    const char* argv[] = {"kiln",
                          "-enable-epilogue-vectorization=false",
                          "-disable-lsr",
                          "-enable-misched=false",
                          "-disable-post-ra",
                          "-enable-mem-access-versioning=false"};
    llvm::cl::ParseCommandLineOptions(static_cast<int>(std::size(argv)), argv, "kiln", nullptr,
                                      nullptr);
  });
}

void initialize_host_llvm() {
  static std::once_flag ready;
  std::call_once(ready, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    configure_llvm_codegen();
  });
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
  // a cleanup round tidies its output. The only loops unrolled are those the builder marks
  // (a reduction's chunk of lanes, see cpu_reductions.cpp): unrolled, their small arrays have
  // constant indices, and SROA keeps them in registers.
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::LoopVectorizePass());
  fpm.addPass(llvm::LoopUnrollPass(llvm::LoopUnrollOptions(2, /*OnlyWhenForced=*/true, false)));
  fpm.addPass(llvm::SROAPass(llvm::SROAOptions::PreserveCFG));
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
