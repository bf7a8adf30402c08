// The two error channels: kiln::Error for user mistakes (with the user's call site), and an
// internal check that aborts with context when one of kiln's own invariants is broken.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "graph/node.hpp"

namespace kiln::graph {

/// "[fn] what (at file:line)".
std::string error_text(std::string_view fn, std::string_view what, SourceLoc loc);

/// Throws kiln::Error with error_text(fn, what, loc).
[[noreturn]] void throw_error(std::string_view fn, std::string_view what, SourceLoc loc);

/// Rethrows `e` (a failure below the API: a driver call, an allocation) with the user's call
/// site `loc` appended, unless its message names one already.
[[noreturn]] void rethrow_at(const std::exception& e, SourceLoc loc);

/// Reports a broken internal invariant on stderr and aborts. Never used for user input.
[[noreturn]] void internal_error(const char* file, int line, std::string_view what);

/// complex128 values have no 64-bit pattern (payload, parameter slot, kernel constant): the graph
/// never holds one as a scalar (a complex128 constant is recorded as complex(real, imag) of two
/// float64 constants, and constant folding leaves complex128 alone), so reaching this is a bug.
[[noreturn]] void no_complex128_bits();

}  // namespace kiln::graph

/// Checks an internal invariant (kept in release builds: a wrong answer is worse than a stop).
#define KILN_CHECK(cond, what)                                              \
  do {                                                                      \
    if (!(cond)) ::kiln::graph::internal_error(__FILE__, __LINE__, (what)); \
  } while (0)
