// kiln::Array, the lazy array handle, and kiln::Operand, the parameter type that lets arrays
// and C++ scalars mix in every operation.
#pragma once

#include <cstdint>
#include <cstring>
#include <source_location>
#include <type_traits>
#include <vector>

#include "kiln/device.hpp"
#include "kiln/dtype.hpp"
#include "kiln/index.hpp"

namespace kiln {

namespace graph {
struct Node;
}
class IndexRef;
class Operand;

/// A cheap, copyable, reference-counted handle to a lazily computed array.
///
/// Every operation returns a new Array at once and only records the operation; nothing runs
/// until a sync point: eval(), kiln::eval(), kiln::sync(), or a read (to_vector, item, data).
/// An evaluated array keeps its buffer, so reading it again is free. Shapes and dtypes are known
/// while tracing, so shape and dtype mistakes throw kiln::Error at the call that makes them.
class Array {
 public:
  /// An empty handle. Using it in an operation throws kiln::Error.
  Array() noexcept = default;
  /// Shares the same array (no copy of data).
  Array(const Array& other) noexcept;
  /// Takes over the handle; `other` becomes empty.
  Array(Array&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
  /// Rebinds this handle to `other`'s array.
  Array& operator=(const Array& other) noexcept;
  /// Rebinds this handle to `other`'s array; `other` becomes empty.
  Array& operator=(Array&& other) noexcept;
  /// Drops this handle; the array's storage goes when its last handle and user are gone.
  ~Array();

  /// Extents, outermost first.
  Shape shape() const;
  /// Number of dimensions.
  int ndim() const;
  /// Number of elements.
  int64_t size() const;
  /// Element type.
  DType dtype() const;
  /// The device holding the data (or that will hold it once evaluated).
  Device device() const;
  /// True once the array has been computed and holds a buffer.
  bool is_evaluated() const;
  /// False for a default-constructed (empty) handle.
  bool valid() const noexcept { return node_ != nullptr; }

  /// The array on `device`: itself when it is already there, else a copy made at the sync
  /// (lazy, like every op; to a GPU it is queued on the device's stream). Throws kiln::Error for
  /// a device that is missing (see kiln::Device).
  Array to(const Device& device, std::source_location loc = std::source_location::current()) const;
  /// A copy converted to `dtype` with numpy's casting rules (`astype`). Lazy.
  Array astype(DType dtype, std::source_location loc = std::source_location::current()) const;

  /// kiln::reshape(*this, shape): a view with a new shape of the same size (one -1 allowed).
  Array reshape(const Shape& shape,
                std::source_location loc = std::source_location::current()) const;
  /// kiln::transpose(*this): the axes reversed (a view).
  Array T(std::source_location loc = std::source_location::current()) const;
  /// Basic indexing, numpy's a[1:, ::-2, 3, None, ...]: `a[{kiln::slice(1, kiln::none),
  /// kiln::slice(kiln::none, kiln::none, -2), 3, kiln::newaxis, kiln::ellipsis}]`. Integers
  /// drop their axis; slices clip as numpy's do. A view (no copy). Out-of-range integers and
  /// zero steps throw kiln::Error.
  Array operator[](const Indices& index) const&;
  /// The same on a temporary array: its value.
  Array operator[](const Indices& index) &&;
  /// The same on a (non-const) named array: the indexed value, which also refers back to this
  /// array, so that `a[{i, kiln::slice()}] = v` and `a[{i}] += v` update it (see IndexRef).
  IndexRef operator[](const Indices& index) &;
  /// kiln::flatten(*this): the elements as a 1-d array (a view where possible).
  Array flatten(std::source_location loc = std::source_location::current()) const;

  /// Computes this array now (a sync point) and keeps the result. Returns *this.
  const Array& eval(std::source_location loc = std::source_location::current()) const;

  /// All elements in row-major order, converted to T with numpy's casting rules. A sync point.
  template <class T>
  std::vector<T> to_vector(std::source_location loc = std::source_location::current()) const {
    static_assert(is_storable_v<T>,
                  "to_vector<T>: T must be bool, an integer type, float, double or "
                  "std::complex<float/double>");
    const int64_t n = checked_size(loc);
    if constexpr (std::is_same_v<T, bool>) {
      std::vector<unsigned char> bytes(static_cast<size_t>(n));
      read_into(bytes.data(), bool_, 0, n, loc);
      return std::vector<bool>(bytes.begin(), bytes.end());
    } else {
      std::vector<T> out(static_cast<size_t>(n));
      read_into(out.data(), dtype_of<T>(), 0, n, loc);
      return out;
    }
  }

  /// The single element of a size-1 array, converted to T. A sync point.
  template <class T>
  T item(std::source_location loc = std::source_location::current()) const {
    return item_impl<T>(kNoIndex, loc);
  }

  /// Element `flat_index` (row-major; negative counts from the end), converted to T.
  template <class T>
  T item(int64_t flat_index, std::source_location loc = std::source_location::current()) const {
    return item_impl<T>(flat_index, loc);
  }

  /// Pointer to the evaluated host data; T must be exactly the array's dtype. Valid while this
  /// array lives. A sync point.
  template <class T>
  const T* data(std::source_location loc = std::source_location::current()) const {
    static_assert(
        is_storable_v<T>,
        "data<T>: T must be bool, an integer type, float, double or std::complex<float/double>");
    return static_cast<const T*>(raw_data(dtype_of<T>(), loc));
  }

  /// Internal: adopts one reference to `node`.
  explicit Array(graph::Node* node) noexcept : node_(node) {}
  /// Internal: the traced node (null for an empty handle).
  graph::Node* node() const noexcept { return node_; }

 private:
  static constexpr int64_t kNoIndex = INT64_MIN;  // item() without an index
  template <class T>
  T item_impl(int64_t flat_index, const std::source_location& loc) const {
    static_assert(
        is_storable_v<T>,
        "item<T>: T must be bool, an integer type, float, double or std::complex<float/double>");
    const int64_t i = checked_item_index(flat_index, loc);
    if constexpr (std::is_same_v<T, bool>) {
      unsigned char b = 0;
      read_into(&b, bool_, i, 1, loc);
      return b != 0;
    } else {
      T value{};
      read_into(&value, dtype_of<T>(), i, 1, loc);
      return value;
    }
  }
  int64_t checked_item_index(int64_t flat_index, const std::source_location& loc) const;
  int64_t checked_size(const std::source_location& loc) const;
  void read_into(void* dst, DType as, int64_t first, int64_t count,
                 const std::source_location& loc) const;
  const void* raw_data(DType expected, const std::source_location& loc) const;

  graph::Node* node_ = nullptr;
};

/// What `a[{...}]` gives on a named, non-const array, as Eigen's blocks: the indexed value (an
/// Array: every read and every operation takes it as it is) that also refers back to `a`.
/// Assigning to it updates `a` with numpy's rules: `a[{i}] = v`, `a[{kiln::slice(1, -1)}] += v`,
/// `a[{i}][{j}] = v` (numpy's `a[i][j] = v`). `v` broadcasts into the indexed part and is cast to
/// a's dtype (a complex value into a real array is an error); compound assignments keep a's dtype
/// under numpy's same_kind rule. Arrays are values: an Array taken from `a` before the update
/// keeps the value it had (numpy would share memory; kiln never changes an array you hold).
/// The update runs in place, with no copy of `a`, when nothing else refers to a's old value.
///
/// `Array row = a[{i}];` takes the value at that moment. `auto row = a[{i}];` is an IndexRef:
/// its value is a's part when it was made, and assigning to it still updates `a` (as `auto`
/// with an Eigen expression keeps the expression).
class IndexRef : public Array {
 public:
  /// a[index] of `target` (internal: made by Array::operator[]).
  IndexRef(Array& target, const Indices& index);
  /// Copies the reference (both refer to the same array).
  IndexRef(const IndexRef&) = default;

  /// a[index] = value.
  IndexRef& operator=(const Operand& value);
  /// a[index] = the other's value (not a rebinding).
  IndexRef& operator=(const IndexRef& other);
  /// a[index] = a[index] + value (and the other compound assignments likewise), in a's dtype.
  IndexRef& operator+=(const Operand& value);
  /// a[index] -= value.
  IndexRef& operator-=(const Operand& value);
  /// a[index] *= value.
  IndexRef& operator*=(const Operand& value);
  /// a[index] /= value (true division: an integer array cannot take it, as in numpy).
  IndexRef& operator/=(const Operand& value);
  /// a[index] %= value.
  IndexRef& operator%=(const Operand& value);
  /// a[index] &= value.
  IndexRef& operator&=(const Operand& value);
  /// a[index] |= value.
  IndexRef& operator|=(const Operand& value);
  /// a[index] ^= value.
  IndexRef& operator^=(const Operand& value);
  /// a[index] <<= value.
  IndexRef& operator<<=(const Operand& value);
  /// a[index] >>= value.
  IndexRef& operator>>=(const Operand& value);

  /// a[index][index2]: the part of this part, still referring to `a`.
  IndexRef operator[](const Indices& index);
  /// The value's own indexing (no reference back).
  Array operator[](const Indices& index) const { return Array::operator[](index); }

  /// How the compound assignments combine: which of numpy's functions.
  enum class Combine : unsigned char {
    set,
    add,
    subtract,
    multiply,
    divide,
    remainder,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    left_shift,
    right_shift,
    minimum,
    maximum
  };

 private:
  IndexRef(Array& target, std::vector<Indices> chain, Array value);
  IndexRef& update(Combine how, const Operand& value);
  // The indices from `a` to this part: a[chain()[0]][chain()[1]]...
  std::span<const Indices> chain() const noexcept {
    return chain_.empty() ? std::span<const Indices>(&first_, 1) : std::span<const Indices>(chain_);
  }
  Array* target_;
  Indices first_;               // a[first_]: the common case, with no allocation
  std::vector<Indices> chain_;  // a[i][j]...: the whole chain (chain_[0] is first_)
};

/// A C++ number with its kind remembered: numpy's weakly typed Python scalars (NEP 50).
struct Scalar {
  /// Which kind of C++ number it was.
  enum class Kind : unsigned char { bool_, int_, float_, complex_ };
  Kind kind = Kind::int_;
  /// True for an unsigned integer above INT64_MAX, which no kiln dtype holds.
  bool unsigned_overflow = false;
  /// The value of a bool (0 or 1) or integer.
  int64_t i = 0;
  /// The value of a floating-point number (a complex number's real part).
  double f = 0.0;
  /// A complex number's imaginary part.
  double imag = 0.0;

  /// Captures a std::complex (weakly typed: complex64 with float32 or complex64 arrays,
  /// complex128 with the others, as numpy's Python complex).
  template <class T>
  static constexpr Scalar of(std::complex<T> value) noexcept {
    Scalar s;
    s.kind = Kind::complex_;
    s.f = static_cast<double>(value.real());
    s.imag = static_cast<double>(value.imag());
    return s;
  }

  /// Captures any C++ arithmetic value.
  template <class T>
  requires std::is_arithmetic_v<T>
  static constexpr Scalar of(T value) noexcept {
    Scalar s;
    if constexpr (std::is_same_v<T, bool>) {
      s.kind = Kind::bool_;
      s.i = value ? 1 : 0;
    } else if constexpr (std::is_integral_v<T>) {
      s.kind = Kind::int_;
      if constexpr (std::is_unsigned_v<T> && sizeof(T) >= 8) {
        s.unsigned_overflow = value > static_cast<T>(INT64_MAX);
      }
      s.i = static_cast<int64_t>(value);
    } else {
      s.kind = Kind::float_;
      s.f = static_cast<double>(value);
    }
    return s;
  }
};

/// What every kiln operation accepts in place of an array: an Array, or a C++ scalar, which is
/// weakly typed as in numpy's NEP 50 (`float32_array * 2.0` stays float32). It also records the
/// caller's source location, which is how `a + b` can name the user's file:line in an error.
/// Operand is a parameter type only: never store one.
class Operand {
 public:
  /// An array operand.
  Operand(const Array& a, std::source_location loc = std::source_location::current()) noexcept
      : array_(&a), loc_(loc) {}

  /// A C++ scalar operand (weakly typed: it takes the other operands' dtype where it fits).
  template <class T>
  requires std::is_arithmetic_v<T> Operand(
      T value, std::source_location loc = std::source_location::current())
  noexcept : scalar_(Scalar::of(value)), loc_(loc) {}

  /// A std::complex scalar operand (weakly typed, as numpy's Python complex).
  template <class T>
  requires std::is_floating_point_v<T> Operand(
      std::complex<T> value, std::source_location loc = std::source_location::current())
  noexcept : scalar_(Scalar::of(value)), loc_(loc) {}

  /// True when an Array was given.
  bool is_array() const noexcept { return array_ != nullptr; }
  /// The array (only when is_array()).
  const Array& array() const noexcept { return *array_; }
  /// The scalar (only when !is_array()).
  const Scalar& scalar() const noexcept { return scalar_; }
  /// The caller's source location.
  const std::source_location& loc() const noexcept { return loc_; }

 private:
  const Array* array_ = nullptr;
  Scalar scalar_;
  std::source_location loc_;
};

}  // namespace kiln
