// One CUDA device in use: its primary context, the one stream that orders all of kiln's work on
// it, a caching pool of device memory, and the modules loaded into it. Private to jit/cuda.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "jit/backend.hpp"
#include "jit/cuda/cuda_driver.hpp"
#include "jit/cuda/cuda_libraries.hpp"

namespace kiln::jit::cuda {

/// A CUDA device opened for running kernels. Thread-safe.
class CudaDevice final : public DeviceMemory {
 public:
  /// Opens device `ordinal`: the driver, the device's primary context and a stream. Throws
  /// kiln::Error when any of it fails.
  explicit CudaDevice(int ordinal);
  ~CudaDevice() override;
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

  /// The device as the driver describes it.
  const DeviceInfo& info() const { return info_; }
  /// The driver's version (part of the key of cached cubins).
  int driver_version() const { return driver_->version(); }

  std::shared_ptr<graph::Buffer> allocate(size_t bytes) override;
  void upload(void* dst, const void* src, size_t bytes) override;
  void download(void* dst, const void* src, size_t bytes) override;
  void zero(void* dst, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;
  void zero_strided(void* dst, size_t width, size_t pitch, size_t count) override;

  /// Queues a matrix product on cuBLAS (see GemmDesc). Throws kiln::Error.
  void gemm(const GemmDesc& g);
  /// Queues FFTs on cuFFT (see FftDesc). Throws kiln::Error.
  void fft(const FftDesc& f);
  void synchronize() override;

  /// Loads `image` (PTX text, or a cubin, which starts with the ELF magic) and returns its
  /// function `symbol`. For PTX, the driver assembles it for this device and `cubin` receives
  /// the result, so that a later run can load that without assembling. Throws kiln::Error with
  /// the driver's log when the image does not load.
  FunctionHandle load(const std::vector<uint8_t>& image, const std::string& symbol,
                      std::vector<uint8_t>& cubin);

  /// Queues `function` on a grid of `blocks` blocks of `threads` threads; params[i] points to
  /// the value of kernel parameter i (copied before this returns).
  void launch(FunctionHandle function, unsigned blocks, unsigned threads, void** params);

 private:
  // Freed device memory, by block size; shared with the deleters of the buffers handed out, so
  // a buffer freed late never touches a destroyed device.
  struct Pool {
    std::mutex mutex;
    std::multimap<size_t, DevicePtr> free;
    size_t cached = 0;
  };
  // Makes the device's context current for a scope, then restores the caller's: kiln must not
  // change where the application's own CUDA calls go.
  class Current {
   public:
    explicit Current(const CudaDevice& device);
    ~Current();
    Current(const Current&) = delete;
    Current& operator=(const Current&) = delete;

   private:
    const CudaDevice& device_;
  };
  void check(Result r, const char* what) const;
  // Frees every cached block (after the stream has finished with them).
  void release_cached();

  std::unique_ptr<Driver> driver_;
  DeviceInfo info_;
  ContextHandle context_ = nullptr;
  StreamHandle stream_ = nullptr;
  std::shared_ptr<Pool> pool_ = std::make_shared<Pool>();
  std::unique_ptr<CudaLibraries> libraries_;  // opened at the first matmul or FFT
  std::mutex mutex_;                          // loads and the stream's calls
};

}  // namespace kiln::jit::cuda
