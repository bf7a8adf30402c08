// The interface every backend implements, and the factory that opens one. The runtime talks to
// backends only through this header; adding a backend touches jit/ alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/buffer.hpp"
#include "jit/ir/kernel_ir.hpp"
#include "kiln/device.hpp"
#include "kiln/error.hpp"

namespace kiln::jit {

/// Runs work on the runtime's threads (the runtime's thread pool implements it).
class Executor {
 public:
  virtual ~Executor() = default;
  /// Runs body(ctx, begin, end) over consecutive chunks covering [0, n), each at least `grain`
  /// elements; all of it on the calling thread when n <= grain. Returns when every chunk is done.
  virtual void parallel_for(int64_t n, int64_t grain,
                            void (*body)(void* ctx, int64_t begin, int64_t end), void* ctx) = 0;
  /// How many threads a job runs on.
  virtual int concurrency() const = 0;
};

/// Compiled code of one kernel.
struct Binary {
  std::vector<uint8_t> code;  ///< relocatable object file (CPU)
  std::string symbol;         ///< entry point
  /// How long each phase of the compile took, in order (name, milliseconds), for the timeline.
  std::vector<std::pair<const char*, double>> phases;
};

/// A loaded kernel's entry points.
struct KernelEntry {
  const void* main = nullptr;    ///< map kernel, or a reduction's accumulation
  const void* finish = nullptr;  ///< a reduction's finish (null for map kernels)
};

/// What a launch needs besides the kernel itself.
struct LaunchArgs {
  void* const* buffers = nullptr;    ///< outputs, inputs, accumulators (ABI in kernel_ir.hpp)
  const uint64_t* params = nullptr;  ///< the parameter block
  int64_t size = 0;                  ///< output elements (map: the iteration size)
  int64_t reduce_size = 0;           ///< reductions: reduced elements per output
  int64_t splits = 1;                ///< reductions: accumulator rows (the reduced range split)
  int64_t split_span = 0;            ///< CPU reductions with splits: reduced positions per row
  int64_t grain = 0;                 ///< fewest iteration positions worth a thread of their own
  bool stream = false;               ///< maps: outputs dwarf the caches, store past them
  /// Device backends: the device word the kernel ORs its error bits into. The launch is then
  /// asynchronous and returns 0; the caller reads the word once the device has synchronised.
  uint64_t* status = nullptr;
};

/// A batch of matrix products for a device's BLAS: for b in [0, batch), the row-major m x n
/// matrix at c + b*m*n (contiguous) = op(A_b) * op(B_b). A_b is read row-major from
/// a + b*stride_a with leading dimension lda, as m x k, or as k x m when trans_a (then op(A) is
/// its transpose); B_b likewise (k x n, or n x k when trans_b). Strides are in elements; 0
/// repeats one matrix.
struct GemmDesc {
  DType dtype = DType::float32;  ///< float32, float64, complex64 or complex128
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t lda = 0, ldb = 0;
  int64_t stride_a = 0, stride_b = 0;
  int64_t batch = 1;
  const void* a = nullptr;
  const void* b = nullptr;
  void* c = nullptr;
};

/// A batch of 1-d FFTs for a device's FFT library, with kiln's FFT ops' meaning (unnormalised):
/// `outer` contiguous blocks, each holding transforms of length `n` (the real length for Rfft
/// and Irfft) along an axis whose elements are `inner` apart. `in` may be overwritten (Irfft).
struct FftDesc {
  graph::Op op = graph::Op::Fft;  ///< Fft, Rfft or Irfft
  bool inverse = false;           ///< Fft: the backward direction
  bool wide = false;              ///< double precision, else single
  int64_t n = 0, outer = 1, inner = 1;
  void* in = nullptr;
  void* out = nullptr;
};

/// The memory and the work queue of a device that is not the host (a CUDA GPU). Copies and
/// launches run in the order they were issued; the host waits only in download() and
/// synchronize().
class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  /// Device memory of at least `bytes` bytes (never null, even for 0) from a caching pool; it
  /// returns to the pool when the last reference drops, and may be reused by work issued after
  /// that. Throws kiln::Error when the device is out of memory even after emptying the pool.
  virtual std::shared_ptr<graph::Buffer> allocate(size_t bytes) = 0;
  /// Queues a copy of `bytes` bytes from host memory `src` to device memory `dst`. The host
  /// memory may be reused as soon as this returns.
  virtual void upload(void* dst, const void* src, size_t bytes) = 0;
  /// Copies `bytes` bytes from device memory `src` to host memory `dst`, after all queued work,
  /// and waits for it. Throws kiln::Error when queued work failed.
  virtual void download(void* dst, const void* src, size_t bytes) = 0;
  /// Queues zeroing `bytes` bytes of device memory at `dst`.
  virtual void zero(void* dst, size_t bytes) = 0;
  /// Queues zeroing `count` pieces of `width` bytes (4 or 8), `pitch` bytes apart, from `dst`.
  virtual void zero_strided(void* dst, size_t width, size_t pitch, size_t count) = 0;
  /// Queues a copy of `bytes` bytes between two places in device memory.
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;
  /// Waits for all queued work. Throws kiln::Error when some of it failed.
  virtual void synchronize() = 0;
};

/// Options every backend understands.
struct BackendOptions {
  std::string dump_dir;  ///< when set, write each kernel's LLVM IR and assembly there
  std::string cpu;       ///< CPU: compile for this LLVM CPU model instead of the host
  /// CPU: the kernels will run here (KILN_CPU), so `cpu` must not use an instruction set
  /// extension this machine lacks (kiln-warmup compiles for other machines and leaves it off).
  bool run_here = false;
  std::string cuda_sm;  ///< CUDA: compile for this SM ("sm_90") instead of the device's
};

/// One target: compiles kernel IR, loads the result, launches it.
class Backend {
 public:
  virtual ~Backend() = default;
  /// Short name ("cpu").
  virtual std::string_view name() const = 0;
  /// Everything about the target that changes generated code (CPU name and features, LLVM
  /// version, code generation options). Part of every cache key.
  virtual const std::string& target_id() const = 0;
  /// Kernel IR to loadable code, with entry point `symbol`. Throws kiln::Error on failure.
  virtual Binary compile(const ir::KernelIR& ir, const std::string& symbol) = 0;
  /// Makes compiled code of kernel `ir` callable. Throws kiln::Error on failure.
  virtual KernelEntry load(const Binary& binary, const ir::KernelIR& ir) = 0;
  /// Runs a loaded kernel: a map over [0, args.size), or a reduction with its accumulation
  /// split as args says and then its finish. Returns the OR of the error bits it raised (device
  /// backends: see LaunchArgs::status).
  virtual uint64_t launch(const KernelEntry& entry, const LaunchArgs& args, Executor& exec) = 0;

  /// The device's memory, for backends whose kernels cannot read host memory; null for the
  /// CPU. Buffers passed to launch() must come from it.
  virtual DeviceMemory* device_memory() { return nullptr; }

  /// Devices: queues `g` on the device's BLAS (cuBLAS). Throws kiln::Error when the library is
  /// missing. (The CPU's library ops call OpenBLAS and FFTW from the runtime.)
  virtual void gemm(const GemmDesc& g) {
    (void)g;
    throw Error("[" + std::string(name()) + "] has no BLAS of its own");
  }
  /// Devices: queues `f` on the device's FFT library (cuFFT). Throws kiln::Error when the
  /// library is missing.
  virtual void fft(const FftDesc& f) {
    (void)f;
    throw Error("[" + std::string(name()) + "] has no FFT library of its own");
  }

  /// For backends whose loader compiles once more (CUDA: the driver assembles PTX for the
  /// device), what identifies that step's output beyond target_id() (e.g. the driver version);
  /// empty when load() compiles nothing.
  virtual std::string native_id() { return {}; }
  /// After load(): the loader's output for `entry` (a cubin), which load() accepts back in place
  /// of compile()'s code; empty when there is none.
  virtual std::vector<uint8_t> native_code(const KernelEntry& entry) {
    (void)entry;
    return {};
  }
};

/// Opens the backend that runs kernels on `device`. Throws kiln::Error when that device has
/// no backend here.
std::unique_ptr<Backend> make_backend(const Device& device, const BackendOptions& options);

/// Whether `device` exists here and can be used; when not, `why` says what is missing (for
/// CUDA: no driver library, a driver that does not initialise, no such device).
bool device_usable(const Device& device, std::string& why);

}  // namespace kiln::jit
