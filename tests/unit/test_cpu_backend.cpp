// The CPU backend on hand-written kernel IR: results, chunking, error bits, vectorization.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cache/key.hpp"
#include "jit/backend.hpp"
#include "unit/kernel_ir_builders.hpp"

using namespace kiln;
using namespace kiln::ir;

namespace {
// Runs the body over [0, n) in chunks of `chunk` elements (odd sizes exercise partial rows).
struct ChunkedExecutor final : jit::Executor {
  int64_t chunk;
  explicit ChunkedExecutor(int64_t c) : chunk(c) {}
  void parallel_for(int64_t n, int64_t, void (*body)(void*, int64_t, int64_t), void* ctx) override {
    for (int64_t b = 0; b < n; b += chunk) body(ctx, b, std::min(n, b + chunk));
  }
  int concurrency() const override { return 1; }
};

using kiln_test::make_instr;

std::string symbol_for(const KernelIR& k, jit::Backend& backend) {
  std::vector<uint8_t> bytes;
  serialize(k, bytes);
  return "kiln_" + cache::make_key(bytes, backend.target_id()).hex();
}
}  // namespace

TEST(CpuBackend, BroadcastRowsInChunks) {
  // out[i, j] = exp(m[i, j]) * v[j] + p, on a 7 x 13 iteration space.
  const KernelIR k = kiln_test::broadcast_rows_kernel();
  ASSERT_EQ(validate(k), "");
  auto backend = jit::make_backend(Device::cpu(), {});
  const jit::Binary bin = backend->compile(k, symbol_for(k, *backend));
  EXPECT_GT(bin.code.size(), 100u);
  const jit::KernelEntry entry = backend->load(bin, k);

  const int rows = 7, cols = 13;
  std::vector<float> m(rows * cols), v(cols), out(rows * cols, -1.f);
  for (int i = 0; i < rows * cols; ++i) m[i] = 0.01f * static_cast<float>(i);
  for (int j = 0; j < cols; ++j) v[j] = static_cast<float>(j);
  const float p = 0.5f;
  uint32_t pbits;
  std::memcpy(&pbits, &p, 4);
  // params: [p, dims(7, 13), m: offset 0, strides (13, 1), v: offset 0, stride 1]
  const uint64_t params[] = {pbits, rows, cols, 0, cols, 1, 0, 1};
  void* buffers[] = {out.data(), m.data(), v.data()};
  for (int64_t chunk : {1, 5, 13, 17, 1000}) {
    std::fill(out.begin(), out.end(), -1.f);
    ChunkedExecutor exec(chunk);
    const uint64_t status = backend->launch(
        entry, {.buffers = buffers, .params = params, .size = rows * cols, .grain = 1}, exec);
    EXPECT_EQ(status, 0u);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) {
        const float want = std::exp(m[i * cols + j]) * v[j] + p;
        EXPECT_NEAR(out[i * cols + j], want, 1e-5f * std::fabs(want) + 1e-6f)
            << chunk << " " << i << "," << j;
      }
  }
}

TEST(CpuBackend, ErrorBitsReachTheStatus) {
  KernelIR k;
  k.rank = 1;
  k.num_error_bits = 1;
  k.accesses = {{1, Inner::Unit, int64, 1, 0}, {1, Inner::Unit, int64, 1, 0}};
  k.instrs = {make_instr(InstrKind::Load, graph::Op::Data, int64, {}, 0),
              make_instr(InstrKind::Load, graph::Op::Data, int64, {}, 1),
              make_instr(InstrKind::Compute, graph::Op::Power, int64, {0, 1}, 1)};
  k.outputs = {{2, int64, {}}};
  ASSERT_EQ(validate(k), "");
  auto backend = jit::make_backend(Device::cpu(), {});
  const jit::KernelEntry entry = backend->load(backend->compile(k, symbol_for(k, *backend)), k);
  std::vector<int64_t> base = {2, 3, -2, 7, 0}, ex = {10, 3, 3, 0, 0}, out(5);
  const uint64_t params[] = {5, 0, 1, 0, 1};  // dims, then offset and stride of each input
  void* buffers[] = {out.data(), base.data(), ex.data()};
  ChunkedExecutor exec(2);
  const jit::LaunchArgs args{.buffers = buffers, .params = params, .size = 5, .grain = 1};
  EXPECT_EQ(backend->launch(entry, args, exec), 0u);
  EXPECT_EQ(out, (std::vector<int64_t>{1024, 27, -8, 1, 1}));
  ex[3] = -1;
  EXPECT_EQ(backend->launch(entry, args, exec), 1u);
}

TEST(CpuBackend, LongExpressionIsVectorizedWithLibmvec) {
  // sqrt(x*x + a*a) * exp(-b*x) + sin(x) on float32: the example kernel.
  KernelIR k;
  k.rank = 1;
  k.accesses = {{1, Inner::Unit, float32, 1, 0},
                {1, Inner::Unit, float32, 1, 0},
                {1, Inner::Unit, float32, 1, 0}};
  k.instrs = {make_instr(InstrKind::Load, graph::Op::Data, float32, {}, 0),          // x
              make_instr(InstrKind::Load, graph::Op::Data, float32, {}, 1),          // a
              make_instr(InstrKind::Load, graph::Op::Data, float32, {}, 2),          // b
              make_instr(InstrKind::Compute, graph::Op::Multiply, float32, {0, 0}),  // x*x
              make_instr(InstrKind::Compute, graph::Op::Multiply, float32, {1, 1}),  // a*a
              make_instr(InstrKind::Compute, graph::Op::Add, float32, {3, 4}),
              make_instr(InstrKind::Compute, graph::Op::Sqrt, float32, {5}),
              make_instr(InstrKind::Compute, graph::Op::Negative, float32, {2}),
              make_instr(InstrKind::Compute, graph::Op::Multiply, float32, {7, 0}),
              make_instr(InstrKind::Compute, graph::Op::Exp, float32, {8}),
              make_instr(InstrKind::Compute, graph::Op::Multiply, float32, {6, 9}),
              make_instr(InstrKind::Compute, graph::Op::Sin, float32, {0}),
              make_instr(InstrKind::Compute, graph::Op::Add, float32, {10, 11})};
  k.outputs = {{12, float32, {}}};
  const auto dir =
      std::filesystem::temp_directory_path() / ("kiln_dump_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  jit::BackendOptions options;
  options.dump_dir = dir.string();
  auto backend = jit::make_backend(Device::cpu(), options);
  const std::string symbol = symbol_for(k, *backend);
  backend->compile(k, symbol);
  std::ifstream in(dir / (symbol.substr(5) + ".s"));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string assembly = ss.str();
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(assembly.empty());
  const bool avx512 = backend->target_id().find("+avx512f") != std::string::npos;
  if (avx512) {
    EXPECT_NE(assembly.find("_ZGVeN16v_expf"), std::string::npos);
    EXPECT_NE(assembly.find("_ZGVeN16v_sinf"), std::string::npos);
    EXPECT_NE(assembly.find("vsqrtps\t%zmm"), std::string::npos);
  } else {
    EXPECT_NE(assembly.find("v_expf"), std::string::npos);
  }
}

TEST(CpuBackend, WindowOutputsStoreIntoPartOfALargerBuffer) {
  // The broadcast-rows kernel storing into a window of a wider array (a concatenation's
  // columns), then into a transposed one (a strided innermost dimension): every other element
  // is left as it was.
  KernelIR k = kiln_test::broadcast_rows_kernel();
  k.outputs[0].window = 1;
  const int rows = 7, cols = 13, wide = cols + 4;
  std::vector<float> m(rows * cols), v(cols);
  for (int i = 0; i < rows * cols; ++i) m[i] = 0.01f * static_cast<float>(i);
  for (int j = 0; j < cols; ++j) v[j] = static_cast<float>(j);
  uint32_t pbits;
  const float p = 0.5f;
  std::memcpy(&pbits, &p, 4);
  auto backend = jit::make_backend(Device::cpu(), {});
  for (const bool transposed : {false, true}) {
    k.outputs[0].inner = transposed ? Inner::Strided : Inner::Unit;
    ASSERT_EQ(validate(k), "");
    const jit::KernelEntry entry = backend->load(backend->compile(k, symbol_for(k, *backend)), k);
    // params: [p, dims, m: offset, strides, v: offset, stride, window strides (2)]
    const uint64_t row_stride = transposed ? 1 : wide, col_stride = transposed ? rows + 2 : 1;
    const uint64_t params[] = {pbits, rows, cols, 0, cols, 1, 0, 1, row_stride, col_stride};
    std::vector<float> out(static_cast<size_t>(wide * (rows + 2)), -1.f);
    float* window = out.data() + 2;  // the window starts at element 2 (the runtime's pointer)
    void* buffers[] = {window, m.data(), v.data()};
    for (int64_t chunk : {1, 5, 1000}) {
      ChunkedExecutor exec(chunk);
      EXPECT_EQ(
          backend->launch(
              entry, {.buffers = buffers, .params = params, .size = rows * cols, .grain = 1}, exec),
          0u);
      std::vector<char> written(out.size(), 0);
      for (int i = 0; i < rows; ++i)
        for (int j = 0; j < cols; ++j) {
          const size_t at = 2 + i * row_stride + j * col_stride;
          written[at] = 1;
          const float want = std::exp(m[i * cols + j]) * v[j] + p;
          EXPECT_NEAR(out[at], want, 1e-5f * std::fabs(want) + 1e-6f) << i << "," << j;
        }
      for (size_t e = 0; e < out.size(); ++e) {
        if (!written[e]) {
          EXPECT_EQ(out[e], -1.f) << transposed << " " << e;
        }
      }
    }
  }
}
