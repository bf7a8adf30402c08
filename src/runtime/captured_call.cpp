// The sync driver's side of kiln::compile (api/compile.cpp): probes of a traced function's
// graph, the sync that keeps its plan, and the replay of that plan.
#include "runtime/captured_call.hpp"

#include <algorithm>

#include "graph/errors.hpp"
#include "kiln/error.hpp"

namespace kiln::runtime {

Context::TracingGuard::TracingGuard(Context& c) : c_(c) {
  std::lock_guard lock(c_.tracing_mutex_);
  c_.tracing_threads_.push_back(std::this_thread::get_id());
  c_.tracing_count_.store(c_.tracing_threads_.size());
}

Context::TracingGuard::~TracingGuard() {
  std::lock_guard lock(c_.tracing_mutex_);
  auto& ids = c_.tracing_threads_;
  ids.erase(std::find(ids.begin(), ids.end(), std::this_thread::get_id()));
  c_.tracing_count_.store(ids.size());
}

void Context::refuse_sync_while_tracing(const graph::Node* n) {
  if (tracing_count_.load(std::memory_order_relaxed) == 0) return;  // (the common case)
  {
    std::lock_guard lock(tracing_mutex_);
    if (std::find(tracing_threads_.begin(), tracing_threads_.end(), std::this_thread::get_id()) ==
        tracing_threads_.end())
      return;
  }
  const std::string what =
      "a function traced by kiln::compile reads array values (a sync: item, to_vector, data, "
      "eval or sync) while it is traced; its later calls replay the recorded operations "
      "without running its body, so it may not decide anything by values. Compute that part "
      "outside the compiled function, or pass the value in as a C++ scalar argument";
  if (n) graph::throw_error("compile", what + "; the array read was recorded", n->loc);
  throw kiln::Error("[compile] " + what);
}

std::pair<uint64_t, uint64_t> Context::random_state() {
  std::lock_guard lock(tracer_.mutex());
  return {random_seed_, random_stream_};
}

void Context::set_random_state(uint64_t seed, uint64_t stream) {
  std::lock_guard lock(tracer_.mutex());
  random_seed_ = seed;
  random_stream_ = stream;
}

std::pair<uint64_t, uint64_t> Context::take_random_streams(uint64_t count) {
  std::lock_guard lock(tracer_.mutex());
  const uint64_t first = random_stream_;
  random_stream_ += count;
  return {random_seed_, first};
}

void Context::fill_probe(const Capture& c, CallProbe& probe) {
  const size_t n = c.order.size();
  probe.signature = c.signature;
  probe.data.assign(n, nullptr);
  probe.scalars.assign(n, 0);
  probe.dtypes.assign(n, DType::float32);
  probe.is_scalar.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    graph::Node* node = c.order[i];
    probe.dtypes[i] = node->dtype;
    if (node->evaluated()) {
      graph::Tracer::add_handle(node);
      probe.data[i] = node;
    } else if (node->op == graph::Op::Full) {
      probe.is_scalar[i] = 1;
      probe.scalars[i] = node->payload.v[0];
    }
  }
  probe.capturable = c.targets.size() == c.asked &&
                     std::none_of(c.writable.begin(), c.writable.end(), [](char w) { return w; });
  if (!probe.capturable)
    probe.why =
        "the sync would also store arrays held outside the function, or update one in "
        "place";
}

void Context::probe_call(std::span<graph::Node* const> targets, CallProbe& probe) {
  Held held(tracer_);
  CaptureLease lease(*this);
  probe = CallProbe{};
  std::lock_guard lock(tracer_.mutex());
  for (graph::Node* n : targets) held.add(n);
  if (!capture_kernels(held, *lease, /*together=*/false, &probe)) {
    probe.capturable = false;
    probe.why = "its graph calls a library (matmul, FFT, sort, scatter, ...) or spans devices";
  }
}

std::shared_ptr<const CapturedPlan> Context::evaluate_captured(
    std::span<graph::Node* const> targets, CallProbe& probe) {
  probe = CallProbe{};
  SyncSpans spans(*this, "sync (kiln::compile trace)",
                  targets.empty() ? graph::SourceLoc{} : targets[0]->loc);
  {
    Held held(tracer_);
    CaptureLease lease(*this);
    Capture& c = *lease;
    bool captured = false;
    {
      std::lock_guard lock(tracer_.mutex());
      for (graph::Node* n : targets) held.add(n);
      captured = capture_kernels(held, c, /*together=*/false, &probe);
    }
    if (captured) {
      ++counters_.syncs;
      run_capture(c);
      if (!probe.capturable) return nullptr;
      auto out = std::make_shared<CapturedPlan>();
      out->plan = c.plan;
      out->device = c.device;
      out->positions = probe.data.size();
      return out;
    }
  }
  probe.capturable = false;
  probe.why = "its graph calls a library (matmul, FFT, sort, scatter, ...) or spans devices";
  evaluate(targets);
  return nullptr;
}

void Context::replay(const CapturedPlan& captured,
                     std::span<const std::pair<int32_t, graph::Node*>> data,
                     std::span<const std::pair<int32_t, uint64_t>> values,
                     std::span<const uint64_t> scalars, graph::SourceLoc site,
                     std::vector<std::shared_ptr<graph::Buffer>>& results) {
  jit::Backend* backend = nullptr;
  try {
    backend = &backend_for(captured.device);
  } catch (const kiln::Error& e) {
    graph::rethrow_at(e, site);
  }
  Timeline::Span span(timeline_, "compiled call", "sync", site);
  CaptureLease lease(*this);
  Capture& c = *lease;
  c.data.assign(captured.positions, nullptr);
  for (const auto& [position, node] : data) c.data[position] = node->buffer;
  c.scalars.assign(scalars.begin(), scalars.end());
  for (const auto& [position, bits] : values) c.scalars[position] = bits;
  c.site = site;
  c.device = captured.device;
  ++counters_.syncs;
  ++counters_.compiled_replays;
  std::unique_lock gpu(gpu_mutex_, std::defer_lock);
  if (c.device != graph::kCpuDevice) gpu.lock();
  run_plan(*captured.plan, *backend, c);
  results.swap(c.results);
}

}  // namespace kiln::runtime
