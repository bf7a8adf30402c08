// What a sync computes besides what was asked for, and what it may write over: the arrays
// computed together with its targets (Tracer::compute_together), those rule 1 of
// passes/materialize.hpp keeps, and the data an update or a donated output may write into.
#include <algorithm>

#include "runtime/context.hpp"
#include "runtime/walk_prefetch.hpp"

namespace kiln::runtime {

namespace {

// Data large enough to offer its buffer to an output (find_writable), and free to: no handle.
// Smaller buffers come back from the pool as cheaply as they would be reused, and each sync
// that offers one plans apart from one that does not.
constexpr size_t kMinDonatedBytes = size_t{64} << 10;
bool donation_sized(const graph::Node& n) {
  return n.handles.load(std::memory_order_relaxed) == 0 && n.buffer &&
         n.buffer->bytes >= kMinDonatedBytes;
}

}  // namespace

// Rule 1 of passes/materialize.hpp: a pending array this sync computes is stored by it (one
// more output) when a pending node outside this sync still reads it (it will be needed again),
// or when a user handle held it at an earlier sync that needed it too; the arrays a handle holds
// now are marked for the next sync. The targets and outputs grow by the arrays kept.
void Context::keep_held_arrays(Capture& c) {
  const size_t n = c.order.size();
  c.is_output.assign(n, 0);
  for (int32_t o : c.outputs) c.is_output[o] = 1;
  // Reads from inside the walk, to compare with each node's count of readers.
  std::vector<uint32_t>& inside = c.reads;
  inside.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    prefetch_ahead(c.order, i);
    const graph::Node* node = c.order[i];
    if (!node->evaluated())
      for (int a = 0; a < node->nargs; ++a) ++inside[node->args[a]->visit_index];
  }
  std::vector<char>& wanted = c.wanted;
  wanted.assign(n, 0);
  for (size_t i = n; i-- > 0;) {  // users first: a view read from outside wants its operand
    prefetch_behind(c.order, i);
    graph::Node* node = c.order[i];
    if (node->evaluated()) continue;
    wanted[i] |= node->uses > inside[i];
    if (wanted[i] && node->op == graph::Op::View) wanted[node->args[0]->visit_index] = 1;
  }
  c.has_update = c.has_donor = false;
  // While a function is being differentiated (or captured), a sync inside it (a mask's count, a
  // printed value) must not cut the history of the arrays it holds: nothing is kept then.
  const bool keep = auto_eval_paused_.load(std::memory_order_relaxed) == 0;
  for (size_t i = 0; i < n; ++i) {
    prefetch_ahead(c.order, i, 2);
    graph::Node* node = c.order[i];
    // (find_writable's question, asked here while the node is at hand.)
    c.has_update |=
        !node->evaluated() && node->op == graph::Op::Update && node->args[0]->evaluated();
    c.has_donor |= node->evaluated() && donation_sized(*node);
    if (!keep || node->evaluated() || c.is_output[i] || node->op == graph::Op::View ||
        graph::is_leaf(node->op) || node->shape.size() == 0 || node->device != c.device)
      continue;
    if (wanted[i] || node->held_at_sync) {
      graph::Tracer::add_ref(node);
      c.kept.push_back(node);
      c.targets.push_back(node);
      c.outputs.push_back(static_cast<int32_t>(i));
      ++counters_.arrays_kept;
    } else if (node->handles.load(std::memory_order_relaxed) > 0) {
      node->held_at_sync = true;
    }
  }
}

// Data that an update may write into in place (passes/windows.hpp): no handle, no reader outside
// this sync, no reader that outlives it, and a buffer of its own that kiln allocated (not the
// user's memory, not a part of another buffer, not shared with another node). A reader
// outlives the sync when it stays pending after it (it is not one of the sync's results) and a
// handle, a node outside the sync or another such reader still refers to it: it would be
// computed later from the data, which must not have changed.
//
// Large data that no handle holds is writable too: an output computed from it element for
// element may be written over it (buffer donation, passes/windows.cpp), as numpy's `out=`.
void Context::find_writable(Capture& c) {
  c.writable.clear();
  if (!c.has_update && !c.has_donor) return;
  const size_t size = c.order.size();
  std::vector<char> result(size, 0), outlives(size, 0), read_later(size, 0);
  for (int32_t o : c.outputs) result[o] = 1;
  for (size_t i = size; i-- > 0;) {  // users before their operands
    const graph::Node* n = c.order[i];
    if (n->evaluated() || result[i]) continue;
    outlives[i] |= n->handles.load(std::memory_order_relaxed) > 0 || n->uses > c.reads[i];
    if (!outlives[i]) continue;
    for (int a = 0; a < n->nargs; ++a) {
      const int32_t j = n->args[a]->visit_index;
      (n->args[a]->evaluated() ? read_later : outlives)[j] = 1;
    }
  }
  c.writable.assign(size, 0);
  auto writable = [&](const graph::Node* a) {
    const int32_t i = a->visit_index;
    return a->handles.load(std::memory_order_relaxed) == 0 && a->uses == c.reads[i] &&
           !read_later[i] && a->buffer && a->buffer.use_count() == 1 && !a->buffer->external &&
           !a->buffer->part;
  };
  for (const graph::Node* n : c.order) {
    if (n->evaluated()) {
      if (c.has_donor && donation_sized(*n)) c.writable[n->visit_index] = writable(n);
      continue;
    }
    if (n->op == graph::Op::Update && n->args[0]->evaluated())
      c.writable[n->args[0]->visit_index] = writable(n->args[0]);
  }
}

// The arrays computed together with a node this sync computes (Tracer::compute_together) that
// a handle still holds join the targets, held like those asked for. Returns whether any did.
bool Context::add_computed_together(Held& held, Capture& c) {
  const size_t before = c.targets.size();
  for (const graph::Node* n : c.order) {
    if (!n->grouped || n->evaluated()) continue;
    for (graph::Node* m : tracer_.together_with(n)) {
      const auto at = static_cast<size_t>(m->visit_index);
      const bool walked = at < c.order.size() && c.order[at] == m;
      if (walked || m->evaluated() || m->failure ||
          m->handles.load(std::memory_order_relaxed) == 0 ||
          std::find(c.targets.begin() + static_cast<ptrdiff_t>(before), c.targets.end(), m) !=
              c.targets.end())
        continue;
      held.add(m);
      c.targets.push_back(m);
    }
  }
  return c.targets.size() > before;
}

}  // namespace kiln::runtime
