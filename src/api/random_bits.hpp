// The building blocks of kiln::random's distributions (random.cpp): lazy Philox bits and the
// uniform values made from them.
#pragma once

#include <cstdint>
#include <source_location>

#include "kiln/array.hpp"

namespace kiln::random::internal {

/// 64 random bits per element of `shape` (int64) from stream `stream` under `seed`.
Array bits(const Shape& shape, uint64_t seed, uint64_t stream, std::source_location loc);

/// Uniform values in [0, 1) made from bits `b`, with 24 (float32) or 53 (float64) random bits;
/// `plus_one` gives (0, 1].
Array unit(const Array& b, DType dtype, bool plus_one, std::source_location loc);

}  // namespace kiln::random::internal
