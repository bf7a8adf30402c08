// Timeline: spans of what kiln does (syncs, passes, scheduling, cache lookups, compiles and
// their phases, launches, transfers, library calls) written as Chrome trace-event JSON, which
// Perfetto and chrome://tracing open. KILN_TRACE=file.json records the whole process (written
// at exit); kiln::trace_begin / trace_end record a region. Off, a span costs one relaxed load.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "graph/node.hpp"

namespace kiln::runtime {

/// The recorder a Context owns.
class Timeline {
 public:
  using Clock = std::chrono::steady_clock;

  /// Starts recording into `path` (written by stop()); a recording in progress is written first.
  void start(const std::string& path);
  /// Writes the recording to its file and stops; false (nothing recorded) when none was on.
  /// Throws kiln::Error when the file cannot be written.
  bool stop();
  /// Whether spans are being recorded.
  bool on() const noexcept { return on_.load(std::memory_order_relaxed); }

  /// Adds a finished span: `name` (a category `cat`), from `begin` to `end`, on this thread,
  /// with the user's call site when known and a free-form detail.
  void add(const char* name, const char* cat, Clock::time_point begin, Clock::time_point end,
           graph::SourceLoc site = {}, std::string detail = {});

  /// At the start of a sync on this thread: a "record" span from this thread's last sync (or
  /// the start of the recording) to now: the program's own work and kiln's tracing of it;
  /// `trace_ops` is the tracer's count of recorded operations (all threads).
  void sync_starts(graph::SourceLoc site, uint64_t trace_ops);
  /// At the end of a sync on this thread.
  void sync_ends();

  /// One span, recorded when it goes out of scope (nothing when the timeline is off).
  class Span {
   public:
    Span(Timeline& t, const char* name, const char* cat, graph::SourceLoc site = {})
        : t_(t.on() ? &t : nullptr), name_(name), cat_(cat), site_(site) {
      if (t_) begin_ = Clock::now();
    }
    ~Span() {
      if (t_) t_->add(name_, cat_, begin_, Clock::now(), site_, std::move(detail_));
    }
    Span(const Span&) = delete;
    Span& operator=(const Span&) = delete;
    /// Whether it records (so that details are built only then).
    bool on() const noexcept { return t_ != nullptr; }
    /// A detail shown with the span (a kernel's key, sizes, ...).
    void detail(std::string d) { detail_ = std::move(d); }
    /// Its start.
    Clock::time_point begin() const noexcept { return begin_; }

   private:
    Timeline* t_;
    const char* name_;
    const char* cat_;
    graph::SourceLoc site_;
    Clock::time_point begin_{};
    std::string detail_;
  };

 private:
  struct Event {
    const char* name;
    const char* cat;
    int64_t begin_ns, duration_ns;
    uint32_t thread;
    graph::SourceLoc site;
    std::string detail;
  };
  uint32_t thread_number();

  std::atomic<bool> on_{false};
  std::mutex mutex_;  // guards everything below
  std::string path_;
  Clock::time_point origin_{};
  std::vector<Event> events_;
  std::vector<uint64_t> threads_;  // hashed thread ids, by thread number
  struct SinceSync {
    Clock::time_point end{};
    uint64_t trace_ops = 0;
  };
  std::vector<SinceSync> since_sync_;  // by thread number
};

}  // namespace kiln::runtime
