// The differential program fuzzer as tests:
//   Fuzz.FixedSeedSlice   a fixed slice of programs, part of `make test`.
//   FuzzLong.TimeBudget   KILN_FUZZ_SEED=<n> KILN_FUZZ_SECONDS=<s>: batches of programs until the
//                         time is spent (`make fuzz SEED=123 SECONDS=300`); skipped otherwise.
//   FuzzReplay.Program    KILN_FUZZ_SEED=<n> KILN_FUZZ_INDEX=<i> replays one generated program,
//                         KILN_FUZZ_PROGRAM=<file> one written by hand (or pasted from a report);
//                         prints the program and numpy's outcome of each statement.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "fuzz/fuzz.hpp"
#include "graph/dims.hpp"
#include "helpers.hpp"

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

void print(const fuzz::Tally& t, double seconds) {
  std::printf(
      "fuzz: %lld programs, %lld statements (%lld compared with numpy, %lld numpy errors, %lld "
      "undefined stops), %lld failing, %.1f s\n",
      static_cast<long long>(t.programs), static_cast<long long>(t.statements),
      static_cast<long long>(t.compared), static_cast<long long>(t.numpy_errors),
      static_cast<long long>(t.stops), static_cast<long long>(t.failures), seconds);
}

}  // namespace

// A fixed slice: seed 1, programs [0, 1000) (the GPU runs: [0, 600)), about 6,200 statements,
// in batches of 200 (one python process each). About 3 s with a warm kernel cache, 15 s cold (2
// cores).
TEST(Fuzz, FixedSeedSlice) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> failures;
  fuzz::Tally total;
  for (int64_t first = 0; first < kiln_test::oracle_cases(1000); first += 200) {
    const auto t = fuzz::run_batch(1, first, 200, failures);
    total.programs += t.programs, total.statements += t.statements, total.compared += t.compared;
    total.numpy_errors += t.numpy_errors, total.stops += t.stops, total.failures += t.failures;
  }
  print(total, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  for (const auto& f : failures) ADD_FAILURE() << f;
}

TEST(FuzzLong, TimeBudget) {
  if (!env("KILN_FUZZ_SECONDS")) GTEST_SKIP() << "set KILN_FUZZ_SECONDS (and KILN_FUZZ_SEED)";
  const uint64_t seed = env("KILN_FUZZ_SEED") ? std::stoull(env("KILN_FUZZ_SEED")) : 1;
  const double budget = std::stod(env("KILN_FUZZ_SECONDS"));
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  fuzz::Tally total;
  int64_t reported = 0;
  // KILN_FUZZ_FIRST: the first program index (to resume after a crash).
  const int64_t start_index = env("KILN_FUZZ_FIRST") ? std::stoll(env("KILN_FUZZ_FIRST")) : 0;
  for (int64_t first = start_index; elapsed() < budget; first += 100) {
    std::vector<std::string> failures;
    const auto t = fuzz::run_batch(seed, first, 100, failures);
    total.programs += t.programs, total.statements += t.statements, total.compared += t.compared;
    total.numpy_errors += t.numpy_errors, total.stops += t.stops, total.failures += t.failures;
    for (const auto& f : failures) {
      std::printf("---- FAIL %s", f.c_str());
      if (++reported <= 50) ADD_FAILURE() << f;
    }
    std::fflush(stdout);
  }
  print(total, elapsed());
}

TEST(FuzzReplay, Program) {
  fuzz::Program p;
  if (env("KILN_FUZZ_PROGRAM")) {
    std::ifstream in(env("KILN_FUZZ_PROGRAM"));
    std::stringstream text;
    text << in.rdbuf();
    p = fuzz::parse(text.str());
  } else if (env("KILN_FUZZ_INDEX")) {
    const uint64_t seed = env("KILN_FUZZ_SEED") ? std::stoull(env("KILN_FUZZ_SEED")) : 1;
    p = fuzz::generate(seed, std::stoll(env("KILN_FUZZ_INDEX")));
  } else {
    GTEST_SKIP() << "set KILN_FUZZ_SEED and KILN_FUZZ_INDEX, or KILN_FUZZ_PROGRAM";
  }
  const auto numpy = fuzz::run_numpy({p});
  std::printf("%s", p.text().c_str());
  for (size_t i = 0; i < numpy[0].size(); ++i) {
    const auto& o = numpy[0][i];
    if (o.kind == fuzz::Outcome::Kind::ok)
      std::printf("numpy v%zu: %s%s check %s\n", i, o.dtype.c_str(),
                  kiln::graph::shape_string(o.shape).c_str(), o.check.c_str());
    else
      std::printf("numpy v%zu: %s %s\n", i, o.kind == fuzz::Outcome::Kind::err ? "raised" : "stop",
                  o.message.c_str());
  }
  std::fflush(stdout);  // before kiln runs it: a crash must not lose the listing
  const std::string diff = fuzz::compare(p, numpy[0]);
  EXPECT_EQ(diff, "");
}
