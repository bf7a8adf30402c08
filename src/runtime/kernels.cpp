// Finding a kernel's code: the memory cache, then the disk cache, then the compiler. Also the
// recording of used kernels for kiln-warmup (KILN_RECORD).
#include <chrono>
#include <cstdio>

#include "cache/disk_cache.hpp"
#include "graph/errors.hpp"
#include "kiln/error.hpp"
#include "runtime/context.hpp"
#include "runtime/manifest.hpp"

namespace kiln::runtime {

namespace {
void print_warning(const std::string& message) {
  std::fprintf(stderr, "kiln: warning: %s\n", message.c_str());
}
}  // namespace

cache::DiskCache* Context::disk_cache() {
  if (!disk_opened_) {
    disk_opened_ = true;
    disk_ = cache::DiskCache::open(options_.cache_dir, options_.cache_max_bytes, print_warning);
  }
  return disk_.get();
}

void Context::set_cache_dir(const std::string& dir) {
  std::lock_guard lock(tracer_.mutex());
  options_.cache_dir = dir;
  disk_.reset();
  disk_opened_ = false;
  fft_wisdom_checked_ = false;
}

std::string Context::cache_dir() {
  std::lock_guard lock(tracer_.mutex());
  cache::DiskCache* disk = disk_cache();
  return disk ? disk->directory() : std::string();
}

void Context::note_hit(const schedule::KernelLaunch& k) {
  ++stats_.memory_cache_hits;
  if (options_.log)
    std::fprintf(stderr, "kiln: hit     (plan) cpu memory, %zu instrs (at %s:%u)\n",
                 k.ir.instrs.size(), k.loc.file, k.loc.line);
}

void Context::record(const cache::Key& key, std::string_view backend) {
  if (options_.record_path.empty() || !recorded_.insert(key).second) return;
  ManifestEntry e{std::string(backend), key.hex(), ir_bytes_};
  if (!append_manifest(options_.record_path, e))
    print_warning("cannot append to the kernel manifest " + options_.record_path +
                  " (KILN_RECORD)");
}

jit::KernelEntry Context::kernel_for(const schedule::KernelLaunch& k) {
  jit::Backend& backend = cpu();
  const std::string backend_name(backend.name());
  ir::serialize(k.ir, ir_bytes_);
  const cache::Key key = cache::make_key(ir_bytes_, backend.target_id());
  record(key, backend_name);
  if (LoadedKernel* hit = kernels_.find(key)) {
    ++stats_.memory_cache_hits;
    if (options_.log)
      std::fprintf(stderr, "kiln: hit     %s %s memory, %zu instrs (at %s:%u)\n", key.hex().c_str(),
                   backend_name.c_str(), k.ir.instrs.size(), k.loc.file, k.loc.line);
    return hit->entry;
  }
  const std::string symbol = "kiln_" + key.hex();
  cache::DiskCache* disk = disk_cache();
  if (disk) {
    const auto start = std::chrono::steady_clock::now();
    if (auto payload = disk->load(key, backend.target_id(), ir_bytes_)) {
      jit::Binary binary{std::move(*payload), symbol};
      jit::KernelEntry entry;
      try {
        entry = backend.load(binary, k.ir);
      } catch (const kiln::Error&) {
        // Sound bytes that do not link (written by a broken kiln): never again.
        disk->remove(disk->entry_path(key));
        throw;
      }
      ++stats_.disk_cache_hits;
      if (options_.log) {
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        std::fprintf(stderr, "kiln: hit     %s %s disk %.3f ms, %zu instrs (at %s:%u)\n",
                     key.hex().c_str(), backend_name.c_str(), ms, k.ir.instrs.size(), k.loc.file,
                     k.loc.line);
      }
      kernels_.insert(key, {entry});
      return entry;
    }
  }
  const std::string problem = ir::validate(k.ir);
  KILN_CHECK(problem.empty(), "invalid kernel IR: " + problem + "\n" + ir::to_text(k.ir));
  const auto start = std::chrono::steady_clock::now();
  const jit::Binary binary = backend.compile(k.ir, symbol);
  const jit::KernelEntry entry = backend.load(binary, k.ir);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++stats_.kernels_compiled;
  stats_.compile_seconds += seconds;
  if (options_.log)
    std::fprintf(stderr, "kiln: compile %s %s %.2f ms, %zu instrs, %zu bytes (at %s:%u)\n",
                 key.hex().c_str(), backend_name.c_str(), seconds * 1e3, k.ir.instrs.size(),
                 binary.code.size(), k.loc.file, k.loc.line);
  if (disk) disk->store(key, backend.target_id(), ir_bytes_, binary.code);
  kernels_.insert(key, {entry});
  return entry;
}

}  // namespace kiln::runtime
