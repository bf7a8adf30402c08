// kiln_ptx_check [--split] MANIFEST SM...: lowers every kernel of a manifest to PTX for each SM
// and has ptxas assemble it. `make test` records every kernel the suite generates (KILN_RECORD)
// and runs this last, so each kernel the CPU suite ran is also checked as a CUDA kernel, without
// a GPU. With --split (what `make test` uses, for its time budget: about 15,000 kernels) each
// kernel is assembled for one of the SMs, in turn, instead of for all of them; with --share=K
// (also `make test`'s: K = 3) one kernel in K, chosen by a hash of its IR, so the same ones
// run after run. `make ptx-check` checks all of the last `make test`'s kernels for every SM.
//
// ptxas checks the PTX as the driver's JIT would take it (syntax, types, the SM's
// instructions, register allocation) at -O0: its optimisations change no verdict and cost a
// third of its time. ptxas costs ~60 ms a process, so kernels are checked in batches: each kernel's
// module is built exactly as the CUDA backend builds it, a batch is linked into one module (the
// linker renames their internal symbols apart) and assembled at once. A batch that fails is checked
// kernel by kernel to name the culprits. Exit status: 0 all assembled, 1 failures, 77 (ctest's
// skip) when ptxas is not installed.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <llvm/Linker/Linker.h>

#include "jit/cuda/nvptx_codegen.hpp"
#include "kiln/error.hpp"
#include "runtime/manifest.hpp"

namespace {

constexpr int kSkip = 77;
constexpr size_t kBatch = 200;

bool executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

// KILN_PTXAS, then PATH, then the CUDA toolkit's usual places.
std::string find_ptxas() {
  if (const char* p = std::getenv("KILN_PTXAS"); p && *p) return executable(p) ? p : "";
  std::vector<std::string> places;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (size_t at = 0; at <= dirs.size();) {
      const size_t end = std::min(dirs.find(':', at), dirs.size());
      if (end > at) places.push_back(dirs.substr(at, end - at) + "/ptxas");
      at = end + 1;
    }
  }
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char* root = std::getenv(var); root && *root)
      places.push_back(std::string(root) + "/bin/ptxas");
  places.push_back("/usr/local/cuda/bin/ptxas");
  for (const std::string& p : places)
    if (executable(p)) return p;
  return "";
}

// Runs ptxas on `ptx`; returns its diagnostics, empty when it assembled the file.
std::string assemble(const std::string& ptxas, const std::string& sm, const std::string& ptx,
                     const std::string& scratch) {
  std::ofstream(scratch) << ptx;
  const std::string command =
      "'" + ptxas + "' -O0 -arch=" + sm + " -o /dev/null '" + scratch + "' 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return "cannot run " + ptxas;
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  std::remove(scratch.c_str());
  if (status == 0) return "";
  return out.empty() ? "ptxas failed with status " + std::to_string(status) : out;
}

struct Kernel {
  kiln::ir::KernelIR ir;
  std::string symbol;
};

// PTX of `kernels` [begin, end) linked into one module.
std::string batch_ptx(const std::vector<const Kernel*>& kernels, size_t begin, size_t end,
                      llvm::TargetMachine& tm, const kiln::jit::Libdevice& libdevice) {
  llvm::LLVMContext context;
  auto all = std::make_unique<llvm::Module>("batch", context);
  all->setTargetTriple(kiln::jit::kNvptxTriple);
  all->setDataLayout(tm.createDataLayout());
  for (size_t k = begin; k < end; ++k) {
    auto m =
        kiln::jit::build_nvptx_module(kernels[k]->ir, kernels[k]->symbol, context, tm, libdevice);
    if (llvm::Linker::linkModules(*all, std::move(m)))
      throw kiln::Error("cannot link kernel " + kernels[k]->symbol + " into its batch");
  }
  return kiln::jit::emit_ptx(*all, tm);
}

}  // namespace

int main(int argc, char** argv) {
  bool split = false;
  size_t share = 1;  // check one in this many of the kernels
  while (argc > 1 && std::string(argv[1]).rfind("--", 0) == 0) {
    const std::string flag = argv[1];
    if (flag == "--split") {
      split = true;
    } else if (flag.rfind("--share=", 0) == 0) {
      share = std::max<size_t>(1, std::stoul(flag.substr(8)));
    } else {
      break;
    }
    --argc;
    ++argv;
  }
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: kiln_ptx_check [--split] [--share=K] MANIFEST SM...   (e.g. sm_80 "
                 "sm_90)\n");
    return 2;
  }
  const std::string ptxas = find_ptxas();
  if (ptxas.empty()) {
    std::printf(
        "ptxas not found (set KILN_PTXAS, or install the CUDA toolkit): PTX check "
        "skipped\n");
    return kSkip;
  }
  if (::access(argv[1], F_OK) != 0) {
    std::printf("%s: no kernels were recorded (no test that runs kernels ran): nothing to check\n",
                argv[1]);
    return kSkip;
  }
  std::vector<Kernel> kernels;
  try {
    std::set<std::vector<uint8_t>> seen;
    auto sampled = [&](const std::vector<uint8_t>& ir) {  // FNV-1a of the kernel's IR
      uint64_t h = 1469598103934665603ull;
      for (const uint8_t b : ir) h = (h ^ b) * 1099511628211ull;
      return h % share == 0;
    };
    for (const kiln::runtime::ManifestEntry& e : kiln::runtime::read_manifest(argv[1])) {
      if (e.backend != "cpu" && e.backend != "cuda") continue;
      if (!seen.insert(e.ir).second) continue;
      // a sample: each kernel's IR decides, so the same kernels are checked run after run
      if (!sampled(e.ir)) continue;
      Kernel k;
      if (!kiln::ir::deserialize(e.ir.data(), e.ir.size(), k.ir) ||
          !kiln::ir::validate(k.ir).empty()) {
        std::fprintf(stderr, "kernel %s: invalid kernel IR in the manifest\n", e.key_hex.c_str());
        return 1;
      }
      k.symbol = "kiln_" + e.key_hex;
      kernels.push_back(std::move(k));
    }
  } catch (const kiln::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  const int sms = argc - 2;
  std::printf("%zu kernels, %d SMs%s, with %s\n", kernels.size(), sms,
              split ? " (each kernel for one of them)" : "", ptxas.c_str());

  std::atomic<size_t> failures{0};
  std::vector<std::thread> threads;
  for (int a = 2; a < argc; ++a) {
    threads.emplace_back([&, a, sm = std::string(argv[a])] {
      std::vector<const Kernel*> mine;
      for (size_t k = 0; k < kernels.size(); ++k)
        if (!split || static_cast<int>(k % static_cast<size_t>(sms)) == a - 2)
          mine.push_back(&kernels[k]);
      try {
        auto tm = kiln::jit::make_nvptx_target_machine(sm);
        const kiln::jit::Libdevice libdevice;
        const std::string scratch =
            "/tmp/kiln_ptx_check_" + std::to_string(::getpid()) + "_" + sm + ".ptx";
        for (size_t begin = 0; begin < mine.size(); begin += kBatch) {
          const size_t end = std::min(mine.size(), begin + kBatch);
          if (assemble(ptxas, sm, batch_ptx(mine, begin, end, *tm, libdevice), scratch).empty())
            continue;
          for (size_t k = begin; k < end; ++k) {
            const std::string why =
                assemble(ptxas, sm, batch_ptx(mine, k, k + 1, *tm, libdevice), scratch);
            if (why.empty()) continue;
            ++failures;
            std::fprintf(stderr, "%s: ptxas -arch=%s rejects kernel %s:\n%s\n%s\n", argv[0],
                         sm.c_str(), mine[k]->symbol.c_str(), why.c_str(),
                         kiln::ir::to_text(mine[k]->ir).c_str());
          }
        }
      } catch (const kiln::Error& e) {
        ++failures;
        std::fprintf(stderr, "%s: %s\n", sm.c_str(), e.what());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (failures) {
    std::printf("%zu kernel(s) failed\n", failures.load());
    return 1;
  }
  std::printf("all %zu kernels assembled for %s\n", kernels.size(),
              split ? "one SM each" : "every SM");
  return 0;
}
