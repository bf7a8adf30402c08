#include "jit/backend.hpp"

#include <cstdlib>
#include <cstring>

#include "jit/cpu/cpu_backend.hpp"
#include "jit/cuda/cuda_backend.hpp"
#include "jit/cuda/cuda_driver.hpp"
#include "jit/cuda/cuda_emulator.hpp"

namespace kiln::jit {

std::unique_ptr<Backend> make_backend(const Device& device, const BackendOptions& options) {
  switch (device.kind()) {
    case Device::Kind::cpu: {
      // KILN_CUDA_EMULATOR=1: the CUDA kernels, emulated on the host, in place of the CPU's.
      const char* emulate = std::getenv("KILN_CUDA_EMULATOR");
      if (emulate && *emulate && std::strcmp(emulate, "0") != 0)
        return make_cuda_emulator_backend(options);
      return make_cpu_backend(options);
    }
    case Device::Kind::cuda:
      return make_cuda_backend(device.index(), options);
  }
  return nullptr;
}

bool device_usable(const Device& device, std::string& why) {
  switch (device.kind()) {
    case Device::Kind::cpu:
      return true;
    case Device::Kind::cuda:
      return cuda::device_usable(device.index(), why);
  }
  return false;
}

}  // namespace kiln::jit
