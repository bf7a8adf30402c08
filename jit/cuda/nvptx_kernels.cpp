#include "jit/cuda/nvptx_kernels.hpp"

#include <functional>

#include <llvm/IR/IntrinsicsNVPTX.h>
#include <llvm/IR/Module.h>

#include "graph/errors.hpp"
#include "jit/llvm/reduce_ops.hpp"

namespace kiln::jit {

namespace {

using llvm::Value;
using Values = std::vector<Value*>;

// Levels of the body in a CUDA kernel: computed once per thread, per element, or at the finish
// of a reduction (once per output, after the reduced values are combined).
constexpr Level kOnce = 0, kElement = 1, kFinish = 2;

class CudaKernelBuilder {
 public:
  CudaKernelBuilder(const ir::KernelIR& ir, llvm::Function* fn, MathLib& math, unsigned shared)
      : shared_(shared),
        ir_(ir),
        fn_(fn),
        c_(fn->getContext()),
        b_(c_),
        body_(ir, b_, math),
        reds_(reductions_of(ir)) {}

  void build() {
    allocas_ = llvm::BasicBlock::Create(c_, "allocas", fn_);
    auto* start = llvm::BasicBlock::Create(c_, "start", fn_);
    b_.SetInsertPoint(start);
    read_arguments();
    errors_ = local(b_.getInt64Ty(), b_.getInt64(0));
    switch (ir_.kind) {
      case ir::KernelKind::Map:
        build_map();
        break;
      case ir::KernelKind::ReduceInner:
        build_inner_reduction();
        break;
      case ir::KernelKind::ReduceOuter:
        build_thread_per_output();
        break;
    }
    // Error bits go to the status word once per thread, and only when there are some.
    auto* done = llvm::BasicBlock::Create(c_, "done", fn_);
    report_errors(b_, b_.CreateLoad(b_.getInt64Ty(), errors_), status_, done);
    b_.SetInsertPoint(done);
    b_.CreateRetVoid();
    llvm::IRBuilder<>(allocas_).CreateBr(start);
  }

 private:
  // ---- arguments, addressing, loops ----

  void read_arguments() {
    unsigned k = 0;
    for (size_t o = 0; o < ir_.outputs.size(); ++o) outputs_.push_back(fn_->getArg(k++));
    for (const ir::Access& a : ir_.accesses)
      inputs_.push_back(a.is_buffer ? fn_->getArg(k++) : nullptr);
    status_ = fn_->getArg(k++);
    workspace_ = fn_->getArg(k++);
    size_ = fn_->getArg(k++);
    reduce_size_ = fn_->getArg(k++);
    for (uint32_t s = 0; s < ir_.num_param_slots(); ++s) slots_.push_back(fn_->getArg(k++));
    for (uint32_t d = 0; d < ir_.rank; ++d) dims_.push_back(slots_[ir_.dims_slot() + d]);
    strides_.resize(ir_.accesses.size());
    for (uint32_t a = 0; a < ir_.accesses.size(); ++a) {
      uint32_t s = ir_.access_slot(a);
      offsets_.push_back(slots_[s++]);
      strides_[a].assign(ir_.rank, nullptr);
      for (uint32_t d = 0; d < ir_.rank; ++d)
        if (ir_.accesses[a].varying >> d & 1) strides_[a][d] = slots_[s++];
    }
  }

  // A local variable (promoted to a register by SROA), initialised here.
  llvm::AllocaInst* local(llvm::Type* ty, Value* init) {
    llvm::IRBuilder<> at(allocas_);
    llvm::AllocaInst* v = at.CreateAlloca(ty);
    b_.CreateStore(init, v);
    return v;
  }

  Value* special(llvm::Intrinsic::ID id) {
    return b_.CreateZExt(b_.CreateIntrinsic(id, {}, {}), b_.getInt64Ty());
  }
  Value* thread_in_block() { return special(llvm::Intrinsic::nvvm_read_ptx_sreg_tid_x); }
  Value* block_threads() { return special(llvm::Intrinsic::nvvm_read_ptx_sreg_ntid_x); }
  Value* block_index() { return special(llvm::Intrinsic::nvvm_read_ptx_sreg_ctaid_x); }
  Value* grid_blocks() { return special(llvm::Intrinsic::nvvm_read_ptx_sreg_nctaid_x); }

  // for (i = begin; i < end; i += step) body(i)
  void loop(Value* begin, Value* end, Value* step, const std::function<void(Value*)>& body) {
    llvm::AllocaInst* var = local(b_.getInt64Ty(), begin);
    auto* head = llvm::BasicBlock::Create(c_, "head", fn_);
    auto* inside = llvm::BasicBlock::Create(c_, "body", fn_);
    auto* exit = llvm::BasicBlock::Create(c_, "exit", fn_);
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    Value* i = b_.CreateLoad(b_.getInt64Ty(), var);
    b_.CreateCondBr(b_.CreateICmpSLT(i, end), inside, exit);
    b_.SetInsertPoint(inside);
    body(i);
    b_.CreateStore(b_.CreateAdd(i, step), var);
    b_.CreateBr(head);
    b_.SetInsertPoint(exit);
  }

  // if (cond) body()
  void when(Value* cond, const std::function<void()>& body) {
    auto* then = llvm::BasicBlock::Create(c_, "then", fn_);
    auto* after = llvm::BasicBlock::Create(c_, "after", fn_);
    b_.CreateCondBr(cond, then, after);
    b_.SetInsertPoint(then);
    body();
    b_.CreateBr(after);
    b_.SetInsertPoint(after);
  }

  // Writes the coordinates of flat position `flat` over dimensions [d0, d1) (row-major) into
  // coords[d0..d1).
  void decompose(Value* flat, uint32_t d0, uint32_t d1, Values& coords) {
    Value* rest = flat;
    for (uint32_t d = d1; d-- > d0;) {
      if (d == d0) {
        coords[d] = rest;
      } else {
        coords[d] = b_.CreateURem(rest, dims_[d]);
        rest = b_.CreateUDiv(rest, dims_[d]);
      }
    }
  }

  // Element index of access `a` at `coords` (null coordinates are 0).
  Value* access_index(uint32_t a, const Values& coords) {
    Value* index = offsets_[a];
    for (uint32_t d = 0; d < ir_.rank; ++d)
      if (strides_[a][d] && coords[d])
        index = b_.CreateAdd(index, b_.CreateMul(coords[d], strides_[a][d]));
    return index;
  }

  // Emits the body's instructions of `level` at `coords`; their error bits join errors_.
  void emit_at(Level level, const Values& coords) {
    BodyEnv env;
    env.index = [this, &coords](uint32_t a) { return access_index(a, coords); };
    env.base = [this](uint32_t a) { return inputs_[a]; };
    env.param = [this](uint32_t s) { return slots_[s]; };
    if (Value* fails = body_.emit(level, env))
      b_.CreateStore(b_.CreateOr(b_.CreateLoad(b_.getInt64Ty(), errors_), fails), errors_);
  }

  // Stores every output: a contiguous one at flat `position`, a window one (map kernels only)
  // at the sum of `coords` times its strides.
  // A reduction's element outputs are stored by its walk instead (accumulate_element), and only
  // those: `elements` picks which kind this call stores.
  void store_outputs(Value* position, const Values* coords = nullptr, bool elements = false) {
    for (size_t o = 0; o < ir_.outputs.size(); ++o) {
      const ir::Output& out = ir_.outputs[o];
      if (static_cast<bool>(out.element) != elements) continue;
      llvm::Type* mt = memory_type(c_, out.dtype);
      Value* at = position;
      if (out.window) {
        KILN_CHECK(coords != nullptr, "a window output outside a map kernel");
        at = b_.getInt64(0);
        for (uint32_t d = 0; d < ir_.rank; ++d)
          at = b_.CreateAdd(
              at,
              b_.CreateMul((*coords)[d], slots_[ir_.output_slot(static_cast<uint32_t>(o)) + d]));
      }
      b_.CreateStore(body_.to_memory(body_.value(out.instr), out.dtype),
                     b_.CreateInBoundsGEP(mt, outputs_[o], at));
    }
  }

  // ---- levels ----

  // Levels for the instructions that `roots` need (stopping at Reduce instructions, whose
  // values the reduction provides): kOnce for what no position changes, else `varying`.
  std::vector<Level> levels_for(const std::vector<uint32_t>& roots, Level varying) const {
    const size_t n = ir_.instrs.size();
    std::vector<char> needed(n, 0);
    for (uint32_t r : roots) needed[r] = 1;
    for (size_t k = n; k-- > 0;) {
      const ir::Instr& i = ir_.instrs[k];
      if (!needed[k] || i.kind == ir::InstrKind::Reduce) continue;
      for (int a = 0; a < i.nargs; ++a) needed[i.args[a]] = 1;
    }
    std::vector<Level> levels(n, kNotHere);
    for (size_t k = 0; k < n; ++k) {
      if (!needed[k]) continue;
      const ir::Instr& i = ir_.instrs[k];
      Level l = kOnce;
      if (i.kind == ir::InstrKind::Compute) {
        for (int a = 0; a < i.nargs; ++a) l = std::max(l, levels[i.args[a]]);
        if (i.imm) l = varying;  // a failing op counts its errors where positions are known
      } else if (i.kind != ir::InstrKind::Param && i.kind != ir::InstrKind::Const) {
        l = varying;
      }
      levels[k] = l;
    }
    return levels;
  }

  // The instructions that the stored outputs need: those stored at finish (or by a map), or a
  // reduction's element outputs.
  std::vector<uint32_t> output_roots(bool elements = false) const {
    std::vector<uint32_t> roots;
    for (const ir::Output& o : ir_.outputs)
      if (static_cast<bool>(o.element) == elements) roots.push_back(o.instr);
    return roots;
  }

  // ---- maps ----

  void build_map() {
    body_.set_levels(levels_for(output_roots(), kElement));
    Values none(ir_.rank, nullptr);
    emit_at(kOnce, none);
    Value* first = b_.CreateAdd(b_.CreateMul(block_index(), block_threads()), thread_in_block());
    loop(first, size_, b_.CreateMul(grid_blocks(), block_threads()), [&](Value* i) {
      Values coords(ir_.rank, nullptr);
      decompose(i, 0, ir_.rank, coords);
      emit_at(kElement, coords);
      store_outputs(i, &coords);
    });
  }

  // ---- reductions ----

  // The accumulators of every reduction (value, then index for argmax/argmin), as locals.
  std::vector<llvm::AllocaInst*> start_accumulators() {
    std::vector<llvm::AllocaInst*> acc;
    for (const Reduction& r : reds_) {
      acc.push_back(local(value_type(c_, r.acc), reduction_identity(b_, r)));
      if (r.with_index()) acc.push_back(local(b_.getInt64Ty(), reduction_index_identity(b_)));
    }
    return acc;
  }

  Values read(const std::vector<llvm::AllocaInst*>& vars) {
    Values out;
    for (llvm::AllocaInst* v : vars) out.push_back(b_.CreateLoad(v->getAllocatedType(), v));
    return out;
  }

  void write(const std::vector<llvm::AllocaInst*>& vars, const Values& values) {
    for (size_t k = 0; k < vars.size(); ++k) b_.CreateStore(values[k], vars[k]);
  }

  // Folds partial results `x` into `acc` (both laid out as start_accumulators()).
  Values combine(const Values& acc, const Values& x) {
    Values out;
    size_t at = 0;
    for (const Reduction& r : reds_) {
      if (!r.with_index()) {
        out.push_back(reduction_combine(b_, r, acc[at], x[at]));
        ++at;
        continue;
      }
      Value* take = reduction_better(b_, r, acc[at], acc[at + 1], x[at], x[at + 1]);
      out.push_back(b_.CreateSelect(take, x[at], acc[at]));
      out.push_back(b_.CreateSelect(take, x[at + 1], acc[at + 1]));
      at += 2;
    }
    return out;
  }

  // One reduced element at `coords`, reduced position `r_flat` of output `o`, into the
  // accumulators (and the element outputs, of a ReduceInner kernel, to their position).
  void accumulate_element(const std::vector<llvm::AllocaInst*>& acc, const Values& coords,
                          Value* r_flat, Value* o) {
    emit_at(kElement, coords);
    if (ir_.kind == ir::KernelKind::ReduceInner)
      store_outputs(b_.CreateAdd(b_.CreateMul(o, reduce_size_), r_flat), nullptr, true);
    Values x;
    for (const Reduction& r : reds_) {
      x.push_back(body_.cast(body_.value(ir_.instrs[r.instr].args[0]), r.operand, r.acc));
      if (r.with_index()) x.push_back(r_flat);
    }
    write(acc, combine(read(acc), x));
  }

  // The outputs of position `o` from the combined accumulators: the ops after the reductions
  // (at `coords`, the kept coordinates), then the stores.
  void finish(const std::vector<llvm::AllocaInst*>& acc, Value* o, const Values& coords) {
    const Values v = read(acc);
    size_t at = 0;
    for (const Reduction& r : reds_) {
      body_.set_value(r.instr, r.with_index() ? v[at + 1] : body_.cast(v[at], r.acc, r.result));
      at += r.with_index() ? 2 : 1;
    }
    body_.set_levels(finish_levels_);
    emit_at(kOnce, coords);
    emit_at(kFinish, coords);
    store_outputs(o);
    body_.set_levels(main_levels_);  // for the elements emitted after this
  }

  // A reduction's two sets of levels (what its elements need, what its finish needs), then the
  // main ones' once-per-thread instructions.
  void start_main() {
    std::vector<uint32_t> roots = output_roots(/*elements=*/true);
    for (const Reduction& r : reds_) roots.push_back(ir_.instrs[r.instr].args[0]);
    main_levels_ = levels_for(roots, kElement);
    finish_levels_ = levels_for(output_roots(), kFinish);
    body_.set_levels(main_levels_);
    emit_at(kOnce, Values(ir_.rank, nullptr));
  }

  // ReduceInner (loop order [kept..., reduced...]): long reductions give each output a block,
  // short ones a warp (a block of 256 threads for 7 elements would leave 97% of them idle).
  // The choice depends on a kernel argument alone, so every thread of the grid takes the same
  // branch (the block path's barriers need that).
  void build_inner_reduction() {
    start_main();
    auto* block_path = llvm::BasicBlock::Create(c_, "block_per_output", fn_);
    auto* warp_path = llvm::BasicBlock::Create(c_, "warp_per_output", fn_);
    auto* joined = llvm::BasicBlock::Create(c_, "reduced", fn_);
    b_.CreateCondBr(b_.CreateICmpSGE(reduce_size_, b_.getInt64(kCudaBlockReduceMin)), block_path,
                    warp_path);
    b_.SetInsertPoint(block_path);
    build_block_per_output();
    b_.CreateBr(joined);
    b_.SetInsertPoint(warp_path);
    build_warp_per_output();
    b_.CreateBr(joined);
    b_.SetInsertPoint(joined);
  }

  // Each warp takes whole outputs; its lanes stride over the reduced positions, then shuffles
  // combine them and lane 0 finishes.
  void build_warp_per_output() {
    const uint32_t k = ir_.kept_rank;
    Value* global = b_.CreateAdd(b_.CreateMul(block_index(), block_threads()), thread_in_block());
    Value* lane = b_.CreateAnd(global, b_.getInt64(31));
    Value* warps = b_.CreateLShr(b_.CreateMul(grid_blocks(), block_threads()), 5);
    loop(b_.CreateLShr(global, 5), size_, warps, [&](Value* o) {
      Values coords(ir_.rank, nullptr);
      decompose(o, 0, k, coords);
      const std::vector<llvm::AllocaInst*> acc = start_accumulators();
      loop(lane, reduce_size_, b_.getInt64(32), [&](Value* r) {
        decompose(r, k, ir_.rank, coords);
        accumulate_element(acc, coords, r, o);
      });
      write(acc, combine_warp(read(acc)));
      for (uint32_t d = k; d < ir_.rank; ++d) coords[d] = nullptr;
      when(b_.CreateICmpEQ(lane, b_.getInt64(0)), [&] { finish(acc, o, coords); });
    });
  }

  // Each block takes whole outputs, or, when there are fewer outputs than blocks, a part of one
  // (cuda_reduction_splits). Its threads stride over the reduced positions, then the block
  // combines their partials; a block with a part stores its partial in the workspace, and the
  // last of an output's blocks to finish (an atomic count) combines all of them, in part order,
  // so the result does not depend on which block came last.
  void build_block_per_output() {
    const uint32_t k = ir_.kept_rank;
    Value* tid = thread_in_block();
    // cuda_reduction_splits(grid blocks, outputs, reduced size), as the launch computes it.
    Value* outputs =
        b_.CreateSelect(b_.CreateICmpSGT(size_, b_.getInt64(1)), size_, b_.getInt64(1));
    Value* by_blocks = b_.CreateUDiv(grid_blocks(), outputs);
    Value* by_size = b_.CreateUDiv(reduce_size_, b_.getInt64(kCudaBlockReduceMin));
    Value* splits = b_.CreateSelect(b_.CreateICmpULT(by_blocks, by_size), by_blocks, by_size);
    splits = b_.CreateSelect(b_.CreateICmpULT(splits, b_.getInt64(1)), b_.getInt64(1), splits);
    Value* chunk =
        b_.CreateUDiv(b_.CreateAdd(reduce_size_, b_.CreateSub(splits, b_.getInt64(1))), splits);
    loop(block_index(), b_.CreateMul(size_, splits), grid_blocks(), [&](Value* w) {
      Value* o = b_.CreateUDiv(w, splits);
      Value* part = b_.CreateURem(w, splits);
      Value* first = b_.CreateMul(part, chunk);
      Value* end = b_.CreateAdd(first, chunk);
      end = b_.CreateSelect(b_.CreateICmpULT(end, reduce_size_), end, reduce_size_);
      Values coords(ir_.rank, nullptr);
      decompose(o, 0, k, coords);
      const std::vector<llvm::AllocaInst*> acc = start_accumulators();
      loop(b_.CreateAdd(first, tid), end, block_threads(), [&](Value* r) {
        decompose(r, k, ir_.rank, coords);
        accumulate_element(acc, coords, r, o);
      });
      combine_block(acc);
      for (uint32_t d = k; d < ir_.rank; ++d) coords[d] = nullptr;
      when(b_.CreateICmpEQ(tid, b_.getInt64(0)), [&] {
        auto* whole = llvm::BasicBlock::Create(c_, "whole_output", fn_);
        auto* parted = llvm::BasicBlock::Create(c_, "part_of_output", fn_);
        auto* after = llvm::BasicBlock::Create(c_, "output_done", fn_);
        b_.CreateCondBr(b_.CreateICmpEQ(splits, b_.getInt64(1)), whole, parted);
        b_.SetInsertPoint(whole);
        finish(acc, o, coords);
        b_.CreateBr(after);
        b_.SetInsertPoint(parted);
        finish_parts(acc, o, part, splits, coords);
        b_.CreateBr(after);
        b_.SetInsertPoint(after);
      });
    });
  }

  // The workspace slot (8 bytes) of accumulator `a`'s partial `part` of output `o`; the
  // workspace holds every accumulator's partials, then one arrival count per output
  // (cuda_reduction_workspace_bytes).
  Value* partial_in_workspace(size_t a, Value* o, Value* part, Value* splits) {
    Value* slot = b_.CreateAdd(
        b_.CreateMul(b_.CreateAdd(b_.CreateMul(b_.getInt64(a), size_), o), splits), part);
    return b_.CreateInBoundsGEP(b_.getInt64Ty(), workspace_, slot);
  }

  // __threadfence(): this thread's writes to global memory are seen by the whole device before
  // its later ones, and its later reads see what others made visible.
  void fence() { b_.CreateIntrinsic(llvm::Intrinsic::nvvm_membar_gl, {}, {}); }

  // Thread 0 of a block that reduced part `part` of output `o`: stores the part, counts it in,
  // and when it is the output's last part, combines all parts and finishes the output.
  void finish_parts(const std::vector<llvm::AllocaInst*>& acc, Value* o, Value* part, Value* splits,
                    const Values& coords) {
    const Values mine = read(acc);
    for (size_t a = 0; a < acc.size(); ++a)
      b_.CreateStore(mine[a], partial_in_workspace(a, o, part, splits), /*isVolatile=*/true);
    fence();
    Value* counts =
        b_.CreateInBoundsGEP(b_.getInt64Ty(), workspace_,
                             b_.CreateMul(b_.getInt64(acc.size()), b_.CreateMul(size_, splits)));
    Value* before = b_.CreateAtomicRMW(
        llvm::AtomicRMWInst::Add, b_.CreateInBoundsGEP(b_.getInt64Ty(), counts, o), b_.getInt64(1),
        llvm::MaybeAlign(8), llvm::AtomicOrdering::SequentiallyConsistent);
    when(b_.CreateICmpEQ(before, b_.CreateSub(splits, b_.getInt64(1))), [&] {
      fence();
      auto load_part = [&](Value* p) {
        Values v;
        for (size_t a = 0; a < acc.size(); ++a)
          v.push_back(b_.CreateLoad(acc[a]->getAllocatedType(),
                                    partial_in_workspace(a, o, p, splits), /*isVolatile=*/true));
        return v;
      };
      write(acc, load_part(b_.getInt64(0)));
      loop(b_.getInt64(1), splits, b_.getInt64(1),
           [&](Value* p) { write(acc, combine(read(acc), load_part(p))); });
      finish(acc, o, coords);
    });
  }

  // ReduceOuter (loop order [reduced..., kept...]): each thread takes whole outputs and walks
  // their reduced positions; neighbouring threads read neighbouring elements.
  void build_thread_per_output() {
    const uint32_t rr = ir_.rank - ir_.kept_rank;
    start_main();
    Value* first = b_.CreateAdd(b_.CreateMul(block_index(), block_threads()), thread_in_block());
    loop(first, size_, b_.CreateMul(grid_blocks(), block_threads()), [&](Value* o) {
      Values coords(ir_.rank, nullptr);
      decompose(o, rr, ir_.rank, coords);
      const std::vector<llvm::AllocaInst*> acc = start_accumulators();
      loop(b_.getInt64(0), reduce_size_, b_.getInt64(1), [&](Value* r) {
        decompose(r, 0, rr, coords);
        accumulate_element(acc, coords, r, o);
      });
      for (uint32_t d = 0; d < rr; ++d) coords[d] = nullptr;
      finish(acc, o, coords);
    });
  }

  // ---- block combine: warp shuffles, then one partial per warp through shared memory ----

  Value* shuffle_down(Value* v, unsigned delta) {
    llvm::Type* ty = v->getType();
    auto shfl = [&](Value* x) {
      const bool f = x->getType()->isFloatTy();
      return b_.CreateIntrinsic(
          f ? llvm::Intrinsic::nvvm_shfl_sync_down_f32 : llvm::Intrinsic::nvvm_shfl_sync_down_i32,
          {}, {b_.getInt32(0xffffffffu), x, b_.getInt32(delta), b_.getInt32(31)});
    };
    // bool, int8 and int16 move in the low bits of a 32-bit lane.
    if (ty->isIntegerTy() && ty->getIntegerBitWidth() < 32)
      return b_.CreateTrunc(shfl(b_.CreateZExt(v, b_.getInt32Ty())), ty);
    if (ty->isIntegerTy(32) || ty->isFloatTy()) return shfl(v);
    // 64-bit values move as two 32-bit halves.
    Value* bits = b_.CreateBitCast(v, b_.getInt64Ty());
    Value* lo = shfl(b_.CreateTrunc(bits, b_.getInt32Ty()));
    Value* hi = shfl(b_.CreateTrunc(b_.CreateLShr(bits, 32), b_.getInt32Ty()));
    Value* joined = b_.CreateOr(b_.CreateZExt(lo, b_.getInt64Ty()),
                                b_.CreateShl(b_.CreateZExt(hi, b_.getInt64Ty()), 32));
    return b_.CreateBitCast(joined, ty);
  }

  // Lane 0 of each warp ends with the warp's combined values.
  Values combine_warp(Values v) {
    for (unsigned delta = 16; delta >= 1; delta /= 2) {
      Values other;
      for (Value* x : v) other.push_back(shuffle_down(x, delta));
      v = combine(v, other);
    }
    return v;
  }

  // Shared memory for one partial per warp of each accumulator.
  llvm::GlobalVariable* partials(size_t k, llvm::Type* ty) {
    if (partials_.size() <= k) partials_.resize(k + 1, nullptr);
    if (!partials_[k]) {
      auto* array = llvm::ArrayType::get(ty, kCudaBlockThreads / 32);
      partials_[k] = new llvm::GlobalVariable(
          *fn_->getParent(), array, false, llvm::GlobalValue::InternalLinkage,
          llvm::UndefValue::get(array), "kiln_partials_" + std::to_string(k), nullptr,
          llvm::GlobalValue::NotThreadLocal, shared_);
    }
    return partials_[k];
  }

  Value* partial_slot(size_t k, llvm::Type* ty, Value* warp) {
    llvm::GlobalVariable* g = partials(k, ty);
    return b_.CreateInBoundsGEP(g->getValueType(), g, {b_.getInt64(0), warp});
  }

  // After it, thread 0 of the block holds the block's combined values in `acc`.
  void combine_block(const std::vector<llvm::AllocaInst*>& acc) {
    Value* tid = thread_in_block();
    Value* lane = b_.CreateAnd(tid, b_.getInt64(31));
    Value* warp = b_.CreateLShr(tid, 5);
    const Values mine = combine_warp(read(acc));
    when(b_.CreateICmpEQ(lane, b_.getInt64(0)), [&] {
      for (size_t k = 0; k < acc.size(); ++k)
        b_.CreateStore(mine[k], partial_slot(k, acc[k]->getAllocatedType(), warp));
    });
    b_.CreateIntrinsic(llvm::Intrinsic::nvvm_barrier0, {}, {});
    when(b_.CreateICmpEQ(warp, b_.getInt64(0)), [&] {
      Value* warps = b_.CreateLShr(b_.CreateAdd(block_threads(), b_.getInt64(31)), 5);
      Value* has = b_.CreateICmpULT(lane, warps);
      Values identity;
      for (const Reduction& r : reds_) {
        identity.push_back(reduction_identity(b_, r));
        if (r.with_index()) identity.push_back(reduction_index_identity(b_));
      }
      Values v;
      Value* slot = b_.CreateSelect(has, lane, b_.getInt64(0));
      for (size_t k = 0; k < acc.size(); ++k) {
        llvm::Type* ty = acc[k]->getAllocatedType();
        v.push_back(
            b_.CreateSelect(has, b_.CreateLoad(ty, partial_slot(k, ty, slot)), identity[k]));
      }
      write(acc, combine_warp(v));
    });
    // The next output's partials reuse the shared memory.
    b_.CreateIntrinsic(llvm::Intrinsic::nvvm_barrier0, {}, {});
  }

  unsigned shared_;  // address space of block-shared memory
  const ir::KernelIR& ir_;
  llvm::Function* fn_;
  llvm::LLVMContext& c_;
  llvm::IRBuilder<> b_;
  BodyEmitter body_;
  std::vector<Reduction> reds_;
  std::vector<Level> main_levels_, finish_levels_;  // reductions: see start_main
  llvm::BasicBlock* allocas_ = nullptr;
  llvm::AllocaInst* errors_ = nullptr;
  Value *status_ = nullptr, *workspace_ = nullptr, *size_ = nullptr, *reduce_size_ = nullptr;
  Values outputs_, inputs_, slots_, dims_, offsets_;
  std::vector<Values> strides_;
  std::vector<llvm::GlobalVariable*> partials_;
};

}  // namespace

llvm::FunctionType* cuda_kernel_type(const ir::KernelIR& ir, llvm::LLVMContext& c) {
  llvm::Type* ptr = llvm::PointerType::getUnqual(c);
  llvm::Type* i64 = llvm::Type::getInt64Ty(c);
  std::vector<llvm::Type*> params(ir.outputs.size() + ir.num_input_buffers() + 2, ptr);
  params.insert(params.end(), 2 + ir.num_param_slots(), i64);
  return llvm::FunctionType::get(llvm::Type::getVoidTy(c), params, false);
}

void build_cuda_kernel(const ir::KernelIR& ir, llvm::Function* fn, MathLib& math,
                       unsigned shared_address_space) {
  CudaKernelBuilder(ir, fn, math, shared_address_space).build();
}

}  // namespace kiln::jit
