// kiln-warmup: fills and looks after the kernel cache. The logic lives in the library (this
// file and its .cpp files); cache/warmup/main.cpp only calls warmup::main.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/disk_cache.hpp"

namespace kiln::warmup {

/// Exit codes scripts can rely on.
enum Exit : int {
  kOk = 0,        ///< did what was asked; verify found nothing wrong
  kProblems = 1,  ///< ran, but something failed: a kernel did not compile, verify found bad
                  ///< entries, the recorded program failed, the cache is unusable
  kUsage = 2,     ///< bad command line or unreadable input file
};

/// Runs the tool with `argv` (argv[0] is the program name). Returns the exit code.
int main(int argc, char** argv);

/// `compile`: the result of filling a cache from a manifest.
struct CompileReport {
  size_t kernels = 0;    ///< distinct kernels in the manifest for this target's backend
  size_t compiled = 0;   ///< compiled and stored now
  size_t cached = 0;     ///< already in the cache, left as they were
  size_t failed = 0;     ///< invalid IR, compile errors, or entries that could not be written
  size_t skipped = 0;    ///< kernels of another backend
  size_t fft_plans = 0;  ///< FFT layouts measured into the cache's FFTW wisdom
  std::vector<std::string> errors;
};

/// Compiles every kernel of `manifest` for `target` ("cpu", "cpu:NAME", "cuda", "cuda:sm_XX")
/// into `cache` with
/// `jobs` threads; `progress` prints a bar on stderr. Throws kiln::Error for a bad target or
/// manifest.
CompileReport compile_manifest(const std::string& manifest, const std::string& target, int jobs,
                               cache::DiskCache& cache, bool progress);

/// `verify`: what checking every entry found.
struct VerifyReport {
  size_t entries = 0;
  size_t ok = 0;
  size_t removed = 0;  ///< corrupt, foreign, mismatched or with unusable IR: removed
  size_t refused = 0;  ///< not the user's or writable by others: reported, left alone
  size_t unreadable = 0;
  size_t deep_checked = 0;     ///< recompiled from their IR (--deep)
  size_t deep_mismatches = 0;  ///< whose recompiled object code differed (removed)
  std::vector<std::string> problems;
};

/// Checks every entry of `cache`; with `deep`, recompiles up to `sample` entries made for this
/// host and compares the object code.
VerifyReport verify_cache(cache::DiskCache& cache, bool deep, size_t sample);

}  // namespace kiln::warmup
