// The CUDA emulator: a backend that runs the CUDA backend's kernels on the host, so that the
// GPU kernel logic (grid-stride loops, block reductions with warp shuffles and barriers, error
// bits) is tested by the whole suite on machines without a GPU. The kernel is built by the same
// code as the PTX one (nvptx_kernels.cpp) but compiled for the host; every GPU thread of a small
// grid is a fiber, switched at each barrier and shuffle, and a barrier or shuffle that not every
// thread reaches is reported as an error. Math functions are the host's libm (libdevice's
// differ in the last bits). Selected with KILN_CUDA_EMULATOR=1 in place of the CPU backend.
#pragma once

#include <memory>

#include "jit/backend.hpp"

namespace kiln::jit {

/// Threads per block and blocks of an emulated launch: two warps, so warp shuffles and the
/// shared-memory combine of a block are both exercised, and two blocks, so grid strides are.
inline constexpr int kEmulatedBlockThreads = 64;
inline constexpr int kEmulatedBlocks = 2;

/// Opens the emulator backend.
std::unique_ptr<Backend> make_cuda_emulator_backend(const BackendOptions& options);

}  // namespace kiln::jit
