// Prints the bits of many reductions of fixed data, one per line, so that runs with other
// thread counts (KILN_NUM_THREADS) and other CPU models (KILN_CPU) can be compared bit for bit
// (tests/determinism/test_determinism.cpp).
#include <kiln/kiln.hpp>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

// One line: the name, the element count, an FNV-1a hash of the results' bits and the first few.
void print(const std::string& what, const kiln::Array& a) {
  const std::vector<double> values = a.astype(kiln::float64).to_vector<double>();
  uint64_t hash = 1469598103934665603ull;
  for (double v : values) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    for (int b = 0; b < 8; ++b) hash = (hash ^ (bits >> (8 * b) & 0xff)) * 1099511628211ull;
  }
  std::printf("%s: n=%zu hash=%016" PRIx64, what.c_str(), values.size(), hash);
  for (size_t i = 0; i < values.size() && i < 3; ++i) std::printf(" %.17g", values[i]);
  std::printf("\n");
}

// Values made here, without any math library, so that every run reduces the same bits: a
// spread of magnitudes and signs (any other summation order gives other bits).
template <class T>
kiln::Array values(int64_t n, uint64_t seed) {
  std::vector<T> v(static_cast<size_t>(n));
  uint64_t s = seed;
  for (T& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const double u = static_cast<double>(s >> 11) / 9007199254740992.0;
    double scale = 1;
    for (int k = static_cast<int>(s % 7); k > 0; --k) scale *= 10;
    x = static_cast<T>((u - 0.3) * scale / 1000);
  }
  return kiln::array(v);
}

}  // namespace

int main() try {
  // Loaded values, and values computed inside the reduction's kernel from them.
  const kiln::Array big32 = values<float>(10'000'019, 1);
  const kiln::Array big64 = values<double>(3'000'017, 2);
  print("sum f32 1e7", kiln::sum(big32));
  print("sum f64 3e6", kiln::sum(big64));
  print("mean var std f32", kiln::stack({kiln::mean(big32), kiln::var(big32), kiln::std(big32)}));
  print("sum of a product", kiln::sum(big32 * 1.7f + 0.25f));
  print("prod", kiln::prod(1.f + big32[{kiln::slice(0, 200'001)}] * 1e-4f));
  const kiln::Array rows = big32[{kiln::slice(0, 9'000'000)}].reshape({3, 3'000'000});
  print("sum rows", kiln::sum(rows, 1));
  print("sum columns", kiln::sum(rows.reshape({3000, 3000}), 0));
  print("sum short rows", kiln::sum(rows.reshape({300'000, 30}), 1));
  print("sum strided", kiln::sum(rows.reshape({3000, 3000}).T(), 1)[{kiln::slice(0, 8)}]);
  print("sum axes 0 2",
        kiln::sum(big64[{kiln::slice(0, 3'000'000)}].reshape({100, 300, 100}), {0, 2}));
  print("sum complex", kiln::real(kiln::sum(kiln::complex(big32, big32 * 0.5f))));
  return 0;
} catch (const kiln::Error& e) {
  std::printf("error: %s\n", e.what());
  return 1;
}
