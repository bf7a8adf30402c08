#include "jit/cuda/cuda_emulator.hpp"

#include <ucontext.h>

#include <atomic>
#include <bit>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "jit/cpu/cpu_codegen.hpp"
#include "jit/cpu/cpu_jit.hpp"
#include "jit/cuda/nvptx_kernels.hpp"
#include "jit/llvm/pipeline.hpp"
#include "kiln/error.hpp"

namespace kiln::jit {

namespace {

using llvm::Value;

}  // namespace

// ---- the emulated threads ----

// One GPU thread: a fiber with its own stack.
struct EmulatedFiber {
  enum class State { running, at_barrier, at_shuffle, done };
  ucontext_t context;
  std::vector<char> stack;
  State state = State::running;
  uint32_t tid = 0;
};

// The kernel's host entry: calls the kernel with its parameters, 8 bytes each, in
// cuda_kernel_type order (see build_emulated_module).
using EntryFn = void (*)(const uint64_t* params);

// One block being run: its fibers and what they share.
struct EmulatedBlock {
  ucontext_t scheduler;
  EmulatedFiber* fibers = nullptr;
  uint32_t ctaid = 0, nctaid = 1, ntid = 32;
  uint32_t exchange[kMaxEmulatedBlockThreads] = {};  // one warp-shuffle slot per thread
  EntryFn entry = nullptr;
  const uint64_t* params = nullptr;
};

namespace {

thread_local EmulatedBlock* t_block = nullptr;
thread_local EmulatedFiber* t_fiber = nullptr;

void yield(EmulatedFiber::State state) {
  t_fiber->state = state;
  swapcontext(&t_fiber->context, &t_block->scheduler);
}

void run_fiber() {
  EmulatedBlock& b = *t_block;
  b.entry(b.params);
  t_fiber->state = EmulatedFiber::State::done;  // uc_link returns to the scheduler
}

}  // namespace

}  // namespace kiln::jit

// The special registers, barrier and shuffles the kernels call in place of the NVVM intrinsics
// (resolved by name from the process when a kernel is linked).
extern "C" {
uint32_t kiln_cuda_emu_tid_x() {
  return kiln::jit::t_fiber->tid;
}
uint32_t kiln_cuda_emu_ntid_x() {
  return kiln::jit::t_block->ntid;
}
uint32_t kiln_cuda_emu_ctaid_x() {
  return kiln::jit::t_block->ctaid;
}
uint32_t kiln_cuda_emu_nctaid_x() {
  return kiln::jit::t_block->nctaid;
}
void kiln_cuda_emu_membar_gl() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
}
void kiln_cuda_emu_barrier0() {
  kiln::jit::yield(kiln::jit::EmulatedFiber::State::at_barrier);
}
// shfl.sync.down with a full warp: every lane publishes its value, then (once all have, at the
// end of the scheduler's round) reads lane + delta's, or keeps its own past lane `clamp`. Lanes
// resume in increasing order, and a lane only reads higher lanes' slots, so no slot is
// overwritten by the next shuffle before it has been read.
uint32_t kiln_cuda_emu_shfl_down_i32(uint32_t, uint32_t value, uint32_t delta, uint32_t clamp) {
  using namespace kiln::jit;
  const uint32_t tid = t_fiber->tid, lane = tid % 32;
  t_block->exchange[tid] = value;
  yield(EmulatedFiber::State::at_shuffle);
  if (lane + delta > clamp) return value;
  return t_block->exchange[tid + delta];
}
float kiln_cuda_emu_shfl_down_f32(uint32_t mask, float value, uint32_t delta, uint32_t clamp) {
  return std::bit_cast<float>(
      kiln_cuda_emu_shfl_down_i32(mask, std::bit_cast<uint32_t>(value), delta, clamp));
}
}

namespace kiln::jit {

namespace {

// The emulator's function for an NVVM intrinsic the kernels use.
const char* emulated_name(llvm::StringRef intrinsic) {
  static const std::pair<const char*, const char*> names[] = {
      {"llvm.nvvm.read.ptx.sreg.tid.x", "kiln_cuda_emu_tid_x"},
      {"llvm.nvvm.read.ptx.sreg.ntid.x", "kiln_cuda_emu_ntid_x"},
      {"llvm.nvvm.read.ptx.sreg.ctaid.x", "kiln_cuda_emu_ctaid_x"},
      {"llvm.nvvm.read.ptx.sreg.nctaid.x", "kiln_cuda_emu_nctaid_x"},
      {"llvm.nvvm.barrier0", "kiln_cuda_emu_barrier0"},
      {"llvm.nvvm.membar.gl", "kiln_cuda_emu_membar_gl"},
      {"llvm.nvvm.shfl.sync.down.i32", "kiln_cuda_emu_shfl_down_i32"},
      {"llvm.nvvm.shfl.sync.down.f32", "kiln_cuda_emu_shfl_down_f32"}};
  for (const auto& [from, to] : names)
    if (intrinsic == from) return to;
  return nullptr;
}

// The CUDA kernel of `ir` for the host, with the NVVM intrinsics replaced by the emulator's
// functions, and `symbol`, the host entry (EntryFn) that calls it.
std::unique_ptr<llvm::Module> build_emulated_module(const ir::KernelIR& ir,
                                                    const std::string& symbol, llvm::LLVMContext& c,
                                                    llvm::TargetMachine& tm) {
  auto m = std::make_unique<llvm::Module>(symbol, c);
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());
  auto* kernel = llvm::Function::Create(cuda_kernel_type(ir, c), llvm::Function::InternalLinkage,
                                        symbol + "_kernel", m.get());
  NamedMath math(*m, "");  // the host's libm stands in for libdevice
  build_cuda_kernel(ir, kernel, math, /*shared_address_space=*/0);
  std::vector<llvm::Function*> intrinsics;
  for (llvm::Function& f : *m)
    if (f.getName().starts_with("llvm.nvvm.")) intrinsics.push_back(&f);
  for (llvm::Function* f : intrinsics) {
    const char* name = emulated_name(f->getName());
    if (!name) throw Error("[cuda emulator] no emulation of " + f->getName().str());
    f->replaceAllUsesWith(m->getOrInsertFunction(name, f->getFunctionType()).getCallee());
    f->eraseFromParent();
  }

  // The host entry: the kernel's parameters from an array of 8-byte values (EntryFn).
  llvm::Type* ptr = llvm::PointerType::getUnqual(c);
  auto* entry =
      llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(c), {ptr}, false),
                             llvm::Function::ExternalLinkage, symbol, m.get());
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(c, "entry", entry));
  std::vector<Value*> args;
  llvm::FunctionType* type = kernel->getFunctionType();
  for (unsigned k = 0; k < type->getNumParams(); ++k)
    args.push_back(b.CreateLoad(type->getParamType(k),
                                b.CreateConstInBoundsGEP1_64(b.getInt64Ty(), entry->getArg(0), k)));
  b.CreateCall(kernel, args);
  b.CreateRetVoid();

  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*m, &os))
    throw Error("[cuda emulator] invalid LLVM IR for kernel " + symbol + ": " + problems);
  run_standard_pipeline(*m, tm, llvm::OptimizationLevel::O1);
  return m;
}

// The emulator backend: the CUDA kernels on an emulated grid of kEmulatedBlocks blocks of
// kEmulatedBlockThreads threads, presented as the CPU's backend.
class CudaEmulatorBackend final : public Backend {
 public:
  explicit CudaEmulatorBackend(const BackendOptions& options) : options_(options) {
    target_id_ = "cuda-emulator;" + gpu_.host_id() + ";abi " +
                 std::to_string(ir::kKernelAbiVersion) + ";ops " +
                 std::to_string(ir::op_table_fingerprint()) + ";grid " +
                 std::to_string(kEmulatedBlocks) + "x" + std::to_string(kEmulatedBlockThreads);
  }

  std::string_view name() const override { return "cuda-emulator"; }
  const std::string& target_id() const override { return target_id_; }

  Binary compile(const ir::KernelIR& ir, const std::string& symbol) override {
    return {gpu_.compile(ir, symbol, options_.dump_dir), symbol, {}};
  }

  KernelEntry load(const Binary& binary, const ir::KernelIR& ir) override {
    std::lock_guard lock(mutex_);
    // Two threads may compile the same kernel at once; its symbol is linked only once.
    if (auto it = by_symbol_.find(binary.symbol); it != by_symbol_.end()) return it->second;
    Loaded& k = loaded_.emplace_back();
    k.entry = gpu_.link(binary.code, binary.symbol);
    k.params = CudaLaunchParams::of(ir);
    KernelEntry e;
    e.main = &k;
    by_symbol_.emplace(binary.symbol, e);
    return e;
  }

  uint64_t launch(const KernelEntry& entry, const LaunchArgs& args, Executor&) override {
    const Loaded& k = *static_cast<const Loaded*>(entry.main);
    uint64_t status = 0;
    std::vector<uint64_t> params(k.params.count());
    // A long reduction of fewer outputs than blocks splits them (as the CUDA backend does).
    std::vector<uint64_t> workspace(
        k.params.workspace_bytes(kEmulatedBlocks, args.size, args.reduce_size) / 8, 0);
    k.params.fill(args, &status, workspace.empty() ? nullptr : workspace.data(), params.data());
    gpu_.run(k.entry, kEmulatedBlocks, kEmulatedBlockThreads, params.data());
    return status;
  }

 private:
  struct Loaded {
    const void* entry = nullptr;
    CudaLaunchParams params;
  };
  BackendOptions options_;
  EmulatedGpu gpu_;
  std::string target_id_;
  std::deque<Loaded> loaded_;  // KernelEntry::main points into it
  std::unordered_map<std::string, KernelEntry> by_symbol_;
  std::mutex mutex_;  // guards loaded_ and by_symbol_
};

}  // namespace

EmulatedGpu::EmulatedGpu() {
  initialize_host_llvm();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) throw Error("[cuda emulator] " + llvm::toString(jtmb.takeError()));
  auto tm = jtmb->createTargetMachine();
  if (!tm) throw Error("[cuda emulator] " + llvm::toString(tm.takeError()));
  tm_ = std::move(*tm);
  host_id_ = tm_->getTargetTriple().str() + ";" + tm_->getTargetCPU().str() + ";" +
             tm_->getTargetFeatureString().str() + ";llvm " LLVM_VERSION_STRING;
}

EmulatedGpu::~EmulatedGpu() = default;

std::vector<uint8_t> EmulatedGpu::compile(const ir::KernelIR& ir, const std::string& symbol,
                                          const std::string& dump_dir) {
  std::lock_guard lock(mutex_);
  llvm::LLVMContext context;
  auto m = build_emulated_module(ir, symbol, context, *tm_);
  if (!dump_dir.empty()) dump_kernel(dump_dir, symbol, ir, *m);
  return emit_machine_code(*m, *tm_, /*assembly=*/false);
}

const void* EmulatedGpu::link(const std::vector<uint8_t>& object, const std::string& symbol) {
  std::lock_guard lock(mutex_);
  if (!jit_) {
    auto jit = CpuJit::create();
    if (!jit) throw Error("[cuda emulator] " + llvm::toString(jit.takeError()));
    jit_ = std::move(*jit);
  }
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char*>(object.data()), object.size()), symbol);
  if (auto err = jit_->add_object(std::move(buffer)))
    throw Error("[cuda emulator] cannot link " + symbol + ": " + llvm::toString(std::move(err)));
  auto entry = jit_->lookup(symbol);
  if (!entry) throw Error("[cuda emulator] " + llvm::toString(entry.takeError()));
  return *entry;
}

void EmulatedGpu::run(const void* entry, unsigned blocks, unsigned threads,
                      const uint64_t* params) {
  if (threads == 0 || threads % 32 != 0 || threads > kMaxEmulatedBlockThreads || blocks == 0)
    throw Error("[cuda emulator] cannot launch " + std::to_string(blocks) + " blocks of " +
                std::to_string(threads) + " threads");
  std::lock_guard lock(run_mutex_);
  if (fibers_.size() < threads) {
    fibers_.resize(threads);
    for (EmulatedFiber& f : fibers_) f.stack.resize(kStackBytes);
  }
  auto block = std::make_unique<EmulatedBlock>();
  block->fibers = fibers_.data();
  block->entry = reinterpret_cast<EntryFn>(const_cast<void*>(entry));
  block->params = params;
  block->ntid = threads;
  block->nctaid = blocks;
  for (uint32_t b = 0; b < blocks; ++b) {
    block->ctaid = b;
    run_block(*block);
  }
}

// Runs every thread of `block` to its end. A thread runs until it reaches a barrier or a
// shuffle, or ends. A warp whose lanes all wait at a shuffle resumes (in lane order), and so
// does the block once every thread waits at a barrier; when neither can happen, the kernel would
// hang or read undefined values on a GPU, and the launch fails.
void EmulatedGpu::run_block(EmulatedBlock& block) {
  EmulatedBlock* outer_block = t_block;
  EmulatedFiber* outer_fiber = t_fiber;
  t_block = &block;
  const int threads = static_cast<int>(block.ntid);
  auto resume = [&](EmulatedFiber& f) {
    t_fiber = &f;
    f.state = EmulatedFiber::State::running;
    swapcontext(&block.scheduler, &f.context);
  };
  for (int t = 0; t < threads; ++t) {
    EmulatedFiber& f = block.fibers[t];
    f.tid = static_cast<uint32_t>(t);
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack.data();
    f.context.uc_stack.ss_size = f.stack.size();
    f.context.uc_link = &block.scheduler;
    makecontext(&f.context, run_fiber, 0);
    resume(f);
  }
  for (;;) {
    int done = 0, at_barrier = 0;
    for (int t = 0; t < threads; ++t) {
      done += block.fibers[t].state == EmulatedFiber::State::done;
      at_barrier += block.fibers[t].state == EmulatedFiber::State::at_barrier;
    }
    if (done == threads) break;
    bool progress = false;
    for (int w = 0; w < threads / 32; ++w) {
      EmulatedFiber* lanes = block.fibers + 32 * w;
      bool all = true;
      for (int l = 0; l < 32; ++l) all &= lanes[l].state == EmulatedFiber::State::at_shuffle;
      if (!all) continue;
      for (int l = 0; l < 32; ++l) resume(lanes[l]);
      progress = true;
    }
    if (!progress && at_barrier == threads) {
      for (int t = 0; t < threads; ++t) resume(block.fibers[t]);
      progress = true;
    }
    if (!progress) {
      t_block = outer_block;
      t_fiber = outer_fiber;
      throw Error("[cuda emulator] divergent kernel: " + std::to_string(done) +
                  " threads ended and " + std::to_string(at_barrier) +
                  " wait at a barrier, while the others wait at a shuffle some lanes never reach");
    }
  }
  t_block = outer_block;
  t_fiber = outer_fiber;
}

std::unique_ptr<Backend> make_cuda_emulator_backend(const BackendOptions& options) {
  return std::make_unique<CudaEmulatorBackend>(options);
}

}  // namespace kiln::jit
