// The builder of CPU kernel functions, shared by cpu_loops.cpp (set-up, walks, maps) and
// cpu_reductions.cpp (reductions). Private to jit/cpu.
#pragma once

#include <functional>
#include <vector>

#include <llvm/IR/IRBuilder.h>

#include "jit/cpu/cpu_loops.hpp"
#include "jit/llvm/reduce_ops.hpp"

namespace kiln::jit::loops {

using graph::Op;
using llvm::BasicBlock;
using llvm::Value;

// Builds one entry point. Every function is a nest of "walks" over groups of iteration
// dimensions: a walk carries a multi-index over all but the last dimension of its group and runs
// the last one as an inner loop (the one the vectorizer turns into SIMD code), or, as a scalar
// walk, steps through every position (the outer loop of a reduction).
class KernelBuilder {
 public:
  KernelBuilder(const ir::KernelIR& ir, Entry entry, llvm::Function* fn, MathLib& math)
      : ir_(ir), entry_(entry), fn_(fn), c_(fn->getContext()), b_(c_), body_(ir, b_, math) {}

  /// Emits the whole function.
  void build();

 private:
  using Values = std::vector<Value*>;
  using RowFn = std::function<void(const Values& idx)>;
  using ElementFn = std::function<Values(Value* j, Value* flat, const Values& carried)>;

  // ---- set-up, addressing, walks, stores, maps (cpu_loops.cpp) ----

  Value* slot(uint32_t s);
  Value* extra(uint32_t i);
  void load_buffers(Value* bufs);
  void make_alias_scopes();
  void load_strides();
  void assign_dim_levels();
  Level access_level(uint32_t a) const;
  void assign_levels();
  Values advance(const Values& bases, uint32_t d0, uint32_t d1, const Values& idx);
  Value* inner_index(uint32_t a, Value* base, Value* j, uint32_t inner_dim);
  BodyEnv env_at(std::function<Value*(uint32_t)> index);
  Value* emit_level(Level l, const Values& bases);
  Value* phi_or_null(Value* v, BasicBlock* from, const char* name);
  Values walk(uint32_t d0, uint32_t d1, Value* begin, Value* end, bool scalar, Values carried,
              const RowFn& at_row, const ElementFn& at_element);
  Values element_loop(Value* from, Value* to, Value* flat_base, const Values& carried,
                      const std::function<Values(Value*, const Values&)>& body, const RowFn& at_row,
                      bool unroll_fully = false);
  // One phi per non-null value: a[k] when coming from `from_a`, b[k] from `from_b` (at the
  // current insertion point, the join of the two).
  Values merge(const Values& a, BasicBlock* from_a, const Values& b, BasicBlock* from_b);
  Values row_walk(uint32_t d0, uint32_t d1, Value* begin, Value* end, bool scalar,
                  const Values& carried, const RowFn& at_row, const ElementFn& at_element);
  void store(size_t written, Value* base_ptr, llvm::Type* ty, Value* position, Value* v);
  Value* load_written(size_t written, Value* base_ptr, llvm::Type* ty, Value* position);
  // Stores every output: a contiguous one at `position`, a window one at window(its entry in
  // offsets_ and strides_), which only map kernels have.
  void store_outputs(Value* position, const std::function<Value*(uint32_t)>& window = {});
  // Stores a reduction's element outputs at reduced position `r_flat` of the current output.
  void store_element_outputs(Value* r_flat);
  Value* or_errors(Value* acc, Value* fails);
  Value* no_errors();
  Value* build_map();
  Value* map_loop();

  // ---- reductions (cpu_reductions.cpp) ----

  llvm::Type* acc_type(const Reduction& r) const;
  size_t acc_written(uint32_t slot) const;
  Values accumulate(const Reduction& r, const Values& acc, Value* v, Value* r_flat);
  Value* kept_size();
  Value* build_inner_main();
  Values tree_walk(const std::vector<Reduction>& reds, Value* r_begin, Value* r_end,
                   const Values& carried, const Values& bases_o, Values& bases_r);
  Value* tree_block(const Reduction& r, Value* tile, Value* length);
  static int64_t lane_count(const Reduction& r);
  Value* fold_lanes(const Reduction& lane, Value* v);
  Values lanes_block(const std::vector<Reduction>& reds, Value* from, Value* to,
                     const Values& carried, const Values& bases_o, const std::vector<Value*>& lanes,
                     std::vector<Value*>& parts);
  Values accumulate_element(const std::vector<Reduction>& reds, Value* j, Value* r_flat,
                            const Values& cur, const Values& bases, uint32_t last,
                            const std::vector<Value*>& tiles, Value* block_start);
  Value* build_outer_main();
  Value* build_finish();
  void fold_rows(const Reduction& r, Value* position, Value* other);
  Value* result(const Reduction& r, Value* o_flat);

  const ir::KernelIR& ir_;
  Entry entry_;
  llvm::Function* fn_;
  llvm::LLVMContext& c_;
  llvm::IRBuilder<> b_;
  BodyEmitter body_;
  Value *params_ = nullptr, *begin_ = nullptr, *end_ = nullptr, *status_ = nullptr,
        *extra_ = nullptr;
  BasicBlock* done_ = nullptr;
  Values outputs_, inputs_, accumulators_, dims_, offsets_;
  std::vector<Values> strides_;         // per access, then per window output
  std::vector<ir::Inner> inner_;        // the innermost stride kind of each of those entries
  std::vector<uint32_t> window_entry_;  // window output -> its entry in offsets_ and strides_
  std::vector<Level> dim_level_;
  Level element_level_ = 2;
  bool streaming_ = false;        // outputs are stored non-temporally
  Value* element_row_ = nullptr;  // ReduceInner main: o_flat * reduce_size, for element outputs
  llvm::MDNode* all_written_ = nullptr;
  std::vector<llvm::MDNode*> scope_, stream_scope_, noalias_;
};

}  // namespace kiln::jit::loops
