#include "cache/key.hpp"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

namespace kiln::cache {

std::string Key::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(32, '0');
  for (int i = 0; i < 16; ++i) {
    s[15 - i] = digits[(hi >> (4 * i)) & 15];
    s[31 - i] = digits[(lo >> (4 * i)) & 15];
  }
  return s;
}

uint64_t hash64(std::span<const uint8_t> bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

Key make_key(std::span<const uint8_t> ir, std::string_view target) {
  XXH3_state_t state;
  XXH3_128bits_reset(&state);
  XXH3_128bits_update(&state, ir.data(), ir.size());
  // A separator that cannot occur in the IR's length-prefixed layout keeps the two parts apart.
  const uint64_t target_size = target.size();
  XXH3_128bits_update(&state, &target_size, sizeof target_size);
  XXH3_128bits_update(&state, target.data(), target.size());
  const XXH128_hash_t h = XXH3_128bits_digest(&state);
  return {h.low64, h.high64};
}

}  // namespace kiln::cache
