// libFuzzer target: the disk cache's entry reader (cache::parse_entry) on any bytes. The entry's
// name is taken from the key its header claims, so that inputs get past the name check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cache/disk_cache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string name = "x.kc";
  if (size >= 32) {
    auto word = [&](size_t at) {
      uint64_t v = 0;
      for (int b = 0; b < 8; ++b) v |= static_cast<uint64_t>(data[at + b]) << (8 * b);
      return v;
    };
    name = kiln::cache::Key{word(16), word(24)}.hex() + ".kc";
  }
  kiln::cache::EntryData out;
  const kiln::cache::EntryStatus s = kiln::cache::parse_entry({data, size}, name, out);
  if (s == kiln::cache::EntryStatus::ok &&
      out.meta.size() + out.ir.size() + out.payload.size() > size)
    std::abort();  // parts larger than the bytes they came from
  return 0;
}
