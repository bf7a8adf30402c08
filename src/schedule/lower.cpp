#include "schedule/lower.hpp"

#include "graph/errors.hpp"
#include "graph/payload.hpp"

namespace kiln::schedule {

namespace {

using graph::Dims;
using graph::GNode;
using graph::Op;
using ir::Access;
using ir::Instr;
using ir::InstrKind;

// An access before dimension collapsing: its element strides relative to the kernel's shape.
struct RawAccess {
  Dims strides;     // per kernel dimension; 0 where broadcast
  bool is_buffer;   // Load or Index
  DType dtype;      // element dtype (buffers)
  InputRef source;  // buffers only
  Dims leaf_shape;  // for merging equal accesses
};

class Lowering {
 public:
  Lowering(const graph::Graph& g, const Dims& shape, const std::vector<char>& stored_earlier)
      : g_(g), shape_(shape), stored_earlier_(stored_earlier), memo_(g.nodes.size(), -1) {}

  KernelLaunch run(const std::vector<int32_t>& stores) {
    out_.stores = stores;
    out_.size = shape_.size();
    out_.loc = g_.nodes[stores.front()].loc;
    for (int32_t s : stores) {
      const uint32_t v = visit(s);
      out_.ir.outputs.push_back({v, g_.nodes[s].dtype});
    }
    finish_accesses();
    out_.ir.num_params = num_scalar_params_;
    out_.ir.num_error_bits = static_cast<uint32_t>(out_.error_sources.size());
    const std::string problem = ir::validate(out_.ir);
    KILN_CHECK(problem.empty(),
               "scheduler produced invalid kernel IR: " + problem + "\n" + ir::to_text(out_.ir));
    return std::move(out_);
  }

 private:
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
    i.imm = num_scalar_params_++;
    scalar_params_.push_back(bits);
    return emit(i);
  }
  uint32_t constant(DType t, uint64_t bits) {
    Instr i;
    i.kind = InstrKind::Const;
    i.dtype = t;
    i.imm = bits;
    return emit(i);
  }
  uint32_t cast_to(uint32_t v, DType t) {
    return out_.ir.instrs[v].dtype == t ? v : compute(Op::Cast, t, {v});
  }

  // Strides with which a contiguous array of `leaf` shape is read in this kernel's space.
  Dims broadcast_strides(const Dims& leaf) const {
    const Dims cs = graph::contiguous_strides(leaf);
    Dims s;
    s.resize(shape_.rank(), 0);
    const int off = shape_.rank() - leaf.rank();
    for (int d = 0; d < leaf.rank(); ++d) s[off + d] = leaf[d] == 1 ? 0 : cs[d];
    return s;
  }

  uint32_t access(bool is_buffer, DType t, InputRef src, const Dims& leaf) {
    for (size_t a = 0; a < raw_.size(); ++a) {
      const RawAccess& r = raw_[a];
      if (r.is_buffer == is_buffer && r.leaf_shape == leaf &&
          (!is_buffer || (r.dtype == t && r.source.buffer == src.buffer &&
                          r.source.produced_by == src.produced_by)))
        return static_cast<uint32_t>(a);
    }
    raw_.push_back({broadcast_strides(leaf), is_buffer, t, std::move(src), leaf});
    return static_cast<uint32_t>(raw_.size() - 1);
  }

  uint32_t load(const GNode& n, InputRef src) {
    Instr i;
    i.kind = InstrKind::Load;
    i.dtype = n.dtype;
    i.imm = access(true, n.dtype, std::move(src), n.shape);
    return emit(i);
  }
  uint32_t index(const Dims& leaf) {
    Instr i;
    i.kind = InstrKind::Index;
    i.dtype = DType::int64;
    i.imm = access(false, DType::int64, {}, leaf);
    return emit(i);
  }

  // The creation functions as index expressions (the same formulas as the reference
  // interpreter's leaf_value_bits, written as IR).
  uint32_t lower_leaf(const GNode& n) {
    const DType t = n.dtype;
    switch (n.op) {
      case Op::Full:
        return param(t, n.payload.v[0]);
      case Op::Arange: {
        const uint32_t i = cast_to(index(n.shape), t);
        const uint32_t delta = param(t, n.payload.v[1]);
        return compute(Op::Add, t,
                       {param(t, n.payload.v[0]), compute(Op::Multiply, t, {i, delta})});
      }
      case Op::Linspace: {
        const auto tail = graph::LinspaceTail::unpack(n.payload.v[3]);
        const DType f = DType::float64;
        const uint32_t i = index(n.shape);
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
        if (t == DType::int32 || t == DType::int64) y = compute(Op::Floor, f, {y});
        return cast_to(y, t);
      }
      case Op::Eye: {
        const uint32_t i = index(n.shape);
        const uint32_t r =
            compute(Op::Remainder, DType::int64, {i, param(DType::int64, n.payload.v[0])});
        const uint32_t diag = compute(Op::Equal, DType::bool_, {r, constant(DType::int64, 0)});
        return cast_to(diag, t);
      }
      default:
        break;
    }
    graph::internal_error(__FILE__, __LINE__, "unknown leaf op");
  }

  uint32_t lower_node(int32_t idx) {
    const GNode& n = g_.nodes[idx];
    if (n.op == Op::Data) return load(n, {n.buffer, -1});
    if (stored_earlier_[idx]) return load(n, {nullptr, idx});
    if (graph::is_leaf(n.op)) return lower_leaf(n);
    Instr i;
    i.kind = InstrKind::Compute;
    i.op = n.op;
    i.dtype = n.dtype;
    i.nargs = n.nargs;
    for (int a = 0; a < n.nargs; ++a) i.args[a] = static_cast<uint32_t>(memo_[n.args[a]]);
    const DType arg_dtype = g_.nodes[n.args[0]].dtype;
    if (n.op == Op::Power && (arg_dtype == DType::int32 || arg_dtype == DType::int64)) {
      out_.error_sources.push_back(
          {graph::op_info(n.op).fn, "integers to negative integer powers are not allowed", n.loc});
      i.imm = out_.error_sources.size();  // error bit + 1
    }
    return emit(i);
  }

  // Post-order walk without recursion (expression chains can be very deep).
  uint32_t visit(int32_t root) {
    if (memo_[root] >= 0) return static_cast<uint32_t>(memo_[root]);
    struct Frame {
      int32_t node;
      int next;
    };
    std::vector<Frame> stack{{root, 0}};
    while (!stack.empty()) {
      Frame& f = stack.back();
      const GNode& n = g_.nodes[f.node];
      const bool expand = n.op != Op::Data && !stored_earlier_[f.node] && !graph::is_leaf(n.op);
      if (expand && f.next < n.nargs) {
        const int32_t a = n.args[f.next++];
        if (memo_[a] < 0) stack.push_back({a, 0});
        continue;
      }
      memo_[f.node] = static_cast<int32_t>(lower_node(f.node));
      stack.pop_back();
    }
    return static_cast<uint32_t>(memo_[root]);
  }

  // Collapses the iteration space (drops size-1 dimensions, merges dimensions every access
  // walks contiguously), then writes accesses and the parameter block.
  void finish_accesses() {
    std::vector<int64_t> dims;
    std::vector<std::vector<int64_t>> strides(raw_.size());  // per access, per collapsed dim
    for (int d = 0; d < shape_.rank(); ++d) {
      const int64_t extent = shape_[d];
      if (extent == 1) continue;
      bool merge = !dims.empty();
      for (size_t a = 0; a < raw_.size() && merge; ++a)
        merge = strides[a].back() == raw_[a].strides[d] * extent;
      if (merge) {
        dims.back() *= extent;
        for (size_t a = 0; a < raw_.size(); ++a) strides[a].back() = raw_[a].strides[d];
      } else {
        dims.push_back(extent);
        for (size_t a = 0; a < raw_.size(); ++a) strides[a].push_back(raw_[a].strides[d]);
      }
    }
    if (dims.empty()) {  // one element: every access reads its element 0 at "unit" stride
      dims.push_back(1);
      for (auto& s : strides) s.push_back(1);
    }
    const int rank = static_cast<int>(dims.size());
    out_.ir.rank = static_cast<uint8_t>(rank);
    out_.params = std::move(scalar_params_);
    for (int64_t e : dims) out_.params.push_back(static_cast<uint64_t>(e));
    for (size_t a = 0; a < raw_.size(); ++a) {
      Access acc;
      acc.dtype = raw_[a].dtype;
      acc.is_buffer = raw_[a].is_buffer;
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
  }

  const graph::Graph& g_;
  const Dims& shape_;
  const std::vector<char>& stored_earlier_;
  std::vector<int32_t> memo_;
  std::vector<RawAccess> raw_;
  std::vector<uint64_t> scalar_params_;
  uint32_t num_scalar_params_ = 0;
  KernelLaunch out_;
};

}  // namespace

KernelLaunch lower_kernel(const graph::Graph& g, const std::vector<int32_t>& stores,
                          const graph::Dims& shape, const std::vector<char>& stored_earlier) {
  return Lowering(g, shape, stored_earlier).run(stores);
}

}  // namespace kiln::schedule
