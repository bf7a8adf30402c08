#pragma once

#include <cstdint>

#include "graph/graph.hpp"
#include "passes/rules.hpp"

namespace kiln::passes {

/// How the passes run.
struct PipelineOptions {
  OptimizeLevel optimize = OptimizeLevel::full;  ///< which rewrite rules run (KILN_OPTIMIZE)
  bool dump = false;          ///< print the graph after each step (KILN_DUMP_PASSES=1)
  bool log_rewrites = false;  ///< print each rule that fired (KILN_LOG=rewrites)
};

/// What the rewrite rules did in one run of the pipeline.
struct RewriteReport {
  uint64_t fired = 0;  ///< rules that fired
  double seconds = 0;  ///< time spent in the rule engine
};

/// Runs the passes in order on the captured graph.
RewriteReport run_pipeline(graph::Graph& g, const PipelineOptions& options);

}  // namespace kiln::passes
