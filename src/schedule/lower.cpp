#include "schedule/lower.hpp"

#include <algorithm>

#include "graph/errors.hpp"
#include "graph/payload.hpp"
#include "graph/reference.hpp"
#include "graph/view.hpp"

namespace kiln::schedule {

namespace {

using graph::Dims;
using graph::GNode;
using graph::Layout;
using graph::Op;
using ir::Access;
using ir::Instr;
using ir::InstrKind;

// Where a node lives: in the iteration space (map kernels, and the operands of reductions), or
// in the space of a reduction's results (what a reduction kernel computes at finish).
enum class Space { Main, Finish };

// An access before dimension collapsing: element strides per iteration dimension (in the
// operand's original dimension order) and an element offset.
struct RawAccess {
  Dims strides;
  int64_t offset;
  bool is_buffer;
  DType dtype;
  InputRef source;
};

class Lowering {
 public:
  Lowering(const graph::Graph& g, const Dims& iteration, const std::vector<char>& stored_earlier,
           const std::vector<Window>& windows)
      : g_(g),
        iter_(iteration),
        stored_earlier_(stored_earlier),
        windows_(windows),
        memo_main_(g.nodes.size(), -1),
        memo_finish_(g.nodes.size(), -1) {}

  // For reduction kernels: the reduced axes, and the shape of the results (finish space).
  void set_reduction(uint64_t mask, const Dims& result_shape) {
    mask_ = mask;
    result_shape_ = result_shape;
    for (int d = 0; d < iter_.rank(); ++d)
      if (!(mask >> d & 1)) kept_dims_.push_back(d);
  }

  uint32_t visit(int32_t root, Space space) {
    std::vector<int32_t>& memo = space == Space::Main ? memo_main_ : memo_finish_;
    if (memo[root] >= 0) return static_cast<uint32_t>(memo[root]);
    struct Frame {
      int32_t node;
      int next;
    };
    std::vector<Frame> stack{{root, 0}};
    while (!stack.empty()) {
      Frame& f = stack.back();
      const GNode& n = g_.nodes[f.node];
      const bool expand = graph::is_elementwise(n.op) && !stored_earlier_[f.node];
      if (expand && f.next < n.nargs) {
        const int32_t a = n.args[f.next++];
        if (memo[a] < 0) stack.push_back({a, 0});
        continue;
      }
      const int32_t node = f.node;
      stack.pop_back();
      memo[node] = static_cast<int32_t>(lower_node(node, space, memo));
    }
    return static_cast<uint32_t>(memo[root]);
  }

  void add_output(int32_t node, uint32_t instr, bool element = false) {
    const Window& w = windows_[node];
    out_.stores.push_back(node);
    out_.windows.push_back(w);
    ir::Output o;
    o.instr = instr;
    o.dtype = g_.nodes[node].dtype;
    o.element = element;
    KILN_CHECK(!element || (w.base < 0 && reduction_walks_in_order(iter_, mask_) &&
                            g_.nodes[node].shape == iter_),
               "an element output that is not a map walked in order by its reduction");
    if (w.strided()) {  // a map kernel over the node's shape: strides per iteration dimension
      KILN_CHECK(mask_ == 0 && kept_dims_.empty() && w.strides.rank() == iter_.rank(),
                 "a strided window on a result that is not a map kernel's");
      o.window = 1;
      Dims strides = w.strides;
      for (int d = 0; d < iter_.rank(); ++d)
        if (iter_[d] == 1) strides[d] = 0;
      window_strides_.push_back(std::move(strides));
    }
    out_.ir.outputs.push_back(o);
    if (out_.stores.size() == 1) out_.loc = g_.nodes[node].loc;
  }

  // A map kernel over iter_ (the outputs' shape).
  KernelLaunch finish_map() {
    std::vector<int> order;
    for (int d = 0; d < iter_.rank(); ++d) order.push_back(d);
    collapse(order, std::vector<char>(order.size(), 0));
    out_.size = iter_.size();
    return finalize();
  }

  // A reduction kernel: kept dimensions first when the innermost non-trivial dimension is
  // reduced (each output reduces contiguous runs), reduced first otherwise (rows of outputs
  // accumulate together, walking memory in order either way).
  KernelLaunch finish_reduce() {
    int innermost = -1;
    for (int d = 0; d < iter_.rank(); ++d)
      if (iter_[d] > 1) innermost = d;
    const bool inner = innermost < 0 || (mask_ >> innermost & 1);
    out_.ir.kind = inner ? ir::KernelKind::ReduceInner : ir::KernelKind::ReduceOuter;
    std::vector<int> order;
    std::vector<char> reduced;
    for (int pass = 0; pass < 2; ++pass) {
      const bool want_reduced = (pass == 0) != inner;
      for (int d = 0; d < iter_.rank(); ++d) {
        if (((mask_ >> d & 1) != 0) != want_reduced) continue;
        order.push_back(d);
        reduced.push_back(want_reduced);
      }
    }
    collapse(order, reduced);
    out_.size = 1;
    out_.reduce_size = 1;
    for (int d = 0; d < iter_.rank(); ++d)
      ((mask_ >> d & 1) ? out_.reduce_size : out_.size) *= iter_[d];
    return finalize();
  }

 private:
  // The status bit (plus one) for a run-time error: equal sources share one (a gather in a
  // loop body), and past 63 distinct ones the last bit says which ops may have failed.
  uint64_t error_bit(ErrorSource e) {
    auto& sources = out_.error_sources;
    for (size_t b = 0; b < sources.size(); ++b)
      if (sources[b].op == e.op && sources[b].message == e.message &&
          sources[b].loc.file == e.loc.file && sources[b].loc.line == e.loc.line)
        return b + 1;
    constexpr size_t kBits = 64;
    if (sources.size() + 1 < kBits) {
      sources.push_back(std::move(e));
      return sources.size();
    }
    if (sources.size() + 1 == kBits)
      sources.push_back({e.op,
                         "an index is out of bounds, or an integer was raised to a negative "
                         "power, in one of this kernel's later operations",
                         e.loc});
    return kBits;
  }

  uint32_t emit(Instr i) {
    out_.ir.instrs.push_back(i);
    return static_cast<uint32_t>(out_.ir.instrs.size() - 1);
  }
  uint32_t compute(Op op, DType t, std::initializer_list<uint32_t> args) {
    Instr i;
    i.kind = InstrKind::Compute;
    i.op = op;
    i.dtype = t;
    i.nargs = static_cast<uint8_t>(args.size());
    int k = 0;
    for (uint32_t a : args) i.args[k++] = a;
    return emit(i);
  }
  uint32_t param(DType t, uint64_t bits) {
    Instr i;
    i.kind = InstrKind::Param;
    i.dtype = t;
    i.imm = scalar_params_.size();
    scalar_params_.push_back(bits);
    return emit(i);
  }
  uint32_t constant(DType t, uint64_t bits) {
    if (t == DType::complex128) {  // no 64-bit form: complex(re, im) of float64 parts
      KILN_CHECK(bits == 0, "a complex128 constant other than the placeholder zero");
      const uint32_t zero = constant(DType::float64, 0);
      return compute(Op::MakeComplex, DType::complex128, {zero, zero});
    }
    Instr i;
    i.kind = InstrKind::Const;
    i.dtype = t;
    i.imm = bits;
    return emit(i);
  }
  uint32_t cast_to(uint32_t v, DType t) {
    return out_.ir.instrs[v].dtype == t ? v : compute(Op::Cast, t, {v});
  }

  // Strides per iteration dimension of an operand of shape `shape` read with `strides` per
  // shape dimension, in `space` (broadcast dimensions get stride 0).
  Dims iteration_strides(const Dims& shape, const Dims& strides, Space space) const {
    const Dims& ref = space == Space::Main ? iter_ : result_shape_;
    Dims aligned;
    aligned.resize(ref.rank(), 0);
    const int off = ref.rank() - shape.rank();
    for (int d = 0; d < shape.rank(); ++d) aligned[off + d] = shape[d] == 1 ? 0 : strides[d];
    if (space == Space::Main || result_shape_.rank() == iter_.rank()) return aligned;  // keepdims
    Dims out;
    out.resize(iter_.rank(), 0);
    for (int i = 0; i < aligned.rank(); ++i) out[kept_dims_[i]] = aligned[i];
    return out;
  }

  uint32_t access(bool is_buffer, DType t, InputRef src, const Dims& shape, const Layout& layout,
                  Space space) {
    const Dims strides = iteration_strides(shape, layout.strides, space);
    for (size_t a = 0; a < raw_.size(); ++a) {
      const RawAccess& r = raw_[a];
      if (r.is_buffer == is_buffer && r.strides == strides && r.offset == layout.offset &&
          (!is_buffer ||
           (r.dtype == t && r.source.data == src.data && r.source.produced_by == src.produced_by)))
        return static_cast<uint32_t>(a);
    }
    raw_.push_back({strides, layout.offset, is_buffer, t, std::move(src)});
    return static_cast<uint32_t>(raw_.size() - 1);
  }

  uint32_t load(DType t, InputRef src, const Dims& shape, const Layout& layout, Space space) {
    Instr i;
    i.kind = InstrKind::Load;
    i.dtype = t;
    i.imm = access(true, t, std::move(src), shape, layout, space);
    return emit(i);
  }
  uint32_t index(const Dims& shape, const Layout& layout, Space space) {
    Instr i;
    i.kind = InstrKind::Index;
    i.dtype = DType::int64;
    i.imm = access(false, DType::int64, {}, shape, layout, space);
    return emit(i);
  }

  // The creation functions as index expressions (the same formulas as the reference
  // interpreter's leaf_value_bits, written as IR); `i` is the element's flat index in the leaf.
  uint32_t lower_leaf(const GNode& n, const Dims& shape, const Layout& layout, Space space) {
    const DType t = n.dtype;
    switch (n.op) {
      case Op::Full:
        if (n.source >= 0)
          out_.relocations.push_back({static_cast<uint32_t>(scalar_params_.size()), n.source});
        else if (n.source != graph::kFixedConstant)
          out_.derived_scalars = true;
        return param(t, n.payload.v[0]);
      case Op::Arange: {
        const uint32_t i = cast_to(index(shape, layout, space), t);
        const uint32_t delta = param(t, n.payload.v[1]);
        return compute(Op::Add, t,
                       {param(t, n.payload.v[0]), compute(Op::Multiply, t, {i, delta})});
      }
      case Op::Linspace: {
        const auto tail = graph::LinspaceTail::unpack(n.payload.v[3]);
        const DType f = DType::float64;
        const uint32_t i = index(shape, layout, space);
        const uint32_t fi = cast_to(i, f);
        const uint32_t mult = param(f, n.payload.v[1]);
        uint32_t y;
        if (tail.tiny_step) {
          const uint32_t div = param(f, graph::to_bits(static_cast<double>(tail.div())));
          y = compute(Op::Multiply, f, {compute(Op::Divide, f, {fi, div}), mult});
        } else {
          y = compute(Op::Multiply, f, {fi, mult});
        }
        y = compute(Op::Add, f, {y, param(f, n.payload.v[0])});
        const uint32_t is_last =
            compute(Op::Equal, DType::bool_, {i, param(DType::int64, graph::to_bits(tail.last()))});
        y = compute(Op::Where, f, {is_last, param(f, n.payload.v[2]), y});
        if (is_integer(t)) y = compute(Op::Floor, f, {y});
        return cast_to(y, t);
      }
      case Op::Eye: {
        const uint32_t i = index(shape, layout, space);
        const uint32_t r =
            compute(Op::Remainder, DType::int64, {i, param(DType::int64, n.payload.v[0])});
        return cast_to(compute(Op::Equal, DType::bool_, {r, constant(DType::int64, 0)}), t);
      }
      default:
        break;
    }
    graph::internal_error(__FILE__, __LINE__, "unknown leaf op");
  }

  // A leaf, a stored result or a view of one, read with `layout` over its flat index.
  uint32_t read(int32_t idx, const Dims& shape, const Layout& layout, Space space) {
    const GNode& n = g_.nodes[idx];
    if (n.op == Op::Data) {
      KILN_CHECK(n.source >= 0, "a data node without its captured index");
      return load(n.dtype, {n.source, -1}, shape, layout, space);
    }
    if (stored_earlier_[idx]) return load(n.dtype, {-1, idx}, shape, layout, space);
    // An empty array is never stored; a kernel can only meet it inside a reduction over an
    // empty axis, whose loop body never runs.
    if (n.shape.size() == 0) return constant(n.dtype, 0);
    KILN_CHECK(graph::is_leaf(n.op), "a view's operand was neither stored nor a leaf");
    return lower_leaf(n, shape, layout, space);
  }

  uint32_t lower_node(int32_t idx, Space space, const std::vector<int32_t>& memo) {
    const GNode& n = g_.nodes[idx];
    if (n.shape.size() == 0 && !stored_earlier_[idx] && n.op != Op::Data)
      return constant(n.dtype, 0);  // never read: see read()
    if (n.op == Op::Data || stored_earlier_[idx] || graph::is_leaf(n.op))
      return read(idx, n.shape, graph::identity_layout(n.shape), space);
    if (n.op == Op::View)
      return read(n.args[0], n.shape, {static_cast<int64_t>(n.payload.v[0]), n.strides}, space);
    if (graph::is_gather(n.op)) return lower_gather(n, space);
    if (graph::is_reduction(n.op)) {
      KILN_CHECK(space == Space::Finish, "a reduction reached inside a kernel's iteration space");
      const uint32_t operand = visit(n.args[0], Space::Main);
      Instr r;
      r.kind = InstrKind::Reduce;
      r.op = n.op;
      r.dtype = n.dtype;
      r.nargs = 1;
      r.args[0] = operand;
      r.imm = next_accumulator_;
      next_accumulator_ += (n.op == Op::ArgMax || n.op == Op::ArgMin) ? 2 : 1;
      return emit(r);
    }
    Instr i;
    i.kind = InstrKind::Compute;
    i.op = n.op;
    i.dtype = n.dtype;
    i.nargs = n.nargs;
    for (int a = 0; a < n.nargs; ++a) i.args[a] = static_cast<uint32_t>(memo[n.args[a]]);
    const DType arg_dtype = g_.nodes[n.args[0]].dtype;
    if (n.op == Op::Power && is_integer(arg_dtype) && !is_unsigned(arg_dtype)) {
      i.imm = error_bit(
          {graph::op_info(n.op).fn, "integers to negative integer powers are not allowed", n.loc});
    }
    return emit(i);
  }

  // take / take_along_axis: the indices read at this position (through a broadcast), then the
  // operand (stored or data) at this position with the axis coordinate from the index.
  uint32_t lower_gather(const GNode& n, Space space) {
    const int axis = static_cast<int>(n.payload.v[0]);
    const int32_t src = n.args[0], idx = n.args[1];
    const GNode &a = g_.nodes[src], &in = g_.nodes[idx];
    const Dims ca = graph::contiguous_strides(a.shape), ci = graph::contiguous_strides(in.shape);
    const int r = n.shape.rank();
    Dims sa, si;  // strides per result dimension
    sa.resize(r, 0);
    si.resize(r, 0);
    if (n.op == Op::Take) {  // result dims: a's before the axis, the indices', a's after it
      const int k = in.shape.rank();
      for (int d = 0; d < axis; ++d) sa[d] = ca[d];
      for (int d = 0; d < k; ++d) si[axis + d] = ci[d];
      for (int d = axis + 1; d < a.shape.rank(); ++d) sa[d - 1 + k] = ca[d];
    } else {  // same rank, extent-1 dimensions broadcast
      for (int d = 0; d < r; ++d) {
        if (d != axis && a.shape[d] != 1) sa[d] = ca[d];
        if (in.shape[d] != 1) si[d] = ci[d];
      }
    }
    // Indices in a contiguous run of data (the scheduler leaves those where they are) are read
    // from the data, from the run's offset.
    const GNode& iv = in;
    const bool run = iv.op == Op::View && g_.nodes[iv.args[0]].op == Op::Data &&
                     !stored_earlier_[idx] && is_contiguous_view(iv);
    const uint32_t index =
        cast_to(run ? read(iv.args[0], n.shape, {static_cast<int64_t>(iv.payload.v[0]), si}, space)
                    : read(idx, n.shape, {0, si}, space),
                DType::int64);
    const InputRef from = a.op == Op::Data ? InputRef{a.source, -1} : InputRef{-1, src};
    KILN_CHECK(a.op == Op::Data || stored_earlier_[src], "a gather's operand is not in memory");
    Instr i;
    i.kind = InstrKind::Gather;
    i.dtype = n.dtype;
    i.nargs = 3;
    i.args[0] = index;
    i.args[1] = param(DType::int64, graph::to_bits(a.shape[axis]));
    i.args[2] = param(DType::int64, graph::to_bits(ca[axis]));
    const uint64_t bit =
        error_bit({graph::op_info(n.op).fn, graph::gather_error(n, a.shape), n.loc});
    i.imm = access(true, n.dtype, from, n.shape, {0, sa}, space) | bit << 32;
    return emit(i);
  }

  // Collapses the iteration space in loop order `order` (dimensions of iter_): drops extent-1
  // dimensions and merges neighbours of the same group (kept or reduced) that every access
  // walks contiguously; each group keeps at least one dimension.
  // Window outputs walk the iteration space too: merging two dimensions needs them contiguous
  // there as well.
  void collapse(const std::vector<int>& order, const std::vector<char>& group) {
    std::vector<const Dims*> walkers;
    for (const RawAccess& r : raw_) walkers.push_back(&r.strides);
    for (const Dims& w : window_strides_) walkers.push_back(&w);
    std::vector<int64_t> dims;
    std::vector<char> dim_group;
    std::vector<std::vector<int64_t>> strides(walkers.size());
    auto open_dim = [&](int64_t extent, char grp, int source) {
      dims.push_back(extent);
      dim_group.push_back(grp);
      for (size_t a = 0; a < walkers.size(); ++a)
        strides[a].push_back(source >= 0 ? (*walkers[a])[source] : 0);
    };
    for (size_t p = 0; p < order.size(); ++p) {
      const int d = order[p];
      if (iter_[d] == 1) continue;
      bool merge = !dims.empty() && dim_group.back() == group[p];
      for (size_t a = 0; a < walkers.size() && merge; ++a)
        merge = strides[a].back() == (*walkers[a])[d] * iter_[d];
      if (merge) {
        dims.back() *= iter_[d];
        for (size_t a = 0; a < walkers.size(); ++a) strides[a].back() = (*walkers[a])[d];
      } else {
        open_dim(iter_[d], group[p], d);
      }
    }
    const bool reduction = out_.ir.kind != ir::KernelKind::Map;
    if (!reduction) {
      if (dims.empty()) {  // one element: every access reads its element at "unit" stride
        open_dim(1, 0, -1);
        for (auto& s : strides) s.back() = 1;
      }
    } else {
      // Each group needs a dimension, even of extent 1 (reducing over extent-1 axes only, or
      // keeping none), placed where the loop order expects it.
      const char first = out_.ir.kind == ir::KernelKind::ReduceInner ? 0 : 1;  // kept = 0
      for (char grp : {first, static_cast<char>(!first)}) {
        if (std::find(dim_group.begin(), dim_group.end(), grp) != dim_group.end()) continue;
        const size_t at = grp == first ? 0 : dims.size();
        dims.insert(dims.begin() + static_cast<long>(at), 1);
        dim_group.insert(dim_group.begin() + static_cast<long>(at), grp);
        for (auto& s : strides) s.insert(s.begin() + static_cast<long>(at), 0);
      }
    }
    const int rank = static_cast<int>(dims.size());
    out_.ir.rank = static_cast<uint8_t>(rank);
    if (reduction)
      out_.ir.kept_rank = static_cast<uint8_t>(std::count(dim_group.begin(), dim_group.end(), 0));
    out_.params = std::move(scalar_params_);
    out_.ir.num_params = static_cast<uint32_t>(out_.params.size());
    for (int64_t e : dims) out_.params.push_back(static_cast<uint64_t>(e));
    for (size_t a = 0; a < raw_.size(); ++a) {
      Access acc;
      acc.dtype = raw_[a].dtype;
      acc.is_buffer = raw_[a].is_buffer;
      out_.params.push_back(static_cast<uint64_t>(raw_[a].offset));
      for (int d = 0; d < rank; ++d) {
        if (strides[a][d] == 0) continue;
        acc.varying |= 1u << d;
        out_.params.push_back(static_cast<uint64_t>(strides[a][d]));
      }
      const int64_t inner = strides[a][rank - 1];
      acc.inner = inner == 0 ? ir::Inner::None : inner == 1 ? ir::Inner::Unit : ir::Inner::Strided;
      out_.ir.accesses.push_back(acc);
      if (acc.is_buffer) out_.inputs.push_back(std::move(raw_[a].source));
    }
    size_t w = raw_.size();
    for (ir::Output& o : out_.ir.outputs) {
      if (!o.window) continue;
      const std::vector<int64_t>& ws = strides[w++];
      for (int64_t s : ws) out_.params.push_back(static_cast<uint64_t>(s));
      o.inner = ws.back() == 1 ? ir::Inner::Unit : ir::Inner::Strided;
    }
  }

  KernelLaunch finalize() {
    out_.ir.num_error_bits = static_cast<uint32_t>(out_.error_sources.size());
    out_.cost_per_element = out_.ir.cost_per_element();
    for (const Instr& i : out_.ir.instrs) {
      if (i.kind != InstrKind::Reduce) continue;
      const DType acc = ir::accumulator_dtype(i.op, out_.ir.instrs[i.args[0]].dtype);
      out_.accumulator_items.push_back(static_cast<uint8_t>(itemsize(acc)));
      if (i.op == Op::ArgMax || i.op == Op::ArgMin) out_.accumulator_items.push_back(8);  // index
    }
    const std::string problem = ir::validate(out_.ir);
    KILN_CHECK(problem.empty(),
               "scheduler produced invalid kernel IR: " + problem + "\n" + ir::to_text(out_.ir));
    return std::move(out_);
  }

  const graph::Graph& g_;
  const Dims& iter_;
  const std::vector<char>& stored_earlier_;
  const std::vector<Window>& windows_;  // where each node is stored
  std::vector<Dims> window_strides_;    // per window output, per iteration dimension
  std::vector<int32_t> memo_main_, memo_finish_;
  uint64_t mask_ = 0;
  Dims result_shape_;
  std::vector<int> kept_dims_;
  std::vector<RawAccess> raw_;
  std::vector<uint64_t> scalar_params_;
  uint32_t next_accumulator_ = 0;
  KernelLaunch out_;
};

}  // namespace

KernelLaunch lower_kernel(const graph::Graph& g, const std::vector<int32_t>& stores,
                          const graph::Dims& shape, const std::vector<char>& stored_earlier,
                          const std::vector<Window>& windows) {
  Lowering l(g, shape, stored_earlier, windows);
  for (int32_t s : stores) l.add_output(s, l.visit(s, Space::Main));
  return l.finish_map();
}

bool reduction_walks_in_order(const graph::Dims& shape, uint64_t mask) {
  int last_kept = -1, first_reduced = shape.rank();
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape[d] == 1) continue;
    if (mask >> d & 1)
      first_reduced = std::min(first_reduced, d);
    else
      last_kept = d;
  }
  // (With no axis longer than 1 the kernel is a ReduceInner over one element.)
  return last_kept < first_reduced && (first_reduced < shape.rank() || last_kept < 0);
}

KernelLaunch lower_reduce_kernel(const graph::Graph& g, const std::vector<int32_t>& stores,
                                 const graph::Dims& shape, uint64_t mask,
                                 const std::vector<char>& stored_earlier,
                                 const std::vector<Window>& windows,
                                 const std::vector<int32_t>& element_stores) {
  Lowering l(g, shape, stored_earlier, windows);
  l.set_reduction(mask, g.nodes[stores.front()].shape);
  for (int32_t s : stores) l.add_output(s, l.visit(s, Space::Finish));
  for (int32_t s : element_stores) l.add_output(s, l.visit(s, Space::Main), /*element=*/true);
  return l.finish_reduce();
}

}  // namespace kiln::schedule
