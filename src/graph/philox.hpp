// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
// counter-based generator behind kiln::random. A random value is a pure function of (seed,
// stream, element index), so it is the same at every split of the work, on every thread count
// and on every backend. The kernel lowering (jit/llvm/emit_body.cpp) writes the same rounds as
// IR; this is the reference.
#pragma once

#include <array>
#include <cstdint>

namespace kiln::graph {

inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;
inline constexpr int kPhiloxRounds = 10;

/// The four output words of Philox-4x32-10 for counter `c` and key `k`.
constexpr std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> c,
                                             std::array<uint32_t, 2> k) noexcept {
  for (int r = 0; r < kPhiloxRounds; ++r) {
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
    k = {k[0] + kPhiloxW0, k[1] + kPhiloxW1};
  }
  return c;
}

/// kiln's Philox op: 64 random bits (words 0 and 1) for element `index` of stream `stream`
/// under `seed`. Counter = (index, stream), key = seed.
constexpr uint64_t philox_bits(uint64_t index, uint64_t seed, uint64_t stream) noexcept {
  const auto w = philox4x32({static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
                             static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)},
                            {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  return static_cast<uint64_t>(w[0]) | static_cast<uint64_t>(w[1]) << 32;
}

// The published known-answer tests of Random123.
static_assert(philox4x32({0, 0, 0, 0}, {0, 0}) ==
              std::array<uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
static_assert(philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                         {0xffffffffu, 0xffffffffu}) ==
              std::array<uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
static_assert(philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                         {0xa4093822u, 0x299f31d0u}) ==
              std::array<uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});

}  // namespace kiln::graph
