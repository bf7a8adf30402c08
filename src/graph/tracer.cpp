#include "graph/tracer.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>

namespace kiln::graph {

namespace {
constexpr size_t kSlabNodes = 256;

inline uint64_t mix(uint64_t h, uint64_t v) noexcept {
  // splitmix64-style combine: good enough for a hash table, no dependency on xxHash here.
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 29);
}

// A freed node's memory doubles as a free-list link.
struct FreeSlot {
  FreeSlot* next;
};
static_assert(sizeof(Node) >= sizeof(FreeSlot));
}  // namespace

uint64_t hash_desc(const NodeDesc& d) noexcept {
  uint64_t h = mix(static_cast<uint64_t>(d.op), static_cast<uint64_t>(d.dtype) << 8 | d.nargs);
  for (int i = 0; i < d.nargs; ++i) h = mix(h, reinterpret_cast<uintptr_t>(d.args[i]));
  for (uint64_t v : d.payload.v) h = mix(h, v);
  h = mix(h, static_cast<uint64_t>(d.shape.rank()));
  for (int64_t e : d.shape) h = mix(h, static_cast<uint64_t>(e));
  for (int64_t e : d.strides) h = mix(h, static_cast<uint64_t>(e));
  return h;
}

size_t Tracer::ConsHash::operator()(const NodeDesc& d) const noexcept {
  return hash_desc(d);
}

bool Tracer::ConsEq::operator()(const NodeDesc& d, const Node* n) const noexcept {
  if (n->op != d.op || n->dtype != d.dtype || n->nargs != d.nargs) return false;
  for (int i = 0; i < d.nargs; ++i)
    if (n->args[i] != d.args[i]) return false;
  return n->payload == d.payload && n->shape == d.shape && n->strides == d.strides;
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

Node* Tracer::allocate() {
  if (!free_list_) {
    auto slab = std::make_unique<unsigned char[]>(kSlabNodes * sizeof(Node));
    for (size_t i = 0; i < kSlabNodes; ++i) {
      auto* slot = reinterpret_cast<FreeSlot*>(slab.get() + i * sizeof(Node));
      slot->next = reinterpret_cast<FreeSlot*>(free_list_);
      free_list_ = reinterpret_cast<Node*>(slot);
    }
    slabs_.push_back(std::move(slab));
  }
  void* mem = free_list_;
  free_list_ = reinterpret_cast<Node*>(reinterpret_cast<FreeSlot*>(mem)->next);
  Node* n = new (mem) Node();
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

Node* Tracer::record(const NodeDesc& d) {
  const uint64_t h = hash_desc(d);
  std::lock_guard lock(mutex_);
  ++trace_ops;
  if (auto it = cons_.find(d); it != cons_.end()) {
    Node* hit = *it;
    if (hit->refs.load(std::memory_order_acquire) != 0) {
      ++cse_hits;
      add_handle(hit);
      return hit;
    }
    // Its last reference is gone and its owner waits for the lock to free it: never revive a
    // dying node; take it out of the table and record afresh.
    hit->consed = false;
    cons_.erase(it);
  }
  Node* n = allocate();
  n->op = d.op;
  n->dtype = d.dtype;
  n->nargs = d.nargs;
  for (int i = 0; i < d.nargs; ++i) {
    n->args[i] = d.args[i];
    add_ref(d.args[i]);
  }
  n->shape = d.shape;
  n->strides = d.strides;
  n->payload = d.payload;
  n->loc = d.loc;
  n->hash = h;
  n->refs.store(1, std::memory_order_relaxed);
  n->handles.store(1, std::memory_order_relaxed);
  n->consed = true;
  cons_.insert(n);
  link(n);
  return n;
}

Node* Tracer::record_data(std::shared_ptr<Buffer> buffer, DType dtype, const Dims& shape,
                          SourceLoc loc) {
  std::lock_guard lock(mutex_);
  ++trace_ops;
  Node* n = allocate();
  n->op = Op::Data;
  n->dtype = dtype;
  n->shape = shape;
  n->loc = loc;
  n->buffer = std::move(buffer);
  n->refs.store(1, std::memory_order_relaxed);
  n->handles.store(1, std::memory_order_relaxed);
  link(n);
  return n;
}

void Tracer::drop_handle(Node* n) noexcept {
  n->handles.fetch_sub(1, std::memory_order_relaxed);
  drop_ref(n);
}

void Tracer::drop_ref(Node* n) noexcept {
  if (n->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::lock_guard lock(mutex_);
  free_chain(n);
}

void Tracer::free_chain(Node* first) noexcept {
  // Iterative: a chain of a million recorded ops must not overflow the stack.
  std::vector<Node*> stack{first};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    assert(n->refs.load() == 0);
    if (n->consed) cons_.erase(n);
    unlink(n);
    for (int i = 0; i < n->nargs; ++i)
      if (n->args[i]->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
        stack.push_back(n->args[i]);
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
  n->buffer = std::move(buffer);
  const int nargs = n->nargs;
  Node* args[3] = {n->args[0], n->args[1], n->args[2]};
  n->nargs = 0;
  for (int i = 0; i < 3; ++i) n->args[i] = nullptr;
  for (int i = 0; i < nargs; ++i)
    if (args[i]->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) free_chain(args[i]);
}

std::vector<Node*> Tracer::pending_handles() {
  std::vector<Node*> out;
  for (Node* n = live_head_.live_next; n != &live_head_; n = n->live_next) {
    if (!n->evaluated() && n->handles.load(std::memory_order_relaxed) > 0) {
      add_ref(n);
      out.push_back(n);
    }
  }
  // The live list is newest first; creation order keeps kernel IR (and its hash) stable.
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace kiln::graph
