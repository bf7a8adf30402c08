// Shared helpers for the API-level tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <source_location>
#include <string>
#include <vector>

#include <kiln/kiln.hpp>

namespace kiln_test {

/// Whether the suite runs on the CPU. The API suites run on every device present (KILN_DEVICE
/// sets the default); checks of host memory itself (a view's data() being its base's pointer,
/// BLAS reading views in place) hold on the CPU only, where the data is host memory.
inline bool on_cpu() {
  return kiln::default_device() == kiln::Device::cpu();
}

/// Whether kernels run as CPU code: on the CPU, and not emulating the CUDA kernels there
/// (KILN_CUDA_EMULATOR=1). The CPU's fixed summation order (bit-identical sums on every CPU)
/// is checked only then.
inline bool cpu_kernels() {
  const char* emulated = std::getenv("KILN_CUDA_EMULATOR");
  return on_cpu() && !(emulated && *emulated && std::strcmp(emulated, "0") != 0);
}

/// How many of a random suite's `n` cases (oracle cases, random graphs, fuzz programs) to run:
/// all of them where kernels run as CPU code for this CPU; the first half for another CPU model
/// (KILN_CPU: what that run adds is the narrower vectors' code); on the fake GPU device the
/// first fifth, which compiles every kernel again through NVPTX (and records it for PtxCheck);
/// under the CUDA emulator alone the first twelfth: the fake device already runs those kernels
/// through the same emulator, and what this run adds is its small grid (make test has a time
/// budget).
inline int oracle_cases(int n) {
  if (cpu_kernels()) {
    const char* model = std::getenv("KILN_CPU");
    return model && *model ? n / 2 : n;
  }
  return on_cpu() ? n / 12 : n / 5;
}

/// A statement under test, with the source line where it was written (the line of the lambda,
/// however the surrounding call is wrapped).
struct Statement {
  template <class F>
  Statement(F f, std::source_location where = std::source_location::current())
      : run(std::move(f)), file(where.file_name()), line(static_cast<int>(where.line())) {}
  std::function<void()> run;
  std::string file;
  int line;
};

/// Runs `s`, which must throw kiln::Error whose message contains every one of `parts` and ends
/// with the call site: this file and a line from `first_line` (the statement's, by default) to
/// two lines below it (a formatter may break a long statement).
inline void expect_error(const Statement& s, std::vector<std::string> parts, int first_line = 0) {
  const int line = first_line ? first_line : s.line;
  try {
    s.run();
  } catch (const kiln::Error& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
    const std::string at = "(at " + s.file + ":";
    const size_t pos = msg.rfind(at);
    ASSERT_NE(pos, std::string::npos) << "missing call site in " << s.file << " in: " << msg;
    const int got = std::atoi(msg.c_str() + pos + at.size());
    EXPECT_TRUE(got >= line && got <= line + 2)
        << "call site line " << got << ", expected " << line << " in: " << msg;
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected kiln::Error, got another exception: " << e.what();
    return;
  }
  ADD_FAILURE() << "expected kiln::Error containing '" << (parts.empty() ? "" : parts[0]) << "'";
}

/// Bitwise equality for floats (nan equals nan, -0.0 differs from 0.0).
template <class T>
bool same_bits(T a, T b) {
  if constexpr (std::is_same_v<T, kiln::half>) {
    if (std::isnan(static_cast<float>(a)) && std::isnan(static_cast<float>(b))) return true;
    return a.bits == b.bits;
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::memcmp(&a, &b, sizeof(T)) == 0;
  } else {
    return a == b;
  }
}

/// Counters since the last reset.
inline kiln::Stats fresh_stats() {
  kiln::reset_stats();
  return kiln::stats();
}

/// Records that the calling test checks kiln's version of numpy's function `name` by `how`
/// (e.g. "its distribution"), not value for value against numpy, for the README's coverage
/// table (`make coverage` sets $KILN_COVERAGE_FILE; the oracle script records there every
/// function it compares with numpy).
inline void covers(const char* name, const char* how) {
  if (const char* path = std::getenv("KILN_COVERAGE_FILE")) {
    if (std::FILE* f = std::fopen(path, "a")) {
      std::fprintf(f, "%s|%s\n", name, how);
      std::fclose(f);
    }
  }
}

}  // namespace kiln_test
