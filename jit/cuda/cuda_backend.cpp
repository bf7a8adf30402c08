#include "jit/cuda/cuda_backend.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include <llvm/Config/llvm-config.h>

#include "jit/cuda/cuda_device.hpp"
#include "jit/cuda/cuda_driver.hpp"
#include "jit/cuda/launch_params.hpp"
#include "jit/cuda/nvptx_codegen.hpp"
#include "jit/cuda/nvptx_kernels.hpp"
#include "jit/llvm/pipeline.hpp"
#include "kiln/error.hpp"

namespace kiln::jit {

namespace {

// Blocks a launch uses at most, per SM: 8 blocks of 256 threads fill an SM's 2048 thread slots,
// so one wave covers the device and grid-stride loops do the rest.
constexpr int64_t kBlocksPerSm = 8;
// A warp-per-output reduction's block holds this many outputs.
constexpr int64_t kWarpsPerBlock = kCudaBlockThreads / 32;

// A loaded kernel: its function and what its launch needs (KernelEntry::main points here).
struct LoadedKernel {
  cuda::FunctionHandle function = nullptr;
  CudaLaunchParams params;
  std::vector<uint8_t> cubin;  // what the driver assembled, until native_code() takes it
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(int ordinal, const BackendOptions& options) : options_(options), ordinal_(ordinal) {
    sm_ = options.cuda_sm;
    if (sm_.empty()) {
      std::string why;
      const std::unique_ptr<cuda::Driver> driver = cuda::Driver::open(why);
      if (!driver) throw Error("[cuda backend] CUDA is not available: " + why);
      sm_ = driver->device(ordinal).sm();
    }
    tm_ = make_nvptx_target_machine(sm_);
    target_id_ = std::string(kNvptxTriple) + ";" + sm_ + ";" + tm_->getTargetFeatureString().str() +
                 ";llvm " LLVM_VERSION_STRING ";abi " + std::to_string(ir::kKernelAbiVersion) +
                 ";ops " + std::to_string(ir::op_table_fingerprint()) + ";libdevice " +
                 libdevice_.identity() + ";opt O2";
  }

  std::string_view name() const override { return "cuda"; }
  const std::string& target_id() const override { return target_id_; }

  Binary compile(const ir::KernelIR& ir, const std::string& symbol) override {
    std::lock_guard lock(mutex_);  // one TargetMachine: one kernel at a time
    llvm::LLVMContext context;
    const auto t0 = std::chrono::steady_clock::now();
    auto m = build_nvptx_module(ir, symbol, context, *tm_, libdevice_);
    const auto t1 = std::chrono::steady_clock::now();
    std::string ptx = emit_ptx(*m, *tm_);
    const auto t2 = std::chrono::steady_clock::now();
    if (!options_.dump_dir.empty())
      std::ofstream(dump_kernel(options_.dump_dir, symbol, ir, *m) + ".ptx") << ptx;
    Binary out;
    out.symbol = symbol;
    out.code.assign(ptx.begin(), ptx.end());
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    out.phases = {{"build IR", ms(t0, t1)}, {"optimize + PTX", ms(t1, t2)}};
    return out;
  }

  KernelEntry load(const Binary& binary, const ir::KernelIR& ir) override {
    cuda::CudaDevice& d = device();
    std::lock_guard lock(mutex_);
    LoadedKernel& k = loaded_.emplace_back();
    k.function = d.load(binary.code, binary.symbol, k.cubin);
    k.params = CudaLaunchParams::of(ir);
    KernelEntry entry;
    entry.main = &k;
    return entry;
  }

  uint64_t launch(const KernelEntry& entry, const LaunchArgs& args, Executor&) override {
    const auto& k = *static_cast<const LoadedKernel*>(entry.main);
    if (!args.status) throw Error("[cuda backend] a launch needs a device status word");
    if (args.size <= 0) return 0;
    cuda::CudaDevice& d = device();
    const int64_t cap = std::max(1, d.info().multiprocessors) * kBlocksPerSm;
    // A long inner reduction takes every block: a block per output when there are enough
    // outputs, else several blocks per output, which meet in the workspace; a short one a warp
    // per output; anything else a thread per element or output.
    int64_t blocks = (args.size + kCudaBlockThreads - 1) / kCudaBlockThreads;
    if (k.params.block_per_output(args.reduce_size))
      blocks = cap;
    else if (k.params.kind == ir::KernelKind::ReduceInner)
      blocks = (args.size + kWarpsPerBlock - 1) / kWarpsPerBlock;
    blocks = std::clamp<int64_t>(blocks, 1, cap);
    std::shared_ptr<graph::Buffer> workspace;
    if (const size_t bytes = k.params.workspace_bytes(blocks, args.size, args.reduce_size)) {
      workspace = d.allocate(bytes);   // back to the pool at once: later work is ordered
      d.zero(workspace->data, bytes);  // after this launch on the stream
    }
    std::vector<uint64_t> values(k.params.count());
    std::vector<void*> pointers(values.size());
    k.params.fill(args, args.status, workspace ? workspace->data : nullptr, values.data());
    for (size_t i = 0; i < values.size(); ++i) pointers[i] = &values[i];
    d.launch(k.function, static_cast<unsigned>(blocks), kCudaBlockThreads, pointers.data());
    return 0;
  }

  DeviceMemory* device_memory() override { return &device(); }

  void gemm(const GemmDesc& g) override { device().gemm(g); }
  void fft(const FftDesc& f) override { device().fft(f); }

  std::string native_id() override {
    return "driver " + std::to_string(device().driver_version()) + ";cubin";
  }

  std::vector<uint8_t> native_code(const KernelEntry& entry) override {
    std::lock_guard lock(mutex_);
    return std::move(static_cast<LoadedKernel*>(const_cast<void*>(entry.main))->cubin);
  }

 private:
  // The device, opened at the first load or launch (compiling PTX needs no driver).
  cuda::CudaDevice& device() {
    std::lock_guard lock(mutex_);
    if (!device_) device_ = std::make_unique<cuda::CudaDevice>(ordinal_);
    return *device_;
  }

  BackendOptions options_;
  int ordinal_ = 0;
  std::unique_ptr<cuda::CudaDevice> device_;
  std::deque<LoadedKernel> loaded_;  // stable addresses: KernelEntry::main points into it
  std::string sm_;
  Libdevice libdevice_;
  std::unique_ptr<llvm::TargetMachine> tm_;
  std::string target_id_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(int ordinal, const BackendOptions& options) {
  return std::make_unique<CudaBackend>(ordinal, options);
}

}  // namespace kiln::jit
