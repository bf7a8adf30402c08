// Counting: numpy's bincount, digitize, histogram and histogram2d. Counts are scatter-adds into
// bins (exact for counts; weights sum in float64 element by element, numpy's in blocks, so
// weighted sums agree within rounding); the bin of each value is computed lazily from the
// edges. Where numpy's result depends on the data (bincount's length, an automatic range,
// whether given edges increase) the function reads it: a sync, said for each.
#pragma once

#include <optional>
#include <source_location>
#include <utility>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// numpy's bincount: how many times each value 0, 1, ..., max(x) occurs in the 1-d integer
/// array x (at least `minlength` bins), as int64. Reads max(x) (a sync); a negative value is
/// numpy's error.
Array bincount(const Array& x, int64_t minlength = 0,
               std::source_location loc = std::source_location::current());
/// bincount with weights: the sum of `weights` (x's shape, real) at each value, as float64.
Array bincount(const Array& x, const Array& weights, int64_t minlength = 0,
               std::source_location loc = std::source_location::current());

/// numpy's digitize: for each value of x, the index i of the bin of the 1-d monotonic `bins`
/// it falls in (bins[i-1] <= x < bins[i] for increasing bins; with `right`, bins[i-1] < x <=
/// bins[i]; mirrored for decreasing bins), as int64. Reads whether `bins` increase (a sync).
Array digitize(const Array& x, const Array& bins, bool right = false,
               std::source_location loc = std::source_location::current());

/// numpy's histogram result: the counts (or sums of weights, or densities) and the bins'
/// edges.
struct Histogram {
  Array hist;       ///< (bins,): int64 counts, the weights' dtype with weights, float64 densities
  Array bin_edges;  ///< (bins + 1,)
};

/// histogram's keyword arguments.
struct HistogramOptions {
  /// The range of the equal-width bins; numpy's default, [min(a), max(a)], is read from the data
  /// (a sync). Values outside it are not counted.
  std::optional<std::pair<double, double>> range;
  /// Real weights of a's shape: each value counts its weight instead of 1.
  std::optional<Array> weights;
  /// The counts divided by their total and by the bins' widths: a probability density.
  bool density = false;
};

/// numpy's histogram of the flattened a with `bins` equal-width bins: value x falls in bin i
/// where edges[i] <= x < edges[i+1], the last bin closed on the right; nans are not counted.
Histogram histogram(const Array& a, int64_t bins = 10, const HistogramOptions& options = {},
                    std::source_location loc = std::source_location::current());
/// histogram with the bins' edges given (1-d, increasing: checked, a sync); `range` is unused.
Histogram histogram(const Array& a, const Array& bin_edges, const HistogramOptions& options = {},
                    std::source_location loc = std::source_location::current());

/// numpy's histogram2d result.
struct Histogram2d {
  Array hist;    ///< (xbins, ybins) float64
  Array xedges;  ///< (xbins + 1,)
  Array yedges;  ///< (ybins + 1,)
};

/// numpy's histogram2d of the points (x[i], y[i]) with bins x bins equal-width bins over the
/// data's range (read: a sync) or `range` ({{xmin, xmax}, {ymin, ymax}}); weights and density
/// as for histogram.
Histogram2d histogram2d(
    const Array& x, const Array& y, int64_t bins = 10,
    std::optional<std::pair<std::pair<double, double>, std::pair<double, double>>> range = {},
    const std::optional<Array>& weights = {}, bool density = false,
    std::source_location loc = std::source_location::current());

/// numpy's histogramdd result: the counts (float64, one axis of `bins` per dimension) and each
/// dimension's edges.
struct HistogramDd {
  Array hist;
  std::vector<Array> edges;
};

/// numpy's histogramdd of the N points of D coordinates in `sample` (N, D), with `bins`
/// equal-width bins per dimension over the data's range (read: a sync) or `range` (one
/// (min, max) per dimension); weights and density as for histogram.
HistogramDd histogramdd(const Array& sample, int64_t bins = 10,
                        const std::optional<std::vector<std::pair<double, double>>>& range = {},
                        const std::optional<Array>& weights = {}, bool density = false,
                        std::source_location loc = std::source_location::current());

/// numpy's histogram_bin_edges: the edges histogram(a, bins, range) would use.
Array histogram_bin_edges(const Array& a, int64_t bins = 10,
                          std::optional<std::pair<double, double>> range = std::nullopt,
                          const std::optional<Array>& weights = std::nullopt,
                          std::source_location loc = std::source_location::current());

}  // namespace kiln
