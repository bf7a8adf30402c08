#include "runtime/context.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <unistd.h>

#include "graph/errors.hpp"
#include "passes/materialize.hpp"

namespace kiln::runtime {

namespace {
bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}
// KILN_DUMP_DIR, created if needed; empty, after a warning, when it cannot be written to.
std::string usable_dump_dir(const std::string& dir) {
  if (dir.empty()) return dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir) || ::access(dir.c_str(), W_OK | X_OK) != 0) {
    std::fprintf(stderr,
                 "kiln: warning: KILN_DUMP_DIR=%s cannot be created or written to%s%s; kernels "
                 "are not dumped\n",
                 dir.c_str(), ec ? ": " : "", ec ? ec.message().c_str() : "");
    return {};
  }
  return dir;
}

}  // namespace

Options Options::from_environment() {
  Options o;
  // KILN_LOG: "1" (or any word but these) for compiles and cache hits, "rewrites" for the
  // rules that fired, "all" or a comma-separated list for both.
  if (env_flag("KILN_LOG")) {
    const std::string log = std::getenv("KILN_LOG");
    for (size_t at = 0; at <= log.size();) {
      const size_t end = std::min(log.find(',', at), log.size());
      const std::string word = log.substr(at, end - at);
      if (word == "rewrites" || word == "all") o.log_rewrites = true;
      if (word != "rewrites") o.log = true;
      at = end + 1;
    }
  }
  if (const char* level = std::getenv("KILN_OPTIMIZE"); level && *level) {
    if (std::strcmp(level, "exact") == 0)
      o.optimize = passes::OptimizeLevel::exact;
    else if (std::strcmp(level, "none") == 0)
      o.optimize = passes::OptimizeLevel::none;
    else if (std::strcmp(level, "full") != 0)
      std::fprintf(stderr,
                   "kiln: warning: KILN_OPTIMIZE=%s is not full, exact or none; using full\n",
                   level);
  }
  o.dump_passes = env_flag("KILN_DUMP_PASSES");
  if (const char* d = std::getenv("KILN_DUMP_DIR")) o.dump_dir = usable_dump_dir(d);
  o.threads = default_thread_count();
  o.cache_dir = cache::directory_from_environment();
  o.cache_max_bytes = cache::max_bytes_from_environment();
  if (const char* r = std::getenv("KILN_RECORD")) o.record_path = r;
  if (const char* d = std::getenv("KILN_DEVICE")) o.device = d;
  if (const char* c = std::getenv("KILN_CPU")) o.cpu = c;
  if (const char* t = std::getenv("KILN_TRACE"); t && *t) o.trace_path = t;
  // Keep up to an eighth of physical memory (at most 4 GiB) of freed buffers for reuse.
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const size_t physical =
      pages > 0 && page > 0 ? static_cast<size_t>(pages) * page : size_t{8} << 30;
  o.pool_bytes = std::min(physical / 8, size_t{4} << 30);
  // The last-level cache one core complex writes into. A value past 128 MiB is a virtual
  // machine reporting its host's whole L3 (one such reports 508 MiB): no core complex has it.
  const long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  constexpr size_t kTypicalL3 = size_t{32} << 20;
  o.llc_bytes = llc > 0 && static_cast<size_t>(llc) <= (size_t{128} << 20)
                    ? static_cast<size_t>(llc)
                    : kTypicalL3;
  return o;
}

Context& Context::get() {
  static Context* context = [] {
    auto* c = new Context(Options::from_environment());
    if (!c->options().trace_path.empty()) {
      c->timeline().start(c->options().trace_path);
      std::atexit([] {
        try {
          Context::get().timeline().stop();
        } catch (const std::exception& e) {
          std::fprintf(stderr, "kiln: %s\n", e.what());
        }
      });
    }
    return c;
  }();
  return *context;
}

Context::Context(Options options)
    : options_(std::move(options)), pool_(options_.pool_bytes), threads_(options_.threads) {
  tracer_.set_auto_eval(passes::kAutoEvalPending, [this] { auto_evaluate(); });
  optimize_.store(options_.optimize);
}

void Context::auto_evaluate() noexcept {
  if (auto_eval_paused_.load() > 0 || auto_eval_running_.exchange(true)) return;
  ++counters_.auto_evaluations;
  try {
    evaluate_all();
  } catch (...) {
    // A kiln::Error is kept by the arrays that failed (Node::failure), which raise it at their
    // next sync or read; anything else (memory) leaves them pending, to be computed again then.
  }
  tracer_.rearm_auto_eval();
  auto_eval_running_.store(false);
}

Context::~Context() = default;

// Opened at the first kernel lookup. (Opening it on a background thread when the context is
// created was tried: on this machine the two threads' page faults serialise and the program's
// first result came later, not sooner.)
jit::Backend& Context::cpu() {
  std::lock_guard lock(backends_mutex_);
  if (!cpu_) {
    Timeline::Span span(timeline_, "start the CPU backend (LLVM)", "compile");
    jit::BackendOptions o;
    o.dump_dir = options_.dump_dir;
    o.cpu = options_.cpu;
    o.run_here = true;
    cpu_ = jit::make_backend(Device::cpu(), o);
  }
  return *cpu_;
}

jit::Backend& Context::backend_for(graph::DeviceId device) {
  if (device == graph::kCpuDevice) return cpu();
  std::lock_guard lock(backends_mutex_);
  std::unique_ptr<jit::Backend>& b = devices_[device];
  if (!b) {
    jit::BackendOptions o;
    o.dump_dir = options_.dump_dir;
    b = jit::make_backend(graph::device_of(device), o);
  }
  return *b;
}

jit::DeviceMemory& Context::device_memory(graph::DeviceId device) {
  jit::DeviceMemory* memory = backend_for(device).device_memory();
  KILN_CHECK(memory != nullptr, "a device without device memory");
  return *memory;
}

const void* Context::host_data(graph::Node* n) {
  if (n->device == graph::kCpuDevice) return n->buffer->data;
  std::shared_ptr<graph::Buffer> source;
  jit::DeviceMemory* memory = nullptr;
  {
    std::lock_guard lock(tracer_.mutex());
    if (n->host_copy) return n->host_copy->data;
    source = n->buffer;
    memory = &device_memory(n->device);
  }
  // The download waits for the device: without the tracer's lock, so other threads trace on.
  const size_t bytes = static_cast<size_t>(n->shape.size()) * itemsize(n->dtype);
  std::shared_ptr<graph::Buffer> copy = pool_.allocate(bytes);
  {
    std::lock_guard gpu(gpu_mutex_);
    memory->download(copy->data, source->data, bytes);
  }
  std::lock_guard lock(tracer_.mutex());
  if (!n->host_copy) n->host_copy = std::move(copy);  // else another thread's came first
  return n->host_copy->data;
}

bool Context::device_usable(const Device& device, std::string& why) {
  // Its own lock: opening a driver can take a while, and tracing need not wait for it.
  std::lock_guard lock(probe_mutex_);
  for (const DeviceProbe& p : probed_) {
    if (p.device == device) {
      why = p.why;
      return p.usable;
    }
  }
  std::string reason;
  const bool usable = jit::device_usable(device, reason);
  probed_.push_back({device, usable, reason});
  why = reason;
  return usable;
}

void Context::seed_random(uint64_t seed) {
  std::lock_guard lock(tracer_.mutex());
  random_seed_ = seed;
  random_stream_ = 0;
}

std::pair<uint64_t, uint64_t> Context::next_random_stream() {
  std::lock_guard lock(tracer_.mutex());
  return {random_seed_, random_stream_++};
}

Stats Context::stats() {
  Stats s;
#define KILN_READ_COUNTER(name) s.name = counters_.name.load();
  KILN_CONTEXT_COUNTERS(KILN_READ_COUNTER)
#undef KILN_READ_COUNTER
  s.compile_seconds = counters_.compile_seconds.load();
  s.rewrite_seconds = counters_.rewrite_seconds.load();
  s.peak_bytes = pool_.peak_bytes();
  std::lock_guard lock(tracer_.mutex());
  s.trace_ops = tracer_.trace_ops;
  s.cse_hits = tracer_.cse_hits;
  return s;
}

void Context::reset_stats() {
#define KILN_ZERO_COUNTER(name) counters_.name = 0;
  KILN_CONTEXT_COUNTERS(KILN_ZERO_COUNTER)
#undef KILN_ZERO_COUNTER
  counters_.compile_seconds = 0.0;
  counters_.rewrite_seconds = 0.0;
  pool_.reset_peak();
  std::lock_guard lock(tracer_.mutex());
  tracer_.trace_ops = 0;
  tracer_.cse_hits = 0;
}

}  // namespace kiln::runtime
