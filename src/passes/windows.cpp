#include "passes/windows.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "graph/view.hpp"

namespace kiln::passes {

using graph::Dims;
using graph::GNode;
using graph::Op;
using graph::walks_in_order;

namespace {

bool computed(const GNode& x) {
  return x.op != Op::Data && !graph::is_leaf(x.op) && x.op != Op::View;
}

}  // namespace

std::vector<Placement> place_operands(const graph::Graph& g, const GNode& c, const Placement& at) {
  if (c.op == Op::Update) {  // a over the whole buffer, v through the window
    const GNode& v = g.nodes[c.args[1]];
    Placement window{at.offset + static_cast<int64_t>(c.payload.v[0]), {}};
    if (!walks_in_order(v.shape, c.strides)) window.strides = c.strides;
    return {Placement{at.offset, {}}, std::move(window)};
  }
  const int axis = static_cast<int>(c.payload.v[0]);
  const Dims strides = at.contiguous() ? graph::contiguous_strides(c.shape) : at.strides;
  std::vector<Placement> out;
  int64_t offset = at.offset;
  for (int a = 0; a < c.nargs; ++a) {
    const Dims& shape = g.nodes[c.args[a]].shape;
    Placement p{offset, {}};
    if (!walks_in_order(shape, strides)) p.strides = strides;
    out.push_back(std::move(p));
    offset += shape[axis] * strides[axis];
  }
  return out;
}

int32_t window_target(const graph::Graph& g, int32_t x, Placement& placement) {
  const GNode& v = g.nodes[x];
  if (v.op != Op::View || v.payload.v[0] != 0) return x;
  const GNode& y = g.nodes[v.args[0]];
  if (!computed(y) || y.shape.size() != v.shape.size() || !walks_in_order(v.shape, v.strides))
    return x;
  if (placement.contiguous()) return v.args[0];
  // The extents other than 1 must be the same, in the same order; they keep their strides.
  Dims strides;
  strides.resize(y.shape.rank(), 0);
  int d = 0;
  for (int e = 0; e < y.shape.rank(); ++e) {
    if (y.shape[e] == 1) continue;
    while (d < v.shape.rank() && v.shape[d] == 1) ++d;
    if (d == v.shape.rank() || v.shape[d] != y.shape[e]) return x;
    strides[e] = placement.strides[d++];
  }
  placement.strides = std::move(strides);
  return v.args[0];
}

namespace {

// How far prepare_update looks through the nodes computing an update's value.
constexpr int kMaxUpdateWalk = 256;

// The elements of a flat index that `strides` over `shape` from `offset` can touch, as an
// interval (empty when the shape is).
struct Span {
  int64_t lo = 0, hi = -1;
};
Span span_of(int64_t offset, const Dims& shape, const Dims& strides) {
  Span s{offset, offset};
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape[d] == 0) return {};
    const int64_t reach = (shape[d] - 1) * strides[d];
    (reach < 0 ? s.lo : s.hi) += reach;
  }
  return s;
}

// The readers of `a` in the subgraph computing `v`, the value an update writes through the
// window `window_offset`/`window_strides` (not looking past `a` itself): how many in all, and
// how many could read an element the window overwrites before they read it. A reader is safe
// when it is behind a window base (whose buffer is complete before anything reads it, so its
// own readers of `a` are done by then), or a view of `a` whose elements lie outside the window,
// or a view reading exactly the element the kernel then writes (the window's own layout,
// reached through elementwise ops of the window's shape only). `total` is -1 when the part of
// the subgraph after `a` (what can read it) is larger than `budget` nodes.
struct Readers {
  int total = 0, unsafe = 0;
};
Readers readers_within(const graph::Graph& g, int32_t v, int32_t a, int64_t window_offset,
                       const Dims& window_strides, int budget) {
  if (v == a) return {1, 1};
  const Dims& window = g.nodes[v].shape;
  const Span written = span_of(window_offset, window, window_strides);
  // A direct read by an elementwise op of the window's shape, when the window is a's whole
  // buffer in order, reads the element written (a donated buffer: donate_buffers).
  const bool whole = window_offset == 0 && g.nodes[a].shape == window &&
                     window_strides == graph::contiguous_strides(window);
  auto safe = [&](const GNode& x, bool aligned) {
    if (x.op != Op::View)
      return whole && aligned && graph::is_elementwise(x.op) && x.shape == window;
    const int64_t offset = static_cast<int64_t>(x.payload.v[0]);
    const Span read = span_of(offset, x.shape, x.strides);
    if (read.hi < written.lo || written.hi < read.lo) return true;
    return aligned && x.shape == window && x.strides == window_strides && offset == window_offset;
  };
  struct At {
    int32_t node;
    bool behind, aligned;  // behind a window base; element k is v's element k
    bool operator==(const At&) const = default;
  };
  std::vector<At> stack{{v, false, true}}, seen{{v, false, true}};  // met in several ways
  std::vector<int32_t> counted;  // readers whose reads are in `total` (each read once)
  Readers r;
  while (!stack.empty()) {
    const At at = stack.back();
    stack.pop_back();
    const GNode& x = g.nodes[at.node];
    const bool past = at.behind || graph::is_window_base(x.op);
    const bool first_visit = std::find(counted.begin(), counted.end(), at.node) == counted.end();
    if (first_visit) counted.push_back(at.node);
    for (int k = 0; k < x.nargs; ++k) {
      const int32_t y = x.args[k];
      if (y == a) {
        r.total += first_visit;
        r.unsafe += !past && !safe(x, at.aligned);
        continue;
      }
      if (y < a) continue;  // operands come first: nothing before `a` reads it
      const At next{y, past,
                    at.aligned && graph::is_elementwise(x.op) && g.nodes[y].shape == x.shape};
      if (std::find(seen.begin(), seen.end(), next) != seen.end()) continue;
      if (static_cast<int>(seen.size()) >= budget) return {-1, 0};
      seen.push_back(next);
      stack.push_back(next);
    }
  }
  return r;
}

GNode copy_of(const GNode& x, int32_t at, graph::SourceLoc loc) {
  GNode copy;  // the operand's values, computed by a kernel (a cast to its own dtype)
  copy.op = Op::Cast;
  copy.dtype = x.dtype;
  copy.nargs = 1;
  copy.args[0] = at;
  copy.shape = x.shape;
  copy.loc = loc;
  return copy;
}

// How far donate_buffers looks through an output's elementwise operands for data to write into.
constexpr int kMaxDonorWalk = 64;

// Buffer donation: an elementwise output of the shape and dtype of writable data that it reads
// element for element (`w = w - lr * g` once the old w has no other reader) becomes an update of
// that data's whole buffer, so that the output is written over the data instead of into a new
// buffer: a training step then holds one copy of its parameters, not two. Marked with payload
// v[2] = 1: prepare_update below keeps such an update only where it runs in place with nothing
// stored first, and otherwise drops it (the output is computed into a buffer of its own, as
// before). Each data buffer goes to one output at most.
void donate_buffers(graph::Graph& g) {
  std::vector<char> given(g.nodes.size(), 0), output(g.nodes.size(), 0);
  for (int32_t o : g.outputs) output[o] += 1;
  std::vector<int32_t> stack;
  for (int32_t& o : g.outputs) {
    const GNode& on = g.nodes[o];
    if (output[o] != 1 || !computed(on) || !graph::is_elementwise(on.op) || on.shape.size() == 0)
      continue;
    int32_t donor = -1;  // writable data read element for element
    stack.assign(1, o);
    for (int walked = 0; !stack.empty() && donor < 0 && walked < kMaxDonorWalk; ++walked) {
      const GNode& x = g.nodes[stack.back()];
      stack.pop_back();
      for (int k = 0; k < x.nargs && donor < 0; ++k) {
        const int32_t y = x.args[k];
        const GNode& yn = g.nodes[y];
        if (yn.shape != on.shape) continue;  // read through a broadcast
        if (yn.op == Op::Data && yn.writable && yn.dtype == on.dtype && !given[y])
          donor = y;
        else if (graph::is_elementwise(yn.op) && computed(yn) && !output[y])
          stack.push_back(y);
      }
    }
    if (donor < 0) continue;
    given[donor] = 1;
    GNode u;
    u.op = Op::Update;
    u.dtype = on.dtype;
    u.nargs = 2;
    u.args[0] = donor;
    u.args[1] = o;
    u.shape = on.shape;
    u.strides = graph::contiguous_strides(on.shape);
    u.payload.v[2] = 1;  // donated (the window's offset v[0] is 0)
    u.loc = on.loc;
    o = g.add(std::move(u));
  }
}

}  // namespace

void windows(graph::Graph& g) {
  if (std::any_of(g.nodes.begin(), g.nodes.end(), [](const GNode& x) { return x.writable; }))
    donate_buffers(g);
  const size_t n = g.nodes.size();
  bool any = false, any_update = false;
  for (const GNode& c : g.nodes) {
    any |= graph::is_window_base(c.op);
    any_update |= c.op == Op::Update;
  }
  if (!any) return;
  // Which operands will be placed with strides: window bases are placed before their operands,
  // so a walk from the last node sees each one's own placement first.
  std::vector<Placement> placed(n);
  std::vector<std::vector<Placement>> operand_at(n);
  std::vector<int32_t> uses(n, 0);
  for (const GNode& x : g.nodes)
    for (int a = 0; a < x.nargs; ++a) ++uses[x.args[a]];
  for (int32_t o : g.outputs) ++uses[o];
  for (size_t i = n; i-- > 0;) {
    const GNode& c = g.nodes[i];
    if (!graph::is_window_base(c.op)) continue;
    operand_at[i] = place_operands(g, c, placed[i]);
    for (int a = 0; a < c.nargs; ++a) {
      Placement p = operand_at[i][a];
      // An update's operand 0 is placed itself: its buffer is about to be written.
      const int32_t y = c.op == Op::Update && a == 0 ? c.args[a] : window_target(g, c.args[a], p);
      if (graph::is_window_base(g.nodes[y].op)) placed[y] = std::move(p);
    }
  }
  graph::Graph out;
  out.nodes.reserve(n + 8);
  out.visits = g.visits;
  out.values_used = g.values_used;
  std::vector<int32_t> index(n), old_of;
  std::vector<char> claimed;
  auto add = [&](GNode x, int32_t old) {
    const int32_t at = out.add(std::move(x));
    old_of.push_back(old);
    claimed.push_back(0);
    return at;
  };
  // Whether every node computed from `a` (in the graph as captured) other than update `u` is
  // `v` or one of the nodes v is computed from, within kMaxUpdateWalk nodes. Past a stored node
  // (a window base, or what the materialize pass stores) nothing needs checking: its users read
  // its buffer, they do not compute it again from a.
  // (Only updates ask: a graph of concatenations alone skips building these.)
  const size_t walked_nodes = any_update ? n : 0;
  std::vector<std::array<int32_t, 3>> operands(walked_nodes);
  std::vector<uint8_t> arity(walked_nodes);
  std::vector<std::vector<int32_t>> users(walked_nodes);
  std::vector<char> stored(
      walked_nodes);  // read from its own buffer by its users, never recomputed
  for (size_t i = 0; i < walked_nodes; ++i) {
    const GNode& x = g.nodes[i];
    arity[i] = x.nargs;
    stored[i] = graph::is_window_base(x.op) || (x.store && computed(x));
    for (int k = 0; k < x.nargs; ++k) {
      operands[i][static_cast<size_t>(k)] = x.args[k];
      users[static_cast<size_t>(x.args[k])].push_back(static_cast<int32_t>(i));
    }
  }
  std::vector<uint32_t> feeds_v(walked_nodes, 0);
  uint32_t stamp = 0;
  auto only_feeds = [&](int32_t a, int32_t u, int32_t v) {
    ++stamp;
    std::vector<int32_t> stack{v};
    feeds_v[static_cast<size_t>(v)] = stamp;
    int walked = 0;
    while (!stack.empty()) {  // v and what it is computed from, after a
      const int32_t x = stack.back();
      stack.pop_back();
      for (int k = 0; k < arity[static_cast<size_t>(x)]; ++k) {
        const int32_t y = operands[static_cast<size_t>(x)][static_cast<size_t>(k)];
        if (y <= a || feeds_v[static_cast<size_t>(y)] == stamp) continue;
        if (++walked > kMaxUpdateWalk) return false;
        feeds_v[static_cast<size_t>(y)] = stamp;
        stack.push_back(y);
      }
    }
    std::vector<int32_t> from_a{a};
    for (size_t k = 0; k < from_a.size(); ++k) {  // what is computed from a
      for (int32_t w : users[static_cast<size_t>(from_a[k])]) {
        if (w == u) continue;
        if (feeds_v[static_cast<size_t>(w)] != stamp) return false;
        if (stored[static_cast<size_t>(w)]) continue;  // its users read it, not a
        if (std::find(from_a.begin(), from_a.end(), w) != from_a.end()) continue;
        if (static_cast<int>(from_a.size()) > kMaxUpdateWalk) return false;
        from_a.push_back(w);
      }
    }
    return true;
  };
  // An update writes a's values and then v's into one buffer. That buffer is a's own (writable
  // data, payload v[1] = 1) or the one a's kernel stores into, when nothing but the update and
  // the nodes computing v reads a. Where one of those could read an element after the window
  // overwrote it (see readers_within), v is stored on its own first and copied into the window
  // after. Otherwise a is copied into the update's buffer (by the loop below).
  // Returns false for a donated update that would not run in place as it is (drop it).
  auto prepare_update = [&](GNode& c, int32_t old_a, int32_t old_v, int32_t old_u) {
    const int32_t a = c.args[0], v = c.args[1];
    const GNode& an = out.nodes[a];
    c.payload.v[1] = 0;
    const bool data = an.op == Op::Data && an.writable;
    bool in_place = data || (computed(an) && !claimed[a]);
    bool materialize = false;
    // Everything computed from a must feed v: a node computed from a that v does not need
    // could be computed (recomputed inline by its own consumers) after the window is written.
    if (in_place && uses[old_a] > 1 && !only_feeds(old_a, old_u, old_v)) in_place = false;
    if (in_place && uses[old_a] > 1) {
      const Readers r = readers_within(out, v, a, static_cast<int64_t>(c.payload.v[0]), c.strides,
                                       kMaxUpdateWalk);
      in_place = r.total == uses[old_a] - 1;
      materialize = r.unsafe > 0;
    }
    if (c.payload.v[2] && (!in_place || materialize)) return false;  // a donation declined
    if (!in_place) {
      c.args[0] = add(copy_of(an, a, c.loc), -1);
      claimed[c.args[0]] = 1;
      return true;
    }
    if (data)
      c.payload.v[1] = 1;
    else
      claimed[a] = 1;  // a's kernel (or a nested window base) stores into the update's buffer
    if (!materialize) return true;
    int32_t m = v;
    if (computed(out.nodes[v]) && !graph::is_window_base(out.nodes[v].op)) {
      out.nodes[v].store = true;
    } else if (!graph::is_window_base(out.nodes[v].op)) {
      m = add(copy_of(out.nodes[v], v, c.loc), -1);
      out.nodes[m].store = true;
    }
    c.args[1] = add(copy_of(out.nodes[m], m, c.loc), -1);
    return true;
  };
  for (size_t i = 0; i < n; ++i) {
    GNode c = std::move(g.nodes[i]);
    const int32_t old_args[3] = {c.args[0], c.args[1], c.args[2]};
    for (int a = 0; a < c.nargs; ++a) c.args[a] = index[c.args[a]];
    if (c.op == Op::Update &&
        !prepare_update(c, old_args[0], old_args[1], static_cast<int32_t>(i))) {
      index[i] = c.args[1];  // the donated output, computed into a buffer of its own
      continue;
    }
    if (graph::is_window_base(c.op)) {
      for (int a = 0; a < c.nargs; ++a) {
        const GNode& x = out.nodes[c.args[a]];
        if (x.shape.size() == 0) continue;           // nothing to store
        if (c.op == Op::Update && a == 0) continue;  // prepare_update placed it
        // A strided window: the target (and the reshape before it) has no other reader.
        Placement p = operand_at[i][a];
        const bool strided = !p.contiguous();
        const int32_t target = window_target(out, c.args[a], p);
        const GNode& t = out.nodes[target];
        bool ok = computed(t) && !claimed[target];
        ok &= t.op != Op::Update;  // an update only nests as another one's operand 0
        // An update's value is written after the buffer's old values, so nothing may read it
        // back from there (a reader could run before it is written): it has no other reader.
        if (ok && (strided || c.op == Op::Update)) {
          const int32_t old = old_of[target];
          ok = (old < 0 || (uses[old] == 1 && (target == c.args[a] || uses[old_args[a]] == 1))) &&
               !graph::is_reduction(t.op);
        }
        if (ok) {
          claimed[target] = 1;
          continue;
        }
        c.args[a] = add(copy_of(x, c.args[a], c.loc), -1);
        claimed[c.args[a]] = 1;
      }
    }
    index[i] = add(std::move(c), static_cast<int32_t>(i));
  }
  for (int32_t& o : out.outputs = g.outputs) o = index[o];
  g = std::move(out);
}

}  // namespace kiln::passes
