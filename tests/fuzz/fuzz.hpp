// kiln's differential program fuzzer: random programs of dependent operations over the public
// API, evaluated by kiln and by numpy (tests/fuzz/fuzz_numpy.py), every intermediate compared.
//
// A program is a list of statements; statement i defines value v<i>. A statement is a function
// name and arguments in tests/numpy/oracle.py's text encoding, plus V:<n> for v<n>, e.g.
//   v3 = sum|V:1|X:1,|S:bool:0
// The same text drives both sides, so a failing program printed by the fuzzer replays as is
// (KILN_FUZZ_PROGRAM=file, see test_fuzz.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <kiln/kiln.hpp>

namespace fuzz {

struct Statement {
  std::string fn;
  std::vector<std::string> args;  // encoded
};

struct Program {
  uint64_t seed = 0;
  int64_t index = 0;  // generate(seed, index) gives this program again
  std::vector<Statement> statements;
  /// One statement a line: "v<i> = fn|arg|arg...".
  std::string text() const;
};

/// The program numbered `index` of the stream of `seed` (each one independently reproducible).
Program generate(uint64_t seed, int64_t index);

/// Parses Program::text() (lines "v<i> = fn|arg|..." or "fn|arg|..."; '#' starts a comment).
Program parse(const std::string& text);

/// numpy's result for one statement (see fuzz_numpy.py for the fields).
struct Outcome {
  enum class Kind { ok, err, stop } kind = Kind::stop;
  std::string dtype, check, message;
  kiln::Shape shape;
  std::vector<std::string> values;
};

/// Runs numpy on a batch of programs in one python process: per program, the outcome of each
/// statement numpy ran (it stops after an error or an undefined statement).
std::vector<std::vector<Outcome>> run_numpy(const std::vector<Program>& programs);

/// Runs `p` in kiln and compares it with numpy's outcomes: "" when they agree, else what differs.
/// `eager` evaluates every statement as it is recorded (to find which one a sync error names).
std::string compare(const Program& p, const std::vector<Outcome>& numpy, bool eager = false);

/// Records statement `s` with kiln, its V:<n> arguments taken from `values` (throws kiln::Error
/// where kiln refuses at the call). `run` makes "eval" statements evaluate.
kiln::Array interpret(const Statement& s, const std::vector<kiln::Array>& values, bool run);

/// Counts over a batch, for the summary lines.
struct Tally {
  int64_t programs = 0, statements = 0, compared = 0, numpy_errors = 0, stops = 0, failures = 0;
};

/// Generates, runs and compares programs [first, first + count) of `seed`; appends a report of
/// each failing program (its text, the difference, a reproducer command) to `failures`.
Tally run_batch(uint64_t seed, int64_t first, int64_t count, std::vector<std::string>& failures);

}  // namespace fuzz
