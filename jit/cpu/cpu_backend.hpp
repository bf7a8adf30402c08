// The CPU backend: kernel IR -> LLVM IR -> vectorized native code, loaded into one LLJIT.
#pragma once

#include <memory>

#include "jit/backend.hpp"

namespace kiln::jit {

/// Opens the host CPU backend (detects the CPU, creates the process's JIT session).
std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& options);

}  // namespace kiln::jit
