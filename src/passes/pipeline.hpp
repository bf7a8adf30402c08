#pragma once

#include "graph/graph.hpp"

namespace kiln::passes {

/// Runs the passes in order on the captured graph. With `dump` set, prints the graph after each
/// step to stderr (KILN_DUMP_PASSES=1).
void run_pipeline(graph::Graph& g, bool dump);

}  // namespace kiln::passes
