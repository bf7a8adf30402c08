// Sync points, statistics and graph dumps.
#include "kiln/runtime.hpp"

#include <fstream>

#include "api/apply.hpp"
#include "graph/graph.hpp"
#include "kiln/error.hpp"

namespace kiln {

using detail::context;
using detail::to_loc;

namespace {
void eval_nodes(const Array* begin, const Array* end, const std::source_location& loc) {
  std::vector<graph::Node*> nodes;
  nodes.reserve(static_cast<size_t>(end - begin));
  for (const Array* a = begin; a != end; ++a)
    nodes.push_back(detail::node_of(*a, "eval", to_loc(loc)));
  context().evaluate(nodes);
}
}  // namespace

void eval(std::initializer_list<Array> arrays, std::source_location loc) {
  eval_nodes(arrays.begin(), arrays.end(), loc);
}

void eval(const std::vector<Array>& arrays, std::source_location loc) {
  eval_nodes(arrays.data(), arrays.data() + arrays.size(), loc);
}

void eval_async(std::initializer_list<Array> arrays, std::source_location loc) {
  std::vector<graph::Node*> nodes;
  for (const Array& a : arrays) nodes.push_back(detail::node_of(a, "eval_async", to_loc(loc)));
  context().evaluate_async(nodes);
}

void eval_async(const std::vector<Array>& arrays, std::source_location loc) {
  std::vector<graph::Node*> nodes;
  for (const Array& a : arrays) nodes.push_back(detail::node_of(a, "eval_async", to_loc(loc)));
  context().evaluate_async(nodes);
}

void sync(std::source_location loc) {
  context().evaluate_all();
  try {
    context().synchronize_devices();
  } catch (const Error& e) {
    graph::rethrow_at(e, to_loc(loc));
  }
}

Stats stats() {
  return context().stats();
}

void trace_begin(const std::string& path) {
  context().timeline().start(path);
}

void trace_end(std::source_location loc) {
  try {
    context().timeline().stop();
  } catch (const Error& e) {
    graph::rethrow_at(e, to_loc(loc));
  }
}

void reset_stats() {
  context().reset_stats();
}

static_assert(static_cast<int>(Optimize::none) == static_cast<int>(passes::OptimizeLevel::none) &&
              static_cast<int>(Optimize::exact) == static_cast<int>(passes::OptimizeLevel::exact) &&
              static_cast<int>(Optimize::full) == static_cast<int>(passes::OptimizeLevel::full));

void set_optimize(Optimize level) {
  context().set_optimize(static_cast<passes::OptimizeLevel>(level));
}

Optimize optimize_level() {
  return static_cast<Optimize>(context().optimize());
}

void set_cache_dir(const std::string& path) {
  context().set_cache_dir(path);
}

std::string cache_dir() {
  return context().cache_dir();
}

void dump(const Array& a, const std::string& path, std::source_location loc) {
  graph::Node* n = detail::node_of(a, "dump", to_loc(loc));
  std::string dot;
  {
    std::lock_guard lock(context().tracer().mutex());
    dot = graph::to_dot(graph::capture(context().tracer(), {&n, 1}));
  }
  std::ofstream out(path);
  out << dot;
  if (!out) graph::throw_error("dump", "cannot write '" + path + "'", to_loc(loc));
}

}  // namespace kiln
