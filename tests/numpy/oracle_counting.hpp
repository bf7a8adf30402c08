// The oracle's kiln side of kiln/histograms.hpp's cases (oracle.py's counting()): a histogram's
// counts (or densities) and its edges, concatenated into one array.
#pragma once

#include "kiln/histograms.hpp"
#include "numpy/oracle.hpp"

namespace oracle {

inline bool build_counting(const Case& c, kiln::Array& r) {
  const std::string& f = c.fn;
  auto array = [&](size_t i) { return c.args[i].array; };
  auto integer = [&](size_t i) { return c.args[i].scalar.i; };
  auto real = [&](size_t i) { return c.args[i].scalar.f; };
  if (f == "bincount") {
    r = kiln::bincount(array(0), integer(1));
  } else if (f == "bincount_w") {
    r = kiln::bincount(array(0), array(1), integer(2));
  } else if (f == "digitize") {
    r = kiln::digitize(array(0), array(1), integer(2) != 0);
  } else if (f.rfind("histogram2d", 0) == 0) {
    std::optional<std::pair<std::pair<double, double>, std::pair<double, double>>> range;
    if (integer(3)) range = {{real(4), real(5)}, {real(6), real(7)}};
    std::optional<kiln::Array> w;
    if (f == "histogram2d_w") w = array(9);
    const auto h = kiln::histogram2d(array(0), array(1), integer(2), range, w, integer(8) != 0);
    r = kiln::concatenate({kiln::flatten(h.hist), h.xedges, h.yedges});
  } else if (f.rfind("histogram_edges", 0) == 0) {
    kiln::HistogramOptions o;
    o.density = integer(2) != 0;
    if (f == "histogram_edges_w") o.weights = array(3);
    const auto h = kiln::histogram(array(0), array(1), o);
    r = kiln::concatenate({h.hist, h.bin_edges});
  } else if (f == "histogram" || f == "histogram_w") {
    kiln::HistogramOptions o;
    if (integer(2)) o.range = std::pair{real(3), real(4)};
    o.density = integer(5) != 0;
    if (f == "histogram_w") o.weights = array(6);
    const auto h = kiln::histogram(array(0), integer(1), o);
    r = kiln::concatenate({h.hist, h.bin_edges});
  } else {
    return false;
  }
  return true;
}

}  // namespace oracle
