// Shared helpers for the API-level tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <kiln/kiln.hpp>

namespace kiln_test {

/// Runs `f`, which must throw kiln::Error whose message contains every one of `parts` and
/// ends with this test file's name and `line`.
inline void expect_error(const std::function<void()>& f, std::vector<std::string> parts, int line,
                         const char* file = __builtin_FILE()) {
  try {
    f();
  } catch (const kiln::Error& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
    const std::string at = std::string(file) + ":" + std::to_string(line) + ")";
    EXPECT_NE(msg.find(at), std::string::npos) << "missing call site '" << at << "' in: " << msg;
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
  if constexpr (std::is_floating_point_v<T>) {
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

}  // namespace kiln_test
