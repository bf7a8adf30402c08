#include "runtime/thread_pool.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace kiln::runtime {

namespace {
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
// How long an idle worker spins before sleeping: longer than the gap between the launches of
// one sync, shorter than anything a user would notice on a busy machine.
constexpr auto kSpin = std::chrono::microseconds(200);
}  // namespace

int default_thread_count() {
  if (const char* env = std::getenv("KILN_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1) return std::min(n, 1024);
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads)) {}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  epoch_.fetch_add(1);
  epoch_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunks(Slot& s) {
  const Job& j = s.job;
  for (int64_t c; (c = s.next.fetch_add(1, std::memory_order_relaxed)) < j.chunks;) {
    const int64_t begin = c * j.chunk;
    j.body(j.ctx, begin, std::min(j.n, begin + j.chunk));
    s.done.fetch_add(1, std::memory_order_release);
  }
}

void ThreadPool::worker_main() {
  uint64_t seen = epoch_.load();
  for (;;) {
    uint64_t e = epoch_.load(std::memory_order_acquire);
    if (e == seen) {
      const auto until = std::chrono::steady_clock::now() + kSpin;
      for (int spin = 0; (e = epoch_.load(std::memory_order_acquire)) == seen; ++spin) {
        if ((spin & 63) == 0 && std::chrono::steady_clock::now() > until) {
          sleepers_.fetch_add(1);
          epoch_.wait(seen);
          sleepers_.fetch_sub(1);
        } else {
          cpu_relax();
        }
      }
    }
    seen = e;
    if (stop_.load()) return;
    Slot& s = slots_[e & 1];
    s.readers.fetch_add(1);
    if (epoch_.load() == e) run_chunks(s);  // otherwise the slot may already be reused
    s.readers.fetch_sub(1, std::memory_order_release);
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, void (*body)(void*, int64_t, int64_t),
                              void* ctx) {
  const int64_t threads = this->threads();
  const int64_t pieces = grain > 0 ? n / grain : n;
  if (threads == 1 || pieces < 2) {
    body(ctx, 0, n);
    return;
  }
  // A multiple of the thread count keeps threads evenly loaded; a few chunks per thread let a
  // thread that was descheduled fall behind without stalling the job.
  const int64_t chunks =
      pieces >= threads ? threads * std::min<int64_t>(4, pieces / threads) : pieces;
  int64_t chunk = (n + chunks - 1) / chunks;
  // Long element ranges are split at cache-line multiples; short task lists stay as they are.
  if (chunk >= 1024) chunk = (chunk + 63) & ~int64_t{63};

  std::lock_guard lock(submit_);
  // Workers start with the first job worth splitting: starting a thread costs about a
  // millisecond here, which a program of small arrays should never pay.
  if (workers_.empty())
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_main(); });
  const uint64_t e = epoch_.load() + 1;
  Slot& s = slots_[e & 1];
  while (s.readers.load(std::memory_order_acquire) != 0) cpu_relax();  // stragglers of job e-2
  s.job = {body, ctx, n, chunk, (n + chunk - 1) / chunk};
  s.next.store(0, std::memory_order_relaxed);
  s.done.store(0, std::memory_order_relaxed);
  epoch_.store(e);
  if (sleepers_.load() > 0) epoch_.notify_all();
  run_chunks(s);
  while (s.done.load(std::memory_order_acquire) < s.job.chunks) cpu_relax();
}

}  // namespace kiln::runtime
