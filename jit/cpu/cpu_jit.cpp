#include "jit/cpu/cpu_jit.hpp"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>

namespace kiln::jit {

llvm::Expected<std::unique_ptr<CpuJit>> CpuJit::create() {
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) return jit.takeError();
  auto& main = (*jit)->getMainJITDylib();
  const char prefix = (*jit)->getDataLayout().getGlobalPrefix();
  // Vectorized kernels call glibc's libmvec (_ZGVeN16v_expf, ...); scalar tails call libm,
  // which this process already has loaded.
  auto mvec = llvm::orc::DynamicLibrarySearchGenerator::Load("libmvec.so.1", prefix);
  if (!mvec) return mvec.takeError();
  main.addGenerator(std::move(*mvec));
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix);
  if (!process) return process.takeError();
  main.addGenerator(std::move(*process));
  return std::unique_ptr<CpuJit>(new CpuJit(std::move(*jit)));
}

llvm::Error CpuJit::add_object(std::unique_ptr<llvm::MemoryBuffer> object) {
  return jit_->addObjectFile(std::move(object));
}

llvm::Expected<const void*> CpuJit::lookup(llvm::StringRef name) {
  auto addr = jit_->lookup(name);
  if (!addr) return addr.takeError();
  return addr->toPtr<const void*>();
}

}  // namespace kiln::jit
