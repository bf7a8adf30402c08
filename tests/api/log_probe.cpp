// Run by Sync.KilnLogNamesHashAndCallSite with KILN_LOG=1: one compile, then one cache hit.
#include <kiln/kiln.hpp>

int main() {
  for (int n : {100, 200}) {
    auto x = kiln::arange(n, kiln::float32);
    (kiln::exp(x * 0.01f) + 1.f).eval();  // the call site the log must name
  }
  return 0;
}
