#include "runtime/timeline.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "kiln/error.hpp"

namespace kiln::runtime {

namespace {

// `s` as the inside of a JSON string.
std::string json_escaped(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void Timeline::start(const std::string& path) {
  if (on()) stop();
  std::lock_guard lock(mutex_);
  path_ = path;
  origin_ = Clock::now();
  events_.clear();
  since_sync_.clear();
  on_.store(true);
}

uint32_t Timeline::thread_number() {
  const uint64_t id = std::hash<std::thread::id>{}(std::this_thread::get_id());
  const auto it = std::find(threads_.begin(), threads_.end(), id);
  if (it != threads_.end()) return static_cast<uint32_t>(it - threads_.begin());
  threads_.push_back(id);
  return static_cast<uint32_t>(threads_.size() - 1);
}

void Timeline::add(const char* name, const char* cat, Clock::time_point begin,
                   Clock::time_point end, graph::SourceLoc site, std::string detail) {
  std::lock_guard lock(mutex_);
  if (!on_.load(std::memory_order_relaxed)) return;
  events_.push_back({name, cat,
                     std::chrono::duration_cast<std::chrono::nanoseconds>(begin - origin_).count(),
                     std::chrono::duration_cast<std::chrono::nanoseconds>(end - begin).count(),
                     thread_number(), site, std::move(detail)});
}

void Timeline::sync_starts(graph::SourceLoc site, uint64_t trace_ops) {
  const Clock::time_point now = Clock::now();
  std::lock_guard lock(mutex_);
  if (!on_.load(std::memory_order_relaxed)) return;
  const uint32_t t = thread_number();
  if (since_sync_.size() <= t) since_sync_.resize(t + 1, {origin_, trace_ops});
  const SinceSync& last = since_sync_[t];
  events_.push_back(
      {"record", "trace",
       std::chrono::duration_cast<std::chrono::nanoseconds>(last.end - origin_).count(),
       std::chrono::duration_cast<std::chrono::nanoseconds>(now - last.end).count(), t, site,
       std::to_string(trace_ops - last.trace_ops) + " ops recorded (program and tracing)"});
  since_sync_[t].trace_ops = trace_ops;
}

void Timeline::sync_ends() {
  const Clock::time_point now = Clock::now();
  std::lock_guard lock(mutex_);
  if (!on_.load(std::memory_order_relaxed)) return;
  const uint32_t t = thread_number();
  if (since_sync_.size() <= t) since_sync_.resize(t + 1, {origin_, 0});
  since_sync_[t].end = now;
}

bool Timeline::stop() {
  std::vector<Event> events;
  std::string path;
  size_t threads = 0;
  {
    std::lock_guard lock(mutex_);
    if (!on_.exchange(false)) return false;
    events.swap(events_);
    path.swap(path_);
    threads = threads_.size();
  }
  const int pid = static_cast<int>(getpid());
  std::string text = "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n";
  char buffer[256];
  // Thread names, numbered in the order they first did something.
  for (size_t t = 0; t < threads; ++t) {
    std::snprintf(buffer, sizeof buffer,
                  "{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %d, \"tid\": %zu, "
                  "\"args\": {\"name\": \"thread %zu\"}},\n",
                  pid, t, t);
    text += buffer;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    std::snprintf(buffer, sizeof buffer,
                  "{\"ph\": \"X\", \"name\": \"%s\", \"cat\": \"%s\", \"ts\": %.3f, \"dur\": %.3f, "
                  "\"pid\": %d, \"tid\": %u, \"args\": {",
                  e.name, e.cat, e.begin_ns / 1e3, e.duration_ns / 1e3, pid, e.thread);
    text += buffer;
    bool first = true;
    if (e.site.line > 0) {
      text += "\"site\": \"" + json_escaped(e.site.file) + ":" + std::to_string(e.site.line) + "\"";
      first = false;
    }
    if (!e.detail.empty())
      text += std::string(first ? "" : ", ") + "\"detail\": \"" + json_escaped(e.detail) + "\"";
    text += i + 1 < events.size() ? "}},\n" : "}}\n";
  }
  text += "]}\n";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error("[trace] cannot write the timeline to " + path);
  return true;
}

}  // namespace kiln::runtime
