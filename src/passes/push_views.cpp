#include "passes/push_views.hpp"

#include <map>
#include <tuple>
#include <vector>

#include "graph/view.hpp"

namespace kiln::passes {

namespace {

using graph::Dims;
using graph::GNode;
using graph::Layout;
using graph::Op;

// Deep enough for any real expression; deeper views are materialized instead of pushed.
constexpr int kMaxDepth = 64;

class ViewPusher {
 public:
  explicit ViewPusher(graph::Graph& out) : out_(out) {}

  // Index in `out_` of node `x` seen through a view (shape, layout over x's flat index).
  int32_t place(int32_t x, const Dims& shape, const Layout& layout, graph::SourceLoc loc,
                int depth) {
    const GNode& xn = out_.nodes[x];
    if (graph::is_identity(shape, layout, xn.shape)) return x;
    auto key = std::make_tuple(x, std::vector<int64_t>(shape.begin(), shape.end()),
                               std::vector<int64_t>(layout.strides.begin(), layout.strides.end()),
                               layout.offset);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    const int32_t result = place_uncached(x, shape, layout, loc, depth);
    memo_.emplace(std::move(key), result);
    return result;
  }

 private:
  int32_t add_view(int32_t x, const Dims& shape, const Layout& layout, graph::SourceLoc loc) {
    GNode v;
    v.op = Op::View;
    v.dtype = out_.nodes[x].dtype;
    v.nargs = 1;
    v.args[0] = x;
    v.shape = shape;
    v.strides = layout.strides;
    v.payload.v[0] = static_cast<uint64_t>(layout.offset);
    v.loc = loc;
    return out_.add(std::move(v));
  }

  int32_t place_uncached(int32_t x, const Dims& shape, const Layout& layout, graph::SourceLoc loc,
                         int depth) {
    const GNode xn = out_.nodes[x];  // a copy: adding nodes reallocates
    if (xn.op == Op::Full) {
      GNode f = xn;
      f.shape = shape;
      return out_.add(std::move(f));
    }
    if (xn.op == Op::View) {
      Layout composed;
      const Layout inner{static_cast<int64_t>(xn.payload.v[0]), xn.strides};
      if (graph::compose(shape, layout, xn.shape, inner, composed))
        return place(xn.args[0], shape, composed, loc, depth);
      return add_view(x, shape, layout, loc);
    }
    // A node the materialize pass stores is read through the view, not recomputed.
    if (!graph::is_elementwise(xn.op) || xn.store || depth >= kMaxDepth)
      return add_view(x, shape, layout, loc);
    // An elementwise op commutes with the view once each operand is seen through its own
    // broadcast into the op's shape.
    Layout through[3];
    for (int a = 0; a < xn.nargs; ++a) {
      const GNode& arg = out_.nodes[xn.args[a]];
      if (!graph::compose(shape, layout, xn.shape, graph::broadcast_view(arg.shape, xn.shape),
                          through[a]))
        return add_view(x, shape, layout, loc);
    }
    GNode op = xn;
    op.shape = shape;
    for (int a = 0; a < xn.nargs; ++a) {
      const int32_t arg = xn.args[a];
      op.args[a] = place(arg, shape, through[a], loc, depth + 1);
    }
    return out_.add(std::move(op));
  }

  graph::Graph& out_;
  std::map<std::tuple<int32_t, std::vector<int64_t>, std::vector<int64_t>, int64_t>, int32_t> memo_;
};

}  // namespace

void push_views(graph::Graph& g) {
  bool any = false;
  for (const GNode& n : g.nodes) any |= n.op == Op::View;
  if (!any) return;
  graph::Graph out;
  out.nodes.reserve(g.nodes.size() * 2);
  std::vector<int32_t> index(g.nodes.size());
  ViewPusher pusher(out);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    GNode n = std::move(g.nodes[i]);
    for (int a = 0; a < n.nargs; ++a) n.args[a] = index[n.args[a]];
    if (n.op == Op::View) {
      index[i] = pusher.place(n.args[0], n.shape, {static_cast<int64_t>(n.payload.v[0]), n.strides},
                              n.loc, 0);
    } else {
      index[i] = out.add(std::move(n));
    }
  }
  for (int32_t& o : out.outputs = g.outputs) o = index[o];
  out.visits = g.visits + out.nodes.size();
  g = std::move(out);
}

}  // namespace kiln::passes
