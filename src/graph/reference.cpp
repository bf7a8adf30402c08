#include "graph/reference.hpp"

#include <cstring>
#include <string>

#include "graph/errors.hpp"
#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"

namespace kiln::graph {

template <class T>
T HostArray::at(int64_t i) const {
  return from_bits<T>(bits[static_cast<size_t>(i)]);
}
template bool HostArray::at<bool>(int64_t) const;
template int32_t HostArray::at<int32_t>(int64_t) const;
template int64_t HostArray::at<int64_t>(int64_t) const;
template float HostArray::at<float>(int64_t) const;
template double HostArray::at<double>(int64_t) const;

uint64_t leaf_value_bits(Op op, DType dtype, const Payload& p, int64_t i) {
  return visit_dtype(dtype, [&]<class T>() -> uint64_t {
    switch (op) {
      case Op::Full:
        return p.v[0];
      case Op::Arange: {
        const T start = from_bits<T>(p.v[0]), delta = from_bits<T>(p.v[1]);
        if constexpr (std::is_same_v<T, bool>)
          return to_bits<T>(i == 0 ? start : (start || delta));
        else if constexpr (ref::is_int_v<T>)
          return to_bits<T>(ref::wrap_add(start, ref::wrap_mul(static_cast<T>(i), delta)));
        else
          return to_bits<T>(start + static_cast<T>(i) * delta);
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
        return to_bits<T>(ref::cast<T>(y));
      }
      case Op::Eye:
        return to_bits<T>(ref::cast<T>(i % static_cast<int64_t>(p.v[0]) == 0));
      default:
        return 0;
    }
  });
}

uint64_t apply_op_bits(Op op, DType result, DType arg_dtype, const uint64_t* a, bool& fail) {
  const TypeRule rule = op_info(op).rule;
  if (op == Op::Cast) {
    return visit_dtype(arg_dtype, [&]<class From>() {
      return visit_dtype(
          result, [&]<class To>() { return to_bits<To>(ref::cast<To>(from_bits<From>(a[0]))); });
    });
  }
  if (op == Op::Where) return from_bits<bool>(a[0]) ? a[1] : a[2];
  return visit_dtype(arg_dtype, [&]<class T>() -> uint64_t {
    const T x = from_bits<T>(a[0]);
    if (rule == TypeRule::Predicate) return to_bits<bool>(ref::predicate(op, x));
    if (op_info(op).arity == 1) return to_bits<T>(ref::unary(op, x));
    const T y = from_bits<T>(a[1]);
    if (rule == TypeRule::Compare) return to_bits<bool>(ref::compare(op, x, y));
    return to_bits<T>(ref::binary(op, x, y, fail));
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

uint64_t load_bits(const Buffer& b, DType t, int64_t i) {
  return visit_dtype(t, [&]<class T>() {
    T v;
    std::memcpy(&v, static_cast<const char*>(b.data) + i * static_cast<int64_t>(sizeof(T)),
                sizeof(T));
    return to_bits<T>(v);
  });
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
    Dims strides[3];
    for (int a = 0; a < n.nargs; ++a)
      strides[a] = broadcast_strides(g.nodes[n.args[a]].shape, n.shape);
    // The value operands' dtype (Where's first operand is the bool condition).
    const DType arg_dtype = g.nodes[n.args[n.op == Op::Where ? 1 : 0]].dtype;
    Dims coord;
    coord.resize(n.shape.rank(), 0);
    for (int64_t k = 0; k < size; ++k) {
      uint64_t args[3];
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
