// ThreadPool: the runtime's workers for splitting big kernel launches. Several threads may
// submit jobs at once (each sync launches its own kernels): every job sits in one of a few
// slots, the workers take chunks of whichever jobs have some left, and the submitting thread
// works on its own job until it is done. Workers spin briefly after each job (waking a sleeping
// thread costs tens of microseconds), then sleep on a futex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "jit/backend.hpp"

namespace kiln::runtime {

/// A fixed set of worker threads, started on first need; the calling thread takes part in
/// every job it submits. Thread-safe: any number of threads may call parallel_for at once.
class ThreadPool final : public jit::Executor {
 public:
  /// `threads`: total threads per job, the caller included (1 = no workers).
  explicit ThreadPool(int threads);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Threads per job, the caller included.
  int threads() const noexcept { return threads_; }

  void parallel_for(int64_t n, int64_t grain, void (*body)(void*, int64_t, int64_t),
                    void* ctx) override;
  int concurrency() const override { return threads(); }

  /// Lets idle workers sleep now instead of spinning until the next job: called before a
  /// library (OpenBLAS, FFTW) runs its own threads on the same cores, which spinning workers
  /// would slow down (a training step's GEMMs ran 30% slower beside them).
  void quiesce() noexcept { quiet_.store(true, std::memory_order_relaxed); }

 private:
  // Jobs in flight at once; a submitter that finds every slot taken runs its job alone.
  static constexpr int kSlots = 8;
  // One job. `state` is odd while the job is open to workers; it changes (+1) when the job is
  // published and when it closes, so a worker that read an odd state and then registered as a
  // reader knows the job it reads is still that one if the state has not changed.
  struct alignas(64) Slot {
    std::atomic<uint64_t> state{0};
    std::atomic<int> readers{0};
    std::atomic<bool> claimed{false};
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    void (*body)(void*, int64_t, int64_t) = nullptr;
    void* ctx = nullptr;
    int64_t n = 0;
    int64_t chunk = 0;   // elements per chunk
    int64_t chunks = 0;  // number of chunks
  };

  void worker_main();
  void start_workers();
  static void run_chunks(Slot& s);
  // Runs chunks of any open job; false when there was none.
  bool help();

  int threads_;
  std::once_flag started_;
  std::vector<std::thread> workers_;  // started by the first job that is split
  Slot slots_[kSlots];
  alignas(64) std::atomic<uint64_t> epoch_{0};  // bumped at each publication (workers wait on it)
  std::atomic<int> sleepers_{0};
  std::atomic<bool> quiet_{false};  // quiesce() was called after the last publication
  std::atomic<bool> stop_{false};
};

/// A pause in a spin-wait loop.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// Threads to use: KILN_NUM_THREADS if set, else the CPUs this process may run on.
int default_thread_count();

}  // namespace kiln::runtime
