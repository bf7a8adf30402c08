#include "runtime/host_pool.hpp"

#include <algorithm>

#include <sys/mman.h>

#include <cstdlib>
#include <new>

#include "kiln/error.hpp"

namespace kiln::runtime {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;

// Block sizes are rounded so that nearby sizes share blocks: cache lines for small buffers,
// pages above 64 KiB, huge pages above 4 MiB (those are mmap'ed and advised THP).
size_t block_size(size_t bytes) {
  if (bytes < 64) return 64;
  if (bytes <= (64 << 10)) return (bytes + 63) & ~size_t{63};
  if (bytes <= (4 << 20)) return (bytes + 4095) & ~size_t{4095};
  return (bytes + kHugePage - 1) & ~(kHugePage - 1);
}
}  // namespace

HostPool::HostPool(size_t max_cached_bytes) : max_cached_(max_cached_bytes) {}

HostPool::~HostPool() {
  trim();
}

void* HostPool::system_allocate(size_t block) {
  if (block >= kHugePage) {
    void* p = mmap(nullptr, block, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    madvise(p, block, MADV_HUGEPAGE);
    return p;
  }
  return std::aligned_alloc(64, block);
}

void HostPool::system_free(void* p, size_t block) {
  if (block >= kHugePage)
    munmap(p, block);
  else
    std::free(p);
}

std::shared_ptr<graph::Buffer> HostPool::allocate(size_t bytes) {
  const size_t block = block_size(bytes);
  void* p = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (auto it = free_.find(block); it != free_.end()) {
      p = it->second;
      free_.erase(it);
      cached_ -= block;
    }
  }
  if (!p) p = system_allocate(block);
  if (!p) {
    trim();  // give cached blocks back and try once more before failing
    p = system_allocate(block);
  }
  if (!p) throw Error("[allocate] out of memory allocating " + std::to_string(bytes) + " bytes");
  {
    std::lock_guard lock(mutex_);
    in_use_ += block;
    peak_ = std::max(peak_, in_use_);
  }
  auto* buffer = new graph::Buffer{p, bytes, false};
  return std::shared_ptr<graph::Buffer>(buffer, [this, block](graph::Buffer* b) {
    release(b->data, block);
    delete b;
  });
}

void HostPool::release(void* p, size_t block) {
  std::lock_guard lock(mutex_);
  in_use_ -= block;
  if (block > max_cached_) {
    system_free(p, block);
    return;
  }
  // Over budget: drop the largest cached blocks first (they are the cheapest to re-create
  // relative to their size and the likeliest to be one-offs).
  while (cached_ + block > max_cached_ && !free_.empty()) {
    auto last = std::prev(free_.end());
    system_free(last->second, last->first);
    cached_ -= last->first;
    free_.erase(last);
  }
  free_.emplace(block, p);
  cached_ += block;
}

void HostPool::trim() {
  std::lock_guard lock(mutex_);
  for (auto& [block, p] : free_) system_free(p, block);
  free_.clear();
  cached_ = 0;
}

size_t HostPool::peak_bytes() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

void HostPool::reset_peak() {
  std::lock_guard lock(mutex_);
  peak_ = in_use_;
}

size_t HostPool::cached_bytes() const {
  std::lock_guard lock(mutex_);
  return cached_;
}

}  // namespace kiln::runtime
