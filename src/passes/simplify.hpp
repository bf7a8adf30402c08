#pragma once

#include "graph/graph.hpp"

namespace kiln::passes {

/// Exact algebraic rewrites that hold for every value (so no scalar value ever enters the
/// kernel's structure): double negation, double logical or bitwise not, abs of abs or of a
/// negation, casts through an exact intermediate dtype, where(c, x, x).
void simplify(graph::Graph& g);

}  // namespace kiln::passes
