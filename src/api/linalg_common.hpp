// Helpers shared by kiln::linalg's files (linalg_lapack.cpp, linalg_decompositions.cpp): numpy's
// compute and result types, the square-matrix check, recording a LAPACK library op, and batch
// shapes.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "api/apply.hpp"
#include "kiln/array.hpp"

namespace kiln::detail {

using graph::Dims;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

// numpy's _commonType: LAPACK computes in float64 (complex128 for complex input), and the result
// is float32 (complex64) when every input was float32 (complex64), else the double type;
// integers and bool are float64. float16 is refused (as numpy's linalg).
struct LapackTypes {
  DType compute = float64, result = float64;
};
inline LapackTypes lapack_types(std::initializer_list<const Node*> nodes, std::string_view fn,
                                SourceLoc loc) {
  bool complex = false, single = true;
  for (const Node* n : nodes) {
    if (n->dtype == float16)
      graph::throw_error(fn, "array type float16 is unsupported in linalg", loc);
    complex |= is_complex(n->dtype);
    single &= n->dtype == float32 || n->dtype == complex64;
  }
  const DType wide = complex ? complex128 : float64;
  return {wide, single ? (complex ? complex64 : float32) : wide};
}

// An error unless `a` is a stack of square matrices.
inline void check_square(const Node* n, std::string_view fn, SourceLoc loc) {
  const Dims& s = n->shape;
  if (s.rank() < 2)
    graph::throw_error(fn,
                       std::to_string(s.rank()) +
                           "-dimensional array given. Array must be at least two-dimensional",
                       loc);
  if (s[s.rank() - 1] != s[s.rank() - 2])
    graph::throw_error(
        fn, "Last 2 dimensions of the array must be square, got shape " + graph::to_string(s), loc);
}

inline Array record_lapack(Op op, DType t, const Dims& shape,
                           std::initializer_list<const Array*> args, SourceLoc loc,
                           uint64_t payload = 0) {
  graph::NodeDesc d;
  d.op = op;
  d.payload.v[0] = payload;
  d.dtype = t;
  d.shape = shape;
  for (const Array* a : args) d.args[d.nargs++] = a->node();
  d.loc = loc;
  return Array(detail::context().tracer().record(d));
}

// The batch shapes of `a` and `b` (all but their last `keep_a` / `keep_b` axes) broadcast.
inline Shape broadcast_batch(const Dims& a, int keep_a, const Dims& b, int keep_b,
                             std::string_view fn, SourceLoc loc) {
  const int ra = a.rank() - keep_a, rb = b.rank() - keep_b, r = std::max(ra, rb);
  Shape out;
  for (int d = 0; d < r; ++d) {
    const int da = d - (r - ra), db = d - (r - rb);
    const int64_t ea = da >= 0 ? a[da] : 1, eb = db >= 0 ? b[db] : 1;
    if (ea != eb && ea != 1 && eb != 1)
      graph::throw_error(fn,
                         "batch dimensions of shapes " + graph::to_string(a) + " and " +
                             graph::to_string(b) + " cannot be broadcast together",
                         loc);
    out.push_back(ea == 1 ? eb : ea);
  }
  return out;
}

inline Shape with(Shape batch, std::initializer_list<int64_t> tail) {
  batch.insert(batch.end(), tail.begin(), tail.end());
  return batch;
}

}  // namespace kiln::detail
