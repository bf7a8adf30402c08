#include "jit/llvm/pipeline.hpp"

#include <llvm/Passes/PassBuilder.h>

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

}  // namespace kiln::jit
