// Random numpy-style loops against the reference interpreter: a few carried arrays updated for
// 1-50 steps through views (rows, columns, transposes), broadcasts, reductions and
// concatenations, or assigned into (rows, columns, shifted interiors, strided rows read from the
// array itself, single elements, compound assignments), with syncs at random steps (all arrays, one
// array, a scalar read, none) and old values held. Each loop runs twice from the same seed: once
// with its syncs, which store, keep and recompute as passes/materialize.hpp decides, and once
// without any, which records the whole history; the reference interpreter evaluates that history.
// The two must agree: the store-or-recompute policy may change where values come from, never what
// they are.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "differential/pending_graph.hpp"
#include "graph/graph.hpp"
#include "graph/reference.hpp"
#include "helpers.hpp"

using namespace kiln;

namespace {

class Loop {
 public:
  Loop(uint64_t seed, bool with_syncs) : rng_(seed), syncs_(with_syncs) {}

  // Runs the loop; returns its final arrays and the old values it held.
  std::vector<Array> run() {
    n_ = 1 + pick(6);
    for (int v = 0; v < 3; ++v) {
      std::vector<double> init(static_cast<size_t>(n_ * n_));
      for (double& x : init) x = static_cast<double>(pick(2001) - 1000) / 500.0;
      vars_.push_back(array(init, {n_, n_}));
    }
    const int steps = 1 + pick(50);
    for (int i = 0; i < steps; ++i) {
      const int target = pick(3);
      // The carried array keeps its shape: the terms broadcast against it.
      if (pick(3) == 0)
        assign(vars_[target], i);
      else
        vars_[target] =
            kiln::tanh(combine(vars_[target], term(i)) + combine(term(i), term(i)) * 0.5) + 0.25;
      sync_point();
    }
    std::vector<Array> out = vars_;
    out.insert(out.end(), held_.begin(), held_.end());
    syncs_seen_ = syncs_done_;
    return out;
  }

  int syncs() const { return syncs_seen_; }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  // One operand of an update, of shape (n, n) or broadcasting to it.
  Array term(int step) {
    const Array& a = vars_[pick(3)];
    const int64_t i = step % n_;
    switch (pick(9)) {
      case 0:
        return kiln::transpose(a);
      case 1:
        return a[{i}];  // a row, broadcast down the columns
      case 2:
        return a[{slice(), i, newaxis}];  // a column, broadcast along the rows
      case 3:
        return kiln::sum(a, pick(2), /*keepdims=*/true) * (1.0 / static_cast<double>(n_));
      case 4:  // a roll along the last axis, as a concatenation along it
        if (n_ < 2) return a;
        return concatenate({a[{slice(), slice(1, n_)}], a[{slice(), slice(0, 1)}]}, 1);
      case 5:  // the same along the first axis
        if (n_ < 2) return a;
        return concatenate({a[{slice(1, n_)}], a[{slice(0, 1)}]}, 0);
      case 6:
        return kiln::max(a, 0);
      case 7:
        return where(a > 0.0, a, vars_[pick(3)] * 0.5);
      default:
        return a;
    }
  }

  // a[index] = v or a[index] op= v, v computed from the carried arrays (a among them).
  void assign(Array& a, int step) {
    const int64_t i = step % n_;
    Array value = broadcast_to(kiln::tanh(combine(term(step), term(step))) + 0.25, {n_, n_});
    switch (pick(6)) {
      case 0:
        a[{i}] = value[{i}];
        break;
      case 1:
        a[{slice(), i}] += value[{slice(), i}] * 0.5;
        break;
      case 2:  // a shifted interior (empty for n = 1)
        a[{slice(1, none), slice(0, -1)}] = value[{slice(0, -1), slice(1, none)}];
        break;
      case 3:  // every other row from the array itself, reversed: reads what it overwrites
        a[{slice(none, none, 2)}] = a[{slice(none, none, -2)}] * 0.5 + 0.125;
        break;
      case 4:
        a[{i, n_ - 1 - i}] = kiln::sum(value[{i}]) * 0.1;
        break;
      default:
        a[{i}][{slice(none, none, -1)}] *= value[{slice(), i}];
        break;
    }
  }

  Array combine(const Array& x, const Array& y) {
    switch (pick(5)) {
      case 0:
        return x + y;
      case 1:
        return x - y * 0.5;
      case 2:
        return x * y;
      case 3:
        return maximum(x, y);
      default:
        return minimum(x, y) * 0.75;
    }
  }

  // The random choice is drawn in both runs (so they record the same operations); only the
  // run with syncs acts on it. Holding an old value happens in both.
  void sync_point() {
    const int what = pick(8);
    const int which = pick(3);
    if (what == 3) held_.push_back(vars_[which]);
    if (!syncs_) return;
    switch (what) {
      case 0:
        kiln::eval(vars_);
        break;
      case 1:
        (void)kiln::sum(vars_[which]).item<double>();
        break;
      case 2:
        vars_[which].eval();
        break;
      default:
        return;
    }
    ++syncs_done_;
  }

  std::mt19937_64 rng_;
  bool syncs_;
  int64_t n_ = 1;
  std::vector<Array> vars_, held_;
  int syncs_done_ = 0, syncs_seen_ = 0;
};

// Compares loops `first`, `first` + 1, ... until `count` of them ran or `seconds` passed.
void compare_loops(uint64_t first, uint64_t count, double seconds) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int loops = 0, synced = 0;
  kiln::reset_stats();
  for (uint64_t seed = first; seed < first + count && elapsed() < seconds; ++seed) {
    std::vector<graph::HostArray> want;
    {
      Loop reference_run(seed, /*with_syncs=*/false);
      want = graph::interpret(kiln_test::pending_graph(reference_run.run()));
    }
    Loop kiln_run(seed, /*with_syncs=*/true);
    const std::vector<Array> got = kiln_run.run();
    kiln::eval(got);
    ASSERT_EQ(got.size(), want.size());
    for (size_t o = 0; o < got.size(); ++o) {
      const std::vector<double> v = got[o].to_vector<double>();
      ASSERT_EQ(got[o].shape(), want[o].shape.to_shape()) << "loop " << seed;
      for (size_t e = 0; e < v.size(); ++e) {
        const double w = want[o].at<double>(static_cast<int64_t>(e));
        // tanh and sums are not bit-exact between kernels and the interpreter.
        ASSERT_NEAR(v[e], w, 1e-9 * (1 + std::fabs(w)))
            << "loop " << seed << " output " << o << " element " << e
            << " (replay: KILN_FUZZ_SEED=" << seed
            << " KILN_FUZZ_SECONDS=1 test_differential --gtest_filter=RandomLoopsLong.*)";
      }
    }
    ++loops;
    synced += kiln_run.syncs() > 0;
  }
  EXPECT_GT(synced, loops / 2);
  std::printf("%d loops compared, %d with syncs inside, %llu kernels, %.1f s\n", loops, synced,
              static_cast<unsigned long long>(kiln::stats().kernels_compiled +
                                              kiln::stats().disk_cache_hits),
              elapsed());
}

}  // namespace

// Each loop compiles kernels of its own (and the suite's CUDA check compiles them again): a
// dozen loops here; `make fuzz` runs them for its time budget.
TEST(RandomLoops, SyncsAnywhereAgreeWithTheInterpreterOnTheWholeHistory) {
  compare_loops(1, 12, 1e9);
}

TEST(RandomLoopsLong, TimeBudget) {
  const char* seconds = std::getenv("KILN_FUZZ_SECONDS");
  if (!seconds || !*seconds) GTEST_SKIP() << "set KILN_FUZZ_SECONDS (and KILN_FUZZ_SEED)";
  const char* seed = std::getenv("KILN_FUZZ_SEED");
  compare_loops(seed && *seed ? std::stoull(seed) : 1000, UINT64_MAX / 2, std::stod(seconds));
}
