// Hand-built graphs for the unit tests of the passes, the rules and the scheduler.
#pragma once

#include <memory>

#include "graph/graph.hpp"
#include "graph/payload.hpp"

namespace kiln_test {

/// Appends nodes to a Graph; each call returns the new node's index.
struct GraphBuilder {
  kiln::graph::Graph g;

  /// Evaluated data of `shape` (a captured input: its source is its index).
  int32_t data(kiln::DType t, kiln::graph::Dims shape = {8}) {
    kiln::graph::GNode n;
    n.op = kiln::graph::Op::Data;
    n.dtype = t;
    n.shape = shape;
    n.buffer = std::make_shared<kiln::graph::Buffer>();
    n.source = static_cast<int32_t>(g.nodes.size());
    return g.add(n);
  }
  /// A constant with payload bits `bits`.
  int32_t full(kiln::DType t, uint64_t bits, kiln::graph::Dims shape = {}) {
    kiln::graph::GNode n;
    n.op = kiln::graph::Op::Full;
    n.dtype = t;
    n.shape = shape;
    n.payload.v[0] = bits;
    return g.add(n);
  }
  /// A real constant `v` of dtype `t`.
  int32_t value(kiln::DType t, double v, kiln::graph::Dims shape = {}) {
    return full(t,
                kiln::graph::visit_dtype(t,
                                         [&]<class T>() -> uint64_t {
                                           if constexpr (std::is_same_v<T, std::complex<double>>)
                                             return 0;
                                           else
                                             return kiln::graph::to_bits(static_cast<T>(v));
                                         }),
                shape);
  }
  /// An elementwise op over operands that broadcast (numpy's rule).
  int32_t op(kiln::graph::Op o, kiln::DType t, std::initializer_list<int32_t> args) {
    kiln::graph::GNode n;
    n.op = o;
    n.dtype = t;
    for (int32_t a : args) {
      n.args[n.nargs++] = a;
      const kiln::graph::Dims& s = g.nodes[a].shape;
      if (s.rank() > n.shape.rank()) n.shape.resize(s.rank());
      for (int d = 1; d <= s.rank(); ++d)
        if (s[s.rank() - d] != 1) n.shape[n.shape.rank() - d] = s[s.rank() - d];
    }
    return g.add(n);
  }
  /// A reduction of `x` over the axes in `mask`.
  int32_t reduce(kiln::graph::Op o, int32_t x, uint64_t mask, bool keepdims = false) {
    kiln::graph::GNode n;
    n.op = o;
    n.dtype =
        o == kiln::graph::Op::Any || o == kiln::graph::Op::All ? kiln::bool_ : g.nodes[x].dtype;
    n.nargs = 1;
    n.args[0] = x;
    const kiln::graph::Dims& s = g.nodes[x].shape;
    for (int d = 0; d < s.rank(); ++d) {
      if (!(mask >> d & 1))
        n.shape.push_back(s[d]);
      else if (keepdims)
        n.shape.push_back(1);
    }
    n.payload.v[0] = mask;
    n.payload.v[1] = keepdims;
    return g.add(n);
  }
  /// `x` seen in `shape` with `strides` over its flat index.
  int32_t view(int32_t x, kiln::graph::Dims shape, kiln::graph::Dims strides) {
    kiln::graph::GNode n;
    n.op = kiln::graph::Op::View;
    n.dtype = g.nodes[x].dtype;
    n.nargs = 1;
    n.args[0] = x;
    n.shape = shape;
    n.strides = strides;
    return g.add(n);
  }
};

}  // namespace kiln_test
