// The sync driver: pending graph -> passes -> schedule -> key -> cache -> compile -> launch.
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>

#include "cache/key.hpp"
#include "graph/errors.hpp"
#include "passes/pipeline.hpp"
#include "runtime/context.hpp"

namespace kiln::runtime {

namespace {

// Elements a thread must get before splitting a launch pays: a 2-thread fork-join costs about
// a microsecond, which a cheap kernel (cost ~5) spends on ~30k elements.
int64_t grain_for(const ir::KernelIR& ir) {
  constexpr int64_t kWorkPerChunk = 150'000;  // in ops.def cost units
  const int64_t cost = std::max<uint32_t>(1, ir.cost_per_element());
  return std::max<int64_t>(2048, kWorkPerChunk / cost);
}

// How many rows of partial results a reduction accumulates: one when there are enough outputs
// to share among the threads, else the reduced range split a few ways per thread.
int64_t reduction_splits(int64_t outputs, int64_t reduced, int64_t grain, int threads) {
  if (threads <= 1 || outputs * reduced <= grain || outputs >= 4 * threads) return 1;
  const int64_t by_size = reduced / 4096;
  return std::clamp<int64_t>(std::min<int64_t>(4 * threads, by_size), 1, 256);
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

// References held for the duration of a sync, dropped after the tracer's lock is released.
struct HeldRefs {
  graph::Tracer& tracer;
  std::vector<graph::Node*> nodes;
  ~HeldRefs() {
    for (graph::Node* n : nodes) tracer.drop_ref(n);
  }
};

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

void Context::evaluate_locked(std::span<graph::Node* const> requested) {
  std::vector<graph::Node*> targets;
  targets.reserve(requested.size());
  for (graph::Node* n : requested)
    if (!n->evaluated() && std::find(targets.begin(), targets.end(), n) == targets.end())
      targets.push_back(n);
  if (targets.empty()) return;
  ++stats_.syncs;

  graph::Graph g = graph::capture(tracer_, targets);
  passes::run_pipeline(g, options_.dump_passes);
  const schedule::Plan plan = schedule::make_plan(g);
  std::vector<std::shared_ptr<graph::Buffer>> produced(g.nodes.size());
  for (const schedule::KernelLaunch& k : plan.kernels) run(k, produced);

  for (size_t t = 0; t < targets.size(); ++t) {
    const graph::GNode& out = g.nodes[g.outputs[t]];
    std::shared_ptr<graph::Buffer> buffer =
        out.op == graph::Op::Data ? out.buffer : produced[g.outputs[t]];
    if (!buffer && schedule::is_contiguous_view(out) && g.nodes[out.args[0]].op == graph::Op::Data)
      buffer =
          alias(g.nodes[out.args[0]].buffer, static_cast<int64_t>(out.payload.v[0]), out.dtype);
    if (!buffer) buffer = pool_.allocate(0);  // an empty array
    tracer_.attach_buffer(targets[t], std::move(buffer));
  }
}

jit::KernelEntry Context::kernel_for(const schedule::KernelLaunch& k) {
  jit::Backend& backend = cpu();
  ir::serialize(k.ir, ir_bytes_);
  const cache::Key key = cache::make_key(ir_bytes_, backend.target_id());
  if (LoadedKernel* hit = kernels_.find(key)) {
    ++stats_.memory_cache_hits;
    if (options_.log)
      std::fprintf(stderr, "kiln: hit     %s %s memory, %zu instrs (at %s:%u)\n", key.hex().c_str(),
                   std::string(backend.name()).c_str(), k.ir.instrs.size(), k.loc.file, k.loc.line);
    return hit->entry;
  }
  const auto start = std::chrono::steady_clock::now();
  const jit::Binary binary = backend.compile(k.ir, "kiln_" + key.hex());
  const jit::KernelEntry entry = backend.load(binary, k.ir);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++stats_.kernels_compiled;
  stats_.compile_seconds += seconds;
  if (options_.log)
    std::fprintf(stderr, "kiln: compile %s %s %.2f ms, %zu instrs, %zu bytes (at %s:%u)\n",
                 key.hex().c_str(), std::string(backend.name()).c_str(), seconds * 1e3,
                 k.ir.instrs.size(), binary.code.size(), k.loc.file, k.loc.line);
  kernels_.insert(key, {entry});
  return entry;
}

void Context::run(const schedule::KernelLaunch& k,
                  std::vector<std::shared_ptr<graph::Buffer>>& produced) {
  const jit::KernelEntry entry = kernel_for(k);
  jit::LaunchArgs args;
  args.size = k.size;
  args.reduce_size = k.reduce_size;
  args.grain = grain_for(k.ir);
  if (k.ir.is_reduction())
    args.splits = reduction_splits(k.size, k.reduce_size, args.grain, threads_.threads());

  std::vector<std::shared_ptr<graph::Buffer>> buffers;  // outputs, then accumulators
  std::vector<void*> pointers;
  auto allocate = [&](size_t bytes) {
    buffers.push_back(pool_.allocate(bytes));
    stats_.bytes_allocated += bytes;
    return buffers.back()->data;
  };
  for (const ir::Output& o : k.ir.outputs)
    pointers.push_back(allocate(static_cast<size_t>(k.size) * itemsize(o.dtype)));
  for (const schedule::InputRef& in : k.inputs) {
    const graph::Buffer* b = in.buffer ? in.buffer.get() : produced[in.produced_by].get();
    KILN_CHECK(b != nullptr, "kernel input was not produced by an earlier kernel");
    pointers.push_back(b->data);
  }
  for (const ir::Instr& i : k.ir.instrs) {
    if (i.kind != ir::InstrKind::Reduce) continue;
    const DType acc = ir::accumulator_dtype(i.op, k.ir.instrs[i.args[0]].dtype);
    const size_t rows = static_cast<size_t>(args.splits * k.size);
    pointers.push_back(allocate(rows * itemsize(acc)));
    if (i.op == graph::Op::ArgMax || i.op == graph::Op::ArgMin)
      pointers.push_back(allocate(rows * 8));
  }
  args.buffers = pointers.data();
  args.params = k.params.data();
  const uint64_t status = cpu().launch(entry, args, threads_);
  ++stats_.kernels_launched;
  if (status) {
    const schedule::ErrorSource& e = k.error_sources[std::countr_zero(status)];
    graph::throw_error(e.op, e.message, e.loc);
  }
  for (size_t o = 0; o < k.ir.outputs.size(); ++o) produced[k.stores[o]] = std::move(buffers[o]);
}

}  // namespace kiln::runtime
