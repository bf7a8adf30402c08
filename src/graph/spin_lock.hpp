// SpinLock: the tracer's lock. Recording an op holds it for tens of nanoseconds, which a mutex
// system call would dwarf; a waiter that spins long (another thread compiling) yields its core.
#pragma once

#include <atomic>
#include <thread>

namespace kiln::graph {

/// A test-and-test-and-set lock (BasicLockable, for std::lock_guard).
class SpinLock {
 public:
  void lock() noexcept {
    for (int spins = 0; flag_.exchange(true, std::memory_order_acquire); ++spins) {
      while (flag_.load(std::memory_order_relaxed)) {
        if (++spins > 1000)
          std::this_thread::yield();
        else
          pause();
      }
    }
  }
  void unlock() noexcept { flag_.store(false, std::memory_order_release); }

 private:
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  std::atomic<bool> flag_{false};
};

}  // namespace kiln::graph
