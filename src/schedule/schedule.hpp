// The scheduler: cuts a (passed) Graph into kernels and lowers each to kernel IR plus the values
// its launch needs. Decides what gets stored: the graph's outputs, what the store-or-recompute
// policy marked (passes/materialize.hpp), intermediates broadcast into a larger iteration space
// (computing those inline would repeat their work), operands of views that cannot be read
// through strides, and reductions whose results feed other iteration spaces. A kernel stores at
// most kMaxKernelOutputs results. A concatenation is computed by no kernel of its own: the
// kernels computing its operands store them into its buffer (windows). So is an update: its
// operand 0 fills its buffer (or the buffer is operand 0's own), and then the kernel computing
// operand 1 stores it through the update's window, in a later stage. Everything else fuses:
// elementwise chains into their consumers, producers into their reductions, elementwise ops on
// reduction results into the reduction's finish, and a map over the elements that a full
// reduction walks into that reduction's kernel (ir::Output::element: a value and its gradients
// read their inputs once).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.hpp"
#include "jit/ir/kernel_ir.hpp"

namespace kiln::schedule {

/// Where one of a kernel's input buffers comes from: evaluated data (by its index in the
/// captured graph, so that a plan can be reused with other data of the same structure), or a
/// result an earlier kernel of the plan stores.
struct InputRef {
  int32_t data = -1;         ///< captured-graph index of a Data node, or -1
  int32_t produced_by = -1;  ///< graph node stored by an earlier kernel, or -1
};

/// Where one of the sync's results comes from.
struct OutputRef {
  enum class Kind : uint8_t { produced, data, alias, empty } kind = Kind::empty;
  int32_t node = -1;   ///< produced: graph node; data, alias: captured-graph index of the data
  int64_t offset = 0;  ///< alias: first element
  DType dtype = DType::float32;
};

/// What an error bit of a kernel means.
struct ErrorSource {
  std::string_view op;   ///< the op's public name
  std::string message;   ///< what went wrong, for the error
  graph::SourceLoc loc;  ///< its call site
};

/// A kernel parameter that is a scalar of the captured graph, copied unchanged: a plan reused
/// for a graph of the same structure with other scalars takes them from there.
struct Relocation {
  uint32_t param = 0;   ///< index in KernelLaunch::params
  int32_t source = -1;  ///< captured-graph index of the Full node whose value it is
};

/// Where a kernel stores one of its results: its own new buffer (base -1), or part of a
/// concatenation's buffer from element `offset` on (passes/windows.hpp): a contiguous run, or,
/// with `strides`, a strided window (whose node no kernel reads back).
struct Window {
  int32_t base = -1;       ///< graph node of the outermost concatenation, or -1
  int64_t offset = 0;      ///< first element in it
  graph::Dims strides;     ///< per dimension of the stored node, in elements; empty: contiguous
  bool read_back = false;  ///< a later kernel reads the node, or the sync returns it
  bool strided() const noexcept { return strides.rank() > 0; }
};

/// A window base's buffer (a concatenation's or an update's), which kernels fill through
/// windows: allocated when the plan starts, or, for an update in place, its data operand's own.
struct WindowBase {
  int32_t node = -1;  ///< the outermost Concatenate or Update node
  int64_t elements = 0;
  DType dtype = DType::float32;
  int32_t donor = -1;  ///< captured-graph index of the data whose buffer it is, or -1
};

/// A Concatenate node nested contiguously in another: its result is part of the outer one's
/// buffer (one nested with strides is read by nothing but the outer one, and has no alias).
struct WindowAlias {
  int32_t node = -1;
  Window window;
  DType dtype = DType::float32;
};

/// One kernel launch: the IR (structure, hashed) and everything else (values, not hashed).
struct KernelLaunch {
  ir::KernelIR ir;                         ///< structure
  std::vector<int32_t> stores;             ///< graph node stored by each IR output, in order
  std::vector<Window> windows;             ///< where each IR output goes
  std::vector<InputRef> inputs;            ///< one per buffer access, in access order
  std::vector<uint64_t> params;            ///< the whole parameter block (ABI in kernel_ir.hpp)
  std::vector<Relocation> relocations;     ///< params that are captured scalar values
  bool derived_scalars = false;            ///< some scalar param is not a captured value
  int64_t size = 0;                        ///< output elements (map: iteration size)
  int64_t reduce_size = 0;                 ///< reductions: reduced elements per output
  std::vector<ErrorSource> error_sources;  ///< meaning of each error bit
  std::vector<uint8_t> accumulator_items;  ///< bytes of an element of each accumulator, in order
  uint32_t cost_per_element = 0;           ///< ir.cost_per_element(), kept for each launch
  graph::SourceLoc loc;                    ///< call site of the first stored node (for logs)
};

/// The kernels of one sync, in an order that respects their data dependencies, and where each
/// of the graph's outputs comes from.
struct Plan {
  std::vector<KernelLaunch> kernels;
  std::vector<OutputRef> outputs;
  std::vector<WindowBase> window_bases;     ///< concatenations' buffers, allocated first
  std::vector<WindowAlias> window_aliases;  ///< nested concatenations, parts of those
  uint64_t visits = 0;  ///< node visits the scheduler made (a measure of its work)
};

/// True when view node `v` reads data in order from `offset` on, so the view can share its
/// operand's buffer instead of being computed.
bool is_contiguous_view(const graph::GNode& v);

/// Builds the plan for `g`. Outputs that are evaluated data, contiguous views of data, or empty
/// need no kernel; `outputs` says how to find each.
Plan make_plan(const graph::Graph& g);

}  // namespace kiln::schedule
