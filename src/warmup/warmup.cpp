// kiln-warmup's command line: subcommands, their options and help, and the small ones (record,
// ls, stats, prune, clear). See warmup_ops.cpp for compile and verify.
#include "warmup/warmup.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <thread>

#include "jit/ir/kernel_ir.hpp"
#include "kiln/error.hpp"
#include "runtime/manifest.hpp"

namespace kiln::warmup {

namespace {

std::string human_bytes(uint64_t b) {
  char s[32];
  if (b >= (uint64_t{1} << 30))
    std::snprintf(s, sizeof s, "%.2f GiB", static_cast<double>(b) / (1 << 30));
  else if (b >= (uint64_t{1} << 20))
    std::snprintf(s, sizeof s, "%.2f MiB", static_cast<double>(b) / (1 << 20));
  else if (b >= 1024)
    std::snprintf(s, sizeof s, "%.1f KiB", static_cast<double>(b) / 1024);
  else
    std::snprintf(s, sizeof s, "%llu B", static_cast<unsigned long long>(b));
  return s;
}

std::string local_time(int64_t seconds) {
  const time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  localtime_r(&t, &tm);
  char s[32];
  std::strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm);
  return s;
}

// The CPU model out of a target id "triple;cpu;features;...".
std::string target_cpu(const std::string& meta) {
  const size_t a = meta.find(';');
  if (a == std::string::npos) return meta;
  const size_t b = meta.find(';', a + 1);
  return meta.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
}

// Opens the cache a subcommand works on, or explains why it cannot.
std::unique_ptr<cache::DiskCache> open_cache(const std::string& dir) {
  if (dir.empty())
    throw Error(
        "[kiln-warmup] no cache directory: the disk cache is off (KILN_CACHE=off) or "
        "no home directory is known; pass --cache-dir DIR");
  auto cache = cache::DiskCache::open(
      dir, cache::max_bytes_from_environment(),
      [](const std::string& m) { std::fprintf(stderr, "kiln-warmup: warning: %s\n", m.c_str()); });
  if (!cache) throw Error("[kiln-warmup] cannot use the cache directory " + dir);
  return cache;
}

// record: runs the program with KILN_RECORD pointing at a scratch manifest, then writes the
// deduplicated manifest to `out`.
int record(const std::string& out, const std::vector<std::string>& command,
           const std::string& cache_dir) {
  if (command.empty()) {
    std::fprintf(stderr,
                 "kiln-warmup record: no program given (usage: kiln-warmup record "
                 "--out FILE -- PROGRAM [ARGS...])\n");
    return kUsage;
  }
  const std::string scratch = out + ".recording." + std::to_string(::getpid());
  ::unlink(scratch.c_str());
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "kiln-warmup record: cannot start a process: %s\n", std::strerror(errno));
    return kProblems;
  }
  if (pid == 0) {
    ::setenv("KILN_RECORD", scratch.c_str(), 1);
    if (!cache_dir.empty()) ::setenv("KILN_CACHE_DIR", cache_dir.c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : command) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "kiln-warmup record: cannot run '%s': %s\n", args[0],
                 std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::vector<runtime::ManifestEntry> entries;
  if (::access(scratch.c_str(), F_OK) == 0) entries = runtime::read_manifest(scratch);
  ::unlink(scratch.c_str());
  runtime::write_manifest(out, entries);
  std::fprintf(stderr, "kiln-warmup: recorded %zu kernel%s of '%s' in %s\n", entries.size(),
               entries.size() == 1 ? "" : "s", command[0].c_str(), out.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return kOk;
  if (WIFEXITED(status))
    std::fprintf(stderr, "kiln-warmup record: '%s' exited with status %d\n", command[0].c_str(),
                 WEXITSTATUS(status));
  else
    std::fprintf(stderr, "kiln-warmup record: '%s' was killed by signal %d\n", command[0].c_str(),
                 WTERMSIG(status));
  return kProblems;
}

int list_entries(cache::DiskCache& cache) {
  std::printf("%-32s %10s %6s  %-19s  %-16s %s\n", "key", "bytes", "hits", "last use", "cpu",
              "kernel");
  for (const cache::EntryInfo& info : cache.list()) {
    cache::EntryData e;
    const cache::EntryStatus s = cache.read(info.path, e);
    std::string kernel = std::string(cache::to_string(s)), cpu = "-";
    ir::KernelIR kir;
    if (s == cache::EntryStatus::ok) {
      cpu = target_cpu(e.meta);
      kernel = ir::deserialize(e.ir.data(), e.ir.size(), kir)
                   ? (kir.is_reduction() ? "reduce, " : "map, ") +
                         std::to_string(kir.instrs.size()) + " instrs"
                   : "unreadable IR";
    }
    std::printf("%-32s %10llu %6llu  %-19s  %-16s %s\n", info.key.hex().c_str(),
                static_cast<unsigned long long>(info.bytes),
                static_cast<unsigned long long>(info.hits), local_time(info.last_use).c_str(),
                cpu.c_str(), kernel.c_str());
  }
  return kOk;
}

int show_stats(cache::DiskCache& cache, size_t top) {
  const std::vector<cache::EntryInfo> entries = cache.list();
  uint64_t bytes = 0, hits = 0;
  std::map<std::string, size_t> by_cpu;
  for (const cache::EntryInfo& info : entries) {
    bytes += info.bytes;
    hits += info.hits;
    cache::EntryData e;
    by_cpu[cache.read(info.path, e) == cache::EntryStatus::ok ? target_cpu(e.meta)
                                                              : "(unreadable)"]++;
  }
  std::printf("cache directory  %s\n", cache.directory().c_str());
  std::printf("entries          %zu\n", entries.size());
  std::printf("size             %s (cap %s, KILN_CACHE_MAX_SIZE)\n", human_bytes(bytes).c_str(),
              human_bytes(cache::max_bytes_from_environment()).c_str());
  std::printf("disk hits        %llu\n", static_cast<unsigned long long>(hits));
  for (const auto& [cpu, n] : by_cpu) std::printf("  target %-16s %zu entries\n", cpu.c_str(), n);
  std::vector<cache::EntryInfo> most = entries;
  std::sort(most.begin(), most.end(), [](const auto& a, const auto& b) { return a.hits > b.hits; });
  if (!most.empty()) std::printf("hits by entry (most first)\n");
  for (size_t i = 0; i < std::min(top, most.size()); ++i)
    std::printf("  %s %8llu hits  last used %s\n", most[i].key.hex().c_str(),
                static_cast<unsigned long long>(most[i].hits),
                local_time(most[i].last_use).c_str());
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "kiln-warmup: fills and looks after kiln's kernel cache, so that programs never wait for "
      "a compile.\nExit codes: 0 success, 1 something failed or verify found bad entries, 2 "
      "usage error."};
  app.require_subcommand(1);
  std::string cache_dir = cache::directory_from_environment();
  app.add_option("--cache-dir", cache_dir,
                 "cache directory (default: $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else "
                 "~/.cache/kiln)");

  std::string out;
  std::vector<std::string> command;
  CLI::App* rec = app.add_subcommand(
      "record", "run a program and write a manifest of every kernel it compiles or loads");
  rec->add_option("--out,-o", out, "manifest to write")->required();
  rec->add_option("program", command, "the program and its arguments (after --)")->required();

  std::string manifest, target = "cpu";
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool quiet = false;
  CLI::App* comp = app.add_subcommand(
      "compile",
      "compile every kernel of a manifest into the cache (the recorded program's "
      "next run compiles nothing)");
  comp->add_option("manifest", manifest, "manifest written by 'record'")->required();
  comp->add_option("--target", target,
                   "cpu (this machine), cpu:NAME (an LLVM CPU model, e.g. cpu:znver4, for "
                   "machines of that model), cuda (this machine's GPU) or cuda:sm_XX (PTX for "
                   "that SM, e.g. cuda:sm_90; needs no GPU)")
      ->capture_default_str();
  comp->add_option("--jobs,-j", jobs, "parallel compiles")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  comp->add_flag("--quiet,-q", quiet, "no progress bar");

  CLI::App* ls = app.add_subcommand("ls", "list the entries: key, size, hits, last use, target");
  size_t top = 10;
  CLI::App* st = app.add_subcommand("stats", "entries, bytes, hits in all and by entry");
  st->add_option("--top", top, "entries to list by hits")->capture_default_str();
  std::string max_size;
  CLI::App* pr = app.add_subcommand("prune", "remove least recently used entries down to a size");
  pr->add_option("--max-size", max_size, "size to keep, e.g. 2G, 500M (default: the cap)");
  bool deep = false;
  size_t sample = 8;
  CLI::App* ver = app.add_subcommand(
      "verify", "check every entry (header, checksum, owner, IR, key); remove corrupt ones");
  ver->add_flag("--deep", deep, "also recompile a sample of entries and compare the code");
  ver->add_option("--sample", sample, "entries to recompile with --deep")->capture_default_str();
  CLI::App* clr = app.add_subcommand("clear", "remove every entry");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }

  try {
    if (*rec) return record(out, command, cache_dir);
    auto cache = open_cache(cache_dir);
    if (*comp) {
      if (::access(manifest.c_str(), R_OK) != 0) {
        std::fprintf(stderr, "kiln-warmup compile: cannot read manifest '%s': %s\n",
                     manifest.c_str(), std::strerror(errno));
        return kUsage;
      }
      const CompileReport r =
          compile_manifest(manifest, target, jobs, *cache, !quiet && ::isatty(2));
      for (const std::string& e : r.errors) std::fprintf(stderr, "kiln-warmup: %s\n", e.c_str());
      std::printf(
          "%zu kernels for %s: %zu compiled, %zu already cached, %zu failed%s%s\n", r.kernels,
          target.c_str(), r.compiled, r.cached, r.failed,
          r.skipped ? (", " + std::to_string(r.skipped) + " for other backends").c_str() : "",
          r.fft_plans ? ("; " + std::to_string(r.fft_plans) + " FFT plans measured").c_str() : "");
      return r.failed ? kProblems : kOk;
    }
    if (*ls) return list_entries(*cache);
    if (*st) return show_stats(*cache, top);
    if (*pr) {
      uint64_t limit = cache::max_bytes_from_environment();
      if (!max_size.empty()) {
        const auto parsed = cache::parse_size(max_size);
        if (!parsed) {
          std::fprintf(stderr, "kiln-warmup prune: --max-size '%s' is not a size (e.g. 2G)\n",
                       max_size.c_str());
          return kUsage;
        }
        limit = *parsed;
      }
      const size_t before = cache->list().size();
      const uint64_t removed = cache->prune(limit);
      std::printf("removed %zu entries, %s; %zu left\n", before - cache->list().size(),
                  human_bytes(removed).c_str(), cache->list().size());
      return kOk;
    }
    if (*ver) {
      const VerifyReport r = verify_cache(*cache, deep, sample);
      for (const std::string& p : r.problems) std::fprintf(stderr, "kiln-warmup: %s\n", p.c_str());
      std::printf("%zu entries: %zu ok, %zu removed, %zu refused, %zu unreadable", r.entries, r.ok,
                  r.removed, r.refused, r.unreadable);
      if (deep) std::printf("; %zu recompiled, %zu differed", r.deep_checked, r.deep_mismatches);
      std::printf("\n");
      return r.ok == r.entries ? kOk : kProblems;
    }
    if (*clr) {
      std::printf("removed %zu entries from %s\n", cache->clear(), cache->directory().c_str());
      return kOk;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kProblems;
  }
  return kUsage;
}

}  // namespace kiln::warmup
