// A fake CUDA driver (libkiln_fake_cuda.so) for testing kiln's GPU runtime on machines without a
// GPU: kiln opens it through KILN_LIBCUDA as it would open libcuda.so.1.
//
// Device memory is host memory. Work queued on a stream (copies, memsets, launches) runs only when
// the host synchronises, as on a GPU, so a missing synchronisation reads stale data here too.
// Host-to-device copies take their data when issued, as the driver does for pageable memory.
//
// The one GPU it offers runs PTX by rebuilding each kernel for the host: a module's kernels are
// named kiln_<key>, and the kernel IR recorded under that key in the manifest KILN_RECORD names
// is compiled by kiln's CUDA emulator (jit/cuda/cuda_emulator.hpp) and run on the launch's grid.
// The "cubin" it links is the PTX behind an ELF magic, so kiln caches and reloads it as it would
// a real one.
//
// Not a full driver: no events, one memory for all devices (KILN_FAKE_CUDA_DEVICES), only what
// kiln calls.
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "jit/cuda/cuda_driver.hpp"
#include "jit/cuda/cuda_emulator.hpp"
#include "jit/cuda/launch_params.hpp"
#include "jit/ir/kernel_ir.hpp"
#include "kiln/error.hpp"
#include "runtime/manifest.hpp"

namespace {

// CUresult values the fake returns.
constexpr int kSuccess = 0, kInvalidValue = 1, kOutOfMemory = 2, kInvalidDevice = 101,
              kInvalidImage = 200, kInvalidPtx = 218, kNotFound = 500, kLaunchFailed = 719;
constexpr char kCubinMagic[] =
    "\x7f"
    "ELF kiln-fake-cubin\n";

struct Function {
  const void* entry = nullptr;
  size_t params = 0;  // 8-byte kernel parameters
};

struct Module {
  std::map<std::string, Function*> functions;
};

struct Stream {
  std::vector<std::function<void()>> queue;
};

struct Link {
  std::string ptx;
  std::string cubin;
};

// A cuFFT plan.
struct FftPlan {
  int n = 0, istride = 1, idist = 0, ostride = 1, odist = 0, type = 0, batch = 0;
  Stream* stream = nullptr;
};

// The fake device's state (the test process's, not kiln's).
struct State {
  std::recursive_mutex mutex;
  std::unique_ptr<kiln::jit::EmulatedGpu> gpu;
  std::unordered_map<std::string, std::vector<uint8_t>> ir_by_symbol;  // from the manifest
  std::streamoff manifest_read = 0;
  std::unordered_map<std::string, Function> functions;  // by symbol, linked once
  std::deque<Module> modules;
  std::deque<Stream> streams;
  std::unordered_map<uint64_t, size_t> allocations;
  size_t allocated = 0;
  int sticky_error = kSuccess;
  long ptx_loads = 0, cubin_loads = 0, launches = 0, gemm_calls = 0, fft_execs = 0;
  std::deque<FftPlan> fft_plans;
};

State& state() {
  static State* s = new State;  // never destroyed: kiln may call in while the process exits
  return *s;
}

// Reads the manifest's lines not read yet (whole lines only: another process may be writing).
void read_manifest(State& s) {
  const char* path = std::getenv("KILN_RECORD");
  if (!path || !*path) return;
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  in.seekg(s.manifest_read);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: a line being written
    s.manifest_read += static_cast<std::streamoff>(line.size() + 1);
    const size_t a = line.find(' '), b = line.find(' ', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;  // the header
    std::vector<uint8_t> ir;
    if (kiln::runtime::from_hex(std::string_view(line).substr(b + 1), ir))
      s.ir_by_symbol["kiln_" + line.substr(a + 1, b - a - 1)] = std::move(ir);
  }
}

// The kernel `symbol`, rebuilt for the host from its recorded kernel IR.
Function* function_for(State& s, const std::string& symbol, std::string& error) {
  if (auto it = s.functions.find(symbol); it != s.functions.end()) return &it->second;
  if (!s.ir_by_symbol.count(symbol)) read_manifest(s);
  auto it = s.ir_by_symbol.find(symbol);
  if (it == s.ir_by_symbol.end()) {
    error = "fake CUDA driver: no kernel IR recorded for " + symbol +
            " (the fake driver needs KILN_RECORD to name the manifest kiln records into)";
    return nullptr;
  }
  kiln::ir::KernelIR ir;
  if (!kiln::ir::deserialize(it->second.data(), it->second.size(), ir)) {
    error = "fake CUDA driver: the recorded kernel IR of " + symbol + " does not decode";
    return nullptr;
  }
  try {
    if (!s.gpu) s.gpu = std::make_unique<kiln::jit::EmulatedGpu>();
    Function f;
    f.entry = s.gpu->link(s.gpu->compile(ir, symbol), symbol);
    f.params = kiln::jit::CudaLaunchParams::of(ir).count();
    return &s.functions.emplace(symbol, f).first->second;
  } catch (const kiln::Error& e) {
    error = e.what();
    return nullptr;
  }
}

void drain(State& s, Stream& stream) {
  std::vector<std::function<void()>> work;
  work.swap(stream.queue);
  for (auto& w : work) w();
}

void drain_all(State& s) {
  for (Stream& st : s.streams) drain(s, st);
}

// Writes `text` into the caller's CU_JIT_ERROR_LOG_BUFFER, if it gave one.
void log_error(unsigned n, const int* options, void** values, const std::string& text) {
  char* buffer = nullptr;
  size_t size = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (options[i] == 5) buffer = static_cast<char*>(values[i]);
    if (options[i] == 6) size = reinterpret_cast<uintptr_t>(values[i]);
  }
  if (buffer && size) std::snprintf(buffer, size, "%s", text.c_str());
  std::fprintf(stderr, "%s\n", text.c_str());
}

void* as_ptr(uint64_t p) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(p));
}

}  // namespace

extern "C" {

int cuInit(unsigned) {
  return kSuccess;
}
int cuDriverGetVersion(int* version) {
  *version = 12040;
  return kSuccess;
}
// KILN_FAKE_CUDA_DEVICES: how many GPUs it shows (1 by default); they share one memory.
int device_count() {
  const char* n = std::getenv("KILN_FAKE_CUDA_DEVICES");
  return n && *n ? std::atoi(n) : 1;
}
int cuDeviceGetCount(int* count) {
  *count = device_count();
  return kSuccess;
}
int cuDeviceGet(int* device, int ordinal) {
  if (ordinal < 0 || ordinal >= device_count()) return kInvalidDevice;
  *device = ordinal;
  return kSuccess;
}
int cuDeviceGetAttribute(int* value, int attribute, int) {
  switch (attribute) {
    case 75:
      *value = 9;
      break;  // compute capability 9.0
    case 76:
      *value = 0;
      break;
    case 16:
      *value = 1;
      break;  // one SM: small grids, quick to emulate
    default:
      *value = 0;
  }
  return kSuccess;
}
int cuDeviceGetName(char* name, int length, int) {
  std::snprintf(name, static_cast<size_t>(length), "kiln fake GPU (host emulation)");
  return kSuccess;
}
int cuGetErrorString(int error, const char** text) {
  switch (error) {
    case kSuccess:
      *text = "no error";
      break;
    case kOutOfMemory:
      *text = "out of memory";
      break;
    case kInvalidImage:
      *text = "device kernel image is invalid";
      break;
    case kLaunchFailed:
      *text = "unspecified launch failure";
      break;
    default:
      *text = "fake CUDA driver error";
  }
  return kSuccess;
}
int cuDevicePrimaryCtxRetain(void** context, int) {
  *context = &state();
  return kSuccess;
}
int cuStreamCreate(void** stream, unsigned) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  *stream = &s.streams.emplace_back();
  return kSuccess;
}
int cuStreamSynchronize(void* stream) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  drain(s, *static_cast<Stream*>(stream));
  return s.sticky_error;
}
int cuMemAlloc_v2(uint64_t* ptr, size_t bytes) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  // KILN_FAKE_CUDA_MEMORY: the device's memory in bytes, to test running out of it.
  const char* limit = std::getenv("KILN_FAKE_CUDA_MEMORY");
  if (limit && s.allocated + bytes > std::strtoull(limit, nullptr, 10)) return kOutOfMemory;
  void* p = std::aligned_alloc(256, (bytes + 255) & ~size_t{255});
  if (!p) return kOutOfMemory;
  *ptr = reinterpret_cast<uintptr_t>(p);
  s.allocations[*ptr] = bytes;
  s.allocated += bytes;
  return kSuccess;
}
int cuMemFree_v2(uint64_t ptr) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  auto it = s.allocations.find(ptr);
  if (it == s.allocations.end()) return kInvalidValue;
  drain_all(s);  // cuMemFree waits for the device
  s.allocated -= it->second;
  s.allocations.erase(it);
  std::free(as_ptr(ptr));
  return kSuccess;
}
int cuMemcpyHtoDAsync_v2(uint64_t dst, const void* src, size_t bytes, void* stream) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  auto data = std::make_shared<std::vector<char>>(static_cast<const char*>(src),
                                                  static_cast<const char*>(src) + bytes);
  static_cast<Stream*>(stream)->queue.push_back(
      [dst, data] { std::memcpy(as_ptr(dst), data->data(), data->size()); });
  return kSuccess;
}
int cuMemcpyDtoHAsync_v2(void* dst, uint64_t src, size_t bytes, void* stream) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  static_cast<Stream*>(stream)->queue.push_back(
      [dst, src, bytes] { std::memcpy(dst, as_ptr(src), bytes); });
  return kSuccess;
}
int cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, void* stream) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  static_cast<Stream*>(stream)->queue.push_back(
      [dst, src, bytes] { std::memmove(as_ptr(dst), as_ptr(src), bytes); });
  return kSuccess;
}
int cuMemsetD2D32Async(uint64_t dst, size_t pitch, unsigned value, size_t width, size_t height,
                       void* stream) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  static_cast<Stream*>(stream)->queue.push_back([=] {
    for (size_t r = 0; r < height; ++r)
      for (size_t c = 0; c < width; ++c)
        std::memcpy(static_cast<char*>(as_ptr(dst)) + r * pitch + c * 4, &value, 4);
  });
  return kSuccess;
}
int cuCtxPushCurrent_v2(void*) {
  return kSuccess;
}
int cuCtxPopCurrent_v2(void** context) {
  if (context) *context = nullptr;
  return kSuccess;
}
int cuMemsetD8Async(uint64_t dst, unsigned char value, size_t count, void* stream) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  static_cast<Stream*>(stream)->queue.push_back(
      [dst, value, count] { std::memset(as_ptr(dst), value, count); });
  return kSuccess;
}
int cuModuleLoadDataEx(void** module, const void* image, unsigned n, int* options, void** values) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  std::string text(static_cast<const char*>(image));
  const size_t magic = sizeof kCubinMagic - 1;
  const bool cubin = text.compare(0, magic, kCubinMagic) == 0;
  if (cubin) {
    text.erase(0, magic);
    ++s.cubin_loads;
  } else if (text.find(".entry") == std::string::npos) {
    log_error(n, options, values, "fake CUDA driver: the image is neither PTX nor a fake cubin");
    return kInvalidImage;
  } else {
    ++s.ptx_loads;
  }
  Module& m = s.modules.emplace_back();
  for (size_t at = text.find(".entry "); at != std::string::npos;
       at = text.find(".entry ", at + 1)) {
    const size_t begin = at + 7, end = text.find_first_of("( \n", begin);
    const std::string symbol = text.substr(begin, end - begin);
    std::string error;
    Function* f = function_for(s, symbol, error);
    if (!f) {
      log_error(n, options, values, error);
      return kInvalidPtx;
    }
    m.functions[symbol] = f;
  }
  *module = &m;
  return kSuccess;
}
int cuModuleGetFunction(void** function, void* module, const char* name) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  auto& functions = static_cast<Module*>(module)->functions;
  auto it = functions.find(name);
  if (it == functions.end()) return kNotFound;
  *function = it->second;
  return kSuccess;
}
int cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned, void* stream, void** params, void**) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (gy != 1 || gz != 1 || by != 1 || bz != 1 || gx == 0 || bx == 0) return kInvalidValue;
  const Function* f = static_cast<Function*>(function);
  std::vector<uint64_t> values(f->params);
  for (size_t i = 0; i < f->params; ++i) std::memcpy(&values[i], params[i], 8);
  ++s.launches;
  static_cast<Stream*>(stream)->queue.push_back([&s, f, gx, bx, values = std::move(values)] {
    try {
      s.gpu->run(f->entry, gx, bx, values.data());
    } catch (const kiln::Error& e) {
      std::fprintf(stderr, "fake CUDA driver: the launch failed: %s\n", e.what());
      s.sticky_error = kLaunchFailed;
    }
  });
  return kSuccess;
}
int cuLinkCreate_v2(unsigned, int*, void**, void** link) {
  *link = new Link;
  return kSuccess;
}
int cuLinkAddData_v2(void* link, int type, void* data, size_t size, const char*, unsigned, int*,
                     void**) {
  if (type != 1) return kInvalidValue;  // PTX only
  static_cast<Link*>(link)->ptx.assign(static_cast<const char*>(data),
                                       strnlen(static_cast<const char*>(data), size));
  return kSuccess;
}
int cuLinkComplete(void* link, void** cubin, size_t* size) {
  Link* l = static_cast<Link*>(link);
  l->cubin = kCubinMagic + l->ptx;
  *cubin = l->cubin.data();
  *size = l->cubin.size() + 1;  // with its terminating null
  return kSuccess;
}
int cuLinkDestroy(void* link) {
  delete static_cast<Link*>(link);
  return kSuccess;
}

// ---- cuBLAS (libcublas.so through KILN_LIBCUBLAS): strided-batched gemm, column-major, as
// the real one computes it, queued on the handle's stream ----

struct BlasHandle {
  Stream* stream = nullptr;
};

int cublasCreate_v2(void** handle) {
  *handle = new BlasHandle;
  return 0;
}
int cublasSetStream_v2(void* handle, void* stream) {
  static_cast<BlasHandle*>(handle)->stream = static_cast<Stream*>(stream);
  return 0;
}

}  // extern "C"

namespace {

// C(m x n) = op(A) op(B), all column-major, `batch` times; products summed in long double.
template <class T>
int gemm(void* handle, int ta, int tb, int m, int n, int k, const T* alpha, const T* a, int lda,
         long long sa, const T* b, int ldb, long long sb, const T* beta, T* c, int ldc,
         long long sc, int batch) {
  BlasHandle* h = static_cast<BlasHandle*>(handle);
  if (!h->stream || m < 0 || n < 0 || k < 0 || batch < 0) return 7;  // CUBLAS_STATUS_INVALID_VALUE
  const T al = *alpha, be = *beta;
  State& s = state();
  std::lock_guard lock(s.mutex);
  ++s.gemm_calls;
  h->stream->queue.push_back([=] {
    using Acc =
        std::conditional_t<std::is_floating_point_v<T>, long double, std::complex<long double>>;
    for (int q = 0; q < batch; ++q)
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < m; ++i) {
          Acc acc = 0;
          for (int p = 0; p < k; ++p) {
            const T x = ta ? a[q * sa + p + static_cast<long long>(i) * lda]
                           : a[q * sa + i + static_cast<long long>(p) * lda];
            const T y = tb ? b[q * sb + j + static_cast<long long>(p) * ldb]
                           : b[q * sb + p + static_cast<long long>(j) * ldb];
            acc += Acc(x) * Acc(y);
          }
          T& out = c[q * sc + i + static_cast<long long>(j) * ldc];
          out = T(Acc(al) * acc) + (be == T(0) ? T(0) : be * out);
        }
  });
  return 0;
}

}  // namespace

extern "C" {

int cublasSgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const float* al,
                              const float* a, int lda, long long sa, const float* b, int ldb,
                              long long sb, const float* be, float* c, int ldc, long long sc,
                              int batch) {
  return gemm(h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, batch);
}
int cublasDgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const double* al,
                              const double* a, int lda, long long sa, const double* b, int ldb,
                              long long sb, const double* be, double* c, int ldc, long long sc,
                              int batch) {
  return gemm(h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, batch);
}
int cublasCgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k,
                              const std::complex<float>* al, const std::complex<float>* a, int lda,
                              long long sa, const std::complex<float>* b, int ldb, long long sb,
                              const std::complex<float>* be, std::complex<float>* c, int ldc,
                              long long sc, int batch) {
  return gemm(h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, batch);
}
int cublasZgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k,
                              const std::complex<double>* al, const std::complex<double>* a,
                              int lda, long long sa, const std::complex<double>* b, int ldb,
                              long long sb, const std::complex<double>* be, std::complex<double>* c,
                              int ldc, long long sc, int batch) {
  return gemm(h, ta, tb, m, n, k, al, a, lda, sa, b, ldb, sb, be, c, ldc, sc, batch);
}

// ---- cuFFT (libcufft.so through KILN_LIBCUFFT): rank-1 plans with strides, as direct DFTs in
// long double, queued on the plan's stream ----

int cufftPlanMany(int* plan, int rank, int* n, int* inembed, int istride, int idist, int* onembed,
                  int ostride, int odist, int type, int batch) {
  if (rank != 1 || !inembed || !onembed || *n <= 0) return 4;  // CUFFT_INVALID_VALUE
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.fft_plans.push_back({*n, istride, idist, ostride, odist, type, batch, nullptr});
  *plan = static_cast<int>(s.fft_plans.size()) - 1;
  return 0;
}
int cufftPlan1d(int* plan, int n, int type, int batch) {
  int embed = n;
  return cufftPlanMany(plan, 1, &n, &embed, 1, n, &embed, 1, n, type, batch);
}
int cufftSetStream(int plan, void* stream) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.fft_plans.at(static_cast<size_t>(plan)).stream = static_cast<Stream*>(stream);
  return 0;
}

}  // extern "C"

namespace {

// One plan's transforms: R real (float/double), `real_in`/`real_out` for R2C and C2R.
template <class R>
int run_fft(int plan, const void* in, void* out, int direction, bool real_in, bool real_out) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  const FftPlan p = s.fft_plans.at(static_cast<size_t>(plan));
  if (!p.stream) return 4;
  ++s.fft_execs;
  p.stream->queue.push_back([=] {
    using C = std::complex<R>;
    using L = std::complex<long double>;
    const int n = p.n, half = n / 2 + 1;
    const int out_len = real_in ? half : n;
    const long double tau = 6.283185307179586476925286766559L;
    std::vector<L> x(static_cast<size_t>(n)), w(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t) {
      const long double angle = tau * t / n;
      w[t] = L(std::cos(angle), direction * std::sin(angle));
    }
    for (int b = 0; b < p.batch; ++b) {
      // The input as n complex values (C2R: the half spectrum extended by symmetry).
      for (int j = 0; j < n; ++j) {
        if (real_in) {
          x[j] = static_cast<const R*>(in)[b * p.idist + j * p.istride];
        } else if (real_out) {
          const int src = j < half ? j : n - j;
          const C v = static_cast<const C*>(in)[b * p.idist + src * p.istride];
          x[j] = j < half ? L(v) : std::conj(L(v));
          if (j == 0 || (n % 2 == 0 && j == n / 2)) x[j] = L(v.real(), 0);  // imaginary ignored
        } else {
          x[j] = L(static_cast<const C*>(in)[b * p.idist + j * p.istride]);
        }
      }
      for (int f = 0; f < out_len; ++f) {
        L acc = 0;
        for (int j = 0; j < n; ++j) {  // a unit twiddle adds without multiplying, as FFTs do
          const long long t = (static_cast<long long>(f) * j) % n;
          acc += t == 0 ? x[j] : x[j] * w[t];
        }
        if (real_out)
          static_cast<R*>(out)[b * p.odist + f * p.ostride] = static_cast<R>(acc.real());
        else
          static_cast<C*>(out)[b * p.odist + f * p.ostride] = C(acc);
      }
    }
  });
  return 0;
}

}  // namespace

extern "C" {

int cufftExecC2C(int plan, void* in, void* out, int direction) {
  return run_fft<float>(plan, in, out, direction, false, false);
}
int cufftExecZ2Z(int plan, void* in, void* out, int direction) {
  return run_fft<double>(plan, in, out, direction, false, false);
}
int cufftExecR2C(int plan, void* in, void* out) {
  return run_fft<float>(plan, in, out, -1, true, false);
}
int cufftExecD2Z(int plan, void* in, void* out) {
  return run_fft<double>(plan, in, out, -1, true, false);
}
int cufftExecC2R(int plan, void* in, void* out) {
  return run_fft<float>(plan, in, out, 1, false, true);
}
int cufftExecZ2D(int plan, void* in, void* out) {
  return run_fft<double>(plan, in, out, 1, false, true);
}

/// For tests: modules loaded from PTX and from cubins, launches, and device bytes in use.
void kiln_fake_cuda_counters(long* ptx_loads, long* cubin_loads, long* launches,
                             long* bytes_in_use) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  *ptx_loads = s.ptx_loads;
  *cubin_loads = s.cubin_loads;
  *launches = s.launches;
  *bytes_in_use = static_cast<long>(s.allocated);
}

/// For tests: cuBLAS gemm calls and cuFFT executions so far.
void kiln_fake_cuda_library_calls(long* gemm_calls, long* fft_execs) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  *gemm_calls = s.gemm_calls;
  *fft_execs = s.fft_execs;
}

}  // extern "C"
