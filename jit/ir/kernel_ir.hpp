// Kernel IR: the backend-neutral description of one fused kernel. Small, typed and canonical:
// it holds structure only (ops, dtypes, rank, which dimensions each input varies along), never
// sizes, addresses or scalar values, which arrive as parameters at launch. It is what is hashed
// into the cache key, stored next to compiled code, and lowered by every backend.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/op.hpp"
#include "kiln/dtype.hpp"

namespace kiln::ir {

/// Bumped whenever the meaning of the IR, the launch ABI or the generated code changes, so that
/// cached binaries of an older kiln are never used.
inline constexpr uint32_t kKernelAbiVersion = 8;

/// The fixed order of floating-point sums and products on the CPU, part of the kernel ABI. A
/// result depends only on the values and the element count, never on the vector width or the
/// thread count, so it is bit-identical on every CPU and for any KILN_NUM_THREADS:
/// - the reduced positions of each output are cut into blocks of kTreeBlock, and blocks into
///   groups of kTreeGroupBlocks (both counted from position 0);
/// - a block shorter than kTreeSequentialBelow adds its values one after the other; a longer
///   one keeps kTreeLaneBytes / itemsize lanes (64 float32 or 32 float64), lane l adding the
///   positions congruent to l, then folds the lanes by halving (lane i with lane i + half);
/// - block results fold, in order, into their group's total (the accumulator dtype: float64
///   for float32 sums), and group totals, in order, into the result. A launch split over
///   threads gives each split exactly one group, so the finish folds the same totals in the
///   same order.
inline constexpr int64_t kTreeBlock = 1024;
inline constexpr int64_t kTreeGroupBlocks = 32;
inline constexpr int64_t kTreeGroup = kTreeBlock * kTreeGroupBlocks;
inline constexpr int64_t kTreeSequentialBelow = 16;
inline constexpr int64_t kTreeLaneBytes = 256;

/// The kinds of instruction.
enum class InstrKind : uint8_t {
  Compute,  ///< an elementwise graph op (op), operands in args
  Load,     ///< element of input buffer access `imm` at the current position
  Index,    ///< int64 element index of access `imm` at the current position (index expressions)
  Param,    ///< scalar parameter slot `imm`, of dtype `dtype`
  Const,    ///< structural constant: `imm` holds to_bits of the value in `dtype`
  Reduce,   ///< reduction `op` of operand args[0] over the reduced dimensions; `imm` is its
            ///< accumulator slot. Its value exists only after the reduction (at finish).
  Gather,   ///< element of buffer access `imm & 0xffffffff` at the current position plus
            ///< index * stride, where args are (index, extent, stride), all int64; a negative
            ///< index counts from the end, one out of [-extent, extent) sets error bit
            ///< `(imm >> 32) - 1` and reads nothing
};

/// What a kernel computes.
enum class KernelKind : uint8_t {
  Map,          ///< one result per iteration position
  ReduceInner,  ///< loop order [kept..., reduced...]: each output reduces a run of inner dims
  ReduceOuter,  ///< loop order [reduced..., kept...]: rows of outputs accumulate together
};

/// One SSA instruction. Operands are indices of earlier instructions. Fixed size, no padding,
/// so a vector of them hashes and serialises as plain bytes.
struct Instr {
  InstrKind kind = InstrKind::Compute;  ///< what it is
  graph::Op op = graph::Op::Data;       ///< for Compute: the op
  DType dtype = DType::float32;         ///< result dtype
  uint8_t nargs = 0;                    ///< operand count
  uint32_t args[3] = {0, 0, 0};         ///< operand instruction indices
  uint64_t imm = 0;                     ///< access slot, param slot, constant bits, or for a
                                        ///< Compute that may fail: error bit + 1 (0 = none)
};
static_assert(sizeof(Instr) == 24, "Instr must stay packed: it is hashed as bytes");

/// How an access's innermost stride behaves (the vectorizer cares).
enum class Inner : uint8_t {
  None,     ///< does not vary along the innermost dimension (a broadcast: one value per row)
  Unit,     ///< consecutive elements (stride 1)
  Strided,  ///< a runtime stride
};

/// One way of addressing elements: an input buffer (Load) or an index expression (Index).
/// The element offset at iteration position (i_0, ..., i_{rank-1}) is the sum over the varying
/// dimensions d of i_d * stride_d, with strides passed as parameters.
struct Access {
  uint32_t varying = 0;          ///< bit d set: the offset depends on iteration dimension d
  Inner inner = Inner::None;     ///< innermost dimension's stride kind
  DType dtype = DType::float32;  ///< element type (buffers)
  uint8_t is_buffer = 0;         ///< 1: reads memory (Load); 0: index only (Index)
  uint8_t pad = 0;
};
static_assert(sizeof(Access) == 8);

/// One result: an instruction whose value is stored to an output buffer, either contiguously
/// (element `flat position` of the buffer) or, in a map kernel, through a window: element
/// sum over every iteration dimension d of i_d * stride_d, the strides passed as parameters.
/// A window is how a kernel writes its result straight into part of a larger array (an
/// operand's place in a concatenation).
/// A reduction kernel's outputs are the reductions' results, stored at finish, except
/// `element` ones (ReduceInner kernels only): a value of the iteration space, stored as the main
/// walk computes it, at element o_flat * reduce_size + r_flat (the position in loop order). That
/// is a map computed alongside a reduction of the same elements, so that the two read their
/// inputs once (a value and its gradients).
struct Output {
  uint32_t instr = 0;            ///< instruction index
  DType dtype = DType::float32;  ///< stored dtype (== the instruction's dtype)
  uint8_t window = 0;            ///< 1: stored through a window of strides
  Inner inner = Inner::None;     ///< a window's innermost stride kind (Unit or Strided)
  uint8_t element = 0;           ///< 1: stored per element in a reduction's main walk
};
static_assert(sizeof(Output) == 8);

/// A fused kernel over a `rank`-dimensional iteration space (collapsed: adjacent dimensions that
/// every access walks contiguously are merged, so most kernels are rank 1). A reduction kernel
/// splits its dimensions into kept ones (one output element per position) and reduced ones, each
/// group at least one dimension, in the loop order its kind says.
///
/// Launch ABI (every backend): buffers = [outputs..., buffer accesses in order..., accumulators
/// (reductions: one per Reduce instruction, two for argmax/argmin: value then index)...];
/// params (64-bit slots) = [scalar params (num_params)..., dims (rank)..., then for each access
/// in order its element offset and one stride per varying dimension, outermost first, then for
/// each window output in order one stride per dimension (rank), outermost first]. A map
/// kernel computes flat output positions [begin, end); a reduction kernel's main entry
/// accumulates outputs [begin, end) over reduced positions [r_begin, r_end) into accumulator row
/// `split`, and its finish entry combines the rows and stores the outputs. Run-time errors are
/// ORed into a status word.
struct KernelIR {
  KernelKind kind = KernelKind::Map;  ///< map or reduction
  uint8_t rank = 1;                   ///< iteration rank, >= 1
  uint8_t kept_rank = 0;              ///< reductions: how many dimensions are kept (>= 1)
  uint32_t num_params = 0;            ///< scalar parameter slots
  uint32_t num_error_bits = 0;        ///< distinct run-time error sources
  std::vector<Access> accesses;       ///< addressing patterns
  std::vector<Instr> instrs;          ///< SSA body, evaluated per element
  std::vector<Output> outputs;        ///< stored results (reductions: computed at finish)

  /// Number of accesses that read a buffer.
  uint32_t num_input_buffers() const noexcept;
  /// Index of the first dims slot in the param block.
  uint32_t dims_slot() const noexcept { return num_params; }
  /// Index of access `a`'s offset slot in the param block; its strides follow.
  uint32_t access_slot(uint32_t a) const noexcept;
  /// Index of window output `o`'s first stride slot (outputs before it that are windows take
  /// rank slots each).
  uint32_t output_slot(uint32_t o) const noexcept;
  /// Total param slots.
  uint32_t num_param_slots() const noexcept;
  /// Sum of the ops' per-element costs (threading heuristic).
  uint32_t cost_per_element() const noexcept;
  /// True for ReduceInner and ReduceOuter.
  bool is_reduction() const noexcept { return kind != KernelKind::Map; }
  /// Index of the first kept dimension in loop order (reductions).
  uint32_t kept_begin() const noexcept {
    return kind == KernelKind::ReduceOuter ? rank - kept_rank : 0;
  }
  /// Index of the first reduced dimension in loop order (reductions).
  uint32_t reduced_begin() const noexcept {
    return kind == KernelKind::ReduceOuter ? 0 : kept_rank;
  }
  /// Number of accumulator buffers (one per Reduce, two for argmax and argmin).
  uint32_t num_accumulators() const noexcept;
};

/// The dtype a Reduce instruction accumulates in, given its operand's dtype.
DType accumulator_dtype(graph::Op op, DType operand) noexcept;

/// A hash of the op table (names, arities, rules, in order). Kernel IR names ops by number, so
/// cache keys include it: a kiln whose op table differs never reads another's entries.
uint32_t op_table_fingerprint() noexcept;

/// Canonical byte serialisation (little-endian, fixed widths, versioned). Equal IR gives equal
/// bytes in every process; this is what the cache key hashes and what disk entries store.
void serialize(const KernelIR& k, std::vector<uint8_t>& out);

/// Parses serialize()'s bytes; returns false on any malformed input.
bool deserialize(const uint8_t* data, size_t size, KernelIR& out);

/// A readable listing for logs and tests.
std::string to_text(const KernelIR& k);

/// Checks that the IR is well formed (operands precede users, dtypes agree, slots in range).
/// Returns an empty string when it is, else what is wrong.
std::string validate(const KernelIR& k);

}  // namespace kiln::ir
