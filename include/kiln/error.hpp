// The one exception type kiln throws for user mistakes and run-time failures.
#pragma once

#include <stdexcept>
#include <string>

namespace kiln {

/// Thrown for every user-visible error: a shape, dtype or argument mistake at the call that
/// makes it, or a failure seen only at evaluation (then at the sync point). The message starts
/// with the function in brackets, says what was wrong with which shapes or values, and ends with
/// the user's call site, e.g. `[add] shapes (3,4) and (5,) cannot be broadcast (at main.cpp:12)`.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kiln
