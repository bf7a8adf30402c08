#include "passes/materialize.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "graph/view.hpp"

namespace kiln::passes {

namespace {

using graph::Dims;
using graph::GNode;
using graph::Op;

constexpr uint32_t kCostCap = 1u << 24;  // saturate: a cost this large is "expensive" anyway
constexpr int kTrackedMaps = 4;          // more distinct maps than this count as this many

uint32_t add_capped(uint32_t a, uint32_t b) {
  return std::min(kCostCap, a + b);
}

// Rule 2's equality: the walk a use makes over the node's flat index, as a hash of (extents,
// strides, offset) with extent-1 dimensions dropped.
uint64_t walk_hash(const Dims& shape, const graph::Layout& layout) {
  uint64_t h = 0x84222325cbf29ce4ull ^ static_cast<uint64_t>(layout.offset);
  auto mix = [&h](uint64_t v) {
    h = (h ^ v) * 0x100000001b3ull;
    h ^= h >> 29;
  };
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape[d] == 1) continue;
    mix(static_cast<uint64_t>(shape[d]));
    mix(static_cast<uint64_t>(layout.strides[d]));
  }
  return h;
}

// The distinct index maps a node is read through (up to kTrackedMaps of them).
struct Maps {
  std::array<uint64_t, kTrackedMaps> seen{};
  uint8_t count = 0;
  void add(uint64_t h) {
    for (int i = 0; i < count; ++i)
      if (seen[i] == h) return;
    if (count < kTrackedMaps) seen[count++] = h;
  }
};

class Materializer {
 public:
  explicit Materializer(graph::Graph& g)
      : g_(g), n_(g.nodes.size()), maps_(n_), cost_(n_, 0), cone_(n_), stored_(n_, 0) {}

  uint64_t run() {
    collect_maps();
    // The scheduler stores the outputs anyway: consumers load them, but they are not the
    // policy's (a consumer of the same kernel may compute an output inline).
    for (int32_t o : g_.outputs) stored_[o] = 1;
    std::vector<char> output = stored_;
    for (size_t i = 0; i < n_; ++i) decide(static_cast<int32_t>(i));
    for (size_t i = 0; i < n_; ++i)
      if (stored_[i] && !output[i] && computed(static_cast<int32_t>(i))) g_.nodes[i].store = true;
    return visits_;
  }

 private:
  // A node the policy may store: computed by a kernel (not data, a leaf or a view) and not
  // empty.
  bool computed(int32_t i) const {
    const GNode& n = g_.nodes[i];
    return n.op != Op::Data && !graph::is_leaf(n.op) && n.op != Op::View && n.shape.size() > 0;
  }

  void collect_maps() {
    for (size_t u = 0; u < n_; ++u) {
      const GNode& user = g_.nodes[u];
      for (int a = 0; a < user.nargs; ++a) {
        ++visits_;
        const GNode& x = g_.nodes[user.args[a]];
        if (graph::is_gather(user.op) || graph::is_library(user.op)) continue;  // stored anyway
        uint64_t h;
        if (user.op == Op::View)
          h = walk_hash(user.shape, {static_cast<int64_t>(user.payload.v[0]), user.strides});
        else if (graph::is_elementwise(user.op) && x.shape != user.shape)
          h = walk_hash(user.shape, graph::broadcast_view(x.shape, user.shape));
        else
          h = walk_hash(x.shape, graph::identity_layout(x.shape));
        maps_[user.args[a]].add(h);
      }
    }
  }

  // What operand `a` adds to a consumer's fused expression: itself once stored (a load), its
  // own expression otherwise (a view: itself and its operand's). Views chains are walked
  // iteratively.
  void contribution(int32_t a, std::vector<int32_t>& out) const {
    while (true) {
      out.push_back(a);
      const GNode& n = g_.nodes[a];
      if (n.op == Op::View) {
        a = n.args[0];
        continue;
      }
      if (!stored_[a]) out.insert(out.end(), cone_[a].begin(), cone_[a].end());
      return;
    }
  }
  // Recompute cost of reading operand `a` once (rule 3).
  uint32_t read_cost(int32_t a) const {
    while (g_.nodes[a].op == Op::View) a = g_.nodes[a].args[0];
    return stored_[a] ? 0 : cost_[a];
  }
  // The computed node behind operand `a` (through views), or -1.
  int32_t root(int32_t a) const {
    while (g_.nodes[a].op == Op::View) a = g_.nodes[a].args[0];
    return computed(a) && !stored_[a] ? a : -1;
  }

  void fuse(int32_t i, std::vector<int32_t>& cone) {
    const GNode& n = g_.nodes[i];
    cone.clear();
    for (int a = 0; a < n.nargs; ++a) contribution(n.args[a], cone);
    std::sort(cone.begin(), cone.end());
    cone.erase(std::unique(cone.begin(), cone.end()), cone.end());
    visits_ += cone.size();
  }

  void decide(int32_t i) {
    const GNode& n = g_.nodes[i];
    ++visits_;
    if (n.op == Op::Data || n.op == Op::View) return;  // views are walked through by users
    std::vector<int32_t>& cone = cone_[i];
    fuse(i, cone);
    // Rule 4: too large a fused expression stores its largest operands until it fits.
    while (cone.size() + 1 > kMaxFusedNodes) {
      int32_t largest = -1;
      for (int a = 0; a < n.nargs; ++a) {
        const int32_t r = root(n.args[a]);
        if (r >= 0 && (largest < 0 || cone_[r].size() > cone_[largest].size())) largest = r;
      }
      if (largest < 0) break;  // only loads and leaves left: nothing to cut
      stored_[largest] = 1;
      fuse(i, cone);
    }
    uint32_t cost = graph::op_info(n.op).cost;
    for (int a = 0; a < n.nargs; ++a) cost = add_capped(cost, read_cost(n.args[a]));
    cost_[i] = cost;
    // Rule 2: several index maps, and more recomputation than the budget allows.
    const uint32_t maps = maps_[i].count;
    if (computed(i) && maps >= 2 && static_cast<uint64_t>(cost) * maps > kRecomputeBudget)
      stored_[i] = 1;
    if (stored_[i]) std::vector<int32_t>().swap(cone);  // consumers load it
  }

  graph::Graph& g_;
  const size_t n_;
  std::vector<Maps> maps_;
  std::vector<uint32_t> cost_;              // rule 3, for unstored nodes
  std::vector<std::vector<int32_t>> cone_;  // rule 4: nodes fused into each (itself excluded)
  std::vector<char> stored_;
  uint64_t visits_ = 0;
};

}  // namespace

uint64_t materialize(graph::Graph& g) {
  return Materializer(g).run();
}

}  // namespace kiln::passes
