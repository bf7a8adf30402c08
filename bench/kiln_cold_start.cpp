// Cold costs, measured once per process (the bench script runs it several times): the first
// 20-op kernel of a fresh process, from the call to the result, and the compile time in it.
#include <kiln/kiln.hpp>

#include <chrono>
#include <cstdio>

int main() {
  const auto start = std::chrono::steady_clock::now();
  kiln::set_cache_dir("");  // a cold compile: never a disk hit
  const kiln::Array x = kiln::array(std::vector<float>(16, 0.5f));
  const kiln::Array y = kiln::array(std::vector<float>(16, 0.25f));
  kiln::Array r = x;
  for (int i = 0; i < 5; ++i) r = kiln::exp(r * 0.5f + y) - r * y;  // 20 ops
  const float v = r.item<float>(3);
  const double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const kiln::Stats s = kiln::stats();
  std::printf(
      "{\"first_kernel_ms\": %.4f, \"compile_ms\": %.4f, \"compiled\": %llu, \"value\": %g}\n",
      total * 1e3, s.compile_seconds * 1e3, static_cast<unsigned long long>(s.kernels_compiled), v);
  return 0;
}
