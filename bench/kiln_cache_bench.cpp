// The kernel cache's costs, each measured in fresh processes (this program re-runs itself):
// for kernels of 20, 200 and 2000 ops, a compile, a disk hit and a memory hit; a disk hit as the
// very first kernel of a process; and the demo's start-to-first-result time with a cold and a
// warm cache. Prints a table; with --json, JSON lines for bench/report.py.
#include <sys/wait.h>
#include <unistd.h>
#include <kiln/kiln.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using kiln::Array;
using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

// An `ops`-op elementwise chain whose structure is picked by `variant`.
Array chain(const Array& x, const Array& y, int ops, uint32_t variant) {
  Array r = x;
  uint32_t s = variant * 2654435761u + 1;
  for (int i = 0; i < ops; ++i) {
    s = s * 1664525u + 1013904223u;
    switch (s >> 29) {
      case 0:
      case 1:
        r = r + y;
        break;
      case 2:
      case 3:
        r = r * y;
        break;
      case 4:
        r = kiln::maximum(r, y);
        break;
      case 5:
        r = kiln::sin(r);
        break;
      default:
        r = r - y;
        break;
    }
  }
  return r;
}

// Child: one measurement. Prints "first_ms second_ms compiled disk".
int child(int ops, uint32_t variant, bool warm_up) {
  const Array x = kiln::array(std::vector<float>(16, 0.5f)),
              y = kiln::array(std::vector<float>(16, 0.25f));
  if (warm_up) (x * 2.f + y).eval();  // kiln's own start-up: backend, JIT session, first link
  const kiln::Stats before = kiln::stats();
  auto t = clock_type::now();
  volatile float v = chain(x, y, ops, variant).item<float>(0);
  const double first = ms_since(t);
  t = clock_type::now();
  v = chain(x, y, ops, variant).item<float>(0);
  const double second = ms_since(t);
  (void)v;
  const kiln::Stats after = kiln::stats();
  std::printf("%.4f %.4f %llu %llu\n", first, second,
              static_cast<unsigned long long>(after.kernels_compiled - before.kernels_compiled),
              static_cast<unsigned long long>(after.disk_cache_hits - before.disk_cache_hits));
  return 0;
}

// Child: `count` distinct kernels in one process after start-up; prints the mean ms per kernel
// and the counts.
int child_many(int ops, int count, uint32_t base) {
  const Array x = kiln::array(std::vector<float>(16, 0.5f)),
              y = kiln::array(std::vector<float>(16, 0.25f));
  (x * 2.f + y).eval();
  const kiln::Stats before = kiln::stats();
  const auto t = clock_type::now();
  for (int i = 0; i < count; ++i)
    (void)chain(x, y, ops, base + static_cast<uint32_t>(i)).item<float>(0);
  const double mean = ms_since(t) / count;
  const kiln::Stats after = kiln::stats();
  std::printf("%.4f %.4f %llu %llu\n", mean, 0.0,
              static_cast<unsigned long long>(after.kernels_compiled - before.kernels_compiled),
              static_cast<unsigned long long>(after.disk_cache_hits - before.disk_cache_hits));
  return 0;
}

// Runs `argv` with KILN_CACHE_DIR=`dir`; returns its stdout and the wall time of the process.
std::string spawn(const std::vector<std::string>& argv, const std::string& dir, double& wall_ms) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return {};
  const auto start = clock_type::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    ::setenv("KILN_CACHE_DIR", dir.c_str(), 1);
    ::unsetenv("KILN_CACHE");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  wall_ms = ms_since(start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    std::fprintf(stderr, "kiln_cache_bench: %s failed\n", argv[0].c_str());
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Measurement {
  double first = 0, second = 0;
  unsigned long long compiled = 0, disk = 0;
};

Measurement measure(const std::string& self, const std::string& dir, int ops, uint32_t variant,
                    bool warm_up) {
  double wall = 0;
  const std::string out =
      spawn({self, "--child", std::to_string(ops), std::to_string(variant), warm_up ? "1" : "0"},
            dir, wall);
  Measurement m;
  std::sscanf(out.c_str(), "%lf %lf %llu %llu", &m.first, &m.second, &m.compiled, &m.disk);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--child") == 0)
    return child(std::atoi(argv[2]), static_cast<uint32_t>(std::atoll(argv[3])), argv[4][0] == '1');
  if (argc == 5 && std::strcmp(argv[1], "--child-many") == 0)
    return child_many(std::atoi(argv[2]), std::atoi(argv[3]),
                      static_cast<uint32_t>(std::atoll(argv[4])));
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  const std::string self = std::filesystem::canonical("/proc/self/exe").string();
  const std::string demo =
      (std::filesystem::path(self).parent_path().parent_path() / "examples" / "black_scholes")
          .string();
  char tmpl[] = "/tmp/kiln_cache_bench_XXXXXX";
  const std::string root = ::mkdtemp(tmpl);
  const int runs = 5;

  if (!json)
    std::printf("%-6s %12s %12s %12s %14s\n", "ops", "compile ms", "disk hit ms", "memory ms",
                "compile/disk");
  for (int ops : {20, 200, 2000}) {
    const std::string dir = root + "/ops" + std::to_string(ops);
    std::vector<double> compile, disk, memory, cold_disk;
    for (int r = 0; r < runs; ++r) {
      const uint32_t variant = static_cast<uint32_t>(1000 * ops + r);
      const Measurement c = measure(self, dir, ops, variant, true);
      const Measurement d = measure(self, dir, ops, variant, true);
      const Measurement f = measure(self, dir, ops, variant, false);
      if (c.compiled != 1 || d.disk != 1 || d.compiled != 0 || f.disk != 1)
        std::fprintf(stderr, "kiln_cache_bench: unexpected counts (compiled %llu, disk %llu)\n",
                     c.compiled + d.compiled, d.disk);
      compile.push_back(c.first);
      disk.push_back(d.first);
      memory.push_back(d.second);
      cold_disk.push_back(f.first);
    }
    if (json)
      std::printf(
          "{\"ops\": %d, \"compile_ms\": %.4f, \"disk_ms\": %.4f, \"memory_ms\": %.4f, "
          "\"first_kernel_disk_ms\": %.4f}\n",
          ops, median(compile), median(disk), median(memory), median(cold_disk));
    else
      std::printf(
          "%-6d %12.3f %12.3f %12.4f %13.0fx   (disk hit as a process's first kernel: "
          "%.2f ms)\n",
          ops, median(compile), median(disk), median(memory), median(compile) / median(disk),
          median(cold_disk));
  }

  {
    // Steady state: 100 distinct 20-op kernels loaded by one process after its first kernel.
    const std::string dir = root + "/many";
    double wall = 0;
    Measurement fill, hit;
    std::sscanf(spawn({self, "--child-many", "20", "100", "7"}, dir, wall).c_str(),
                "%lf %lf %llu %llu", &fill.first, &fill.second, &fill.compiled, &fill.disk);
    std::sscanf(spawn({self, "--child-many", "20", "100", "7"}, dir, wall).c_str(),
                "%lf %lf %llu %llu", &hit.first, &hit.second, &hit.compiled, &hit.disk);
    if (hit.disk != 100)
      std::fprintf(stderr, "kiln_cache_bench: %llu disk hits of 100\n", hit.disk);
    if (json)
      std::printf("{\"steady_compile_ms\": %.4f, \"steady_disk_ms\": %.4f}\n", fill.first,
                  hit.first);
    else
      std::printf(
          "\n100 distinct 20-op kernels in one process: %.3f ms each compiled, %.3f ms "
          "each from disk (trace + lookup + load + link + run + read)\n",
          fill.first, hit.first);
  }

  if (std::filesystem::exists(demo)) {
    std::vector<double> cold, warm;
    for (int r = 0; r < runs; ++r) {
      const std::string dir = root + "/demo" + std::to_string(r);
      double wall = 0;
      spawn({demo, "--first-result"}, dir, wall);
      cold.push_back(wall);
      spawn({demo, "--first-result"}, dir, wall);
      warm.push_back(wall);
    }
    if (json)
      std::printf("{\"demo_first_result_cold_ms\": %.3f, \"demo_first_result_warm_ms\": %.3f}\n",
                  median(cold), median(warm));
    else
      std::printf(
          "\ndemo, process start to first result: empty cache %.1f ms, warm cache %.1f ms\n",
          median(cold), median(warm));
  }
  std::filesystem::remove_all(root);
  return 0;
}
