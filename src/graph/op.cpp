#include "graph/op.hpp"

namespace kiln::graph {

namespace {
constexpr OpInfo kOpTable[] = {
#define KILN_OP(Name, fn, arity, rule, flags, cost, libm) \
  {#Name, #fn, arity, TypeRule::rule, static_cast<uint8_t>(flags), cost, libm},
#include "graph/ops.def"
#undef KILN_OP
};
static_assert(sizeof(kOpTable) / sizeof(kOpTable[0]) == kNumOps);
}  // namespace

const OpInfo& op_info(Op op) noexcept {
  return kOpTable[static_cast<int>(op)];
}

}  // namespace kiln::graph
