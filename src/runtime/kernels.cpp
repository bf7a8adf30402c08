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

void Context::note_hit(const schedule::KernelLaunch& k, const jit::Backend& backend) {
  ++stats_.memory_cache_hits;
  if (options_.log)
    std::fprintf(stderr, "kiln: hit     (plan) %s memory, %zu instrs (at %s:%u)\n",
                 std::string(backend.name()).c_str(), k.ir.instrs.size(), k.loc.file, k.loc.line);
}

void Context::record(const cache::Key& key, std::string_view backend) {
  if (options_.record_path.empty() || !recorded_.insert(key).second) return;
  ManifestEntry e{std::string(backend), key.hex(), ir_bytes_};
  if (!append_manifest(options_.record_path, e))
    print_warning("cannot append to the kernel manifest " + options_.record_path +
                  " (KILN_RECORD)");
}

jit::KernelEntry Context::load_from_disk(const cache::Key& key, const std::string& target_id,
                                         const std::string& symbol, const schedule::KernelLaunch& k,
                                         jit::Backend& backend, const char* what) {
  cache::DiskCache* disk = disk_cache();
  if (!disk) return {};
  const auto start = std::chrono::steady_clock::now();
  auto payload = disk->load(key, target_id, ir_bytes_);
  if (!payload) return {};
  jit::Binary binary{std::move(*payload), symbol};
  jit::KernelEntry entry;
  try {
    entry = backend.load(binary, k.ir);
  } catch (const kiln::Error& e) {
    // Sound bytes that do not load (written by a broken kiln, or a cubin that this driver
    // refuses): never again. A cubin is only the loader's copy: the kernel's own code follows.
    disk->remove(disk->entry_path(key));
    if (!*what) throw;
    if (options_.log)
      std::fprintf(stderr, "kiln: dropped %s %s disk%s: %s\n", symbol.c_str() + 5,
                   std::string(backend.name()).c_str(), what, e.what());
    return {};
  }
  ++stats_.disk_cache_hits;
  if (options_.log) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "kiln: hit     %s %s disk%s %.3f ms, %zu instrs (at %s:%u)\n",
                 symbol.c_str() + 5, std::string(backend.name()).c_str(), what, ms,
                 k.ir.instrs.size(), k.loc.file, k.loc.line);
  }
  return entry;
}

void Context::store_native(const cache::Key& key, const std::string& target_id,
                           const jit::KernelEntry& entry, jit::Backend& backend) {
  const std::vector<uint8_t> native = backend.native_code(entry);
  if (cache::DiskCache* disk = disk_cache(); disk && !native.empty())
    disk->store(key, target_id, ir_bytes_, native);
}

jit::KernelEntry Context::kernel_for(const schedule::KernelLaunch& k, jit::Backend& backend,
                                     graph::DeviceId device) {
  cache::MemoryCache<LoadedKernel>& loaded = kernels_[device];
  const std::string backend_name(backend.name());
  ir::serialize(k.ir, ir_bytes_);
  const cache::Key key = cache::make_key(ir_bytes_, backend.target_id());
  record(key, backend_name);
  if (LoadedKernel* hit = loaded.find(key)) {
    ++stats_.memory_cache_hits;
    if (options_.log)
      std::fprintf(stderr, "kiln: hit     %s %s memory, %zu instrs (at %s:%u)\n", key.hex().c_str(),
                   backend_name.c_str(), k.ir.instrs.size(), k.loc.file, k.loc.line);
    return hit->entry;
  }
  // A backend whose loader compiles further (CUDA: PTX to a cubin) caches that output too, under
  // its own key, and a warm run loads it without assembling anything. Either way the entry
  // point is named after the compiled code's key.
  const std::string symbol = "kiln_" + key.hex();
  const std::string native_id = backend.native_id();
  const std::string native_target =
      native_id.empty() ? std::string() : backend.target_id() + ";" + native_id;
  const cache::Key native_key =
      native_id.empty() ? cache::Key{} : cache::make_key(ir_bytes_, native_target);
  if (!native_id.empty()) {
    if (jit::KernelEntry e =
            load_from_disk(native_key, native_target, symbol, k, backend, " (native)");
        e.main) {
      loaded.insert(key, {e});
      return e;
    }
  }
  if (jit::KernelEntry e = load_from_disk(key, backend.target_id(), symbol, k, backend, "");
      e.main) {
    if (!native_id.empty()) store_native(native_key, native_target, e, backend);
    loaded.insert(key, {e});
    return e;
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
  if (cache::DiskCache* disk = disk_cache()) {
    disk->store(key, backend.target_id(), ir_bytes_, binary.code);
    if (!native_id.empty()) store_native(native_key, native_target, entry, backend);
  }
  loaded.insert(key, {entry});
  return entry;
}

}  // namespace kiln::runtime
