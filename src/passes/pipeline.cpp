#include "passes/pipeline.hpp"

#include <cstdio>

#include "passes/cse.hpp"
#include "passes/dce.hpp"
#include "passes/fold_constants.hpp"
#include "passes/materialize.hpp"
#include "passes/push_views.hpp"
#include "passes/simplify.hpp"
#include "passes/windows.hpp"

namespace kiln::passes {

namespace {
struct Step {
  const char* name;
  void (*run)(graph::Graph&);
};

// The order matters: the store-or-recompute policy decides first (views must not move through
// what it stores), views move to the leaves (which can turn a view of a constant into a
// constant), folding exposes simplifications, both can make nodes equal, dead nodes are swept,
// and the concatenations' operands are made ready to be stored in place last.
constexpr Step kSteps[] = {
    {"materialize", [](graph::Graph& g) { g.visits += materialize(g); }},
    {"push_views", push_views},
    {"fold_constants", fold_constants},
    {"simplify", simplify},
    {"cse", cse},
    {"dce", dce},
    {"windows", windows},
};
}  // namespace

void run_pipeline(graph::Graph& g, bool dump) {
  if (dump) std::fprintf(stderr, "--- captured\n%s", graph::to_text(g).c_str());
  for (const Step& s : kSteps) {
    s.run(g);
    g.visits += g.nodes.size();
    if (dump) std::fprintf(stderr, "--- after %s\n%s", s.name, graph::to_text(g).c_str());
  }
}

}  // namespace kiln::passes
