// A 2^20-point complex64 FFT: kiln::fft::fft against FFTW called directly on the same data
// (issue target: kiln within 10 %). Both use FFTW_ESTIMATE plans made once (kiln keeps its plan
// per layout); an FFTW_MEASURE plan is timed too, to show what planning longer would buy. The
// same pair in double precision (complex128, FFTW's fftw_ interface) follows.
// numpy's fft of the same size is measured by numpy_bench.py.
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <complex>
#include <vector>

#include "kiln/kiln.hpp"

namespace {

constexpr int64_t kN = int64_t{1} << 20;

struct Data {
  kiln::Array x = kiln::complex(kiln::random::uniform({kN}), kiln::random::uniform({kN})).eval();
  fftwf_complex* out = fftwf_alloc_complex(kN);
  ~Data() { fftwf_free(out); }
};

Data& data() {
  static Data d;
  return d;
}

fftwf_complex* input() {
  // FFTW reads a const input for out-of-place complex transforms.
  return reinterpret_cast<fftwf_complex*>(
      const_cast<std::complex<float>*>(data().x.data<std::complex<float>>()));
}

void run_fftw(benchmark::State& st, unsigned flags) {
  Data& d = data();
  std::vector<std::complex<float>> scratch(kN);
  fftwf_complex* in = input();
  if (flags & FFTW_MEASURE) in = reinterpret_cast<fftwf_complex*>(scratch.data());
  fftwf_plan p = fftwf_plan_dft_1d(kN, in, d.out, FFTW_FORWARD, flags);
  for (auto _ : st) {
    fftwf_execute_dft(p, input(), d.out);
    benchmark::DoNotOptimize(d.out);
  }
  fftwf_destroy_plan(p);
}

void fftw_estimate(benchmark::State& st) {
  run_fftw(st, FFTW_ESTIMATE);
}
void fftw_measure(benchmark::State& st) {
  run_fftw(st, FFTW_MEASURE);
}

void kiln_fft(benchmark::State& st) {
  Data& d = data();
  for (auto _ : st) {
    kiln::Array y = kiln::fft::fft(d.x);
    benchmark::DoNotOptimize(y.eval().data<std::complex<float>>());
  }
}

// complex128: kiln against fftw_plan_dft_1d with FFTW_ESTIMATE.
struct Data128 {
  kiln::Array x = kiln::complex(kiln::random::uniform({kN}, 0.0, 1.0, kiln::float64),
                                kiln::random::uniform({kN}, 0.0, 1.0, kiln::float64))
                      .eval();
  fftw_complex* out = fftw_alloc_complex(kN);
  ~Data128() { fftw_free(out); }
};

Data128& data128() {
  static Data128 d;
  return d;
}

void fftw_estimate_c128(benchmark::State& st) {
  Data128& d = data128();
  auto* in = reinterpret_cast<fftw_complex*>(
      const_cast<std::complex<double>*>(d.x.data<std::complex<double>>()));
  fftw_plan p = fftw_plan_dft_1d(kN, in, d.out, FFTW_FORWARD, FFTW_ESTIMATE);
  for (auto _ : st) {
    fftw_execute_dft(p, in, d.out);
    benchmark::DoNotOptimize(d.out);
  }
  fftw_destroy_plan(p);
}

void kiln_fft_c128(benchmark::State& st) {
  Data128& d = data128();
  for (auto _ : st) {
    kiln::Array y = kiln::fft::fft(d.x);
    benchmark::DoNotOptimize(y.eval().data<std::complex<double>>());
  }
}

BENCHMARK(fftw_estimate)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kiln_fft)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fftw_estimate_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kiln_fft_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fftw_estimate_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kiln_fft_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fftw_estimate)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(kiln_fft)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fftw_measure)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
