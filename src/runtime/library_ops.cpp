// Library operations at the sync, before the rest of the graph is planned: scatters and scans
// on the host (host_ops.cpp), FFTs through FFTW (fft_plans.cpp), and matmul through the CPU's
// BLAS (OpenBLAS). Operands are evaluated first (a nested evaluation),
// except matmul's views of evaluated data that BLAS can read as they are (transposes and
// row-strided slices): those are passed with a transpose flag and a leading dimension. Each op
// is read from the trace under the tracer's lock (a LibraryCall) and runs without it.
#include <cblas.h>

#include <cstring>
#include <utility>

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

// The library ops whose library (OpenBLAS, its LAPACK, FFTW) runs threads of its own.
bool uses_library_threads(graph::Op op) {
  switch (op) {
    case graph::Op::MatMul:
    case graph::Op::Fft:
    case graph::Op::Rfft:
    case graph::Op::Irfft:
    case graph::Op::Solve:
    case graph::Op::Cholesky:
    case graph::Op::SlogDet:
    case graph::Op::Eigh:
    case graph::Op::Svd:
    case graph::Op::Qr:
    case graph::Op::Eig:
      return true;
    default:
      return false;
  }
}

// An operand as stored: element (i_0, ..., i_r-1) at base + offset + sum i_d * strides[d].
struct Strided {
  const char* base = nullptr;
  int64_t offset = 0;
  Dims shape, strides;
};

// The operand's storage when it is evaluated data or a view of it; false otherwise.
bool strided_of(const LibraryOperand& x, Strided& out) {
  if (x.buffer) {
    out = {static_cast<const char*>(x.buffer->data), 0, x.shape,
           graph::contiguous_strides(x.shape)};
    return true;
  }
  if (x.view_data) {
    out = {static_cast<const char*>(x.view_data->data), x.view_offset, x.shape, x.view_strides};
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

// y = op(A) x through BLAS gemv: A stored row-major as rows x cols with leading dimension ld.
template <class T>
void gemv_blas(bool trans, int64_t rows, int64_t cols, const T* a, int64_t ld, const T* x,
               int64_t inc_x, T* y) {
  const auto op = trans ? CblasTrans : CblasNoTrans;
  const auto r = static_cast<blasint>(rows), c = static_cast<blasint>(cols),
             l = static_cast<blasint>(ld), ix = static_cast<blasint>(inc_x);
  if constexpr (std::is_same_v<T, std::complex<float>>) {
    const T one(1.0f, 0.0f), zero(0.0f, 0.0f);
    cblas_cgemv(CblasRowMajor, op, r, c, &one, a, l, x, ix, &zero, y, 1);
  } else if constexpr (std::is_same_v<T, std::complex<double>>) {
    const T one(1.0, 0.0), zero(0.0, 0.0);
    cblas_zgemv(CblasRowMajor, op, r, c, &one, a, l, x, ix, &zero, y, 1);
  } else if constexpr (std::is_same_v<T, float>) {
    cblas_sgemv(CblasRowMajor, op, r, c, 1.0f, a, l, x, ix, 0.0f, y, 1);
  } else {
    cblas_dgemv(CblasRowMajor, op, r, c, 1.0, a, l, x, ix, 0.0, y, 1);
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
  // A matrix-vector product (a 1-d operand, or a single row or column) is gemv: gemm with one
  // column runs several times slower in OpenBLAS. The vector is read in place at its stride.
  if (n == 1 && b.row_stride > 0) {
    if (ta)
      gemv_blas<T>(true, k, m, pa, lda, pb, b.row_stride, c);
    else
      gemv_blas<T>(false, m, k, pa, lda, pb, b.row_stride, c);
    return;
  }
  if (m == 1 && a.col_stride > 0) {
    if (tb)
      gemv_blas<T>(false, n, k, pb, ldb, pa, a.col_stride, c);
    else
      gemv_blas<T>(true, k, n, pb, ldb, pa, a.col_stride, c);
    return;
  }
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

// Whether matmul can read operand `x` where it is (BLAS, or the exact loop for integers).
bool matmul_reads_in_place(const LibraryCall& c, int i) {
  Strided s;
  if (!strided_of(c.args[i], s)) return false;
  const bool blas = c.dtype == DType::float32 || c.dtype == DType::float64 || is_complex(c.dtype);
  if (!blas) return true;
  const bool vector = c.payload.v[0] & (i == 0 ? 1 : 2);
  const MatrixView v = matrix_view(s, vector, i == 0);
  bool trans;
  int64_t ld;
  return blas_layout(v.rows, v.cols, v.row_stride, v.col_stride, trans, ld);
}

}  // namespace

void Context::run_library_ops(const std::vector<graph::Node*>& targets) {
  Held library(tracer_);
  {
    std::lock_guard lock(tracer_.mutex());
    std::vector<Node*> order;
    std::vector<int32_t> outputs;
    if (const Node* failed = graph::walk_pending(tracer_, targets, order, outputs))
      throw kiln::Error(*failed->failure);
    for (Node* n : order)  // in topological order: operands first
      if (!n->evaluated() && graph::is_library(n->op) && !planned_in_kernels(*n)) library.add(n);
  }
  // Each node's reference goes once it has run: a result that only later nodes read lives as
  // long as they need it, not until the last library op of the sync (a training step's
  // pre-activations would otherwise outlive the backward pass).
  for (Node*& n : library.nodes) {
    run_library_node(n);
    tracer_.drop_ref(std::exchange(n, nullptr));
  }
}

void Context::run_library_node(Node* n) {
  LibraryCall c;
  Held operands(tracer_);
  {
    std::lock_guard lock(tracer_.mutex());
    if (n->evaluated()) return;  // by an earlier node's operand evaluation, or another thread
    if (n->failure) throw kiln::Error(*n->failure);
    c.node = n;
    c.op = n->op;
    c.dtype = n->dtype;
    c.shape = n->shape;
    c.payload = n->payload;
    c.loc = n->loc;
    c.device = n->device;
    for (int i = 0; i < n->nargs; ++i) {
      Node* x = n->args[i];
      operands.add(x);
      LibraryOperand o;
      o.node = x;
      o.dtype = x->dtype;
      o.shape = x->shape;
      o.device = x->device;
      if (x->evaluated()) {
        o.buffer = x->buffer;
      } else if (x->op == graph::Op::View && x->args[0]->evaluated()) {
        o.view_data = x->args[0]->buffer;
        o.view_offset = static_cast<int64_t>(x->payload.v[0]);
        o.view_strides = x->strides;
      } else if (x->op == graph::Op::View && n->op == graph::Op::MatMul &&
                 (graph::is_window_base(x->args[0]->op) ||
                  x->args[0]->handles.load(std::memory_order_relaxed) > 0)) {
        o.view_base = x->args[0];
      }
      c.args.push_back(std::move(o));
    }
  }
  // Operands are evaluated first (a nested sync), except matmul's views of evaluated data that
  // BLAS reads as they are (transposes and row-strided slices).
  std::vector<Node*> pending;
  for (size_t i = 0; i < c.args.size(); ++i) {
    const bool in_place =
        c.op == graph::Op::MatMul && matmul_reads_in_place(c, static_cast<int>(i));
    if (!c.args[i].buffer && !in_place)
      pending.push_back(c.args[i].view_base ? c.args[i].view_base : c.args[i].node);
  }
  if (!pending.empty()) {
    evaluate(pending, /*nested=*/true);
    pending.clear();
    std::lock_guard lock(tracer_.mutex());
    for (size_t i = 0; i < c.args.size(); ++i) {
      LibraryOperand& o = c.args[i];
      if (!o.buffer && o.node->evaluated()) {
        o.buffer = o.node->buffer;
        o.view_data.reset();
      } else if (o.view_base && o.view_base->evaluated()) {
        o.view_data = o.view_base->buffer;
        o.view_offset = static_cast<int64_t>(o.node->payload.v[0]);
        o.view_strides = o.node->strides;
        if (!matmul_reads_in_place(c, static_cast<int>(i))) pending.push_back(o.node);
      }
    }
  }
  if (!pending.empty()) {  // views of an evaluated base that BLAS cannot read as they are
    evaluate(pending, /*nested=*/true);
    std::lock_guard lock(tracer_.mutex());
    for (LibraryOperand& o : c.args)
      if (!o.buffer && o.node->evaluated()) {
        o.buffer = o.node->buffer;
        o.view_data.reset();
      }
  }
  std::shared_ptr<graph::Buffer> out;
  try {
    std::unique_lock gpu(gpu_mutex_, std::defer_lock);
    bool on_gpu = c.device != graph::kCpuDevice;
    for (const LibraryOperand& o : c.args) on_gpu |= o.device != graph::kCpuDevice;
    if (on_gpu) gpu.lock();
    if (!on_gpu && uses_library_threads(c.op))
      threads_.quiesce();  // the library's threads get the cores
    out = run_library_call(c);
  } catch (const kiln::Error& e) {
    std::lock_guard lock(tracer_.mutex());
    if (!n->evaluated()) n->failure = std::make_shared<const std::string>(e.what());
    throw;
  }
  if (c.op != graph::Op::Transfer) ++counters_.kernels_launched;  // a copy is not a kernel
  std::lock_guard lock(tracer_.mutex());
  if (!n->evaluated()) tracer_.attach_buffer(n, std::move(out));
}

std::shared_ptr<graph::Buffer> Context::new_output(const LibraryCall& c) {
  const size_t bytes = static_cast<size_t>(c.shape.size()) * itemsize(c.dtype);
  std::shared_ptr<graph::Buffer> out = c.device == graph::kCpuDevice
                                           ? pool_.allocate(bytes)
                                           : device_memory(c.device).allocate(bytes);
  counters_.bytes_allocated += out->bytes;
  return out;
}

std::shared_ptr<graph::Buffer> Context::run_library_call(const LibraryCall& c) {
  Timeline::Span span(timeline_, c.op == graph::Op::Transfer ? "transfer" : "library call", "run",
                      c.loc);
  if (span.on()) span.detail(std::string(graph::op_info(c.op).fn));
  if (c.op == graph::Op::Transfer) return run_transfer(c);
  if (c.op == graph::Op::Fft || c.op == graph::Op::Rfft || c.op == graph::Op::Irfft)
    return run_fft(c);
  if (c.op == graph::Op::MatMul) return run_matmul(c);
  std::vector<const void*> in;
  for (const LibraryOperand& o : c.args) in.push_back(o.buffer->data);
  std::shared_ptr<graph::Buffer> out = new_output(c);
  run_host_op(c, in, out->data, &threads_);
  return out;
}

std::shared_ptr<graph::Buffer> Context::run_transfer(const LibraryCall& c) {
  const LibraryOperand& x = c.args[0];
  const void* in = x.buffer->data;
  const size_t bytes = static_cast<size_t>(x.shape.size()) * itemsize(x.dtype);
  std::shared_ptr<graph::Buffer> out;
  try {
    if (x.device == graph::kCpuDevice) {
      jit::DeviceMemory& to = device_memory(c.device);
      out = to.allocate(bytes);
      to.upload(out->data, in, bytes);
      // The user's memory (wrap) may be pinned, which makes the copy truly asynchronous: it
      // must be done before the user can change or free that memory.
      if (x.buffer->external) to.synchronize();
    } else if (c.device == graph::kCpuDevice) {
      out = pool_.allocate(bytes);
      device_memory(x.device).download(out->data, in, bytes);
    } else {  // between two GPUs, through the host
      const std::shared_ptr<graph::Buffer> staging = pool_.allocate(bytes);
      device_memory(x.device).download(staging->data, in, bytes);
      jit::DeviceMemory& to = device_memory(c.device);
      out = to.allocate(bytes);
      to.upload(out->data, staging->data, bytes);
    }
  } catch (const kiln::Error& e) {
    graph::rethrow_at(e, c.loc);
  }
  counters_.bytes_allocated += bytes;
  return out;
}

std::shared_ptr<graph::Buffer> Context::run_device_fft(const LibraryCall& c, const FftLayout& l,
                                                       void* in) {
  const LibraryOperand& x = c.args[0];
  jit::DeviceMemory& memory = device_memory(c.device);
  std::shared_ptr<graph::Buffer> out = new_output(c);
  if (l.n > 0 && l.outer > 0 && l.inner > 0) {  // cuFFT refuses empty plans
    std::shared_ptr<graph::Buffer> scratch;
    if (c.op == graph::Op::Irfft) {
      // A complex-to-real transform overwrites its input, and cuFFT does not promise to ignore
      // the imaginary parts of the zero-frequency and (even lengths) Nyquist terms, which
      // numpy drops: a copy with those parts zeroed.
      const size_t bytes = static_cast<size_t>(x.shape.size()) * itemsize(x.dtype);
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
    backend_for(c.device).fft({l.op, l.inverse, l.wide, l.n, l.outer, l.inner, in, out->data});
  }
  return out;
}

std::shared_ptr<graph::Buffer> Context::run_fft(const LibraryCall& c) {
  void* in = c.args[0].buffer->data;
  const LibraryOperand& x = c.args[0];
  const int axis = static_cast<int>(c.payload.v[0]);
  FftLayout l;
  l.op = c.op;
  l.inverse = c.op == graph::Op::Fft && c.payload.v[1] != 0;
  l.n = c.op == graph::Op::Fft ? c.shape[axis] : static_cast<int64_t>(c.payload.v[1]);
  for (int d = 0; d < axis; ++d) l.outer *= c.shape[d];
  for (int d = axis + 1; d < c.shape.rank(); ++d) l.inner *= c.shape[d];
  l.wide = c.dtype == DType::float64 || c.dtype == DType::complex128;
  if (c.device != graph::kCpuDevice) {  // the device's own FFT library
    try {
      return run_device_fft(c, l, in);
    } catch (const kiln::Error& e) {
      graph::rethrow_at(e, c.loc);
    }
  }
  bool check_wisdom = false;
  {
    std::lock_guard lock(disk_mutex_);
    check_wisdom = !std::exchange(fft_wisdom_checked_, true);
  }
  if (check_wisdom)  // plans measured by kiln-warmup, if any
    if (const std::shared_ptr<cache::DiskCache> disk = disk_cache())
      fft_plans_.use_wisdom(disk->directory());
  // kiln-warmup record: the layout, for measuring its plan ahead of time.
  if (!options_.record_path.empty() && c.shape.size() > 0 && x.shape.size() > 0) {
    const std::vector<uint8_t> bytes = encode_layout(l);
    record(cache::make_key(bytes, "fftw"), "fftw", bytes);
  }
  std::shared_ptr<graph::Buffer> scratch;
  if (c.op == graph::Op::Irfft) {  // FFTW's c2r overwrites its input: give it a copy
    const size_t bytes = static_cast<size_t>(x.shape.size()) * itemsize(x.dtype);
    scratch = pool_.allocate(bytes);
    if (bytes) std::memcpy(scratch->data, in, bytes);
    in = scratch->data;
  }
  std::shared_ptr<graph::Buffer> out = new_output(c);
  fft_plans_.execute(l, in, out->data);
  return out;
}

std::shared_ptr<graph::Buffer> Context::run_matmul(const LibraryCall& c) {
  const bool vec_a = c.payload.v[0] & 1, vec_b = c.payload.v[0] & 2;
  Strided sa, sb;
  strided_of(c.args[0], sa);
  strided_of(c.args[1], sb);
  const MatrixView a = matrix_view(sa, vec_a, true), b = matrix_view(sb, vec_b, false);
  const int64_t m = a.rows, k = a.cols, nn = b.cols;
  const int batch_rank = c.shape.rank() - (vec_a ? 0 : 1) - (vec_b ? 0 : 1);
  Dims batch;
  for (int d = 0; d < batch_rank; ++d) batch.push_back(c.shape[d]);
  const size_t item = itemsize(c.dtype);
  std::shared_ptr<graph::Buffer> out = new_output(c);
  if (c.device != graph::kCpuDevice) {
    try {
      device_matmul(backend_for(c.device), device_memory(c.device), c.dtype, a, b, batch,
                    out->data);
    } catch (const kiln::Error& e) {
      graph::rethrow_at(e, c.loc);
    }
    return out;
  }
  const int64_t batches = batch.size();
  Dims index;
  index.resize(batch.rank(), 0);
  for (int64_t bi = 0; bi < batches; ++bi) {
    char* dst = static_cast<char*>(out->data) + static_cast<size_t>(bi * m * nn) * item;
    const int64_t ao = batch_offset(a, batch, index), bo = batch_offset(b, batch, index);
    if (k == 0 || m == 0 || nn == 0) {
      std::memset(dst, 0, static_cast<size_t>(m * nn) * item);
    } else {
      graph::visit_dtype(c.dtype, [&]<class T>() {
        if constexpr (std::is_same_v<T, half>)  // (kiln::matmul computes these in float32)
          graph::internal_error(__FILE__, __LINE__, "a float16 matmul node");
        else if constexpr (std::is_floating_point_v<T> || graph::ref::is_complex_v<T>)
          gemm_blas<T>(a, b, ao, bo, reinterpret_cast<T*>(dst), m, nn, k);
        else
          gemm_exact<T>(a, b, ao, bo, reinterpret_cast<T*>(dst), m, nn, k);
      });
    }
    for (int d = batch.rank() - 1; d >= 0; --d) {  // next batch index
      if (++index[d] < batch[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace kiln::runtime
