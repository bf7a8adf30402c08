// The captured graph behind pending arrays, for the reference interpreter.
#pragma once

#include <mutex>
#include <vector>

#include <kiln/kiln.hpp>

#include "graph/graph.hpp"
#include "runtime/context.hpp"

namespace kiln_test {

/// The graph a sync of `outs` would capture (their whole pending history), outputs in order.
inline kiln::graph::Graph pending_graph(const std::vector<kiln::Array>& outs) {
  kiln::graph::Tracer& t = kiln::runtime::Context::get().tracer();
  std::vector<kiln::graph::Node*> nodes;
  for (const kiln::Array& a : outs) nodes.push_back(a.node());
  std::lock_guard lock(t.mutex());
  return kiln::graph::capture(t, nodes);
}

}  // namespace kiln_test
