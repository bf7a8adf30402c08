// Library operations at the sync, before the rest of the graph is planned: scatters,
// concatenation and scans on the host (host_ops.cpp), FFTs through FFTW (fft_plans.cpp), and
// matmul through the CPU's BLAS (OpenBLAS). Operands are evaluated first (a nested evaluation),
// except matmul's views of evaluated data that BLAS can read as they are (transposes and
// row-strided slices): those are passed with a transpose flag and a leading dimension.
#include <cblas.h>

#include <cstring>

#include "graph/errors.hpp"
#include "graph/graph.hpp"
#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"
#include "kiln/error.hpp"
#include "runtime/context.hpp"
#include "runtime/host_ops.hpp"

namespace kiln::runtime {

namespace {

using graph::Dims;
using graph::Node;

// An operand as stored: element (i_0, ..., i_r-1) at base + offset + sum i_d * strides[d].
struct Strided {
  const char* base = nullptr;
  int64_t offset = 0;
  Dims shape, strides;
};

// The operand's storage when it is evaluated data or a view of it; false otherwise.
bool strided_of(const Node* x, Strided& out) {
  if (x->evaluated()) {
    out = {static_cast<const char*>(x->buffer->data), 0, x->shape,
           graph::contiguous_strides(x->shape)};
    return true;
  }
  if (x->op == graph::Op::View && x->args[0]->evaluated()) {
    out = {static_cast<const char*>(x->args[0]->buffer->data),
           static_cast<int64_t>(x->payload.v[0]), x->shape, x->strides};
    return true;
  }
  return false;
}

// How BLAS reads a rows x cols matrix with element strides (sr, sc): row-major with leading
// dimension ld, transposed or not. False when it cannot (negative or overlapping strides).
bool blas_layout(int64_t rows, int64_t cols, int64_t sr, int64_t sc, bool& trans, int64_t& ld) {
  if ((cols == 1 || sc == 1) && (rows == 1 || sr >= std::max<int64_t>(1, cols))) {
    trans = false;
    ld = rows == 1 || cols == 0 ? std::max<int64_t>(1, cols) : std::max<int64_t>(sr, cols);
    return true;
  }
  if ((rows == 1 || sr == 1) && (cols == 1 || sc >= std::max<int64_t>(1, rows))) {
    trans = true;
    ld = cols == 1 || rows == 0 ? std::max<int64_t>(1, rows) : std::max<int64_t>(sc, rows);
    return true;
  }
  return false;
}

// Operand `x` seen as a stack of matrices: its own shape with a 1-d vector made 2-d.
struct MatrixView {
  Strided s;
  int64_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;
  Dims batch, batch_strides;  // the leading dimensions
};

MatrixView matrix_view(const Strided& s, bool vector, bool left) {
  MatrixView v;
  v.s = s;
  const int r = s.shape.rank();
  if (vector) {  // a row (left operand) or a column (right operand)
    v.rows = left ? 1 : s.shape[0];
    v.cols = left ? s.shape[0] : 1;
    v.row_stride = left ? 0 : s.strides[0];
    v.col_stride = left ? s.strides[0] : 0;
    return v;
  }
  v.rows = s.shape[r - 2];
  v.cols = s.shape[r - 1];
  v.row_stride = s.strides[r - 2];
  v.col_stride = s.strides[r - 1];
  for (int d = 0; d + 2 < r; ++d) {
    v.batch.push_back(s.shape[d]);
    v.batch_strides.push_back(s.shape[d] == 1 ? 0 : s.strides[d]);
  }
  return v;
}

// The element offset of batch `index` (over `batch`, the result's batch shape) in `v`.
int64_t batch_offset(const MatrixView& v, const Dims& batch, const Dims& index) {
  int64_t off = v.s.offset;
  const int skip = batch.rank() - v.batch.rank();
  for (int d = 0; d < v.batch.rank(); ++d) off += index[skip + d] * v.batch_strides[d];
  return off;
}

template <class T>
void gemm_exact(const MatrixView& a, const MatrixView& b, int64_t ao, int64_t bo, T* c, int64_t m,
                int64_t n, int64_t k) {
  const T* pa = reinterpret_cast<const T*>(a.s.base);
  const T* pb = reinterpret_cast<const T*>(b.s.base);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if constexpr (graph::ref::is_complex_v<T>) {
        (void)pa, (void)pb;  // complex products go to cgemm and zgemm
      } else if constexpr (std::is_same_v<T, bool>) {
        bool acc = false;
        for (int64_t q = 0; q < k && !acc; ++q)
          acc = pa[ao + i * a.row_stride + q * a.col_stride] &&
                pb[bo + q * b.row_stride + j * b.col_stride];
        c[i * n + j] = acc;
      } else {
        using U = std::make_unsigned_t<T>;  // numpy's integer matmul wraps around
        U acc = 0;
        for (int64_t q = 0; q < k; ++q)
          acc += static_cast<U>(pa[ao + i * a.row_stride + q * a.col_stride]) *
                 static_cast<U>(pb[bo + q * b.row_stride + j * b.col_stride]);
        c[i * n + j] = static_cast<T>(acc);
      }
    }
}

template <class T>
void gemm_blas(const MatrixView& a, const MatrixView& b, int64_t ao, int64_t bo, T* c, int64_t m,
               int64_t n, int64_t k) {
  bool ta = false, tb = false;
  int64_t lda = 0, ldb = 0;
  blas_layout(a.rows, a.cols, a.row_stride, a.col_stride, ta, lda);
  blas_layout(b.rows, b.cols, b.row_stride, b.col_stride, tb, ldb);
  const T* pa = reinterpret_cast<const T*>(a.s.base) + ao;
  const T* pb = reinterpret_cast<const T*>(b.s.base) + bo;
  const auto op_a = ta ? CblasTrans : CblasNoTrans, op_b = tb ? CblasTrans : CblasNoTrans;
  const auto im = static_cast<blasint>(m), in = static_cast<blasint>(n),
             ik = static_cast<blasint>(k);
  if constexpr (std::is_same_v<T, std::complex<float>>) {
    const T one(1.0f, 0.0f), zero(0.0f, 0.0f);
    cblas_cgemm(CblasRowMajor, op_a, op_b, im, in, ik, &one, pa, static_cast<blasint>(lda), pb,
                static_cast<blasint>(ldb), &zero, c, in);
  } else if constexpr (std::is_same_v<T, std::complex<double>>) {
    const T one(1.0, 0.0), zero(0.0, 0.0);
    cblas_zgemm(CblasRowMajor, op_a, op_b, im, in, ik, &one, pa, static_cast<blasint>(lda), pb,
                static_cast<blasint>(ldb), &zero, c, in);
  } else if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, op_a, op_b, im, in, ik, 1.0f, pa, static_cast<blasint>(lda), pb,
                static_cast<blasint>(ldb), 0.0f, c, in);
  else
    cblas_dgemm(CblasRowMajor, op_a, op_b, im, in, ik, 1.0, pa, static_cast<blasint>(lda), pb,
                static_cast<blasint>(ldb), 0.0, c, in);
}

// matmul on a device through its BLAS: the last batch dimension is one strided-batched call,
// the others a loop.
void device_matmul(jit::Backend& backend, jit::DeviceMemory& memory, DType dtype,
                   const MatrixView& a, const MatrixView& b, const Dims& batch, void* out) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  const size_t item = itemsize(dtype);
  const int64_t total = batch.size();
  if (m == 0 || n == 0 || total == 0) return;
  if (k == 0) {
    memory.zero(out, static_cast<size_t>(total * m * n) * item);
    return;
  }
  jit::GemmDesc g;
  g.dtype = dtype;
  g.m = m;
  g.n = n;
  g.k = k;
  blas_layout(a.rows, a.cols, a.row_stride, a.col_stride, g.trans_a, g.lda);
  blas_layout(b.rows, b.cols, b.row_stride, b.col_stride, g.trans_b, g.ldb);
  const int r = batch.rank();
  g.batch = r > 0 ? batch[r - 1] : 1;
  // An operand's stride along the result's last batch dimension (0 when it has no such
  // dimension, or broadcasts along it).
  auto last_stride = [&](const MatrixView& v) {
    return r > 0 && v.batch.rank() > 0 ? v.batch_strides[v.batch.rank() - 1] : int64_t{0};
  };
  g.stride_a = last_stride(a);
  g.stride_b = last_stride(b);
  Dims index;
  index.resize(r, 0);
  for (int64_t done = 0; done < total; done += g.batch) {
    g.a = a.s.base + static_cast<size_t>(batch_offset(a, batch, index)) * item;
    g.b = b.s.base + static_cast<size_t>(batch_offset(b, batch, index)) * item;
    g.c = static_cast<char*>(out) + static_cast<size_t>(done * m * n) * item;
    backend.gemm(g);
    for (int d = r - 2; d >= 0; --d) {  // next index over all but the last batch dimension
      if (++index[d] < batch[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace

std::vector<void*> Context::contiguous_inputs(graph::Node* n) {
  // Host ops and FFTs read their operands contiguously: anything else is evaluated first.
  std::vector<void*> inputs;
  for (int i = 0; i < n->nargs; ++i) {
    Node* x = n->args[i];
    if (!x->evaluated()) {
      const graph::Tracer::LockedHandles target(tracer_, {x});
      evaluate_locked(target.nodes());
      KILN_CHECK(x->evaluated(), "an operand of a library op was left unevaluated");
    }
    inputs.push_back(x->buffer->data);
  }
  return inputs;
}

std::shared_ptr<graph::Buffer> Context::new_output(graph::Node* n) {
  const size_t bytes = static_cast<size_t>(n->shape.size()) * itemsize(n->dtype);
  std::shared_ptr<graph::Buffer> out = n->device == graph::kCpuDevice
                                           ? pool_.allocate(bytes)
                                           : device_memory(n->device).allocate(bytes);
  stats_.bytes_allocated += out->bytes;
  return out;
}

void Context::run_device_concatenate(graph::Node* n) {
  const std::vector<void*> in = contiguous_inputs(n);
  const int axis = static_cast<int>(n->payload.v[0]);
  std::shared_ptr<graph::Buffer> out = new_output(n);
  const size_t item = itemsize(n->dtype);
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= n->shape[d];
  auto row = [&](const Node* x) {  // bytes of one operand in one outer block
    int64_t r = 1;
    for (int d = axis; d < x->shape.rank(); ++d) r *= x->shape[d];
    return static_cast<size_t>(r) * item;
  };
  const size_t ra = row(n->args[0]), rb = row(n->args[1]);
  try {
    jit::DeviceMemory& memory = device_memory(n->device);
    memory.copy_2d(out->data, ra + rb, in[0], ra, ra, static_cast<size_t>(outer));
    memory.copy_2d(static_cast<char*>(out->data) + ra, ra + rb, in[1], rb, rb,
                   static_cast<size_t>(outer));
  } catch (const kiln::Error& e) {
    graph::rethrow_at(e, n->loc);
  }
  ++stats_.kernels_launched;
  tracer_.attach_buffer(n, std::move(out));
}

void Context::run_host_op_node(graph::Node* n) {
  const std::vector<void*> in = contiguous_inputs(n);
  std::shared_ptr<graph::Buffer> out = new_output(n);
  run_host_op(*n, std::vector<const void*>(in.begin(), in.end()), out->data);
  ++stats_.kernels_launched;
  tracer_.attach_buffer(n, std::move(out));
}

void Context::run_transfer(graph::Node* n) {
  const void* in = contiguous_inputs(n)[0];
  const Node* x = n->args[0];
  const size_t bytes = static_cast<size_t>(x->shape.size()) * itemsize(x->dtype);
  std::shared_ptr<graph::Buffer> out;
  try {
    if (x->device == graph::kCpuDevice) {
      jit::DeviceMemory& to = device_memory(n->device);
      out = to.allocate(bytes);
      to.upload(out->data, in, bytes);
      // The user's memory (wrap) may be pinned, which makes the copy truly asynchronous: it
      // must be done before the user can change or free that memory.
      if (x->buffer->external) to.synchronize();
    } else if (n->device == graph::kCpuDevice) {
      out = pool_.allocate(bytes);
      device_memory(x->device).download(out->data, in, bytes);
    } else {  // between two GPUs, through the host
      const std::shared_ptr<graph::Buffer> staging = pool_.allocate(bytes);
      device_memory(x->device).download(staging->data, in, bytes);
      jit::DeviceMemory& to = device_memory(n->device);
      out = to.allocate(bytes);
      to.upload(out->data, staging->data, bytes);
    }
  } catch (const kiln::Error& e) {
    graph::rethrow_at(e, n->loc);
  }
  stats_.bytes_allocated += bytes;
  tracer_.attach_buffer(n, std::move(out));
}

void Context::run_device_fft(graph::Node* n, const FftLayout& l, void* in) {
  const Node* x = n->args[0];
  jit::DeviceMemory& memory = device_memory(n->device);
  std::shared_ptr<graph::Buffer> out = new_output(n);
  if (l.n > 0 && l.outer > 0 && l.inner > 0) {  // cuFFT refuses empty plans
    std::shared_ptr<graph::Buffer> scratch;
    if (n->op == graph::Op::Irfft) {
      // A complex-to-real transform overwrites its input, and cuFFT does not promise to ignore
      // the imaginary parts of the zero-frequency and (even lengths) Nyquist terms, which
      // numpy drops: a copy with those parts zeroed.
      const size_t bytes = static_cast<size_t>(x->shape.size()) * itemsize(x->dtype);
      scratch = memory.allocate(bytes);
      memory.copy(scratch->data, in, bytes);
      const size_t part = l.wide ? 8 : 4, item = 2 * part;
      const int64_t half = l.n / 2 + 1;
      std::vector<int64_t> terms = {0};
      if (l.n % 2 == 0) terms.push_back(l.n / 2);
      char* base = static_cast<char*>(scratch->data) + part;  // the imaginary parts
      for (int64_t term : terms) {
        if (l.inner == 1) {  // one term a row: a single strided fill
          memory.zero_strided(base + static_cast<size_t>(term) * item, part,
                              static_cast<size_t>(half) * item, static_cast<size_t>(l.outer));
          continue;
        }
        for (int64_t o = 0; o < l.outer; ++o)  // `inner` neighbouring terms a block
          memory.zero_strided(base + static_cast<size_t>((o * half + term) * l.inner) * item, part,
                              item, static_cast<size_t>(l.inner));
      }
      in = scratch->data;
    }
    backend_for(n->device).fft({l.op, l.inverse, l.wide, l.n, l.outer, l.inner, in, out->data});
  }
  ++stats_.kernels_launched;
  tracer_.attach_buffer(n, std::move(out));
}

void Context::run_fft_node(graph::Node* n) {
  void* in = contiguous_inputs(n)[0];
  const Node* x = n->args[0];
  const int axis = static_cast<int>(n->payload.v[0]);
  FftLayout l;
  l.op = n->op;
  l.inverse = n->op == graph::Op::Fft && n->payload.v[1] != 0;
  l.n = n->op == graph::Op::Fft ? n->shape[axis] : static_cast<int64_t>(n->payload.v[1]);
  for (int d = 0; d < axis; ++d) l.outer *= n->shape[d];
  for (int d = axis + 1; d < n->shape.rank(); ++d) l.inner *= n->shape[d];
  l.wide = n->dtype == DType::float64 || n->dtype == DType::complex128;
  if (n->device != graph::kCpuDevice) {  // the device's own FFT library
    try {
      run_device_fft(n, l, in);
    } catch (const kiln::Error& e) {
      graph::rethrow_at(e, n->loc);
    }
    return;
  }
  if (!fft_wisdom_checked_) {  // plans measured by kiln-warmup, if any
    fft_wisdom_checked_ = true;
    if (cache::DiskCache* disk = disk_cache()) fft_plans_.use_wisdom(disk->directory());
  }
  // kiln-warmup record: the layout, for measuring its plan ahead of time.
  if (!options_.record_path.empty() && n->shape.size() > 0 && x->shape.size() > 0) {
    ir_bytes_ = encode_layout(l);
    record(cache::make_key(ir_bytes_, "fftw"), "fftw");
  }
  std::shared_ptr<graph::Buffer> scratch;
  if (n->op == graph::Op::Irfft) {  // FFTW's c2r overwrites its input: give it a copy
    const size_t bytes = static_cast<size_t>(x->shape.size()) * itemsize(x->dtype);
    scratch = pool_.allocate(bytes);
    if (bytes) std::memcpy(scratch->data, in, bytes);
    in = scratch->data;
  }
  std::shared_ptr<graph::Buffer> out = new_output(n);
  fft_plans_.execute(l, in, out->data);
  ++stats_.kernels_launched;
  tracer_.attach_buffer(n, std::move(out));
}

bool Context::run_library_ops(const std::vector<graph::Node*>& order) {
  std::vector<Node*> pending;
  for (Node* n : order)
    if (!n->evaluated() && graph::is_library(n->op)) pending.push_back(n);
  if (pending.empty()) return false;
  const graph::Tracer::LockedHandles library(tracer_, std::move(pending));

  for (Node* n : library.nodes()) {
    if (n->evaluated()) continue;
    if (n->op == graph::Op::Transfer) {
      run_transfer(n);
      continue;
    }
    if (n->op == graph::Op::Fft || n->op == graph::Op::Rfft || n->op == graph::Op::Irfft) {
      run_fft_node(n);
      continue;
    }
    if (n->op == graph::Op::Concatenate && n->device != graph::kCpuDevice) {
      run_device_concatenate(n);
      continue;
    }
    if (n->op != graph::Op::MatMul) {
      run_host_op_node(n);
      continue;
    }
    const bool vec_a = n->payload.v[0] & 1, vec_b = n->payload.v[0] & 2;
    const bool blas =
        n->dtype == DType::float32 || n->dtype == DType::float64 || is_complex(n->dtype);
    Strided sa, sb;
    // Operands BLAS (or the exact loop) cannot read in place are evaluated into buffers.
    for (int i = 0; i < 2; ++i) {
      Node* x = n->args[i];
      Strided s;
      bool ready = strided_of(x, s);
      if (ready && blas) {
        const MatrixView v = matrix_view(s, i == 0 ? vec_a : vec_b, i == 0);
        bool t;
        int64_t ld;
        ready = blas_layout(v.rows, v.cols, v.row_stride, v.col_stride, t, ld);
      }
      if (!ready) {
        const graph::Tracer::LockedHandles target(tracer_, {x});
        evaluate_locked(target.nodes());
        KILN_CHECK(x->evaluated(), "a matmul operand was left unevaluated");
        strided_of(x, s);
      }
      (i == 0 ? sa : sb) = s;
    }
    const MatrixView a = matrix_view(sa, vec_a, true), b = matrix_view(sb, vec_b, false);
    const int64_t m = a.rows, k = a.cols, nn = b.cols;
    const int batch_rank = n->shape.rank() - (vec_a ? 0 : 1) - (vec_b ? 0 : 1);
    Dims batch;
    for (int d = 0; d < batch_rank; ++d) batch.push_back(n->shape[d]);
    const size_t item = itemsize(n->dtype);
    std::shared_ptr<graph::Buffer> out = new_output(n);
    if (n->device != graph::kCpuDevice) {
      try {
        device_matmul(backend_for(n->device), device_memory(n->device), n->dtype, a, b, batch,
                      out->data);
      } catch (const kiln::Error& e) {
        graph::rethrow_at(e, n->loc);
      }
      ++stats_.kernels_launched;
      tracer_.attach_buffer(n, std::move(out));
      continue;
    }
    const int64_t batches = batch.size();
    Dims index;
    index.resize(batch.rank(), 0);
    for (int64_t bi = 0; bi < batches; ++bi) {
      char* c = static_cast<char*>(out->data) + static_cast<size_t>(bi * m * nn) * item;
      const int64_t ao = batch_offset(a, batch, index), bo = batch_offset(b, batch, index);
      if (k == 0 || m == 0 || nn == 0) {
        std::memset(c, 0, static_cast<size_t>(m * nn) * item);
      } else {
        graph::visit_dtype(n->dtype, [&]<class T>() {
          if constexpr (std::is_floating_point_v<T> || graph::ref::is_complex_v<T>)
            gemm_blas<T>(a, b, ao, bo, reinterpret_cast<T*>(c), m, nn, k);
          else
            gemm_exact<T>(a, b, ao, bo, reinterpret_cast<T*>(c), m, nn, k);
        });
      }
      for (int d = batch.rank() - 1; d >= 0; --d) {  // next batch index
        if (++index[d] < batch[d]) break;
        index[d] = 0;
      }
    }
    ++stats_.kernels_launched;
    tracer_.attach_buffer(n, std::move(out));
  }
  return true;
}

}  // namespace kiln::runtime
