#include "schedule/schedule.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "graph/view.hpp"
#include "kiln/error.hpp"
#include "passes/materialize.hpp"
#include "passes/windows.hpp"
#include "schedule/lower.hpp"

namespace kiln::schedule {

using graph::Dims;
using graph::GNode;
using graph::Op;

bool is_contiguous_view(const GNode& v) {
  return v.op == Op::View && graph::walks_in_order(v.shape, v.strides);
}

namespace {

class Planner {
 public:
  explicit Planner(const graph::Graph& g)
      : g_(g),
        n_(g.nodes.size()),
        stored_(n_, 0),
        stage_(n_, 0),
        post_of_(n_, -1),

        seen_(2 * n_, 0),
        window_(n_),
        donor_(n_, -1),
        first_part_of_(n_, -1) {}

  Plan run() {
    mark_required();
    while (settle()) {
    }
    compute_stages();
    Plan plan = lower_groups();
    plan.visits = visits_;
    return plan;
  }

 private:
  bool leafish(int32_t i) const {
    const Op op = g_.nodes[i].op;
    return op == Op::Data || graph::is_leaf(op);
  }
  bool data_view(int32_t i) const {
    const GNode& v = g_.nodes[i];
    return v.op == Op::View && g_.nodes[v.args[0]].op == Op::Data;
  }

  // A fresh mark for seen_ (walks mark nodes with it instead of clearing a vector each time,
  // which would make the planner quadratic in the graph's size).
  uint32_t next_mark() {
    if (++mark_ == 0) {
      std::fill(seen_.begin(), seen_.end(), 0);
      mark_ = 1;
    }
    return mark_;
  }

  // Window bases (concatenations, updates) are stored (their operands' kernels fill them) and
  // their operands go into windows of the outermost one's buffer: users come after operands, so
  // a walk from the last node places each base before its operands.
  void place_windows() {
    for (size_t i = n_; i-- > 0;) {
      const GNode& c = g_.nodes[i];
      if (!graph::is_window_base(c.op) || c.shape.size() == 0) continue;
      stored_[i] = 1;
      const bool nested = window_[i].base >= 0;
      const int32_t base = nested ? window_[i].base : static_cast<int32_t>(i);
      const passes::Placement at =
          nested ? passes::Placement{window_[i].offset, window_[i].strides} : passes::Placement{};
      std::vector<passes::Placement> operands = passes::place_operands(g_, c, at);
      if (c.op == Op::Update && c.payload.v[1]) donor_[base] = g_.nodes[c.args[0]].source;
      int32_t first = -1;  // an update's node storing operand 0
      for (int a = 0; a < c.nargs; ++a) {
        const int32_t x = c.args[a];
        if (g_.nodes[x].shape.size() == 0) continue;
        if (c.op == Op::Update && a == 0 && c.payload.v[1]) continue;  // a's own buffer
        // Through a reshape (stack's rows), with the placement in the target's dimensions; an
        // update's operand 0 as it is (passes/windows.hpp).
        const int32_t y =
            c.op == Op::Update && a == 0 ? x : passes::window_target(g_, x, operands[a]);
        window_[y] = {base, operands[a].offset, std::move(operands[a].strides)};
        stored_[y] = 1;
        if (c.op == Op::Update && a == 1 && first >= 0) first_part_of_[y] = first;
        if (c.op == Op::Update && a == 0) first = y;
      }
    }
  }

  // Outputs, what the materialize pass stores, broadcast intermediates, and operands of views
  // that are not leaves.
  void mark_required() {
    place_windows();
    for (int32_t o : g_.outputs) {
      const GNode& n = g_.nodes[o];
      const bool alias = data_view(o) && is_contiguous_view(n);
      if (n.op != Op::Data && !alias && n.shape.size() > 0) stored_[o] = 1;
    }
    for (size_t i = 0; i < n_; ++i) {
      const GNode& user = g_.nodes[i];
      ++visits_;
      if (user.store && !leafish(static_cast<int32_t>(i)) && user.op != Op::View &&
          user.shape.size() > 0)
        stored_[i] = 1;
      for (int a = 0; a < user.nargs; ++a) {
        const int32_t arg = user.args[a];
        // A gather reads its operand at data-dependent positions and its indices through a
        // broadcast: both come from memory (a creation function too, unless it is the indices).
        // Indices that are a contiguous run of data (`indices[lo:hi]`) are read where they are.
        if (graph::is_gather(user.op) && g_.nodes[arg].op != Op::Data &&
            g_.nodes[arg].shape.size() > 0 && (a == 0 || !leafish(arg)) &&
            !(a == 1 && data_view(arg) && is_contiguous_view(g_.nodes[arg]))) {
          stored_[arg] = 1;
          continue;
        }
        if (leafish(arg) || g_.nodes[arg].shape.size() == 0) continue;
        if (user.op == Op::View)
          stored_[arg] = 1;
        else if (graph::is_elementwise(user.op) && g_.nodes[arg].op != Op::View &&
                 g_.nodes[arg].shape.size() < user.shape.size())
          stored_[arg] = 1;  // a view is read through strides; its operand decides for itself
      }
    }
  }

  // The reductions a kernel computing `from` would meet while fusing: a walk through operands
  // that are neither stored, leaves nor views (those are read from memory).
  std::vector<int32_t> fused_reductions(int32_t from) {
    std::vector<int32_t> found, stack{from};
    const uint32_t mark = next_mark();
    while (!stack.empty()) {
      const int32_t i = stack.back();
      stack.pop_back();
      const GNode& n = g_.nodes[i];
      for (int a = 0; a < n.nargs; ++a) {
        const int32_t arg = n.args[a];
        ++visits_;
        if (seen_[2 * arg] == mark || stored_[arg] || leafish(arg)) continue;
        seen_[2 * arg] = mark;
        if (graph::is_reduction(g_.nodes[arg].op))
          found.push_back(arg);
        else if (g_.nodes[arg].op != Op::View)
          stack.push_back(arg);
      }
    }
    return found;
  }

  bool same_group(int32_t r1, int32_t r2) const {
    const GNode &a = g_.nodes[r1], &b = g_.nodes[r2];
    return a.payload.v[0] == b.payload.v[0] &&
           g_.nodes[a.args[0]].shape == g_.nodes[b.args[0]].shape;
  }

  // One round of fusion decisions; returns true when something more had to be stored.
  bool settle() {
    bool changed = false;
    for (size_t i = 0; i < n_; ++i) {
      if (!stored_[i]) continue;
      const GNode& n = g_.nodes[i];
      if (graph::is_reduction(n.op)) {
        // A reduction cannot compute another reduction inline: that one is stored first.
        for (int32_t r : fused_reductions(static_cast<int32_t>(i)))
          changed |= !std::exchange(stored_[r], 1);
        continue;
      }
      const std::vector<int32_t> reds = fused_reductions(static_cast<int32_t>(i));
      post_of_[i] = -1;
      if (reds.empty()) continue;
      // Elementwise ops on reduction results of one group, in the results' own shape, are
      // computed in that reduction's finish (unless they go to a strided window, which only
      // map kernels write); anything else needs the results stored.
      bool fusable = !window_[i].strided();
      for (int32_t r : reds) fusable &= same_group(r, reds[0]) && g_.nodes[r].shape == n.shape;
      if (fusable) {
        post_of_[i] = reds[0];
        // Those reductions run in this kernel too: what their operands reduce is stored first.
        for (int32_t r : reds)
          for (int32_t inner : fused_reductions(r)) changed |= !std::exchange(stored_[inner], 1);
      } else {
        for (int32_t r : reds) changed |= !std::exchange(stored_[r], 1);
      }
    }
    return changed;
  }

  // What identifies a kernel: its kind and iteration space, and for a reduction the reduced
  // axes and the results' shape.
  struct Key {
    bool reduce = false;
    Dims shape;
    uint64_t mask = 0;
    Dims result;
    friend bool operator==(const Key&, const Key&) = default;
  };

  static uint64_t hash_of(const Key& k, int stage) {
    uint64_t h = static_cast<uint64_t>(stage) * 0x9e3779b97f4a7c15ull ^ k.mask ^ k.reduce;
    for (int64_t e : k.shape) h = (h ^ static_cast<uint64_t>(e)) * 0x100000001b3ull;
    for (int64_t e : k.result) h = (h ^ static_cast<uint64_t>(e)) * 0x100000001b3ull;
    return h;
  }

  Key key_of(int32_t i) const {
    const int32_t red = graph::is_reduction(g_.nodes[i].op) ? i : post_of_[i];
    if (red < 0) return {false, g_.nodes[i].shape, 0, {}};
    const GNode& r = g_.nodes[red];
    return {true, g_.nodes[r.args[0]].shape, r.payload.v[0], r.shape};
  }

  // Stage of every stored node and reduction: a kernel reads only results of earlier stages.
  // A stored node read by a kernel of its own key, outside any reduction's operand, is computed
  // in that same kernel (one kernel with several outputs), unless the materialize pass stored
  // it; anything else waits a stage.
  // An update's operand 1 is stored through its window only once operand 0 has filled the
  // buffer: the stage of the node storing it is at least that of the node storing operand 0,
  // plus one when that is a kernel's result (a nested window base's stage already comes after
  // its own parts).
  int after_first_part(int32_t i) const {
    const int32_t first = first_part_of_[i];
    if (first < 0) return 0;
    return stage_[first] + (graph::is_window_base(g_.nodes[first].op) ? 0 : 1);
  }

  void compute_stages() {
    std::fill(stage_.begin(), stage_.end(), 0);
    // One sweep in node order gives every stage, except that an update's operand 1 may come
    // before its operand 0 in the graph: then sweep again until the order holds (stages only
    // grow, so this ends; a graph without updates takes one sweep).
    for (size_t sweeps = 0, again = 1; again; ++sweeps) {
      // Each sweep settles at least one more node for good: more than n_ means a cycle.
      if (sweeps > n_) throw kiln::Error("internal error: the stages of updates do not settle");
      sweep_stages();
      again = false;
      for (size_t i = 0; i < n_ && !again; ++i)
        again = first_part_of_[i] >= 0 && stage_[i] < after_first_part(static_cast<int32_t>(i));
    }
    // A post-op runs in its reductions' finish, so it must be ready at their stage; one that
    // waits for a later result gets its reductions stored and becomes a map kernel.
    bool demoted = false;
    for (size_t i = 0; i < n_; ++i) {
      if (!stored_[i] || post_of_[i] < 0 || stage_[i] == stage_[post_of_[i]]) continue;
      for (int32_t r : fused_reductions(static_cast<int32_t>(i))) stored_[r] = 1;
      demoted = true;
    }
    if (demoted) {
      while (settle()) {
      }
      compute_stages();
    }
  }

  void sweep_stages() {
    for (size_t i = 0; i < n_; ++i) {
      const bool reduction = graph::is_reduction(g_.nodes[i].op);
      if (!stored_[i] && !reduction) continue;
      const Key key = key_of(static_cast<int32_t>(i));
      int stage = 0;
      std::vector<std::pair<int32_t, bool>> stack;  // (node, inside a reduction's operand)
      const uint32_t mark = next_mark();
      auto push_args = [&](int32_t node, bool inside) {
        const GNode& n = g_.nodes[node];
        // A gather's operands, and a view's, are read at other positions than the one being
        // computed: like a reduction's, they must be complete before the kernel starts. So must
        // a concatenation's, which are its contents.
        const bool elsewhere =
            graph::is_gather(n.op) || n.op == Op::View || graph::is_window_base(n.op);
        for (int a = 0; a < n.nargs; ++a) stack.push_back({n.args[a], inside || elsewhere});
      };
      push_args(static_cast<int32_t>(i), reduction);
      while (!stack.empty()) {
        const auto [node, inside] = stack.back();
        stack.pop_back();
        ++visits_;
        if (std::exchange(seen_[2 * node + inside], mark) == mark) continue;
        if (stored_[node]) {
          // What the materialize pass stores is read from memory, never recomputed inline: that
          // is what bounds a kernel's size.
          const bool later = inside || g_.nodes[node].store || !(key_of(node) == key);
          stage = std::max(stage, stage_[node] + (later ? 1 : 0));
          continue;
        }
        push_args(node, inside || graph::is_reduction(g_.nodes[node].op));
      }
      stage_[i] = std::max(stage, after_first_part(static_cast<int32_t>(i)));
    }
  }

  // True when map stores can run in a reduction's walk: each in a buffer of its own (a window
  // of a concatenation or an update is written in another order, or over the data read).
  bool maps_alongside(const std::vector<int32_t>& stores) const {
    return !stores.empty() && std::all_of(stores.begin(), stores.end(), [&](int32_t s) {
      return window_[s].base < 0 && g_.nodes[s].shape.size() > 0;
    });
  }

  Plan lower_groups() {
    struct Group {
      Key key;
      int stage;
      std::vector<int32_t> stores;
    };
    std::vector<Group> groups;
    // The open group of each (stage, key), found by a hash of both: a full group (at
    // kMaxKernelOutputs stores) is closed and the next store opens another.
    std::unordered_multimap<uint64_t, size_t> open;
    for (size_t i = 0; i < n_; ++i) {
      if (!stored_[i] || graph::is_window_base(g_.nodes[i].op)) continue;  // filled by others
      ++visits_;
      const Key key = key_of(static_cast<int32_t>(i));
      const int32_t red =
          graph::is_reduction(g_.nodes[i].op) ? static_cast<int32_t>(i) : post_of_[i];
      const int stage = stage_[red >= 0 ? red : static_cast<int32_t>(i)];
      const uint64_t h = hash_of(key, stage);
      size_t at = groups.size();
      for (auto [it, end] = open.equal_range(h); it != end; ++it)
        if (groups[it->second].stage == stage && groups[it->second].key == key) at = it->second;
      if (at == groups.size() || groups[at].stores.size() >= passes::kMaxKernelOutputs) {
        for (auto [it, end] = open.equal_range(h); it != end; ++it)
          if (it->second == at) {
            open.erase(it);
            break;
          }
        open.emplace(h, groups.size());
        groups.push_back({key, stage, {static_cast<int32_t>(i)}});
      } else {
        groups[at].stores.push_back(static_cast<int32_t>(i));
      }
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const Group& a, const Group& b) { return a.stage < b.stage; });
    // A map over the elements that a full reduction of the same stage reduces runs in that
    // reduction's walk (neither reads the other's results, or their stages would differ): the
    // inputs they share are read once (a value and its gradients: sum(f(x)) and f'(x)). Only
    // full reductions: a reduction with many outputs walks short rows one element at a time,
    // where a map of its own would be vectorized.
    std::vector<std::vector<int32_t>> element_stores(groups.size());
    for (size_t m = 0; m < groups.size(); ++m) {
      if (groups[m].key.reduce || !maps_alongside(groups[m].stores)) continue;
      for (size_t r = 0; r < groups.size(); ++r) {
        const Group& red = groups[r];
        if (!red.key.reduce || red.stage != groups[m].stage ||
            red.key.shape != groups[m].key.shape || red.key.result.size() != 1 ||
            !reduction_walks_in_order(red.key.shape, red.key.mask) ||
            red.stores.size() + element_stores[r].size() + groups[m].stores.size() >
                passes::kMaxKernelOutputs)
          continue;
        element_stores[r].insert(element_stores[r].end(), groups[m].stores.begin(),
                                 groups[m].stores.end());
        groups[m].stores.clear();
        break;
      }
    }
    Plan plan;
    for (int32_t o : g_.outputs) {
      const GNode& n = g_.nodes[o];
      OutputRef r;
      r.dtype = n.dtype;
      if (stored_[o]) {
        r.kind = OutputRef::Kind::produced;
        r.node = o;
      } else if (n.op == Op::Data) {
        r.kind = OutputRef::Kind::data;
        r.node = n.source;
      } else if (data_view(o) && is_contiguous_view(n)) {
        r.kind = OutputRef::Kind::alias;
        r.node = g_.nodes[n.args[0]].source;
        r.offset = static_cast<int64_t>(n.payload.v[0]);
      }
      plan.outputs.push_back(r);
    }
    // A window base is read from its buffer: its stage comes after its operands' kernels.
    std::vector<char> stored_earlier(n_, 0);
    for (size_t i = 0; i < n_; ++i) {
      const GNode& c = g_.nodes[i];
      if (!graph::is_window_base(c.op) || !stored_[i]) continue;
      stored_earlier[i] = 1;
      if (window_[i].base < 0)
        plan.window_bases.push_back({static_cast<int32_t>(i), c.shape.size(), c.dtype, donor_[i]});
      else if (!window_[i].strided())
        plan.window_aliases.push_back({static_cast<int32_t>(i), window_[i], c.dtype});
    }
    for (size_t k = 0; k < groups.size(); ++k) {
      const Group& gr = groups[k];
      if (gr.stores.empty()) continue;  // merged into a reduction
      plan.kernels.push_back(
          gr.key.reduce ? lower_reduce_kernel(g_, gr.stores, gr.key.shape, gr.key.mask,
                                              stored_earlier, window_, element_stores[k])
                        : lower_kernel(g_, gr.stores, gr.key.shape, stored_earlier, window_));
      for (int32_t s : gr.stores) stored_earlier[s] = 1;
      for (int32_t s : element_stores[k]) stored_earlier[s] = 1;
    }
    // A node stored in a concatenation's buffer needs a buffer handle of its own (a view of the
    // concatenation's) only when it is read back.
    std::vector<char> read(n_, 0);
    for (const KernelLaunch& k : plan.kernels)
      for (const InputRef& in : k.inputs)
        if (in.produced_by >= 0) read[in.produced_by] = 1;
    for (const OutputRef& o : plan.outputs)
      if (o.kind == OutputRef::Kind::produced) read[o.node] = 1;
    for (KernelLaunch& k : plan.kernels)
      for (size_t o = 0; o < k.windows.size(); ++o) k.windows[o].read_back = read[k.stores[o]];
    return plan;
  }

  const graph::Graph& g_;
  const size_t n_;
  std::vector<char> stored_;
  std::vector<int> stage_;
  std::vector<int32_t> post_of_;  // stored elementwise node -> a reduction of its group, or -1
  std::vector<uint32_t> seen_;    // walk marks (two per node: compute_stages walks each twice)
  std::vector<Window> window_;    // where each node is stored (see place_windows)
  std::vector<int32_t> donor_;    // window base -> captured-graph index of the data it reuses
  // The node storing an update's operand 1 -> the node storing its operand 0, or -1.
  std::vector<int32_t> first_part_of_;
  uint32_t mark_ = 0;
  uint64_t visits_ = 0;
};

}  // namespace

Plan make_plan(const graph::Graph& g) {
  return Planner(g).run();
}

}  // namespace kiln::schedule
