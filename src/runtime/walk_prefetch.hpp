// Prefetching for the loops over a sync's walk (sync.cpp, sync_targets.cpp).
#pragma once

#include <cstddef>
#include <vector>

#include "graph/node.hpp"

namespace kiln::runtime {

// The loops over a sync's walk read each node through a pointer: tens of thousands of nodes,
// scattered over the tracer's slabs (freed nodes are reused in any order), are more than the
// caches hold, so each loop asks for the node it will read kPrefetchAhead iterations later
// (its first `lines` cache lines), which makes the loops bound by bandwidth instead of by one
// memory latency per node.
constexpr size_t kPrefetchAhead = 12;
inline void prefetch_ahead(const std::vector<graph::Node*>& order, size_t i, int lines = 1) {
  if (i + kPrefetchAhead >= order.size()) return;
  const char* p = reinterpret_cast<const char*>(order[i + kPrefetchAhead]);
  for (int l = 0; l < lines; ++l) __builtin_prefetch(p + 64 * l);
}
// The same for a loop that runs backwards.
inline void prefetch_behind(const std::vector<graph::Node*>& order, size_t i) {
  if (i >= kPrefetchAhead) __builtin_prefetch(order[i - kPrefetchAhead]);
}

}  // namespace kiln::runtime
