// Where an array's data lives and where its kernels run.
#pragma once

#include <source_location>
#include <string>

namespace kiln {

/// A compute device: the host CPU, or a CUDA GPU.
///
/// An array lives on one device and its operations run there; operands on different devices
/// are a kiln::Error naming the .to() that fixes it. On a CUDA device, fused kernels run as PTX
/// through the CUDA driver, asynchronously on one stream, and reads wait for them. Floating-point
/// and complex matmul run on cuBLAS and the FFTs on cuFFT (opened at run time like the driver:
/// KILN_LIBCUBLAS, KILN_LIBCUFFT) and concatenate is strided device copies; scatters, the scans
/// and integer matmul have host implementations only: on a GPU they copy their operands to the
/// host and their result back.
class Device {
 public:
  /// The kinds of device kiln knows.
  enum class Kind : unsigned char { cpu, cuda };

  /// The host CPU (all cores).
  static Device cpu() noexcept { return Device(Kind::cpu, 0); }
  /// CUDA device `index` in the driver's numbering (no check here: using it checks).
  static Device cuda(int index = 0) noexcept { return Device(Kind::cuda, index); }

  /// Which kind of device this is.
  Kind kind() const noexcept { return kind_; }
  /// Index among devices of the same kind.
  int index() const noexcept { return index_; }
  /// "cpu", or "cuda:1" style names.
  std::string name() const;

  /// Same kind and index.
  friend bool operator==(const Device& a, const Device& b) noexcept {
    return a.kind_ == b.kind_ && a.index_ == b.index_;
  }

 private:
  Device(Kind k, int i) noexcept : kind_(k), index_(i) {}
  Kind kind_;
  int index_;
};

/// True when a CUDA driver (libcuda.so.1, or the library KILN_LIBCUDA names) opens and
/// initialises and sees at least one GPU. False, never a crash, without a driver or a GPU.
/// Asked once per process.
bool cuda_available() noexcept;

/// The device new arrays are created on: the CPU, unless changed by set_default_device() or by
/// the KILN_DEVICE environment variable ("cpu", "cuda", "cuda:N"). Throws kiln::Error when
/// KILN_DEVICE names a device that cannot be used.
Device default_device();

/// Makes `device` the device new arrays are created on (creation functions, and arrays made
/// from host data, which are copied there at the sync). Throws kiln::Error for a device that is
/// missing.
void set_default_device(const Device& device,
                        std::source_location loc = std::source_location::current());

}  // namespace kiln
