#include "runtime/fft_plans.hpp"

#include <fftw3.h>

#include <unistd.h>

#include <cstring>
#include <vector>

#include "graph/errors.hpp"

namespace kiln::runtime {

namespace {

// FFTW's single (fftwf_) and double (fftw_) precision interfaces under one name.
template <class R>
struct Fftw;

template <>
struct Fftw<float> {
  using Complex = fftwf_complex;
  using Plan = fftwf_plan;
  using IoDim = fftwf_iodim64;
  static constexpr const char* kWisdom = "fftw-wisdom-f32";
  static Plan dft(int rank, const IoDim* dims, int howmany, const IoDim* batch, Complex* in,
                  Complex* out, int sign, unsigned flags) {
    return fftwf_plan_guru64_dft(rank, dims, howmany, batch, in, out, sign, flags);
  }
  static Plan r2c(int rank, const IoDim* dims, int howmany, const IoDim* batch, float* in,
                  Complex* out, unsigned flags) {
    return fftwf_plan_guru64_dft_r2c(rank, dims, howmany, batch, in, out, flags);
  }
  static Plan c2r(int rank, const IoDim* dims, int howmany, const IoDim* batch, Complex* in,
                  float* out, unsigned flags) {
    return fftwf_plan_guru64_dft_c2r(rank, dims, howmany, batch, in, out, flags);
  }
  static void execute_dft(Plan p, Complex* in, Complex* out) { fftwf_execute_dft(p, in, out); }
  static void execute_r2c(Plan p, float* in, Complex* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void execute_c2r(Plan p, Complex* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
  static void destroy(Plan p) { fftwf_destroy_plan(p); }
  static int alignment_of(void* p) { return fftwf_alignment_of(static_cast<float*>(p)); }
  static Complex* alloc(size_t n) { return fftwf_alloc_complex(n); }
  static void free(void* p) { fftwf_free(p); }
  static int import_wisdom(const char* path) { return fftwf_import_wisdom_from_filename(path); }
  static int export_wisdom(const char* path) { return fftwf_export_wisdom_to_filename(path); }
};

template <>
struct Fftw<double> {
  using Complex = fftw_complex;
  using Plan = fftw_plan;
  using IoDim = fftw_iodim64;
  static constexpr const char* kWisdom = "fftw-wisdom-f64";
  static Plan dft(int rank, const IoDim* dims, int howmany, const IoDim* batch, Complex* in,
                  Complex* out, int sign, unsigned flags) {
    return fftw_plan_guru64_dft(rank, dims, howmany, batch, in, out, sign, flags);
  }
  static Plan r2c(int rank, const IoDim* dims, int howmany, const IoDim* batch, double* in,
                  Complex* out, unsigned flags) {
    return fftw_plan_guru64_dft_r2c(rank, dims, howmany, batch, in, out, flags);
  }
  static Plan c2r(int rank, const IoDim* dims, int howmany, const IoDim* batch, Complex* in,
                  double* out, unsigned flags) {
    return fftw_plan_guru64_dft_c2r(rank, dims, howmany, batch, in, out, flags);
  }
  static void execute_dft(Plan p, Complex* in, Complex* out) { fftw_execute_dft(p, in, out); }
  static void execute_r2c(Plan p, double* in, Complex* out) { fftw_execute_dft_r2c(p, in, out); }
  static void execute_c2r(Plan p, Complex* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
  static void destroy(Plan p) { fftw_destroy_plan(p); }
  static int alignment_of(void* p) { return fftw_alignment_of(static_cast<double*>(p)); }
  static Complex* alloc(size_t n) { return fftw_alloc_complex(n); }
  static void free(void* p) { fftw_free(p); }
  static int import_wisdom(const char* path) { return fftw_import_wisdom_from_filename(path); }
  static int export_wisdom(const char* path) { return fftw_export_wisdom_to_filename(path); }
};

// Calls f.template operator()<R>() with R the real type of the layout's precision.
template <class F>
decltype(auto) with_precision(bool wide, F&& f) {
  if (wide) return f.template operator()<double>();
  return f.template operator()<float>();
}

// FFTW's guru loops: the transform's stride, then the batch (outer blocks, inner positions),
// with extent-1 loops dropped.
template <class R>
std::vector<typename Fftw<R>::IoDim> batch_dims(const FftLayout& l, int64_t in_len,
                                                int64_t out_len) {
  std::vector<typename Fftw<R>::IoDim> d;
  if (l.outer > 1) d.push_back({l.outer, in_len * l.inner, out_len * l.inner});
  if (l.inner > 1) d.push_back({l.inner, 1, 1});
  return d;
}

template <class R>
typename Fftw<R>::Plan make_plan(const FftLayout& l, void* in, void* out, unsigned rigor) {
  using W = Fftw<R>;
  using C = typename W::Complex;
  const int64_t half = l.n / 2 + 1;
  const int64_t in_len = l.op == graph::Op::Irfft ? half : l.n;
  const int64_t out_len = l.op == graph::Op::Rfft ? half : l.n;
  const typename W::IoDim dim{l.n, l.inner, l.inner};
  const auto batch = batch_dims<R>(l, in_len, out_len);
  const int howmany = static_cast<int>(batch.size());
  const unsigned flags = rigor | (l.op == graph::Op::Irfft ? FFTW_DESTROY_INPUT : 0);
  switch (l.op) {
    case graph::Op::Rfft:
      return W::r2c(1, &dim, howmany, batch.data(), static_cast<R*>(in), static_cast<C*>(out),
                    flags);
    case graph::Op::Irfft:
      return W::c2r(1, &dim, howmany, batch.data(), static_cast<C*>(in), static_cast<R*>(out),
                    flags);
    default:
      return W::dft(1, &dim, howmany, batch.data(), static_cast<C*>(in), static_cast<C*>(out),
                    l.inverse ? FFTW_BACKWARD : FFTW_FORWARD, flags);
  }
}

template <class R>
void run_plan(void* plan, const FftLayout& l, void* in, void* out) {
  using W = Fftw<R>;
  using C = typename W::Complex;
  const auto p = static_cast<typename W::Plan>(plan);
  switch (l.op) {
    case graph::Op::Rfft:
      return W::execute_r2c(p, static_cast<R*>(in), static_cast<C*>(out));
    case graph::Op::Irfft:
      return W::execute_c2r(p, static_cast<C*>(in), static_cast<R*>(out));
    default:
      return W::execute_dft(p, static_cast<C*>(in), static_cast<C*>(out));
  }
}

}  // namespace

std::vector<uint8_t> encode_layout(const FftLayout& l) {
  const int64_t words[6] = {static_cast<int64_t>(l.op), l.inverse, l.n, l.outer, l.inner, l.wide};
  // Single-precision layouts keep the five words of manifests written before double precision.
  std::vector<uint8_t> out(l.wide ? sizeof words : 5 * sizeof(int64_t));
  std::memcpy(out.data(), words, out.size());
  return out;
}

bool decode_layout(const std::vector<uint8_t>& bytes, FftLayout& out) {
  int64_t w[6] = {0, 0, 0, 0, 0, 0};
  if (bytes.size() != 5 * sizeof(int64_t) && bytes.size() != sizeof w) return false;
  std::memcpy(w, bytes.data(), bytes.size());
  const auto op = static_cast<graph::Op>(w[0]);
  if ((op != graph::Op::Fft && op != graph::Op::Rfft && op != graph::Op::Irfft) || w[2] < 1 ||
      w[3] < 1 || w[4] < 1 || w[1] < 0 || w[1] > 1 || w[5] < 0 || w[5] > 1)
    return false;
  out = {op, w[1] != 0, w[2], w[3], w[4], w[5] != 0};
  return true;
}

std::string wisdom_file(const std::string& cache_dir, bool wide) {
  return cache_dir + "/" + (wide ? Fftw<double>::kWisdom : Fftw<float>::kWisdom);
}

bool measure_into_wisdom(const FftLayout& l, const std::string& cache_dir, std::string& error) {
  const std::string path = wisdom_file(cache_dir, l.wide);
  return with_precision(l.wide, [&]<class R>() {
    using W = Fftw<R>;
    W::import_wisdom(path.c_str());  // keep what earlier runs measured
    const int64_t half = l.n / 2 + 1;
    const int64_t in_len = l.op == graph::Op::Irfft ? half : l.n;
    const int64_t out_len = l.op == graph::Op::Rfft ? half : l.n;
    // Scratch arrays, complex-sized so either kind of transform fits; FFTW's allocator gives
    // the SIMD alignment that kiln's buffers have too.
    auto* in = W::alloc(static_cast<size_t>(in_len * l.outer * l.inner));
    auto* out = W::alloc(static_cast<size_t>(out_len * l.outer * l.inner));
    auto plan = make_plan<R>(l, in, out, FFTW_MEASURE);
    if (plan) W::destroy(plan);
    W::free(in);
    W::free(out);
    if (!plan) {
      error = "FFTW could not plan the transform";
      return false;
    }
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    if (!W::export_wisdom(tmp.c_str()) || std::rename(tmp.c_str(), path.c_str())) {
      error = "cannot write FFTW wisdom to " + path + ": " + std::strerror(errno);
      ::unlink(tmp.c_str());
      return false;
    }
    return true;
  });
}

void FftPlans::use_wisdom(const std::string& cache_dir) {
  std::lock_guard lock(mutex_);
  if (cache_dir != wisdom_dir_)  // a new cache directory: import its wisdom
    wisdom_loaded_[0] = wisdom_loaded_[1] = false;
  wisdom_dir_ = cache_dir;
}

FftPlans::~FftPlans() {
  for (auto& [key, plan] : plans_) {
    if (std::get<2>(key))
      Fftw<double>::destroy(static_cast<fftw_plan>(plan));
    else
      Fftw<float>::destroy(static_cast<fftwf_plan>(plan));
  }
}

size_t FftPlans::plans_made() const {
  std::lock_guard lock(mutex_);
  return plans_.size();
}

void FftPlans::execute(const FftLayout& l, void* in, void* out) {
  if (l.n == 0 || l.outer == 0 || l.inner == 0) return;
  with_precision(l.wide, [&]<class R>() {
    using W = Fftw<R>;
    const Key key{static_cast<int>(l.op), l.inverse,           l.wide, l.n, l.outer, l.inner,
                  W::alignment_of(in),    W::alignment_of(out)};
    void* plan;
    {
      std::lock_guard lock(mutex_);
      if (!wisdom_loaded_[l.wide] && !wisdom_dir_.empty()) {
        W::import_wisdom(wisdom_file(wisdom_dir_, l.wide).c_str());  // absent or unreadable: none
        wisdom_loaded_[l.wide] = true;
      }
      auto it = plans_.find(key);
      if (it == plans_.end()) {
        plan = make_plan<R>(l, in, out, FFTW_ESTIMATE);
        KILN_CHECK(plan != nullptr, "FFTW could not plan a transform");
        plans_.emplace(key, plan);
      } else {
        plan = it->second;
      }
    }
    run_plan<R>(plan, l, in, out);
  });
}

}  // namespace kiln::runtime
