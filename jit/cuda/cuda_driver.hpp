// The CUDA Driver API, opened at run time: a declared table of the driver functions kiln uses,
// filled by dlopen("libcuda.so.1") (or the library KILN_LIBCUDA names). kiln never links libcuda:
// without a driver the table does not open, and CUDA reports unavailable with the reason.
// Private to jit/cuda.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace kiln::jit::cuda {

/// The driver's types and the enum values kiln uses, with the driver's ABI (cuda.h is not
/// needed to build kiln).
using Result = int;            ///< CUresult
using DeviceHandle = int;      ///< CUdevice
using DevicePtr = uint64_t;    ///< CUdeviceptr
using ContextHandle = void*;   ///< CUcontext
using StreamHandle = void*;    ///< CUstream
using ModuleHandle = void*;    ///< CUmodule
using FunctionHandle = void*;  ///< CUfunction
using LinkHandle = void*;      ///< CUlinkState
inline constexpr Result kSuccess = 0;
inline constexpr Result kErrorOutOfMemory = 2;
inline constexpr int kAttrMultiprocessorCount = 16;
inline constexpr int kAttrComputeCapabilityMajor = 75;
inline constexpr int kAttrComputeCapabilityMinor = 76;
inline constexpr unsigned kStreamNonBlocking = 1;
inline constexpr int kJitErrorLogBuffer = 5;           ///< CU_JIT_ERROR_LOG_BUFFER
inline constexpr int kJitErrorLogBufferSizeBytes = 6;  ///< CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
inline constexpr int kJitInputPtx = 1;                 ///< CU_JIT_INPUT_PTX


/// The driver functions kiln calls, with cuda.h's signatures (the versioned symbol where cuda.h
/// maps the name to one: cuMemAlloc is cuMemAlloc_v2).
struct DriverApi {
  Result (*cuInit)(unsigned flags) = nullptr;
  Result (*cuDriverGetVersion)(int* version) = nullptr;
  Result (*cuDeviceGetCount)(int* count) = nullptr;
  Result (*cuDeviceGet)(DeviceHandle* device, int ordinal) = nullptr;
  Result (*cuDeviceGetAttribute)(int* value, int attribute, DeviceHandle device) = nullptr;
  Result (*cuDeviceGetName)(char* name, int length, DeviceHandle device) = nullptr;
  Result (*cuGetErrorString)(Result error, const char** text) = nullptr;
  Result (*cuDevicePrimaryCtxRetain)(ContextHandle* context, DeviceHandle device) = nullptr;
  Result (*cuCtxPushCurrent)(ContextHandle context) = nullptr;
  Result (*cuCtxPopCurrent)(ContextHandle* context) = nullptr;
  Result (*cuStreamCreate)(StreamHandle* stream, unsigned flags) = nullptr;
  Result (*cuStreamSynchronize)(StreamHandle stream) = nullptr;
  Result (*cuMemAlloc)(DevicePtr* ptr, size_t bytes) = nullptr;
  Result (*cuMemFree)(DevicePtr ptr) = nullptr;
  Result (*cuMemcpyHtoDAsync)(DevicePtr dst, const void* src, size_t bytes,
                              StreamHandle stream) = nullptr;
  Result (*cuMemcpyDtoHAsync)(void* dst, DevicePtr src, size_t bytes,
                              StreamHandle stream) = nullptr;
  Result (*cuMemcpyDtoDAsync)(DevicePtr dst, DevicePtr src, size_t bytes,
                              StreamHandle stream) = nullptr;
  Result (*cuMemsetD2D32Async)(DevicePtr dst, size_t pitch, unsigned value, size_t width,
                               size_t height, StreamHandle stream) = nullptr;
  Result (*cuMemsetD8Async)(DevicePtr dst, unsigned char value, size_t count,
                            StreamHandle stream) = nullptr;
  Result (*cuModuleLoadDataEx)(ModuleHandle* module, const void* image, unsigned num_options,
                               int* options, void** values) = nullptr;
  Result (*cuModuleGetFunction)(FunctionHandle* function, ModuleHandle module,
                                const char* name) = nullptr;
  Result (*cuLaunchKernel)(FunctionHandle f, unsigned grid_x, unsigned grid_y, unsigned grid_z,
                           unsigned block_x, unsigned block_y, unsigned block_z,
                           unsigned shared_bytes, StreamHandle stream, void** params,
                           void** extra) = nullptr;
  Result (*cuLinkCreate)(unsigned num_options, int* options, void** values,
                         LinkHandle* link) = nullptr;
  Result (*cuLinkAddData)(LinkHandle link, int type, void* data, size_t size, const char* name,
                          unsigned num_options, int* options, void** values) = nullptr;
  Result (*cuLinkComplete)(LinkHandle link, void** cubin, size_t* size) = nullptr;
  Result (*cuLinkDestroy)(LinkHandle link) = nullptr;
};

/// One CUDA device as the driver describes it.
struct DeviceInfo {
  std::string name;  ///< e.g. "NVIDIA H100 80GB HBM3"
  int major = 0;     ///< compute capability
  int minor = 0;
  int multiprocessors = 0;  ///< SMs on the device
  /// The SM to generate code for: "sm_90" for compute capability 9.0.
  std::string sm() const { return "sm_" + std::to_string(major) + std::to_string(minor); }
};

/// An opened and initialised driver (the library stays loaded for the process's life).
class Driver {
 public:
  /// Opens the driver library (KILN_LIBCUDA when set, else libcuda.so.1), resolves the table and
  /// calls cuInit. Returns null when any step fails, with the reason in `why`.
  static std::unique_ptr<Driver> open(std::string& why);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  /// The function table.
  const DriverApi& api() const { return api_; }
  /// How many CUDA devices the driver sees.
  int device_count() const { return device_count_; }
  /// The driver's version (cuDriverGetVersion: 12040 for 12.4).
  int version() const { return version_; }
  /// Describes device `ordinal` (0 <= ordinal < device_count()); throws kiln::Error on failure.
  DeviceInfo device(int ordinal) const;
  /// The driver's text for an error code, with the code.
  std::string describe(Result r) const;

 private:
  Driver() = default;
  void* library_ = nullptr;
  DriverApi api_;
  int device_count_ = 0;
  int version_ = 0;
};

/// Whether CUDA device `ordinal` can be used here; when not, `why` says what is missing.
bool device_usable(int ordinal, std::string& why);

}  // namespace kiln::jit::cuda
