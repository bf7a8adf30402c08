#include "jit/cpu/cpu_loops.hpp"

#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include "graph/errors.hpp"
#include "jit/cpu/kernel_builder.hpp"

namespace kiln::jit {

namespace {
constexpr const char* kStreamDomain = "kiln.stream";
}  // namespace

namespace loops {

void KernelBuilder::build() {
  b_.SetInsertPoint(BasicBlock::Create(c_, "entry", fn_));
  Value* bufs = fn_->getArg(0);
  params_ = fn_->getArg(1);
  begin_ = fn_->getArg(2);
  end_ = fn_->getArg(3);
  status_ = fn_->getArg(4);
  extra_ = fn_->getArg(5);
  load_buffers(bufs);
  make_alias_scopes();
  for (uint32_t d = 0; d < ir_.rank; ++d) dims_.push_back(slot(ir_.dims_slot() + d));
  load_strides();
  assign_levels();
  done_ = BasicBlock::Create(c_, "done", fn_);
  Value* errors = nullptr;
  switch (entry_) {
    case Entry::Map:
      errors = build_map();
      break;
    case Entry::ReduceMain:
      errors = ir_.kind == ir::KernelKind::ReduceInner ? build_inner_main() : build_outer_main();
      break;
    case Entry::ReduceFinish:
      errors = build_finish();
      break;
  }
  report_errors(b_, errors, status_, done_);
  b_.SetInsertPoint(done_);
  b_.CreateRetVoid();
}

Value* KernelBuilder::slot(uint32_t s) {
  return b_.CreateLoad(b_.getInt64Ty(), b_.CreateConstInBoundsGEP1_64(b_.getInt64Ty(), params_, s));
}

Value* KernelBuilder::extra(uint32_t i) {
  return b_.CreateLoad(b_.getInt64Ty(), b_.CreateConstInBoundsGEP1_64(b_.getInt64Ty(), extra_, i));
}

void KernelBuilder::load_buffers(Value* bufs) {
  uint32_t k = 0;
  auto next = [&] {
    return b_.CreateLoad(b_.getPtrTy(), b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), bufs, k++));
  };
  for (size_t o = 0; o < ir_.outputs.size(); ++o) outputs_.push_back(next());
  for (const ir::Access& a : ir_.accesses) inputs_.push_back(a.is_buffer ? next() : nullptr);
  for (uint32_t a = 0; a < ir_.num_accumulators(); ++a) accumulators_.push_back(next());
}

// Outputs and accumulators are fresh buffers: no load of an input aliases them, and none
// aliases another.
void KernelBuilder::make_alias_scopes() {
  llvm::MDBuilder md(c_);
  llvm::MDNode* domain = md.createAnonymousAliasScopeDomain("kiln.kernel");
  const size_t n = outputs_.size() + accumulators_.size();
  std::vector<llvm::Metadata*> scopes;
  for (size_t o = 0; o < n; ++o) scopes.push_back(md.createAnonymousAliasScope(domain));
  all_written_ = llvm::MDNode::get(c_, scopes);
  // The streaming loop's stores also carry a marker scope of a domain of its own (so alias
  // analysis is unchanged); mark_streaming_stores finds them by it after vectorization.
  llvm::MDNode* marker = md.createAnonymousAliasScope(
      md.createAnonymousAliasScopeDomain(kStreamDomain), kStreamDomain);
  for (size_t o = 0; o < n; ++o) {
    std::vector<llvm::Metadata*> others;
    for (size_t p = 0; p < n; ++p)
      if (p != o) others.push_back(scopes[p]);
    scope_.push_back(llvm::MDNode::get(c_, {scopes[o]}));
    stream_scope_.push_back(llvm::MDNode::get(c_, {scopes[o], marker}));
    noalias_.push_back(llvm::MDNode::get(c_, others));
  }
}

// Accesses, then window outputs, as entries of offsets_ and strides_ (a window starts at its
// buffer's first element), so that walks advance both alike.
void KernelBuilder::load_strides() {
  strides_.resize(ir_.accesses.size());
  for (uint32_t a = 0; a < ir_.accesses.size(); ++a) {
    uint32_t s = ir_.access_slot(a);
    offsets_.push_back(slot(s++));
    inner_.push_back(ir_.accesses[a].inner);
    strides_[a].assign(ir_.rank, nullptr);
    for (uint32_t d = 0; d < ir_.rank; ++d)
      if (ir_.accesses[a].varying >> d & 1) strides_[a][d] = slot(s++);
  }
  window_entry_.assign(ir_.outputs.size(), 0);
  for (uint32_t o = 0; o < ir_.outputs.size(); ++o) {
    if (!ir_.outputs[o].window) continue;
    window_entry_[o] = static_cast<uint32_t>(strides_.size());
    offsets_.push_back(b_.getInt64(0));
    inner_.push_back(ir_.outputs[o].inner);
    Values& strides = strides_.emplace_back();
    for (uint32_t d = 0; d < ir_.rank; ++d) strides.push_back(slot(ir_.output_slot(o) + d));
  }
}

// The loop level each dimension belongs to in this entry; the deepest level is the inner
// (vectorized) loop. kNotHere: the dimension does not exist in this function.
void KernelBuilder::assign_dim_levels() {
  const uint32_t r = ir_.rank;
  dim_level_.assign(r, kNotHere);
  if (entry_ == Entry::Map) {
    for (uint32_t d = 0; d < r; ++d) dim_level_[d] = d + 1 < r ? 1 : 2;
    element_level_ = 2;
    return;
  }
  const uint32_t kb = ir_.kept_begin(), ke = kb + ir_.kept_rank;
  if (entry_ == Entry::ReduceFinish) {
    for (uint32_t d = kb; d < ke; ++d) dim_level_[d] = d + 1 < ke ? 1 : 2;
    element_level_ = 2;
    return;
  }
  // Main: the outer group is walked one position at a time (level 1), the inner group has
  // rows (level 2) and the vectorized loop (level 3).
  const bool inner = ir_.kind == ir::KernelKind::ReduceInner;
  const uint32_t outer_end = inner ? ke : ir_.reduced_begin() + (r - ir_.kept_rank);
  for (uint32_t d = 0; d < r; ++d) dim_level_[d] = d < outer_end ? 1 : (d + 1 < r ? 2 : 3);
  element_level_ = 3;
}

Level KernelBuilder::access_level(uint32_t a) const {
  Level l = 0;
  for (uint32_t d = 0; d < ir_.rank; ++d)
    if (ir_.accesses[a].varying >> d & 1) l = std::max(l, dim_level_[d]);
  return l;
}

// Marks what this function computes and at which level.
void KernelBuilder::assign_levels() {
  assign_dim_levels();
  const size_t n = ir_.instrs.size();
  std::vector<char> needed(n, 0);
  std::vector<uint32_t> roots;
  // The main entry computes the reductions' operands and the element outputs, the others the
  // outputs they store.
  if (entry_ == Entry::ReduceMain)
    for (const ir::Instr& i : ir_.instrs)
      if (i.kind == ir::InstrKind::Reduce) roots.push_back(i.args[0]);
  for (const ir::Output& o : ir_.outputs)
    if ((entry_ == Entry::ReduceMain) == static_cast<bool>(o.element)) roots.push_back(o.instr);
  for (uint32_t r : roots) needed[r] = 1;
  for (size_t k = n; k-- > 0;) {
    if (!needed[k]) continue;
    const ir::Instr& i = ir_.instrs[k];
    if (i.kind == ir::InstrKind::Reduce && entry_ == Entry::ReduceFinish) continue;  // provided
    for (int a = 0; a < i.nargs; ++a) needed[i.args[a]] = 1;
  }
  std::vector<Level> levels(n, kNotHere);
  for (size_t k = 0; k < n; ++k) {
    if (!needed[k]) continue;
    const ir::Instr& i = ir_.instrs[k];
    Level l = 0;
    switch (i.kind) {
      case ir::InstrKind::Load:
      case ir::InstrKind::Index:
        l = access_level(static_cast<uint32_t>(i.imm));
        break;
      case ir::InstrKind::Param:
      case ir::InstrKind::Const:
        l = 0;
        break;
      case ir::InstrKind::Reduce:
        l = element_level_;
        break;  // finish: one value per output
      case ir::InstrKind::Compute:
        for (int a = 0; a < i.nargs; ++a) l = std::max(l, levels[i.args[a]]);
        if (i.imm) l = element_level_;  // errors accumulate in the inner loop
        break;
      case ir::InstrKind::Gather:  // may fail: in the inner loop, like a failing Compute
        l = element_level_;
        break;
    }
    KILN_CHECK(l != kNotHere, "an instruction depends on a dimension its function lacks");
    levels[k] = l;
  }
  body_.set_levels(std::move(levels));
}

// bases[a] + sum over dims [d0, d1) of idx[d - d0] * stride.
KernelBuilder::Values KernelBuilder::advance(const Values& bases, uint32_t d0, uint32_t d1,
                                             const Values& idx) {
  Values out = bases;
  for (uint32_t a = 0; a < strides_.size(); ++a)
    for (uint32_t d = d0; d < d1; ++d)
      if (strides_[a][d]) out[a] = b_.CreateAdd(out[a], b_.CreateMul(idx[d - d0], strides_[a][d]));
  return out;
}

Value* KernelBuilder::inner_index(uint32_t a, Value* base, Value* j, uint32_t inner_dim) {
  if (!strides_[a][inner_dim]) return base;
  if (inner_[a] == ir::Inner::Unit) return b_.CreateAdd(base, j);
  return b_.CreateAdd(base, b_.CreateMul(j, strides_[a][inner_dim]));
}

BodyEnv KernelBuilder::env_at(std::function<Value*(uint32_t)> index) {
  BodyEnv env;
  env.index = std::move(index);
  env.base = [this](uint32_t a) { return inputs_[a]; };
  env.param = [this](uint32_t s) { return slot(s); };
  env.load_noalias = all_written_;
  return env;
}

Value* KernelBuilder::emit_level(Level l, const Values& bases) {
  return body_.emit(l, env_at([&bases](uint32_t a) { return bases[a]; }));
}

Value* KernelBuilder::phi_or_null(Value* v, BasicBlock* from, const char* name) {
  if (!v) return nullptr;
  llvm::PHINode* p = b_.CreatePHI(v->getType(), 2, name);
  p->addIncoming(v, from);
  return p;
}

// Walks flat positions [begin, end) of dimensions [d0, d1). Returns the carried values. A
// one-dimensional, non-scalar walk is a plain counted loop and never reads dims_ (callers use
// walk(0, 1, ...) for loops over blocks and accumulator rows).
KernelBuilder::Values KernelBuilder::walk(uint32_t d0, uint32_t d1, Value* begin, Value* end,
                                          bool scalar, Values carried, const RowFn& at_row,
                                          const ElementFn& at_element) {
  BasicBlock* guard = b_.GetInsertBlock();
  auto* head = BasicBlock::Create(c_, "walk", fn_);
  auto* exit = BasicBlock::Create(c_, "walk.exit", fn_);
  b_.CreateCondBr(b_.CreateICmpSLT(begin, end), head, exit);
  b_.SetInsertPoint(head);
  Values out;
  if (!scalar && d1 - d0 == 1) {
    out = element_loop(
        begin, end, nullptr, carried,
        [&](Value* j, const Values& c) { return at_element(j, j, c); }, at_row);
  } else {
    out = row_walk(d0, d1, begin, end, scalar, carried, at_row, at_element);
  }
  BasicBlock* last = b_.GetInsertBlock();
  b_.CreateBr(exit);
  b_.SetInsertPoint(exit);
  return merge(carried, guard, out, last);
}

KernelBuilder::Values KernelBuilder::merge(const Values& a, BasicBlock* from_a, const Values& b,
                                           BasicBlock* from_b) {
  Values out;
  for (size_t k = 0; k < a.size(); ++k) {
    if (!a[k]) {
      out.push_back(nullptr);
      continue;
    }
    llvm::PHINode* p = b_.CreatePHI(a[k]->getType(), 2);
    p->addIncoming(a[k], from_a);
    p->addIncoming(b[k], from_b);
    out.push_back(p);
  }
  return out;
}

// The inner loop j in [from, to); `flat_base` + j is the flat position (null: j itself).
KernelBuilder::Values KernelBuilder::element_loop(
    Value* from, Value* to, Value* flat_base, const Values& carried,
    const std::function<Values(Value*, const Values&)>& body, const RowFn& at_row,
    bool unroll_fully) {
  if (at_row) at_row({});
  BasicBlock* pre = b_.GetInsertBlock();
  auto* loop = BasicBlock::Create(c_, "loop", fn_);
  auto* exit = BasicBlock::Create(c_, "loop.exit", fn_);
  b_.CreateBr(loop);
  b_.SetInsertPoint(loop);
  llvm::PHINode* j = b_.CreatePHI(b_.getInt64Ty(), 2, "j");
  j->addIncoming(from, pre);
  Values phis;
  for (Value* c : carried) phis.push_back(phi_or_null(c, pre, "carry"));
  (void)flat_base;
  Values next = body(j, phis);
  Value* j_next = b_.CreateAdd(j, b_.getInt64(1), "", /*HasNUW=*/true, /*HasNSW=*/true);
  BasicBlock* latch = b_.GetInsertBlock();
  j->addIncoming(j_next, latch);
  for (size_t k = 0; k < phis.size(); ++k)
    if (phis[k]) llvm::cast<llvm::PHINode>(phis[k])->addIncoming(next[k], latch);
  llvm::BranchInst* latch_branch = b_.CreateCondBr(b_.CreateICmpSLT(j_next, to), loop, exit);
  if (unroll_fully) {
    // A loop of constant trip count whose arrays must end up in registers: once vectorized
    // (or not), it is unrolled completely, so that every index into them is a constant.
    llvm::MDNode* full = llvm::MDNode::get(c_, llvm::MDString::get(c_, "llvm.loop.unroll.full"));
    llvm::MDNode* followup =
        llvm::MDNode::get(c_, {llvm::MDString::get(c_, "llvm.loop.vectorize.followup_all"), full});
    llvm::MDNode* self = llvm::MDNode::getDistinct(c_, {nullptr, full, followup});
    self->replaceOperandWith(0, self);
    latch_branch->setMetadata(llvm::LLVMContext::MD_loop, self);
  }
  b_.SetInsertPoint(exit);
  return next;
}

// A walk with a carried multi-index: over all dims when scalar, else over all but the last,
// whose positions form the inner loop of each row.
KernelBuilder::Values KernelBuilder::row_walk(uint32_t d0, uint32_t d1, Value* begin, Value* end,
                                              bool scalar, const Values& carried,
                                              const RowFn& at_row, const ElementFn& at_element) {
  const uint32_t carried_dims = scalar ? d1 - d0 : d1 - d0 - 1;
  Value* inner_extent = scalar ? nullptr : dims_[d1 - 1];
  // Multi-index of `begin`, computed once; each step advances it with carries.
  Value* q = begin;
  Value* j0_init = nullptr;
  if (!scalar) {
    j0_init = b_.CreateSRem(begin, inner_extent);
    q = b_.CreateSDiv(begin, inner_extent);
  }
  Values idx_init(carried_dims);
  for (uint32_t k = carried_dims; k-- > 0;) {
    if (k == 0) {
      idx_init[k] = q;
    } else {
      idx_init[k] = b_.CreateSRem(q, dims_[d0 + k]);
      q = b_.CreateSDiv(q, dims_[d0 + k]);
    }
  }
  BasicBlock* pre = b_.GetInsertBlock();
  auto* row = BasicBlock::Create(c_, "row", fn_);
  auto* exit = BasicBlock::Create(c_, "row.exit", fn_);
  b_.CreateBr(row);
  b_.SetInsertPoint(row);
  llvm::PHINode* flat = b_.CreatePHI(b_.getInt64Ty(), 2, "flat");
  flat->addIncoming(begin, pre);
  llvm::PHINode* j0 = nullptr;
  if (!scalar) {
    j0 = b_.CreatePHI(b_.getInt64Ty(), 2, "j0");
    j0->addIncoming(j0_init, pre);
  }
  std::vector<llvm::PHINode*> idx(carried_dims);
  Values idx_values;
  for (uint32_t k = 0; k < carried_dims; ++k) {
    idx[k] = b_.CreatePHI(b_.getInt64Ty(), 2);
    idx[k]->addIncoming(idx_init[k], pre);
    idx_values.push_back(idx[k]);
  }
  Values phis;
  for (Value* c : carried) phis.push_back(phi_or_null(c, pre, "carry.row"));

  at_row(idx_values);
  Value* step;
  Values next;
  if (scalar) {
    next = at_element(idx_values.back(), flat, phis);
    step = b_.getInt64(1);
  } else {
    step = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, b_.CreateSub(inner_extent, j0),
                                    b_.CreateSub(end, flat));
    Value* row_start = b_.CreateSub(flat, j0);
    next = element_loop(
        j0, b_.CreateAdd(j0, step), row_start, phis,
        [&](Value* j, const Values& c) { return at_element(j, b_.CreateAdd(row_start, j), c); },
        nullptr);
  }
  Value* flat_next = b_.CreateAdd(flat, step);
  Value* carry = b_.getTrue();
  Values idx_next(carried_dims);
  for (uint32_t k = carried_dims; k-- > 0;) {
    Value* bumped = b_.CreateAdd(idx[k], b_.CreateZExt(carry, b_.getInt64Ty()));
    Value* wraps = b_.CreateICmpEQ(bumped, dims_[d0 + k]);
    idx_next[k] = b_.CreateSelect(wraps, b_.getInt64(0), bumped);
    carry = b_.CreateAnd(carry, wraps);
  }
  BasicBlock* latch = b_.GetInsertBlock();
  flat->addIncoming(flat_next, latch);
  if (j0) j0->addIncoming(b_.getInt64(0), latch);
  for (uint32_t k = 0; k < carried_dims; ++k) idx[k]->addIncoming(idx_next[k], latch);
  for (size_t k = 0; k < phis.size(); ++k)
    if (phis[k]) llvm::cast<llvm::PHINode>(phis[k])->addIncoming(next[k], latch);
  b_.CreateCondBr(b_.CreateICmpSLT(flat_next, end), row, exit);
  b_.SetInsertPoint(exit);
  return next;
}

void KernelBuilder::store(size_t written, Value* base_ptr, llvm::Type* ty, Value* position,
                          Value* v) {
  auto* st = b_.CreateStore(v, b_.CreateInBoundsGEP(ty, base_ptr, position));
  st->setMetadata(llvm::LLVMContext::MD_alias_scope, scope_[written]);
  st->setMetadata(llvm::LLVMContext::MD_noalias, noalias_[written]);
  // Becomes non-temporal once vectorized (never a window's: its rows need not be aligned).
  if (streaming_ && written < outputs_.size() && !ir_.outputs[written].window)
    st->setMetadata(llvm::LLVMContext::MD_alias_scope, stream_scope_[written]);
}

Value* KernelBuilder::load_written(size_t written, Value* base_ptr, llvm::Type* ty,
                                   Value* position) {
  auto* ld = b_.CreateLoad(ty, b_.CreateInBoundsGEP(ty, base_ptr, position));
  ld->setMetadata(llvm::LLVMContext::MD_alias_scope, scope_[written]);
  ld->setMetadata(llvm::LLVMContext::MD_noalias, noalias_[written]);
  return ld;
}

void KernelBuilder::store_outputs(Value* position, const std::function<Value*(uint32_t)>& window) {
  for (size_t o = 0; o < ir_.outputs.size(); ++o) {
    const ir::Output& out = ir_.outputs[o];
    if (out.element) continue;  // stored by the main walk (store_element_outputs)
    store(o, outputs_[o], memory_type(c_, out.dtype),
          out.window ? window(window_entry_[o]) : position,
          body_.to_memory(body_.value(out.instr), out.dtype));
  }
}

Value* KernelBuilder::or_errors(Value* acc, Value* fails) {
  return acc ? (fails ? b_.CreateOr(acc, fails) : acc) : nullptr;
}

Value* KernelBuilder::no_errors() {
  return ir_.num_error_bits ? b_.getInt64(0) : nullptr;
}

// A map over one dimension has two loops: the usual one, and one with non-temporal stores
// for outputs far larger than the caches (extra[0] != 0; the runtime decides by size, so the
// kernel, and its cache key, stay the same). Streaming stores skip the read-for-ownership of
// each output line: about 12% more bandwidth at 1e8 elements here.
Value* KernelBuilder::build_map() {
  emit_level(0, offsets_);
  if (ir_.rank != 1) return map_loop();
  auto* stream = BasicBlock::Create(c_, "stream", fn_);
  auto* cached = BasicBlock::Create(c_, "cached", fn_);
  auto* join = BasicBlock::Create(c_, "join", fn_);
  b_.CreateCondBr(b_.CreateICmpNE(extra(0), b_.getInt64(0)), stream, cached);
  b_.SetInsertPoint(stream);
  streaming_ = true;
  Value* stream_errors = map_loop();
  streaming_ = false;
  BasicBlock* stream_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(cached);
  Value* cached_errors = map_loop();
  BasicBlock* cached_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
  if (!cached_errors) return nullptr;
  llvm::PHINode* errors = b_.CreatePHI(b_.getInt64Ty(), 2);
  errors->addIncoming(stream_errors, stream_end);
  errors->addIncoming(cached_errors, cached_end);
  return errors;
}

Value* KernelBuilder::map_loop() {
  const uint32_t last = ir_.rank - 1;
  Values bases;
  const Values out = walk(
      0, ir_.rank, begin_, end_, false, {no_errors()},
      [&](const Values& idx) {
        bases = advance(offsets_, 0, last, idx);
        emit_level(1, bases);
      },
      [&](Value* j, Value* flat, const Values& c) -> Values {
        auto at = [&](uint32_t a) { return inner_index(a, bases[a], j, last); };
        Value* fails = body_.emit(element_level_, env_at(at));
        store_outputs(flat, at);
        return {or_errors(c[0], fails)};
      });
  return out[0];
}

}  // namespace loops

void build_entry(const ir::KernelIR& ir, Entry entry, llvm::Function* fn, MathLib& math) {
  loops::KernelBuilder(ir, entry, fn, math).build();
}

void mark_streaming_stores(llvm::Module& m) {
  for (llvm::Function& f : m) {
    for (llvm::BasicBlock& bb : f) {
      for (llvm::Instruction& i : bb) {
        auto* st = llvm::dyn_cast<llvm::StoreInst>(&i);
        if (!st || !st->getValueOperand()->getType()->isVectorTy()) continue;
        const llvm::MDNode* scopes = st->getMetadata(llvm::LLVMContext::MD_alias_scope);
        bool marked = false;
        for (unsigned k = 0; scopes && k < scopes->getNumOperands(); ++k) {
          const auto* scope = llvm::dyn_cast<llvm::MDNode>(scopes->getOperand(k));
          const auto* name = scope && scope->getNumOperands() > 2
                                 ? llvm::dyn_cast<llvm::MDString>(scope->getOperand(2))
                                 : nullptr;
          marked |= name && name->getString() == kStreamDomain;
        }
        if (!marked) continue;
        // Chunks of streaming launches start at multiples of 64 elements of 64-byte aligned
        // buffers, and the vector loop steps from there by whole vectors: each vector store is
        // aligned to its size (at most the 64 bytes of a cache line).
        const uint64_t bytes = m.getDataLayout().getTypeStoreSize(st->getValueOperand()->getType());
        st->setAlignment(llvm::Align(std::min<uint64_t>(64, bytes)));
        st->setMetadata(
            llvm::LLVMContext::MD_nontemporal,
            llvm::MDNode::get(m.getContext(), {llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(
                                                  llvm::Type::getInt32Ty(m.getContext()), 1))}));
      }
    }
  }
}

}  // namespace kiln::jit
