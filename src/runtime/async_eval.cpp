// kiln::eval_async: syncs captured on the caller's thread and run, in the order they were
// started, on the context's asynchronous worker (Context::evaluate_async).
#include <memory>
#include <thread>

#include "kiln/error.hpp"
#include "runtime/context.hpp"

namespace kiln::runtime {

void Context::evaluate_async(std::span<graph::Node* const> requested) {
  constexpr int kInlineSteps = 64;
  refuse_sync_while_tracing(requested.empty() ? nullptr : requested[0]);
  struct Job {
    explicit Job(Context& c) : held(c.tracer_), lease(c) {}
    Held held;
    CaptureLease lease;
  };
  auto job = std::make_shared<Job>(*this);
  bool captured = false, inline_run = false;
  {
    std::lock_guard lock(tracer_.mutex());
    const uint32_t epoch = tracer_.next_epoch();
    for (graph::Node* n : requested) {
      if (n->failure) throw kiln::Error(*n->failure);
      if (!n->evaluated() && !tracer_.in_flight(n) && n->visit_epoch != epoch) {
        n->visit_epoch = epoch;
        job->held.add(n);
      }
    }
    if (job->held.nodes.empty()) return;
    captured = capture_kernels(job->held, *job->lease, true);
    if (captured && async_inline_.load(std::memory_order_relaxed) > 0) {
      async_inline_.fetch_sub(1, std::memory_order_relaxed);
      inline_run = true;  // (see below)
    }
    if (captured && !inline_run)
      for (graph::Node* n : job->lease->targets) tracer_.set_in_flight(n, true);
  }
  if (job->lease->blocked) {
    // A loop whose every step reads the step before: the worker's wake-up (tens of
    // microseconds) would come on top of every step, and only the recording of one step
    // (microseconds) could overlap with the run of the one before. The next steps run here,
    // until every kInlineSteps-th looks again whether the program has work to overlap.
    async_inline_.store(kInlineSteps, std::memory_order_relaxed);
  }
  if (inline_run) {
    ++counters_.syncs;
    try {
      run_capture(*job->lease);
    } catch (const kiln::Error&) {  // kept by the arrays that failed, as below
    }
    return;
  }
  if (!captured) {
    // Library calls or several devices: at once. Results still in flight among its inputs:
    // its plan needs their buffers, so it waits for them, and then runs here, at once (handing
    // it to the worker would only add the worker's wake-up to a step that cannot overlap with
    // the one before it).
    if (job->lease->blocked) wait_async();
    try {
      evaluate(job->held.nodes);
    } catch (const kiln::Error&) {
      // Kept by the arrays that failed (Node::failure): raised where they are used, as when
      // the worker runs the sync.
    }
    return;
  }
  ++counters_.syncs;
  std::call_once(async_started_, [this] { std::thread([this] { async_worker(); }).detach(); });
  {
    std::lock_guard lock(async_mutex_);
    ++async_unfinished_;
    async_pending_.store(async_unfinished_);
    async_jobs_.push_back([this, job] {
      Capture& c = *job->lease;
      try {
        run_capture(c);  // attaches the results, or marks the targets failed
      } catch (...) {
        // The targets keep a kiln::Error (Node::failure) and raise it where they are used;
        // anything else leaves them pending, computed again by the next sync that needs them.
      }
      std::lock_guard lock(tracer_.mutex());
      for (graph::Node* n : c.targets) tracer_.set_in_flight(n, false);
    });
  }
  async_cv_.notify_all();
}

void Context::async_worker() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(async_mutex_);
      async_cv_.wait(lock, [this] { return !async_jobs_.empty(); });
      job = std::move(async_jobs_.front());
      async_jobs_.pop_front();
    }
    job();
    job = nullptr;  // (drops the job's references before it counts as finished)
    {
      std::lock_guard lock(async_mutex_);
      --async_unfinished_;
      async_pending_.store(async_unfinished_);
    }
    async_cv_.notify_all();
  }
}

void Context::wait_async() {
  if (async_pending_.load() == 0) return;
  std::unique_lock lock(async_mutex_);
  async_cv_.wait(lock, [this] { return async_unfinished_ == 0; });
}

}  // namespace kiln::runtime
