// The CUDA emulator: runs the CUDA backend's kernels on the host, so that the GPU kernel logic
// (grid-stride loops, block reductions with warp shuffles and barriers, error bits) is tested on
// machines without a GPU. The kernel is built by the same code as the PTX one
// (nvptx_kernels.cpp) but compiled for the host; every GPU thread is a fiber, switched at each
// barrier and shuffle, and a barrier or shuffle that not every thread reaches is reported as an
// error. Math functions are the host's libm (libdevice's differ in the last bits).
//
// Two users: KILN_CUDA_EMULATOR=1 puts an emulator backend in place of the CPU's (a small grid,
// host memory), and the test suite's fake CUDA driver (tests/cuda/fake_cuda_driver.cpp) runs
// the kernels the real CUDA backend loads on grids of the real launch's shape.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "jit/backend.hpp"

namespace llvm {
class TargetMachine;
}

namespace kiln::jit {

/// Threads per block and blocks of the emulator backend's launches: two warps, so warp shuffles
/// and the shared-memory combine of a block are both exercised, and two blocks, so grid strides
/// are.
inline constexpr int kEmulatedBlockThreads = 64;
inline constexpr int kEmulatedBlocks = 2;
/// The largest block the emulator runs (CUDA's limit).
inline constexpr unsigned kMaxEmulatedBlockThreads = 1024;

class CpuJit;
struct EmulatedFiber;
struct EmulatedBlock;

/// A GPU emulated on the host: compiles CUDA kernels for it and runs them. Thread-safe (one
/// launch at a time).
class EmulatedGpu {
 public:
  /// Sets up host code generation. Throws kiln::Error when LLVM cannot target the host.
  EmulatedGpu();
  ~EmulatedGpu();
  EmulatedGpu(const EmulatedGpu&) = delete;
  EmulatedGpu& operator=(const EmulatedGpu&) = delete;

  /// The host target, LLVM version included (for cache keys).
  const std::string& host_id() const { return host_id_; }
  /// Kernel `ir` as CUDA builds it, compiled for the host into an object file whose entry point
  /// `symbol` takes the kernel's parameters as an array of 8-byte values (cuda_kernel_type
  /// order). With `dump_dir`, its kernel IR and LLVM IR are written there.
  std::vector<uint8_t> compile(const ir::KernelIR& ir, const std::string& symbol,
                               const std::string& dump_dir = {});
  /// Links an object from compile() and returns its entry point `symbol`.
  const void* link(const std::vector<uint8_t>& object, const std::string& symbol);
  /// Runs entry point `entry` on `blocks` blocks of `threads` threads (a multiple of 32, at most
  /// kMaxEmulatedBlockThreads), blocks one after another. Throws kiln::Error when the kernel
  /// diverges at a barrier or shuffle, or the grid is not one CUDA could launch.
  void run(const void* entry, unsigned blocks, unsigned threads, const uint64_t* params);

 private:
  static constexpr size_t kStackBytes = 256 << 10;
  static void run_block(EmulatedBlock& block);

  std::unique_ptr<llvm::TargetMachine> tm_;
  std::string host_id_;
  std::unique_ptr<CpuJit> jit_;
  std::vector<EmulatedFiber> fibers_;
  std::mutex mutex_;      // compile and link
  std::mutex run_mutex_;  // launches
};

/// Opens the emulator backend (KILN_CUDA_EMULATOR=1).
std::unique_ptr<Backend> make_cuda_emulator_backend(const BackendOptions& options);

}  // namespace kiln::jit
