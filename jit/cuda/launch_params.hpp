// The values a launch of a CUDA kernel passes (the launch ABI of jit/cuda, see
// cuda_kernel_type in nvptx_kernels.hpp). No LLVM here: the fake driver of the tests uses it too.
#pragma once

#include <cstdint>

#include "jit/backend.hpp"
#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// The parameters a launch of a CUDA kernel passes, as 8-byte values in cuda_kernel_type order.
struct CudaLaunchParams {
  size_t buffers = 0;        ///< outputs, then input buffers
  uint32_t param_slots = 0;  ///< parameter slots
  /// The counts of kernel `ir`.
  static CudaLaunchParams of(const ir::KernelIR& ir) {
    return {ir.outputs.size() + ir.num_input_buffers(), ir.num_param_slots()};
  }
  /// How many values a launch passes.
  size_t count() const { return buffers + 3 + param_slots; }
  /// Writes the count() values of a launch with `args` and status word `status` to `out`.
  void fill(const LaunchArgs& args, const uint64_t* status, uint64_t* out) const {
    size_t at = 0;
    for (size_t b = 0; b < buffers; ++b) out[at++] = reinterpret_cast<uintptr_t>(args.buffers[b]);
    out[at++] = reinterpret_cast<uintptr_t>(status);
    out[at++] = static_cast<uint64_t>(args.size);
    out[at++] = static_cast<uint64_t>(args.reduce_size);
    for (uint32_t s = 0; s < param_slots; ++s) out[at++] = args.params[s];
  }
};

}  // namespace kiln::jit
