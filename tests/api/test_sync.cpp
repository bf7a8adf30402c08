// Sync points: laziness, fusion, cache reuse, multi-output kernels, sync(), threading.
#include "helpers.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace kiln;

TEST(Sync, NothingCompilesBeforeASync) {
  kiln::reset_stats();
  auto x = array({1.f, 2.f, 3.f});
  auto y = kiln::exp(x) * 2.f + kiln::sin(x) - 1;
  auto z = y * y;
  const Stats s = kiln::stats();
  EXPECT_EQ(s.kernels_compiled, 0u);
  EXPECT_EQ(s.memory_cache_hits, 0u);
  EXPECT_EQ(s.kernels_launched, 0u);
  EXPECT_GE(s.trace_ops, 6u);
  EXPECT_FALSE(z.is_evaluated());
  z.eval();
  EXPECT_TRUE(z.is_evaluated());
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
}

TEST(Sync, LongChainIsOneKernel) {
  // 90 ops: within the kernel size bound (test_laziness.cpp splits longer ones).
  auto x = arange(1000, float32);
  auto y = x;
  for (int i = 0; i < 15; ++i) y = y * 1.0001f + 0.5f - kiln::sqrt(kiln::abs(y)) * 0.001f;
  kiln::reset_stats();
  y.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
}

TEST(Sync, LoopWithChangingSizesAndScalarsCompilesOnce) {
  // Warm the cache with the structure once, then vary sizes and values.
  auto run = [](int64_t n, float s) {
    auto x = arange(n, float32);
    return (x * s + 3.f / s).item<float>(n - 1);
  };
  run(7, 3.f);  // (x * 1 would be another kernel: the optimizer makes it x)
  kiln::reset_stats();
  for (int64_t n : {10, 1000, 33, 100000, 5}) {
    for (float s : {0.5f, 2.f, -3.f}) {
      const float got = run(n, s);
      EXPECT_FLOAT_EQ(got, static_cast<float>(n - 1) * s + 3.f / s);
    }
  }
  const Stats st = kiln::stats();
  EXPECT_EQ(st.kernels_compiled, 0u);
  EXPECT_EQ(st.memory_cache_hits, 15u);
}

TEST(Sync, EvalManySharesOneKernel) {
  auto x = linspace(0.0, 1.0, 5000, float64);
  auto s = kiln::sin(x), c = kiln::cos(x);
  auto sum = s * s + c * c;
  kiln::reset_stats();
  kiln::eval({s, c, sum});
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);
  EXPECT_TRUE(s.is_evaluated() && c.is_evaluated() && sum.is_evaluated());
  const auto v = sum.to_vector<double>();
  for (double e : v) EXPECT_NEAR(e, 1.0, 1e-15);
  // Other shapes: one kernel per shape.
  auto a = array({1.f, 2.f}) + 1, b = zeros({3, 3}) + 1;
  kiln::reset_stats();
  kiln::eval(std::vector<Array>{a, b});
  EXPECT_EQ(kiln::stats().kernels_launched, 2u);
}

TEST(Sync, EvaluatedArraysAreFreeToRead) {
  auto y = arange(100, float64) * 2.0;
  y.eval();
  kiln::reset_stats();
  EXPECT_EQ(y.item<double>(3), 6.0);
  EXPECT_EQ(y.to_vector<double>().size(), 100u);
  EXPECT_EQ(y.data<double>()[99], 198.0);
  y.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 0u);
}

TEST(Sync, SyncEvaluatesEveryPendingHandle) {
  auto a = arange(10, float32) + 1;
  auto b = a * 3;
  auto c = zeros({4}, int32) - 2;
  kiln::sync();
  EXPECT_TRUE(a.is_evaluated());
  EXPECT_TRUE(b.is_evaluated());
  EXPECT_TRUE(c.is_evaluated());
  EXPECT_EQ(b.item<float>(9), 30.f);
}

TEST(Sync, LargeArraysSplitOverThreadsAgreeWithSmallOnes) {
  const int64_t n = 3'000'001;  // odd: chunk edges do not line up with vectors
  auto x = arange(n, float64) * 1e-6;
  auto y = kiln::sin(x) * kiln::exp(-x) + x;
  const auto v = y.to_vector<double>();
  for (int64_t i = 0; i < n; i += 99991) {
    const double xi = static_cast<double>(i) * 1e-6;
    EXPECT_NEAR(v[i], std::sin(xi) * std::exp(-xi) + xi, 1e-15 * (1 + std::fabs(v[i]))) << i;
  }
  // A broadcast 2-d kernel whose rows straddle the chunk edges.
  const int64_t rows = 1001, cols = 4097;
  auto column = array(std::vector<float>(rows, 0.25f), {rows, 1});
  auto grid = zeros({rows, cols}) + arange(cols, float32) + column;
  const auto g = grid.to_vector<float>();
  for (int64_t r = 0; r < rows; r += 97)
    for (int64_t c = 0; c < cols; c += 511)
      EXPECT_EQ(g[r * cols + c], static_cast<float>(c) + 0.25f);
}

TEST(Sync, BroadcastIntermediatesAreComputedOnce) {
  auto v = arange(64, float32);
  auto heavy = kiln::exp(kiln::sin(v));  // (64,)
  auto big = zeros({1000, 64}) + heavy;  // broadcast 1000 times
  kiln::reset_stats();
  big.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 2u);  // heavy stored once, then broadcast
  EXPECT_NEAR(big.item<float>(999 * 64 + 5), std::exp(std::sin(5.f)), 1e-6);
}

TEST(Sync, DeepChainsDoNotOverflowTheStack) {
  auto x = zeros({8}, int64);
  for (int i = 0; i < 3000; ++i) x = x + 1;
  EXPECT_EQ(x.item<int64_t>(7), 3000);
}

TEST(Sync, RuntimeErrorsNameTheOpAndCallSite) {
  auto base = array(std::vector<int64_t>{2, 3});
  auto ex = array(std::vector<int64_t>{1, -1});
  const int line = __LINE__ + 1;
  auto p = power(base, ex);
  kiln_test::expect_error([&] { p.eval(); }, {"[power]", "negative integer powers"}, line);
  EXPECT_FALSE(p.is_evaluated());
  // The rest of the program goes on.
  EXPECT_EQ(power(base, array(std::vector<int64_t>{2, 2})).to_vector<int64_t>(),
            (std::vector<int64_t>{4, 9}));
}

TEST(Sync, DumpWritesTheGraph) {
  auto y = kiln::exp(arange(4, float32)) + 1.f;
  const auto path = std::filesystem::temp_directory_path() / "kiln_dump_test.dot";
  kiln::dump(y, path.string());
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("digraph"), std::string::npos);
  EXPECT_NE(text.find("exp"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Sync, KilnLogNamesHashAndCallSite) {
  const auto log =
      std::filesystem::temp_directory_path() / ("kiln_log_" + std::to_string(getpid()));
  const std::string cmd =
      "KILN_CACHE=off KILN_LOG=1 " KILN_BINARY_DIR "/tests/log_probe 2> " + log.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::filesystem::remove(log);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("kiln: compile ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("kiln: hit ", 0), 0u) << lines[1];
  const std::string hash0 = lines[0].substr(14, 32), hash1 = lines[1].substr(14, 32);
  EXPECT_EQ(hash0, hash1);  // the same kernel, by the same 128-bit key
  EXPECT_EQ(hash0.find_first_not_of("0123456789abcdef"), std::string::npos);
  for (const auto& l : lines) EXPECT_NE(l.find("log_probe.cpp:17)"), std::string::npos) << l;
}

TEST(Sync, KilnDumpDirIsCreatedOrWarnedAbout) {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path() / ("kiln_dump_" + std::to_string(getpid()));
  const fs::path dir = base / "new" / "nested";
  const fs::path err = base.string() + ".err";
  const std::string probe = KILN_BINARY_DIR "/tests/log_probe";
  ASSERT_EQ(std::system(("KILN_CACHE=off KILN_DUMP_DIR=" + dir.string() + " " + probe).c_str()), 0);
  size_t dumped = 0;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir)) dumped += e.path().extension() == ".ll";
  EXPECT_GE(dumped, 1u) << "nothing dumped into the directory KILN_DUMP_DIR named";
  // A path that cannot be a directory: one warning, and the program runs.
  const fs::path file = base / "a_file";
  std::ofstream(file) << "x";
  ASSERT_EQ(std::system(("KILN_CACHE=off KILN_DUMP_DIR=" + (file / "sub").string() + " " + probe +
                         " 2> " + err.string())
                            .c_str()),
            0);
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("kiln: warning: KILN_DUMP_DIR="), std::string::npos) << text;
  fs::remove_all(base);
  fs::remove(err);
}
