// Tracer: owns the nodes of the trace, gives CSE by hash-consing, and frees nodes when their
// last reference goes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "graph/node.hpp"
#include "graph/spin_lock.hpp"

namespace kiln::graph {

/// Owns recorded nodes. One per Context. Recording, freeing and graph walks take the tracer's
/// mutex; handle copies only touch atomics. A node's op, dtype, device, shape, strides, payload
/// and call site never change, so any thread may read them while it holds a reference; its
/// operands, buffer and failure change at evaluation and are read under the lock (or, for the
/// buffer, after evaluated() says true).
class Tracer {
 public:
  Tracer();
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  /// Records an operation and returns its node with one handle reference. When an equal live
  /// node exists (same op, dtype, operands, shape and payload) and it is a leaf or one of
  /// the operations still in the CSE table (about the last thousand), that node is returned
  /// instead (common subexpression elimination for free; equals further apart are merged by the
  /// CSE pass at the sync). Takes one reference to each
  /// operand.
  ///
  /// Devices: a leaf and a Transfer are on desc.device, any other op on its operands' device;
  /// operands on different devices are a kiln::Error naming the op, the devices, the call site
  /// and the .to() that fixes it, except that a 0-d operand joins the others' device (copied
  /// at the sync), as in torch. A library op with host implementations only (scatter, the
  /// scans, integer matmul: see runs_on_devices) on a device other than the
  /// CPU is recorded as transfers to the CPU, the op there, and a transfer back.
  Node* record(const NodeDesc& desc);

  /// Records evaluated data on `device` (never merged with other nodes). Returns one handle
  /// reference.
  Node* record_data(std::shared_ptr<Buffer> buffer, DType dtype, const Dims& shape, SourceLoc loc,
                    DeviceId device = kCpuDevice);

  /// Records `x` copied to device `to` (a Transfer node; one handle reference).
  Node* record_transfer(Node* x, DeviceId to, SourceLoc loc);

  /// Adds a handle reference (Array copy, or a sync holding the node).
  static void add_handle(Node* n) noexcept { n->handles.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a handle reference. The last one is dropped under the lock, so that freeing is decided
  /// exactly once, by whoever leaves the node without handles and uses.
  void drop_handle(Node* n) noexcept;

  /// Synonyms used by syncs that hold nodes while they run.
  static void add_ref(Node* n) noexcept { add_handle(n); }
  void drop_ref(Node* n) noexcept { drop_handle(n); }

  /// Makes `n` an evaluated leaf holding `buffer`: it leaves the CSE table and lets go of its
  /// operands. Requires the lock, and that `n` is not evaluated yet (two syncs that computed the
  /// same node keep the first one's data: check evaluated() under the lock first).
  void attach_buffer(Node* n, std::shared_ptr<Buffer> buffer);

  /// Pending (unevaluated, not failed) nodes that an Array handle refers to, each with an added
  /// reference that the caller drops. Requires the lock.
  std::vector<Node*> pending_handles();

  /// Makes the pending nodes of `nodes` one group computed together: a sync that computes one of
  /// them computes the others that a handle still holds (Context::capture_kernels). The value
  /// and the gradients of one differentiation form a group, so that the rewrite rules see the
  /// forward and the backward graph in one sync: stored apart, the forward graph's exp(x) of a
  /// log-sum-exp would be inf before its gradient's rule could make it exp(x - max).
  /// Groups that share a node merge. A node leaves its group when it is evaluated or freed.
  void compute_together(std::span<Node* const> nodes);
  /// The nodes of `n`'s group (`n` among them; empty unless n->grouped). Requires the lock.
  std::span<Node* const> together_with(const Node* n) const;
  /// Whether any group is alive (a sync without one looks for none). Requires the lock.
  bool any_together() const noexcept { return !together_.empty(); }

  /// Marks `n` (pending) as being computed by an asynchronous sync (kiln::eval_async), or no
  /// longer. Graph walks stop at such nodes, as at leaves, and say so (walk_met_in_flight):
  /// the walk's caller waits for them and walks again. Requires the lock.
  void set_in_flight(const Node* n, bool on) {
    if (on)
      in_flight_.insert(n);
    else
      in_flight_.erase(n);
  }
  /// Whether `n` is being computed asynchronously. Requires the lock.
  bool in_flight(const Node* n) const { return !in_flight_.empty() && in_flight_.count(n) > 0; }
  /// Set by graph::walk_pending when the walk stopped at a node in flight. Requires the lock.
  bool walk_met_in_flight = false;

  /// A new epoch for Node::visit_epoch marks. Requires the lock.
  uint32_t next_epoch() noexcept { return ++epoch_; }

  /// One step of a depth-first graph walk.
  struct WalkFrame {
    Node* node;
    int next_arg;
  };
  /// Scratch for graph walks (kept to avoid allocating at every sync). Requires the lock.
  std::vector<WalkFrame>& walk_stack() noexcept { return walk_stack_; }

  /// The lock guarding recording, freeing and walks.
  SpinLock& mutex() noexcept { return mutex_; }

  /// Number of live nodes (for tests).
  size_t live_nodes() const noexcept { return live_count_; }
  /// How many operations the CSE table holds at most (leaves are not counted: they stay while
  /// they live).
  static constexpr size_t cse_capacity() noexcept { return ConsTable::capacity(); }

  /// Live nodes not evaluated yet (recorded, waiting for a sync). Requires the lock.
  size_t pending_nodes() const noexcept { return pending_.load(std::memory_order_relaxed); }

  /// Calls `hook` after a record() that leaves `limit` or more nodes pending (without the lock
  /// held, on the recording thread). The hook evaluates what is pending, then calls
  /// rearm_auto_eval(). Set once, by the owning context, before any recording.
  void set_auto_eval(size_t limit, std::function<void()> hook) {
    auto_eval_limit_ = limit;
    auto_eval_at_ = limit;
    auto_eval_ = std::move(hook);
  }
  /// The next automatic evaluation comes once `limit` more nodes are pending than now (nodes
  /// that failed stay pending).
  void rearm_auto_eval() {
    std::lock_guard lock(mutex_);
    auto_eval_at_ = pending_.load(std::memory_order_relaxed) + auto_eval_limit_;
  }

  /// Counters: operations recorded, and how many of those were CSE hits.
  uint64_t trace_ops = 0;
  uint64_t cse_hits = 0;

 private:
  // record() under the lock: the CSE lookup, or a new node.
  Node* record_locked(const NodeDesc& d);
  // Library op `d` on a device: transfers to the CPU, the op there, a transfer back.
  Node* record_on_host(const NodeDesc& d);
  // The CSE table. Operations go into a bounded, set-associative cache (no allocation per
  // record): each bucket is one cache line of four slots, so a lookup, an insert and an erase
  // touch one line, and it stops growing at kMaxBuckets. A loop that leaves tens of thousands of
  // nodes pending would otherwise make every record and every free a cache miss into a table of
  // megabytes (a fifth of the time of a 2000-row sparse loop). An operation pushed out of a full
  // bucket only loses tracer-time sharing; the CSE pass still merges it with its equal at the
  // sync. Leaves (scalars, aranges) are few and shared across a whole loop (`x * 2.0 + 1.0` in
  // every iteration): they go into an exact table, so each shares one node for as long as it
  // lives, and the captured graph of every iteration has the same structure (and plan).
  class ConsTable {
   public:
    Node* find(const NodeDesc& d, uint64_t hash) const noexcept;
    void insert(Node* n);
    void erase(Node* n) noexcept;
    /// How many operations the cache can hold at most.
    static constexpr size_t capacity() noexcept { return kMaxBuckets * kWays; }

   private:
    static constexpr size_t kWays = 4;
    static constexpr size_t kMaxBuckets = 256;  // 1024 operations, 16 KiB: stays in L1
    struct alignas(64) Bucket {
      uint64_t hash[kWays] = {};
      Node* node[kWays] = {};  // null: empty
    };
    void grow_buckets();
    std::vector<Bucket> buckets_;
    size_t in_buckets_ = 0;
    // Leaves: open addressing over node pointers.
    static Node* tombstone() noexcept { return reinterpret_cast<Node*>(uintptr_t{1}); }
    void grow_leaves();
    struct Slot {
      uint64_t hash = 0;
      Node* node = nullptr;  // null: empty; tombstone(): erased
    };
    std::vector<Slot> leaves_;
    size_t live_leaves_ = 0, used_leaves_ = 0;  // live entries; live + tombstones
  };

  Node* allocate(SourceLoc loc);       // throws kiln::Error when memory is exhausted
  void free_chain(Node* n) noexcept;   // lock held
  void link(Node* n) noexcept;         // lock held
  void unlink(Node* n) noexcept;       // lock held
  void leave_group(Node* n) noexcept;  // lock held

  SpinLock mutex_;
  ConsTable cons_;
  std::vector<Node*> free_stack_;  // scratch for free_chain
  std::vector<std::unique_ptr<unsigned char[]>> slabs_;
  Node* free_list_ = nullptr;
  Node live_head_;  // sentinel of the live list
  size_t live_count_ = 0;
  // Live nodes not evaluated, and the count that starts an automatic evaluation: changed under
  // the lock (plain loads and stores, no read-modify-write), read by record() after it lets go
  // of it.
  std::atomic<size_t> pending_{0}, auto_eval_at_{SIZE_MAX};
  size_t auto_eval_limit_ = 0;
  std::function<void()> auto_eval_;
  uint32_t epoch_ = 0;
  uint64_t serial_ = 0;  // nodes recorded so far (Node::serial)
  std::vector<WalkFrame> walk_stack_;
  // compute_together's groups, by member (each group shared by its members).
  std::unordered_map<const Node*, std::shared_ptr<std::vector<Node*>>> together_;
  std::unordered_set<const Node*> in_flight_;  // see set_in_flight
};

/// The Node::ancestry bit of a leaf recorded with `serial`. Constants of one element (the
/// weak scalars of every expression, `full({}, v)`) share bit 63, so that the many a formula
/// uses do not fill the filter; other leaves take bit serial % 63.
inline uint64_t leaf_bit(uint64_t serial, Op op, int64_t size) noexcept {
  return op != Op::Data && size <= 1 ? uint64_t{1} << 63 : uint64_t{1} << (serial % 63);
}

/// The CSE hash of a node description.
uint64_t hash_desc(const NodeDesc& d) noexcept;

}  // namespace kiln::graph
