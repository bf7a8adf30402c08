// Context: owns everything kiln keeps between calls: the trace, the buffer pool, the threads,
// the backends and the loaded kernels. One default context is created on first use; there is no
// other global mutable state.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cache/disk_cache.hpp"
#include "cache/memory_cache.hpp"
#include "graph/tracer.hpp"
#include "jit/backend.hpp"
#include "kiln/runtime.hpp"
#include "runtime/fft_plans.hpp"
#include "runtime/host_pool.hpp"
#include "runtime/thread_pool.hpp"
#include "schedule/schedule.hpp"

namespace kiln::runtime {

/// Settings read from the environment when a context starts.
struct Options {
  bool log = false;          ///< KILN_LOG=1: a line per compile and per cache hit
  bool dump_passes = false;  ///< KILN_DUMP_PASSES=1: the graph after each pass
  std::string dump_dir;      ///< KILN_DUMP_DIR: write kernels' IR and assembly there
  int threads = 1;           ///< KILN_NUM_THREADS, else the CPUs available
  size_t pool_bytes = 0;     ///< freed host memory kept for reuse
  std::string cache_dir;     ///< the disk cache (see cache::directory_from_environment); empty: off
  uint64_t cache_max_bytes = 0;  ///< KILN_CACHE_MAX_SIZE
  std::string record_path;       ///< KILN_RECORD: append every kernel used to this manifest
  std::string device;            ///< KILN_DEVICE: the default device's name ("cpu", "cuda:0")
  std::string cpu;  ///< KILN_CPU: generate CPU code for this LLVM CPU model (e.g. x86-64-v3)

  /// Reads the KILN_* variables.
  static Options from_environment();
};

/// The owner of a trace and of everything needed to evaluate it.
class Context {
 public:
  /// The process's context, created on first use and never destroyed (arrays with static
  /// storage duration may outlive main).
  static Context& get();

  explicit Context(Options options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// The trace.
  graph::Tracer& tracer() noexcept { return tracer_; }
  /// Host memory.
  HostPool& host_pool() noexcept { return pool_; }

  /// Evaluates `targets` (live nodes) in one pass: simplify, schedule, compile or fetch, run.
  /// Throws kiln::Error for failures seen only at run time, naming the op and its call site.
  void evaluate(std::span<graph::Node* const> targets);
  /// Evaluates every pending node that an Array handle refers to.
  void evaluate_all();
  /// Waits for the work queued on every device in use (kernels run there asynchronously).
  void synchronize_devices();

  /// The counters (see kiln::Stats).
  Stats stats();
  /// Zeroes the counters.
  void reset_stats();

  /// Uses the disk cache at `dir` from now on (empty: none); kernels already loaded stay.
  void set_cache_dir(const std::string& dir);
  /// Restarts the random streams under `seed` (kiln::random::seed).
  void seed_random(uint64_t seed);
  /// The seed and a fresh stream number for one random array.
  std::pair<uint64_t, uint64_t> next_random_stream();

  /// The disk cache directory in use, empty when there is none (off, or unusable).
  std::string cache_dir();

  /// Whether `device` exists and can be used (asked once per device, then remembered); when
  /// not, `why` says what is missing.
  bool device_usable(const Device& device, std::string& why);

  /// The settings the context started with.
  const Options& options() const noexcept { return options_; }
  /// The device new arrays are created on; -1 until the API has chosen it (KILN_DEVICE is
  /// checked at the first creation).
  int default_device() const noexcept { return default_device_.load(); }
  /// Makes `device` the default (the caller has checked that it can be used).
  void set_default_device(graph::DeviceId device) noexcept { default_device_.store(device); }

  /// The data of evaluated node `n` in host memory: its buffer on the CPU; for a node on a
  /// device, a copy made at the first read and kept with the node.
  const void* host_data(graph::Node* n);

 private:
  struct LoadedKernel {
    jit::KernelEntry entry;
  };
  // A sync's plan, reused by later syncs of the same captured graph (up to buffers).
  struct CachedPlan {
    std::vector<uint8_t> signature;         // the captured graph, without buffers
    schedule::Plan plan;                    // its kernels and outputs
    std::vector<jit::KernelEntry> entries;  // each kernel, once loaded
    size_t produced_size = 0;               // nodes of the graph the plan was made from
    uint64_t last_use = 0;
  };
  void evaluate_locked(std::span<graph::Node* const> targets);
  CachedPlan& plan_for(const std::vector<graph::Node*>& order, const std::vector<int32_t>& outputs);
  jit::Backend& cpu();
  jit::Backend& backend_for(graph::DeviceId device);
  jit::DeviceMemory& device_memory(graph::DeviceId device);
  void evaluate_on_device(graph::DeviceId device);
  jit::KernelEntry kernel_for(const schedule::KernelLaunch& k, jit::Backend& backend,
                              graph::DeviceId device);
  // The kernel from the disk cache entry (key, target_id), loaded; an empty entry on a miss.
  // `what` says which code it is: "" (compiled code: a failure to load throws) or " (native)"
  // (the loader's output: a failure to load is a miss).
  jit::KernelEntry load_from_disk(const cache::Key& key, const std::string& target_id,
                                  const std::string& symbol, const schedule::KernelLaunch& k,
                                  jit::Backend& backend, const char* what);
  // Stores what the backend's loader made of `entry` (a cubin) under (key, target_id).

  void store_native(const cache::Key& key, const std::string& target_id,
                    const jit::KernelEntry& entry, jit::Backend& backend);
  void run_transfer(graph::Node* n);
  bool run_library_ops(const std::vector<graph::Node*>& order);
  void run_host_op_node(graph::Node* n);
  // Concatenate node `n` on its GPU: one strided device copy per operand.
  void run_device_concatenate(graph::Node* n);
  void run_fft_node(graph::Node* n);
  // FFT node `n` (layout `l`, input data `in`) on its device's FFT library.
  void run_device_fft(graph::Node* n, const FftLayout& l, void* in);
  std::vector<void*> contiguous_inputs(graph::Node* n);
  std::shared_ptr<graph::Buffer> new_output(graph::Node* n);
  cache::DiskCache* disk_cache();
  void record(const cache::Key& key, std::string_view backend);
  void note_hit(const schedule::KernelLaunch& k, const jit::Backend& backend);
  // Runs kernel `k`. On a device (`memory` set), asynchronously: its error bits go to the
  // device word `status`, read once the plan has run.
  void run(const schedule::KernelLaunch& k, const jit::KernelEntry& entry, jit::Backend& backend,
           jit::DeviceMemory* memory, uint64_t* status,
           const std::vector<std::shared_ptr<graph::Buffer>>& data,
           std::vector<std::shared_ptr<graph::Buffer>>& produced);

  Options options_;
  graph::Tracer tracer_;
  HostPool pool_;
  ThreadPool threads_;
  FftPlans fft_plans_;
  bool fft_wisdom_checked_ = false;
  std::unique_ptr<jit::Backend> cpu_;  // opened at the first kernel lookup
  std::unordered_map<graph::DeviceId, std::unique_ptr<jit::Backend>> devices_;  // GPUs in use
  std::atomic<int> default_device_{-1};
  // Loaded kernels by device: two GPUs of one model share cache keys, not loaded code.
  std::unordered_map<graph::DeviceId, cache::MemoryCache<LoadedKernel>> kernels_;
  std::unique_ptr<cache::DiskCache> disk_;  // opened at the first kernel lookup
  bool disk_opened_ = false;
  std::unordered_set<cache::Key, cache::KeyHash> recorded_;  // kernels already in the manifest
  std::unordered_map<uint64_t, CachedPlan> plans_;
  uint64_t plan_clock_ = 0;
  struct DeviceProbe {
    Device device;
    bool usable;
    std::string why;
  };
  std::vector<DeviceProbe> probed_;  // devices asked about, with the answers
  std::mutex probe_mutex_;           // guards probed_
  uint64_t random_seed_ = 0, random_stream_ = 0;
  Stats stats_;
  std::vector<uint8_t> ir_bytes_;   // scratch for the cache key
  std::vector<uint8_t> signature_;  // scratch for the plan cache
  // Scratch of evaluate_locked, kept to avoid allocating on every sync.
  std::vector<graph::Node*> targets_, order_;
  std::vector<int32_t> outputs_;
  std::vector<std::shared_ptr<graph::Buffer>> data_, produced_;
};

}  // namespace kiln::runtime
