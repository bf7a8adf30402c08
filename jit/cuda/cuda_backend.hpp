// The CUDA backend: kernel IR -> LLVM IR for NVPTX -> PTX. Compiling needs neither a driver nor a
// GPU when the SM is named (kiln-warmup --target cuda:sm_90).
#pragma once

#include <memory>

#include "jit/backend.hpp"

namespace kiln::jit {

/// Opens the backend for CUDA device `ordinal`: for options.cuda_sm when set (no driver needed),
/// else for the SM the driver reports for that device. Throws kiln::Error when the driver or the
/// device is missing, or LLVM does not know the SM.
std::unique_ptr<Backend> make_cuda_backend(int ordinal, const BackendOptions& options);

}  // namespace kiln::jit
