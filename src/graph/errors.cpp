#include "graph/errors.hpp"

#include <cstdio>
#include <cstdlib>

#include "kiln/error.hpp"

namespace kiln::graph {

std::string error_text(std::string_view fn, std::string_view what, SourceLoc loc) {
  std::string s;
  s.reserve(fn.size() + what.size() + 64);
  s += '[';
  s += fn;
  s += "] ";
  s += what;
  if (loc.line != 0) {
    s += " (at ";
    s += loc.file;
    s += ':';
    s += std::to_string(loc.line);
    s += ')';
  }
  return s;
}

void throw_error(std::string_view fn, std::string_view what, SourceLoc loc) {
  throw Error(error_text(fn, what, loc));
}

void rethrow_at(const std::exception& e, SourceLoc loc) {
  std::string s = e.what();
  if (s.find(" (at ") == std::string::npos && loc.line != 0)
    s += " (at " + std::string(loc.file) + ":" + std::to_string(loc.line) + ")";
  throw Error(s);
}

void internal_error(const char* file, int line, std::string_view what) {
  std::fprintf(stderr,
               "kiln internal error at %s:%d: %.*s\nPlease report this with the program "
               "that triggered it.\n",
               file, line, static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace kiln::graph

namespace kiln::graph {

void no_complex128_bits() {
  internal_error(__FILE__, __LINE__, "a complex128 value has no 64-bit encoding");
}

}  // namespace kiln::graph
