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
  if (!r.with_index()) return {reduction_combine(b_, r, acc[0], x)};
  Value* take = reduction_better(b_, r, acc[0], acc[1], x, r_flat);
  return {b_.CreateSelect(take, x, acc[0]), b_.CreateSelect(take, r_flat, acc[1])};
}

Value* KernelBuilder::kept_size() {
  Value* n = b_.getInt64(1);
  for (uint32_t d = ir_.kept_begin(); d < ir_.kept_begin() + ir_.kept_rank; ++d)
    n = b_.CreateMul(n, dims_[d]);
  return n;
}

bool KernelBuilder::blocked(const Reduction& r) {
  return r.op == Op::Sum && r.operand == DType::float32;
}

// ReduceInner main: for each output (a scalar walk over the kept dimensions), accumulate in
// registers over reduced positions [extra[0], extra[1]), then write the accumulator row.
Value* KernelBuilder::build_inner_main() {
  const std::vector<Reduction> reds = reductions_of(ir_);
  const uint32_t k = ir_.kept_rank, last = ir_.rank - 1;
  Value* r_begin = extra(0);
  Value* r_end = extra(1);
  Value* row_offset = b_.CreateMul(extra(2), kept_size());
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
        bool any_blocked = false;
        for (const Reduction& r : reds) any_blocked |= blocked(r);
        const Values acc =
            any_blocked
                ? blocked_walk(reds, r_begin, r_end, carried, bases_o, bases_r)
                : walk(
                      k, ir_.rank, r_begin, r_end, false, carried,
                      [&](const Values& idx) {
                        bases_r = advance(bases_o, k, last, idx);
                        emit_level(2, bases_r);
                      },
                      [&](Value* j, Value* r_flat, const Values& cur) -> Values {
                        return accumulate_element(reds, j, r_flat, cur, bases_r, last, false);
                      });
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

// The reduced walk of build_inner_main in blocks of kSumBlock positions: blocked sums restart
// at float32 zero in each block and are folded into their float64 totals after it.
KernelBuilder::Values KernelBuilder::blocked_walk(const std::vector<Reduction>& reds,
                                                  Value* r_begin, Value* r_end,
                                                  const Values& carried, const Values& bases_o,
                                                  Values& bases_r) {
  const uint32_t k = ir_.kept_rank, last = ir_.rank - 1;
  return walk(
      0, 1, b_.getInt64(0), block_count(r_begin, r_end), false, carried, [](const Values&) {},
      [&](Value*, Value* block, const Values& outer) -> Values {
        Value* from = b_.CreateAdd(r_begin, b_.CreateMul(block, b_.getInt64(kSumBlock)));
        Value* to = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, r_end,
                                             b_.CreateAdd(from, b_.getInt64(kSumBlock)));
        Values inner_start = outer;
        size_t at = 0;
        for (const Reduction& r : reds) {
          if (blocked(r)) inner_start[at] = llvm::ConstantFP::get(b_.getFloatTy(), 0.0);
          at += r.with_index() ? 2 : 1;
        }
        Values inner = walk(
            k, ir_.rank, from, to, false, inner_start,
            [&](const Values& idx) {
              bases_r = advance(bases_o, k, last, idx);
              emit_level(2, bases_r);
            },
            [&](Value* j, Value* r_flat, const Values& cur) {
              return accumulate_element(reds, j, r_flat, cur, bases_r, last, true);
            });
        at = 0;
        for (const Reduction& r : reds) {
          if (blocked(r))
            inner[at] =
                reduction_combine(b_, r, outer[at], b_.CreateFPExt(inner[at], b_.getDoubleTy()));
          at += r.with_index() ? 2 : 1;
        }
        return inner;
      });
}

Value* KernelBuilder::block_count(Value* r_begin, Value* r_end) {
  Value* span = b_.CreateSub(r_end, r_begin);
  return b_.CreateSDiv(b_.CreateAdd(span, b_.getInt64(kSumBlock - 1)), b_.getInt64(kSumBlock));
}

// One element of the reduced walk: the body, then every reduction folds its operand in.
// `float32_blocks`: blocked sums add in float32 (their carried value is a float32 partial).
KernelBuilder::Values KernelBuilder::accumulate_element(const std::vector<Reduction>& reds,
                                                        Value* j, Value* r_flat, const Values& cur,
                                                        const Values& bases, uint32_t last,
                                                        bool float32_blocks) {
  Value* fails = body_.emit(element_level_,
                            env_at([&](uint32_t a) { return inner_index(a, bases[a], j, last); }));
  Values next;
  size_t at = 0;
  for (const Reduction& r : reds) {
    const size_t width = r.with_index() ? 2 : 1;
    Value* v = body_.value(ir_.instrs[r.instr].args[0]);
    if (float32_blocks && blocked(r)) {
      next.push_back(reduction_combine(b_, r, cur[at], v));
    } else {
      const Values updated = accumulate(r, {cur.begin() + at, cur.begin() + at + width}, v, r_flat);
      next.insert(next.end(), updated.begin(), updated.end());
    }
    at += width;
  }
  next.push_back(or_errors(cur.back(), fails));
  return next;
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
          body_.to_memory(reduction_combine(b_, r, a, x), r.acc));
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
