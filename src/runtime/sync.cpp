// The sync driver: pending graph -> passes -> schedule -> key -> cache -> compile -> launch.
//
// A plan cache sits in front: a sync whose captured graph has exactly the structure and values
// of an earlier one (only the data buffers differ) reuses that sync's plan and loaded kernels,
// skipping passes, scheduling, lowering and key hashing.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>

#include "cache/key.hpp"
#include "graph/errors.hpp"
#include "kiln/error.hpp"
#include "passes/pipeline.hpp"
#include "runtime/context.hpp"

namespace kiln::runtime {

namespace {

// Outer reductions split their reduced range only while one accumulator row per split (8 bytes
// an output at most) stays within this machine's 2 MiB L2.
constexpr int64_t kOuterSplitMaxOutputs = 1 << 17;

// Elements a thread must get before splitting a launch pays: a 2-thread fork-join costs about
// a microsecond, which a cheap kernel (cost ~5) spends on ~30k elements.
int64_t grain_for(const ir::KernelIR& ir) {
  constexpr int64_t kWorkPerChunk = 150'000;  // in ops.def cost units
  const int64_t cost = std::max<uint32_t>(1, ir.cost_per_element());
  return std::max<int64_t>(2048, kWorkPerChunk / cost);
}

// How a reduction launch splits its reduced range into rows of partial results, which the
// finish combines in row order. The rows fix the order of float sums and products, so
// reductions give bit-identical results for any thread count:
// - an inner reduction (the reduced axes are the fastest) gives each row exactly one group of
//   ir::kTreeGroup positions, whose total its kernel computes the same way whether or not the
//   range is split (see kernel_ir.hpp), so splitting is only a matter of speed: it splits when
//   there are threads to share the groups and too few outputs to share instead;
// - an outer reduction (the kept axes are the fastest) adds each output's values in row order,
//   so its rows depend on the element counts alone: it splits the reduced range into
//   kOuterSplits rows while one accumulator row per split stays cache-resident, so that each
//   thread streams a contiguous block of rows (sharing out the columns instead would make every
//   thread jump a row stride per row). One thread runs the rows one after the other.
struct Splits {
  int64_t rows = 1;  // accumulator rows
  int64_t span = 0;  // reduced positions per row
};
constexpr int64_t kOuterSplits = 8;

Splits reduction_splits(ir::KernelKind kind, int64_t outputs, int64_t reduced, int64_t grain,
                        int threads) {
  if (kind == ir::KernelKind::ReduceOuter) {
    if (outputs > kOuterSplitMaxOutputs || reduced < 16 * kOuterSplits) return {};
    const int64_t span = ((reduced + kOuterSplits - 1) / kOuterSplits + 63) & ~int64_t{63};
    return {(reduced + span - 1) / span, span};
  }
  if (threads <= 1 || outputs * reduced <= grain || outputs >= 4 * threads ||
      reduced < 2 * ir::kTreeGroup)
    return {};
  return {(reduced + ir::kTreeGroup - 1) / ir::kTreeGroup, ir::kTreeGroup};
}

// A buffer that views `base` from element `offset` on, keeping `base` alive.
std::shared_ptr<graph::Buffer> alias(const std::shared_ptr<graph::Buffer>& base, int64_t offset,
                                     DType dtype) {
  struct Alias {
    std::shared_ptr<graph::Buffer> base;
    graph::Buffer view;
  };
  const size_t skip = static_cast<size_t>(offset) * itemsize(dtype);
  auto holder = std::make_shared<Alias>(Alias{base, *base});
  holder->view.data = static_cast<char*>(base->data) + skip;
  holder->view.bytes = base->bytes - skip;
  return std::shared_ptr<graph::Buffer>(holder, &holder->view);
}

// Everything about the pending graph except its buffers, from a walk_pending() result: two
// graphs with equal signatures get the same plan.
void signature(const std::vector<graph::Node*>& order, const std::vector<int32_t>& outputs,
               std::vector<uint8_t>& out) {
  out.clear();
  auto put = [&out](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  };
  for (const graph::Node* n : order) {
    const bool data = n->evaluated();
    const uint8_t head[5] = {static_cast<uint8_t>(data ? graph::Op::Data : n->op),
                             static_cast<uint8_t>(n->dtype),
                             static_cast<uint8_t>(data ? 0 : n->nargs),
                             static_cast<uint8_t>(n->shape.rank()), n->device};
    put(head, sizeof head);
    put(n->shape.begin(), static_cast<size_t>(n->shape.rank()) * sizeof(int64_t));
    if (data) continue;
    for (int i = 0; i < n->nargs; ++i) put(&n->args[i]->visit_index, sizeof(int32_t));
    const uint8_t srank = static_cast<uint8_t>(n->strides.rank());
    put(&srank, 1);
    put(n->strides.begin(), static_cast<size_t>(n->strides.rank()) * sizeof(int64_t));
    put(n->payload.v.data(), sizeof n->payload.v);
    // A plan's run-time errors name the recording call site: ops that can raise one keep it.
    if (graph::has_flag(n->op, graph::kMayFail) || graph::is_gather(n->op)) {
      put(&n->loc.file, sizeof n->loc.file);
      put(&n->loc.line, sizeof n->loc.line);
    }
  }
  put(outputs.data(), outputs.size() * sizeof(int32_t));
}

// References held for the duration of a sync, dropped after the tracer's lock is released.
struct HeldRefs {
  graph::Tracer& tracer;
  std::vector<graph::Node*> nodes;
  ~HeldRefs() {
    for (graph::Node* n : nodes) tracer.drop_ref(n);
  }
};

constexpr size_t kMaxPlans = 1024;
constexpr size_t kStreamBytes = size_t{64} << 20;  // twice this machine's 32 MiB L3

}  // namespace

void Context::evaluate(std::span<graph::Node* const> targets) {
  std::lock_guard lock(tracer_.mutex());
  evaluate_locked(targets);
}

void Context::evaluate_all() {
  HeldRefs held{tracer_, {}};
  std::lock_guard lock(tracer_.mutex());
  held.nodes = tracer_.pending_handles();
  evaluate_locked(held.nodes);
}

void Context::synchronize_devices() {
  std::vector<jit::DeviceMemory*> memories;
  {
    std::lock_guard lock(tracer_.mutex());
    for (auto& [id, backend] : devices_)
      if (jit::DeviceMemory* memory = backend->device_memory()) memories.push_back(memory);
  }
  // Devices are never closed, so the pointers stay valid; the waits need no lock of ours.
  for (jit::DeviceMemory* memory : memories) memory->synchronize();
}

Context::CachedPlan& Context::plan_for(const std::vector<graph::Node*>& order,
                                       const std::vector<int32_t>& outputs) {
  signature(order, outputs, signature_);
  const uint64_t h = cache::hash64(signature_);
  if (auto it = plans_.find(h); it != plans_.end() && it->second.signature == signature_) {
    it->second.last_use = ++plan_clock_;
    return it->second;
  }
  if (plans_.size() >= kMaxPlans) {  // forget the least recently used half
    std::vector<std::pair<uint64_t, uint64_t>> uses;
    for (const auto& [key, p] : plans_) uses.push_back({p.last_use, key});
    std::sort(uses.begin(), uses.end());
    for (size_t i = 0; i < uses.size() / 2; ++i) plans_.erase(uses[i].second);
  }
  CachedPlan fresh;
  fresh.signature = signature_;
  fresh.last_use = ++plan_clock_;
  graph::Graph g = graph::build_graph(order, outputs);
  passes::run_pipeline(g, options_.dump_passes);
  fresh.plan = schedule::make_plan(g);
  fresh.entries.resize(fresh.plan.kernels.size());
  fresh.produced_size = g.nodes.size();
  return plans_.insert_or_assign(h, std::move(fresh)).first->second;
}

void Context::evaluate_locked(std::span<graph::Node* const> requested) {
  std::vector<graph::Node*>& targets = targets_;
  targets.clear();
  for (graph::Node* n : requested)
    if (!n->evaluated() && std::find(targets.begin(), targets.end(), n) == targets.end())
      targets.push_back(n);
  if (targets.empty()) return;
  ++stats_.syncs;

  graph::walk_pending(tracer_, targets, order_, outputs_);
  if (std::any_of(order_.begin(), order_.end(), [](const graph::Node* n) {
        return graph::is_library(n->op) && !n->evaluated();
      })) {
    // Library ops (matmul) and transfers run first, with nested evaluations of their operands
    // that reuse this function's scratch vectors; then the rest is planned without them.
    const graph::Tracer::LockedHandles held(tracer_, {targets.begin(), targets.end()});
    run_library_ops(std::vector<graph::Node*>(order_));
    evaluate_locked(held.nodes());
    return;
  }
  const graph::DeviceId device = targets[0]->device;
  if (std::any_of(targets.begin(), targets.end(),
                  [device](const graph::Node* n) { return n->device != device; })) {
    // Only transfers cross devices, and they have run: each device's targets share no pending
    // node with another's, and are evaluated on their own.
    const std::vector<graph::Node*> all(targets.begin(), targets.end());
    std::vector<graph::DeviceId> devices;
    for (const graph::Node* n : all)
      if (std::find(devices.begin(), devices.end(), n->device) == devices.end())
        devices.push_back(n->device);
    for (graph::DeviceId d : devices) {
      std::vector<graph::Node*> mine;
      for (graph::Node* n : all)
        if (n->device == d) mine.push_back(n);
      evaluate_locked(mine);
    }
    return;
  }
  evaluate_on_device(device);
}

void Context::evaluate_on_device(graph::DeviceId device) {
  const std::vector<graph::Node*>& targets = targets_;
  jit::Backend* opened = nullptr;
  try {
    opened = &backend_for(device);  // a device's driver and code generator, at its first use
  } catch (const kiln::Error& e) {
    graph::rethrow_at(e, targets[0]->loc);
  }
  jit::Backend& backend = *opened;
  jit::DeviceMemory* memory = backend.device_memory();
  CachedPlan& cached = plan_for(order_, outputs_);
  // The data, by position in the walk: the plan refers to its inputs that way.
  data_.assign(order_.size(), nullptr);
  for (size_t i = 0; i < order_.size(); ++i)
    if (order_[i]->evaluated()) data_[i] = order_[i]->buffer;
  produced_.assign(cached.produced_size, nullptr);
  const size_t kernels = cached.plan.kernels.size();
  // On a device, kernels run asynchronously: each ORs its error bits into its own word, and the
  // words are read (waiting for the device) only when some kernel can fail.
  std::shared_ptr<graph::Buffer> status;
  bool may_fail = false;
  if (memory && kernels > 0) {
    try {
      status = memory->allocate(kernels * sizeof(uint64_t));
      memory->zero(status->data, kernels * sizeof(uint64_t));
    } catch (const kiln::Error& e) {
      graph::rethrow_at(e, targets[0]->loc);
    }
  }
  for (size_t k = 0; k < kernels; ++k) {
    const schedule::KernelLaunch& launch = cached.plan.kernels[k];
    try {
      if (!cached.entries[k].main)
        cached.entries[k] = kernel_for(launch, backend, device);
      else
        note_hit(launch, backend);
      may_fail |= !launch.error_sources.empty();
      run(launch, cached.entries[k], backend, memory,
          status ? static_cast<uint64_t*>(status->data) + k : nullptr, data_, produced_);
    } catch (const kiln::Error& e) {
      graph::rethrow_at(e, launch.loc);  // e.g. the device out of memory: whose kernel it was
    }
  }
  if (status && may_fail) {
    std::vector<uint64_t> words(kernels);
    try {
      memory->download(words.data(), status->data, kernels * sizeof(uint64_t));
    } catch (const kiln::Error& e) {  // some work queued on the device failed
      graph::rethrow_at(
          kiln::Error(std::string(e.what()) + ", while running the kernels queued up to this sync"),
          targets[0]->loc);
    }
    for (size_t k = 0; k < kernels; ++k)
      if (words[k]) {
        const schedule::ErrorSource& e =
            cached.plan.kernels[k].error_sources[std::countr_zero(words[k])];
        data_.clear();
        produced_.clear();
        graph::throw_error(e.op, e.message, e.loc);
      }
  }

  for (size_t t = 0; t < targets.size(); ++t) {
    const schedule::OutputRef& out = cached.plan.outputs[t];
    std::shared_ptr<graph::Buffer> buffer;
    switch (out.kind) {
      case schedule::OutputRef::Kind::produced:
        buffer = produced_[out.node];
        break;
      case schedule::OutputRef::Kind::data:
        buffer = data_[out.node];
        break;
      case schedule::OutputRef::Kind::alias:
        buffer = alias(data_[out.node], out.offset, out.dtype);
        break;
      case schedule::OutputRef::Kind::empty:
        buffer = memory ? memory->allocate(0) : pool_.allocate(0);
        break;
    }
    tracer_.attach_buffer(targets[t], std::move(buffer));
  }
  data_.clear();
  produced_.clear();
}

void Context::run(const schedule::KernelLaunch& k, const jit::KernelEntry& entry,
                  jit::Backend& backend, jit::DeviceMemory* memory, uint64_t* status,
                  const std::vector<std::shared_ptr<graph::Buffer>>& data,
                  std::vector<std::shared_ptr<graph::Buffer>>& produced) {
  jit::LaunchArgs args;
  args.size = k.size;
  args.reduce_size = k.reduce_size;
  args.grain = grain_for(k.ir);
  args.status = status;
  if (memory) {
    // A device kernel finishes its reductions itself: no splits, no accumulator rows.
  } else if (k.ir.is_reduction()) {
    const Splits splits =
        reduction_splits(k.ir.kind, k.size, k.reduce_size, args.grain, threads_.threads());
    args.splits = splits.rows;
    args.split_span = splits.span;
  } else {
    // Outputs much larger than the last-level cache are written past it (the thread pool
    // starts such chunks at cache-line multiples).
    size_t bytes = 0;
    for (const ir::Output& o : k.ir.outputs)
      bytes += static_cast<size_t>(k.size) * itemsize(o.dtype);
    args.stream = bytes >= kStreamBytes && k.size >= 64 * threads_.threads();
  }

  std::shared_ptr<graph::Buffer> scratch[16];  // outputs, then accumulators (more: heap)
  std::vector<std::shared_ptr<graph::Buffer>> more;
  size_t owned = 0;
  auto allocate = [&](size_t bytes) -> void* {
    std::shared_ptr<graph::Buffer> b = memory ? memory->allocate(bytes) : pool_.allocate(bytes);
    stats_.bytes_allocated += bytes;
    void* p = b->data;
    if (owned < std::size(scratch))
      scratch[owned] = std::move(b);
    else
      more.push_back(std::move(b));
    ++owned;
    return p;
  };
  void* inline_pointers[32];
  std::vector<void*> heap_pointers;
  const size_t count =
      k.ir.outputs.size() + k.inputs.size() + (memory ? 0 : k.ir.num_accumulators());
  void** pointers = inline_pointers;
  if (count > std::size(inline_pointers)) {
    heap_pointers.resize(count);
    pointers = heap_pointers.data();
  }
  size_t at = 0;
  for (const ir::Output& o : k.ir.outputs)
    pointers[at++] = allocate(static_cast<size_t>(k.size) * itemsize(o.dtype));
  for (const schedule::InputRef& in : k.inputs) {
    const graph::Buffer* b = in.data >= 0 ? data[in.data].get() : produced[in.produced_by].get();
    KILN_CHECK(b != nullptr, "kernel input was not produced by an earlier kernel");
    pointers[at++] = b->data;
  }
  for (const ir::Instr& i : k.ir.instrs) {
    if (memory || i.kind != ir::InstrKind::Reduce) continue;
    const DType acc = ir::accumulator_dtype(i.op, k.ir.instrs[i.args[0]].dtype);
    const size_t rows = static_cast<size_t>(args.splits * k.size);
    pointers[at++] = allocate(rows * itemsize(acc));
    if (i.op == graph::Op::ArgMax || i.op == graph::Op::ArgMin) pointers[at++] = allocate(rows * 8);
  }
  args.buffers = pointers;
  args.params = k.params.data();
  const uint64_t raised = backend.launch(entry, args, threads_);
  ++stats_.kernels_launched;
  if (raised) {
    const schedule::ErrorSource& e = k.error_sources[std::countr_zero(raised)];
    graph::throw_error(e.op, e.message, e.loc);
  }
  for (size_t o = 0; o < k.ir.outputs.size(); ++o)
    produced[k.stores[o]] =
        o < std::size(scratch) ? std::move(scratch[o]) : std::move(more[o - std::size(scratch)]);
}

}  // namespace kiln::runtime
