#include "runtime/host_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

#include "graph/errors.hpp"
#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"
#include "runtime/host_linalg.hpp"
#include "runtime/host_random.hpp"

namespace kiln::runtime {

namespace {

using graph::Dims;
using graph::Op;

int64_t prod(const Dims& d, int from, int to) {
  int64_t p = 1;
  for (int k = from; k < to; ++k) p *= d[k];
  return p;
}

// numpy's mode='raise' check: -extent <= i < extent, negatives counting from the end.
int64_t checked(const LibraryCall& n, int64_t i, int64_t extent, int axis) {
  if (i < -extent || i >= extent)
    graph::throw_error(graph::op_info(n.op).fn,
                       "index " + std::to_string(i) + " is out of bounds for axis " +
                           std::to_string(axis) + " with size " + std::to_string(extent),
                       n.loc);
  return i < 0 ? i + extent : i;
}

// The rows `index` (int32 or int64) names, negatives counted from the end, after numpy's
// mode='raise' check of every one of them.
template <class I>
void check_rows(const LibraryCall& n, const I* index, int64_t m, int64_t extent, int axis) {
  for (int64_t j = 0; j < m; ++j)
    if (index[j] < -extent || index[j] >= extent) checked(n, index[j], extent, axis);
}

// dst[o, index[j], i] = combine(that, values[o, j, i]) for every o, j, i in order (`one`: the
// values are one scalar).
template <class I, class T, class Combine>
void scatter_rows(const I* index, const T* values, bool one, T* dst, int64_t outer, int64_t m,
                  int64_t extent, int64_t inner, Combine combine) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < m; ++j) {
      const int64_t row = index[j] < 0 ? index[j] + extent : index[j];
      T* d = dst + (o * extent + row) * inner;
      const T* v = one ? values : values + (o * m + j) * inner;
      for (int64_t i = 0; i < inner; ++i) combine(d[i], v[one ? 0 : i]);
    }
}

// out = a; then out[o, idx[j], i] = values[o, j, i] (Scatter: in index order, the last write
// wins) or += (ScatterAdd: every contribution counts, as numpy's add.at), or each contribution
// combined by the op in payload v[1] (ScatterApply, numpy's multiply.at and the others); with
// payload v[2] = 1 the values are one scalar for every position. Every index is checked before
// anything is written.
void scatter(const LibraryCall& n, const std::vector<const void*>& in, void* out) {
  const LibraryOperand& a = n.args[0];
  const LibraryOperand& idx = n.args[1];
  const int axis = static_cast<int>(n.payload.v[0]);
  const int64_t outer = prod(a.shape, 0, axis), extent = a.shape[axis];
  const int64_t inner = prod(a.shape, axis + 1, a.shape.rank()), m = idx.shape.size();
  const bool one = n.payload.v[2] == 1;
  std::memcpy(out, in[0], static_cast<size_t>(a.shape.size()) * itemsize(a.dtype));
  auto run = [&]<class I>(const I* index) {
    check_rows(n, index, m, extent, axis);
    graph::visit_dtype(a.dtype, [&]<class T>() {
      T* dst = static_cast<T*>(out);
      const T* values = static_cast<const T*>(in[2]);
      auto rows = [&](auto combine) {
        scatter_rows(index, values, one, dst, outer, m, extent, inner, combine);
      };
      if (n.op == Op::Scatter) {
        rows([](T& d, const T& v) { d = v; });
      } else if (n.op == Op::ScatterApply) {
        const Op combine = static_cast<Op>(n.payload.v[1]);
        rows([combine](T& d, const T& v) {
          bool fail = false;  // no combining op of kiln::at fails
          d = graph::ref::binary(combine, d, v, fail);
        });
      } else if constexpr (std::is_same_v<T, bool>) {
        rows([](T& d, const T& v) { d = d || v; });
      } else if constexpr (std::is_same_v<T, half>) {  // in float32, rounded
        rows([](T& d, const T& v) { d = half(static_cast<float>(d) + static_cast<float>(v)); });
      } else if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;  // wraps as numpy's
        rows([](T& d, const T& v) { d = static_cast<T>(static_cast<U>(d) + static_cast<U>(v)); });
      } else {
        rows([](T& d, const T& v) { d += v; });
      }
    });
  };
  if (idx.dtype == DType::int32)
    run(static_cast<const int32_t*>(in[1]));
  else
    run(static_cast<const int64_t*>(in[1]));
}

// Running sums or products along the axis, sequentially in the result dtype (numpy's
// add.accumulate / multiply.accumulate; the operand already has that dtype).
void scan(const LibraryCall& n, const std::vector<const void*>& in, void* out) {
  const int axis = static_cast<int>(n.payload.v[0]);
  const int64_t outer = prod(n.shape, 0, axis), extent = n.shape[axis];
  const int64_t inner = prod(n.shape, axis + 1, n.shape.rank());
  const bool sum = n.op == Op::CumSum;
  graph::visit_dtype(n.dtype, [&]<class T>() {
    const T* src = static_cast<const T*>(in[0]);
    T* dst = static_cast<T*>(out);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        T acc = extent ? src[o * extent * inner + i] : T();  // numpy starts from the first
        for (int64_t j = 0; j < extent; ++j) {               // element (-0.0 stays -0.0)
          const int64_t at = (o * extent + j) * inner + i;
          if (j == 0) {
          } else if constexpr (std::is_same_v<T, bool>) {
            acc = sum ? (acc || src[at]) : (acc && src[at]);
          } else if constexpr (std::is_integral_v<T>) {
            using U = std::make_unsigned_t<T>;
            acc = static_cast<T>(sum ? static_cast<U>(acc) + static_cast<U>(src[at])
                                     : static_cast<U>(acc) * static_cast<U>(src[at]));
          } else if constexpr (std::is_same_v<T, half>) {  // rounded at each step, as numpy
            const float a = acc, x = src[at];
            acc = half(sum ? a + x : a * x);
          } else if constexpr (graph::ref::is_complex_v<T>) {
            acc = sum ? acc + src[at] : graph::ref::cmul(acc, src[at]);
          } else {
            acc = sum ? acc + src[at] : acc * src[at];
          }
          dst[at] = acc;
        }
      }
  });
}

// numpy's sort order: nan after every number; complex numbers by real part, then imaginary
// part, with [R + Rj, R + nanj, nan + Rj, nan + nanj] (R: not nan) as the order of the classes.
template <class T>
bool sorts_before(const T& a, const T& b) {
  if constexpr (graph::ref::is_complex_v<T>) {
    const bool ar = std::isnan(a.real()), ai = std::isnan(a.imag());
    const bool br = std::isnan(b.real()), bi = std::isnan(b.imag());
    const int ca = 2 * ar + ai, cb = 2 * br + bi;
    if (ca != cb) return ca < cb;
    if (ca == 0) return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
    if (ca == 1) return a.real() < b.real();
    if (ca == 2) return a.imag() < b.imag();
    return false;
  } else if constexpr (std::is_same_v<T, half>) {
    return sorts_before(static_cast<float>(a), static_cast<float>(b));
  } else if constexpr (std::is_floating_point_v<T>) {
    return a < b || (b != b && a == a);
  } else {
    return a < b;
  }
}

// A stable sort in numpy's order. Real floats: the nans moved to the end first (in order), so
// the numbers sort with the plain comparison, which is several times faster.
template <class T>
void stable_sort_values(T* first, T* last) {
  if constexpr (std::is_floating_point_v<T>) {
    auto number = [](T v) { return v == v; };
    T* numbers_end = std::all_of(first, last, number) ? last  // (a scan is cheaper)
                                                      : std::stable_partition(first, last, number);
    std::stable_sort(first, numbers_end);
  } else if constexpr (std::is_same_v<T, half>) {
    T* numbers_end = std::stable_partition(first, last, [](T v) { return !std::isnan(float(v)); });
    std::stable_sort(first, numbers_end, [](T a, T b) { return float(a) < float(b); });
  } else {
    std::stable_sort(first, last, sorts_before<T>);
  }
}

// Sort, ArgSort: each run along the axis gathered, sorted (ArgSort: or partitioned around
// position kth: everything before it sorts no later, everything after no earlier), and written
// back.
void sort(const LibraryCall& n, const std::vector<const void*>& in, void* out) {
  const LibraryOperand& a = n.args[0];
  const int axis = static_cast<int>(n.payload.v[0]);
  const int64_t outer = prod(a.shape, 0, axis), extent = a.shape[axis];
  const int64_t inner = prod(a.shape, axis + 1, a.shape.rank());
  const uint64_t kth = n.payload.v[1];  // 0: sort
  graph::visit_dtype(a.dtype, [&]<class T>() {
    const T* src = static_cast<const T*>(in[0]);
    std::vector<int64_t> order(static_cast<size_t>(extent));
    using Stored = std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>;  // no proxies
    std::vector<Stored> run(static_cast<size_t>(extent));
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* x = src + o * extent * inner + i;
        const int64_t at = o * extent * inner + i;
        if (n.op == Op::Sort) {
          // A contiguous run is sorted where it is written.
          Stored* first =
              inner == 1 ? reinterpret_cast<Stored*>(static_cast<T*>(out) + at) : run.data();
          for (int64_t j = 0; j < extent; ++j) first[j] = x[j * inner];
          stable_sort_values(first, first + extent);
          if (inner != 1) {
            T* dst = static_cast<T*>(out) + at;
            for (int64_t j = 0; j < extent; ++j) dst[j * inner] = run[j];
          }
        } else {
          std::iota(order.begin(), order.end(), int64_t{0});
          auto by_value = [&](int64_t p, int64_t q) {
            return sorts_before(x[p * inner], x[q * inner]);
          };
          if (kth == 0)
            std::stable_sort(order.begin(), order.end(), by_value);
          else
            std::nth_element(order.begin(), order.begin() + static_cast<int64_t>(kth - 1),
                             order.end(), by_value);
          int64_t* dst = static_cast<int64_t*>(out) + at;
          for (int64_t j = 0; j < extent; ++j) dst[j * inner] = order[j];
        }
      }
  });
}

// SearchSorted: binary searches in the sorted operand 0 (both operands of one dtype).
void search_sorted(const LibraryCall& n, const std::vector<const void*>& in, void* out) {
  const int64_t m = n.args[0].shape.size(), count = n.args[1].shape.size();
  const bool right = n.payload.v[0] != 0;
  graph::visit_dtype(n.args[0].dtype, [&]<class T>() {
    const T* sorted = static_cast<const T*>(in[0]);
    const T* v = static_cast<const T*>(in[1]);
    int64_t* dst = static_cast<int64_t*>(out);
    for (int64_t k = 0; k < count; ++k) {
      const T* at = right ? std::upper_bound(sorted, sorted + m, v[k], sorts_before<T>)
                          : std::lower_bound(sorted, sorted + m, v[k], sorts_before<T>);
      dst[k] = at - sorted;
    }
  });
}

}  // namespace

void run_host_op(const LibraryCall& n, const std::vector<const void*>& inputs, void* out,
                 jit::Executor* executor) {
  switch (n.op) {
    case Op::Scatter:
    case Op::ScatterAdd:
    case Op::ScatterApply:
      return scatter(n, inputs, out);
    case Op::CumSum:
    case Op::CumProd:
      return scan(n, inputs, out);
    case Op::Sort:
    case Op::ArgSort:
      return sort(n, inputs, out);
    case Op::SearchSorted:
      return search_sorted(n, inputs, out);
    case Op::RandomDraws:
      return draw_random(n, inputs, out, executor);
    case Op::Solve:
    case Op::Cholesky:
    case Op::SlogDet:
    case Op::Eigh:
    case Op::Svd:
    case Op::Qr:
    case Op::Eig:
      return run_linalg(n, inputs, out);
    default:
      graph::internal_error(__FILE__, __LINE__,
                            "no host implementation of " + std::string(graph::op_info(n.op).name));
  }
}

}  // namespace kiln::runtime
