// The GPU runtime across processes, on the fake CUDA driver (tests/cuda/fake_cuda_driver.cpp):
// the second run of a program loads the cubins the first one cached and assembles nothing;
// kiln-warmup --target cuda:sm_90 on a machine without a GPU fills a cache that a GPU run then
// loads; KILN_DEVICE names the default device, and a wrong one is a clear error.
#include <gtest/gtest.h>

#include "process_util.hpp"

namespace kiln::test {
namespace {

// Lines of `text` that contain `part`.
size_t count_containing(const std::string& text, const std::string& part) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) n += l.find(part) != std::string::npos;
  return n;
}

std::string fake_driver() {
  return KILN_BINARY_DIR "/tests/libkiln_fake_cuda.so";
}

// The environment of a probe run on the fake GPU with cache `dir`. The fake driver finds each
// kernel's IR in the manifest kiln records into.
std::string on_gpu(const ScratchDir& d, const std::string& dir) {
  return "KILN_DEVICE=cuda KILN_LIBCUDA=" + fake_driver() +
         " KILN_RECORD=" + d.str("fake.manifest") + " KILN_LOG=1 KILN_CACHE_DIR=" + dir;
}

TEST(GpuProcesses, SecondRunLoadsCachedCubinsAndCompilesNothing) {
  ScratchDir d("gpu_cubin");
  const std::string dir = d.str("c");
  const ProbeRun first = run_probe(on_gpu(d, dir));
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_GT(first.compiled, 3);
  EXPECT_NE(first.err.find(" cuda "), std::string::npos) << first.err;  // KILN_LOG: the backend
  const ProbeRun second = run_probe(on_gpu(d, dir));
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.compiled, 0);
  EXPECT_EQ(second.disk, first.compiled);
  EXPECT_EQ(count_containing(second.err, "cuda disk (native)"), static_cast<size_t>(first.compiled))
      << second.err;
  EXPECT_EQ(second.results, first.results);
  // The CPU computes the same (the probe prints exact values; the transcendental functions may
  // differ in the last bit between the GPU's and the CPU's math library, so compare the first
  // words only: the result names and the integer argmax line).
  const ProbeRun cpu = run_probe("KILN_CACHE_DIR=" + dir);
  ASSERT_EQ(cpu.status, 0) << cpu.err;
  const auto argmax_line = [](const std::string& s) {
    const size_t at = s.find("argmax");
    return s.substr(at, s.find('\n', at) - at);
  };
  EXPECT_EQ(argmax_line(cpu.results), argmax_line(first.results));
}

TEST(GpuProcesses, WarmupForSm90WithoutAGpuServesAGpuRun) {
  ScratchDir d("gpu_warmup");
  const std::string dir = d.str("c"), manifest = d.str("kernels.manifest");
  // Record the program's GPU kernels, then drop everything the recording run cached.
  Ran r = run_shell(on_gpu(d, d.str("scratch")) + " " + warmup_path() + " --cache-dir " +
                    d.str("scratch") + " record -o " + manifest + " -- " + probe_path());
  ASSERT_EQ(r.status, 0) << r.err;
  const size_t kernels = count_lines(slurp(manifest), "cuda ");
  ASSERT_GT(kernels, 3u);
  // Compile them for sm_90 with no driver at all.
  r = run_shell("KILN_LIBCUDA=/no/such/libcuda.so.1 " + warmup_path() + " --cache-dir " + dir +
                " compile " + manifest + " --target cuda:sm_90 -q");
  ASSERT_EQ(r.status, 0) << r.err;
  const ProbeRun run = run_probe(on_gpu(d, dir));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.compiled, 0) << run.err;
  EXPECT_EQ(run.disk, static_cast<long>(kernels));
}

TEST(GpuProcesses, KilnDeviceNamesTheDefaultDevice) {
  ScratchDir d("gpu_env");
  ProbeRun r = run_probe("KILN_DEVICE=gpu KILN_CACHE_DIR=" + d.str("c"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("KILN_DEVICE=gpu names no device: use cpu, cuda or cuda:N"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("cache_probe.cpp:"), std::string::npos) << r.err;
  r = run_probe("KILN_DEVICE=cuda:0 KILN_LIBCUDA=/no/such/libcuda.so.1 KILN_CACHE_DIR=" +
                d.str("c"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("KILN_DEVICE=cuda:0: cuda:0 is not available: cannot open the CUDA "
                       "driver /no/such/libcuda.so.1"),
            std::string::npos)
      << r.err;
  r = run_probe("KILN_DEVICE=cpu KILN_CACHE_DIR=" + d.str("c"));
  EXPECT_EQ(r.status, 0) << r.err;
}

}  // namespace
}  // namespace kiln::test
