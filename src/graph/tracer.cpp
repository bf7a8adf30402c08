#include "graph/tracer.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>
#include <string>

#include "graph/errors.hpp"

namespace kiln::graph {

namespace {
constexpr size_t kSlabNodes = 256;

// One multiply per word, and MurmurHash3's finalizer at the end (hash_desc). The finalizer
// matters: a product's low bits depend only on its operands' low bits, and the table indexes by
// low bits, so without it values that differ only in high bits (doubles 1.0, 2.0, 3.0, ...) all
// landed in one probe run, and recording `base * i` for thousands of i became quadratic.
inline uint64_t mix(uint64_t h, uint64_t v) noexcept {
  return (h ^ v) * 0x9e3779b97f4a7c15ull;
}

// The device a node recorded from `d` is on (see Tracer::record).
DeviceId device_of_desc(const NodeDesc& d) noexcept {
  return d.nargs == 0 || d.op == Op::Transfer ? d.device : d.args[0]->device;
}

bool same(const NodeDesc& d, const Node* n) noexcept {
  if (n->op != d.op || n->dtype != d.dtype || n->nargs != d.nargs) return false;
  if (n->device != device_of_desc(d)) return false;
  for (int i = 0; i < d.nargs; ++i)
    if (n->args[i] != d.args[i]) return false;
  return n->payload == d.payload && n->shape == d.shape && n->strides == d.strides;
}

// A freed node's memory doubles as a free-list link.
struct FreeSlot {
  FreeSlot* next;
};
static_assert(sizeof(Node) >= sizeof(FreeSlot));
}  // namespace

uint64_t hash_desc(const NodeDesc& d) noexcept {
  uint64_t h = static_cast<uint64_t>(d.op) | static_cast<uint64_t>(d.dtype) << 8 |
               static_cast<uint64_t>(d.nargs) << 16 | static_cast<uint64_t>(d.shape.rank()) << 24 |
               static_cast<uint64_t>(d.strides.rank()) << 32;
  h = mix(h, 0x2545f4914f6cdd1dull ^ device_of_desc(d));
  for (int i = 0; i < d.nargs; ++i) h = mix(h, reinterpret_cast<uintptr_t>(d.args[i]));
  for (uint64_t v : d.payload.v) h = mix(h, v);
  for (int64_t e : d.shape) h = mix(h, static_cast<uint64_t>(e));
  for (int64_t e : d.strides) h = mix(h, static_cast<uint64_t>(e));
  h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdull;  // MurmurHash3's finalizer
  h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

Node* Tracer::ConsTable::find(const NodeDesc& d, uint64_t hash) const noexcept {
  // The hash is compared in the table: a probe touches a node only when it probably matches.
  if (is_leaf(d.op)) {
    if (leaves_.empty()) return nullptr;
    const size_t mask = leaves_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = leaves_[i];
      if (!s.node) return nullptr;
      if (s.hash == hash && s.node != tombstone() && same(d, s.node)) return s.node;
    }
  }
  if (buckets_.empty()) return nullptr;
  const Bucket& b = buckets_[hash & (buckets_.size() - 1)];
  for (size_t w = 0; w < kWays; ++w)
    if (b.node[w] && b.hash[w] == hash && same(d, b.node[w])) return b.node[w];
  return nullptr;
}

void Tracer::ConsTable::insert(Node* n) {
  if (is_leaf(n->op)) {
    // At most half full, tombstones included: nearly every record is a miss, and a miss probes
    // to the next empty slot (about 2.5 slots at half load, 8.5 at three quarters).
    if ((used_leaves_ + 1) * 2 > leaves_.size()) grow_leaves();
    const size_t mask = leaves_.size() - 1;
    size_t i = n->hash & mask;
    while (leaves_[i].node && leaves_[i].node != tombstone()) i = (i + 1) & mask;
    if (!leaves_[i].node) ++used_leaves_;
    leaves_[i] = {n->hash, n};
    ++live_leaves_;
    return;
  }
  // Two operations a bucket on average before growing: full buckets stay rare until the cap.
  if (buckets_.size() < kMaxBuckets && in_buckets_ + 1 > buckets_.size() * 2) grow_buckets();
  Bucket& b = buckets_[n->hash & (buckets_.size() - 1)];
  // Newest first: a full bucket drops its oldest node.
  if (b.node[kWays - 1]) --in_buckets_;
  for (size_t w = kWays - 1; w > 0; --w) {
    b.hash[w] = b.hash[w - 1];
    b.node[w] = b.node[w - 1];
  }
  b.hash[0] = n->hash;
  b.node[0] = n;
  ++in_buckets_;
}

void Tracer::ConsTable::erase(Node* n) noexcept {
  if (is_leaf(n->op)) {
    const size_t mask = leaves_.size() - 1;
    for (size_t i = n->hash & mask; leaves_[i].node; i = (i + 1) & mask) {
      if (leaves_[i].node == n) {
        leaves_[i].node = tombstone();
        --live_leaves_;
        return;
      }
    }
    return;
  }
  if (buckets_.empty()) return;
  Bucket& b = buckets_[n->hash & (buckets_.size() - 1)];
  for (size_t w = 0; w < kWays; ++w) {
    if (b.node[w] != n) continue;
    for (; w + 1 < kWays; ++w) {  // keep the slots in age order
      b.hash[w] = b.hash[w + 1];
      b.node[w] = b.node[w + 1];
    }
    b.node[kWays - 1] = nullptr;
    --in_buckets_;
    return;
  }
}

void Tracer::ConsTable::grow_buckets() {
  std::vector<Bucket> old = std::move(buckets_);
  buckets_.assign(std::max<size_t>(16, old.size() * 2), Bucket{});
  in_buckets_ = 0;
  for (const Bucket& b : old)
    for (size_t w = kWays; w-- > 0;)  // oldest first, so each bucket keeps the age order
      if (b.node[w]) insert(b.node[w]);
}

void Tracer::ConsTable::grow_leaves() {
  std::vector<Slot> old = std::move(leaves_);
  // Double only when the table is really full of live nodes; otherwise rebuilding drops the
  // tombstones.
  size_t capacity = std::max<size_t>(64, old.size());
  while (live_leaves_ * 4 >= capacity) capacity *= 2;
  leaves_.assign(capacity, Slot{});
  used_leaves_ = live_leaves_ = 0;
  for (const Slot& s : old)
    if (s.node && s.node != tombstone()) insert(s.node);
}

Tracer::Tracer() {
  live_head_.live_prev = live_head_.live_next = &live_head_;
}

Tracer::~Tracer() {
  // Nodes still alive here belong to Arrays that outlive their context: a program error that
  // we tolerate by leaking them rather than freeing memory they still point to.
  if (live_count_ == 0)
    slabs_.clear();
  else
    for (auto& s : slabs_) (void)s.release();
}

Node* Tracer::allocate(SourceLoc loc) {
  if (!free_list_) {
    std::unique_ptr<unsigned char[]> slab;
    try {
      slab = std::make_unique<unsigned char[]>(kSlabNodes * sizeof(Node) + alignof(Node));
      slabs_.reserve(slabs_.size() + 1);
    } catch (const std::bad_alloc&) {
      throw_error("record", "out of memory: no room for more recorded operations", loc);
    }
    // Nodes start on cache lines (Node's first line holds what walks read).
    const uintptr_t raw = reinterpret_cast<uintptr_t>(slab.get());
    auto* first = slab.get() + ((raw + alignof(Node) - 1) / alignof(Node) * alignof(Node) - raw);
    for (size_t i = 0; i < kSlabNodes; ++i) {
      auto* slot = reinterpret_cast<FreeSlot*>(first + i * sizeof(Node));
      slot->next = reinterpret_cast<FreeSlot*>(free_list_);
      free_list_ = reinterpret_cast<Node*>(slot);
    }
    slabs_.push_back(std::move(slab));
  }
  void* mem = free_list_;
  free_list_ = reinterpret_cast<Node*>(reinterpret_cast<FreeSlot*>(mem)->next);
  // The next record's slot, on its way while this one is filled (freed slots are reused in
  // the order they were freed, scattered over the slabs).
  if (free_list_) __builtin_prefetch(free_list_, 1);
  Node* n = new (mem) Node;  // default-init: members set their own values, no zero fill
  n->tracer = this;
  return n;
}

void Tracer::link(Node* n) noexcept {
  n->live_next = live_head_.live_next;
  n->live_prev = &live_head_;
  live_head_.live_next->live_prev = n;
  live_head_.live_next = n;
  ++live_count_;
}

void Tracer::unlink(Node* n) noexcept {
  n->live_prev->live_next = n->live_next;
  n->live_next->live_prev = n->live_prev;
  --live_count_;
}

namespace {
// Every recorded shape and dtype passes here: an invalid dtype (a value cast to DType) or a shape
// whose elements, or bytes, a 64-bit count cannot hold (broadcasting (2^32, 1) with (1, 2^32),
// an outer product of two 2^32 vectors) is an error at the call that makes it.
void check_result(const NodeDesc& d) {
  const std::string_view fn = op_info(d.op).fn;
  if (static_cast<int>(d.dtype) >= kNumDTypes)
    throw_error(fn,
                "invalid dtype value " + std::to_string(static_cast<int>(d.dtype)) +
                    " (a DType is one of kiln's dtype constants, such as kiln::float32)",
                d.loc);
  const int64_t size = d.shape.checked_size();
  if (size < 0)
    throw_error(fn, "the result's shape " + to_string(d.shape) + " has more than 2^62 elements",
                d.loc);
  // Views read memory that exists; anything else may be stored, and its bytes must be countable.
  if (d.op != Op::View && size > kMaxElements / static_cast<int64_t>(itemsize(d.dtype)))
    throw_error(fn,
                "an array of shape " + to_string(d.shape) + " and dtype " +
                    std::string(dtype_name(d.dtype)) + " would take more than 2^62 bytes",
                d.loc);
}
}  // namespace

Node* Tracer::record(const NodeDesc& d) {
  check_result(d);
  if (d.op != Op::Transfer) {
    // A 0-d operand on another device than the op's other operands joins them (copied at the
    // sync), as torch treats 0-d CPU tensors: `gpu_array * kiln::complex(0.f, 1.f)` works.
    int home = -1;
    for (int i = 0; i < d.nargs && home < 0; ++i)
      if (d.args[i]->shape.rank() > 0) home = d.args[i]->device;
    auto strays = [&](const Node* x) { return x->device != home && x->shape.rank() == 0; };
    if (home >= 0 && std::any_of(d.args, d.args + d.nargs, strays)) {
      NodeDesc moved = d;
      for (int i = 0; i < d.nargs; ++i)
        if (strays(d.args[i]))
          moved.args[i] = record_transfer(d.args[i], static_cast<DeviceId>(home), d.loc);
      Node* result = record(moved);
      for (int i = 0; i < d.nargs; ++i)
        if (moved.args[i] != d.args[i]) drop_handle(moved.args[i]);
      return result;
    }
    for (int i = 1; i < d.nargs; ++i)
      if (d.args[i]->device != d.args[0]->device) {
        auto code = [](DeviceId id) {
          return id == kCpuDevice ? std::string("kiln::Device::cpu()")
                                  : "kiln::Device::cuda(" + std::to_string(id - 1) + ")";
        };
        const DeviceId first = d.args[0]->device, other = d.args[i]->device;
        throw_error(op_info(d.op).fn,
                    "operand 1 is on " + device_name(first) + " and operand " +
                        std::to_string(i + 1) + " on " + device_name(other) + "; add .to(" +
                        code(other) + ") to operand 1 or .to(" + code(first) + ") to operand " +
                        std::to_string(i + 1),
                    d.loc);
      }
    if (is_library(d.op) && !runs_on_devices(d.op, d.dtype) && d.nargs > 0 &&
        d.args[0]->device != kCpuDevice)
      return record_on_host(d);
  }
  Node* n = record_locked(d);
  // Outside the lock: the hook evaluates (Context::auto_evaluate).
  if (auto_eval_ &&
      pending_.load(std::memory_order_relaxed) >= auto_eval_at_.load(std::memory_order_relaxed))
    auto_eval_();
  return n;
}

Node* Tracer::record_locked(const NodeDesc& d) {
  const uint64_t h = hash_desc(d);
  std::lock_guard lock(mutex_);
  ++trace_ops;
  if (Node* hit = cons_.find(d, h)) {  // nodes in the table are alive (freeing erases them)
    ++cse_hits;
    add_handle(hit);
    return hit;
  }
  Node* n = allocate(d.loc);
  pending_.store(pending_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  n->op = d.op;
  n->dtype = d.dtype;
  n->nargs = d.nargs;
  n->device = device_of_desc(d);
  n->serial = ++serial_;
  n->ancestry = d.nargs == 0 ? leaf_bit(n->serial, d.op, d.shape.size()) : 0;
  for (int i = 0; i < d.nargs; ++i) {
    n->args[i] = d.args[i];
    n->ancestry |= d.args[i]->ancestry;
    ++d.args[i]->uses;
  }
  n->shape = d.shape;
  n->strides = d.strides;
  n->payload = d.payload;
  n->loc = d.loc;
  n->hash = h;
  n->handles.store(1, std::memory_order_relaxed);
  n->consed = true;
  cons_.insert(n);
  link(n);
  return n;
}

Node* Tracer::record_transfer(Node* x, DeviceId to, SourceLoc loc) {
  NodeDesc t;
  t.op = Op::Transfer;
  t.dtype = x->dtype;
  t.nargs = 1;
  t.device = to;
  t.args[0] = x;
  t.shape = x->shape;
  t.loc = loc;
  return record(t);
}

Node* Tracer::record_on_host(const NodeDesc& d) {
  const DeviceId device = d.args[0]->device;
  NodeDesc host = d;
  for (int i = 0; i < d.nargs; ++i) host.args[i] = record_transfer(d.args[i], kCpuDevice, d.loc);
  Node* result = record(host);
  for (int i = 0; i < d.nargs; ++i) drop_handle(host.args[i]);
  Node* back = record_transfer(result, device, d.loc);
  drop_handle(result);
  return back;
}

Node* Tracer::record_data(std::shared_ptr<Buffer> buffer, DType dtype, const Dims& shape,
                          SourceLoc loc, DeviceId device) {
  NodeDesc d;
  d.dtype = dtype;
  d.shape = shape;
  d.loc = loc;
  check_result(d);
  std::lock_guard lock(mutex_);
  ++trace_ops;
  Node* n = allocate(loc);
  n->op = Op::Data;
  n->serial = ++serial_;
  n->ancestry = leaf_bit(n->serial, Op::Data, shape.size());
  n->device = device;
  n->dtype = dtype;
  n->shape = shape;
  n->loc = loc;
  n->buffer = std::move(buffer);
  n->ready.store(true, std::memory_order_release);
  n->handles.store(1, std::memory_order_relaxed);
  link(n);
  return n;
}

void Tracer::drop_handle(Node* n) noexcept {
  // Fast path: not the last handle, so nothing can become free.
  for (uint32_t h = n->handles.load(std::memory_order_relaxed); h > 1;)
    if (n->handles.compare_exchange_weak(h, h - 1, std::memory_order_acq_rel)) return;
  std::lock_guard lock(mutex_);
  if (n->handles.fetch_sub(1, std::memory_order_acq_rel) == 1 && n->uses == 0) free_chain(n);
}

void Tracer::free_chain(Node* first) noexcept {
  // Iterative: a chain of a million recorded ops must not overflow the stack.
  std::vector<Node*>& stack = free_stack_;
  const size_t bottom = stack.size();  // attach_buffer may call this while nothing else runs
  stack.push_back(first);
  while (stack.size() > bottom) {
    Node* n = stack.back();
    stack.pop_back();
    assert(n->handles.load() == 0 && n->uses == 0);
    if (n->consed) cons_.erase(n);
    if (n->grouped) leave_group(n);
    if (!n->evaluated())
      pending_.store(pending_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    unlink(n);
    for (int i = 0; i < n->nargs; ++i) {
      Node* a = n->args[i];
      if (--a->uses == 0 && a->handles.load(std::memory_order_acquire) == 0) stack.push_back(a);
    }
    n->~Node();
    auto* slot = reinterpret_cast<FreeSlot*>(n);
    slot->next = reinterpret_cast<FreeSlot*>(free_list_);
    free_list_ = n;
  }
}

void Tracer::attach_buffer(Node* n, std::shared_ptr<Buffer> buffer) {
  if (n->consed) {
    cons_.erase(n);
    n->consed = false;
  }
  if (n->grouped) leave_group(n);
  n->buffer = std::move(buffer);
  n->ready.store(true, std::memory_order_release);
  pending_.store(pending_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  n->failure.reset();
  const int nargs = n->nargs;
  Node* args[3] = {n->args[0], n->args[1], n->args[2]};
  n->nargs = 0;
  for (int i = 0; i < 3; ++i) n->args[i] = nullptr;
  for (int i = 0; i < nargs; ++i)
    if (--args[i]->uses == 0 && args[i]->handles.load(std::memory_order_acquire) == 0)
      free_chain(args[i]);
}

void Tracer::compute_together(std::span<Node* const> nodes) {
  std::lock_guard lock(mutex_);
  auto group = std::make_shared<std::vector<Node*>>();
  for (Node* n : nodes) {
    if (n == nullptr || n->evaluated()) continue;
    if (!n->grouped) {
      n->grouped = true;
      together_[n] = group;
      group->push_back(n);
      continue;
    }
    const std::shared_ptr<std::vector<Node*>> old = together_.at(n);  // merges into the new one
    if (old == group) continue;
    for (Node* m : *old) {
      together_[m] = group;
      group->push_back(m);
    }
  }
  if (group->size() == 1) leave_group(group->front());  // alone: no group
}

std::span<Node* const> Tracer::together_with(const Node* n) const {
  if (!n->grouped) return {};
  return *together_.at(n);
}

void Tracer::leave_group(Node* n) noexcept {
  const auto it = together_.find(n);
  std::vector<Node*>& members = *it->second;
  members.erase(std::find(members.begin(), members.end(), n));
  together_.erase(it);
  n->grouped = false;
}

std::vector<Node*> Tracer::pending_handles() {
  std::vector<Node*> out;
  for (Node* n = live_head_.live_next; n != &live_head_; n = n->live_next) {
    if (!n->evaluated() && !n->failure && n->handles.load(std::memory_order_relaxed) > 0) {
      add_ref(n);
      out.push_back(n);
    }
  }
  // The live list is newest first; creation order keeps kernel IR (and its hash) stable.
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace kiln::graph
