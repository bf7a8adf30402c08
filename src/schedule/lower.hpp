// Lowering of one kernel's worth of graph nodes to kernel IR (internal to the scheduler).
#pragma once

#include <vector>

#include "schedule/schedule.hpp"

namespace kiln::schedule {

/// Lowers the nodes `stores` (all of shape `shape`) and everything they need into one kernel.
/// Nodes with `stored_earlier[i]` set are read from the buffers earlier kernels write; leaves
/// become loads, parameters or index expressions.
KernelLaunch lower_kernel(const graph::Graph& g, const std::vector<int32_t>& stores,
                          const graph::Dims& shape, const std::vector<char>& stored_earlier);

}  // namespace kiln::schedule
