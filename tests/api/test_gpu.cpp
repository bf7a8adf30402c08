// The GPU runtime through the public API: transfers, kernels, reductions, gathers, random
// numbers and library ops on a CUDA device agree with the CPU; mixing devices and failures on
// the device are clear errors. Skipped where no CUDA device is available; `make test` runs them
// against the fake driver (tests/cuda/fake_cuda_driver.cpp), a GPU machine on the real one.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

namespace {

#define REQUIRE_GPU() \
  if (!kiln::cuda_available()) GTEST_SKIP() << "no CUDA device here"

const Device gpu = Device::cuda(0);

// Makes `d` the default device for a scope.
struct DefaultDevice {
  explicit DefaultDevice(const Device& d) : before(default_device()) { set_default_device(d); }
  ~DefaultDevice() { set_default_device(before); }
  Device before;
};

// The message of the kiln::Error that `f` throws ("" when it throws none).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The fake driver's counters when it is the driver in use (null otherwise).
using Counters = void (*)(long*, long*, long*, long*);
Counters fake_counters() {
  const char* path = std::getenv("KILN_LIBCUDA");
  if (!path) return nullptr;
  void* lib = ::dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  return lib ? reinterpret_cast<Counters>(::dlsym(lib, "kiln_fake_cuda_counters")) : nullptr;
}

// The fake cuBLAS's gemm calls and the fake cuFFT's executions so far.
std::pair<long, long> fake_library_calls() {
  void* lib = ::dlopen(std::getenv("KILN_LIBCUBLAS"), RTLD_NOW | RTLD_NOLOAD);
  using Fn = void (*)(long*, long*);
  auto fn = lib ? reinterpret_cast<Fn>(::dlsym(lib, "kiln_fake_cuda_library_calls")) : nullptr;
  long gemm = -1, fft = -1;
  if (fn) fn(&gemm, &fft);
  return {gemm, fft};
}

long fake_bytes_in_use() {
  long ptx, cubin, launches, bytes;
  fake_counters()(&ptx, &cubin, &launches, &bytes);
  return bytes;
}

// The same dtype, shape and bytes (nans and signed zeros included).
bool same_bytes(const Array& a, const Array& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  auto bytes = [](const Array& x) -> std::vector<unsigned char> {
    auto as = [&]<class T>() {
      const T* p = x.data<T>();
      const auto* c = reinterpret_cast<const unsigned char*>(p);
      return std::vector<unsigned char>(c, c + x.size() * sizeof(T));
    };
    switch (x.dtype()) {
      case bool_:
        return as.operator()<bool>();
      case int8:
        return as.operator()<int8_t>();
      case int16:
        return as.operator()<int16_t>();
      case int32:
        return as.operator()<int32_t>();
      case int64:
        return as.operator()<int64_t>();
      case uint8:
        return as.operator()<uint8_t>();
      case uint16:
        return as.operator()<uint16_t>();
      case uint32:
        return as.operator()<uint32_t>();
      case uint64:
        return as.operator()<uint64_t>();
      case float16:
        return as.operator()<half>();
      case float32:
        return as.operator()<float>();
      case float64:
        return as.operator()<double>();
      case complex64:
        return as.operator()<std::complex<float>>();
      case complex128:
        return as.operator()<std::complex<double>>();
    }
    return {};
  };
  return bytes(a) == bytes(b);
}

// Element-by-element agreement of two arrays of any real or complex dtype.
void expect_close(const Array& cpu, const Array& dev, double tol, const std::string& what) {
  ASSERT_TRUE(cpu.device() == Device::cpu()) << what;
  ASSERT_TRUE(dev.device() == gpu) << what;
  ASSERT_EQ(cpu.shape(), dev.shape()) << what;
  ASSERT_EQ(cpu.dtype(), dev.dtype()) << what;
  const bool complex = cpu.dtype() == complex64 || cpu.dtype() == complex128;
  const Array a = complex ? concatenate({real(cpu), imag(cpu)}) : cpu;
  const Array b = complex ? concatenate({real(dev), imag(dev)}) : dev;
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      EXPECT_TRUE(std::isnan(y[i])) << what << " at " << i;
      continue;
    }
    ASSERT_NEAR(x[i], y[i], tol * (1 + std::abs(x[i]))) << what << " at " << i;
  }
}

TEST(Gpu, TransfersRoundTripEveryDtypeBitForBit) {
  REQUIRE_GPU();
  const std::vector<float> f = {1.5f, -0.0f, NAN, INFINITY, -3e-39f, 7};
  const std::vector<Array> arrays = {
      array(f).to(Device::cpu()),
      array(std::vector<double>{1e300, -0.0, NAN, 5e-324}).to(Device::cpu()),
      array(std::vector<int32_t>{INT32_MIN, -1, 0, 7}).to(Device::cpu()),
      array(std::vector<int64_t>{INT64_MAX, -2, 3}).to(Device::cpu()),
      array(std::vector<bool>{true, false, true}).to(Device::cpu()),
      array(std::vector<std::complex<float>>{{1, -2}, {NAN, 0}}).to(Device::cpu()),
      array(std::vector<std::complex<double>>{{1e-300, 3}, {-0.0, INFINITY}}).to(Device::cpu()),
      zeros({0, 3}).to(Device::cpu()),
      array({4.f}, Shape{}).to(Device::cpu())};
  for (const Array& a : arrays) {
    const Array on_gpu = a.to(gpu);
    EXPECT_TRUE(on_gpu.device() == gpu);
    EXPECT_FALSE(on_gpu.is_evaluated());  // lazy, like every op
    const Array back = on_gpu.to(Device::cpu());
    EXPECT_TRUE(same_bytes(back, a)) << dtype_name(a.dtype());
    EXPECT_TRUE(same_bytes(on_gpu, a)) << dtype_name(a.dtype());  // read directly
    EXPECT_EQ(on_gpu.shape(), a.shape());
  }
  // data() is a host copy, valid while the array lives.
  const Array g = array(f).to(gpu) * 2.f;
  const float* p = g.data<float>();
  EXPECT_EQ(p[0], 3.f);
  EXPECT_EQ(p[5], 14.f);
  EXPECT_EQ(g.item<float>(5), 14.f);
}

TEST(Gpu, KernelsAndReductionsAgreeWithTheCpu) {
  REQUIRE_GPU();
  random::seed(11);
  const Array x = random::normal({300, 257}).to(Device::cpu()).eval();
  const Array idx = array(std::vector<int64_t>{5, 0, 299, -1, 17}).to(Device::cpu());
  using Fn = std::function<Array(const Array&, const Array&)>;
  const std::vector<std::pair<std::string, Fn>> cases = {
      {"map", [](const Array& a, const Array&) { return exp(a) * 2.f + sin(a); }},
      {"outer sum", [](const Array& a, const Array&) { return sum(a, 0); }},
      {"short inner sum (a warp per output)",
       [](const Array& a, const Array&) { return sum(a, 1); }},
      {"long inner sum (a block per output)",
       [](const Array& a, const Array&) {
         return sum(a.reshape({2, -1}) * a.reshape({2, -1}), 1);
       }},
      {"whole sum", [](const Array& a, const Array&) { return sum(a); }},
      {"max", [](const Array& a, const Array&) { return max(abs(a)); }},
      {"whole argmax, ties and nans across the blocks' parts",
       [](const Array& a, const Array&) {
         const Array r = a.flatten();
         return argmax(where(r > 2.5f, 9.f, where(r < -3.5f, NAN, r)));
       }},
      {"whole argmin", [](const Array& a, const Array&) { return argmin(a); }},
      {"whole mean and any",
       [](const Array& a, const Array&) {
         return concatenate({mean(a).reshape({1}), any(a > 3.9f).astype(float32).reshape({1})});
       }},
      {"argmax rows", [](const Array& a, const Array&) { return argmax(a, 1); }},
      {"argmin cols", [](const Array& a, const Array&) { return argmin(a, 0); }},
      {"var", [](const Array& a, const Array&) { return var(a, 0); }},
      {"mean of a transposed view", [](const Array& a, const Array&) { return mean(a.T(), 1); }},
      {"take", [](const Array& a, const Array& i) { return take(a, i, 0) + 1.f; }},
      {"where", [](const Array& a, const Array&) { return where(a > 0.f, a, -a * 3.f); }},
      {"slice",
       [](const Array& a, const Array&) {
         return a[{slice(10, 20), slice(0, 257, 3)}];
       }},
      {"cast to int", [](const Array& a, const Array&) { return (a * 100.f).astype(int64) % 7; }},
      {"cumsum (host)", [](const Array& a, const Array&) { return cumsum(a, 1); }},
      {"matmul (host)", [](const Array& a, const Array&) { return matmul(a, a.T()); }},
      {"fft (host)", [](const Array& a, const Array&) { return fft::fft(a); }},
      {"concatenate (strided copies)",
       [](const Array& a, const Array&) {
         return concatenate({a, a * 2.f}, 1);
       }},
      {"concatenate rows, and an empty operand",
       [](const Array& a, const Array&) {
         return concatenate({concatenate({a, a[{slice(0, 0)}]}), a[{slice(3, 5)}]});
       }},
      {"scatter (host)",
       [](const Array& a, const Array& i) { return scatter(a, i, sum(a, 0), 0); }},
  };
  const Array gx = x.to(gpu), gidx = idx.to(gpu);
  for (const auto& [name, f] : cases) {
    const Array c = f(x, idx), g = f(gx, gidx);
    EXPECT_TRUE(g.device() == gpu) << name;
    expect_close(c, g, 2e-5, name);
  }
  // Exact integer work.
  const Array n = arange(100000).to(Device::cpu());
  EXPECT_EQ(sum(n.to(gpu) * 7 % 13).item<int64_t>(), sum(n * 7 % 13).item<int64_t>());
}

TEST(Gpu, MatmulAndFftRunOnTheDevicesLibraries) {
  REQUIRE_GPU();
  if (!std::getenv("KILN_LIBCUBLAS") || fake_library_calls().first < 0)
    GTEST_SKIP() << "needs the fake cuBLAS and cuFFT's counters";
  random::seed(3);
  const Array a = random::normal({4, 3, 5, 6}).to(gpu), b = random::normal({6, 7}).to(gpu);
  const Array x = random::normal({8, 16}).to(gpu);
  kiln::sync();
  auto [gemm0, fft0] = fake_library_calls();
  const Array c = matmul(a, b);                  // batch (4, 3): 4 calls of 3 products
  const Array f = fft::fft(x, -1, 0);            // strided: one execution per outer block
  const Array r = fft::irfft(fft::rfft(x), 16);  // contiguous: one execution each
  const Array i = matmul(arange(6).reshape({2, 3}).to(gpu), arange(6).reshape({3, 2}).to(gpu));
  kiln::eval({c, f, r, i});
  auto [gemm1, fft1] = fake_library_calls();
  EXPECT_EQ(gemm1 - gemm0, 4);  // the integer product went through the host
  EXPECT_EQ(fft1 - fft0, 3);
  EXPECT_TRUE(c.device() == gpu && f.device() == gpu && r.device() == gpu && i.device() == gpu);
  expect_close(matmul(a.to(Device::cpu()), b.to(Device::cpu())), c, 1e-5, "batched matmul");
  expect_close(fft::fft(x.to(Device::cpu()), -1, 0), f, 1e-5, "strided fft");
  expect_close(x.to(Device::cpu()), r, 1e-5, "irfft(rfft(x))");
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{10, 13, 28, 40}));
}

TEST(Gpu, FftLayoutsPaddingAndEdgeCasesAgreeWithTheCpu) {
  REQUIRE_GPU();
  DefaultDevice d(Device::cpu());  // what GPU operands create must follow them, not this
  random::seed(8);
  const Array x = random::normal({16, 8, 3});
  const Array g = x.to(gpu);
  using Fn = std::function<Array(const Array&)>;
  const std::vector<std::pair<std::string, Fn>> cases = {
      {"strided, more blocks than positions", [](const Array& a) { return fft::fft(a, -1, 1); }},
      {"strided, more positions than blocks",
       [](const Array& a) {
         return fft::fft(a.reshape({2, 8, 24}), -1, 1);
       }},
      {"padded", [](const Array& a) { return fft::fft(a, 11, 1); }},
      {"cropped rfft", [](const Array& a) { return fft::rfft(a, 5, 1); }},
      {"irfft ignores the imaginary parts numpy drops",
       [](const Array& a) {
         const Array c = fft::rfft(a, -1, 1) + complex(0.f, 1.f);  // every term gets 1j
         return fft::irfft(c, 8, 1);
       }},
      {"irfft of an odd length",
       [](const Array& a) { return fft::irfft(fft::rfft(a, 7, 0), 7, 0); }},
      {"empty", [](const Array& a) { return fft::fft(a[{slice(0, 0)}], -1, 1); }},
      {"zeros_like and ones_like",
       [](const Array& a) { return zeros_like(a) + ones_like(a) * 2.f; }},
  };
  for (const auto& [name, f] : cases) {
    const Array c = f(x), r = f(g);
    EXPECT_TRUE(r.device() == gpu) << name;
    expect_close(c, r, 1e-5, name);
  }
}

TEST(Gpu, RandomNumbersAreTheCpusForTheSameSeed) {
  REQUIRE_GPU();
  Array on_cpu, on_gpu;
  {
    DefaultDevice d(Device::cpu());
    random::seed(2024);
    on_cpu = random::uniform({1000}) + random::randint(0, 100, {1000}).astype(float32);
  }
  {
    DefaultDevice d(gpu);
    random::seed(2024);
    on_gpu = random::uniform({1000}) + random::randint(0, 100, {1000}).astype(float32);
    EXPECT_TRUE(on_gpu.device() == gpu);
  }
  EXPECT_TRUE(same_bytes(on_cpu, on_gpu));
}

TEST(Gpu, CreationFollowsTheDefaultDevice) {
  REQUIRE_GPU();
  DefaultDevice d(gpu);
  EXPECT_TRUE(default_device() == gpu);
  for (const Array& a : {zeros({3}), arange(3, float32), linspace(0.f, 1.f, 3), eye(3).flatten(),
                         array({1.f, 2.f, 3.f}), full({3}, 2.f)})
    EXPECT_TRUE(a.device() == gpu);
  EXPECT_EQ((arange(4) * 3 + 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 4, 7, 10}));
}

TEST(Gpu, MixingDevicesNamesTheToThatFixesIt) {
  REQUIRE_GPU();
  const Array a = ones({3}).to(Device::cpu()), b = ones({3}).to(gpu);
  const int line = __LINE__ + 1;
  std::string e = error_of([&] { (void)(a + b); });
  EXPECT_NE(e.find("[add] operand 1 is on cpu and operand 2 on cuda:0; add "
                   ".to(kiln::Device::cuda(0)) to operand 1 or .to(kiln::Device::cpu()) to "
                   "operand 2"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("test_gpu.cpp:" + std::to_string(line)), std::string::npos) << e;
  e = error_of([&] { (void)matmul(b.reshape({1, 3}), a.reshape({3, 1})); });
  EXPECT_NE(e.find("[matmul] operand 1 is on cuda:0 and operand 2 on cpu"), std::string::npos) << e;
  e = error_of([&] { (void)where(a > 0.f, b, 1.f); });
  EXPECT_NE(e.find("[where] operand 1 is on cpu and operand 2 on cuda:0"), std::string::npos) << e;
  EXPECT_EQ((a + b.to(Device::cpu())).to_vector<float>(), (std::vector<float>{2, 2, 2}));
  // A 0-d array joins the other operands' device, as torch's 0-d CPU tensors do.
  const Array scalar = array({3.f}, Shape{}).to(Device::cpu());
  const Array joined = b * scalar;
  EXPECT_TRUE(joined.device() == gpu);
  EXPECT_EQ(joined.to_vector<float>(), (std::vector<float>{3, 3, 3}));
}

TEST(Gpu, TwoDevicesEachRunTheirOwnKernels) {
  REQUIRE_GPU();
  if (!error_of([] { (void)ones({1}).to(Device::cuda(1)); }).empty())
    GTEST_SKIP() << "one CUDA device here";
  const Device second = Device::cuda(1);
  const Array x = arange(1000, float32).to(Device::cpu());
  const Array a = x.to(gpu) * 2.f, b = x.to(second) * 2.f;  // the same kernel on each
  EXPECT_TRUE(b.device() == second);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  const Array across = b.to(gpu) + a;  // device to device, through the host
  EXPECT_TRUE(across.device() == gpu);
  EXPECT_EQ(across.item<float>(10), 40.f);
  EXPECT_EQ(sum(b).item<float>(), 999000.f);
}

TEST(Gpu, ErrorsRaisedOnTheDeviceNameTheCallSite) {
  REQUIRE_GPU();
  const Array a = arange(10, float32).to(gpu);
  const Array bad = array(std::vector<int64_t>{1, 10}).to(gpu);
  const int line = __LINE__ + 1;
  const Array t = take(a, bad) * 2.f;
  const std::string e = error_of([&] { t.eval(); });
  EXPECT_NE(e.find("[take] an index is out of bounds for axis 0 with size 10"), std::string::npos)
      << e;
  EXPECT_NE(e.find("test_gpu.cpp:" + std::to_string(line)), std::string::npos) << e;
  // The device is still usable.
  EXPECT_EQ(sum(a).item<float>(), 45.f);
}

TEST(Gpu, FreedDeviceMemoryIsReused) {
  REQUIRE_GPU();
  if (!fake_counters()) GTEST_SKIP() << "needs the fake driver's counters";
  const Array x = arange(1 << 18, float32).to(gpu).eval();
  long after_first = 0;
  for (int i = 0; i < 20; ++i) {
    const float s = sum(exp(x * 1e-6f) + static_cast<float>(i)).item<float>();
    EXPECT_GT(s, 0.f);
    if (i == 0) after_first = fake_bytes_in_use();
  }
  EXPECT_EQ(fake_bytes_in_use(), after_first);
}

TEST(Gpu, RunningOutOfDeviceMemoryIsAClearError) {
  REQUIRE_GPU();
  if (!fake_counters()) GTEST_SKIP() << "the fake driver's memory limit makes this cheap";
  // A 64 MiB device (what the tests hold live is far less; the pool's free blocks are given
  // back before kiln gives up).
  ::setenv("KILN_FAKE_CUDA_MEMORY", std::to_string(64 << 20).c_str(), 1);
  const int line = __LINE__ + 1;
  const Array big = zeros({1 << 25}, float32).to(gpu) + 1.f;  // 128 MiB
  const std::string e = error_of([&] { big.eval(); });
  ::unsetenv("KILN_FAKE_CUDA_MEMORY");
  EXPECT_NE(e.find("cannot allocate 134217728 bytes on kiln fake GPU"), std::string::npos) << e;
  EXPECT_NE(e.find("test_gpu.cpp:" + std::to_string(line)), std::string::npos) << e;
  EXPECT_EQ(sum(ones({100}).to(gpu)).item<float>(), 100.f);  // and nothing is lost
}

}  // namespace
