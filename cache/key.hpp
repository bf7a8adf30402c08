// Cache keys: XXH3-128 of a kernel's canonical IR bytes and its target description. The cache
// layer knows only bytes and keys.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace kiln::cache {

/// A 128-bit content hash.
struct Key {
  uint64_t lo = 0;
  uint64_t hi = 0;
  friend bool operator==(const Key&, const Key&) = default;
  /// 32 lowercase hex digits, high half first.
  std::string hex() const;
};

/// Hashes `ir` (canonical kernel IR bytes) together with `target` (everything about the target
/// that changes generated code). Equal inputs give equal keys in every process.
Key make_key(std::span<const uint8_t> ir, std::string_view target);

/// A fast 64-bit hash of bytes (XXH3), for in-memory lookups that compare the bytes on a hit.
uint64_t hash64(std::span<const uint8_t> bytes);

/// Hash functor for unordered containers.
struct KeyHash {
  size_t operator()(const Key& k) const noexcept { return static_cast<size_t>(k.lo ^ (k.hi * 31)); }
};

}  // namespace kiln::cache
