// Devices: which exist here, the default one, and moving arrays between them.
#include "kiln/device.hpp"

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "kiln/array.hpp"

namespace kiln {

using detail::context;
using detail::to_loc;

namespace {

// Checks that arrays can live on `device`; throws naming `fn` and the call site when not.
void require_runnable(const Device& device, std::string_view fn, const std::source_location& loc) {
  if (device.kind() == Device::Kind::cpu) return;
  if (device.index() < 0)
    graph::throw_error(fn, "CUDA device indices start at 0, not " + std::to_string(device.index()),
                       to_loc(loc));
  std::string why;
  if (!context().device_usable(device, why))
    graph::throw_error(fn, device.name() + " is not available: " + why, to_loc(loc));
  graph::throw_error(fn,
                     "this kiln cannot run arrays on " + device.name() +
                         " yet: it generates and caches PTX for CUDA devices (kiln-warmup "
                         "--target cuda:sm_XX) but has no GPU runtime; keep the arrays on "
                         "kiln::Device::cpu()",
                     to_loc(loc));
}

}  // namespace

bool cuda_available() noexcept {
  try {
    std::string why;
    return context().device_usable(Device::cuda(0), why);
  } catch (...) {
    return false;
  }
}

Device default_device() {
  return Device::cpu();
}

void set_default_device(const Device& device, std::source_location loc) {
  require_runnable(device, "set_default_device", loc);
}

Array Array::to(const Device& device, std::source_location loc) const {
  detail::node_of(*this, "to", to_loc(loc));
  require_runnable(device, "to", loc);
  return *this;
}

}  // namespace kiln
