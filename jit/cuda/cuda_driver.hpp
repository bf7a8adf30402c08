// The CUDA Driver API, opened at run time: a declared table of the driver functions kiln uses,
// filled by dlopen("libcuda.so.1") (or the library KILN_LIBCUDA names). kiln never links libcuda:
// without a driver the table does not open, and CUDA reports unavailable with the reason.
// Private to jit/cuda.
#pragma once

#include <memory>
#include <string>

namespace kiln::jit::cuda {

/// CUresult, CUdevice and the attribute enum, with the driver's ABI (cuda.h is not needed).
using Result = int;
using DeviceHandle = int;
inline constexpr Result kSuccess = 0;
inline constexpr int kAttrComputeCapabilityMajor = 75;
inline constexpr int kAttrComputeCapabilityMinor = 76;

/// The driver functions kiln calls, with cuda.h's signatures.
struct DriverApi {
  Result (*cuInit)(unsigned flags) = nullptr;
  Result (*cuDeviceGetCount)(int* count) = nullptr;
  Result (*cuDeviceGet)(DeviceHandle* device, int ordinal) = nullptr;
  Result (*cuDeviceGetAttribute)(int* value, int attribute, DeviceHandle device) = nullptr;
  Result (*cuDeviceGetName)(char* name, int length, DeviceHandle device) = nullptr;
  Result (*cuGetErrorString)(Result error, const char** text) = nullptr;
};

/// One CUDA device as the driver describes it.
struct DeviceInfo {
  std::string name;  ///< e.g. "NVIDIA H100 80GB HBM3"
  int major = 0;     ///< compute capability
  int minor = 0;
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
  /// Describes device `ordinal` (0 <= ordinal < device_count()); throws kiln::Error on failure.
  DeviceInfo device(int ordinal) const;
  /// The driver's text for an error code, with the code.
  std::string describe(Result r) const;

 private:
  Driver() = default;
  void* library_ = nullptr;
  DriverApi api_;
  int device_count_ = 0;
};

/// Whether CUDA device `ordinal` can be used here; when not, `why` says what is missing.
bool device_usable(int ordinal, std::string& why);

}  // namespace kiln::jit::cuda
