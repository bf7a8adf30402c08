// libFuzzer target: the kernel manifest reader (runtime::parse_manifest) on any text, and the
// kernel IR deserializer on every entry it accepts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "jit/ir/kernel_ir.hpp"
#include "kiln/error.hpp"
#include "runtime/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const std::string text(reinterpret_cast<const char*>(data), size);
    for (const kiln::runtime::ManifestEntry& e : kiln::runtime::parse_manifest(text, "fuzz")) {
      kiln::ir::KernelIR k;
      if (kiln::ir::deserialize(e.ir.data(), e.ir.size(), k)) (void)kiln::ir::validate(k);
    }
  } catch (const kiln::Error&) {
    // a malformed manifest is reported, never crashes
  }
  return 0;
}
