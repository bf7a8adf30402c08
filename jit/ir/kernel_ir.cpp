#include "jit/ir/kernel_ir.hpp"

#include <bit>
#include <cstring>

#include "graph/types.hpp"

namespace kiln::ir {

uint32_t KernelIR::num_input_buffers() const noexcept {
  uint32_t n = 0;
  for (const Access& a : accesses) n += a.is_buffer;
  return n;
}

uint32_t KernelIR::access_slot(uint32_t a) const noexcept {
  uint32_t slot = num_params + rank;
  for (uint32_t i = 0; i < a; ++i)
    slot += 1 + static_cast<uint32_t>(std::popcount(accesses[i].varying));
  return slot;
}

uint32_t KernelIR::output_slot(uint32_t o) const noexcept {
  uint32_t slot = access_slot(static_cast<uint32_t>(accesses.size()));
  for (uint32_t i = 0; i < o; ++i) slot += outputs[i].window ? rank : 0;
  return slot;
}

uint32_t KernelIR::num_param_slots() const noexcept {
  return output_slot(static_cast<uint32_t>(outputs.size()));
}

uint32_t KernelIR::num_accumulators() const noexcept {
  uint32_t n = 0;
  for (const Instr& i : instrs)
    if (i.kind == InstrKind::Reduce)
      n += (i.op == graph::Op::ArgMax || i.op == graph::Op::ArgMin) ? 2 : 1;
  return n;
}

DType accumulator_dtype(graph::Op op, DType operand) noexcept {
  return graph::reduce_types(op, operand).accumulator;
}

uint32_t op_table_fingerprint() noexcept {
  uint32_t h = 2166136261u;  // FNV-1a
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 16777619u; };
  for (int op = 0; op < graph::kNumOps; ++op) {
    const graph::OpInfo& info = graph::op_info(static_cast<graph::Op>(op));
    for (char c : info.name) mix(static_cast<uint8_t>(c));
    mix(static_cast<uint8_t>(info.arity));
    mix(static_cast<uint8_t>(info.rule));
  }
  return h;
}

uint32_t KernelIR::cost_per_element() const noexcept {
  uint32_t c = 0;
  for (const Instr& i : instrs) {
    if (i.kind == InstrKind::Compute)
      c += graph::op_info(i.op).cost;
    else if (i.kind == InstrKind::Load)
      c += 1;
    else if (i.kind == InstrKind::Gather)
      c += 4;
  }
  return c + static_cast<uint32_t>(outputs.size());
}

namespace {
constexpr uint32_t kMagic = 0x4b495231;  // "KIR1"

struct Writer {
  std::vector<uint8_t>& out;
  void u8(uint8_t v) { out.push_back(v); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
};

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;
  uint64_t take(int bytes) {
    if (end - p < bytes) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    p += bytes;
    return v;
  }
  uint8_t u8() { return static_cast<uint8_t>(take(1)); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  uint64_t u64() { return take(8); }
};
}  // namespace

void serialize(const KernelIR& k, std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(32 + k.accesses.size() * 8 + k.instrs.size() * 24 + k.outputs.size() * 8);
  Writer w{out};
  w.u32(kMagic);
  w.u32(kKernelAbiVersion);
  w.u8(static_cast<uint8_t>(k.kind));
  w.u8(k.rank);
  w.u8(k.kept_rank);
  w.u32(k.num_params);
  w.u32(k.num_error_bits);
  w.u32(static_cast<uint32_t>(k.accesses.size()));
  w.u32(static_cast<uint32_t>(k.instrs.size()));
  w.u32(static_cast<uint32_t>(k.outputs.size()));
  for (const Access& a : k.accesses) {
    w.u32(a.varying);
    w.u8(static_cast<uint8_t>(a.inner));
    w.u8(static_cast<uint8_t>(a.dtype));
    w.u8(a.is_buffer);
  }
  for (const Instr& i : k.instrs) {
    w.u8(static_cast<uint8_t>(i.kind));
    w.u8(static_cast<uint8_t>(i.op));
    w.u8(static_cast<uint8_t>(i.dtype));
    w.u8(i.nargs);
    for (int a = 0; a < i.nargs; ++a) w.u32(i.args[a]);
    w.u64(i.imm);
  }
  for (const Output& o : k.outputs) {
    w.u32(o.instr);
    w.u8(static_cast<uint8_t>(o.dtype));
    w.u8(o.window);
    w.u8(static_cast<uint8_t>(o.inner));
    w.u8(o.element);
  }
}

bool deserialize(const uint8_t* data, size_t size, KernelIR& k) {
  Reader r{data, data + size};
  if (r.u32() != kMagic || r.u32() != kKernelAbiVersion) return false;
  k = KernelIR{};
  k.kind = static_cast<KernelKind>(r.u8());
  k.rank = r.u8();
  k.kept_rank = r.u8();
  k.num_params = r.u32();
  k.num_error_bits = r.u32();
  const uint32_t na = r.u32(), ni = r.u32(), no = r.u32();
  if (!r.ok || na > size || ni > size || no > size) return false;
  k.accesses.resize(na);
  for (Access& a : k.accesses) {
    a.varying = r.u32();
    a.inner = static_cast<Inner>(r.u8());
    a.dtype = static_cast<DType>(r.u8());
    a.is_buffer = r.u8();
  }
  k.instrs.resize(ni);
  for (Instr& i : k.instrs) {
    i.kind = static_cast<InstrKind>(r.u8());
    i.op = static_cast<graph::Op>(r.u8());
    i.dtype = static_cast<DType>(r.u8());
    i.nargs = r.u8();
    if (i.nargs > 3) return false;
    for (int a = 0; a < i.nargs; ++a) i.args[a] = r.u32();
    i.imm = r.u64();
  }
  k.outputs.resize(no);
  for (Output& o : k.outputs) {
    o.instr = r.u32();
    o.dtype = static_cast<DType>(r.u8());
    o.window = r.u8();
    o.inner = static_cast<Inner>(r.u8());
    o.element = r.u8();
  }
  return r.ok && r.p == r.end && validate(k).empty();
}

std::string to_text(const KernelIR& k) {
  static constexpr const char* kKinds[] = {"map", "reduce-inner", "reduce-outer"};
  std::string s = std::string("kernel ") + kKinds[static_cast<int>(k.kind)] +
                  " rank=" + std::to_string(k.rank) + " kept=" + std::to_string(k.kept_rank) +
                  " params=" + std::to_string(k.num_params) +
                  " error_bits=" + std::to_string(k.num_error_bits) + "\n";
  static constexpr const char* kInner[] = {"none", "unit", "strided"};
  for (size_t a = 0; a < k.accesses.size(); ++a) {
    const Access& x = k.accesses[a];
    s += "  access " + std::to_string(a) + (x.is_buffer ? " buffer " : " index ") +
         std::string(dtype_name(x.dtype)) + " varying=0x" + std::to_string(x.varying) +
         " inner=" + kInner[static_cast<int>(x.inner)] + "\n";
  }
  for (size_t n = 0; n < k.instrs.size(); ++n) {
    const Instr& i = k.instrs[n];
    s += "  %" + std::to_string(n) + " = ";
    switch (i.kind) {
      case InstrKind::Compute:
        s += std::string(graph::op_info(i.op).fn);
        break;
      case InstrKind::Load:
        s += "load @" + std::to_string(i.imm);
        break;
      case InstrKind::Index:
        s += "index @" + std::to_string(i.imm);
        break;
      case InstrKind::Param:
        s += "param $" + std::to_string(i.imm);
        break;
      case InstrKind::Const:
        s += "const " + std::to_string(static_cast<int64_t>(i.imm));
        break;
      case InstrKind::Reduce:
        s += std::string(graph::op_info(i.op).fn) + " @acc" + std::to_string(i.imm);
        break;
      case InstrKind::Gather:
        s += "gather @" + std::to_string(i.imm & 0xffffffffu) + " !error" +
             std::to_string((i.imm >> 32) - 1);
        break;
    }
    s += " " + std::string(dtype_name(i.dtype));
    for (int a = 0; a < i.nargs; ++a) s += " %" + std::to_string(i.args[a]);
    if (i.kind == InstrKind::Compute && i.imm) s += " !error" + std::to_string(i.imm - 1);
    s += "\n";
  }
  for (const Output& o : k.outputs) {
    s += "  store %" + std::to_string(o.instr);
    if (o.window) s += std::string(" window inner=") + kInner[static_cast<int>(o.inner)];
    if (o.element) s += " element";
    s += "\n";
  }
  return s;
}

std::string validate(const KernelIR& k) {
  if (k.rank < 1 || k.rank > 32) return "bad rank";
  if (k.kind > KernelKind::ReduceOuter) return "bad kind";
  if (k.is_reduction() && (k.kept_rank < 1 || k.kept_rank >= k.rank)) return "bad kept rank";
  if (!k.is_reduction() && k.kept_rank != 0) return "kept rank on a map kernel";
  for (const Access& a : k.accesses) {
    if (a.varying >> k.rank) return "access varies along a dimension past the rank";
    if (static_cast<int>(a.dtype) >= kNumDTypes) return "bad access dtype";
    if (a.inner > Inner::Strided) return "bad inner stride kind";
    const bool inner_varies = (a.varying >> (k.rank - 1)) & 1;
    if (inner_varies != (a.inner != Inner::None)) return "inner stride kind disagrees with varying";
  }
  for (size_t n = 0; n < k.instrs.size(); ++n) {
    const Instr& i = k.instrs[n];
    if (static_cast<int>(i.dtype) >= kNumDTypes) return "bad dtype at %" + std::to_string(n);
    // Every kind's checks may ask the op table about i.op: it must name an op first.
    if (static_cast<int>(i.op) >= graph::kNumOps) return "bad op at %" + std::to_string(n);
    if (i.nargs > 3) return "bad operand count";
    for (int a = 0; a < i.nargs; ++a)
      if (i.args[a] >= n) return "operand does not precede its user at %" + std::to_string(n);
    switch (i.kind) {
      case InstrKind::Compute: {
        if (static_cast<int>(i.op) >= graph::kNumOps || !graph::is_elementwise(i.op))
          return "bad op at %" + std::to_string(n);
        if (i.nargs != graph::op_info(i.op).arity) return "arity mismatch at %" + std::to_string(n);
        if (i.imm > k.num_error_bits || i.imm > 64) return "error bit out of range";
        const auto rule = graph::op_info(i.op).rule;
        const DType first = k.instrs[i.args[0]].dtype;
        bool types_ok = true;
        if (rule == graph::TypeRule::Cast) break;
        if (rule == graph::TypeRule::Where) {
          types_ok = first == DType::bool_ && k.instrs[i.args[1]].dtype == i.dtype &&
                     k.instrs[i.args[2]].dtype == i.dtype;
        } else {
          const bool bool_result = rule == graph::TypeRule::Compare ||
                                   rule == graph::TypeRule::Predicate ||
                                   rule == graph::TypeRule::Logical;
          // complex -> its part type (abs, real, imag, angle), and parts -> complex.
          const bool to_part = is_complex(first) && i.dtype == graph::part_of(first) &&
                               (i.op == graph::Op::Abs || rule == graph::TypeRule::Part);
          const bool from_parts = rule == graph::TypeRule::MakeComplex && is_complex(i.dtype) &&
                                  first == graph::part_of(i.dtype);
          types_ok =
              bool_result ? i.dtype == DType::bool_ : first == i.dtype || to_part || from_parts;
          for (int a = 1; a < i.nargs; ++a) types_ok &= k.instrs[i.args[a]].dtype == first;
        }
        if (!types_ok) return "operand dtypes disagree at %" + std::to_string(n);
        break;
      }
      case InstrKind::Load:
        if (i.imm >= k.accesses.size() || !k.accesses[i.imm].is_buffer ||
            k.accesses[i.imm].dtype != i.dtype)
          return "bad load at %" + std::to_string(n);
        break;
      case InstrKind::Index:
        if (i.imm >= k.accesses.size() || k.accesses[i.imm].is_buffer || i.dtype != DType::int64)
          return "bad index at %" + std::to_string(n);
        break;
      case InstrKind::Param:
        if (i.imm >= k.num_params) return "param slot out of range";
        if (i.dtype == DType::complex128) return "a complex128 param (has no 64-bit slot)";
        break;
      case InstrKind::Const:
        if (i.dtype == DType::complex128) return "a complex128 constant (has no 64-bit form)";
        break;
      case InstrKind::Reduce:
        if (!k.is_reduction() || !graph::is_reduction(i.op) || i.nargs != 1 ||
            i.dtype != graph::reduce_types(i.op, k.instrs[i.args[0]].dtype).result)
          return "bad reduce at %" + std::to_string(n);
        break;
      case InstrKind::Gather: {
        const uint64_t a = i.imm & 0xffffffffu, bit = i.imm >> 32;
        bool ok = a < k.accesses.size() && k.accesses[a].is_buffer &&
                  k.accesses[a].dtype == i.dtype && i.nargs == 3 && bit >= 1 &&
                  bit <= k.num_error_bits && bit <= 64;
        for (int j = 0; ok && j < 3; ++j) ok = k.instrs[i.args[j]].dtype == DType::int64;
        if (!ok) return "bad gather at %" + std::to_string(n);
        break;
      }
      default:
        return "bad instruction kind";
    }
  }
  if (k.outputs.empty()) return "no outputs";
  // Which instructions come after a reduction (exist only at finish).
  std::vector<char> after_reduce(k.instrs.size(), 0);
  for (size_t n = 0; n < k.instrs.size(); ++n) {
    const Instr& i = k.instrs[n];
    after_reduce[n] = i.kind == InstrKind::Reduce;
    for (int a = 0; a < i.nargs; ++a) after_reduce[n] |= after_reduce[i.args[a]];
  }
  for (const Output& o : k.outputs) {
    if (o.instr >= k.instrs.size() || k.instrs[o.instr].dtype != o.dtype) return "bad output";
    if (o.window > 1 || o.element > 1) return "bad output placement";
    if (o.element && (k.kind != KernelKind::ReduceInner || after_reduce[o.instr]))
      return "an element output that is not a value of a ReduceInner kernel's main walk";
    if (!o.window && o.inner != Inner::None) return "a contiguous output with a stride kind";
    if (o.window && k.is_reduction()) return "a window output in a reduction kernel";
    if (o.window && o.inner != Inner::Unit && o.inner != Inner::Strided)
      return "a window output without an inner stride kind";
  }
  return {};
}

}  // namespace kiln::ir
