#include <cstring>
#include <string>

#include "api/apply.hpp"
#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"
#include "kiln/array.hpp"
#include "kiln/error.hpp"

namespace kiln {

using detail::context;
using detail::to_loc;

Array::Array(const Array& other) noexcept : node_(other.node_) {
  if (node_) graph::Tracer::add_handle(node_);
}

Array& Array::operator=(const Array& other) noexcept {
  if (other.node_) graph::Tracer::add_handle(other.node_);
  if (node_) node_->tracer->drop_handle(node_);
  node_ = other.node_;
  return *this;
}

Array& Array::operator=(Array&& other) noexcept {
  if (this != &other) {
    if (node_) node_->tracer->drop_handle(node_);
    node_ = other.node_;
    other.node_ = nullptr;
  }
  return *this;
}

Array::~Array() {
  if (node_) node_->tracer->drop_handle(node_);
}

namespace {
const graph::Node& checked(const graph::Node* n, const char* what) {
  if (!n)
    graph::throw_error(what, "called on an empty Array handle (default-constructed or moved from)",
                       {});
  return *n;
}
}  // namespace

Shape Array::shape() const {
  return checked(node_, "shape").shape.to_shape();
}
int Array::ndim() const {
  return checked(node_, "ndim").shape.rank();
}
int64_t Array::size() const {
  return checked(node_, "size").shape.size();
}
DType Array::dtype() const {
  return checked(node_, "dtype").dtype;
}
Device Array::device() const {
  return graph::device_of(checked(node_, "device").device);
}
bool Array::is_evaluated() const {
  return checked(node_, "is_evaluated").evaluated();
}

Array Array::astype(DType dtype, std::source_location loc) const {
  return detail::cast(*this, dtype, to_loc(loc));
}

const Array& Array::eval(std::source_location loc) const {
  graph::Node* n = detail::node_of(*this, "eval", to_loc(loc));
  if (!n->evaluated()) context().evaluate({&n, 1});
  return *this;
}

int64_t Array::checked_size(const std::source_location& loc) const {
  return detail::node_of(*this, "to_vector", to_loc(loc))->shape.size();
}

int64_t Array::checked_item_index(int64_t flat_index, const std::source_location& loc) const {
  const graph::Node* n = detail::node_of(*this, "item", to_loc(loc));
  const int64_t size = n->shape.size();
  if (flat_index == kNoIndex) {
    if (size != 1)
      graph::throw_error("item",
                         "the array of shape " + graph::to_string(n->shape) + " has " +
                             std::to_string(size) +
                             " elements; item() without an index needs exactly one",
                         to_loc(loc));
    return 0;
  }
  const int64_t i = flat_index < 0 ? flat_index + size : flat_index;
  if (i < 0 || i >= size)
    graph::throw_error("item",
                       "index " + std::to_string(flat_index) +
                           " is out of bounds for an array of size " + std::to_string(size),
                       to_loc(loc));
  return i;
}

namespace {
// The evaluated node's data in host memory (copied from its device at the first read).
const void* host_data(graph::Node* n, const std::source_location& loc) {
  try {
    return context().host_data(n);
  } catch (const Error& e) {
    graph::rethrow_at(e, to_loc(loc));
  }
}
}  // namespace

void Array::read_into(void* dst, DType as, int64_t first, int64_t count,
                      const std::source_location& loc) const {
  eval(loc);
  const graph::Node* n = node_;
  const char* src = static_cast<const char*>(host_data(node_, loc)) + first * itemsize(n->dtype);
  if (as == n->dtype) {
    if (count > 0) std::memcpy(dst, src, static_cast<size_t>(count) * itemsize(as));  // an empty
    return;  // vector's data() may be null, which memcpy must not get even for 0 bytes
  }
  graph::visit_dtype(n->dtype, [&]<class From>() {
    graph::visit_dtype(as, [&]<class To>() {
      auto* out =
          static_cast<std::conditional_t<std::is_same_v<To, bool>, unsigned char, To>*>(dst);
      for (int64_t i = 0; i < count; ++i) {
        From v;
        std::memcpy(&v, src + i * static_cast<int64_t>(sizeof(From)), sizeof(From));
        out[i] = graph::ref::cast<To>(v);
      }
    });
  });
}

const void* Array::raw_data(DType expected, const std::source_location& loc) const {
  const graph::Node* n = detail::node_of(*this, "data", to_loc(loc));
  if (n->dtype != expected)
    graph::throw_error("data",
                       "the array's dtype is " + std::string(dtype_name(n->dtype)) + ", not " +
                           std::string(dtype_name(expected)) +
                           " (use to_vector<T>() to convert, or astype)",
                       to_loc(loc));
  eval(loc);
  return host_data(node_, loc);
}

std::string Device::name() const {
  return kind_ == Kind::cpu ? "cpu" : "cuda:" + std::to_string(index_);
}

}  // namespace kiln
