#include "jit/backend.hpp"

#include "jit/cpu/cpu_backend.hpp"
#include "jit/cuda/cuda_backend.hpp"
#include "jit/cuda/cuda_driver.hpp"

namespace kiln::jit {

std::unique_ptr<Backend> make_backend(const Device& device, const BackendOptions& options) {
  switch (device.kind()) {
    case Device::Kind::cpu:
      return make_cpu_backend(options);
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
