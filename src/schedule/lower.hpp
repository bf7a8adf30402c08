// Lowering of one kernel's worth of graph nodes to kernel IR (internal to the scheduler).
#pragma once

#include <vector>

#include "schedule/schedule.hpp"

namespace kiln::schedule {

/// Lowers the nodes `stores` (all of shape `shape`) and everything they need into one map
/// kernel, each stored where `windows` (per graph node) says. Nodes with `stored_earlier[i]` set
/// are read from the buffers earlier kernels write; leaves and views of leaves become loads,
/// parameters or index expressions.
KernelLaunch lower_kernel(const graph::Graph& g, const std::vector<int32_t>& stores,
                          const graph::Dims& shape, const std::vector<char>& stored_earlier,
                          const std::vector<Window>& windows);

/// True when a reduction over axes `mask` of operands of shape `shape` walks them in row-major
/// order (every kept axis longer than 1 comes before every reduced one): then its kernel can
/// also store maps over `shape` as it goes (ir::Output::element).
bool reduction_walks_in_order(const graph::Dims& shape, uint64_t mask);

/// Lowers a reduction kernel: the reductions over axes `mask` of operands of shape `shape`
/// that `stores` need (each store is one of them, or elementwise ops on their results in the
/// results' shape, computed at finish). When reduction_walks_in_order(shape, mask), it may also
/// store `element_stores`, nodes of shape `shape` in their own buffers, computed by the main
/// walk as a map kernel would (ir::Output::element).
KernelLaunch lower_reduce_kernel(const graph::Graph& g, const std::vector<int32_t>& stores,
                                 const graph::Dims& shape, uint64_t mask,
                                 const std::vector<char>& stored_earlier,
                                 const std::vector<Window>& windows,
                                 const std::vector<int32_t>& element_stores = {});

}  // namespace kiln::schedule
