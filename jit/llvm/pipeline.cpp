#include "jit/llvm/pipeline.hpp"

#include <fstream>

#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>

namespace kiln::jit {

void run_standard_pipeline(llvm::Module& m, llvm::TargetMachine& tm,
                           llvm::OptimizationLevel level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(level).run(m, mam);
}

std::string dump_kernel(const std::string& dir, const std::string& symbol, const ir::KernelIR& ir,
                        llvm::Module& m) {
  const std::string base = dir + "/" + symbol.substr(symbol.find('_') + 1);
  std::ofstream(base + ".kir") << ir::to_text(ir);
  std::string text;
  llvm::raw_string_ostream os(text);
  m.print(os, nullptr);
  std::ofstream(base + ".ll") << text;
  return base;
}

}  // namespace kiln::jit
