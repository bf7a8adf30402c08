// FFTW plans for kiln's FFT ops (Fft, Rfft, Irfft): made once per layout with FFTW_ESTIMATE
// (no timing runs, so planning costs microseconds, not seconds) and kept for the Context's
// lifetime. Executing a kept plan on new arrays is FFTW's new-array interface, valid because
// the key includes the arrays' alignment.
//
// ESTIMATE plans can be much slower than measured ones (2^20 points: 13 ms against 7.5 ms here),
// but measuring takes seconds (3 s for 2^20). So measuring is done ahead of time: the layouts a
// program uses are recorded in its kernel manifest (backend "fftw"), `kiln-warmup compile`
// measures them and stores FFTW's wisdom in the cache directory, and every later process
// imports that wisdom, with which FFTW_ESTIMATE planning returns the measured plans at once.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "graph/node.hpp"

namespace kiln::runtime {

/// One batched 1-d transform over contiguous row-major data: `outer` blocks, each holding a
/// transform of length `n` (real length for Rfft/Irfft) along an axis whose elements are
/// `inner` apart.
struct FftLayout {
  graph::Op op = graph::Op::Fft;  ///< Fft, Rfft or Irfft
  bool inverse = false;           ///< Fft: the backward (unnormalised inverse) direction
  int64_t n = 0;                  ///< transform length (the real length for Rfft/Irfft)
  int64_t outer = 1;              ///< blocks before the axis
  int64_t inner = 1;              ///< elements after the axis (the stride along it)
  bool wide = false;              ///< double precision (float64/complex128), else single
};

/// The layout's bytes in a manifest entry, and back (false for malformed bytes).
std::vector<uint8_t> encode_layout(const FftLayout& l);
bool decode_layout(const std::vector<uint8_t>& bytes, FftLayout& out);

/// Measures the best plan for `l` (FFTW_MEASURE: seconds for large transforms) and adds it to
/// the wisdom file of its precision in `cache_dir` (merged with what is there; written
/// atomically). Returns false with `error` set when the file cannot be written.
bool measure_into_wisdom(const FftLayout& l, const std::string& cache_dir, std::string& error);

/// The wisdom file of one precision (FFTW keeps single and double wisdom apart) in a cache
/// directory.
std::string wisdom_file(const std::string& cache_dir, bool wide);

/// The plans of one Context. Thread-safe among kiln's callers; FFTW's planner is process-wide,
/// so an application that also plans with fftwf_ on other threads must not do so during a
/// kiln sync (FFTW's rule for any two planners).
class FftPlans {
 public:
  FftPlans() = default;
  ~FftPlans();
  FftPlans(const FftPlans&) = delete;
  FftPlans& operator=(const FftPlans&) = delete;

  /// Runs the transform `l` from `in` to `out` (distinct buffers; Irfft's input is destroyed).
  void execute(const FftLayout& l, void* in, void* out);
  /// Number of plans made so far.
  size_t plans_made() const;
  /// Imports the wisdom files of `cache_dir` (those that exist) before the first plan of each
  /// precision is made.
  void use_wisdom(const std::string& cache_dir);

 private:
  using Key = std::tuple<int, bool, bool, int64_t, int64_t, int64_t, int, int>;
  mutable std::mutex mutex_;  // FFTW's planner is not thread-safe; execution is
  std::map<Key, void*> plans_;
  std::string wisdom_dir_;
  bool wisdom_loaded_[2] = {false, false};  // single, double
};

}  // namespace kiln::runtime
