#include "jit/cuda/cuda_backend.hpp"

#include <fstream>
#include <mutex>

#include <llvm/Config/llvm-config.h>

#include "jit/cuda/cuda_driver.hpp"
#include "jit/cuda/nvptx_codegen.hpp"
#include "jit/llvm/pipeline.hpp"
#include "kiln/error.hpp"

namespace kiln::jit {

namespace {

class CudaBackend final : public Backend {
 public:
  CudaBackend(int ordinal, const BackendOptions& options) : options_(options) {
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
    auto m = build_nvptx_module(ir, symbol, context, *tm_, libdevice_);
    std::string ptx = emit_ptx(*m, *tm_);
    if (!options_.dump_dir.empty())
      std::ofstream(dump_kernel(options_.dump_dir, symbol, ir, *m) + ".ptx") << ptx;
    Binary out;
    out.symbol = symbol;
    out.code.assign(ptx.begin(), ptx.end());
    return out;
  }

  KernelEntry load(const Binary&, const ir::KernelIR&) override { no_runtime(); }

  uint64_t launch(const KernelEntry&, const LaunchArgs&, Executor&) override { no_runtime(); }

 private:
  [[noreturn]] void no_runtime() const {
    throw Error("[cuda backend] this kiln generates PTX for " + sm_ +
                " but cannot load or run kernels on a CUDA device yet");
  }

  BackendOptions options_;
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
