// Context: owns everything kiln keeps between calls: the trace, the buffer pool, the threads,
// the backends and the loaded kernels. One default context is created on first use; there is no
// other global mutable state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cache/disk_cache.hpp"
#include "cache/memory_cache.hpp"
#include "graph/tracer.hpp"
#include "jit/backend.hpp"
#include "kiln/runtime.hpp"
#include "passes/rules.hpp"
#include "runtime/fft_plans.hpp"
#include "runtime/host_pool.hpp"
#include "runtime/library_call.hpp"
#include "runtime/thread_pool.hpp"
#include "runtime/timeline.hpp"
#include "schedule/schedule.hpp"

namespace kiln::runtime {

/// Settings read from the environment when a context starts.
struct Options {
  bool log = false;           ///< KILN_LOG=1: a line per compile and per cache hit
  bool log_rewrites = false;  ///< KILN_LOG=rewrites (or all): a line per rewrite rule fired
  /// KILN_OPTIMIZE=full|exact|none: which rewrite rules run (passes/rules.hpp)
  passes::OptimizeLevel optimize = passes::OptimizeLevel::full;
  bool dump_passes = false;  ///< KILN_DUMP_PASSES=1: the graph after each pass
  std::string dump_dir;      ///< KILN_DUMP_DIR: write kernels' IR and assembly there
  int threads = 1;           ///< KILN_NUM_THREADS, else the CPUs available
  size_t pool_bytes = 0;     ///< freed host memory kept for reuse
  size_t llc_bytes = 0;      ///< the CPU's last-level cache (sysconf), 32 MiB when implausible
  std::string cache_dir;     ///< the disk cache (see cache::directory_from_environment); empty: off
  uint64_t cache_max_bytes = 0;  ///< KILN_CACHE_MAX_SIZE
  std::string record_path;       ///< KILN_RECORD: append every kernel used to this manifest
  std::string device;            ///< KILN_DEVICE: the default device's name ("cpu", "cuda:0")
  std::string cpu;         ///< KILN_CPU: generate CPU code for this LLVM CPU model (e.g. x86-64-v3)
  std::string trace_path;  ///< KILN_TRACE: record a timeline of the whole process to this file

  /// Reads the KILN_* variables.
  static Options from_environment();
};

/// A library op that the kernel planner takes instead: a concatenation (any axis), whose
/// operands' kernels store them into its buffer (passes/windows.hpp). Other library ops run
/// first, on the host or the device's libraries.
bool planned_in_kernels(const graph::Node& n);

/// An allocator whose vectors leave the elements they grow by uninitialised: a plan signature is
/// written over its new bytes right after it grows (zeroing a megabyte of it first cost more
/// than writing it).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0)
      ::new (static_cast<void*>(p)) U;
    else
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
/// A plan signature's bytes (sync.cpp).
using SignatureBytes = std::vector<uint8_t, UninitializedAllocator<uint8_t>>;

struct CallProbe;
struct CapturedPlan;

/// A scalar (Full node) of a captured graph, for the structural plan signature (sync.cpp).
struct ScalarKey {
  uint8_t dtype = 0;
  uint64_t bits = 0;
  uint64_t tag = 0;      // payload.v[1]: random generators' seeds and streams are tagged apart
  int32_t position = 0;  // in the walk
  friend auto operator<=>(const ScalarKey&, const ScalarKey&) = default;
};

/// kiln::Stats' integer counters that the context keeps, X(name) each: Counters, stats() and
/// reset_stats() are generated from this list (the trace's own two live in the Tracer).
// clang-format off
#define KILN_CONTEXT_COUNTERS(X) \
  X(kernels_compiled) X(memory_cache_hits) X(disk_cache_hits) X(kernels_launched) X(syncs) \
  X(bytes_allocated) X(plans_built) X(plan_cache_hits) X(planner_visits) X(ir_instructions) \
  X(arrays_kept) X(auto_evaluations) X(rewrites) X(compiled_traces) X(compiled_replays)
// clang-format on

/// The counters behind kiln::Stats, updated by any thread.
struct Counters {
#define KILN_COUNTER_FIELD(name) std::atomic<uint64_t> name{0};
  KILN_CONTEXT_COUNTERS(KILN_COUNTER_FIELD)
#undef KILN_COUNTER_FIELD
  std::atomic<double> compile_seconds{0.0};
  std::atomic<double> rewrite_seconds{0.0};
};

/// The owner of a trace and of everything needed to evaluate it.
///
/// Threading: any number of threads may record and evaluate at once. Recording, and the part of
/// a sync that reads the trace (the walk of the pending graph, its signature, the data of its
/// inputs) and the part that writes it (attaching results) each hold the tracer's lock for a
/// short while; planning, compiling and running happen without it, on per-sync state, so two
/// threads' kernels run at the same time. The plan cache, the loaded kernels, the disk cache and
/// the backends have locks of their own, always taken after the tracer's, never before it.
/// Two syncs that compute the same node both compute it; the first to finish attaches its
/// result (the values are equal: kiln computes deterministically). Work on a GPU is serialised.
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

  /// Evaluates `targets` (live nodes the caller holds) in one pass: simplify, schedule, compile
  /// or fetch, run. Throws kiln::Error for failures seen only at run time, naming the op and its
  /// call site; the targets that failed keep the error (Node::failure) and raise it again at
  /// every later evaluation of them or of arrays computed from them.
  /// `nested`: a sync of a library op's operands, inside another sync; the arrays computed
  /// together with them (Tracer::compute_together) are left to the outer one (they may read the
  /// op's own result).
  void evaluate(std::span<graph::Node* const> targets, bool nested = false);
  /// Starts evaluating `targets` (live nodes the caller holds) on the context's asynchronous
  /// worker and returns: the targets are in flight (Tracer::set_in_flight) until their results
  /// are attached. A sync or read that needs one waits for it; an error is kept by the targets
  /// (Node::failure) and raised where they are next used. Graphs that need library calls or
  /// span devices are evaluated at once, as by evaluate().
  void evaluate_async(std::span<graph::Node* const> targets);
  /// Waits until every asynchronous evaluation started so far has finished.
  void wait_async();

  /// Evaluates every pending node that an Array handle refers to, except those that failed
  /// earlier or are computed from one that did (they raise when evaluated themselves).
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

  /// While one of these lives, no automatic evaluation starts (rule 5 of
  /// passes/materialize.hpp) and syncs keep no held arrays (rule 1): a function being captured
  /// or differentiated sees the whole recorded graph, even across a sync inside it.
  class AutoEvalPause {
   public:
    explicit AutoEvalPause(Context& c) : c_(c) { ++c_.auto_eval_paused_; }
    ~AutoEvalPause() { --c_.auto_eval_paused_; }
    AutoEvalPause(const AutoEvalPause&) = delete;
    AutoEvalPause& operator=(const AutoEvalPause&) = delete;

   private:
    Context& c_;
  };

  /// The settings the context started with.
  const Options& options() const noexcept { return options_; }
  /// The device new arrays are created on; -1 until the API has chosen it (KILN_DEVICE is
  /// checked at the first creation).
  int default_device() const noexcept { return default_device_.load(); }
  /// Makes `device` the default (the caller has checked that it can be used).
  void set_default_device(graph::DeviceId device) noexcept { default_device_.store(device); }
  /// The rewrite rules that run from now on (kiln::set_optimize); part of the plan signature.
  void set_optimize(passes::OptimizeLevel level) noexcept { optimize_.store(level); }
  /// The rewrite rules that run.
  passes::OptimizeLevel optimize() const noexcept { return optimize_.load(); }

  /// The data of evaluated node `n` in host memory: its buffer on the CPU; for a node on a
  /// device, a copy made at the first read and kept with the node.
  const void* host_data(graph::Node* n);

  /// A sync's plan, reused by later syncs of the same captured graph (up to buffers). Complete
  /// (every kernel loaded) before it is published, and never changed after.
  struct CachedPlan {
    schedule::Plan plan;                    // its kernels and outputs
    std::vector<jit::KernelEntry> entries;  // each kernel, loaded
    size_t produced_size = 0;               // nodes of the graph the plan was made from
    bool relocatable = false;  // serves other scalar values (published under the structural
                               // signature; otherwise under the one with values)
  };

  /// The timeline recorder (KILN_TRACE, kiln::trace_begin).
  Timeline& timeline() noexcept { return timeline_; }

  /// The random generator's seed and next stream number (kiln::compile replays draws).
  std::pair<uint64_t, uint64_t> random_state();
  /// Sets the seed and the next stream number.
  void set_random_state(uint64_t seed, uint64_t stream);
  /// The seed and the first of `count` fresh stream numbers (a replayed function's draws).
  std::pair<uint64_t, uint64_t> take_random_streams(uint64_t count);
  /// Counts a call of a compiled function that ran its body (Stats::compiled_traces).
  void count_compiled_trace() noexcept { ++counters_.compiled_traces; }

  // captured_call.cpp: what kiln::compile needs of the sync driver.
  /// Reads the pending graph of `targets` (unevaluated, distinct, held by the caller) as a sync
  /// would, without running it.
  void probe_call(std::span<graph::Node* const> targets, CallProbe& probe);
  /// Evaluates `targets` (unevaluated, distinct, held by the caller) as one sync, filling
  /// `probe` with what it read; returns the plan it ran, or null when the graph is not one
  /// plan of kernels (probe.why says why: it was then evaluated the ordinary way).
  std::shared_ptr<const CapturedPlan> evaluate_captured(std::span<graph::Node* const> targets,
                                                        CallProbe& probe);
  /// Runs `captured` with the scalar values `scalars` (by walk position) but for the pairs
  /// (position, value) of `values`, and the buffers of the evaluated nodes of `data` (pairs of
  /// position and node, which the caller holds). Gives one buffer per output of the plan.
  /// Kernel errors name their recording call sites; other failures name `site`.
  void replay(const CapturedPlan& captured, std::span<const std::pair<int32_t, graph::Node*>> data,
              std::span<const std::pair<int32_t, uint64_t>> values,
              std::span<const uint64_t> scalars, graph::SourceLoc site,
              std::vector<std::shared_ptr<graph::Buffer>>& results);

  /// While one of these lives, a sync started by this thread is a kiln::Error naming the array
  /// read: kiln::compile is tracing a function, whose body later calls do not run, so it must
  /// not depend on values.
  class TracingGuard {
   public:
    explicit TracingGuard(Context& c);
    ~TracingGuard();
    TracingGuard(const TracingGuard&) = delete;
    TracingGuard& operator=(const TracingGuard&) = delete;

   private:
    Context& c_;
  };

 private:
  // Throws when this thread is tracing a compiled function (TracingGuard); `n` is the array
  // read, if any.
  void refuse_sync_while_tracing(const graph::Node* n);
  // The threads tracing a compiled function now (one entry per TracingGuard: several threads
  // trace at once, and one may trace a compiled function inside another).
  std::mutex tracing_mutex_;  // guards tracing_threads_
  std::vector<std::thread::id> tracing_threads_;
  std::atomic<size_t> tracing_count_{0};  // tracing_threads_.size(), read without the lock

  // The asynchronous worker (evaluate_async): one thread, started at the first use, running
  // the captured syncs in the order they were started, so that a later one finds the results
  // of the earlier ones attached.
  void async_worker();
  std::mutex async_mutex_;  // guards the three below
  std::condition_variable async_cv_;
  std::deque<std::function<void()>> async_jobs_;
  size_t async_unfinished_ = 0;
  std::once_flag async_started_;
  std::atomic<size_t> async_pending_{0};  // async_unfinished_, read without the lock
  std::atomic<int> async_inline_{0};      // eval_async calls still to run at once (sync.cpp)
  struct LoadedKernel {
    jit::KernelEntry entry;
  };
  struct PlanSlot {
    SignatureBytes signature;  // the captured graph, without buffers
    std::shared_ptr<const CachedPlan> plan;
    uint64_t last_use = 0;
  };
  // References a sync holds on nodes; dropped when it goes (never while the tracer's lock is held).
  class Held {
   public:
    explicit Held(graph::Tracer& t) : tracer_(t) {}
    ~Held() {
      for (graph::Node* n : nodes)
        if (n) tracer_.drop_ref(n);  // (null: let go of already)
    }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    // Adds `n` with a new reference (the tracer's lock held, or `n` otherwise kept alive).
    void add(graph::Node* n) {
      graph::Tracer::add_ref(n);
      nodes.push_back(n);
    }
    std::vector<graph::Node*> nodes;

   private:
    graph::Tracer& tracer_;
  };

  // What a sync reads of the trace under the tracer's lock, to plan and run without it.
  struct Capture {
    std::vector<graph::Node*> targets;  // unevaluated: those asked for, held by the caller, (this
    size_t asked = 0;                   // many) then those computed with them, then those rule 1
                                        // of materialize.hpp keeps,
    std::vector<graph::Node*> kept;     // held by the capture (dropped by ~CaptureLease)
    bool has_update = false;            // an Update of evaluated data is pending (keep_held_arrays)
    bool has_donor = false;             // data that could give an output its buffer (likewise)
    std::vector<char> is_output, wanted;  // scratch for keep_held_arrays, by position in the
    std::vector<uint32_t> reads;          // walk
    std::vector<char> writable;           // data an update may write into, by walk position
    graph::DeviceId device = graph::kCpuDevice;
    std::vector<graph::Node*> order;  // the pending graph (only while the lock is held)
    std::vector<int32_t> outputs;
    SignatureBytes signature, value_signature;  // structural, and with scalar values
    uint64_t hash = 0, value_hash = 0;
    passes::OptimizeLevel optimize = passes::OptimizeLevel::full;  // the rules, when planning
    std::vector<ScalarKey> scalar_keys;  // scratch for the structural signature, and
    std::vector<int32_t> first_equal;    // each scalar's first equal one, by walk position
    std::vector<uint32_t> key_uses;      // scratch: reads of each node by random generators
    std::vector<uint64_t> scalars;       // value of each Full node, by position in the walk
    std::vector<uint64_t> params;        // scratch: a launch's parameters with relocations
    std::vector<std::shared_ptr<graph::Buffer>> data;  // inputs, by position in the walk
    std::shared_ptr<const CachedPlan> plan;            // found in the plan cache, or
    graph::Graph graph;                                // the graph to plan
    std::vector<std::shared_ptr<graph::Buffer>> produced, results;  // run_plan's
    bool blocked = false;   // the walk met nodes in flight: wait for them, then capture again
    graph::SourceLoc site;  // what failures outside a kernel name (the first target's site)
  };
  // A Capture for one sync, returned to the context's spares when it goes (emptied, keeping its
  // vectors' capacity: a sync of a small expression then allocates nothing of its own).
  class CaptureLease {
   public:
    explicit CaptureLease(Context& c);
    ~CaptureLease();
    CaptureLease(const CaptureLease&) = delete;
    CaptureLease& operator=(const CaptureLease&) = delete;
    Capture& operator*() const noexcept { return *capture_; }
    Capture* operator->() const noexcept { return capture_.get(); }

   private:
    Context& context_;
    std::unique_ptr<Capture> capture_;
  };

  // A sync's timeline spans: the sync itself, and the recording since this thread's last one.
  class SyncSpans {
   public:
    SyncSpans(Context& c, const char* name, graph::SourceLoc site);
    ~SyncSpans();
    SyncSpans(const SyncSpans&) = delete;
    SyncSpans& operator=(const SyncSpans&) = delete;

   private:
    Context& c_;
    Timeline::Span span_;
  };

  // Rule 5 of passes/materialize.hpp: evaluates every pending array, never throwing (the
  // tracer calls it once too much is pending).
  void auto_evaluate() noexcept;
  std::atomic<int> auto_eval_paused_{0};
  std::atomic<bool> auto_eval_running_{false};

  // sync.cpp: the sync driver.
  void evaluate_held(const std::vector<graph::Node*>& targets);
  // Fills `c` for evaluating `held.nodes` (the lock held); false when there is nothing to do,
  // or when the targets need library ops first or span devices. `probe`, when given, gets
  // what was read by walk position (kiln::compile). The arrays computed together
  // with them (Tracer::compute_together) join `held` first, when `together`.
  bool capture_kernels(Held& held, Capture& c, bool together, CallProbe* probe = nullptr);
  bool add_computed_together(Held& held, Capture& c);
  // What kiln::compile keeps of a capture (the lock held, c.order still filled).
  void fill_probe(const Capture& c, CallProbe& probe);
  void keep_held_arrays(Capture& c);
  void find_writable(Capture& c);
  void run_capture(Capture& c);
  std::shared_ptr<const CachedPlan> plan_graph(graph::Graph g, jit::Backend& backend,
                                               graph::DeviceId device,
                                               passes::OptimizeLevel optimize);
  // Each kernel of `fresh`, from the memory or disk cache or compiled: in parallel on the CPU.
  void load_kernels(CachedPlan& fresh, jit::Backend& backend, graph::DeviceId device);
  std::shared_ptr<const CachedPlan> find_plan(const SignatureBytes& signature, uint64_t hash);
  void publish_plan(const SignatureBytes& signature, uint64_t hash,
                    std::shared_ptr<const CachedPlan> plan);
  void run_plan(const CachedPlan& cached, jit::Backend& backend, Capture& c);
  // Marks the targets of a failed sync that depend on the failing op (all of them when the
  // error names none of theirs), so that they raise `e` again. Takes the tracer's lock.
  void mark_failed(const std::vector<graph::Node*>& targets, const kiln::Error& e);
  // Attaches each target's result unless another sync attached one first. Takes the lock.
  void attach(const std::vector<graph::Node*>& targets,
              std::vector<std::shared_ptr<graph::Buffer>>& results);
  jit::Backend& cpu();
  jit::Backend& backend_for(graph::DeviceId device);
  jit::DeviceMemory& device_memory(graph::DeviceId device);

  // kernels.cpp: a kernel's code from the memory cache, the disk cache or the compiler.
  jit::KernelEntry kernel_for(const schedule::KernelLaunch& k, jit::Backend& backend,
                              graph::DeviceId device);
  // The kernel from the disk cache entry (key, target_id), loaded; an empty entry on a miss.
  // `what` says which code it is: "" (compiled code: a failure to load throws) or " (native)"
  // (the loader's output: a failure to load is a miss).
  jit::KernelEntry load_from_disk(cache::DiskCache* disk, const cache::Key& key,
                                  const std::string& target_id, const std::string& symbol,
                                  const schedule::KernelLaunch& k,
                                  const std::vector<uint8_t>& ir_bytes, jit::Backend& backend,
                                  const char* what);
  // Stores what the backend's loader made of `entry` (a cubin) under (key, target_id).
  void store_native(cache::DiskCache* disk, const cache::Key& key, const std::string& target_id,
                    const std::vector<uint8_t>& ir_bytes, const jit::KernelEntry& entry,
                    jit::Backend& backend);
  std::shared_ptr<cache::DiskCache> disk_cache();
  void record(const cache::Key& key, std::string_view backend, const std::vector<uint8_t>& bytes);
  void note_hit(const schedule::KernelLaunch& k, const jit::Backend& backend);
  // Runs kernel `k`. On a device (`memory` set), asynchronously: its error bits go to the
  // device word `status`, read once the plan has run.
  void run(const schedule::KernelLaunch& k, const jit::KernelEntry& entry, jit::Backend& backend,
           jit::DeviceMemory* memory, uint64_t* status,
           const std::vector<std::shared_ptr<graph::Buffer>>& data,
           std::vector<std::shared_ptr<graph::Buffer>>& produced,
           const std::vector<uint64_t>& scalars, std::vector<uint64_t>& params);

  // library_ops.cpp: library ops and transfers, each run off the tracer's lock.
  void run_library_ops(const std::vector<graph::Node*>& targets);
  void run_library_node(graph::Node* n);
  std::shared_ptr<graph::Buffer> run_library_call(const LibraryCall& c);
  std::shared_ptr<graph::Buffer> run_transfer(const LibraryCall& c);
  std::shared_ptr<graph::Buffer> run_matmul(const LibraryCall& c);
  std::shared_ptr<graph::Buffer> run_fft(const LibraryCall& c);
  // FFT `c` (layout `l`, input data `in`) on its device's FFT library.
  std::shared_ptr<graph::Buffer> run_device_fft(const LibraryCall& c, const FftLayout& l, void* in);
  std::shared_ptr<graph::Buffer> new_output(const LibraryCall& c);

  Options options_;
  Timeline timeline_;
  graph::Tracer tracer_;
  HostPool pool_;
  ThreadPool threads_;
  FftPlans fft_plans_;
  Counters counters_;
  std::mutex backends_mutex_;          // guards cpu_ and devices_ (backends are never closed)
  std::unique_ptr<jit::Backend> cpu_;  // opened at the first kernel lookup
  std::unordered_map<graph::DeviceId, std::unique_ptr<jit::Backend>> devices_;  // GPUs in use
  std::mutex gpu_mutex_;  // serialises the work of GPU syncs (one stream, one memory pool)
  std::atomic<int> default_device_{-1};
  std::atomic<passes::OptimizeLevel> optimize_{passes::OptimizeLevel::full};
  // Loaded kernels by device: two GPUs of one model share cache keys, not loaded code.
  std::mutex kernels_mutex_;
  std::unordered_map<graph::DeviceId, cache::MemoryCache<LoadedKernel>> kernels_;
  std::mutex disk_mutex_;  // guards options_.cache_dir, disk_, disk_opened_, fft_wisdom_checked_
  std::shared_ptr<cache::DiskCache> disk_;  // opened at the first kernel lookup
  bool disk_opened_ = false;
  bool fft_wisdom_checked_ = false;
  std::mutex record_mutex_;                                  // guards recorded_ and the manifest
  std::unordered_set<cache::Key, cache::KeyHash> recorded_;  // kernels already in the manifest
  std::mutex captures_mutex_;                                // guards spare_captures_
  std::vector<std::unique_ptr<Capture>> spare_captures_;     // see CaptureLease
  std::mutex plans_mutex_;                                   // guards plans_ and plan_clock_
  std::unordered_map<uint64_t, PlanSlot> plans_;
  uint64_t plan_clock_ = 0;
  struct DeviceProbe {
    Device device;
    bool usable;
    std::string why;
  };
  std::vector<DeviceProbe> probed_;               // devices asked about, with the answers
  std::mutex probe_mutex_;                        // guards probed_
  uint64_t random_seed_ = 0, random_stream_ = 0;  // guarded by the tracer's lock
};

}  // namespace kiln::runtime
