// The disk cache under attack, across processes: sequential and simultaneous runs, corrupted
// entries, a writer killed mid-write, and directories that are read-only, unsafe or full. Each
// case checks that the results are exactly those of a run without any cache.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cache/disk_cache.hpp"
#include "kiln/kiln.hpp"
#include "process_util.hpp"

namespace kiln::test {
namespace {

// The probe's results with no disk cache at all: what every other run must print.
const std::string& reference_results() {
  static const std::string ref = [] {
    const ProbeRun r = run_probe("KILN_CACHE=off");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_GT(r.compiled, 0);
    return r.results;
  }();
  return ref;
}

std::string in_dir(const std::string& dir) {
  return "KILN_CACHE_DIR=" + dir;
}

TEST(CacheProcesses, SecondProcessCompilesNothingAndGetsIdenticalResults) {
  ScratchDir d("cp_seq");
  const ProbeRun first = run_probe(in_dir(d.str("c")));
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_GT(first.compiled, 3);
  EXPECT_EQ(first.disk, 0);
  EXPECT_EQ(first.results, reference_results());
  EXPECT_EQ(entry_files(d.str("c")).size(), static_cast<size_t>(first.compiled));
  const ProbeRun second = run_probe(in_dir(d.str("c")));
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.compiled, 0);
  EXPECT_EQ(second.disk, first.compiled);
  EXPECT_EQ(second.results, reference_results());
  EXPECT_EQ(first.err + second.err, "");
}

TEST(CacheProcesses, EightProcessesAtOnceOnAnEmptyCacheRepeatedly) {
  for (int round = 0; round < 3; ++round) {
    ScratchDir d("cp_par");
    const std::string dir = d.str("c");
    std::vector<pid_t> pids;
    for (int p = 0; p < 8; ++p)
      pids.push_back(
          spawn({probe_path()}, {"KILN_CACHE_DIR=" + dir}, d.str("out" + std::to_string(p))));
    for (pid_t pid : pids) ASSERT_GT(pid, 0);
    for (size_t p = 0; p < pids.size(); ++p) {
      ASSERT_EQ(wait_for(pids[p]), 0);
      Ran r{0, slurp(d.str("out" + std::to_string(p))),
            slurp(d.str("out" + std::to_string(p) + ".err"))};
      const ProbeRun pr = parse_probe(r);
      EXPECT_EQ(pr.results, reference_results()) << "round " << round << " process " << p;
      EXPECT_EQ(pr.err, "");
    }
    EXPECT_EQ(temp_files(dir), 0u);
    auto cache = cache::DiskCache::open(dir, cache::kDefaultMaxBytes, nullptr);
    for (const fs::path& e : entry_files(dir)) {
      cache::EntryData data;
      EXPECT_EQ(cache->read(e.string(), data), cache::EntryStatus::ok) << e;
    }
    const ProbeRun after = run_probe(in_dir(dir));
    EXPECT_EQ(after.compiled, 0);
    EXPECT_EQ(after.results, reference_results());
  }
}

// Damage done to every entry (or to a pair) between two runs.
using Damage = void (*)(const std::vector<fs::path>&);

void flip_middle(const std::vector<fs::path>& entries) {
  for (const auto& e : entries) {
    auto b = read_bytes(e);
    b[b.size() / 2] ^= 0x10;
    write_bytes(e, b);
  }
}
void flip_payload_end(const std::vector<fs::path>& entries) {
  for (const auto& e : entries) {
    auto b = read_bytes(e);
    b[b.size() - 3] ^= 0x01;
    write_bytes(e, b);
  }
}
void truncate_half(const std::vector<fs::path>& entries) {
  for (const auto& e : entries) fs::resize_file(e, fs::file_size(e) / 2);
}
void truncate_empty(const std::vector<fs::path>& entries) {
  for (const auto& e : entries) fs::resize_file(e, 0);
}
void zero_fill(const std::vector<fs::path>& entries) {
  for (const auto& e : entries) write_bytes(e, std::vector<uint8_t>(fs::file_size(e), 0));
}
void swap_pairs(const std::vector<fs::path>& entries) {
  for (size_t i = 0; i + 1 < entries.size(); i += 2) {
    auto a = read_bytes(entries[i]), b = read_bytes(entries[i + 1]);
    write_bytes(entries[i], b);
    write_bytes(entries[i + 1], a);
  }
}
void foreign_version(const std::vector<fs::path>& entries) {
  for (const auto& e : entries) {
    auto b = read_bytes(e);
    b[8] = 99;
    write_bytes(e, b);
  }
}
void random_garbage(const std::vector<fs::path>& entries) {
  std::mt19937 rng(7);
  for (const auto& e : entries) {
    std::vector<uint8_t> b(fs::file_size(e));
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    write_bytes(e, b);
  }
}

class CacheCorruption : public ::testing::TestWithParam<std::pair<const char*, Damage>> {};

TEST_P(CacheCorruption, IsDetectedRecompiledAndRepaired) {
  ScratchDir d("cp_damage");
  const std::string dir = d.str("c");
  const ProbeRun first = run_probe(in_dir(dir));
  ASSERT_EQ(first.status, 0) << first.err;
  std::vector<fs::path> entries = entry_files(dir);
  // An odd count leaves one entry unswapped; it must still load.
  const size_t damaged = GetParam().second == swap_pairs ? entries.size() / 2 * 2 : entries.size();
  GetParam().second(entries);
  const ProbeRun second = run_probe(in_dir(dir));
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.results, reference_results());
  EXPECT_EQ(second.compiled, static_cast<long>(damaged));
  EXPECT_EQ(second.disk, first.compiled - static_cast<long>(damaged));
  const ProbeRun third = run_probe(in_dir(dir));
  EXPECT_EQ(third.compiled, 0);  // the damaged entries were replaced by good ones
  EXPECT_EQ(third.results, reference_results());
}

INSTANTIATE_TEST_SUITE_P(EveryKind, CacheCorruption,
                         ::testing::Values(std::make_pair("flip_middle", flip_middle),
                                           std::make_pair("flip_payload_end", flip_payload_end),
                                           std::make_pair("truncate_half", truncate_half),
                                           std::make_pair("truncate_empty", truncate_empty),
                                           std::make_pair("zero_fill", zero_fill),
                                           std::make_pair("swap_pairs", swap_pairs),
                                           std::make_pair("foreign_version", foreign_version),
                                           std::make_pair("random_garbage", random_garbage)),
                         [](const auto& info) { return std::string(info.param.first); });

TEST(CacheProcesses, WriterKilledMidWriteLeavesNothingHarmful) {
  ScratchDir d("cp_kill");
  const std::string dir = d.str("c");
  const pid_t pid =
      spawn({probe_path()}, {"KILN_CACHE_DIR=" + dir, "KILN_CACHE_FAULT=stall"}, d.str("out"));
  ASSERT_GT(pid, 0);
  // The writer stops halfway through its first entry; kill it there.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((!fs::exists(dir) || temp_files(dir) == 0) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const bool stalled = fs::exists(dir) && temp_files(dir) > 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_for(pid), 128 + SIGKILL);
  ASSERT_TRUE(stalled) << "the writer never started an entry";
  EXPECT_TRUE(entry_files(dir).empty());  // the half-written entry was never published
  const ProbeRun next = run_probe(in_dir(dir));
  ASSERT_EQ(next.status, 0) << next.err;
  EXPECT_EQ(next.results, reference_results());
  EXPECT_EQ(run_probe(in_dir(dir)).compiled, 0);
}

TEST(CacheProcesses, ReadOnlyDirectoryWarnsOnceAndStillServesHits) {
  ScratchDir d("cp_ro");
  const bool mounted = d.mount_tmpfs("c", "size=4m,mode=0700");
  const std::string dir = d.str("c");
  const ProbeRun fill = run_probe(in_dir(dir));
  ASSERT_EQ(fill.status, 0) << fill.err;
  if (mounted) {
    ASSERT_TRUE(d.remount_read_only("c"));
  } else if (::geteuid() != 0) {
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_directory()) ::chmod(e.path().c_str(), 0500);
    ::chmod(dir.c_str(), 0500);
  } else {
    GTEST_SKIP() << "root without permission to mount: no read-only directory can be made";
  }
  const ProbeRun r = run_probe(in_dir(dir), "3");  // three kernels that are not cached
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.disk, fill.compiled);
  EXPECT_EQ(r.compiled, 3);
  EXPECT_EQ(count_lines(r.err, "kiln: warning:"), 1u) << r.err;
  EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
  EXPECT_EQ(r.results.substr(0, reference_results().size()), reference_results());
}

TEST(CacheProcesses, UnsafeDirectoriesAreNotUsedWithOneWarning) {
  ScratchDir d("cp_unsafe");
  const std::string open_dir = d.str("open");
  fs::create_directories(open_dir);
  ::chmod(open_dir.c_str(), 0777);
  ProbeRun r = run_probe(in_dir(open_dir));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.results, reference_results());
  EXPECT_EQ(count_lines(r.err, "kiln: warning:"), 1u) << r.err;
  EXPECT_TRUE(entry_files(open_dir).empty());
  if (::geteuid() == 0) {
    const std::string theirs = d.str("theirs");
    fs::create_directories(theirs);
    ASSERT_EQ(::chown(theirs.c_str(), nobody_uid(), nobody_uid()), 0);
    r = run_probe(in_dir(theirs));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.results, reference_results());
    EXPECT_EQ(count_lines(r.err, "kiln: warning:"), 1u) << r.err;
    EXPECT_TRUE(entry_files(theirs).empty());
  }
}

TEST(CacheProcesses, FullDiskWarnsOnceAndComputesCorrectly) {
  ScratchDir d("cp_full");
  const bool mounted = d.mount_tmpfs("c", "size=12k,mode=0700");
  const std::string env = in_dir(d.str("c")) + (mounted ? "" : " KILN_CACHE_FAULT=enospc");
  const ProbeRun r = run_probe(env, "4");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.results.substr(0, reference_results().size()), reference_results());
  EXPECT_EQ(count_lines(r.err, "kiln: warning:"), 1u) << r.err;
  EXPECT_NE(r.err.find("memory only"), std::string::npos) << r.err;
  EXPECT_EQ(temp_files(d.str("c")), 0u);
}

TEST(CacheProcesses, CacheOffWritesNothing) {
  ScratchDir d("cp_off");
  const ProbeRun r = run_probe("KILN_CACHE=off " + in_dir(d.str("c")));
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.results, reference_results());
  EXPECT_FALSE(fs::exists(d.str("c")));
}

TEST(CacheProcesses, SetCacheDirRedirectsTheCacheInProcess) {
  ScratchDir d("cp_api");
  kiln::set_cache_dir(d.str("mine"));
  EXPECT_EQ(kiln::cache_dir(), d.str("mine"));
  const Array x = kiln::arange(100, kiln::float64);
  EXPECT_DOUBLE_EQ(kiln::sum(kiln::expm1(x * 1e-3) * 3.25).item<double>(), [] {
    double s = 0;
    for (int i = 0; i < 100; ++i) s += std::expm1(i * 1e-3) * 3.25;
    return s;
  }());
  EXPECT_FALSE(entry_files(d.str("mine")).empty());
  kiln::set_cache_dir("");
  EXPECT_EQ(kiln::cache_dir(), "");
}

}  // namespace
}  // namespace kiln::test
