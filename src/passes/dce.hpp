#pragma once

#include "graph/graph.hpp"

namespace kiln::passes {

/// Removes nodes that no output needs and renumbers the rest (keeping their order).
void dce(graph::Graph& g);

}  // namespace kiln::passes
