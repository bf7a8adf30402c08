#include "runtime/fft_plans.hpp"

#include <fftw3.h>

#include <unistd.h>

#include <cstring>
#include <vector>

#include "graph/errors.hpp"

namespace kiln::runtime {

namespace {

// FFTW's guru loops: the transform's stride, then the batch (outer blocks, inner positions),
// with extent-1 loops dropped.
std::vector<fftwf_iodim64> batch_dims(const FftLayout& l, int64_t in_len, int64_t out_len) {
  std::vector<fftwf_iodim64> d;
  if (l.outer > 1) d.push_back({l.outer, in_len * l.inner, out_len * l.inner});
  if (l.inner > 1) d.push_back({l.inner, 1, 1});
  return d;
}

fftwf_plan make_plan(const FftLayout& l, void* in, void* out, unsigned rigor) {
  const int64_t half = l.n / 2 + 1;
  const int64_t in_len = l.op == graph::Op::Irfft ? half : l.n;
  const int64_t out_len = l.op == graph::Op::Rfft ? half : l.n;
  const fftwf_iodim64 dim{l.n, l.inner, l.inner};
  const std::vector<fftwf_iodim64> batch = batch_dims(l, in_len, out_len);
  const int howmany = static_cast<int>(batch.size());
  const unsigned flags = rigor | (l.op == graph::Op::Irfft ? FFTW_DESTROY_INPUT : 0);
  switch (l.op) {
    case graph::Op::Rfft:
      return fftwf_plan_guru64_dft_r2c(1, &dim, howmany, batch.data(), static_cast<float*>(in),
                                       static_cast<fftwf_complex*>(out), flags);
    case graph::Op::Irfft:
      return fftwf_plan_guru64_dft_c2r(1, &dim, howmany, batch.data(),
                                       static_cast<fftwf_complex*>(in), static_cast<float*>(out),
                                       flags);
    default:
      return fftwf_plan_guru64_dft(1, &dim, howmany, batch.data(), static_cast<fftwf_complex*>(in),
                                   static_cast<fftwf_complex*>(out),
                                   l.inverse ? FFTW_BACKWARD : FFTW_FORWARD, flags);
  }
}

}  // namespace

std::vector<uint8_t> encode_layout(const FftLayout& l) {
  const int64_t words[5] = {static_cast<int64_t>(l.op), l.inverse, l.n, l.outer, l.inner};
  std::vector<uint8_t> out(sizeof words);
  std::memcpy(out.data(), words, sizeof words);
  return out;
}

bool decode_layout(const std::vector<uint8_t>& bytes, FftLayout& out) {
  int64_t w[5];
  if (bytes.size() != sizeof w) return false;
  std::memcpy(w, bytes.data(), sizeof w);
  const auto op = static_cast<graph::Op>(w[0]);
  if ((op != graph::Op::Fft && op != graph::Op::Rfft && op != graph::Op::Irfft) || w[2] < 1 ||
      w[3] < 1 || w[4] < 1 || w[1] < 0 || w[1] > 1)
    return false;
  out = {op, w[1] != 0, w[2], w[3], w[4]};
  return true;
}

std::string wisdom_file(const std::string& cache_dir) {
  return cache_dir + "/fftw-wisdom-f32";
}

bool measure_into_wisdom(const FftLayout& l, const std::string& path, std::string& error) {
  fftwf_import_wisdom_from_filename(path.c_str());  // keep what earlier runs measured
  const int64_t half = l.n / 2 + 1;
  const int64_t in_len = l.op == graph::Op::Irfft ? half : l.n;
  const int64_t out_len = l.op == graph::Op::Rfft ? half : l.n;
  // Scratch arrays, complex-sized so either kind of transform fits; FFTW's allocator gives
  // the SIMD alignment that kiln's buffers have too.
  fftwf_complex* in = fftwf_alloc_complex(static_cast<size_t>(in_len * l.outer * l.inner));
  fftwf_complex* out = fftwf_alloc_complex(static_cast<size_t>(out_len * l.outer * l.inner));
  fftwf_plan plan = make_plan(l, in, out, FFTW_MEASURE);
  if (plan) fftwf_destroy_plan(plan);
  fftwf_free(in);
  fftwf_free(out);
  if (!plan) {
    error = "FFTW could not plan the transform";
    return false;
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  if (!fftwf_export_wisdom_to_filename(tmp.c_str()) || std::rename(tmp.c_str(), path.c_str())) {
    error = "cannot write FFTW wisdom to " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

void FftPlans::use_wisdom(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (path != wisdom_path_) wisdom_loaded_ = false;  // a new cache directory: import its wisdom
  wisdom_path_ = path;
}

FftPlans::~FftPlans() {
  for (auto& [key, plan] : plans_) fftwf_destroy_plan(static_cast<fftwf_plan>(plan));
}

size_t FftPlans::plans_made() const {
  std::lock_guard lock(mutex_);
  return plans_.size();
}

void FftPlans::execute(const FftLayout& l, void* in, void* out) {
  if (l.n == 0 || l.outer == 0 || l.inner == 0) return;
  const Key key{static_cast<int>(l.op),
                l.inverse,
                l.n,
                l.outer,
                l.inner,
                fftwf_alignment_of(static_cast<float*>(in)),
                fftwf_alignment_of(static_cast<float*>(out))};
  fftwf_plan plan;
  {
    std::lock_guard lock(mutex_);
    if (!wisdom_loaded_ && !wisdom_path_.empty()) {
      fftwf_import_wisdom_from_filename(wisdom_path_.c_str());  // absent or unreadable: none
      wisdom_loaded_ = true;
    }
    auto it = plans_.find(key);
    if (it == plans_.end()) {
      plan = make_plan(l, in, out, FFTW_ESTIMATE);
      KILN_CHECK(plan != nullptr, "FFTW could not plan a transform");
      plans_.emplace(key, plan);
    } else {
      plan = static_cast<fftwf_plan>(it->second);
    }
  }
  switch (l.op) {
    case graph::Op::Rfft:
      fftwf_execute_dft_r2c(plan, static_cast<float*>(in), static_cast<fftwf_complex*>(out));
      break;
    case graph::Op::Irfft:
      fftwf_execute_dft_c2r(plan, static_cast<fftwf_complex*>(in), static_cast<float*>(out));
      break;
    default:
      fftwf_execute_dft(plan, static_cast<fftwf_complex*>(in), static_cast<fftwf_complex*>(out));
      break;
  }
}

}  // namespace kiln::runtime
