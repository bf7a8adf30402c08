// The in-memory kernel cache: key -> whatever the runtime keeps for a loaded kernel.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "cache/key.hpp"

namespace kiln::cache {

/// Loaded kernels of this process, by key. Not thread-safe: the runtime guards it.
template <class Value>
class MemoryCache {
 public:
  /// The entry for `key`, or null.
  Value* find(const Key& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  /// Stores an entry and returns it.
  Value& insert(const Key& key, Value v) {
    return map_.insert_or_assign(key, std::move(v)).first->second;
  }
  /// Number of entries.
  size_t size() const noexcept { return map_.size(); }

 private:
  std::unordered_map<Key, Value, KeyHash> map_;
};

}  // namespace kiln::cache
