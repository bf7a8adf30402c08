// How CUDA kernels are launched (the launch ABI of jit/cuda, see cuda_kernel_type in
// nvptx_kernels.hpp): block size, reduction strategy thresholds, the parameter values. No LLVM
// here: the fake driver of the tests uses it too.
#pragma once

#include <algorithm>
#include <cstdint>

#include "jit/backend.hpp"
#include "jit/ir/kernel_ir.hpp"

namespace kiln::jit {

/// Threads per block of every CUDA launch (the block reductions' shared memory is sized for it).
inline constexpr int kCudaBlockThreads = 256;

/// Reductions of at least this many elements per output take a block per output (or several,
/// see cuda_reduction_splits); shorter ones a warp.
inline constexpr int64_t kCudaBlockReduceMin = 2048;

/// How many blocks share each output of a block-per-output reduction launched on `blocks`
/// blocks: as many as there are blocks to spare, while each part keeps kCudaBlockReduceMin
/// elements. The kernel computes the same from its grid (nvptx_kernels.cpp).
inline int64_t cuda_reduction_splits(int64_t blocks, int64_t outputs, int64_t reduce_size) {
  const int64_t s = std::min(blocks / outputs, reduce_size / kCudaBlockReduceMin);
  return s < 1 ? 1 : s;
}

/// The workspace a split reduction needs: an 8-byte partial per accumulator, output and part,
/// then an 8-byte arrival count per output, all zero at the launch.
inline size_t cuda_reduction_workspace_bytes(uint32_t accumulators, int64_t outputs,
                                             int64_t splits) {
  return static_cast<size_t>((accumulators * splits + 1) * outputs) * 8;
}

/// What launching a CUDA kernel needs to know of it: its parameters (8-byte values in
/// cuda_kernel_type order) and, for reductions, how outputs are shared among blocks.
struct CudaLaunchParams {
  size_t buffers = 0;         ///< outputs, then input buffers
  uint32_t param_slots = 0;   ///< parameter slots
  uint32_t accumulators = 0;  ///< a reduction's accumulators (the workspace's partials)
  ir::KernelKind kind = ir::KernelKind::Map;  ///< map, inner or outer reduction
  /// The counts of kernel `ir`.
  static CudaLaunchParams of(const ir::KernelIR& ir) {
    return {ir.outputs.size() + ir.num_input_buffers(), ir.num_param_slots(), ir.num_accumulators(),
            ir.kind};
  }
  /// Whether a launch reducing `reduce_size` elements per output gives each output a block (or
  /// several), rather than a warp or a thread.
  bool block_per_output(int64_t reduce_size) const {
    return kind == ir::KernelKind::ReduceInner && reduce_size >= kCudaBlockReduceMin;
  }
  /// The zeroed workspace a launch on `blocks` blocks needs (0: none, nothing is split).
  size_t workspace_bytes(int64_t blocks, int64_t size, int64_t reduce_size) const {
    if (!block_per_output(reduce_size) || size <= 0) return 0;
    const int64_t splits = cuda_reduction_splits(blocks, size, reduce_size);
    return splits > 1 ? cuda_reduction_workspace_bytes(accumulators, size, splits) : 0;
  }
  /// How many values a launch passes.
  size_t count() const { return buffers + 4 + param_slots; }
  /// Writes the count() values of a launch with `args`, status word `status` and reduction
  /// workspace `workspace` to `out`.
  void fill(const LaunchArgs& args, const uint64_t* status, const void* workspace,
            uint64_t* out) const {
    size_t at = 0;
    for (size_t b = 0; b < buffers; ++b) out[at++] = reinterpret_cast<uintptr_t>(args.buffers[b]);
    out[at++] = reinterpret_cast<uintptr_t>(status);
    out[at++] = reinterpret_cast<uintptr_t>(workspace);
    out[at++] = static_cast<uint64_t>(args.size);
    out[at++] = static_cast<uint64_t>(args.reduce_size);
    for (uint32_t s = 0; s < param_slots; ++s) out[at++] = args.params[s];
  }
};

}  // namespace kiln::jit
