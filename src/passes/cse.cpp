#include "passes/cse.hpp"

#include <unordered_map>

#include "passes/rewrite.hpp"

namespace kiln::passes {

namespace {
using graph::GNode;

uint64_t key_hash(const GNode& n) {
  uint64_t h = static_cast<uint64_t>(n.op) * 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(n.dtype);
  auto mix = [&h](uint64_t v) {
    h = (h ^ v) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  };
  for (int a = 0; a < n.nargs; ++a) mix(static_cast<uint64_t>(n.args[a]));
  for (uint64_t v : n.payload.v) mix(v);
  for (int64_t e : n.shape) mix(static_cast<uint64_t>(e));
  for (int64_t e : n.strides) mix(static_cast<uint64_t>(e));
  mix(reinterpret_cast<uintptr_t>(n.buffer.get()));
  return h;
}

bool same(const GNode& x, const GNode& y) {
  if (x.op != y.op || x.dtype != y.dtype || x.nargs != y.nargs || x.buffer != y.buffer)
    return false;
  // A rewrite's constant stays apart from the user's scalars: a plan relocates those to other
  // values, and the rewrite's must not follow.
  if ((x.source == graph::kFixedConstant) != (y.source == graph::kFixedConstant)) return false;
  for (int a = 0; a < x.nargs; ++a)
    if (x.args[a] != y.args[a]) return false;
  return x.payload == y.payload && x.shape == y.shape && x.strides == y.strides;
}
}  // namespace

void cse(graph::Graph& g) {
  Redirects r(g);
  std::unordered_multimap<uint64_t, int32_t> seen;
  seen.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    GNode& n = g.nodes[i];
    r.remap_args(n);
    const uint64_t h = key_hash(n);
    bool merged = false;
    for (auto [it, end] = seen.equal_range(h); it != end && !merged; ++it) {
      if (same(g.nodes[it->second], n)) {
        r.redirect(i, it->second);
        merged = true;
      }
    }
    if (!merged) seen.emplace(h, static_cast<int32_t>(i));
  }
  r.remap_outputs();
}

}  // namespace kiln::passes
