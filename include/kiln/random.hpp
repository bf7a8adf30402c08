// Counter-based random numbers (Philox-4x32-10). A value depends only on the seed, on which
// call made the array (calls since the last seed()) and on the element's index, so it is the
// same whatever the thread count or the split of the work. The numbers are generated inside
// the kernel that uses them: sum(uniform({n})) never stores the n values.
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>

#include "kiln/array.hpp"
#include "kiln/random_distributions.hpp"

namespace kiln::random {

/// Restarts the generator: the arrays made after seed(s) are the same in every run. The
/// process starts as if seed(0) had been called.
void seed(uint64_t s);

/// Uniform values in [low, high) (float32 or float64). float32 values have 24 random bits,
/// float64 values 53.
Array uniform(const Shape& shape, double low = 0.0, double high = 1.0, DType dtype = float32,
              std::source_location loc = std::source_location::current());

/// Normal values (Box-Muller), float32 or float64.
Array normal(const Shape& shape, double mean = 0.0, double stddev = 1.0, DType dtype = float32,
             std::source_location loc = std::source_location::current());

/// Integers uniform in [low, high) of an integer dtype (the range must fit it). Each value is 63
/// random bits reduced modulo high - low: the bias is below (high - low) / 2^63.
Array randint(int64_t low, int64_t high, const Shape& shape, DType dtype = int64,
              std::source_location loc = std::source_location::current());

}  // namespace kiln::random
