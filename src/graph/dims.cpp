#include "graph/dims.hpp"

namespace kiln::graph {

std::string shape_string(std::span<const int64_t> s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  return out + ")";
}

std::string to_string(const Dims& d) {
  return shape_string(d.span());
}

Dims contiguous_strides(const Dims& d) {
  Dims s;
  s.resize(d.rank());
  int64_t stride = 1;
  for (int i = d.rank() - 1; i >= 0; --i) {
    s[i] = stride;
    stride *= d[i];
  }
  return s;
}

}  // namespace kiln::graph
