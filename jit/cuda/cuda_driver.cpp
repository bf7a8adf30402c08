#include "jit/cuda/cuda_driver.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include "kiln/error.hpp"

namespace kiln::jit::cuda {

namespace {

// Resolves `name` into `fn`; false (with `why`) when the library lacks it.
template <typename Fn>
bool resolve(void* library, const char* name, Fn& fn, std::string& why) {
  fn = reinterpret_cast<Fn>(::dlsym(library, name));
  if (!fn) why = "the driver library has no " + std::string(name) + " (not a CUDA driver?)";
  return fn != nullptr;
}

}  // namespace

std::unique_ptr<Driver> Driver::open(std::string& why) {
  const char* override_path = std::getenv("KILN_LIBCUDA");
  const std::string path = override_path && *override_path ? override_path : "libcuda.so.1";
  void* library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* error = ::dlerror();
    why = "cannot open the CUDA driver " + path + " (" + (error ? error : "unknown error") + ")";
    if (!override_path) why += "; install the NVIDIA driver, or set KILN_LIBCUDA to its path";
    return nullptr;
  }
  std::unique_ptr<Driver> d(new Driver());
  d->library_ = library;
  DriverApi& a = d->api_;
  // The symbols cuda.h maps these names to (the current ABI of each function).
  if (!resolve(library, "cuInit", a.cuInit, why) ||
      !resolve(library, "cuDriverGetVersion", a.cuDriverGetVersion, why) ||
      !resolve(library, "cuDeviceGetCount", a.cuDeviceGetCount, why) ||
      !resolve(library, "cuDeviceGet", a.cuDeviceGet, why) ||
      !resolve(library, "cuDeviceGetAttribute", a.cuDeviceGetAttribute, why) ||
      !resolve(library, "cuDeviceGetName", a.cuDeviceGetName, why) ||
      !resolve(library, "cuGetErrorString", a.cuGetErrorString, why) ||
      !resolve(library, "cuDevicePrimaryCtxRetain", a.cuDevicePrimaryCtxRetain, why) ||
      !resolve(library, "cuCtxPushCurrent_v2", a.cuCtxPushCurrent, why) ||
      !resolve(library, "cuCtxPopCurrent_v2", a.cuCtxPopCurrent, why) ||
      !resolve(library, "cuStreamCreate", a.cuStreamCreate, why) ||
      !resolve(library, "cuStreamSynchronize", a.cuStreamSynchronize, why) ||
      !resolve(library, "cuMemAlloc_v2", a.cuMemAlloc, why) ||
      !resolve(library, "cuMemFree_v2", a.cuMemFree, why) ||
      !resolve(library, "cuMemcpyHtoDAsync_v2", a.cuMemcpyHtoDAsync, why) ||
      !resolve(library, "cuMemcpyDtoHAsync_v2", a.cuMemcpyDtoHAsync, why) ||
      !resolve(library, "cuMemcpyDtoDAsync_v2", a.cuMemcpyDtoDAsync, why) ||
      !resolve(library, "cuMemsetD8Async", a.cuMemsetD8Async, why) ||
      !resolve(library, "cuMemsetD2D32Async", a.cuMemsetD2D32Async, why) ||
      !resolve(library, "cuModuleLoadDataEx", a.cuModuleLoadDataEx, why) ||
      !resolve(library, "cuModuleGetFunction", a.cuModuleGetFunction, why) ||
      !resolve(library, "cuLaunchKernel", a.cuLaunchKernel, why) ||
      !resolve(library, "cuLinkCreate_v2", a.cuLinkCreate, why) ||
      !resolve(library, "cuLinkAddData_v2", a.cuLinkAddData, why) ||
      !resolve(library, "cuLinkComplete", a.cuLinkComplete, why) ||
      !resolve(library, "cuLinkDestroy", a.cuLinkDestroy, why)) {
    why = path + ": " + why;
    return nullptr;
  }
  if (const Result r = a.cuInit(0); r != kSuccess) {
    why = "the CUDA driver did not initialise: " + d->describe(r);
    return nullptr;
  }
  if (const Result r = a.cuDriverGetVersion(&d->version_); r != kSuccess) {
    why = "cuDriverGetVersion failed: " + d->describe(r);
    return nullptr;
  }
  if (const Result r = a.cuDeviceGetCount(&d->device_count_); r != kSuccess) {
    why = "cuDeviceGetCount failed: " + d->describe(r);
    return nullptr;
  }
  return d;
}

// The library stays loaded: unloading a driver that cuInit has started (its threads, its
// atexit handlers) is not safe, and dlopen counts references, so opening it again is cheap.
Driver::~Driver() = default;

std::string Driver::describe(Result r) const {
  const char* text = nullptr;
  if (api_.cuGetErrorString && api_.cuGetErrorString(r, &text) == kSuccess && text)
    return std::string(text) + " (CUDA error " + std::to_string(r) + ")";
  return "CUDA error " + std::to_string(r);
}

DeviceInfo Driver::device(int ordinal) const {
  if (ordinal < 0 || ordinal >= device_count_)
    throw Error("[cuda] there is no CUDA device " + std::to_string(ordinal) + ": the driver sees " +
                std::to_string(device_count_));
  DeviceHandle handle = 0;
  auto check = [&](Result r, const char* what) {
    if (r != kSuccess) throw Error(std::string("[cuda] ") + what + " failed: " + describe(r));
  };
  check(api_.cuDeviceGet(&handle, ordinal), "cuDeviceGet");
  DeviceInfo info;
  char name[256] = {};
  check(api_.cuDeviceGetName(name, sizeof name - 1, handle), "cuDeviceGetName");
  info.name = name;
  check(api_.cuDeviceGetAttribute(&info.major, kAttrComputeCapabilityMajor, handle),
        "cuDeviceGetAttribute");
  check(api_.cuDeviceGetAttribute(&info.minor, kAttrComputeCapabilityMinor, handle),
        "cuDeviceGetAttribute");
  check(api_.cuDeviceGetAttribute(&info.multiprocessors, kAttrMultiprocessorCount, handle),
        "cuDeviceGetAttribute");
  return info;
}

bool device_usable(int ordinal, std::string& why) {
  const std::unique_ptr<Driver> driver = Driver::open(why);
  if (!driver) return false;
  if (ordinal < 0 || ordinal >= driver->device_count()) {
    why = "the CUDA driver sees " + std::to_string(driver->device_count()) +
          " device(s), so there is no cuda:" + std::to_string(ordinal);
    return false;
  }
  return true;
}

}  // namespace kiln::jit::cuda
