// `make demo`: Black-Scholes prices of 10 million European calls and puts, written the way one
// writes it with numpy. kiln records the whole formula and runs it as one fused kernel with two
// outputs; the demo times the first run (which compiles), a second run (a cache hit), and the
// same formula evaluated op by op, the way numpy computes it with a temporary per operation.
#include <kiln/kiln.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

namespace {

using kiln::Array;

struct Market {
  Array spot, strike, years, vol;  // one entry per option
  double rate;                     // risk-free rate
};

// The standard normal CDF.
Array norm_cdf(const Array& x, const std::function<Array(Array)>& step) {
  return step(0.5 * (1.0 + step(kiln::erf(step(x * (1.0 / std::sqrt(2.0)))))));
}

// Prices calls and puts. `step` is applied after every operation: the identity for kiln's lazy
// mode, eval() to mimic numpy's one-temporary-per-operation evaluation.
std::pair<Array, Array> price(const Market& m, const std::function<Array(Array)>& step) {
  const Array sqrt_t = step(kiln::sqrt(m.years));
  const Array vol_sqrt_t = step(m.vol * sqrt_t);
  const Array d1 = step(step(step(kiln::log(step(m.spot / m.strike))) +
                             step(step(m.rate + step(0.5 * step(m.vol * m.vol))) * m.years)) /
                        vol_sqrt_t);
  const Array d2 = step(d1 - vol_sqrt_t);
  const Array discount = step(step(m.strike * step(kiln::exp(step(-m.rate * m.years)))));
  const Array call = step(step(m.spot * norm_cdf(d1, step)) - step(discount * norm_cdf(d2, step)));
  const Array put =
      step(step(discount * norm_cdf(step(-d2), step)) - step(m.spot * norm_cdf(step(-d1), step)));
  return {call, put};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  // --first-result: stop after the first priced result (for timing a process's start-up).
  const bool first_result_only = argc > 1 && std::string(argv[1]) == "--first-result";
  const int64_t n = 10'000'000;
  // Inputs as a program would have them: evaluated float32 arrays.
  const Array i = kiln::arange(n, kiln::float32);
  Market m{(80.f + 40.f * kiln::sin(i * 1e-3f)).eval(),
           (100.f + 10.f * kiln::cos(i * 7e-4f)).eval(),
           (0.25f + 1.75f * kiln::linspace(0.f, 1.f, n)).eval(),
           (0.15f + 0.1f * kiln::abs(kiln::sin(i * 3e-4f))).eval(), 0.03};
  kiln::reset_stats();
  const auto lazy = [](Array a) { return a; };
  const auto eager = [](Array a) {
    a.eval();
    return a;
  };

  std::printf("Black-Scholes, %lld options (float32), %s\n", static_cast<long long>(n),
              "calls and puts from one fused kernel");
  const std::string cache = kiln::cache_dir();
  std::printf("kernel cache: %s\n\n", cache.empty() ? "off (memory only)" : cache.c_str());
  // Each run's results are consumed (a checksum) and released, as in a pricing loop, so later
  // runs reuse the memory of earlier ones.
  double checksum = 0;
  struct Run {
    double seconds, compile_seconds;
    uint64_t kernels, compiled, from_disk;
  };
  auto run = [&](const std::function<Array(Array)>& step) {
    const kiln::Stats before = kiln::stats();
    const auto start = std::chrono::steady_clock::now();
    auto [call, put] = price(m, step);
    kiln::eval({call, put});
    const double seconds = seconds_since(start);
    checksum += call.item<float>(n / 2) + put.item<float>(n / 3);
    const kiln::Stats after = kiln::stats();
    return Run{seconds, after.compile_seconds - before.compile_seconds,
               after.kernels_launched - before.kernels_launched,
               after.kernels_compiled - before.kernels_compiled,
               after.disk_cache_hits - before.disk_cache_hits};
  };
  const Run first = run(lazy);
  if (first_result_only) {
    std::printf("first result: call[n/2] + put[n/3] = %.4f (%llu compiled, %llu from disk)\n",
                checksum, static_cast<unsigned long long>(first.compiled),
                static_cast<unsigned long long>(first.from_disk));
    return 0;
  }
  const Run second = run(lazy);
  run(eager);  // compiles the single-op kernels, so the next run is a fair numpy proxy
  const Run op_by_op = run(eager);

  if (first.compiled > 0)
    std::printf("  first run (compiles)        %8.2f ms  %3llu kernel,  %.2f ms of it compiling\n",
                first.seconds * 1e3, static_cast<unsigned long long>(first.kernels),
                first.compile_seconds * 1e3);
  else
    std::printf("  first run (disk cache hit)  %8.2f ms  %3llu kernel,  nothing compiled\n",
                first.seconds * 1e3, static_cast<unsigned long long>(first.kernels));
  std::printf("  second run (cache hit)      %8.2f ms  %3llu kernel\n", second.seconds * 1e3,
              static_cast<unsigned long long>(second.kernels));
  std::printf("  op by op, as numpy would    %8.2f ms  %3llu kernels, %.1fx the fused run\n",
              op_by_op.seconds * 1e3, static_cast<unsigned long long>(op_by_op.kernels),
              op_by_op.seconds / second.seconds);

  // Checks: put-call parity C - P = S - K e^{-rT}, and agreement of the two evaluation modes.
  auto [call, put] = price(m, lazy);
  const auto c = call.to_vector<float>(), p = put.to_vector<float>();
  const auto c_eager = price(m, eager).first.to_vector<float>();
  const auto s = m.spot.to_vector<float>(), k = m.strike.to_vector<float>(),
             t = m.years.to_vector<float>();
  double parity = 0, modes = 0;
  for (int64_t j = 0; j < n; ++j) {
    parity =
        std::max(parity, std::fabs(double(c[j]) - p[j] - (s[j] - k[j] * std::exp(-m.rate * t[j]))));
    modes = std::max(modes, std::fabs(double(c[j]) - c_eager[j]));
  }
  std::printf("\n  call[0] = %.4f  put[0] = %.4f  call[n-1] = %.4f  (checksum %.3f)\n", c[0], p[0],
              c[n - 1], checksum);
  std::printf("  max put-call parity error %.2e, max fused vs op-by-op difference %.2e\n\n", parity,
              modes);

  const kiln::Stats st = kiln::stats();
  std::printf(
      "kiln::stats(): kernels_compiled=%llu memory_cache_hits=%llu disk_cache_hits=%llu\n"
      "               kernels_launched=%llu compile_seconds=%.3f trace_ops=%llu\n",
      static_cast<unsigned long long>(st.kernels_compiled),
      static_cast<unsigned long long>(st.memory_cache_hits),
      static_cast<unsigned long long>(st.disk_cache_hits),
      static_cast<unsigned long long>(st.kernels_launched), st.compile_seconds,
      static_cast<unsigned long long>(st.trace_ops));
  return parity < 1e-2 ? 0 : 1;
}
