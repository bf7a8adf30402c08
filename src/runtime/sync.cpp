// The sync driver: pending graph -> passes -> schedule -> key -> cache -> compile -> launch.
//
// A plan cache sits in front: a sync whose captured graph has exactly the structure and values
// of an earlier one (only the data buffers differ) reuses that sync's plan and loaded kernels,
// skipping passes, scheduling, lowering and key hashing.
//
// Threading (see Context): a sync reads the trace under the tracer's lock once (walk, signature,
// input data, a copy of the graph when it must be planned), plans, compiles and runs without
// it, and takes it again to attach the results.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "cache/key.hpp"
#include "graph/errors.hpp"
#include "kiln/error.hpp"
#include "passes/pipeline.hpp"
#include "runtime/captured_call.hpp"
#include "runtime/context.hpp"
#include "runtime/walk_prefetch.hpp"

namespace kiln::runtime {

namespace {

// Outer reductions split their reduced range only while one accumulator row per split (8 bytes
// an output at most) stays within this machine's 2 MiB L2.
constexpr int64_t kOuterSplitMaxOutputs = 1 << 17;

// Elements a thread must get before splitting a launch pays: a 2-thread fork-join costs about
// a microsecond, which a cheap kernel (cost ~5) spends on ~30k elements.
int64_t grain_for(const schedule::KernelLaunch& k) {
  constexpr int64_t kWorkPerChunk = 150'000;  // in ops.def cost units
  const int64_t cost = std::max<uint32_t>(1, k.cost_per_element);
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
  holder->view.part = true;
  return std::shared_ptr<graph::Buffer>(holder, &holder->view);
}

// Everything about the pending graph except its buffers, from a walk_pending() result: two
// graphs with equal signatures get the same plan. The structural form leaves out the values of
// the scalars (Full nodes: constants, random seeds and streams), keeping of them only their
// class (graph::ScalarClass: zero, one, two, ...; constant folding picks a where() branch by
// zero, and the rewrite rules decide by class) and which are equal (the CSE pass merges equal
// ones): a plan whose scalar parameters are all relocations
// (schedule::Relocation) serves any values, so a loop whose scalars change plans once. The
// other form keeps every value, for plans that folded constants.
void signature(const std::vector<graph::Node*>& order, const std::vector<int32_t>& outputs,
               std::span<const char> writable, bool structural, std::vector<ScalarKey>& scalars,
               std::vector<int32_t>& first_equal, std::vector<uint32_t>& key_uses,
               SignatureBytes& out) {
  // A typical node's bytes (about 80): one growth at most.
  out.resize(1 + order.size() * 80 + outputs.size() * sizeof(int32_t));
  out[0] = static_cast<uint8_t>(structural);
  if (structural) {  // each scalar's first equal one (by position), from one sort
    scalars.clear();
    bool has_philox = false;
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i]->evaluated()) continue;
      has_philox |= order[i]->op == graph::Op::Philox;
      if (order[i]->op == graph::Op::Full)
        scalars.push_back({static_cast<uint8_t>(order[i]->dtype), order[i]->payload.v[0],
                           order[i]->payload.v[1], static_cast<int32_t>(i)});
    }
    std::sort(scalars.begin(), scalars.end());
    first_equal.resize(order.size());
    for (size_t k = 0; k < scalars.size(); ++k) {
      const bool repeat = k > 0 && scalars[k].dtype == scalars[k - 1].dtype &&
                          scalars[k].bits == scalars[k - 1].bits &&
                          scalars[k].tag == scalars[k - 1].tag;
      first_equal[scalars[k].position] =
          repeat ? first_equal[scalars[k - 1].position] : scalars[k].position;
    }
    // A scalar that only random generators read (a seed, a stream) reaches no rewrite rule: of
    // it, the signature keeps only whether it is zero, so a loop drawing new streams plans
    // once. Marked here as -1 - first_equal.
    if (has_philox) {
      key_uses.assign(order.size(), 0);
      for (const graph::Node* n : order)
        if (!n->evaluated() && n->op == graph::Op::Philox)
          for (int a = 0; a < n->nargs; ++a) ++key_uses[n->args[a]->visit_index];
      for (const ScalarKey& k : scalars) {
        const graph::Node* n = order[k.position];
        if (key_uses[k.position] == n->uses) first_equal[k.position] = -1 - first_equal[k.position];
      }
    }
  }
  // Each node's bytes go straight into `out`, grown ahead by a whole record at a time; the
  // fields are copied in fixed-size words, not by memcpy calls of run-time sizes (appending
  // each field on its own, or each node's record, cost more than the rest of the signature).
  constexpr size_t kMaxRecord = 5 + 2 * graph::kMaxDims * sizeof(int64_t) + 3 * sizeof(int32_t) +
                                1 + sizeof(graph::Payload) + sizeof(graph::SourceLoc);
  size_t used = 1;
  for (size_t k = 0; k < order.size(); ++k) {
    const graph::Node* n = order[k];
    prefetch_ahead(order, k, 4);  // its first four lines: up to the payload and the loc
    if (out.size() - used < kMaxRecord) out.resize(std::max(out.size() * 2, used + kMaxRecord));
    uint8_t* at = out.data() + used;
    auto put_words = [&at](const int64_t* p, int count) {
      for (int i = 0; i < count; ++i, at += sizeof(int64_t))
        std::memcpy(at, p + i, sizeof(int64_t));
    };
    auto put32 = [&at](int32_t v) {
      std::memcpy(at, &v, sizeof v);
      at += sizeof v;
    };
    const bool data = n->evaluated();
    at[0] = static_cast<uint8_t>(data ? graph::Op::Data : n->op);
    at[1] = static_cast<uint8_t>(n->dtype);
    // Data: whether an update may write into it (the plan differs).
    at[2] = static_cast<uint8_t>(data ? !writable.empty() && writable[n->visit_index] : n->nargs);
    at[3] = static_cast<uint8_t>(n->shape.rank());
    at[4] = n->device;
    at += 5;
    put_words(n->shape.begin(), n->shape.rank());
    if (!data) {
      for (int i = 0; i < n->nargs; ++i) put32(n->args[i]->visit_index);
      *at++ = static_cast<uint8_t>(n->strides.rank());
      put_words(n->strides.begin(), n->strides.rank());
      if (structural && n->op == graph::Op::Full) {
        const int32_t fe = first_equal[n->visit_index];
        const bool key = fe < 0;
        *at++ = static_cast<uint8_t>(
            key ? (n->payload.v[0] == 0 ? graph::ScalarClass::zero : graph::ScalarClass::other)
                : graph::scalar_class(n->dtype, n->payload.v[0]));
        put32(key ? -1 - fe : fe);
      } else {
        std::memcpy(at, n->payload.v.data(), sizeof n->payload.v);
        at += sizeof n->payload.v;
      }
      // A plan's run-time errors name the recording call site: ops that can raise one keep it.
      if (graph::has_flag(n->op, graph::kMayFail) || graph::is_gather(n->op)) {
        std::memcpy(at, &n->loc.file, sizeof n->loc.file);
        at += sizeof n->loc.file;
        put32(static_cast<int32_t>(n->loc.line));
      }
    }
    used = static_cast<size_t>(at - out.data());
  }
  out.resize(used);
  const auto* o = reinterpret_cast<const uint8_t*>(outputs.data());
  out.insert(out.end(), o, o + outputs.size() * sizeof(int32_t));
}

constexpr size_t kMaxPlans = 1024;

// "file:line" of the call site an error message ends with ("... (at file:line)"), or "".
std::string call_site_of(const std::string& message) {
  const size_t at = message.rfind("(at ");
  if (at == std::string::npos || message.back() != ')') return {};
  return message.substr(at + 4, message.size() - at - 5);
}

}  // namespace

Context::SyncSpans::SyncSpans(Context& c, const char* name, graph::SourceLoc site)
    : c_(c), span_(c.timeline_, name, "sync", site) {
  if (span_.on()) c_.timeline_.sync_starts(site, c_.tracer_.trace_ops);
}

Context::SyncSpans::~SyncSpans() {
  if (span_.on()) c_.timeline_.sync_ends();
}

bool planned_in_kernels(const graph::Node& n) {
  return graph::is_window_base(n.op);
}

Context::CaptureLease::CaptureLease(Context& c) : context_(c) {
  {
    std::lock_guard lock(c.captures_mutex_);
    if (!c.spare_captures_.empty()) {
      capture_ = std::move(c.spare_captures_.back());
      c.spare_captures_.pop_back();
    }
  }
  if (!capture_) capture_ = std::make_unique<Capture>();
}

Context::CaptureLease::~CaptureLease() {
  Capture& c = *capture_;
  for (graph::Node* n : c.kept) context_.tracer_.drop_ref(n);
  c.kept.clear();
  c.targets.clear();
  c.order.clear();
  c.outputs.clear();
  c.signature.clear();
  c.value_signature.clear();
  c.data.clear();  // lets go of the buffers
  c.plan.reset();
  c.graph = {};
  c.produced.clear();
  c.results.clear();
  std::lock_guard lock(context_.captures_mutex_);
  if (context_.spare_captures_.size() < 16) context_.spare_captures_.push_back(std::move(capture_));
}

void Context::evaluate(std::span<graph::Node* const> requested, bool nested) {
  refuse_sync_while_tracing(requested.empty() ? nullptr : requested[0]);
  const graph::SourceLoc site = requested.empty() ? graph::SourceLoc{} : requested[0]->loc;
  SyncSpans spans(*this, nested ? "nested sync" : "sync", site);
  for (;;) {
    Held held(tracer_);
    CaptureLease lease(*this);
    Capture& capture = *lease;
    {
      std::lock_guard lock(tracer_.mutex());
      const uint32_t epoch = tracer_.next_epoch();  // marks what is held: no quadratic search
      for (graph::Node* n : requested) {
        if (n->failure) throw kiln::Error(*n->failure);
        if (!n->evaluated() && n->visit_epoch != epoch) {
          n->visit_epoch = epoch;
          held.add(n);
        }
      }
      if (held.nodes.empty()) return;
      // The common case, in this one hold of the lock: no library op pending, one device.
      if (!capture_kernels(held, capture, !nested)) capture.targets.clear();
    }
    if (capture.blocked) {  // some of it is being computed asynchronously
      wait_async();
      continue;
    }
    ++counters_.syncs;
    if (!capture.targets.empty())
      run_capture(capture);
    else
      evaluate_held(held.nodes);
    return;
  }
}

void Context::evaluate_all() {
  refuse_sync_while_tracing(nullptr);
  wait_async();  // (pending_handles() lists the nodes in flight too)
  SyncSpans spans(*this, "sync (all pending)", {});
  Held held(tracer_);
  CaptureLease lease(*this);
  std::vector<graph::Node*> targets;
  bool captured = false, blocked = false;
  {
    std::lock_guard lock(tracer_.mutex());
    held.nodes = tracer_.pending_handles();
    if (held.nodes.empty()) return;
    // The common case in one walk: no library op pending, one device, nothing failed.
    try {
      captured = capture_kernels(held, *lease, true);
    } catch (const kiln::Error&) {  // something pending failed earlier: see below
      captured = false;
    }
    blocked = lease->blocked;
    if (!captured && !blocked) {
      // Arrays computed from one whose evaluation failed raise that error when they are
      // evaluated themselves; an unrelated sync leaves them pending.
      std::vector<graph::Node*> order;
      std::vector<int32_t> outputs;
      if (graph::walk_pending(tracer_, held.nodes, order, outputs)) {
        std::vector<char> tainted(order.size(), 0);
        for (size_t i = 0; i < order.size(); ++i) {
          const graph::Node* n = order[i];
          tainted[i] = n->failure != nullptr;
          for (int a = 0; a < n->nargs && !n->evaluated(); ++a)
            tainted[i] |= !n->args[a]->evaluated() && tainted[n->args[a]->visit_index];
        }
        for (size_t t = 0; t < held.nodes.size(); ++t)
          if (!tainted[outputs[t]]) targets.push_back(held.nodes[t]);
      } else {
        targets = held.nodes;
      }
    }
  }
  if (blocked) {  // another thread started an asynchronous sync of some of it meanwhile
    wait_async();
    evaluate_all();
    return;
  }
  if (!captured && targets.empty()) return;
  ++counters_.syncs;
  if (captured)
    run_capture(*lease);
  else
    evaluate_held(targets);
}

void Context::evaluate_held(const std::vector<graph::Node*>& targets) {
  // Library ops (matmul, FFTs, scatters, ...) and transfers first, each with a nested evaluation
  // of its operands; then each device's targets (only transfers cross devices, and they have
  // run, so the devices share no pending node).
  run_library_ops(targets);
  std::vector<graph::DeviceId> devices;
  for (const graph::Node* n : targets)
    if (std::find(devices.begin(), devices.end(), n->device) == devices.end())
      devices.push_back(n->device);
  for (graph::DeviceId d : devices) {
    Held mine(tracer_);  // (the targets are held: no lock needed for a reference)
    for (graph::Node* n : targets)
      if (n->device == d) mine.add(n);
    for (;;) {
      CaptureLease capture(*this);
      {
        std::lock_guard lock(tracer_.mutex());
        if (!capture_kernels(mine, *capture, false) && !capture->blocked)
          break;  // evaluated meanwhile
      }
      if (capture->blocked) {  // some of it is in flight
        wait_async();
        continue;
      }
      run_capture(*capture);
      break;
    }
  }
}

void Context::synchronize_devices() {
  std::vector<jit::DeviceMemory*> memories;
  {
    std::lock_guard lock(backends_mutex_);
    for (auto& [id, backend] : devices_)
      if (jit::DeviceMemory* memory = backend->device_memory()) memories.push_back(memory);
  }
  // Devices are never closed, so the pointers stay valid; the waits need no lock of ours.
  for (jit::DeviceMemory* memory : memories) memory->synchronize();
}

std::shared_ptr<const Context::CachedPlan> Context::find_plan(const SignatureBytes& signature,
                                                              uint64_t hash) {
  std::lock_guard lock(plans_mutex_);
  auto it = plans_.find(hash);
  if (it == plans_.end() || it->second.signature != signature) return nullptr;
  it->second.last_use = ++plan_clock_;
  return it->second.plan;
}

void Context::publish_plan(const SignatureBytes& signature, uint64_t hash,
                           std::shared_ptr<const CachedPlan> plan) {
  std::lock_guard lock(plans_mutex_);
  if (plans_.size() >= kMaxPlans) {  // forget the least recently used half
    std::vector<std::pair<uint64_t, uint64_t>> uses;
    for (const auto& [key, p] : plans_) uses.push_back({p.last_use, key});
    std::sort(uses.begin(), uses.end());
    for (size_t i = 0; i < uses.size() / 2; ++i) plans_.erase(uses[i].second);
  }
  plans_.insert_or_assign(hash, PlanSlot{signature, std::move(plan), ++plan_clock_});
}

std::shared_ptr<const Context::CachedPlan> Context::plan_graph(graph::Graph g,
                                                               jit::Backend& backend,
                                                               graph::DeviceId device,
                                                               passes::OptimizeLevel optimize) {
  auto fresh = std::make_shared<CachedPlan>();
  passes::RewriteReport rewrites;
  {
    Timeline::Span span(timeline_, "passes", "plan");
    rewrites = passes::run_pipeline(g, {optimize, options_.dump_passes, options_.log_rewrites});
    if (span.on())
      span.detail(std::to_string(g.nodes.size()) + " nodes, " + std::to_string(rewrites.fired) +
                  " rewrites");
  }
  counters_.rewrites += rewrites.fired;
  counters_.rewrite_seconds += rewrites.seconds;
  {
    Timeline::Span schedule_span(timeline_, "schedule", "plan");
    fresh->plan = schedule::make_plan(g);
    if (schedule_span.on())
      schedule_span.detail(std::to_string(fresh->plan.kernels.size()) + " kernels");
  }
  counters_.planner_visits += g.visits + fresh->plan.visits;
  fresh->relocatable = !g.values_used;
  for (const schedule::KernelLaunch& k : fresh->plan.kernels)
    fresh->relocatable &= !k.derived_scalars;
  fresh->produced_size = g.nodes.size();
  load_kernels(*fresh, backend, device);
  return fresh;
}

bool Context::capture_kernels(Held& held, Capture& c, bool together, CallProbe* probe) {
  c.targets.clear();
  for (graph::Node* n : held.nodes)
    if (!n->evaluated()) c.targets.push_back(n);
  if (c.targets.empty()) return false;
  Timeline::Span span(timeline_, "walk + plan lookup", "plan", c.targets[0]->loc);
  c.asked = c.targets.size();
  c.device = c.targets[0]->device;
  c.blocked = false;
  const graph::Node* failed = graph::walk_pending(tracer_, c.targets, c.order, c.outputs);
  if (tracer_.walk_met_in_flight) {  // wait for those, then walk again (the caller does)
    c.blocked = true;
    return false;
  }
  if (failed) throw kiln::Error(*failed->failure);
  if (together && tracer_.any_together() && add_computed_together(held, c))
    if (const graph::Node* failed = graph::walk_pending(tracer_, c.targets, c.order, c.outputs))
      throw kiln::Error(*failed->failure);
  for (const graph::Node* n : c.targets)
    if (n->device != c.device) return false;
  for (const graph::Node* n : c.order)
    if (graph::is_library(n->op) && !n->evaluated() && !planned_in_kernels(*n))
      return false;  // run first (run_library_ops)
  keep_held_arrays(c);
  find_writable(c);
  signature(c.order, c.outputs, c.writable, /*structural=*/true, c.scalar_keys, c.first_equal,
            c.key_uses, c.signature);
  c.optimize = optimize_.load();
  c.signature[0] |= static_cast<uint8_t>(static_cast<uint8_t>(c.optimize) << 1);  // the rules
  c.hash = cache::hash64(c.signature);
  c.plan = find_plan(c.signature, c.hash);
  c.value_signature.clear();
  if (!c.plan) {  // a plan made for these scalar values only
    signature(c.order, c.outputs, c.writable, /*structural=*/false, c.scalar_keys, c.first_equal,
              c.key_uses, c.value_signature);
    c.value_signature[0] |= static_cast<uint8_t>(static_cast<uint8_t>(c.optimize) << 1);
    c.value_hash = cache::hash64(c.value_signature);
    c.plan = find_plan(c.value_signature, c.value_hash);
  }
  ++(c.plan ? counters_.plan_cache_hits : counters_.plans_built);
  if (span.on())
    span.detail(std::to_string(c.order.size()) + " nodes, plan " + (c.plan ? "hit" : "miss"));
  c.data.assign(c.order.size(), nullptr);
  c.scalars.assign(c.order.size(), 0);
  for (size_t i = 0; i < c.order.size(); ++i) {
    prefetch_ahead(c.order, i, 2);
    const graph::Node* n = c.order[i];
    if (n->evaluated())
      c.data[i] = n->buffer;
    else if (n->op == graph::Op::Full)
      c.scalars[i] = n->payload.v[0];
  }
  if (!c.plan) c.graph = graph::build_graph(c.order, c.outputs, c.writable);
  if (probe) fill_probe(c, *probe);
  c.site = c.targets[0]->loc;
  c.order.clear();  // not to be read without the lock
  return true;
}

void Context::run_capture(Capture& c) {
  jit::Backend* opened = nullptr;
  try {
    opened = &backend_for(c.device);  // a device's driver and code generator, at its first use
  } catch (const kiln::Error& e) {
    graph::rethrow_at(e, c.targets[0]->loc);
  }
  std::unique_lock gpu(gpu_mutex_, std::defer_lock);
  if (c.device != graph::kCpuDevice) gpu.lock();
  try {
    if (!c.plan) {
      c.plan = plan_graph(std::move(c.graph), *opened, c.device, c.optimize);
      if (c.plan->relocatable)
        publish_plan(c.signature, c.hash, c.plan);
      else
        publish_plan(c.value_signature, c.value_hash, c.plan);
    } else {
      for (const schedule::KernelLaunch& k : c.plan->plan.kernels) note_hit(k, *opened);
    }
    run_plan(*c.plan, *opened, c);
  } catch (const kiln::Error& e) {
    // Only the arrays asked for keep the error: a kept one may be fine, and is computed again
    // (raising its own error, if any) when it is needed.
    c.targets.resize(c.asked);
    mark_failed(c.targets, e);
    throw;
  }
  attach(c.targets, c.results);
}

void Context::run_plan(const CachedPlan& cached, jit::Backend& backend, Capture& c) {
  const std::vector<std::shared_ptr<graph::Buffer>>& data = c.data;
  std::vector<std::shared_ptr<graph::Buffer>>& produced = c.produced;
  std::vector<std::shared_ptr<graph::Buffer>>& results = c.results;
  jit::DeviceMemory* memory = backend.device_memory();
  produced.assign(cached.produced_size, nullptr);
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
      graph::rethrow_at(e, c.site);
    }
  }
  // Concatenations' buffers, which kernels fill through windows, and the nested ones' parts.
  try {
    for (const schedule::WindowBase& b : cached.plan.window_bases) {
      if (b.donor >= 0) {  // an update in place: the data's own buffer
        produced[b.node] = data[b.donor];
        continue;
      }
      const size_t bytes = static_cast<size_t>(b.elements) * itemsize(b.dtype);
      produced[b.node] = memory ? memory->allocate(bytes) : pool_.allocate(bytes);
      counters_.bytes_allocated += bytes;
    }
  } catch (const kiln::Error& e) {
    graph::rethrow_at(e, c.site);
  }
  for (const schedule::WindowAlias& a : cached.plan.window_aliases)
    produced[a.node] = alias(produced[a.window.base], a.window.offset, a.dtype);
  for (size_t k = 0; k < kernels; ++k) {
    const schedule::KernelLaunch& launch = cached.plan.kernels[k];
    try {
      may_fail |= !launch.error_sources.empty();
      run(launch, cached.entries[k], backend, memory,
          status ? static_cast<uint64_t*>(status->data) + k : nullptr, data, produced, c.scalars,
          c.params);
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
          c.site);
    }
    for (size_t k = 0; k < kernels; ++k)
      if (words[k]) {
        const schedule::ErrorSource& e =
            cached.plan.kernels[k].error_sources[std::countr_zero(words[k])];
        graph::throw_error(e.op, e.message, e.loc);
      }
  }
  results.clear();
  for (size_t t = 0; t < cached.plan.outputs.size(); ++t) {
    const schedule::OutputRef& out = cached.plan.outputs[t];
    switch (out.kind) {
      case schedule::OutputRef::Kind::produced:
        results.push_back(produced[out.node]);
        break;
      case schedule::OutputRef::Kind::data:
        results.push_back(data[out.node]);
        break;
      case schedule::OutputRef::Kind::alias:
        results.push_back(alias(data[out.node], out.offset, out.dtype));
        break;
      case schedule::OutputRef::Kind::empty:
        results.push_back(memory ? memory->allocate(0) : pool_.allocate(0));
        break;
    }
  }
}

void Context::attach(const std::vector<graph::Node*>& targets,
                     std::vector<std::shared_ptr<graph::Buffer>>& results) {
  std::lock_guard lock(tracer_.mutex());
  for (size_t t = 0; t < targets.size(); ++t)
    if (!targets[t]->evaluated()) tracer_.attach_buffer(targets[t], std::move(results[t]));
}

void Context::mark_failed(const std::vector<graph::Node*>& targets, const kiln::Error& e) {
  const std::string site = call_site_of(e.what());
  auto message = std::make_shared<const std::string>(e.what());
  std::lock_guard lock(tracer_.mutex());
  std::vector<graph::Node*> order;
  std::vector<int32_t> outputs;
  std::vector<char> hit;
  if (!site.empty()) {
    graph::walk_pending(tracer_, targets, order, outputs);
    if (tracer_.walk_met_in_flight) {  // (an asynchronous sync's: every target keeps the error)
      order.clear();
      outputs.clear();
    }
    hit.assign(order.size(), 0);
    for (size_t i = 0; i < order.size(); ++i) {
      const graph::Node* n = order[i];
      hit[i] = site == std::string(n->loc.file) + ":" + std::to_string(n->loc.line);
      for (int a = 0; a < n->nargs && !n->evaluated(); ++a)
        hit[i] |= !n->args[a]->evaluated() && hit[n->args[a]->visit_index];
    }
  }
  const bool any = std::any_of(outputs.begin(), outputs.end(), [&](int32_t o) { return hit[o]; });
  for (size_t t = 0; t < targets.size(); ++t)
    if (!targets[t]->evaluated() && (!any || hit[outputs[t]])) targets[t]->failure = message;
}

void Context::run(const schedule::KernelLaunch& k, const jit::KernelEntry& entry,
                  jit::Backend& backend, jit::DeviceMemory* memory, uint64_t* status,
                  const std::vector<std::shared_ptr<graph::Buffer>>& data,
                  std::vector<std::shared_ptr<graph::Buffer>>& produced,
                  const std::vector<uint64_t>& scalars, std::vector<uint64_t>& params) {
  jit::LaunchArgs args;
  args.size = k.size;
  args.reduce_size = k.reduce_size;
  args.grain = grain_for(k);
  args.status = status;
  if (memory) {
    // A device kernel finishes its reductions itself: no splits, no accumulator rows.
  } else if (k.ir.is_reduction()) {
    const Splits splits =
        reduction_splits(k.ir.kind, k.size, k.reduce_size, args.grain, threads_.threads());
    args.splits = splits.rows;
    args.split_span = splits.span;
  } else {
    // An output of half the last-level cache or more is written past it: with its inputs it
    // does not fit, and the cached stores would first read every line they write (a*x+b at
    // 1e7 float32, a 40 MB output: 1.43 ms streamed against 1.84 ms cached on a 32 MiB L3;
    // at 8e6, 1.11 against 1.40). The thread pool starts such chunks at cache-line multiples,
    // which a window of a larger buffer need not be aligned to.
    size_t bytes = 0;
    bool windows = false;
    for (size_t o = 0; o < k.ir.outputs.size(); ++o) {
      bytes += static_cast<size_t>(k.size) * itemsize(k.ir.outputs[o].dtype);
      windows |= k.windows[o].base >= 0;
    }
    // One output only: with several, the non-temporal store streams ran 2.5-3x slower than
    // cached stores here (a 3-output gradient map of 1e7 floats: 25 ms against 9), while one
    // stream gains 10-20% at 2e7-1e8 elements.
    args.stream = k.ir.outputs.size() == 1 && !windows && bytes >= options_.llc_bytes / 2 &&
                  k.size >= 64 * threads_.threads();
  }

  std::shared_ptr<graph::Buffer> scratch[16];  // outputs, then accumulators (more: heap)
  std::vector<std::shared_ptr<graph::Buffer>> more;
  size_t owned = 0;
  auto allocate = [&](size_t bytes) -> void* {
    std::shared_ptr<graph::Buffer> b = memory ? memory->allocate(bytes) : pool_.allocate(bytes);
    counters_.bytes_allocated += bytes;
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
      k.ir.outputs.size() + k.inputs.size() + (memory ? 0 : k.accumulator_items.size());
  void** pointers = inline_pointers;
  if (count > std::size(inline_pointers)) {
    heap_pointers.resize(count);
    pointers = heap_pointers.data();
  }
  size_t at = 0;
  for (size_t o = 0; o < k.ir.outputs.size(); ++o) {
    const size_t item = itemsize(k.ir.outputs[o].dtype);
    const schedule::Window& w = k.windows[o];
    if (w.base >= 0) {  // a run of a concatenation's buffer (allocated by run_plan)
      pointers[at++] =
          static_cast<char*>(produced[w.base]->data) + static_cast<size_t>(w.offset) * item;
      continue;
    }
    // An element output of a reduction holds every position of its walk.
    const int64_t elements = k.ir.outputs[o].element ? k.size * k.reduce_size : k.size;
    pointers[at++] = allocate(static_cast<size_t>(elements) * item);
  }
  for (const schedule::InputRef& in : k.inputs) {
    const graph::Buffer* b = in.data >= 0 ? data[in.data].get() : produced[in.produced_by].get();
    KILN_CHECK(b != nullptr, "kernel input was not produced by an earlier kernel");
    pointers[at++] = b->data;
  }
  // Accumulators: one block carved into cache-line-aligned pieces (a kernel of 32 reductions
  // would otherwise make 32 allocations a launch).
  if (!memory && !k.accumulator_items.empty()) {
    const size_t rows = static_cast<size_t>(args.splits * k.size);
    auto piece = [rows](uint8_t item) { return (rows * item + 63) & ~size_t{63}; };
    size_t total = 0;
    for (uint8_t item : k.accumulator_items) total += piece(item);
    char* block = static_cast<char*>(allocate(total));
    for (uint8_t item : k.accumulator_items) {
      pointers[at++] = block;
      block += piece(item);
    }
  }
  args.buffers = pointers;
  args.params = k.params.data();
  if (!k.relocations.empty()) {  // this sync's scalar values into the plan's parameter block
    params.assign(k.params.begin(), k.params.end());
    for (const schedule::Relocation& r : k.relocations) params[r.param] = scalars[r.source];
    args.params = params.data();
  }
  Timeline::Span span(timeline_, "launch", "run", k.loc);
  if (span.on())
    span.detail(std::to_string(k.size) + " elements" +
                (k.reduce_size > 1 ? " x " + std::to_string(k.reduce_size) + " reduced" : ""));
  const uint64_t raised = backend.launch(entry, args, threads_);
  ++counters_.kernels_launched;
  if (raised) {
    const schedule::ErrorSource& e = k.error_sources[std::countr_zero(raised)];
    graph::throw_error(e.op, e.message, e.loc);
  }
  size_t next_owned = 0;
  for (size_t o = 0; o < k.ir.outputs.size(); ++o) {
    const schedule::Window& w = k.windows[o];
    if (w.base >= 0) {  // a strided window is read by nothing but its concatenation
      if (w.read_back)
        produced[k.stores[o]] = alias(produced[w.base], w.offset, k.ir.outputs[o].dtype);
      continue;
    }
    const size_t i = next_owned++;
    produced[k.stores[o]] =
        i < std::size(scratch) ? std::move(scratch[i]) : std::move(more[i - std::size(scratch)]);
  }
}

}  // namespace kiln::runtime
