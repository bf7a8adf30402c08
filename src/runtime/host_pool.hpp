// HostPool: 64-byte aligned host buffers with a cache of freed blocks, so that a loop that
// allocates the same sizes every iteration neither calls the system allocator nor faults in
// fresh pages. Large blocks ask for transparent huge pages.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

#include "graph/node.hpp"

namespace kiln::runtime {

/// A caching allocator of host buffers. Buffers must not outlive their pool.
class HostPool {
 public:
  /// `max_cached_bytes`: freed blocks kept for reuse, at most this much in total.
  explicit HostPool(size_t max_cached_bytes);
  ~HostPool();
  HostPool(const HostPool&) = delete;
  HostPool& operator=(const HostPool&) = delete;

  /// A buffer of at least `bytes` bytes (never null, even for 0), 64-byte aligned. Throws
  /// kiln::Error when memory is exhausted.
  std::shared_ptr<graph::Buffer> allocate(size_t bytes);

  /// Returns every cached block to the system.
  void trim();

  /// Bytes currently held in the cache of free blocks.
  size_t cached_bytes() const;

  /// The most bytes of buffers handed out and not yet freed at once since the last reset_peak
  /// (cached free blocks not counted): the memory a computation needed.
  size_t peak_bytes() const;
  /// Starts a new peak from the bytes in use now.
  void reset_peak();

 private:
  void release(void* p, size_t block);
  static void* system_allocate(size_t block);
  static void system_free(void* p, size_t block);

  mutable std::mutex mutex_;
  std::multimap<size_t, void*> free_;  // block size -> block
  size_t cached_ = 0;
  size_t in_use_ = 0, peak_ = 0;  // bytes of blocks handed out, and their high-water mark
  size_t max_cached_;
};

}  // namespace kiln::runtime
