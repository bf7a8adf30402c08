#include "runtime/thread_pool.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace kiln::runtime {

namespace {
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

void ThreadPool::start_workers() {
  // Workers start with the first job worth splitting: starting a thread costs about a
  // millisecond here, which a program of small arrays should never pay.
  std::call_once(started_, [this] {
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker_main(); });
  });
}

void ThreadPool::run_chunks(Slot& s) {
  for (int64_t c; (c = s.next.fetch_add(1, std::memory_order_relaxed)) < s.chunks;) {
    const int64_t begin = c * s.chunk;
    s.body(s.ctx, begin, std::min(s.n, begin + s.chunk));
    s.done.fetch_add(1, std::memory_order_release);
  }
}

bool ThreadPool::help() {
  bool found = false;
  for (Slot& s : slots_) {
    const uint64_t state = s.state.load(std::memory_order_acquire);
    if ((state & 1) == 0) continue;
    s.readers.fetch_add(1, std::memory_order_acq_rel);
    // Still the job that was open: its fields stay put while this thread is a reader.
    if (s.state.load(std::memory_order_acquire) == state &&
        s.next.load(std::memory_order_relaxed) < s.chunks) {
      run_chunks(s);
      found = true;
    }
    s.readers.fetch_sub(1, std::memory_order_release);
  }
  return found;
}

void ThreadPool::worker_main() {
  for (;;) {
    const uint64_t seen = epoch_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    if (help()) continue;
    // Nothing open: spin a while, then sleep until the next publication.
    const auto until = std::chrono::steady_clock::now() + kSpin;
    bool woke = false;
    for (int spin = 0; !woke; ++spin) {
      if (epoch_.load(std::memory_order_acquire) != seen) {
        woke = true;
      } else if (quiet_.load(std::memory_order_relaxed) ||
                 ((spin & 63) == 0 && std::chrono::steady_clock::now() > until)) {
        sleepers_.fetch_add(1);
        epoch_.wait(seen);
        sleepers_.fetch_sub(1);
        woke = true;
      } else {
        cpu_relax();
      }
    }
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

  start_workers();
  Slot* slot = nullptr;
  for (Slot& s : slots_) {
    bool expected = false;
    if (s.claimed.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      slot = &s;
      break;
    }
  }
  if (!slot) {  // kSlots jobs already in flight: the workers are busy anyway
    body(ctx, 0, n);
    return;
  }
  Slot& s = *slot;
  // Readers of the slot's previous job leave at once (its state changed when it closed).
  while (s.readers.load(std::memory_order_acquire) != 0) cpu_relax();
  s.body = body;
  s.ctx = ctx;
  s.n = n;
  s.chunk = chunk;
  s.chunks = (n + chunk - 1) / chunk;
  s.next.store(0, std::memory_order_relaxed);
  s.done.store(0, std::memory_order_relaxed);
  s.state.fetch_add(1, std::memory_order_release);  // open
  quiet_.store(false, std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_release);
  if (sleepers_.load() > 0) epoch_.notify_all();
  run_chunks(s);
  while (s.done.load(std::memory_order_acquire) < s.chunks) cpu_relax();
  s.state.fetch_add(1, std::memory_order_release);  // closed
  s.claimed.store(false, std::memory_order_release);
}

}  // namespace kiln::runtime
