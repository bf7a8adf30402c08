#include "jit/cuda/nvptx_codegen.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>

#include <llvm/ADT/StringExtras.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Support/xxhash.h>

#include "graph/errors.hpp"
#include "jit/cuda/nvptx_kernels.hpp"
#include "jit/llvm/pipeline.hpp"
#include "kiln/error.hpp"

namespace kiln::jit {

namespace {

using llvm::Value;

std::string libdevice_path() {
  if (const char* p = std::getenv("KILN_LIBDEVICE"); p && *p) return p;
  const char* relative = "/nvvm/libdevice/libdevice.10.bc";
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* root = std::getenv(var); root && *root) return std::string(root) + relative;
  return std::string("/usr/local/cuda") + relative;
}

}  // namespace

Libdevice::Libdevice() : path_(libdevice_path()), identity_("none") {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return;
  bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (bytes_.empty()) return;
  const uint64_t h = llvm::xxh3_64bits(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size()));
  identity_ = std::to_string(bytes_.size()) + "-" + llvm::utohexstr(h);
}

void Libdevice::link_into(llvm::Module& m) const {
  if (!found())
    throw Error("[cuda backend] this kernel calls math functions from libdevice, which is not at " +
                path_ + "; set KILN_LIBDEVICE (or CUDA_HOME) to the CUDA toolkit's copy");
  llvm::MemoryBufferRef buffer(llvm::StringRef(bytes_.data(), bytes_.size()), "libdevice");
  // Lazily read: only the functions the kernel calls are materialised and linked.
  auto lib = llvm::getLazyBitcodeModule(buffer, m.getContext());
  if (!lib) throw Error("[cuda backend] cannot read " + path_ + ": " + toString(lib.takeError()));
  (*lib)->setTargetTriple(m.getTargetTriple());
  (*lib)->setDataLayout(m.getDataLayout());
  if (llvm::Linker::linkModules(m, std::move(*lib), llvm::Linker::LinkOnlyNeeded))
    throw Error("[cuda backend] linking libdevice from " + path_ + " failed");
}

std::unique_ptr<llvm::TargetMachine> make_nvptx_target_machine(const std::string& sm) {
  static std::once_flag ready;
  std::call_once(ready, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
  });
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kNvptxTriple, error);
  if (!target) throw Error("[cuda backend] this LLVM has no NVPTX target: " + error);
  std::unique_ptr<llvm::MCSubtargetInfo> sti(target->createMCSubtargetInfo(kNvptxTriple, "", ""));
  if (!sti->isCPUStringValid(sm))
    throw Error("[cuda backend] LLVM " LLVM_VERSION_STRING " cannot generate code for '" + sm +
                "' (expected an SM such as sm_80 or sm_90)");
  llvm::TargetOptions options;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      kNvptxTriple, sm, "", options, std::nullopt, std::nullopt, llvm::CodeGenOptLevel::Default));
}

std::unique_ptr<llvm::Module> build_nvptx_module(const ir::KernelIR& ir, const std::string& symbol,
                                                 llvm::LLVMContext& context,
                                                 llvm::TargetMachine& tm,
                                                 const Libdevice& libdevice) {
  auto m = std::make_unique<llvm::Module>(symbol, context);
  m->setTargetTriple(kNvptxTriple);
  m->setDataLayout(tm.createDataLayout());
  // numpy keeps subnormal numbers: libdevice must not flush them to zero.
  m->addModuleFlag(llvm::Module::Override, "nvvm-reflect-ftz", uint32_t{0});
  auto* fn = llvm::Function::Create(cuda_kernel_type(ir, context), llvm::Function::ExternalLinkage,
                                    symbol, m.get());
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  const unsigned pointers = static_cast<unsigned>(ir.outputs.size() + ir.num_input_buffers() + 1);
  for (unsigned a = 0; a < pointers; ++a) {
    // Outputs and the status word are fresh memory; inputs are only read.
    fn->addParamAttr(a, llvm::Attribute::NoAlias);
    if (a >= ir.outputs.size() && a + 1 < pointers) fn->addParamAttr(a, llvm::Attribute::ReadOnly);
  }
  // Marks the function as a kernel entry point (a .entry, not a .func).
  llvm::Metadata* kernel[] = {
      llvm::ValueAsMetadata::get(fn), llvm::MDString::get(context, "kernel"),
      llvm::ValueAsMetadata::get(llvm::ConstantInt::get(llvm::Type::getInt32Ty(context), 1))};
  m->getOrInsertNamedMetadata("nvvm.annotations")->addOperand(llvm::MDNode::get(context, kernel));
  if (ir.kind == ir::KernelKind::ReduceInner) {
    // Its shared memory holds one partial per warp of kCudaBlockThreads: the driver refuses a
    // launch with more threads (.maxntid), rather than the kernel writing past the array.
    llvm::Metadata* limit[] = {llvm::ValueAsMetadata::get(fn),
                               llvm::MDString::get(context, "maxntidx"),
                               llvm::ValueAsMetadata::get(llvm::ConstantInt::get(
                                   llvm::Type::getInt32Ty(context), kCudaBlockThreads))};
    m->getNamedMetadata("nvvm.annotations")->addOperand(llvm::MDNode::get(context, limit));
  }

  NamedMath math(*m, "__nv_");  // libdevice: LLVM's math intrinsics do not select on NVPTX
  build_cuda_kernel(ir, fn, math);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  KILN_CHECK(!llvm::verifyModule(*m, &os),
             "invalid NVPTX IR for kernel " + symbol + ": " + problems);

  bool calls_libdevice = false;
  for (const llvm::Function& f : *m)
    calls_libdevice |= f.isDeclaration() && f.getName().starts_with("__nv_");
  if (calls_libdevice) libdevice.link_into(*m);
  // libdevice's functions are for this kernel alone: internal, so the optimiser inlines and drops
  // them.
  for (llvm::Function& f : *m)
    if (!f.isDeclaration() && &f != fn) f.setLinkage(llvm::GlobalValue::InternalLinkage);

  // The standard O2 pipeline: it promotes the kernel's locals to registers, resolves libdevice's
  // __nvvm_reflect queries (NVPTX registers that pass with the target machine), inlines, and
  // hoists the per-element address arithmetic out of the loops.
  run_standard_pipeline(*m, tm, llvm::OptimizationLevel::O2);
  return m;
}

std::string emit_ptx(llvm::Module& m, llvm::TargetMachine& tm) {
  llvm::SmallVector<char, 0> text;
  llvm::raw_svector_ostream os(text);
  llvm::legacy::PassManager pm;
  KILN_CHECK(!tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile),
             "the NVPTX target cannot emit PTX");
  pm.run(m);
  return std::string(text.begin(), text.end());
}

}  // namespace kiln::jit
