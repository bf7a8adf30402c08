// ThreadPool: the runtime's workers for splitting big kernel launches. Workers spin briefly
// after each job (waking a sleeping thread costs tens of microseconds), then sleep on a futex.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "jit/backend.hpp"

namespace kiln::runtime {

/// A fixed set of worker threads, started on first need; the calling thread takes part in
/// every job.
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

 private:
  struct Job {
    void (*body)(void*, int64_t, int64_t) = nullptr;
    void* ctx = nullptr;
    int64_t n = 0;
    int64_t chunk = 0;   // elements per chunk
    int64_t chunks = 0;  // number of chunks
  };
  // Jobs alternate between two slots; a slot is rewritten only when no straggler reads it.
  struct alignas(64) Slot {
    std::atomic<int> readers{0};
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    Job job;
  };

  void worker_main();
  static void run_chunks(Slot& s);

  int threads_;
  std::vector<std::thread> workers_;  // started by the first job that is split
  std::mutex submit_;                 // one job at a time
  Slot slots_[2];
  alignas(64) std::atomic<uint64_t> epoch_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
};

/// Threads to use: KILN_NUM_THREADS if set, else the CPUs this process may run on.
int default_thread_count();

}  // namespace kiln::runtime
