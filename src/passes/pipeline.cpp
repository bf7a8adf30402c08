#include "passes/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "passes/cse.hpp"
#include "passes/dce.hpp"
#include "passes/fold_constants.hpp"
#include "passes/materialize.hpp"
#include "passes/push_views.hpp"
#include "passes/windows.hpp"

namespace kiln::passes {

namespace {
struct Run {
  const PipelineOptions& options;
  RewriteReport report;
};

struct Step {
  const char* name;
  void (*run)(graph::Graph&, Run&);
};

void timed_rules(graph::Graph& g, Run& run, OptimizeLevel level) {
  const auto start = std::chrono::steady_clock::now();
  run.report.fired += apply_rules(g, level, run.options.log_rewrites).size();
  run.report.seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void rules(graph::Graph& g, Run& run) {
  timed_rules(g, run, run.options.optimize);
}

// After folding, only the exact rules run again (a folded constant can be a 1): the accuracy
// rules' stable forms are final, and must not be matched again.
void exact_rules(graph::Graph& g, Run& run) {
  timed_rules(g, run, std::min(run.options.optimize, OptimizeLevel::exact));
}

// The order matters: the rewrite rules run on the graph as captured (their patterns are the
// formulas users write, and the store-or-recompute policy should judge the rewritten graph);
// the store-or-recompute policy decides before views move (views must not move through what it
// stores); views move to the leaves (which can turn a view of a constant into a constant);
// folding exposes more rewrites (the exact rules run again); both can make nodes equal, dead nodes
// are swept, and the concatenations' operands are made ready to be stored in place last.
constexpr Step kSteps[] = {
    {"rules", rules},
    {"materialize", [](graph::Graph& g, Run&) { g.visits += materialize(g); }},
    {"push_views", [](graph::Graph& g, Run&) { push_views(g); }},
    {"fold_constants", [](graph::Graph& g, Run&) { fold_constants(g); }},
    {"exact_rules", exact_rules},
    {"cse", [](graph::Graph& g, Run&) { cse(g); }},
    {"dce", [](graph::Graph& g, Run&) { dce(g); }},
    {"windows", [](graph::Graph& g, Run&) { windows(g); }},
};
}  // namespace

RewriteReport run_pipeline(graph::Graph& g, const PipelineOptions& options) {
  Run run{options, {}};
  if (options.dump) std::fprintf(stderr, "--- captured\n%s", graph::to_text(g).c_str());
  for (const Step& s : kSteps) {
    s.run(g, run);
    g.visits += g.nodes.size();
    if (options.dump) std::fprintf(stderr, "--- after %s\n%s", s.name, graph::to_text(g).c_str());
  }
  return run.report;
}

}  // namespace kiln::passes
