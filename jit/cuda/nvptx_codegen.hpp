// NVPTX code generation: a kernel's LLVM module for nvptx64-nvidia-cuda, libdevice linked in
// for the math functions it calls, optimised, and printed as PTX. Needs no driver and no GPU.
// Private to jit/cuda.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// The triple every CUDA kernel is compiled for.
inline constexpr const char* kNvptxTriple = "nvptx64-nvidia-cuda";

/// libdevice, NVIDIA's math library as LLVM bitcode, read once and linked into the kernels that
/// call it.
class Libdevice {
 public:
  /// Reads libdevice from KILN_LIBDEVICE, else $CUDA_HOME, $CUDA_PATH or /usr/local/cuda's
  /// nvvm/libdevice/libdevice.10.bc. A missing file is not an error until a kernel needs it.
  Libdevice();
  /// Where it was looked for or found.
  const std::string& path() const { return path_; }
  /// True when the bitcode was read.
  bool found() const { return !bytes_.empty(); }
  /// A short identity of the file's content (for cache keys), or "none".
  const std::string& identity() const { return identity_; }
  /// Links the functions of libdevice that `m` calls into `m`. Throws kiln::Error when
  /// libdevice is missing or does not link.
  void link_into(llvm::Module& m) const;

 private:
  std::string path_, identity_;
  std::vector<char> bytes_;
};

/// Sets up the NVPTX target in LLVM (once per process) and makes a target machine for `sm`
/// ("sm_90"). Throws kiln::Error for an SM that LLVM does not know.
std::unique_ptr<llvm::TargetMachine> make_nvptx_target_machine(const std::string& sm);

/// Builds kernel `ir` as the PTX kernel `symbol` (launch ABI: nvptx_kernels.hpp), links the
/// libdevice functions it calls, and optimises it.
std::unique_ptr<llvm::Module> build_nvptx_module(const ir::KernelIR& ir, const std::string& symbol,
                                                 llvm::LLVMContext& context,
                                                 llvm::TargetMachine& tm,
                                                 const Libdevice& libdevice);

/// The module as PTX text.
std::string emit_ptx(llvm::Module& m, llvm::TargetMachine& tm);

}  // namespace kiln::jit
