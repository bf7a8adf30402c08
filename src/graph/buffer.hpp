// Buffer: the memory of an evaluated array, as the graph, the runtime and the backends share it.
#pragma once

#include <cstddef>

namespace kiln::graph {

/// Memory of an evaluated array. The allocator that made it frees it through the deleter of the
/// shared_ptr that owns it.
struct Buffer {
  void* data = nullptr;  ///< first element, aligned for the dtype (64 bytes when kiln allocated it)
  size_t bytes = 0;      ///< usable size
  bool external = false;  ///< the user's memory (wrap): never written by kiln
  bool part = false;      ///< a view into another buffer (an alias): never written in place
};

}  // namespace kiln::graph
