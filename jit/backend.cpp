#include "jit/backend.hpp"

#include "jit/cpu/cpu_backend.hpp"

namespace kiln::jit {

std::unique_ptr<Backend> make_backend(const Device& device, const BackendOptions& options) {
  switch (device.kind()) {
    case Device::Kind::cpu:
      return make_cpu_backend(options);
  }
  return nullptr;
}

}  // namespace kiln::jit
