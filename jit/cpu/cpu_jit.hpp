// CpuJit: the process's ORC LLJIT session in a small RAII class. Objects are added to it and
// their entry points looked up; it resolves libm and libmvec symbols from the process.
#pragma once

#include <memory>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

namespace kiln::jit {

/// Owns one LLJIT. Not copyable; adding and looking up are serialised by the caller.
class CpuJit {
 public:
  /// Creates the session, resolving external symbols from this process and libmvec.
  static llvm::Expected<std::unique_ptr<CpuJit>> create();

  /// Links a relocatable object into the session.
  llvm::Error add_object(std::unique_ptr<llvm::MemoryBuffer> object);

  /// Address of a defined symbol.
  llvm::Expected<const void*> lookup(llvm::StringRef name);

 private:
  explicit CpuJit(std::unique_ptr<llvm::orc::LLJIT> jit) : jit_(std::move(jit)) {}
  std::unique_ptr<llvm::orc::LLJIT> jit_;
};

}  // namespace kiln::jit
