// LibraryCall: a library op (matmul, an FFT, a scatter, a scan, a concatenation or a transfer)
// as one sync saw it under the tracer's lock, so that it can run without the lock while other
// threads trace and evaluate (an evaluation elsewhere may rewrite the node itself).
#pragma once

#include <memory>
#include <vector>

#include "graph/node.hpp"

namespace kiln::runtime {

/// An operand of a library op.
struct LibraryOperand {
  graph::Node* node = nullptr;  ///< the operand (the call holds a reference)
  DType dtype = DType::float32;
  graph::Dims shape;
  graph::DeviceId device = graph::kCpuDevice;
  std::shared_ptr<graph::Buffer> buffer;  ///< its data, once evaluated
  /// A pending view of evaluated data, which BLAS may read in place: that data, the view's
  /// first element and its strides over the data's flat index.
  std::shared_ptr<graph::Buffer> view_data;
  int64_t view_offset = 0;
  graph::Dims view_strides;
  /// A pending view's operand that is stored anyway (an update's or a concatenation's buffer,
  /// or an array a handle holds): matmul evaluates it rather than the view, to read the view
  /// where it is.
  graph::Node* view_base = nullptr;
};

/// A library node and its operands.
struct LibraryCall {
  graph::Node* node = nullptr;  ///< the library node (the call holds a reference)
  graph::Op op = graph::Op::MatMul;
  DType dtype = DType::float32;
  graph::Dims shape;
  graph::Payload payload;
  graph::SourceLoc loc;
  graph::DeviceId device = graph::kCpuDevice;
  std::vector<LibraryOperand> args;
};

}  // namespace kiln::runtime
