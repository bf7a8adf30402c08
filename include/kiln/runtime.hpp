// Sync points, statistics and introspection.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <string>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// Evaluates all of `arrays` in one pass: outputs that share an iteration space are computed by
/// one fused kernel, and shared subexpressions are computed once.
void eval(std::initializer_list<Array> arrays,
          std::source_location loc = std::source_location::current());
/// As eval({...}) for a vector of arrays.
void eval(const std::vector<Array>& arrays,
          std::source_location loc = std::source_location::current());

/// Starts evaluating `arrays` in one pass, as eval() does, and returns at once (MLX's
/// async_eval): the kernels run on a worker thread (and the GPU's stream) while the program
/// records its next step. A read, eval() or sync() of an array in flight waits for it; a later
/// eval_async that reads one waits for it before it starts. A failure is raised where the
/// arrays are next used. Graphs that need library calls (matmul, FFT, ...) or span devices are
/// evaluated at once, as by eval().
void eval_async(std::initializer_list<Array> arrays,
                std::source_location loc = std::source_location::current());
/// As eval_async({...}) for a vector of arrays.
void eval_async(const std::vector<Array>& arrays,
                std::source_location loc = std::source_location::current());

/// Evaluates every pending array that a handle still refers to, and waits for the devices.
void sync(std::source_location loc = std::source_location::current());

/// Counters since the start of the process or the last reset_stats().
struct Stats {
  uint64_t kernels_compiled = 0;   ///< kernels built from kernel IR (LLVM code generation ran)
  uint64_t memory_cache_hits = 0;  ///< kernels found already loaded in this process
  uint64_t disk_cache_hits = 0;    ///< kernels loaded from the on-disk cache
  uint64_t kernels_launched = 0;   ///< kernel launches (one per fused kernel per sync)
  double compile_seconds = 0.0;    ///< wall time spent compiling kernels
  uint64_t trace_ops = 0;          ///< operations recorded (including CSE hits)
  uint64_t cse_hits = 0;           ///< recorded operations that matched an existing node
  uint64_t syncs = 0;              ///< sync points that had work to do
  uint64_t bytes_allocated = 0;    ///< bytes of new buffers handed out (pool hits included)
  uint64_t plans_built = 0;        ///< syncs that ran the passes and the scheduler (plan misses)
  uint64_t plan_cache_hits = 0;    ///< syncs that reused an earlier sync's plan
  uint64_t planner_visits = 0;     ///< node visits by the passes and the scheduler (their work)
  uint64_t ir_instructions = 0;    ///< kernel IR instructions of the kernels compiled
  uint64_t arrays_kept = 0;        ///< pending arrays a user held, stored by a sync that needed
                                   ///< them a second time (so loops do not recompute history)
  uint64_t auto_evaluations = 0;   ///< evaluations started because too much was pending
  uint64_t rewrites = 0;          ///< optimizer rules that fired while planning (KILN_LOG=rewrites)
  double rewrite_seconds = 0.0;   ///< wall time spent in the optimizer's rule engine
  uint64_t compiled_traces = 0;   ///< calls of kiln::compile functions that ran their body
  uint64_t compiled_replays = 0;  ///< calls of kiln::compile functions that replayed a plan
  uint64_t peak_bytes = 0;        ///< the most host memory in kiln's array buffers at once since
                                  ///< reset_stats (the buffers alive then, and those made since;
                                  ///< device memory is not counted)
};

/// Starts recording a timeline of kiln's work into `path`: spans for each sync, the passes,
/// the scheduling, each kernel lookup (memory, disk, or a compile with its phases), each launch,
/// transfer and library call, per thread, with the user's call sites, as Chrome trace-event
/// JSON (open it in Perfetto or chrome://tracing). KILN_TRACE=path records a whole process.
void trace_begin(const std::string& path);
/// Writes the timeline started by trace_begin (or KILN_TRACE) to its file and stops recording.
/// Throws kiln::Error when the file cannot be written.
void trace_end(std::source_location loc = std::source_location::current());

/// The current counters.
Stats stats();
/// Sets every counter to zero.
void reset_stats();

/// Which rewrites the optimizer may make (README "Optimizer").
enum class Optimize {
  none,   ///< no rewrite rules: kernels compute the formulas as written (for debugging)
  exact,  ///< only rewrites whose results are bit-identical to the formulas as written
  full,   ///< the default: also numpy's special cases of power, and accuracy rewrites (log1p,
          ///< expm1, max-shifted log-sum-exp and softmax, stable sigmoid and softplus, hypot)
};

/// Sets the optimizer's level for the syncs that start from now on (KILN_OPTIMIZE=full|exact|
/// none sets it at start-up). Plans and kernels made at other levels are kept and reused.
void set_optimize(Optimize level);

/// The optimizer's level.
Optimize optimize_level();

/// Uses the kernel cache directory `path` from now on, overriding KILN_CACHE_DIR and the
/// defaults ($XDG_CACHE_HOME/kiln, ~/.cache/kiln); an empty path turns the disk cache off.
/// Kernels already loaded stay usable.
void set_cache_dir(const std::string& path);

/// The kernel cache directory in use; empty when the disk cache is off or unusable.
std::string cache_dir();

/// Writes the pending graph behind `a` in Graphviz dot format to `path`.
void dump(const Array& a, const std::string& path,
          std::source_location loc = std::source_location::current());

}  // namespace kiln
