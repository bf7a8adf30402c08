// GPU benchmarks (make gpu-check), each kiln case next to its baseline called directly:
//   BM_KilnFusedAxpb  vs BM_DeviceCopy   fused elementwise bandwidth against cuMemcpyDtoD
//   BM_KilnMatmul     vs BM_CublasSgemm  float32 n x n matmul against cuBLAS
//   BM_KilnFft        vs BM_CufftC2C     complex64 1-d FFT of n points against cuFFT
//   BM_KilnLaunchOverhead                the whole fixed cost of a 1-element eval + sync
// Bandwidth is bytes_per_second; compare cases at the same n. Needs a CUDA device (every case
// skips without one).
#include <benchmark/benchmark.h>

#include <kiln/kiln.hpp>

#include <dlfcn.h>

#include <complex>
#include <cstdlib>

#include "jit/cuda/cuda_driver.hpp"

namespace {

namespace cuda = kiln::jit::cuda;

// The driver with device 0's primary context current, and device buffers; null without a GPU.
struct Direct {
  std::unique_ptr<cuda::Driver> driver;
  cuda::StreamHandle stream = nullptr;
  std::vector<cuda::DevicePtr> buffers;

  explicit Direct(benchmark::State& state) {
    std::string why;
    driver = cuda::Driver::open(why);
    if (!driver || driver->device_count() == 0) {
      state.SkipWithError(("no CUDA device: " + why).c_str());
      driver.reset();
      return;
    }
    const cuda::DriverApi& api = driver->api();
    cuda::DeviceHandle device = 0;
    cuda::ContextHandle context = nullptr;
    api.cuDeviceGet(&device, 0);
    api.cuDevicePrimaryCtxRetain(&context, device);
    api.cuCtxPushCurrent(context);
    api.cuStreamCreate(&stream, cuda::kStreamNonBlocking);
  }
  ~Direct() {
    if (driver)
      for (cuda::DevicePtr p : buffers) driver->api().cuMemFree(p);
  }
  // A device buffer of `bytes` bytes filled with byte `value` (0 when allocation fails).
  cuda::DevicePtr buffer(size_t bytes, unsigned char value) {
    cuda::DevicePtr p = 0;
    if (driver->api().cuMemAlloc(&p, bytes) != cuda::kSuccess) return 0;
    driver->api().cuMemsetD8Async(p, value, bytes, stream);
    driver->api().cuStreamSynchronize(stream);
    buffers.push_back(p);
    return p;
  }
  void wait() { driver->api().cuStreamSynchronize(stream); }
};

// A function of a CUDA library (KILN_LIBCUBLAS / KILN_LIBCUFFT, else the usual names).
void* library_symbol(const char* env, std::initializer_list<const char*> names, const char* fn) {
  void* lib = nullptr;
  if (const char* p = std::getenv(env); p && *p) lib = ::dlopen(p, RTLD_NOW);
  for (const char* n : names)
    if (!lib) lib = ::dlopen(n, RTLD_NOW);
  return lib ? ::dlsym(lib, fn) : nullptr;
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1'000'000, 10'000'000, 100'000'000, 400'000'000}) b->Arg(n);
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// The baseline: cuMemcpyDtoDAsync of n floats between two buffers.
void BM_DeviceCopy(benchmark::State& state) {
  Direct d(state);
  if (!d.driver) return;
  const size_t bytes = static_cast<size_t>(state.range(0)) * sizeof(float);
  const cuda::DevicePtr a = d.buffer(bytes, 1), b = d.buffer(bytes, 0);
  if (!a || !b) {
    state.SkipWithError("cannot allocate the buffers");
    return;
  }
  for (auto _ : state) {
    d.driver->api().cuMemcpyDtoDAsync(b, a, bytes, d.stream);
    d.wait();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 2 * bytes);
}
BENCHMARK(BM_DeviceCopy)->Apply(sizes);

// kiln: z = a * x + b over n floats on the GPU (reads 2n, writes n), one fused kernel.
void BM_KilnFusedAxpb(benchmark::State& state) {
  if (!kiln::cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const int64_t n = state.range(0);
  const kiln::Device gpu = kiln::Device::cuda();
  const kiln::Array x = (kiln::arange(n, kiln::float32) * 1e-9f).to(gpu).eval();
  const kiln::Array a = kiln::full({n}, 0.5f).to(gpu).eval();
  kiln::sync();
  for (auto _ : state) {
    kiln::Array z = a * x + 2.f;
    z.eval();
    kiln::sync();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 3 * n * 4);
}
BENCHMARK(BM_KilnFusedAxpb)->Apply(sizes);

void matrix_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1024, 4096, 8192}) b->Arg(n);
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// The baseline: cublasSgemm (as its strided-batched form with one product) on n x n matrices.
void BM_CublasSgemm(benchmark::State& state) {
  Direct d(state);
  if (!d.driver) return;
  using Create = int (*)(void**);
  using SetStream = int (*)(void*, cuda::StreamHandle);
  using Gemm = int (*)(void*, int, int, int, int, int, const float*, const float*, int, long long,
                       const float*, int, long long, const float*, float*, int, long long, int);
  const std::initializer_list<const char*> names = {"libcublas.so.13", "libcublas.so.12",
                                                    "libcublas.so"};
  auto create =
      reinterpret_cast<Create>(library_symbol("KILN_LIBCUBLAS", names, "cublasCreate_v2"));
  auto set_stream =
      reinterpret_cast<SetStream>(library_symbol("KILN_LIBCUBLAS", names, "cublasSetStream_v2"));
  auto gemm =
      reinterpret_cast<Gemm>(library_symbol("KILN_LIBCUBLAS", names, "cublasSgemmStridedBatched"));
  if (!create || !set_stream || !gemm) {
    state.SkipWithError("no cuBLAS");
    return;
  }
  const int n = static_cast<int>(state.range(0));
  const size_t bytes = static_cast<size_t>(n) * n * sizeof(float);
  const cuda::DevicePtr a = d.buffer(bytes, 0), b = d.buffer(bytes, 0), c = d.buffer(bytes, 0);
  void* handle = nullptr;
  create(&handle);
  set_stream(handle, d.stream);
  const float one = 1, zero = 0;
  auto ptr = [](cuda::DevicePtr p) { return reinterpret_cast<float*>(static_cast<uintptr_t>(p)); };
  for (auto _ : state) {
    gemm(handle, 0, 0, n, n, n, &one, ptr(b), n, 0, ptr(a), n, 0, &zero, ptr(c), n, 0, 1);
    d.wait();
  }
  state.counters["flops"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CublasSgemm)->Apply(matrix_sizes);

// kiln: matmul of two n x n float32 arrays on the GPU.
void BM_KilnMatmul(benchmark::State& state) {
  if (!kiln::cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const int64_t n = state.range(0);
  const kiln::Device gpu = kiln::Device::cuda();
  const kiln::Array a = kiln::zeros({n, n}).to(gpu).eval(), b = kiln::zeros({n, n}).to(gpu).eval();
  kiln::sync();
  for (auto _ : state) {
    kiln::Array c = kiln::matmul(a, b);
    c.eval();
    kiln::sync();
  }
  state.counters["flops"] =
      benchmark::Counter(2.0 * n * n * n * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KilnMatmul)->Apply(matrix_sizes);

void fft_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1 << 20, 1 << 24}) b->Arg(n);
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// The baseline: a cuFFT C2C plan of n points, executed out of place.
void BM_CufftC2C(benchmark::State& state) {
  Direct d(state);
  if (!d.driver) return;
  const std::initializer_list<const char*> names = {"libcufft.so.12", "libcufft.so.11",
                                                    "libcufft.so"};
  using Plan = int (*)(int*, int, int, int);
  using SetStream = int (*)(int, cuda::StreamHandle);
  using Exec = int (*)(int, void*, void*, int);
  auto plan1d = reinterpret_cast<Plan>(library_symbol("KILN_LIBCUFFT", names, "cufftPlan1d"));
  auto set_stream =
      reinterpret_cast<SetStream>(library_symbol("KILN_LIBCUFFT", names, "cufftSetStream"));
  auto exec = reinterpret_cast<Exec>(library_symbol("KILN_LIBCUFFT", names, "cufftExecC2C"));
  if (!plan1d || !set_stream || !exec) {
    state.SkipWithError("no cuFFT");
    return;
  }
  const int n = static_cast<int>(state.range(0));
  const size_t bytes = static_cast<size_t>(n) * 8;
  const cuda::DevicePtr in = d.buffer(bytes, 0), out = d.buffer(bytes, 0);
  int plan = 0;
  plan1d(&plan, n, 0x29, 1);
  set_stream(plan, d.stream);
  auto ptr = [](cuda::DevicePtr p) { return reinterpret_cast<void*>(static_cast<uintptr_t>(p)); };
  for (auto _ : state) {
    exec(plan, ptr(in), ptr(out), -1);
    d.wait();
  }
}
BENCHMARK(BM_CufftC2C)->Apply(fft_sizes);

// kiln: fft of n complex64 points on the GPU.
void BM_KilnFft(benchmark::State& state) {
  if (!kiln::cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const int64_t n = state.range(0);
  const kiln::Array x = kiln::zeros({n}, kiln::complex64).to(kiln::Device::cuda()).eval();
  kiln::sync();
  for (auto _ : state) {
    kiln::Array y = kiln::fft::fft(x);
    y.eval();
    kiln::sync();
  }
}
BENCHMARK(BM_KilnFft)->Apply(fft_sizes);

// kiln: a 1-element kernel: the whole fixed cost of an eval on the GPU.
void BM_KilnLaunchOverhead(benchmark::State& state) {
  if (!kiln::cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const kiln::Array x = kiln::ones({1}).to(kiln::Device::cuda()).eval();
  for (auto _ : state) {
    kiln::Array z = x * 2.f + 1.f;
    z.eval();
    kiln::sync();
  }
}
BENCHMARK(BM_KilnLaunchOverhead)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
