#include "graph/op.hpp"

namespace kiln::graph {

// The table lives in op.hpp (op_info is inlined everywhere); this file checks it once more.
static_assert(op_info(Op::Negative).arity == 1 && op_info(Op::Negative).fn == "negative");

}  // namespace kiln::graph
