// Reductions are bit-identical whatever the thread count and the CPU's vector width: the
// summation order is fixed by the element count (ir::kTreeBlock). Checked two ways: against a
// plain C++ model of that order, and across processes with other KILN_NUM_THREADS and KILN_CPU.
#include "helpers.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "jit/ir/kernel_ir.hpp"

namespace {

// The documented order, in scalar C++ (no reassociation: GCC keeps IEEE order without
// -ffast-math). Acc is the accumulator dtype, T the values'.
template <class T, class Acc>
Acc tree_sum(const std::vector<T>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  const int64_t width = kiln::ir::kTreeLaneBytes / static_cast<int64_t>(sizeof(T));
  Acc total = 0, group = 0;
  for (int64_t from = 0; from < n; from += kiln::ir::kTreeBlock) {
    const int64_t to = std::min(n, from + kiln::ir::kTreeBlock), len = to - from;
    T block = 0;
    if (len < kiln::ir::kTreeSequentialBelow) {
      for (int64_t i = from; i < to; ++i) block = block + x[i];
    } else {
      std::vector<T> lanes(width, T(0));
      for (int64_t i = 0; i < len; ++i) lanes[i % width] = lanes[i % width] + x[from + i];
      for (int64_t half = width / 2; half >= 1; half /= 2)
        for (int64_t l = 0; l < half; ++l) lanes[l] = lanes[l] + lanes[l + half];
      block = lanes[0];
    }
    group = group + static_cast<Acc>(block);
    if ((from / kiln::ir::kTreeBlock + 1) % kiln::ir::kTreeGroupBlocks == 0 || to == n) {
      total = total + group;
      group = 0;
    }
  }
  return total;
}

template <class T>
std::vector<T> awkward_values(int64_t n, uint64_t seed) {
  std::vector<T> v(static_cast<size_t>(n));
  uint64_t s = seed;
  for (T& x : v) {  // a spread of magnitudes and signs, so that every order gives other bits
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const double u = static_cast<double>(s >> 11) / 9007199254740992.0;
    x = static_cast<T>((u - 0.3) * std::pow(10.0, static_cast<int>(s % 7) - 3));
  }
  return v;
}

}  // namespace

TEST(Determinism, FloatSumsFollowTheDocumentedOrder) {
  if (!kiln_test::cpu_kernels())
    GTEST_SKIP() << "the fixed order is the CPU's (GPU sums are not ordered)";
  for (int64_t n : {1, 2, 15, 16, 17, 63, 64, 65, 100, 1023, 1024, 1025, 5000, 32768, 32769,
                    65536 + 1000, 100'003, 1'000'003}) {
    const std::vector<float> f = awkward_values<float>(n, static_cast<uint64_t>(n));
    const float expect_f = static_cast<float>(tree_sum<float, double>(f));
    EXPECT_EQ(kiln::sum(kiln::array(f)).item<float>(), expect_f) << "float32 n=" << n;
    const std::vector<double> d = awkward_values<double>(n, static_cast<uint64_t>(n) + 7);
    EXPECT_EQ(kiln::sum(kiln::array(d)).item<double>(), (tree_sum<double, double>(d)))
        << "float64 n=" << n;
  }
  // Rows of a matrix: each output's positions follow the same order.
  const std::vector<float> m = awkward_values<float>(7 * 3001, 99);
  const std::vector<float> got = kiln::sum(kiln::array(m).reshape({7, 3001}), 1).to_vector<float>();
  for (int r = 0; r < 7; ++r) {
    const std::vector<float> row(m.begin() + r * 3001, m.begin() + (r + 1) * 3001);
    EXPECT_EQ(got[r], static_cast<float>(tree_sum<float, double>(row))) << "row " << r;
  }
}

TEST(Determinism, AdversarialFloat32SumStaysAccurate) {
  // The order's accuracy does not depend on the machine: 0.1f thirty million times is within two
  // float32 ulps (0.5) of the exact sum everywhere (numpy's pairwise sum is 107.7 away).
  const double exact = static_cast<double>(0.1f) * 30'000'001.0;
  EXPECT_NEAR(kiln::sum(kiln::full({30'000'001}, 0.1f)).item<float>(), exact, 0.5);
  EXPECT_EQ(kiln::sum(kiln::ones({100'000'000}, kiln::float32)).item<float>(), 1e8f);
}

namespace {

// The probe's output under `env`, and its exit status.
std::string run(const std::string& env, int expect_status = 0) {
  static int runs = 0;  // ctest runs this suite's tests in parallel processes: a file of its own
  const std::string out = ::testing::TempDir() + "kiln_reduction_probe_" +
                          std::to_string(::getpid()) + "_" + std::to_string(runs++) + ".out";
  const std::string command =
      "env " + env + " " KILN_BINARY_DIR "/tests/reduction_probe > " + out + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(out);
  std::stringstream s;
  s << in.rdbuf();
  std::remove(out.c_str());
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, expect_status) << command << "\n"
                                                                         << s.str();
  return s.str();
}

// CPU models this machine can run besides its own: the x86-64 levels below its widest vectors.
std::vector<std::string> runnable_levels() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string text((std::istreambuf_iterator<char>(cpuinfo)), std::istreambuf_iterator<char>());
  std::vector<std::string> levels = {"x86-64-v2"};
  if (text.find(" avx2") != std::string::npos && text.find(" fma") != std::string::npos)
    levels.push_back("x86-64-v3");
  if (text.find(" avx512f") != std::string::npos && text.find(" avx512bw") != std::string::npos)
    levels.push_back("x86-64-v4");
  return levels;
}

}  // namespace

TEST(Determinism, BitIdenticalForAnyThreadCount) {
  if (!kiln_test::cpu_kernels())
    GTEST_SKIP() << "the fixed order is the CPU's (GPU sums are not ordered)";
  const std::string one = run("KILN_NUM_THREADS=1");
  ASSERT_NE(one.find("sum f32 1e7:"), std::string::npos) << one;
  for (int threads : {2, 3, 7}) {
    SCOPED_TRACE("KILN_NUM_THREADS=" + std::to_string(threads));
    EXPECT_EQ(run("KILN_NUM_THREADS=" + std::to_string(threads)), one);
  }
}

TEST(Determinism, BitIdenticalOnEveryVectorWidth) {
  if (!kiln_test::cpu_kernels())
    GTEST_SKIP() << "the fixed order is the CPU's (GPU sums are not ordered)";
#if !defined(__x86_64__)
  GTEST_SKIP() << "the x86-64 levels name x86 CPUs";
#endif
  // Loaded values and sums, products, means and variances of them; the values computed inside
  // the kernels are additions and multiplications (no math library, whose results may differ
  // between instruction sets). FMA contraction is the same on every level from v3 up; v2 has
  // no FMA, so its run is compared on the loaded-value lines only.
  const std::string host = run("KILN_NUM_THREADS=2");
  for (const std::string& level : runnable_levels()) {
    SCOPED_TRACE("KILN_CPU=" + level);
    const std::string other = run("KILN_NUM_THREADS=3 KILN_CPU=" + level);
    if (level != "x86-64-v2") {
      EXPECT_EQ(other, host);
      continue;
    }
    std::istringstream a(host), b(other);
    for (std::string la, lb; std::getline(a, la) && std::getline(b, lb);)
      if (la.rfind("sum of a product", 0) != 0 && la.rfind("prod", 0) != 0) {
        EXPECT_EQ(lb, la);
      }
  }
}

TEST(Determinism, KilnCpuThatCannotRunHereIsAClearError) {
  if (!kiln_test::cpu_kernels()) GTEST_SKIP();
  const std::string unknown = run("KILN_CPU=no-such-cpu", 1);
  EXPECT_NE(unknown.find("KILN_CPU=no-such-cpu: LLVM"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("does not know this CPU"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("reduction_probe.cpp:"), std::string::npos) << unknown;  // call site
#if defined(__x86_64__)
  // A model with vector extensions this machine lacks would die of an illegal instruction.
  const std::vector<std::string> levels = runnable_levels();
  const bool has_v4 = levels.back() == "x86-64-v4";
  const std::string model = has_v4 ? "sapphirerapids" : "x86-64-v4";
  std::ifstream cpuinfo("/proc/cpuinfo");
  const std::string text((std::istreambuf_iterator<char>(cpuinfo)),
                         std::istreambuf_iterator<char>());
  if (has_v4 && text.find(" amx_tile") != std::string::npos) GTEST_SKIP() << "has AMX too";
  const std::string wider = run("KILN_CPU=" + model, 1);
  EXPECT_NE(wider.find("KILN_CPU=" + model + " uses instructions this CPU"), std::string::npos)
      << wider;
  EXPECT_NE(wider.find(has_v4 ? "amx" : "avx512f"), std::string::npos) << wider;
#endif
}
