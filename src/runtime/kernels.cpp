// Finding a kernel's code: the memory cache, then the disk cache, then the compiler. Also the
// recording of used kernels for kiln-warmup (KILN_RECORD).
#include <chrono>
#include <cstdio>
#include <exception>
#include <unordered_map>

#include "cache/disk_cache.hpp"
#include "graph/errors.hpp"
#include "kiln/error.hpp"
#include "runtime/context.hpp"
#include "runtime/manifest.hpp"

namespace kiln::runtime {

namespace {
// The largest kernel handed to LLVM, in kernel IR instructions.
constexpr size_t kMaxKernelInstrs = 100'000;

void print_warning(const std::string& message) {
  std::fprintf(stderr, "kiln: warning: %s\n", message.c_str());
}
}  // namespace

std::shared_ptr<cache::DiskCache> Context::disk_cache() {
  std::lock_guard lock(disk_mutex_);
  if (!disk_opened_) {
    disk_opened_ = true;
    disk_ = cache::DiskCache::open(options_.cache_dir, options_.cache_max_bytes, print_warning);
  }
  return disk_;
}

void Context::set_cache_dir(const std::string& dir) {
  std::lock_guard lock(disk_mutex_);
  options_.cache_dir = dir;
  disk_.reset();  // syncs using the old one keep it until they finish
  disk_opened_ = false;
  fft_wisdom_checked_ = false;
}

std::string Context::cache_dir() {
  const std::shared_ptr<cache::DiskCache> disk = disk_cache();
  return disk ? disk->directory() : std::string();
}

void Context::note_hit(const schedule::KernelLaunch& k, const jit::Backend& backend) {
  ++counters_.memory_cache_hits;
  if (options_.log)
    std::fprintf(stderr, "kiln: hit     (plan) %s memory, %zu instrs (at %s:%u)\n",
                 std::string(backend.name()).c_str(), k.ir.instrs.size(), k.loc.file, k.loc.line);
}

void Context::record(const cache::Key& key, std::string_view backend,
                     const std::vector<uint8_t>& bytes) {
  if (options_.record_path.empty()) return;
  std::lock_guard lock(record_mutex_);
  if (!recorded_.insert(key).second) return;
  ManifestEntry e{std::string(backend), key.hex(), bytes};
  if (!append_manifest(options_.record_path, e))
    print_warning("cannot append to the kernel manifest " + options_.record_path +
                  " (KILN_RECORD)");
}

jit::KernelEntry Context::load_from_disk(cache::DiskCache* disk, const cache::Key& key,
                                         const std::string& target_id, const std::string& symbol,
                                         const schedule::KernelLaunch& k,
                                         const std::vector<uint8_t>& ir_bytes,
                                         jit::Backend& backend, const char* what) {
  if (!disk) return {};
  const auto start = std::chrono::steady_clock::now();
  auto payload = disk->load(key, target_id, ir_bytes);
  if (!payload) return {};
  jit::Binary binary{std::move(*payload), symbol, {}};
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
  ++counters_.disk_cache_hits;
  if (options_.log) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "kiln: hit     %s %s disk%s %.3f ms, %zu instrs (at %s:%u)\n",
                 symbol.c_str() + 5, std::string(backend.name()).c_str(), what, ms,
                 k.ir.instrs.size(), k.loc.file, k.loc.line);
  }
  return entry;
}

void Context::store_native(cache::DiskCache* disk, const cache::Key& key,
                           const std::string& target_id, const std::vector<uint8_t>& ir_bytes,
                           const jit::KernelEntry& entry, jit::Backend& backend) {
  const std::vector<uint8_t> native = backend.native_code(entry);
  if (disk && !native.empty()) disk->store(key, target_id, ir_bytes, native);
}

jit::KernelEntry Context::kernel_for(const schedule::KernelLaunch& k, jit::Backend& backend,
                                     graph::DeviceId device) {
  // LLVM cannot report running out of memory (it aborts the process), and its time grows faster
  // than the kernel: a kernel past this size is refused before anything (LLVM, the manifest of
  // kiln-warmup) sees it.
  if (k.ir.instrs.size() > kMaxKernelInstrs)
    graph::throw_error("compile",
                       "a fused kernel of " + std::to_string(k.ir.instrs.size()) +
                           " instructions is larger than kiln compiles (" +
                           std::to_string(kMaxKernelInstrs) +
                           "); evaluate part of the expression first with eval()",
                       k.loc);
  Timeline::Span span(timeline_, "kernel lookup", "compile", k.loc);
  const std::string backend_name(backend.name());
  std::vector<uint8_t> ir_bytes;
  ir::serialize(k.ir, ir_bytes);
  const cache::Key key = cache::make_key(ir_bytes, backend.target_id());
  record(key, backend_name, ir_bytes);
  {
    std::lock_guard lock(kernels_mutex_);
    if (LoadedKernel* hit = kernels_[device].find(key)) {
      ++counters_.memory_cache_hits;
      if (span.on()) span.detail("memory hit " + key.hex());
      if (options_.log)
        std::fprintf(stderr, "kiln: hit     %s %s memory, %zu instrs (at %s:%u)\n",
                     key.hex().c_str(), backend_name.c_str(), k.ir.instrs.size(), k.loc.file,
                     k.loc.line);
      return hit->entry;
    }
  }
  // Loaded or compiled without the lock (another thread may do the same kernel at the same
  // time: the first to finish is kept, and both codes work).
  auto keep = [&](const jit::KernelEntry& e) {
    std::lock_guard lock(kernels_mutex_);
    cache::MemoryCache<LoadedKernel>& loaded = kernels_[device];
    if (LoadedKernel* first = loaded.find(key)) return first->entry;
    return loaded.insert(key, {e}).entry;
  };
  const std::shared_ptr<cache::DiskCache> disk_holder = disk_cache();
  cache::DiskCache* disk = disk_holder.get();
  // A backend whose loader compiles further (CUDA: PTX to a cubin) caches that output too, under
  // its own key, and a warm run loads it without assembling anything. Either way the entry
  // point is named after the compiled code's key.
  const std::string symbol = "kiln_" + key.hex();
  const std::string native_id = backend.native_id();
  const std::string native_target =
      native_id.empty() ? std::string() : backend.target_id() + ";" + native_id;
  const cache::Key native_key =
      native_id.empty() ? cache::Key{} : cache::make_key(ir_bytes, native_target);
  if (!native_id.empty()) {
    if (jit::KernelEntry e = load_from_disk(disk, native_key, native_target, symbol, k, ir_bytes,
                                            backend, " (native)");
        e.main) {
      if (span.on()) span.detail("disk hit (native) " + key.hex());
      return keep(e);
    }
  }
  if (jit::KernelEntry e =
          load_from_disk(disk, key, backend.target_id(), symbol, k, ir_bytes, backend, "");
      e.main) {
    if (span.on()) span.detail("disk hit " + key.hex());
    if (!native_id.empty()) store_native(disk, native_key, native_target, ir_bytes, e, backend);
    return keep(e);
  }
  const std::string problem = ir::validate(k.ir);
  KILN_CHECK(problem.empty(), "invalid kernel IR: " + problem + "\n" + ir::to_text(k.ir));

  if (span.on()) span.detail("compiled " + key.hex());
  const auto start = std::chrono::steady_clock::now();
  const jit::Binary binary = backend.compile(k.ir, symbol);
  const auto compiled = std::chrono::steady_clock::now();
  const jit::KernelEntry entry = backend.load(binary, k.ir);
  if (timeline_.on()) {  // the compile, its phases, and the load
    timeline_.add("compile", "compile", start, compiled, k.loc,
                  std::to_string(k.ir.instrs.size()) + " IR instructions");
    auto at = start;
    for (const auto& [name, ms] : binary.phases) {
      const auto end = at + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double, std::milli>(ms));
      timeline_.add(name, "compile", at, end, k.loc);
      at = end;
    }
    timeline_.add("link + load", "compile", compiled, std::chrono::steady_clock::now(), k.loc);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++counters_.kernels_compiled;
  counters_.ir_instructions += k.ir.instrs.size();
  counters_.compile_seconds += seconds;
  if (options_.log)
    std::fprintf(stderr, "kiln: compile %s %s %.2f ms, %zu instrs, %zu bytes (at %s:%u)\n",
                 key.hex().c_str(), backend_name.c_str(), seconds * 1e3, k.ir.instrs.size(),
                 binary.code.size(), k.loc.file, k.loc.line);
  if (disk) {
    disk->store(key, backend.target_id(), ir_bytes, binary.code);
    if (!native_id.empty()) store_native(disk, native_key, native_target, ir_bytes, entry, backend);
  }
  return keep(entry);
}

void Context::load_kernels(CachedPlan& fresh, jit::Backend& backend, graph::DeviceId device) {
  const std::vector<schedule::KernelLaunch>& kernels = fresh.plan.kernels;
  fresh.entries.resize(kernels.size());
  // Kernels of equal IR (a long chain cut into equal pieces) are looked up once: two threads
  // would both miss the memory cache and compile the same kernel.
  std::vector<size_t> unique, same_as(kernels.size());
  {
    std::unordered_map<std::string, size_t> first;
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < kernels.size(); ++i) {
      ir::serialize(kernels[i].ir, bytes);
      const auto [it, added] =
          first.try_emplace(std::string(bytes.begin(), bytes.end()), unique.size());
      if (added) unique.push_back(i);
      same_as[i] = unique[it->second];
    }
  }
  std::vector<std::exception_ptr> errors(kernels.size());
  struct Job {
    Context* self;
    CachedPlan* plan;
    jit::Backend* backend;
    graph::DeviceId device;
    const std::vector<size_t>* unique;
    std::vector<std::exception_ptr>* errors;
  } job{this, &fresh, &backend, device, &unique, &errors};
  auto load = [](void* ctx, int64_t begin, int64_t end) {
    const Job& j = *static_cast<Job*>(ctx);
    for (int64_t u = begin; u < end; ++u) {
      const size_t i = (*j.unique)[static_cast<size_t>(u)];
      const schedule::KernelLaunch& launch = j.plan->plan.kernels[i];
      try {
        try {
          j.plan->entries[i] = j.self->kernel_for(launch, *j.backend, j.device);
        } catch (const kiln::Error& e) {
          graph::rethrow_at(e, launch.loc);
        }
      } catch (...) {
        (*j.errors)[i] = std::current_exception();
      }
    }
  };
  // The kernels of one plan compile (or load) in parallel on the CPU's threads, each with its
  // own target machine. (A GPU backend loads its modules in its context's thread: one by one.)
  const auto n = static_cast<int64_t>(unique.size());
  if (device == graph::kCpuDevice && n > 1 && threads_.threads() > 1)
    threads_.parallel_for(n, 1, load, &job);
  else
    load(&job, 0, n);
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  for (size_t i = 0; i < kernels.size(); ++i) {
    if (same_as[i] == i) continue;
    fresh.entries[i] = fresh.entries[same_as[i]];
    // (a repeat is a memory-cache hit, as it was when the kernels were looked up in turn)
    ++counters_.memory_cache_hits;
  }
}

}  // namespace kiln::runtime
