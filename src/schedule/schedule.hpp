// The scheduler: cuts a (passed) Graph into kernels and lowers each to kernel IR plus the values
// its launch needs. Decides what gets stored: the graph's outputs, intermediates broadcast into a
// larger iteration space (computing those inline would repeat their work), operands of views
// that cannot be read through strides, and reductions whose results feed other iteration
// spaces. Everything else fuses: elementwise chains into their consumers, producers into their
// reductions, and elementwise ops on reduction results into the reduction's finish.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "graph/graph.hpp"
#include "jit/ir/kernel_ir.hpp"

namespace kiln::schedule {

/// Where one of a kernel's input buffers comes from.
struct InputRef {
  std::shared_ptr<graph::Buffer> buffer;  ///< existing data, or null when produced_by is set
  int32_t produced_by = -1;               ///< graph node stored by an earlier kernel of the plan
};

/// What an error bit of a kernel means.
struct ErrorSource {
  std::string_view op;       ///< the op's public name
  std::string_view message;  ///< what went wrong, for the error
  graph::SourceLoc loc;      ///< its call site
};

/// One kernel launch: the IR (structure, hashed) and everything else (values, not hashed).
struct KernelLaunch {
  ir::KernelIR ir;                         ///< structure
  std::vector<int32_t> stores;             ///< graph node stored by each IR output, in order
  std::vector<InputRef> inputs;            ///< one per buffer access, in access order
  std::vector<uint64_t> params;            ///< the whole parameter block (ABI in kernel_ir.hpp)
  int64_t size = 0;                        ///< output elements (map: iteration size)
  int64_t reduce_size = 0;                 ///< reductions: reduced elements per output
  std::vector<ErrorSource> error_sources;  ///< meaning of each error bit
  graph::SourceLoc loc;                    ///< call site of the first stored node (for logs)
};

/// The kernels of one sync, in an order that respects their data dependencies.
struct Plan {
  std::vector<KernelLaunch> kernels;
};

/// True when view node `v` reads data in order from `offset` on, so the view can share its
/// operand's buffer instead of being computed.
bool is_contiguous_view(const graph::GNode& v);

/// Builds the plan for `g`. Outputs that are evaluated data, contiguous views of data, or empty
/// need no kernel and are left to the caller.
Plan make_plan(const graph::Graph& g);

}  // namespace kiln::schedule
