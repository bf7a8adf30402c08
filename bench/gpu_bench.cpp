// GPU benchmarks (make gpu-check): kiln's fused elementwise kernels against a plain
// device-to-device copy through the driver, and the fixed cost of one small kernel (launch,
// plan-cache hit, stream synchronisation). Bandwidth is reported as bytes_per_second; compare
// the two at the same n. Needs a CUDA device (skips every case without one).
//
// Not here yet: matmul against cuBLAS and FFT against cuFFT. kiln runs both on the host for
// GPU arrays today (copies there and back), so there is nothing of its own to compare yet.
#include <benchmark/benchmark.h>

#include <kiln/kiln.hpp>

#include "jit/cuda/cuda_driver.hpp"

namespace {

namespace cuda = kiln::jit::cuda;

void sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1'000'000, 10'000'000, 100'000'000, 400'000'000}) b->Arg(n);
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

// The baseline: cuMemcpyDtoD of n floats between two buffers, on the default stream.
void BM_DeviceCopy(benchmark::State& state) {
  std::string why;
  const std::unique_ptr<cuda::Driver> driver = cuda::Driver::open(why);
  if (!driver || driver->device_count() == 0) {
    state.SkipWithError(("no CUDA device: " + why).c_str());
    return;
  }
  const cuda::DriverApi& api = driver->api();
  cuda::DeviceHandle device = 0;
  cuda::ContextHandle context = nullptr;
  api.cuDeviceGet(&device, 0);
  api.cuDevicePrimaryCtxRetain(&context, device);
  api.cuCtxSetCurrent(context);
  const size_t bytes = static_cast<size_t>(state.range(0)) * sizeof(float);
  cuda::DevicePtr a = 0, b = 0;
  if (api.cuMemAlloc(&a, bytes) != cuda::kSuccess || api.cuMemAlloc(&b, bytes) != cuda::kSuccess) {
    state.SkipWithError("cannot allocate the buffers");
    return;
  }
  cuda::StreamHandle stream = nullptr;
  api.cuStreamCreate(&stream, cuda::kStreamNonBlocking);
  api.cuMemsetD8Async(a, 1, bytes, stream);
  api.cuStreamSynchronize(stream);
  // cuMemcpyDtoDAsync is not in kiln's table: a copy kernel is what kiln's own map competes
  // with, and the driver's copy engine path is the one every CUDA program gets.
  using CopyFn = cuda::Result (*)(cuda::DevicePtr, cuda::DevicePtr, size_t, cuda::StreamHandle);
  auto copy = reinterpret_cast<CopyFn>(driver->symbol("cuMemcpyDtoDAsync_v2"));
  for (auto _ : state) {
    copy(b, a, bytes, stream);
    api.cuStreamSynchronize(stream);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 2 * bytes);
  api.cuMemFree(a);
  api.cuMemFree(b);
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
