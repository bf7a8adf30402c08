// The work behind `kiln-warmup compile` and `kiln-warmup verify`.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "jit/backend.hpp"
#include "jit/ir/kernel_ir.hpp"
#include "kiln/error.hpp"
#include "runtime/fft_plans.hpp"
#include "runtime/manifest.hpp"
#include "warmup/warmup.hpp"

namespace kiln::warmup {

namespace {

// A one-line progress bar on stderr, redrawn in place.
class Progress {
 public:
  Progress(size_t total, bool enabled) : total_(total), enabled_(enabled && total > 0) {}
  void step(const char* what) {
    std::lock_guard lock(mutex_);
    ++done_;
    if (!enabled_) return;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done_ / total_);
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu %-10s", filled, "##############################",
                 kWidth - filled, "", done_, total_, what);
    if (done_ == total_) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  std::mutex mutex_;
  size_t total_, done_ = 0;
  bool enabled_;
};

// The device and options a --target names: cpu, cpu:NAME, cuda (the SM of this machine's GPU
// 0) or cuda:sm_XX (no GPU needed).
struct Target {
  Device device = Device::cpu();
  jit::BackendOptions options;
};

Target parse_target(const std::string& target) {
  Target t;
  if (const char* d = std::getenv("KILN_DUMP_DIR"); d && *d) t.options.dump_dir = d;
  if (target == "cpu") return t;
  if (target.rfind("cpu:", 0) == 0 && target.size() > 4) {
    t.options.cpu = target.substr(4);
    return t;
  }
  if (target == "cuda" || target.rfind("cuda:", 0) == 0) {
    t.device = Device::cuda(0);
    if (target.size() >= 5) t.options.cuda_sm = target.substr(5);
    if (target.size() >= 5 && target.rfind("cuda:sm_", 0) != 0)
      throw Error("[kiln-warmup] target '" + target +
                  "': a CUDA target names an SM, e.g. cuda:sm_90 (or plain cuda for this "
                  "machine's GPU)");
    return t;
  }
  throw Error("[kiln-warmup] unknown target '" + target +
              "' (expected cpu, cpu:NAME such as cpu:znver4, cuda, or cuda:sm_XX such as "
              "cuda:sm_90)");
}

// Whether `cache` holds a sound entry for exactly this kernel (without counting a hit).
bool already_cached(const cache::DiskCache& cache, const cache::Key& key, const std::string& meta,
                    const std::vector<uint8_t>& ir) {
  cache::EntryData e;
  return cache.read(cache.entry_path(key), e) == cache::EntryStatus::ok && e.meta == meta &&
         e.ir == ir;
}

}  // namespace

CompileReport compile_manifest(const std::string& manifest, const std::string& target, int jobs,
                               cache::DiskCache& cache, bool progress) {
  const Target t = parse_target(target);
  const std::vector<runtime::ManifestEntry> all = runtime::read_manifest(manifest);
  CompileReport report;
  std::vector<const runtime::ManifestEntry*> work;
  std::vector<const runtime::ManifestEntry*> ffts;
  for (const auto& e : all) {
    if (e.backend == "cpu" || e.backend == "cuda")  // kernel IR is the same for every target
      work.push_back(&e);
    else if (e.backend == "fftw" && target.rfind("cpu", 0) == 0)
      ffts.push_back(&e);
    else
      ++report.skipped;
  }
  // FFT layouts: measured plans into the cache directory's FFTW wisdom (one at a time: FFTW's
  // planner is not thread-safe, and measuring uses the whole machine's memory bandwidth).
  for (const runtime::ManifestEntry* e : ffts) {
    runtime::FftLayout l;
    std::string error;
    if (!runtime::decode_layout(e->ir, l)) {
      ++report.failed;
      report.errors.push_back("FFT " + e->key_hex + ": invalid layout in the manifest");
    } else if (runtime::measure_into_wisdom(l, cache.directory(), error)) {
      ++report.fft_plans;
    } else {
      ++report.failed;
      report.errors.push_back("FFT " + e->key_hex + ": " + error);
    }
  }
  report.kernels = work.size();
  jobs = std::clamp(jobs, 1, 256);
  jobs = static_cast<int>(
      std::min<size_t>(static_cast<size_t>(jobs), std::max<size_t>(1, work.size())));
  // One backend per thread: each has its own target machine, so compiles run in parallel.
  std::vector<std::unique_ptr<jit::Backend>> backends;
  for (int j = 0; j < jobs; ++j) backends.push_back(jit::make_backend(t.device, t.options));
  const std::string meta = backends[0]->target_id();

  Progress bar(work.size(), progress);
  std::atomic<size_t> next{0};
  std::mutex mutex;  // guards report
  auto worker = [&](jit::Backend& backend) {
    for (size_t i; (i = next.fetch_add(1)) < work.size();) {
      const runtime::ManifestEntry& e = *work[i];
      auto note = [&](size_t CompileReport::*counter, const std::string& error) {
        std::lock_guard lock(mutex);
        ++(report.*counter);
        if (!error.empty()) report.errors.push_back(error);
      };
      ir::KernelIR kir;
      if (!ir::deserialize(e.ir.data(), e.ir.size(), kir) || !ir::validate(kir).empty()) {
        note(&CompileReport::failed, "kernel " + e.key_hex + ": invalid kernel IR in the manifest");
        bar.step("failed");
        continue;
      }
      const cache::Key key = cache::make_key(e.ir, meta);
      if (already_cached(cache, key, meta, e.ir)) {
        note(&CompileReport::cached, "");
        bar.step("cached");
        continue;
      }
      try {
        const jit::Binary binary = backend.compile(kir, "kiln_" + key.hex());
        if (cache.store(key, meta, e.ir, binary.code)) {
          note(&CompileReport::compiled, "");
        } else {
          note(&CompileReport::failed,
               "kernel " + key.hex() + ": cannot write it to " + cache.directory());
        }
      } catch (const Error& err) {
        note(&CompileReport::failed, "kernel " + e.key_hex + ": " + err.what());
      }
      bar.step("compiled");
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker, std::ref(*backends[j]));
  worker(*backends[0]);
  for (auto& t : threads) t.join();
  return report;
}

VerifyReport verify_cache(cache::DiskCache& cache, bool deep, size_t sample) {
  VerifyReport report;
  std::unique_ptr<jit::Backend> host;
  std::string host_meta;
  if (deep) {
    host = jit::make_backend(Device::cpu(), {});
    host_meta = host->target_id();
  }
  for (const cache::EntryInfo& info : cache.list()) {
    ++report.entries;
    cache::EntryData e;
    cache::EntryStatus s = cache.read(info.path, e);
    ir::KernelIR kir;
    std::string why;
    if (s == cache::EntryStatus::ok) {
      if (!ir::deserialize(e.ir.data(), e.ir.size(), kir)) {
        why = "its kernel IR does not parse";
      } else if (std::string v = ir::validate(kir); !v.empty()) {
        why = "invalid kernel IR: " + v;
      } else if (cache::make_key(e.ir, e.meta) != e.key) {
        why = "its key is not the hash of its IR and target";
      }
      if (!why.empty()) s = cache::EntryStatus::mismatch;
    }
    switch (s) {
      case cache::EntryStatus::ok:
        break;
      case cache::EntryStatus::missing:  // removed by another process meanwhile
        --report.entries;
        continue;
      case cache::EntryStatus::refused:
        ++report.refused;
        report.problems.push_back(info.path +
                                  ": refused (not a regular file of this user, or writable by "
                                  "group or others); left alone");
        continue;
      case cache::EntryStatus::io_error:
        ++report.unreadable;
        report.problems.push_back(info.path + ": cannot be read; left alone");
        continue;
      default:
        ++report.removed;
        report.problems.push_back(info.path + ": " + std::string(cache::to_string(s)) +
                                  (why.empty() ? "" : " (" + why + ")") + "; removed");
        cache.remove(info.path);
        continue;
    }
    if (deep && report.deep_checked < sample && e.meta == host_meta) {
      ++report.deep_checked;
      const jit::Binary again = host->compile(kir, "kiln_" + e.key.hex());
      if (again.code != e.payload) {
        ++report.deep_mismatches;
        report.problems.push_back(info.path +
                                  ": recompiling its IR gives different object code; removed");
        cache.remove(info.path);
        continue;
      }
    }
    ++report.ok;
  }
  return report;
}

}  // namespace kiln::warmup
