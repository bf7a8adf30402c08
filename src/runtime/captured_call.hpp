// What kiln::compile needs of the sync driver: one trace's pending graph read like a sync reads
// it (without running it), a sync that hands back the plan it ran, and the replay of that plan
// on new buffers and scalar values with no trace, no passes and no scheduling.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/node.hpp"
#include "runtime/context.hpp"

namespace kiln::runtime {

/// One trace of a compiled function's outputs, by position in the walk of its pending graph
/// (the positions that the plan's data and scalar slots use).
struct CallProbe {
  bool capturable = false;   ///< one plan of kernels on one device computes every output
  std::string why;           ///< when not: what stood in the way (for KILN_LOG)
  SignatureBytes signature;  ///< the structural plan signature (scalar classes, not values)
  /// Per position: the evaluated leaf read there, with one handle reference that the caller
  /// takes over (null elsewhere).
  std::vector<graph::Node*> data;
  std::vector<uint64_t> scalars;  ///< per position: a scalar (Full) node's value bits, else 0
  std::vector<DType> dtypes;      ///< per position: the node's dtype
  std::vector<char> is_scalar;    ///< per position: a Full node
};

/// A plan as kiln::compile keeps it: complete, loaded, replayable on any buffers and scalar
/// values of the same signature.
struct CapturedPlan {
  std::shared_ptr<const Context::CachedPlan> plan;
  graph::DeviceId device = graph::kCpuDevice;
  size_t positions = 0;  ///< walk positions (the length of the data and scalar vectors)
};

}  // namespace kiln::runtime
