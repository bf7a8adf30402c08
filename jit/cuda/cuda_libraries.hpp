// cuBLAS and cuFFT, opened at run time like the driver: the few functions kiln calls, found by
// dlopen (KILN_LIBCUBLAS and KILN_LIBCUFFT override the library names), so that kiln links
// neither and a machine without them still runs everything else. Private to jit/cuda.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "jit/backend.hpp"
#include "jit/cuda/cuda_driver.hpp"

namespace kiln::jit::cuda {

/// cuBLAS and cuFFT working on one stream of one device (whose context is current when they
/// are called). Plans are made once per layout and kept.
class CudaLibraries {
 public:
  /// `stream`: where the work is queued; `device_name` names the device in errors.
  CudaLibraries(StreamHandle stream, std::string device_name);
  ~CudaLibraries();
  CudaLibraries(const CudaLibraries&) = delete;
  CudaLibraries& operator=(const CudaLibraries&) = delete;

  /// Queues `g` (see GemmDesc) as one strided-batched cuBLAS call. Throws kiln::Error when
  /// cuBLAS is missing or fails.
  void gemm(const GemmDesc& g);
  /// Queues `f` (see FftDesc) through a cuFFT plan (one execution per outer block when the
  /// transforms are strided). Throws kiln::Error when cuFFT is missing or fails.
  void fft(const FftDesc& f);

 private:
  struct Blas;
  struct Fft;
  Blas& blas();
  Fft& fft_library();

  StreamHandle stream_;
  std::string device_name_;
  std::unique_ptr<Blas> blas_;
  std::unique_ptr<Fft> fft_;
  // cuFFT plans by (type, by block, wide, n, inner, batch).
  std::map<std::tuple<int, bool, bool, int64_t, int64_t, int64_t>, int> plans_;
  std::mutex mutex_;
};

}  // namespace kiln::jit::cuda
