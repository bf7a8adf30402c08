// Run by Sync.KilnLogNamesHashAndCallSite with KILN_LOG=1: one compile, then one cache hit; with
// the argument "rewrites", by Optimizer.KilnLogRewritesNamesRuleAndCallSite: one rule fires.
#include <kiln/kiln.hpp>

#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "rewrites") == 0) {
    auto x = kiln::arange(100, kiln::float32);
    x.eval();
    // The call site the rewrite log must name (line 12):
    (kiln::log(1.f + x)).eval();
    return 0;
  }
  for (int n : {100, 200}) {
    auto x = kiln::arange(n, kiln::float32);
    (kiln::exp(x * 0.01f) + 1.f).eval();  // the call site the log must name
  }
  return 0;
}
