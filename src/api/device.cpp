// Devices: which exist here, the default one, and moving arrays between them.
#include "kiln/device.hpp"

#include "api/apply.hpp"
#include "graph/errors.hpp"
#include "kiln/array.hpp"

namespace kiln {

using detail::context;
using detail::to_loc;

namespace {

// Why arrays cannot live on `device`; empty when they can.
std::string unusable(const Device& device) {
  if (device.kind() == Device::Kind::cpu) return {};
  if (device.index() < 0 || device.index() > graph::kMaxCudaIndex)
    return "CUDA device indices run from 0 to " + std::to_string(graph::kMaxCudaIndex) + ", not " +
           std::to_string(device.index());
  std::string why;
  if (!context().device_usable(device, why)) return device.name() + " is not available: " + why;
  return {};
}

// Checks that arrays can live on `device`; throws naming `fn` and the call site when not.
void require_usable(const Device& device, std::string_view fn, graph::SourceLoc loc) {
  if (const std::string why = unusable(device); !why.empty()) graph::throw_error(fn, why, loc);
}

// KILN_DEVICE's value as a device ("cpu", "cuda", "cuda:N"); false when it is none of those.
bool parse_device(const std::string& text, Device& out) {
  if (text.empty() || text == "cpu") {
    out = Device::cpu();
    return true;
  }
  if (text == "cuda") {
    out = Device::cuda(0);
    return true;
  }
  if (text.rfind("cuda:", 0) != 0 || text.size() == 5 || text.size() > 8) return false;
  int index = 0;
  for (char c : text.substr(5)) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + (c - '0');
  }
  out = Device::cuda(index);
  return true;
}

}  // namespace

namespace detail {

graph::DeviceId default_device_id(std::string_view fn, graph::SourceLoc loc) {
  runtime::Context& c = context();
  if (const int d = c.default_device(); d >= 0) return static_cast<graph::DeviceId>(d);
  const std::string& text = c.options().device;
  Device device = Device::cpu();
  if (!parse_device(text, device))
    graph::throw_error(fn, "KILN_DEVICE=" + text + " names no device: use cpu, cuda or cuda:N",
                       loc);
  if (const std::string why = unusable(device); !why.empty())
    graph::throw_error(fn, "KILN_DEVICE=" + text + ": " + why, loc);
  c.set_default_device(graph::device_id(device));
  return graph::device_id(device);
}

Array transfer(const Array& a, graph::DeviceId device, graph::SourceLoc loc) {
  graph::Node* x = node_of(a, "to", loc);
  if (x->device == device) return a;
  return Array(context().tracer().record_transfer(x, device, loc));
}

}  // namespace detail

bool cuda_available() noexcept {
  try {
    std::string why;
    return context().device_usable(Device::cuda(0), why);
  } catch (...) {
    return false;
  }
}

Device default_device() {
  return graph::device_of(detail::default_device_id("default_device", {}));
}

void set_default_device(const Device& device, std::source_location loc) {
  require_usable(device, "set_default_device", to_loc(loc));
  context().set_default_device(graph::device_id(device));
}

Array Array::to(const Device& device, std::source_location loc) const {
  detail::node_of(*this, "to", to_loc(loc));
  require_usable(device, "to", to_loc(loc));
  return detail::transfer(*this, graph::device_id(device), to_loc(loc));
}

}  // namespace kiln
