#include "graph/reference.hpp"
#include "graph/philox.hpp"

#include <cstring>
#include <string>

#include "graph/errors.hpp"
#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"

namespace kiln::graph {

template <class T>
T HostArray::at(int64_t i) const {
  return element_value<T>(bits[static_cast<size_t>(i)]);
}
template bool HostArray::at<bool>(int64_t) const;
template int32_t HostArray::at<int32_t>(int64_t) const;
template int64_t HostArray::at<int64_t>(int64_t) const;
template float HostArray::at<float>(int64_t) const;
template double HostArray::at<double>(int64_t) const;
template std::complex<float> HostArray::at<std::complex<float>>(int64_t) const;
template std::complex<double> HostArray::at<std::complex<double>>(int64_t) const;
template int8_t HostArray::at<int8_t>(int64_t) const;
template int16_t HostArray::at<int16_t>(int64_t) const;
template uint8_t HostArray::at<uint8_t>(int64_t) const;
template uint16_t HostArray::at<uint16_t>(int64_t) const;
template half HostArray::at<half>(int64_t) const;
template uint32_t HostArray::at<uint32_t>(int64_t) const;
template uint64_t HostArray::at<uint64_t>(int64_t) const;

Bits leaf_value_bits(Op op, DType dtype, const Payload& p, int64_t i) {
  return visit_dtype(dtype, [&]<class T>() -> Bits {
    switch (op) {
      case Op::Full:
        return p.v[0];
      case Op::Arange: {
        const T start = from_bits<T>(p.v[0]), delta = from_bits<T>(p.v[1]);
        if constexpr (std::is_same_v<T, bool>)
          return element_bits<T>(i == 0 ? start : (start || delta));
        else if constexpr (ref::is_int_v<T>)
          return element_bits<T>(ref::wrap_add(start, ref::wrap_mul(static_cast<T>(i), delta)));
        else if constexpr (std::is_same_v<T, half>)  // (kiln::arange computes these in float32)
          internal_error(__FILE__, __LINE__, "a float16 arange node");
        else
          return element_bits<T>(start + static_cast<T>(i) * delta);
      }
      case Op::Linspace: {
        const double start = from_bits<double>(p.v[0]), mult = from_bits<double>(p.v[1]),
                     stop = from_bits<double>(p.v[2]);
        const LinspaceTail tail = LinspaceTail::unpack(p.v[3]);
        const double di = static_cast<double>(i);
        double y =
            (tail.tiny_step ? di / static_cast<double>(tail.div()) * mult : di * mult) + start;
        if (i == tail.last()) y = stop;
        if constexpr (ref::is_int_v<T>) y = std::floor(y);  // numpy floors for integer dtypes
        return element_bits<T>(ref::cast<T>(y));
      }
      case Op::Eye:
        return element_bits<T>(ref::cast<T>(i % static_cast<int64_t>(p.v[0]) == 0));
      default:
        return 0;
    }
  });
}

Bits apply_op_bits(Op op, DType result, DType arg_dtype, const Bits* a, bool& fail) {
  const TypeRule rule = op_info(op).rule;
  if (op == Op::Cast) {
    return visit_dtype(arg_dtype, [&]<class From>() {
      return visit_dtype(result, [&]<class To>() -> Bits {
        return element_bits<To>(ref::cast<To>(element_value<From>(a[0])));
      });
    });
  }
  if (op == Op::Where) return element_value<bool>(a[0]) ? a[1] : a[2];
  if (op == Op::Philox) return philox_bits(a[0], a[1], a[2]);
  if (op == Op::MakeComplex) {
    if (result == DType::complex128)
      return element_bits(ref::c128(element_value<double>(a[0]), element_value<double>(a[1])));
    return element_bits(ref::c64(element_value<float>(a[0]), element_value<float>(a[1])));
  }
  if (arg_dtype == DType::complex64 && result == DType::float32)  // abs, real, imag, angle
    return element_bits(ref::complex_part(op, element_value<ref::c64>(a[0])));
  if (arg_dtype == DType::complex128 && result == DType::float64)
    return element_bits(ref::complex_part(op, element_value<ref::c128>(a[0])));
  return visit_dtype(arg_dtype, [&]<class T>() -> Bits {
    const T x = element_value<T>(a[0]);
    if (rule == TypeRule::Predicate) return element_bits<bool>(ref::predicate(op, x));
    if (op_info(op).arity == 1) return element_bits<T>(ref::unary(op, x));
    const T y = element_value<T>(a[1]);
    if (rule == TypeRule::Compare) return element_bits<bool>(ref::compare(op, x, y));
    return element_bits<T>(ref::binary(op, x, y, fail));
  });
}

Bits reduce_bits(Op op, DType in, DType out, const std::vector<Bits>& xs) {
  if (in == DType::float16 && op != Op::Any && op != Op::All) {
    // Sums in float64 and the others in float32 (as the kernels), rounded once at the end (a
    // float64 sum rounded through float32 would round twice).
    if (op == Op::Sum) {
      double acc = 0;
      for (Bits b : xs) acc += static_cast<double>(static_cast<float>(element_value<half>(b)));
      return element_bits<half>(half(acc));
    }
    std::vector<Bits> wide(xs.size());
    for (size_t i = 0; i < xs.size(); ++i)
      wide[i] = element_bits<float>(static_cast<float>(element_value<half>(xs[i])));
    const Bits r = reduce_bits(op, DType::float32, out, wide);
    if (op == Op::ArgMax || op == Op::ArgMin) return r;
    return element_bits<half>(half(element_value<float>(r)));
  }
  return visit_dtype(in, [&]<class T>() -> Bits {
    if constexpr (ref::is_complex_v<T>) {
      // The API builds complex reductions from reductions of the parts.
      internal_error(__FILE__, __LINE__, "no complex reduction in the reference interpreter");
    } else {
      switch (op) {
        case Op::Sum:
        case Op::Prod: {
          if constexpr (std::is_floating_point_v<T>) {
            // float32 sums accumulate in float64 (as kiln's kernels do); products in the dtype.
            if (op == Op::Sum) {
              double acc = 0;
              for (Bits b : xs) acc += static_cast<double>(element_value<T>(b));
              return element_bits<T>(static_cast<T>(acc));
            }
            T acc = 1;
            for (Bits b : xs) acc *= element_value<T>(b);
            return element_bits<T>(acc);
          } else {
            int64_t acc = op == Op::Sum ? 0 : 1;
            for (Bits b : xs) {
              const auto v = static_cast<int64_t>(element_value<T>(b));
              acc = op == Op::Sum ? ref::wrap_add(acc, v) : ref::wrap_mul(acc, v);
            }
            return element_bits<int64_t>(acc);
          }
        }
        case Op::Max:
        case Op::Min: {
          T acc = element_value<T>(xs.front());
          for (Bits b : xs) {
            const T v = element_value<T>(b);
            if constexpr (std::is_floating_point_v<T>)
              acc = op == Op::Max ? ref::fmaximum(acc, v) : ref::fminimum(acc, v);
            else
              acc = op == Op::Max ? std::max(acc, v) : std::min(acc, v);
          }
          return element_bits<T>(acc);
        }
        case Op::ArgMax:
        case Op::ArgMin: {
          int64_t best = 0;
          T bv = element_value<T>(xs.front());
          for (size_t i = 1; i < xs.size(); ++i) {
            const T v = element_value<T>(xs[i]);
            bool better = op == Op::ArgMax ? v > bv : v < bv;
            if constexpr (std::is_floating_point_v<T>) {
              if (std::isnan(bv))
                better = false;
              else if (std::isnan(v))
                better = true;
            }
            if (better) {
              best = static_cast<int64_t>(i);
              bv = v;
            }
          }
          return element_bits<int64_t>(best);
        }
        case Op::Any:
        case Op::All: {
          bool acc = op == Op::All;
          for (Bits b : xs) acc = op == Op::Any ? (acc || b != 0) : (acc && b != 0);
          return element_bits<bool>(acc);
        }
        default:
          break;
      }
    }
    (void)out;
    return 0;
  });
}

namespace {

// Strides, relative to the result's shape, with which an operand of shape `s` is read:
// broadcast dimensions get stride 0.
Dims broadcast_strides(const Dims& operand, const Dims& result) {
  const Dims cs = contiguous_strides(operand);
  Dims out;
  out.resize(result.rank(), 0);
  const int off = result.rank() - operand.rank();
  for (int d = 0; d < operand.rank(); ++d) out[off + d] = operand[d] == 1 ? 0 : cs[d];
  return out;
}

Bits load_bits(const Buffer& b, DType t, int64_t i) {
  return visit_dtype(t, [&]<class T>() -> Bits {
    T v;
    std::memcpy(&v, static_cast<const char*>(b.data) + i * static_cast<int64_t>(sizeof(T)),
                sizeof(T));
    return element_bits<T>(v);
  });
}

}  // namespace

std::string gather_error(const GNode& n, const Dims& operand) {
  const int axis = static_cast<int>(n.payload.v[0]);
  return "an index is out of bounds for axis " + std::to_string(axis) + " with size " +
         std::to_string(operand[axis]);
}

namespace {

// take and take_along_axis: element k of the result reads the operand at its own position
// with the axis coordinate replaced by an index (negative ones count from the end).
void gather(const GNode& n, const HostArray& a, const HostArray& idx, HostArray& out) {
  const int axis = static_cast<int>(n.payload.v[0]);
  const Dims ca = contiguous_strides(a.shape), ci = contiguous_strides(idx.shape);
  const int64_t extent = a.shape[axis];
  const int r = n.shape.rank();
  const int idx_rank = idx.shape.rank();
  Dims coord;
  coord.resize(r, 0);
  for (size_t k = 0; k < out.bits.size(); ++k) {
    int64_t at_idx = 0, at_a = 0;
    if (n.op == Op::Take) {  // result dims: a's before the axis, idx's, a's after the axis
      for (int d = 0; d < idx_rank; ++d) at_idx += coord[axis + d] * ci[d];
      for (int d = 0; d < axis; ++d) at_a += coord[d] * ca[d];
      for (int d = axis + 1; d < a.shape.rank(); ++d) at_a += coord[d - 1 + idx_rank] * ca[d];
    } else {  // same rank; extent-1 dims broadcast
      for (int d = 0; d < r; ++d) {
        if (idx.shape[d] != 1) at_idx += coord[d] * ci[d];
        if (d != axis && a.shape[d] != 1) at_a += coord[d] * ca[d];
      }
    }
    int64_t i = element_value<int64_t>(idx.bits[static_cast<size_t>(at_idx)]);
    if (i < 0) i += extent;
    if (i < 0 || i >= extent) throw_error(op_info(n.op).fn, gather_error(n, a.shape), n.loc);
    out.bits[k] = a.bits[static_cast<size_t>(at_a + i * ca[axis])];
    for (int d = r - 1; d >= 0; --d) {
      if (++coord[d] < n.shape[d]) break;
      coord[d] = 0;
    }
  }
}

}  // namespace

std::vector<HostArray> interpret(const Graph& g) {
  std::vector<HostArray> values(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GNode& n = g.nodes[i];
    HostArray& out = values[i];
    out.dtype = n.dtype;
    out.shape = n.shape;
    const int64_t size = n.shape.size();
    out.bits.resize(static_cast<size_t>(size));
    if (n.op == Op::Data) {
      for (int64_t k = 0; k < size; ++k) out.bits[k] = load_bits(*n.buffer, n.dtype, k);
      continue;
    }
    if (is_leaf(n.op)) {
      for (int64_t k = 0; k < size; ++k) out.bits[k] = leaf_value_bits(n.op, n.dtype, n.payload, k);
      continue;
    }
    if (is_reduction(n.op)) {
      const HostArray& src = values[n.args[0]];
      const uint64_t mask = n.payload.v[0];
      const Dims cs = contiguous_strides(src.shape);
      Dims kept, reduced, kept_strides, reduced_strides;
      for (int d = 0; d < src.shape.rank(); ++d) {
        ((mask >> d & 1) ? reduced : kept).push_back(src.shape[d]);
        ((mask >> d & 1) ? reduced_strides : kept_strides).push_back(cs[d]);
      }
      const int64_t count = reduced.size();
      std::vector<Bits> xs(static_cast<size_t>(count));
      Dims ko;
      ko.resize(kept.rank(), 0);
      for (int64_t k = 0; k < size; ++k) {
        int64_t base = 0;
        for (int d = 0; d < kept.rank(); ++d) base += ko[d] * kept_strides[d];
        Dims ro;
        ro.resize(reduced.rank(), 0);
        for (int64_t r = 0; r < count; ++r) {
          int64_t at = base;
          for (int d = 0; d < reduced.rank(); ++d) at += ro[d] * reduced_strides[d];
          xs[static_cast<size_t>(r)] = src.bits[static_cast<size_t>(at)];
          for (int d = reduced.rank() - 1; d >= 0; --d) {
            if (++ro[d] < reduced[d]) break;
            ro[d] = 0;
          }
        }
        out.bits[k] = reduce_bits(n.op, src.dtype, n.dtype, xs);
        for (int d = kept.rank() - 1; d >= 0; --d) {
          if (++ko[d] < kept[d]) break;
          ko[d] = 0;
        }
      }
      continue;
    }
    if (is_gather(n.op)) {
      gather(n, values[n.args[0]], values[n.args[1]], out);
      continue;
    }
    if (n.op ==
        Op::View) {  // element i reads the operand's flat index offset + sum i[d]*strides[d]
      const HostArray& src = values[n.args[0]];
      Dims coord;
      coord.resize(n.shape.rank(), 0);
      for (int64_t k = 0; k < size; ++k) {
        int64_t flat = static_cast<int64_t>(n.payload.v[0]);
        for (int d = 0; d < n.shape.rank(); ++d) flat += coord[d] * n.strides[d];
        out.bits[k] = src.bits[static_cast<size_t>(flat)];
        for (int d = n.shape.rank() - 1; d >= 0; --d) {
          if (++coord[d] < n.shape[d]) break;
          coord[d] = 0;
        }
      }
      continue;
    }
    if (n.op == Op::Update) {  // a's values, then v's written through the window
      out.bits = values[n.args[0]].bits;
      const HostArray& v = values[n.args[1]];
      const Dims& window = g.nodes[n.args[1]].shape;
      Dims coord;
      coord.resize(window.rank(), 0);
      for (size_t k = 0; k < v.bits.size(); ++k) {
        int64_t flat = static_cast<int64_t>(n.payload.v[0]);
        for (int d = 0; d < window.rank(); ++d) flat += coord[d] * n.strides[d];
        out.bits[static_cast<size_t>(flat)] = v.bits[k];
        for (int d = window.rank() - 1; d >= 0; --d) {
          if (++coord[d] < window[d]) break;
          coord[d] = 0;
        }
      }
      continue;
    }
    if (n.op == Op::Concatenate) {  // per block of the axes before the axis, each operand's run
      const int axis = static_cast<int>(n.payload.v[0]);
      int64_t outer = 1;
      for (int d = 0; d < axis; ++d) outer *= n.shape[d];
      size_t at = 0;
      for (int64_t o = 0; o < outer; ++o)
        for (int a = 0; a < n.nargs; ++a) {
          const HostArray& src = values[n.args[a]];
          const size_t run = outer ? src.bits.size() / static_cast<size_t>(outer) : 0;
          for (size_t k = 0; k < run; ++k) out.bits[at++] = src.bits[o * run + k];
        }
      continue;
    }
    Dims strides[3];
    for (int a = 0; a < n.nargs; ++a)
      strides[a] = broadcast_strides(g.nodes[n.args[a]].shape, n.shape);
    // The value operands' dtype (Where's first operand is the bool condition).
    const DType arg_dtype = g.nodes[n.args[n.op == Op::Where ? 1 : 0]].dtype;
    Dims coord;
    coord.resize(n.shape.rank(), 0);
    for (int64_t k = 0; k < size; ++k) {
      Bits args[3];
      for (int a = 0; a < n.nargs; ++a) {
        int64_t idx = 0;
        for (int d = 0; d < n.shape.rank(); ++d) idx += coord[d] * strides[a][d];
        args[a] = values[n.args[a]].bits[idx];
      }
      bool fail = false;
      out.bits[k] = apply_op_bits(n.op, n.dtype, arg_dtype, args, fail);
      if (fail) {
        throw_error(op_info(n.op).fn, "integers to negative integer powers are not allowed", n.loc);
      }
      for (int d = n.shape.rank() - 1; d >= 0; --d) {
        if (++coord[d] < n.shape[d]) break;
        coord[d] = 0;
      }
    }
  }
  std::vector<HostArray> outputs;
  for (int32_t o : g.outputs) outputs.push_back(values[o]);
  return outputs;
}

}  // namespace kiln::graph
