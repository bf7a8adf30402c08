#include "jit/cpu/cpu_backend.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>

#include "jit/cpu/cpu_codegen.hpp"
#include "jit/cpu/cpu_jit.hpp"
#include "jit/cpu/cpu_loops.hpp"
#include "jit/llvm/pipeline.hpp"
#include "kiln/error.hpp"

namespace kiln::jit {

namespace {

[[noreturn]] void fail(const std::string& what, llvm::Error err) {
  throw Error("[cpu backend] " + what + ": " + llvm::toString(std::move(err)));
}

// Subtarget information of `cpu` with `features` on the host's triple.
std::unique_ptr<llvm::MCSubtargetInfo> subtarget(const std::string& cpu,
                                                 const std::string& features) {
  const std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) throw Error("[cpu backend] no LLVM target for " + triple + ": " + error);
  return std::unique_ptr<llvm::MCSubtargetInfo>(
      target->createMCSubtargetInfo(triple, cpu, features));
}

bool cpu_exists(const std::string& cpu) {
  return subtarget("", "")->isCPUStringValid(cpu);
}

bool cpu_default_has(const std::string& cpu, const char* feature) {
  return subtarget(cpu, "")->checkFeatures(std::string("+") + feature);
}

// The features of `host_features` that differ from `cpu`'s defaults, sorted: "" when the host
// is exactly the model it reports.
std::string feature_differences(const std::string& cpu, const std::string& host_features) {
  const auto defaults = subtarget(cpu, "");
  const auto host = subtarget(cpu, host_features);
  std::vector<std::string> diff;
  for (const llvm::SubtargetFeatureKV& f : host->getAllProcessorFeatures()) {
    const bool in_host = host->getFeatureBits().test(f.Value);
    if (in_host != defaults->getFeatureBits().test(f.Value))
      diff.push_back((in_host ? "+" : "-") + std::string(f.Key));
  }
  std::sort(diff.begin(), diff.end());
  std::string out;
  for (const std::string& d : diff) out += (out.empty() ? "" : ",") + d;
  return out;
}

// KILN_CPU=`cpu` on a host of model `host_cpu` with `host_features`: an error naming the
// instruction set extensions `cpu` would use that the host lacks (its kernels would die of an
// illegal instruction).
void refuse_missing_extensions(const std::string& cpu, const std::string& host_cpu,
                               const std::string& host_features) {
  if (!cpu_exists(cpu))
    throw Error("[cpu backend] KILN_CPU=" + cpu +
                ": LLVM " LLVM_VERSION_STRING
                " does not know this CPU (examples: x86-64-v2, x86-64-v3, x86-64-v4, znver3)");
  const auto wanted = subtarget(cpu, "");
  const auto host = subtarget(host_cpu, host_features);
  static constexpr const char* kExtensionPrefixes[] = {"sse",  "ssse",   "avx",   "fma", "bmi",
                                                       "f16c", "popcnt", "lzcnt", "amx"};
  std::string missing;
  for (const llvm::SubtargetFeatureKV& f : wanted->getAllProcessorFeatures()) {
    const std::string_view name(f.Key);
    bool extension = false;
    for (const char* p : kExtensionPrefixes) extension |= name.starts_with(p);
    if (extension && wanted->getFeatureBits().test(f.Value) &&
        !host->getFeatureBits().test(f.Value))
      missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (!missing.empty())
    throw Error("[cpu backend] KILN_CPU=" + cpu + " uses instructions this CPU (" + host_cpu +
                ") lacks: " + missing + "; name an older model, e.g. x86-64-v3 or x86-64-v2");
}

// The signature every CPU kernel has (see build_cpu_module).
using KernelFn = void (*)(void* const* buffers, const uint64_t* params, int64_t begin, int64_t end,
                          uint64_t* status, const int64_t* extra);

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& options) : options_(options) {
    initialize_host_llvm();
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) fail("cannot describe the host CPU", jtmb.takeError());
    jtmb_ = std::move(*jtmb);
    jtmb_.setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
    std::string features_id;
    if (options_.cpu.empty()) {
      features_id = feature_differences(jtmb_.getCPU(), jtmb_.getFeatures().getString());
    } else {
      // Another CPU model, with its own default features (kiln-warmup --target cpu:NAME, or
      // KILN_CPU for kernels that run here).
      if (options_.run_here)
        refuse_missing_extensions(options_.cpu, jtmb_.getCPU(), jtmb_.getFeatures().getString());
      if (!cpu_exists(options_.cpu))
        throw Error("[cpu backend] LLVM " LLVM_VERSION_STRING " does not know the CPU \"" +
                    options_.cpu + "\" (examples: x86-64-v3, skylake-avx512, znver4)");
      jtmb_.setCPU(options_.cpu);
      jtmb_.getFeatures() = llvm::SubtargetFeatures();
    }
    const std::string features = jtmb_.getFeatures().getString();
    auto has = [&](const char* f) {
      if (features.empty()) return cpu_default_has(jtmb_.getCPU(), f);
      return (features + ",").find(std::string("+") + f + ",") != std::string::npos;
    };
    isa_.avx2 = has("avx2");
    isa_.avx512 = has("avx512f");
    // The key names the CPU and only the features that differ from its defaults, so that a
    // cache filled for `--target cpu:NAME` serves every machine of that model.
    target_id_ = jtmb_.getTargetTriple().str() + ";" + jtmb_.getCPU() + ";" + features_id +
                 ";llvm " LLVM_VERSION_STRING ";abi " + std::to_string(ir::kKernelAbiVersion) +
                 ";ops " + std::to_string(ir::op_table_fingerprint()) +
                 ";opt O2 no-stride-versioning";
  }

  std::string_view name() const override { return "cpu"; }
  const std::string& target_id() const override { return target_id_; }

  Binary compile(const ir::KernelIR& ir, const std::string& symbol) override {
    // A target machine of its own: kernels compile on several threads at once (a
    // TargetMachine is not thread-safe; each thread takes one from the spares, or makes one).
    MachineLease lease(*this);
    using clock = std::chrono::steady_clock;
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    const auto t0 = clock::now();
    llvm::TargetMachine& tm = *lease;
    llvm::LLVMContext context;
    auto m = build_cpu_module(ir, symbol, context, tm, isa_);
    const auto t1 = clock::now();
    optimize_cpu_module(*m, tm);
    mark_streaming_stores(*m);
    const auto t2 = clock::now();
    Binary out;
    out.symbol = symbol;
    out.code = emit_machine_code(*m, tm, /*assembly=*/false);
    const auto t3 = clock::now();
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    out.phases = {{"build IR", ms(t0, t1)}, {"optimize", ms(t1, t2)}, {"codegen", ms(t2, t3)}};
    if (std::getenv("KILN_PROFILE_COMPILE")) {
      struct rusage ru1;
      getrusage(RUSAGE_SELF, &ru1);
      std::fprintf(stderr,
                   "kiln: build %.2f ms, optimize %.2f ms, codegen %.2f ms, %ld page faults\n",
                   ms(t0, t1), ms(t1, t2), ms(t2, t3), ru1.ru_minflt - ru0.ru_minflt);
    }
    if (!options_.dump_dir.empty()) dump(ir, *m, symbol, tm);
    return out;
  }

  KernelEntry load(const Binary& binary, const ir::KernelIR& ir) override {
    std::lock_guard lock(load_mutex_);
    // Two threads may compile the same kernel at once; its symbol is linked only once.
    if (auto it = loaded_.find(binary.symbol); it != loaded_.end()) return it->second;
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
        llvm::StringRef(reinterpret_cast<const char*>(binary.code.data()), binary.code.size()),
        binary.symbol);
    start_jit();
    if (auto err = jit_->add_object(std::move(buffer)))
      fail("cannot link kernel " + binary.symbol, std::move(err));
    KernelEntry entry;
    entry.main = lookup(binary.symbol);
    if (ir.is_reduction()) entry.finish = lookup(binary.symbol + kFinishSuffix);
    loaded_.emplace(binary.symbol, entry);
    return entry;
  }

  uint64_t launch(const KernelEntry& entry, const LaunchArgs& args, Executor& exec) override {
    Call call{as_fn(entry.main), as_fn(entry.finish), &args, {0, args.reduce_size, 0}, 0, 0};
    if (!entry.finish) {
      call.extra[0] = args.stream;
      exec.parallel_for(args.size, args.grain, run_outputs, &call);
      return call.status;
    }
    if (args.splits <= 1) {
      // Enough outputs to share out: each thread reduces whole outputs.
      const int64_t grain =
          std::max<int64_t>(1, args.grain / std::max<int64_t>(1, args.reduce_size));
      exec.parallel_for(args.size, grain, run_outputs, &call);
    } else {
      // Few outputs: split the reduced range; each split fills its own accumulator row. The
      // runtime sets the span, which fixes the order partial results combine in.
      call.chunk = args.split_span;
      exec.parallel_for(args.splits, 1, run_splits, &call);
    }
    call.fn = call.finish;
    call.extra[0] = args.splits;
    exec.parallel_for(args.size, std::max<int64_t>(args.grain, 4096), run_outputs, &call);
    return call.status;
  }

 private:
  // One launch's state, shared by the threads that run its chunks.
  struct Call {
    KernelFn fn, finish;
    const LaunchArgs* args;
    int64_t extra[3];  // main: r_begin, r_end, split; finish: splits
    int64_t chunk;     // reduced positions per split
    uint64_t status;
  };
  static KernelFn as_fn(const void* p) { return reinterpret_cast<KernelFn>(const_cast<void*>(p)); }
  static void run_outputs(void* ctx, int64_t begin, int64_t end) {
    auto* c = static_cast<Call*>(ctx);
    c->fn(c->args->buffers, c->args->params, begin, end, &c->status, c->extra);
  }
  static void run_splits(void* ctx, int64_t first, int64_t last) {
    auto* c = static_cast<Call*>(ctx);
    for (int64_t s = first; s < last; ++s) {
      const int64_t begin = std::min(c->args->reduce_size, s * c->chunk);
      const int64_t extra[3] = {begin, std::min(c->args->reduce_size, begin + c->chunk), s};
      c->fn(c->args->buffers, c->args->params, 0, c->args->size, &c->status, extra);
    }
  }
  const void* lookup(const std::string& symbol) {
    auto entry = jit_->lookup(symbol);
    if (!entry) fail("cannot find kernel " + symbol, entry.takeError());
    return *entry;
  }

  // KILN_DUMP_DIR: the kernel IR, the optimised LLVM IR and the assembly, named by hash.
  void dump(const ir::KernelIR& ir, llvm::Module& m, const std::string& symbol,
            llvm::TargetMachine& tm) {
    const std::string base = dump_kernel(options_.dump_dir, symbol, ir, m);
    const auto assembly = emit_machine_code(m, tm, /*assembly=*/true);
    std::ofstream(base + ".s")
        .write(reinterpret_cast<const char*>(assembly.data()),
               static_cast<std::streamsize>(assembly.size()));
  }

  // The JIT session, started by the first load. Needs load_mutex_.
  void start_jit() {
    if (jit_) return;
    auto jit = CpuJit::create();
    if (!jit) fail("cannot start the JIT", jit.takeError());
    jit_ = std::move(*jit);
  }

  // A target machine for one compile: a spare one, or a new one (made at the first compile: a
  // process whose kernels all come from the disk cache never pays for it), given back after.
  class MachineLease {
   public:
    explicit MachineLease(CpuBackend& b) : b_(b) {
      {
        std::lock_guard lock(b_.machines_mutex_);
        if (!b_.spare_machines_.empty()) {
          tm_ = std::move(b_.spare_machines_.back());
          b_.spare_machines_.pop_back();
        }
      }
      if (!tm_) {
        auto tm = b_.jtmb_.createTargetMachine();
        if (!tm) fail("cannot create a target machine", tm.takeError());
        tm_ = std::move(*tm);
      }
    }
    ~MachineLease() {
      std::lock_guard lock(b_.machines_mutex_);
      b_.spare_machines_.push_back(std::move(tm_));
    }
    MachineLease(const MachineLease&) = delete;
    MachineLease& operator=(const MachineLease&) = delete;
    llvm::TargetMachine& operator*() const { return *tm_; }

   private:
    CpuBackend& b_;
    std::unique_ptr<llvm::TargetMachine> tm_;
  };

  BackendOptions options_;
  llvm::orc::JITTargetMachineBuilder jtmb_{llvm::Triple()};
  std::mutex machines_mutex_;  // guards spare_machines_
  std::vector<std::unique_ptr<llvm::TargetMachine>> spare_machines_;
  VectorIsa isa_;
  std::string target_id_;
  std::unique_ptr<CpuJit> jit_;
  std::mutex load_mutex_;
  std::unordered_map<std::string, KernelEntry> loaded_;  // by symbol (guarded by load_mutex_)
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace kiln::jit
