#include "jit/cuda/cuda_libraries.hpp"

#include <dlfcn.h>

#include <climits>
#include <complex>
#include <cstdlib>
#include <vector>

#include "kiln/error.hpp"

namespace kiln::jit::cuda {

namespace {

// Opens the first of `names` that loads (or the library the environment variable `override`
// names); null with the reasons in `why`.
void* open_library(const char* override, std::initializer_list<const char*> names,
                   std::string& why) {
  if (const char* path = std::getenv(override); path && *path) {
    void* lib = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) why = std::string("cannot open ") + path + " (" + override + "): " + ::dlerror();
    return lib;
  }
  for (const char* name : names)
    if (void* lib = ::dlopen(name, RTLD_NOW | RTLD_LOCAL)) return lib;
  why = "none of";
  for (const char* name : names) why += std::string(" ") + name;
  why += std::string(" opens (install the CUDA toolkit's libraries, or set ") + override + ")";
  return nullptr;
}

template <typename Fn>
void resolve(void* lib, const char* name, Fn& fn, std::string& missing) {
  fn = reinterpret_cast<Fn>(::dlsym(lib, name));
  if (!fn && missing.empty()) missing = name;
}

int checked_int(int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX)
    throw Error(std::string("[cuda] ") + what + " " + std::to_string(v) +
                " is beyond what cuBLAS and cuFFT take (2^31 - 1)");
  return static_cast<int>(v);
}

constexpr int kOpN = 0, kOpT = 1;  // cublasOperation_t

// cufftType and directions.
constexpr int kR2C = 0x2a, kC2R = 0x2c, kC2C = 0x29, kD2Z = 0x6a, kZ2D = 0x6c, kZ2Z = 0x69;
constexpr int kForward = -1, kInverse = 1;

}  // namespace

// The cuBLAS functions kiln calls (cublas_v2.h's signatures; complex numbers as std::complex,
// which has cuComplex's layout).
struct CudaLibraries::Blas {
  using Handle = void*;
  int (*create)(Handle*) = nullptr;
  int (*set_stream)(Handle, StreamHandle) = nullptr;
  template <class T>
  using Gemm = int (*)(Handle, int, int, int, int, int, const T*, const T*, int, long long,
                       const T*, int, long long, const T*, T*, int, long long, int);
  Gemm<float> sgemm = nullptr;
  Gemm<double> dgemm = nullptr;
  Gemm<std::complex<float>> cgemm = nullptr;
  Gemm<std::complex<double>> zgemm = nullptr;
  Handle handle = nullptr;
};

// The cuFFT functions kiln calls (cufft.h's signatures).
struct CudaLibraries::Fft {
  int (*plan_many)(int*, int, int*, int*, int, int, int*, int, int, int, int) = nullptr;
  int (*set_stream)(int, StreamHandle) = nullptr;
  int (*exec_c2c)(int, void*, void*, int) = nullptr;
  int (*exec_r2c)(int, void*, void*) = nullptr;
  int (*exec_c2r)(int, void*, void*) = nullptr;
  int (*exec_z2z)(int, void*, void*, int) = nullptr;
  int (*exec_d2z)(int, void*, void*) = nullptr;
  int (*exec_z2d)(int, void*, void*) = nullptr;
};

CudaLibraries::CudaLibraries(StreamHandle stream, std::string device_name)
    : stream_(stream), device_name_(std::move(device_name)) {}

// The handle and the plans stay: like the device, they live as long as the process's context.
CudaLibraries::~CudaLibraries() = default;

CudaLibraries::Blas& CudaLibraries::blas() {
  if (blas_) return *blas_;
  std::string why;
  void* lib =
      open_library("KILN_LIBCUBLAS",
                   {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"}, why);
  if (!lib) throw Error("[cuda] matmul on " + device_name_ + " needs cuBLAS: " + why);
  auto b = std::make_unique<Blas>();
  std::string missing;
  resolve(lib, "cublasCreate_v2", b->create, missing);
  resolve(lib, "cublasSetStream_v2", b->set_stream, missing);
  resolve(lib, "cublasSgemmStridedBatched", b->sgemm, missing);
  resolve(lib, "cublasDgemmStridedBatched", b->dgemm, missing);
  resolve(lib, "cublasCgemmStridedBatched", b->cgemm, missing);
  resolve(lib, "cublasZgemmStridedBatched", b->zgemm, missing);
  if (!missing.empty()) throw Error("[cuda] the cuBLAS library has no " + missing);
  if (int r = b->create(&b->handle); r != 0)
    throw Error("[cuda] cublasCreate failed on " + device_name_ + " (cuBLAS status " +
                std::to_string(r) + ")");
  if (int r = b->set_stream(b->handle, stream_); r != 0)
    throw Error("[cuda] cublasSetStream failed (cuBLAS status " + std::to_string(r) + ")");
  blas_ = std::move(b);
  return *blas_;
}

CudaLibraries::Fft& CudaLibraries::fft_library() {
  if (fft_) return *fft_;
  std::string why;
  void* lib = open_library(
      "KILN_LIBCUFFT", {"libcufft.so.12", "libcufft.so.11", "libcufft.so.13", "libcufft.so"}, why);
  if (!lib) throw Error("[cuda] FFTs on " + device_name_ + " need cuFFT: " + why);
  auto f = std::make_unique<Fft>();
  std::string missing;
  resolve(lib, "cufftPlanMany", f->plan_many, missing);
  resolve(lib, "cufftSetStream", f->set_stream, missing);
  resolve(lib, "cufftExecC2C", f->exec_c2c, missing);
  resolve(lib, "cufftExecR2C", f->exec_r2c, missing);
  resolve(lib, "cufftExecC2R", f->exec_c2r, missing);
  resolve(lib, "cufftExecZ2Z", f->exec_z2z, missing);
  resolve(lib, "cufftExecD2Z", f->exec_d2z, missing);
  resolve(lib, "cufftExecZ2D", f->exec_z2d, missing);
  if (!missing.empty()) throw Error("[cuda] the cuFFT library has no " + missing);
  fft_ = std::move(f);
  return *fft_;
}

void CudaLibraries::gemm(const GemmDesc& g) {
  std::lock_guard lock(mutex_);
  Blas& b = blas();
  // cuBLAS is column-major: the row-major product C = op(A) op(B) is the column-major
  // C^T = op(B)^T op(A)^T, and a row-major matrix is its transpose column-major, so B comes
  // first, each operand transposed exactly when it is stored transposed.
  const int m = checked_int(g.n, "a matrix dimension"), n = checked_int(g.m, "a matrix dimension");
  const int k = checked_int(g.k, "a matrix dimension");
  const int lda = checked_int(g.ldb, "a leading dimension");
  const int ldb = checked_int(g.lda, "a leading dimension");
  const int batch = checked_int(g.batch, "a batch count");
  const int op_a = g.trans_b ? kOpT : kOpN, op_b = g.trans_a ? kOpT : kOpN;
  const long long stride_c = static_cast<long long>(g.m) * g.n;
  auto call = [&]<class T>(Blas::Gemm<T> fn) {
    const T one(1), zero(0);
    return fn(b.handle, op_a, op_b, m, n, k, &one, static_cast<const T*>(g.b), lda, g.stride_b,
              static_cast<const T*>(g.a), ldb, g.stride_a, &zero, static_cast<T*>(g.c), m, stride_c,
              batch);
  };
  int r = 0;
  switch (g.dtype) {
    case DType::float32:
      r = call(b.sgemm);
      break;
    case DType::float64:
      r = call(b.dgemm);
      break;
    case DType::complex64:
      r = call(b.cgemm);
      break;
    case DType::complex128:
      r = call(b.zgemm);
      break;
    default:
      throw Error("[cuda] cuBLAS has no " + std::string(dtype_name(g.dtype)) + " matmul");
  }
  if (r != 0)
    throw Error("[cuda] cuBLAS gemm (" + std::to_string(g.m) + "x" + std::to_string(g.k) + " by " +
                std::to_string(g.k) + "x" + std::to_string(g.n) + ", " + std::to_string(g.batch) +
                " of them) failed on " + device_name_ + " (cuBLAS status " + std::to_string(r) +
                ")");
}

void CudaLibraries::fft(const FftDesc& d) {
  std::lock_guard lock(mutex_);
  Fft& f = fft_library();
  const int64_t half = d.n / 2 + 1;
  const int64_t in_len = d.op == graph::Op::Irfft ? half : d.n;
  const int64_t out_len = d.op == graph::Op::Rfft ? half : d.n;
  const size_t real = d.wide ? 8 : 4, cplx = 2 * real;
  const size_t in_item = d.op == graph::Op::Rfft ? real : cplx;
  const size_t out_item = d.op == graph::Op::Irfft ? real : cplx;
  // A plan covers a batch of transforms one stride apart. Contiguous transforms (inner == 1)
  // are one batch of all blocks. Strided ones are either the `inner` interleaved transforms of
  // a block, executed once per block, or the `outer` transforms at one position of every
  // block, executed once per position: whichever needs fewer executions.
  const bool contiguous = d.inner == 1;
  const bool by_block = !contiguous && d.inner >= d.outer;
  const int64_t batch = contiguous ? d.outer : by_block ? d.inner : d.outer;
  const int type = d.op == graph::Op::Rfft    ? (d.wide ? kD2Z : kR2C)
                   : d.op == graph::Op::Irfft ? (d.wide ? kZ2D : kC2R)
                                              : (d.wide ? kZ2Z : kC2C);
  const auto key = std::make_tuple(type, by_block, d.wide, d.n, d.inner, batch);
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    int n = checked_int(d.n, "an FFT length");
    int inembed = checked_int(in_len, "an FFT length"),
        onembed = checked_int(out_len, "an FFT length");
    const int stride = checked_int(d.inner, "an FFT stride");
    // Between the transforms of a batch: a whole transform (contiguous), one element (a
    // block's interleaved ones), or a whole block (one position of every block).
    const int idist = contiguous ? inembed
                      : by_block ? 1
                                 : checked_int(in_len * d.inner, "an FFT size");
    const int odist = contiguous ? onembed
                      : by_block ? 1
                                 : checked_int(out_len * d.inner, "an FFT size");
    int plan = 0;
    if (int r = f.plan_many(&plan, 1, &n, &inembed, stride, idist, &onembed, stride, odist, type,
                            checked_int(batch, "an FFT batch"));
        r != 0)
      throw Error("[cuda] cufftPlanMany failed for " + std::to_string(batch) + " transforms of " +
                  std::to_string(d.n) + " on " + device_name_ + " (cuFFT status " +
                  std::to_string(r) + ")");
    if (int r = f.set_stream(plan, stream_); r != 0)
      throw Error("[cuda] cufftSetStream failed (cuFFT status " + std::to_string(r) + ")");
    it = plans_.emplace(key, plan).first;
  }
  const int plan = it->second;
  const int64_t executions = contiguous ? 1 : by_block ? d.outer : d.inner;
  for (int64_t e = 0; e < executions; ++e) {
    // Block e, or position e of every block.
    const int64_t in_at = by_block ? e * in_len * d.inner : e;
    const int64_t out_at = by_block ? e * out_len * d.inner : e;
    char* in = static_cast<char*>(d.in) + static_cast<size_t>(in_at) * in_item;
    char* out = static_cast<char*>(d.out) + static_cast<size_t>(out_at) * out_item;
    const int dir = d.inverse ? kInverse : kForward;
    int r = 0;
    switch (type) {
      case kC2C:
        r = f.exec_c2c(plan, in, out, dir);
        break;
      case kZ2Z:
        r = f.exec_z2z(plan, in, out, dir);
        break;
      case kR2C:
        r = f.exec_r2c(plan, in, out);
        break;
      case kD2Z:
        r = f.exec_d2z(plan, in, out);
        break;
      case kC2R:
        r = f.exec_c2r(plan, in, out);
        break;
      default:
        r = f.exec_z2d(plan, in, out);
        break;
    }
    if (r != 0)
      throw Error("[cuda] cuFFT execution failed on " + device_name_ + " (cuFFT status " +
                  std::to_string(r) + ")");
  }
}

}  // namespace kiln::jit::cuda
