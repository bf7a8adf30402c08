// libFuzzer target: the kernel IR deserializer (ir::deserialize, then ir::validate) on any
// bytes. What it accepts must serialize back to the same bytes (the form is canonical).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "jit/ir/kernel_ir.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::ir::KernelIR k;
  if (!kiln::ir::deserialize(data, size, k)) return 0;
  (void)kiln::ir::validate(k);
  (void)kiln::ir::to_text(k);
  std::vector<uint8_t> again;
  kiln::ir::serialize(k, again);
  kiln::ir::KernelIR k2;
  if (!kiln::ir::deserialize(again.data(), again.size(), k2)) std::abort();
  std::vector<uint8_t> twice;
  kiln::ir::serialize(k2, twice);
  if (twice != again) std::abort();  // not canonical
  return 0;
}
