#include "jit/cuda/cuda_device.hpp"

#include <cstring>

#include "kiln/error.hpp"

namespace kiln::jit::cuda {

namespace {

// Pool size classes: 512-byte steps up to 1 MiB, then 2 MiB steps, so that a loop allocating
// slightly different sizes still reuses blocks (at most 2 MiB wasted a block).
size_t block_size(size_t bytes) {
  constexpr size_t kSmallStep = 512, kLargeStep = size_t{2} << 20;
  if (bytes <= (size_t{1} << 20))
    return std::max(kSmallStep, (bytes + kSmallStep - 1) & ~(kSmallStep - 1));
  return (bytes + kLargeStep - 1) & ~(kLargeStep - 1);
}

DevicePtr device_ptr(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

}  // namespace

CudaDevice::CudaDevice(int ordinal) {
  std::string why;
  driver_ = Driver::open(why);
  if (!driver_) throw Error("[cuda] CUDA is not available: " + why);
  info_ = driver_->device(ordinal);
  DeviceHandle handle = 0;
  check(driver_->api().cuDeviceGet(&handle, ordinal), "cuDeviceGet");
  check(driver_->api().cuDevicePrimaryCtxRetain(&context_, handle), "cuDevicePrimaryCtxRetain");
  const Current current(*this);
  // Non-blocking: kiln's work does not wait for other libraries' work on the legacy stream.
  check(driver_->api().cuStreamCreate(&stream_, kStreamNonBlocking), "cuStreamCreate");
}

// The context, the stream and the memory stay: the device lives as long as the process's
// context, and tearing CUDA down at exit races the driver's own atexit handlers.
CudaDevice::~CudaDevice() = default;

void CudaDevice::check(Result r, const char* what) const {
  if (r != kSuccess)
    throw Error(std::string("[cuda] ") + what + " failed on " + info_.name + ": " +
                driver_->describe(r));
}

CudaDevice::Current::Current(const CudaDevice& device) : device_(device) {
  device.check(device.driver_->api().cuCtxPushCurrent(device.context_), "cuCtxPushCurrent");
}

CudaDevice::Current::~Current() {
  ContextHandle ours = nullptr;
  (void)device_.driver_->api().cuCtxPopCurrent(&ours);
}

std::shared_ptr<graph::Buffer> CudaDevice::allocate(size_t bytes) {
  const size_t block = block_size(bytes);
  DevicePtr p = 0;
  {
    std::lock_guard lock(pool_->mutex);
    if (auto it = pool_->free.find(block); it != pool_->free.end()) {
      p = it->second;
      pool_->free.erase(it);
      pool_->cached -= block;
    }
  }
  if (!p) {
    std::lock_guard lock(mutex_);
    const Current current(*this);
    Result r = driver_->api().cuMemAlloc(&p, block);
    if (r == kErrorOutOfMemory) {  // give the pool's blocks back and try once more
      check(driver_->api().cuStreamSynchronize(stream_), "cuStreamSynchronize");
      release_cached();
      r = driver_->api().cuMemAlloc(&p, block);
    }
    if (r != kSuccess)
      throw Error("[cuda] cannot allocate " + std::to_string(bytes) + " bytes on " + info_.name +
                  ": " + driver_->describe(r));
  }
  auto* buffer = new graph::Buffer{reinterpret_cast<void*>(static_cast<uintptr_t>(p)), bytes};
  return std::shared_ptr<graph::Buffer>(buffer, [pool = pool_, block](graph::Buffer* b) {
    {
      std::lock_guard lock(pool->mutex);
      pool->free.emplace(block, device_ptr(b->data));
      pool->cached += block;
    }
    delete b;
  });
}

void CudaDevice::release_cached() {
  std::lock_guard lock(pool_->mutex);
  for (const auto& [block, p] : pool_->free) (void)driver_->api().cuMemFree(p);
  pool_->free.clear();
  pool_->cached = 0;
}

void CudaDevice::upload(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  std::lock_guard lock(mutex_);
  const Current current(*this);
  // From pageable memory the driver stages the data before returning, so `src` may be reused.
  check(driver_->api().cuMemcpyHtoDAsync(device_ptr(dst), src, bytes, stream_),
        "cuMemcpyHtoDAsync");
}

void CudaDevice::download(void* dst, const void* src, size_t bytes) {
  std::lock_guard lock(mutex_);
  const Current current(*this);
  if (bytes)
    check(driver_->api().cuMemcpyDtoHAsync(dst, device_ptr(src), bytes, stream_),
          "cuMemcpyDtoHAsync");
  check(driver_->api().cuStreamSynchronize(stream_), "running kernels (cuStreamSynchronize)");
}

void CudaDevice::zero(void* dst, size_t bytes) {
  if (bytes == 0) return;
  std::lock_guard lock(mutex_);
  const Current current(*this);
  check(driver_->api().cuMemsetD8Async(device_ptr(dst), 0, bytes, stream_), "cuMemsetD8Async");
}

void CudaDevice::copy(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  std::lock_guard lock(mutex_);
  const Current current(*this);
  check(driver_->api().cuMemcpyDtoDAsync(device_ptr(dst), device_ptr(src), bytes, stream_),
        "cuMemcpyDtoDAsync");
}

void CudaDevice::zero_strided(void* dst, size_t width, size_t pitch, size_t count) {
  if (count == 0) return;
  std::lock_guard lock(mutex_);
  const Current current(*this);
  check(driver_->api().cuMemsetD2D32Async(device_ptr(dst), pitch, 0, width / 4, count, stream_),
        "cuMemsetD2D32Async");
}

void CudaDevice::gemm(const GemmDesc& g) {
  std::lock_guard lock(mutex_);
  const Current current(*this);
  if (!libraries_) libraries_ = std::make_unique<CudaLibraries>(stream_, info_.name);
  libraries_->gemm(g);
}

void CudaDevice::fft(const FftDesc& f) {
  std::lock_guard lock(mutex_);
  const Current current(*this);
  if (!libraries_) libraries_ = std::make_unique<CudaLibraries>(stream_, info_.name);
  libraries_->fft(f);
}

void CudaDevice::synchronize() {
  std::lock_guard lock(mutex_);
  const Current current(*this);
  check(driver_->api().cuStreamSynchronize(stream_), "running kernels (cuStreamSynchronize)");
}

FunctionHandle CudaDevice::load(const std::vector<uint8_t>& image, const std::string& symbol,
                                std::vector<uint8_t>& cubin) {
  std::lock_guard lock(mutex_);
  const Current current(*this);
  const DriverApi& api = driver_->api();
  char log[8192] = {};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes};
  void* values[] = {log, reinterpret_cast<void*>(static_cast<uintptr_t>(sizeof log - 1))};
  auto fail = [&](Result r, const char* what) {
    throw Error("[cuda] " + std::string(what) + " failed for kernel " + symbol + " on " +
                info_.name + ": " + driver_->describe(r) + (log[0] ? "\n" + std::string(log) : ""));
  };
  const bool is_cubin = image.size() >= 4 && std::memcmp(image.data(),
                                                         "\x7f"
                                                         "ELF",
                                                         4) == 0;
  cubin.clear();
  if (!is_cubin) {
    // Assemble the PTX for this device through the driver's linker, which hands back the cubin.
    std::string ptx(image.begin(), image.end());  // null-terminated for the driver
    LinkHandle link = nullptr;
    if (Result r = api.cuLinkCreate(2, options, values, &link); r != kSuccess)
      fail(r, "cuLinkCreate");
    Result r = api.cuLinkAddData(link, kJitInputPtx, ptx.data(), ptx.size() + 1, symbol.c_str(), 0,
                                 nullptr, nullptr);
    void* out = nullptr;
    size_t out_size = 0;
    if (r == kSuccess) r = api.cuLinkComplete(link, &out, &out_size);
    if (r == kSuccess) {
      const auto* bytes = static_cast<const uint8_t*>(out);
      cubin.assign(bytes, bytes + out_size);
    }
    (void)api.cuLinkDestroy(link);  // owns `out`
    if (r != kSuccess) fail(r, "assembling PTX (cuLinkAddData/cuLinkComplete)");
  }
  // The log size is in/out: the linker wrote back what it used.
  values[1] = reinterpret_cast<void*>(static_cast<uintptr_t>(sizeof log - 1));
  ModuleHandle module = nullptr;
  const void* code = is_cubin ? static_cast<const void*>(image.data()) : cubin.data();
  if (Result r = api.cuModuleLoadDataEx(&module, code, 2, options, values); r != kSuccess)
    fail(r, "cuModuleLoadDataEx");
  FunctionHandle function = nullptr;
  if (Result r = api.cuModuleGetFunction(&function, module, symbol.c_str()); r != kSuccess)
    fail(r, "cuModuleGetFunction");
  return function;
}

void CudaDevice::launch(FunctionHandle function, unsigned blocks, unsigned threads, void** params) {
  std::lock_guard lock(mutex_);
  const Current current(*this);
  check(driver_->api().cuLaunchKernel(function, blocks, 1, 1, threads, 1, 1, 0, stream_, params,
                                      nullptr),
        "cuLaunchKernel");
}

}  // namespace kiln::jit::cuda
