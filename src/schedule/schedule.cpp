#include "schedule/schedule.hpp"

#include <algorithm>

#include "schedule/lower.hpp"

namespace kiln::schedule {

using graph::GNode;
using graph::Op;

Plan make_plan(const graph::Graph& g) {
  const size_t n = g.nodes.size();
  // 1. What gets stored: every output that is not already data, and every computed node that
  //    some user broadcasts into a larger iteration space (inlining it would redo its work
  //    for each repetition).
  std::vector<char> stored(n, 0);
  for (int32_t o : g.outputs)
    if (g.nodes[o].op != Op::Data && g.nodes[o].shape.size() > 0) stored[o] = 1;
  for (size_t i = 0; i < n; ++i) {
    const GNode& user = g.nodes[i];
    for (int a = 0; a < user.nargs; ++a) {
      const GNode& arg = g.nodes[user.args[a]];
      if (!graph::is_leaf(arg.op) && arg.shape.size() < user.shape.size() && arg.shape.size() > 0)
        stored[user.args[a]] = 1;
    }
  }

  // 2. One kernel per distinct shape. A stored node only feeds larger kernels, so running the
  //    groups by increasing size respects every dependency.
  struct Group {
    graph::Dims shape;
    std::vector<int32_t> stores;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < n; ++i) {
    if (!stored[i]) continue;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& gr) { return gr.shape == g.nodes[i].shape; });
    if (it == groups.end())
      groups.push_back({g.nodes[i].shape, {static_cast<int32_t>(i)}});
    else
      it->stores.push_back(static_cast<int32_t>(i));
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) { return a.shape.size() < b.shape.size(); });

  // 3. Lower each group; its stores become loads for the groups after it.
  Plan plan;
  std::vector<char> stored_earlier(n, 0);
  for (const Group& gr : groups) {
    plan.kernels.push_back(lower_kernel(g, gr.stores, gr.shape, stored_earlier));
    for (int32_t s : gr.stores) stored_earlier[s] = 1;
  }
  return plan;
}

}  // namespace kiln::schedule
