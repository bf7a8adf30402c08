// Node: one recorded operation in the trace, and the storage an evaluated node holds.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "graph/buffer.hpp"
#include "graph/dims.hpp"
#include "graph/op.hpp"
#include "kiln/device.hpp"
#include "kiln/dtype.hpp"

namespace kiln::graph {

/// A device as nodes store it: 0 is the CPU, 1 + i is CUDA device i.
using DeviceId = uint8_t;
inline constexpr DeviceId kCpuDevice = 0;
/// CUDA device indices a node can name (0 .. kMaxCudaIndex).
inline constexpr int kMaxCudaIndex = 254;
/// `d` as nodes store it (its index must be within 0 .. kMaxCudaIndex).
inline DeviceId device_id(const Device& d) noexcept {
  return d.kind() == Device::Kind::cpu ? kCpuDevice : static_cast<DeviceId>(1 + d.index());
}
/// The device a node's id names.
inline Device device_of(DeviceId id) noexcept {
  return id == kCpuDevice ? Device::cpu() : Device::cuda(id - 1);
}
/// Its name, as Device::name() spells it ("cpu", "cuda:0").
inline std::string device_name(DeviceId id) {
  return id == kCpuDevice ? std::string("cpu") : "cuda:" + std::to_string(id - 1);
}

class Tracer;

/// The user's call site of a recorded operation (file:line), for errors and logs.
struct SourceLoc {
  const char* file = "";  ///< static string from std::source_location
  uint32_t line = 0;      ///< 1-based line
};

/// Op-specific values, as raw bits: a full value, arange's start and step, ... Scalar values
/// live here and become kernel parameters, never constants in generated code.
struct Payload {
  std::array<uint64_t, 4> v{};  ///< meaning depends on the op (see payload.hpp)
  friend bool operator==(const Payload&, const Payload&) = default;
};

/// One traced operation. Nodes are owned by a Tracer and reference-counted: Array handles (and
/// syncs in flight) hold handles, consumer nodes hold uses; the node is freed when both are 0.
struct alignas(64) Node {
  // The first cache line holds what graph walks, syncs and frees read of every pending node
  // (counts, op, operands, walk scratch, evaluated, failure): a sync of tens of thousands of
  // pending nodes is bound by the lines it touches, not by the work per node.
  std::atomic<uint32_t> handles{0};  ///< Array handles and held references (any thread)
  uint32_t uses = 0;                 ///< consumer nodes (changed only under the tracer lock)
  Op op = Op::Data;                  ///< what it computes
  DType dtype = DType::float32;      ///< element type of the result
  uint8_t nargs = 0;                 ///< operand count (0 once evaluated)
  bool consed = false;               ///< registered in the tracer's CSE table
  bool held_at_sync = false;         ///< pending while a user handle held it at a sync: the
                                     ///< next sync that needs it stores it (materialize.hpp)
  DeviceId device = kCpuDevice;      ///< where the data lives (a leaf's or Transfer's own;
                                     ///< other ops take their operands')
  bool grouped = false;              ///< pending, and computed together with others
                                     ///< (Tracer::compute_together)
  std::atomic<bool> ready{false};    ///< evaluated: `buffer` may be read without the lock
  Node* args[3] = {};                ///< operands (each holds a reference)
  uint32_t visit_epoch = 0;          ///< scratch for graph walks (under the tracer lock)
  int32_t visit_index = -1;          ///< scratch for graph walks
  /// Set (under the lock) when a sync that computed this node failed: the error's message, which
  /// every later sync or read of this node, or of a node computed from it, raises again.
  std::shared_ptr<const std::string> failure;
  Dims shape;                         ///< result shape
  Dims strides;                       ///< View only: strides over the operand's flat index
  Payload payload;                    ///< op-specific values (View: v[0] = offset)
  SourceLoc loc;                      ///< call site that recorded it
  std::shared_ptr<Buffer> buffer;     ///< the data, once evaluated (set once, under the lock,
                                      ///< before `ready`; never changed after)
  std::shared_ptr<Buffer> host_copy;  ///< off the CPU: the data copied to the host at a read
  Tracer* tracer = nullptr;           ///< owner
  uint64_t hash = 0;                  ///< CSE hash of (op, dtype, args, shape, payload)
  /// Recording order (the tracer's count when this node was made): a node can only have been
  /// computed from nodes recorded before it. Read by differentiation (autodiff.cpp), which must
  /// tell whether an evaluated node's dropped history could have passed through a `wrt` array.
  uint64_t serial = 0;
  /// A 64-bit Bloom filter of the leaves this node was computed from (each leaf sets one bit,
  /// tracer.hpp's leaf_bit; other nodes OR their operands'). Kept after evaluation, when the
  /// operands go: a node whose filter lacks a bit of x's cannot depend on x.
  uint64_t ancestry = 0;
  Node* live_prev = nullptr;  ///< the tracer's list of live nodes
  Node* live_next = nullptr;

  /// True once the node holds its data. Safe from any thread: a node is evaluated once.
  bool evaluated() const noexcept { return ready.load(std::memory_order_acquire); }
};
static_assert(offsetof(Node, failure) + sizeof(std::shared_ptr<const std::string>) <= 64,
              "the fields every walk reads stay in the node's first cache line");

/// What to record: everything that identifies an operation.
struct NodeDesc {
  Op op = Op::Data;
  DType dtype = DType::float32;
  uint8_t nargs = 0;
  DeviceId device = kCpuDevice;  ///< leaves and Transfer: the device (others: the operands')
  Node* args[3] = {};
  Dims shape;
  Dims strides;
  Payload payload;
  SourceLoc loc;
};

}  // namespace kiln::graph
