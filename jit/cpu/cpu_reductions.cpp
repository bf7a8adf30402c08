// Reductions: identities, combines, the inner and outer main loops, and the finish.
#include "graph/errors.hpp"
#include "graph/types.hpp"
#include "jit/cpu/kernel_builder.hpp"
#include "jit/llvm/reduce_ops.hpp"

namespace kiln::jit::loops {

llvm::Type* KernelBuilder::acc_type(const Reduction& r) const {
  return memory_type(c_, r.acc);
}

size_t KernelBuilder::acc_written(uint32_t slot) const {
  return outputs_.size() + slot;
}

// Folds element value `v` at reduced position `r_flat` into accumulator values `acc`
// (acc[1] is the index for arg reductions).
KernelBuilder::Values KernelBuilder::accumulate(const Reduction& r, const Values& acc, Value* v,
                                                Value* r_flat) {
  Value* x = body_.cast(v, r.operand, r.acc);
  // Order-sensitive reductions are never reordered here (ir::kTreeBlock fixes their order); the
  // others give the same result in any order, and reassociation lets them vectorize.
  if (!r.with_index()) return {reduction_combine(b_, r, acc[0], x, !order_sensitive(r))};
  Value* take = reduction_better(b_, r, acc[0], acc[1], x, r_flat);
  return {b_.CreateSelect(take, x, acc[0]), b_.CreateSelect(take, r_flat, acc[1])};
}

Value* KernelBuilder::kept_size() {
  Value* n = b_.getInt64(1);
  for (uint32_t d = ir_.kept_begin(); d < ir_.kept_begin() + ir_.kept_rank; ++d)
    n = b_.CreateMul(n, dims_[d]);
  return n;
}

// ReduceInner main: for each output (a scalar walk over the kept dimensions), accumulate in
// registers over reduced positions [extra[0], extra[1]), then write the accumulator row.
Value* KernelBuilder::build_inner_main() {
  const std::vector<Reduction> reds = reductions_of(ir_);
  const uint32_t k = ir_.kept_rank;
  Value* r_begin = extra(0);
  Value* r_end = extra(1);
  Value* row_offset = b_.CreateMul(extra(2), kept_size());
  Value* reduce_size = b_.getInt64(1);
  for (uint32_t d = k; d < ir_.rank; ++d) reduce_size = b_.CreateMul(reduce_size, dims_[d]);
  emit_level(0, offsets_);
  Values bases_o, bases_r;
  const Values out = walk(
      0, k, begin_, end_, true, {no_errors()},
      [&](const Values& idx) {
        bases_o = advance(offsets_, 0, k, idx);
        emit_level(1, bases_o);
      },
      [&](Value*, Value* o_flat, const Values& c) -> Values {
        Values carried;
        for (const Reduction& r : reds) {
          carried.push_back(reduction_identity(b_, r));
          if (r.with_index()) carried.push_back(reduction_index_identity(b_));
        }
        carried.push_back(c[0]);
        element_row_ = b_.CreateMul(o_flat, reduce_size);
        const Values acc = tree_walk(reds, r_begin, r_end, carried, bases_o, bases_r);
        Value* position = b_.CreateAdd(row_offset, o_flat);
        size_t at = 0;
        for (const Reduction& r : reds) {
          store(acc_written(r.slot), accumulators_[r.slot], acc_type(r), position,
                body_.to_memory(acc[at++], r.acc));
          if (r.with_index())
            store(acc_written(r.slot + 1), accumulators_[r.slot + 1], b_.getInt64Ty(), position,
                  acc[at++]);
        }
        return {acc.back()};
      });
  return out[0];
}

// The reduced walk of build_inner_main, in the fixed order of ir::kTreeBlock: blocks of reduced
// positions, whose order-sensitive reductions (float sums and products) park their values in a
// tile on the stack and reduce it with tree_block; block results fold into group totals and
// group totals into the result, each in order. Other reductions (integers, max, argmax, ...)
// give the same result in any order and accumulate in registers as they go.
KernelBuilder::Values KernelBuilder::tree_walk(const std::vector<Reduction>& reds, Value* r_begin,
                                               Value* r_end, const Values& carried,
                                               const Values& bases_o, Values& bases_r) {
  const uint32_t k = ir_.kept_rank, last = ir_.rank - 1;
  // The values parked per order-sensitive reduction: its lanes (a one-dimensional reduced walk
  // computes each chunk of lanes directly), or else a whole block's tile.
  const bool one_dim = ir_.rank - k == 1;
  std::vector<Value*> tiles(reds.size(), nullptr);
  Values start = carried;  // then the group totals of the order-sensitive reductions
  {
    llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
    for (size_t i = 0; i < reds.size(); ++i) {
      if (!order_sensitive(reds[i])) continue;
      const int64_t count = one_dim ? lane_count(reds[i]) : ir::kTreeBlock;
      llvm::AllocaInst* tile =
          entry.CreateAlloca(value_type(c_, reds[i].operand), entry.getInt64(count), "tile");
      tile->setAlignment(llvm::Align(64));
      tiles[i] = tile;
      start.push_back(reduction_identity(b_, reds[i]));
    }
  }
  // The reduced positions [from, to) walked element by element (tiles filled from `from`).
  auto walk_range = [&](Value* from, Value* to, const Values& start_values, Value* tile_start) {
    return walk(
        k, ir_.rank, from, to, false, start_values,
        [&](const Values& idx) {
          bases_r = advance(bases_o, k, last, idx);
          emit_level(2, bases_r);
        },
        [&](Value* j, Value* r_flat, const Values& cur) {
          return accumulate_element(reds, j, r_flat, cur, bases_r, last, tiles, tile_start);
        });
  };
  if (start.size() == carried.size())  // nothing order-sensitive: one walk, any order
    return walk_range(r_begin, r_end, carried, nullptr);
  const size_t n_carried = carried.size();
  Value* span = b_.CreateSub(r_end, r_begin);
  Value* blocks = b_.CreateSDiv(b_.CreateAdd(span, b_.getInt64(ir::kTreeBlock - 1)),
                                b_.getInt64(ir::kTreeBlock));
  Values out = walk(
      0, 1, b_.getInt64(0), blocks, false, start, [](const Values&) {},
      [&](Value*, Value* block, const Values& outer) -> Values {
        Value* from = b_.CreateAdd(r_begin, b_.CreateMul(block, b_.getInt64(ir::kTreeBlock)));
        Value* to = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, r_end,
                                             b_.CreateAdd(from, b_.getInt64(ir::kTreeBlock)));
        const Values block_start(outer.begin(), outer.begin() + n_carried);
        std::vector<Value*> parts(reds.size(), nullptr);
        Values next;
        if (one_dim) {
          next = lanes_block(reds, from, to, block_start, bases_o, tiles, parts);
        } else {
          next = walk_range(from, to, block_start, from);
          for (size_t i = 0; i < reds.size(); ++i)
            if (tiles[i]) parts[i] = tree_block(reds[i], tiles[i], b_.CreateSub(to, from));
        }
        // A group ends every kTreeGroupBlocks blocks counted from position 0 (splits start at
        // group boundaries), and at the end of the range.
        Value* block_no = b_.CreateSDiv(from, b_.getInt64(ir::kTreeBlock));
        Value* group_end =
            b_.CreateOr(b_.CreateICmpEQ(b_.CreateSRem(b_.CreateAdd(block_no, b_.getInt64(1)),
                                                      b_.getInt64(ir::kTreeGroupBlocks)),
                                        b_.getInt64(0)),
                        b_.CreateICmpEQ(to, r_end));
        size_t at = 0, group = n_carried;
        for (size_t i = 0; i < reds.size(); ++i) {
          const Reduction& r = reds[i];
          if (tiles[i]) {
            Value* part = body_.cast(parts[i], r.operand, r.acc);
            Value* total = reduction_combine(b_, r, outer[group], part, false);
            next[at] = b_.CreateSelect(group_end, reduction_combine(b_, r, next[at], total, false),
                                       next[at]);
            next.push_back(b_.CreateSelect(group_end, reduction_identity(b_, r), total));
            ++group;
          }
          at += r.with_index() ? 2 : 1;
        }
        return next;
      });
  out.resize(n_carried);
  return out;
}

// The result of order-sensitive reduction `r` over tile[0, length) (1 <= length <= kTreeBlock)
// in the fixed order of ir::kTreeBlock: short blocks one value after the other, longer ones in
// explicit vector lanes folded by halving. Exact IEEE operations throughout (no reassociation),
// so the vector width of the machine makes no difference.
Value* KernelBuilder::tree_block(const Reduction& r, Value* tile, Value* length) {
  llvm::Type* t = value_type(c_, r.operand);
  Reduction lane = r;  // the tile's values combine in their own dtype
  lane.acc = r.operand;
  Value* identity = reduction_identity(b_, lane);
  BasicBlock* sequential = BasicBlock::Create(c_, "tree.seq", fn_);
  BasicBlock* lanes = BasicBlock::Create(c_, "tree.lanes", fn_);
  BasicBlock* join = BasicBlock::Create(c_, "tree.join", fn_);
  b_.CreateCondBr(b_.CreateICmpSLT(length, b_.getInt64(ir::kTreeSequentialBelow)), sequential,
                  lanes);

  b_.SetInsertPoint(sequential);
  const Values one_by_one = element_loop(
      b_.getInt64(0), length, nullptr, {identity},
      [&](Value* i, const Values& acc) -> Values {
        Value* x = b_.CreateLoad(t, b_.CreateInBoundsGEP(t, tile, i));
        return {reduction_combine(b_, lane, acc[0], x, false)};
      },
      nullptr);
  BasicBlock* sequential_end = b_.GetInsertBlock();
  b_.CreateBr(join);

  b_.SetInsertPoint(lanes);
  const auto width = static_cast<unsigned>(lane_count(r));
  auto* vector = llvm::FixedVectorType::get(t, width);
  Value* vector_identity = b_.CreateVectorSplat(width, identity);
  Value* chunks = b_.CreateSDiv(length, b_.getInt64(width));
  auto load_chunk = [&](Value* c) {
    return b_.CreateAlignedLoad(vector,
                                b_.CreateInBoundsGEP(t, tile, b_.CreateMul(c, b_.getInt64(width))),
                                llvm::Align(64));
  };
  Value* acc = walk(
      0, 1, b_.getInt64(0), chunks, false, {vector_identity}, [](const Values&) {},
      [&](Value*, Value* c, const Values& cur) -> Values {
        return {reduction_combine(b_, lane, cur[0], load_chunk(c), false)};
      })[0];
  // The last, partial chunk: lanes past the end hold the identity.
  Value* rest = b_.CreateSub(length, b_.CreateMul(chunks, b_.getInt64(width)));
  BasicBlock* before_tail = b_.GetInsertBlock();
  BasicBlock* tail = BasicBlock::Create(c_, "tree.tail", fn_);
  BasicBlock* fold = BasicBlock::Create(c_, "tree.fold", fn_);
  b_.CreateCondBr(b_.CreateICmpSGT(rest, b_.getInt64(0)), tail, fold);
  b_.SetInsertPoint(tail);
  std::vector<llvm::Constant*> iota;
  for (unsigned l = 0; l < width; ++l) iota.push_back(b_.getInt64(l));
  Value* live =
      b_.CreateICmpSLT(llvm::ConstantVector::get(iota), b_.CreateVectorSplat(width, rest));
  Value* with_tail = reduction_combine(
      b_, lane, acc, b_.CreateSelect(live, load_chunk(chunks), vector_identity), false);
  b_.CreateBr(fold);
  b_.SetInsertPoint(fold);
  llvm::PHINode* lanes_acc = b_.CreatePHI(vector, 2);
  lanes_acc->addIncoming(acc, before_tail);
  lanes_acc->addIncoming(with_tail, tail);
  Value* folded = fold_lanes(lane, lanes_acc);
  BasicBlock* lanes_end = b_.GetInsertBlock();
  b_.CreateBr(join);

  b_.SetInsertPoint(join);
  llvm::PHINode* result = b_.CreatePHI(t, 2);
  result->addIncoming(one_by_one[0], sequential_end);
  result->addIncoming(folded, lanes_end);
  return result;
}

int64_t KernelBuilder::lane_count(const Reduction& r) {
  return ir::kTreeLaneBytes / static_cast<int64_t>(itemsize(r.operand));
}

// The lanes of vector `v` (of the tile's dtype) folded by halving: lane i with lane i + half.
Value* KernelBuilder::fold_lanes(const Reduction& lane, Value* v) {
  const auto width = static_cast<unsigned>(lane_count(lane));
  for (unsigned half = width / 2; half >= 1; half /= 2) {
    std::vector<int> low, high;
    for (unsigned l = 0; l < half; ++l) {
      low.push_back(static_cast<int>(l));
      high.push_back(static_cast<int>(l + half));
    }
    v = reduction_combine(b_, lane, b_.CreateShuffleVector(v, low), b_.CreateShuffleVector(v, high),
                          false);
  }
  return b_.CreateExtractElement(v, uint64_t{0});
}

// Block [from, to) of a one-dimensional reduced walk, in the order of tree_block without a
// tile: chunks of lane_count positions update the lanes (lanes[i], one small array per
// order-sensitive reduction, which the optimizer keeps in registers), one chunk after the other;
// the last, partial chunk reads its missing positions at the block's last one and discards them.
// A short block adds its values one after the other. Returns the carried values of the other
// reductions; each order-sensitive reduction's block result goes to parts[i].
KernelBuilder::Values KernelBuilder::lanes_block(const std::vector<Reduction>& reds, Value* from,
                                                 Value* to, const Values& carried,
                                                 const Values& bases_o,
                                                 const std::vector<Value*>& lanes,
                                                 std::vector<Value*>& parts) {
  const uint32_t last = ir_.rank - 1;
  emit_level(2, bases_o);  // a one-dimensional walk has one row: the output's
  Value* length = b_.CreateSub(to, from);
  BasicBlock* sequential = BasicBlock::Create(c_, "lanes.seq", fn_);
  BasicBlock* chunked = BasicBlock::Create(c_, "lanes.chunks", fn_);
  BasicBlock* join = BasicBlock::Create(c_, "lanes.join", fn_);
  b_.CreateCondBr(b_.CreateICmpSLT(length, b_.getInt64(ir::kTreeSequentialBelow)), sequential,
                  chunked);
  auto lane_of = [](const Reduction& r) {
    Reduction lane = r;  // the block's values combine in their own dtype
    lane.acc = r.operand;
    return lane;
  };

  // Short: every value in order; the order-sensitive reductions carry a scalar each.
  b_.SetInsertPoint(sequential);
  Values seq_start = carried;
  for (size_t i = 0; i < reds.size(); ++i)
    if (lanes[i]) seq_start.push_back(reduction_identity(b_, lane_of(reds[i])));
  const Values seq = element_loop(
      from, to, nullptr, seq_start,
      [&](Value* j, const Values& cur) -> Values {
        Values next =
            accumulate_element(reds, j, j, Values(cur.begin(), cur.begin() + carried.size()),
                               bases_o, last, {}, nullptr);
        size_t extra = carried.size();
        for (size_t i = 0; i < reds.size(); ++i)
          if (lanes[i])
            next.push_back(reduction_combine(b_, lane_of(reds[i]), cur[extra++],
                                             body_.value(ir_.instrs[reds[i].instr].args[0]),
                                             false));
        return next;
      },
      nullptr);
  BasicBlock* sequential_end = b_.GetInsertBlock();
  b_.CreateBr(join);

  // Chunks of lanes.
  b_.SetInsertPoint(chunked);
  for (size_t i = 0; i < reds.size(); ++i) {
    if (!lanes[i]) continue;
    const auto width = static_cast<unsigned>(lane_count(reds[i]));
    b_.CreateAlignedStore(b_.CreateVectorSplat(width, reduction_identity(b_, lane_of(reds[i]))),
                          lanes[i], llvm::Align(64));
  }
  // Each order-sensitive reduction has its own lane count; a chunk is as wide as the widest
  // (float32: 64 positions), and a reduction with fewer lanes (float64: 32) wraps around, so
  // that lane p % count still holds position p.
  int64_t chunk = 0;
  for (size_t i = 0; i < reds.size(); ++i)
    if (lanes[i]) chunk = std::max(chunk, lane_count(reds[i]));
  Value* chunks = b_.CreateSDiv(length, b_.getInt64(chunk));
  // A full chunk: positions first + l for l in [0, chunk), each into lane l % count.
  auto run_chunk = [&](Value* first, const Values& cur) -> Values {
    return element_loop(
        b_.getInt64(0), b_.getInt64(chunk), nullptr, cur,
        [&](Value* l, const Values& c) -> Values {
          Value* position = b_.CreateAdd(first, l);
          Values next = accumulate_element(reds, position, position, c, bases_o, last, {}, nullptr);
          for (size_t i = 0; i < reds.size(); ++i) {
            if (!lanes[i]) continue;
            llvm::Type* t = value_type(c_, reds[i].operand);
            Value* slot = b_.CreateInBoundsGEP(t, lanes[i],
                                               b_.CreateSRem(l, b_.getInt64(lane_count(reds[i]))));
            b_.CreateStore(reduction_combine(b_, lane_of(reds[i]), b_.CreateLoad(t, slot),
                                             body_.value(ir_.instrs[reds[i].instr].args[0]), false),
                           slot);
          }
          return next;
        },
        nullptr, /*unroll_fully=*/true);
  };
  Values state = walk(
      0, 1, b_.getInt64(0), chunks, false, carried, [](const Values&) {},
      [&](Value*, Value* c, const Values& cur) -> Values {
        return run_chunk(b_.CreateAdd(from, b_.CreateMul(c, b_.getInt64(chunk))), cur);
      });
  // The last, partial chunk: its values go to a tile (a loop of variable length, which must not
  // touch the lanes, or they could not stay in registers), then into the lanes, those past the
  // end as the identity.
  Value* done = b_.CreateMul(chunks, b_.getInt64(chunk));
  Value* rest = b_.CreateSub(length, done);
  BasicBlock* before_tail = b_.GetInsertBlock();
  BasicBlock* tail = BasicBlock::Create(c_, "lanes.tail", fn_);
  BasicBlock* fold = BasicBlock::Create(c_, "lanes.fold", fn_);
  b_.CreateCondBr(b_.CreateICmpSGT(rest, b_.getInt64(0)), tail, fold);
  b_.SetInsertPoint(tail);
  std::vector<Value*> tail_tiles(reds.size(), nullptr);
  {
    llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
    for (size_t i = 0; i < reds.size(); ++i) {
      if (!lanes[i]) continue;
      auto* tile =
          entry.CreateAlloca(value_type(c_, reds[i].operand), entry.getInt64(chunk), "tail");
      tile->setAlignment(llvm::Align(64));
      tail_tiles[i] = tile;
    }
  }
  Value* tail_first = b_.CreateAdd(from, done);
  const Values with_tail = element_loop(
      b_.getInt64(0), rest, nullptr, state,
      [&](Value* l, const Values& c) -> Values {
        Value* position = b_.CreateAdd(tail_first, l);
        Values next = accumulate_element(reds, position, position, c, bases_o, last, {}, nullptr);
        for (size_t i = 0; i < reds.size(); ++i)
          if (lanes[i])
            b_.CreateStore(body_.value(ir_.instrs[reds[i].instr].args[0]),
                           b_.CreateInBoundsGEP(value_type(c_, reds[i].operand), tail_tiles[i], l));
        return next;
      },
      nullptr);
  std::vector<llvm::Constant*> iota;
  for (int64_t l = 0; l < chunk; ++l) iota.push_back(b_.getInt32(static_cast<uint32_t>(l)));
  Value* live = b_.CreateICmpSLT(
      llvm::ConstantVector::get(iota),
      b_.CreateVectorSplat(static_cast<unsigned>(chunk), b_.CreateTrunc(rest, b_.getInt32Ty())));
  for (size_t i = 0; i < reds.size(); ++i) {
    if (!lanes[i]) continue;
    const Reduction lane = lane_of(reds[i]);
    llvm::Type* t = value_type(c_, reds[i].operand);
    const auto width = static_cast<unsigned>(lane_count(reds[i]));
    auto* vector = llvm::FixedVectorType::get(t, width);
    Value* identity = b_.CreateVectorSplat(width, reduction_identity(b_, lane));
    // A chunk is as wide as the widest reduction's lanes; a narrower one takes it in parts.
    for (unsigned part = 0; part * width < chunk; ++part) {
      std::vector<int> picks;
      for (unsigned l = 0; l < width; ++l) picks.push_back(static_cast<int>(part * width + l));
      Value* values = b_.CreateAlignedLoad(
          vector, b_.CreateConstInBoundsGEP1_64(t, tail_tiles[i], part * width), llvm::Align(64));
      Value* v = b_.CreateSelect(b_.CreateShuffleVector(live, picks), values, identity);
      Value* acc = b_.CreateAlignedLoad(vector, lanes[i], llvm::Align(64));
      b_.CreateAlignedStore(reduction_combine(b_, lane, acc, v, false), lanes[i], llvm::Align(64));
    }
  }
  BasicBlock* tail_end = b_.GetInsertBlock();
  b_.CreateBr(fold);
  b_.SetInsertPoint(fold);
  const Values chunk_state = merge(state, before_tail, with_tail, tail_end);
  std::vector<Value*> chunk_parts(reds.size(), nullptr);
  for (size_t i = 0; i < reds.size(); ++i) {
    if (!lanes[i]) continue;
    const auto width = static_cast<unsigned>(lane_count(reds[i]));
    auto* vector = llvm::FixedVectorType::get(value_type(c_, reds[i].operand), width);
    chunk_parts[i] =
        fold_lanes(lane_of(reds[i]), b_.CreateAlignedLoad(vector, lanes[i], llvm::Align(64)));
  }
  BasicBlock* chunked_end = b_.GetInsertBlock();
  b_.CreateBr(join);

  b_.SetInsertPoint(join);
  Values out = merge(Values(seq.begin(), seq.begin() + carried.size()), sequential_end, chunk_state,
                     chunked_end);
  size_t extra = carried.size();
  for (size_t i = 0; i < reds.size(); ++i) {
    if (!lanes[i]) continue;
    llvm::PHINode* p = b_.CreatePHI(value_type(c_, reds[i].operand), 2);
    p->addIncoming(seq[extra++], sequential_end);
    p->addIncoming(chunk_parts[i], chunked_end);
    parts[i] = p;
  }
  return out;
}

// One element of the reduced walk: the body, then every reduction takes its operand:
// order-sensitive ones store it in their tile (at r_flat - block_start), the others fold it in.
KernelBuilder::Values KernelBuilder::accumulate_element(const std::vector<Reduction>& reds,
                                                        Value* j, Value* r_flat, const Values& cur,
                                                        const Values& bases, uint32_t last,
                                                        const std::vector<Value*>& tiles,
                                                        Value* block_start) {
  Value* fails = body_.emit(element_level_,
                            env_at([&](uint32_t a) { return inner_index(a, bases[a], j, last); }));
  store_element_outputs(r_flat);
  Values next;
  size_t at = 0;
  for (size_t i = 0; i < reds.size(); ++i) {
    const Reduction& r = reds[i];
    const size_t width = r.with_index() ? 2 : 1;
    Value* v = body_.value(ir_.instrs[r.instr].args[0]);
    if (!tiles.empty() && tiles[i]) {
      llvm::Type* t = value_type(c_, r.operand);
      b_.CreateStore(v, b_.CreateInBoundsGEP(t, tiles[i], b_.CreateSub(r_flat, block_start)));
      next.push_back(cur[at]);
    } else if (order_sensitive(r) && tiles.empty()) {
      next.push_back(cur[at]);  // the caller takes it (lanes_block)
    } else {
      const Values updated = accumulate(r, {cur.begin() + at, cur.begin() + at + width}, v, r_flat);
      next.insert(next.end(), updated.begin(), updated.end());
    }
    at += width;
  }
  next.push_back(or_errors(cur.back(), fails));
  return next;
}

void KernelBuilder::store_element_outputs(Value* r_flat) {
  for (size_t o = 0; o < ir_.outputs.size(); ++o) {
    const ir::Output& out = ir_.outputs[o];
    if (!out.element) continue;
    store(o, outputs_[o], memory_type(c_, out.dtype), b_.CreateAdd(element_row_, r_flat),
          body_.to_memory(body_.value(out.instr), out.dtype));
  }
}

// ReduceOuter main: initialise the accumulator row for outputs [begin, end), then for each
// reduced position (a scalar walk) update the whole row (the vectorized inner loop).
Value* KernelBuilder::build_outer_main() {
  const std::vector<Reduction> reds = reductions_of(ir_);
  const uint32_t rr = ir_.rank - ir_.kept_rank, last = ir_.rank - 1;
  Value* r_begin = extra(0);
  Value* r_end = extra(1);
  Value* row_offset = b_.CreateMul(extra(2), kept_size());
  walk(
      rr, ir_.rank, begin_, end_, false, {}, [](const Values&) {},
      [&](Value*, Value* o_flat, const Values&) -> Values {
        Value* position = b_.CreateAdd(row_offset, o_flat);
        for (const Reduction& r : reds) {
          store(acc_written(r.slot), accumulators_[r.slot], acc_type(r), position,
                body_.to_memory(reduction_identity(b_, r), r.acc));
          if (r.with_index())
            store(acc_written(r.slot + 1), accumulators_[r.slot + 1], b_.getInt64Ty(), position,
                  reduction_index_identity(b_));
        }
        return {};
      });
  emit_level(0, offsets_);
  Values bases_r, bases_o;
  const Values out = walk(
      0, rr, r_begin, r_end, true, {no_errors()},
      [&](const Values& idx) {
        bases_r = advance(offsets_, 0, rr, idx);
        emit_level(1, bases_r);
      },
      [&](Value*, Value* r_flat, const Values& c) -> Values {
        return walk(
            rr, ir_.rank, begin_, end_, false, {c[0]},
            [&](const Values& idx) {
              bases_o = advance(bases_r, rr, last, idx);
              emit_level(2, bases_o);
            },
            [&](Value* j, Value* o_flat, const Values& cur) -> Values {
              Value* fails = body_.emit(element_level_, env_at([&](uint32_t a) {
                                          return inner_index(a, bases_o[a], j, last);
                                        }));
              Value* position = b_.CreateAdd(row_offset, o_flat);
              for (const Reduction& r : reds) {
                Values acc{body_.from_memory(
                    load_written(acc_written(r.slot), accumulators_[r.slot], acc_type(r), position),
                    r.acc)};
                if (r.with_index())
                  acc.push_back(load_written(acc_written(r.slot + 1), accumulators_[r.slot + 1],
                                             b_.getInt64Ty(), position));
                const Values updated =
                    accumulate(r, acc, body_.value(ir_.instrs[r.instr].args[0]), r_flat);
                store(acc_written(r.slot), accumulators_[r.slot], acc_type(r), position,
                      body_.to_memory(updated[0], r.acc));
                if (r.with_index())
                  store(acc_written(r.slot + 1), accumulators_[r.slot + 1], b_.getInt64Ty(),
                        position, updated[1]);
              }
              return {or_errors(cur[0], fails)};
            });
      });
  return out[0];
}

// Finish: fold accumulator rows 1..extra[0]-1 into row 0, then for outputs [begin, end)
// turn accumulators into results, compute the ops on them, and store.
Value* KernelBuilder::build_finish() {
  const std::vector<Reduction> reds = reductions_of(ir_);
  const uint32_t kb = ir_.kept_begin(), ke = kb + ir_.kept_rank, last = ke - 1;
  Value* splits = extra(0);
  Value* row_size = kept_size();
  walk(
      0, 1, b_.getInt64(1), splits, false, {}, [](const Values&) {},
      [&](Value*, Value* split, const Values&) -> Values {
        Value* row = b_.CreateMul(split, row_size);
        walk(
            kb, ke, begin_, end_, false, {}, [](const Values&) {},
            [&](Value*, Value* o_flat, const Values&) -> Values {
              Value* other = b_.CreateAdd(row, o_flat);
              for (const Reduction& r : reds) fold_rows(r, o_flat, other);
              return {};
            });
        return {};
      });
  emit_level(0, offsets_);
  Values bases;
  const Values out = walk(
      kb, ke, begin_, end_, false, {no_errors()},
      [&](const Values& idx) {
        bases = advance(offsets_, kb, last, idx);
        emit_level(1, bases);
      },
      [&](Value* j, Value* o_flat, const Values& c) -> Values {
        for (const Reduction& r : reds) body_.set_value(r.instr, result(r, o_flat));
        Value* fails = body_.emit(
            element_level_, env_at([&](uint32_t a) { return inner_index(a, bases[a], j, last); }));
        store_outputs(o_flat);
        return {or_errors(c[0], fails)};
      });
  return out[0];
}

// row 0 at `position` = combine(row 0, the row holding `other`).
void KernelBuilder::fold_rows(const Reduction& r, Value* position, Value* other) {
  auto load_acc = [&](uint32_t slot, llvm::Type* ty, Value* at) {
    return load_written(acc_written(slot), accumulators_[slot], ty, at);
  };
  Value* a = body_.from_memory(load_acc(r.slot, acc_type(r), position), r.acc);
  Value* x = body_.from_memory(load_acc(r.slot, acc_type(r), other), r.acc);
  if (!r.with_index()) {
    store(acc_written(r.slot), accumulators_[r.slot], acc_type(r), position,
          body_.to_memory(reduction_combine(b_, r, a, x, !order_sensitive(r)), r.acc));
    return;
  }
  Value* ai = load_acc(r.slot + 1, b_.getInt64Ty(), position);
  Value* xi = load_acc(r.slot + 1, b_.getInt64Ty(), other);
  Value* take = reduction_better(b_, r, a, ai, x, xi);
  store(acc_written(r.slot), accumulators_[r.slot], acc_type(r), position,
        body_.to_memory(b_.CreateSelect(take, x, a), r.acc));
  store(acc_written(r.slot + 1), accumulators_[r.slot + 1], b_.getInt64Ty(), position,
        b_.CreateSelect(take, xi, ai));
}

// The result of reduction `r` for output `o_flat` from accumulator row 0.
Value* KernelBuilder::result(const Reduction& r, Value* o_flat) {
  if (r.with_index())
    return load_written(acc_written(r.slot + 1), accumulators_[r.slot + 1], b_.getInt64Ty(),
                        o_flat);
  Value* acc = body_.from_memory(
      load_written(acc_written(r.slot), accumulators_[r.slot], acc_type(r), o_flat), r.acc);
  return body_.cast(acc, r.acc, r.result);
}

}  // namespace kiln::jit::loops
