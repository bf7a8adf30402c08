#include "api/apply.hpp"

#include <limits>
#include <string>

#include "api/complex_math.hpp"
#include "graph/payload.hpp"
#include "graph/scalar_math.hpp"
#include "graph/types.hpp"

namespace kiln::detail {

using graph::Dims;
using graph::Node;
using graph::Op;
using graph::SourceLoc;

namespace {

graph::Kind scalar_kind(const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::bool_:
      return graph::Kind::bool_;
    case Scalar::Kind::int_:
      return graph::Kind::integer;
    case Scalar::Kind::float_:
      return graph::Kind::floating;
    case Scalar::Kind::complex_:
      return graph::Kind::complex;
  }
  return graph::Kind::floating;
}

std::string dtype_list(std::initializer_list<const Operand*> ops, bool skip_first) {
  std::string s;
  bool first = true;
  for (const Operand* o : ops) {
    if (skip_first) {
      skip_first = false;
      continue;
    }
    if (!first) s += " and ";
    first = false;
    if (o->is_array())
      s += dtype_name(o->array().dtype());
    else
      s += o->scalar().kind == Scalar::Kind::complex_ ? "a C++ complex"
           : o->scalar().kind == Scalar::Kind::float_ ? "a C++ float"
           : o->scalar().kind == Scalar::Kind::int_   ? "a C++ integer"
                                                      : "a C++ bool";
  }
  return s;
}

// numpy broadcasting: align at the right; each extent must match or be 1.
bool broadcast_into(Dims& acc, const Dims& s) {
  if (s.rank() > acc.rank()) {
    Dims wider;
    wider.resize(s.rank(), 1);
    for (int d = 0; d < acc.rank(); ++d) wider[s.rank() - acc.rank() + d] = acc[d];
    acc = wider;
  }
  for (int d = 1; d <= s.rank(); ++d) {
    int64_t& a = acc[acc.rank() - d];
    const int64_t b = s[s.rank() - d];
    if (a == b || b == 1) continue;
    if (a != 1) return false;
    a = b;
  }
  return true;
}

// Drops the handle references taken on temporary operand nodes once the user node holds them.
struct Temporaries {
  graph::Tracer& tracer;
  Node* nodes[3] = {};
  int count = 0;
  ~Temporaries() {
    for (int i = 0; i < count; ++i) tracer.drop_handle(nodes[i]);
  }
  Node* keep(Node* n) { return nodes[count++] = n; }
};

}  // namespace

int normalize_axis(std::string_view fn, int axis, int rank, SourceLoc loc, const Dims* shape) {
  if (axis < -rank || axis >= rank)
    graph::throw_error(fn,
                       "axis " + std::to_string(axis) + " is out of bounds for an array of " +
                           std::to_string(rank) + " dimension" + (rank == 1 ? "" : "s") +
                           (shape ? " (shape " + graph::to_string(*shape) + ")" : ""),
                       loc);
  return axis < 0 ? axis + rank : axis;
}

Node* node_of(const Array& a, std::string_view fn, SourceLoc loc) {
  if (!a.valid())
    graph::throw_error(fn, "got an empty Array handle (default-constructed or moved from)", loc);
  return a.node();
}

Dims checked_shape(const Shape& shape, std::string_view fn, SourceLoc loc) {
  if (shape.size() > static_cast<size_t>(graph::kMaxDims))
    graph::throw_error(fn,
                       "shape " + graph::shape_string(shape) + " has " +
                           std::to_string(shape.size()) + " dimensions; kiln supports at most " +
                           std::to_string(graph::kMaxDims),
                       loc);
  int64_t size = 1;
  for (int64_t e : shape) {
    if (e < 0)
      graph::throw_error(
          fn, "negative dimension " + std::to_string(e) + " in shape " + graph::shape_string(shape),
          loc);
    if (e != 0 && size > (int64_t{1} << 62) / e)
      graph::throw_error(fn, "shape " + graph::shape_string(shape) + " has too many elements", loc);
    size *= e;
  }
  return Dims(shape);
}

bool integer_fits(int64_t v, DType dtype) {
  return graph::visit_dtype(dtype, [&]<class T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if constexpr (std::is_unsigned_v<T>)
        return v >= 0 && static_cast<uint64_t>(v) <= std::numeric_limits<T>::max();
      else
        return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
    } else {
      return true;
    }
  });
}

uint64_t scalar_bits(const Scalar& s, DType dtype, std::string_view fn, SourceLoc loc) {
  using graph::to_bits;
  if (s.unsigned_overflow && dtype == DType::uint64) return static_cast<uint64_t>(s.i);
  if (s.unsigned_overflow)
    graph::throw_error(fn, "the unsigned integer is above INT64_MAX, which no kiln dtype holds",
                       loc);
  if (s.kind == Scalar::Kind::complex_) {
    if (dtype == DType::bool_) return s.f != 0 || s.imag != 0;  // its truth, as numpy's bool()
    if (dtype == DType::complex128) graph::no_complex128_bits();
    if (dtype != DType::complex64)
      graph::throw_error(
          fn, "a complex number cannot be converted to " + std::string(dtype_name(dtype)), loc);
    return to_bits(std::complex<float>(static_cast<float>(s.f), static_cast<float>(s.imag)));
  }
  if (s.kind == Scalar::Kind::float_) {
    return graph::visit_dtype(dtype,
                              [&]<class T>() { return to_bits<T>(graph::ref::cast<T>(s.f)); });
  }
  const int64_t v = s.i;
  if (s.kind == Scalar::Kind::int_ && is_integer(dtype) && !integer_fits(v, dtype))
    graph::throw_error(fn,
                       "the integer " + std::to_string(v) + " does not fit " +
                           std::string(dtype_name(dtype)) +
                           ", the dtype of this operation (a C++ integer takes the array's "
                           "integer type, as in numpy's NEP 50); convert the array with "
                           "astype(kiln::int64) first",
                       loc);
  return graph::visit_dtype(dtype, [&]<class T>() { return to_bits<T>(graph::ref::cast<T>(v)); });
}

graph::OperandType operand_type(const Operand& o) {
  if (o.is_array()) return {o.array().dtype(), false};
  return {graph::default_dtype(scalar_kind(o.scalar())), true};
}

Array constant(const Scalar& s, DType dtype, const Dims& shape, std::string_view fn, SourceLoc loc,
               graph::DeviceId device) {
  if (dtype != DType::complex128) {
    graph::Payload p;
    p.v[0] = scalar_bits(s, dtype, fn, loc);
    return record_leaf(Op::Full, dtype, shape, p, loc, device);
  }
  // The parts as float64 scalars: a real number's imaginary part is zero.
  Scalar re = s, im = Scalar::of(0.0);
  if (s.kind == Scalar::Kind::complex_) {
    re = Scalar::of(s.f);
    im = Scalar::of(s.imag);
  }
  graph::Payload pr, pi;
  pr.v[0] = scalar_bits(re, DType::float64, fn, loc);
  pi.v[0] = scalar_bits(im, DType::float64, fn, loc);
  const Array r = record_leaf(Op::Full, DType::float64, shape, pr, loc, device);
  const Array i = record_leaf(Op::Full, DType::float64, shape, pi, loc, device);
  graph::NodeDesc d;
  d.op = Op::MakeComplex;
  d.dtype = DType::complex128;
  d.nargs = 2;
  d.args[0] = r.node();
  d.args[1] = i.node();
  d.shape = shape;
  d.loc = loc;
  return Array(context().tracer().record(d));
}

namespace {
// Records n converted to dtype; returns the new node with one handle reference.
Node* record_cast(Node* n, DType dtype, SourceLoc loc) {
  graph::NodeDesc d;
  d.op = Op::Cast;
  d.dtype = dtype;
  d.nargs = 1;
  d.args[0] = n;
  d.shape = n->shape;
  d.loc = loc;
  return context().tracer().record(d);
}
}  // namespace

void check_dtype(DType dtype, std::string_view fn, SourceLoc loc) {
  if (static_cast<int>(dtype) >= kNumDTypes)
    graph::throw_error(fn,
                       "invalid dtype value " + std::to_string(static_cast<int>(dtype)) +
                           " (a DType is one of kiln's dtype constants, such as kiln::float32)",
                       loc);
}

Array cast(const Array& a, DType dtype, SourceLoc loc) {
  Node* n = node_of(a, "astype", loc);
  check_dtype(dtype, "astype", loc);
  if (n->dtype == dtype) return a;
  return Array(record_cast(n, dtype, loc));
}

Array record_leaf(Op op, DType dtype, const Dims& shape, const graph::Payload& payload,
                  SourceLoc loc, graph::DeviceId device) {
  graph::NodeDesc d;
  d.op = op;
  d.device = device;
  d.dtype = dtype;
  d.shape = shape;
  d.payload = payload;
  d.loc = loc;
  return Array(context().tracer().record(d));
}

DType float_type(DType t, std::string_view fn, SourceLoc loc) {
  if (is_complex(t))
    graph::throw_error(fn, "is not supported for complex input (numpy has no complex loop)", loc);
  graph::OpTypes types;
  std::string_view why;
  graph::op_types(Op::Sin, t, types, why);
  return types.result;
}

Array apply(Op op, std::initializer_list<const Operand*> operands) {
  const graph::OpInfo& info = graph::op_info(op);
  const SourceLoc loc = to_loc((*operands.begin())->loc());
  const std::string_view fn = info.fn;
  const bool is_where = op == Op::Where;

  // Types: numpy's result_type over the value operands (where's condition does not take part).
  graph::OperandType types[3];
  int ntypes = 0;
  int k = 0;
  for (const Operand* o : operands) {
    if (o->is_array()) node_of(o->array(), fn, loc);
    if (is_where && k++ == 0) continue;
    types[ntypes++] = operand_type(*o);
  }
  DType common = graph::result_type({types, static_cast<size_t>(ntypes)});
  bool wide_int_scalar = false;  // a C++ integer outside the common integer dtype's range
  for (const Operand* o : operands) {
    if (o->is_array() || o->scalar().kind != Scalar::Kind::int_) continue;
    if (o->scalar().unsigned_overflow && common != DType::uint64)
      graph::throw_error(fn, "the unsigned integer is above INT64_MAX, which only uint64 holds",
                         loc);
    wide_int_scalar |= is_integer(common) && !o->scalar().unsigned_overflow &&
                       !integer_fits(o->scalar().i, common);
  }
  // A comparison with a C++ integer beyond the array's integer range is exact in int64 (as
  // NumPy 2 compares Python integers exactly).
  if (info.rule == graph::TypeRule::Compare && wide_int_scalar && common != DType::uint64)
    common = DType::int64;
  // numpy picks a float function's loop by the operands' own dtypes: integers of up to 8 bits
  // all fit float16 and of up to 16 bits float32 (int8 with uint16 is sin in float32, not in
  // float64 as their int32 would; int8 with uint8 in float16).
  if (info.rule == graph::TypeRule::Float && is_integer(common)) {
    // (A C++ integer takes an integer array's dtype; with bools only it is int64.)
    size_t widest = 0;
    bool int_array = false, int_scalar = false;
    for (const Operand* o : operands) {
      if (o->is_array()) {
        widest = std::max(widest, itemsize(o->array().dtype()));
        int_array = int_array || is_integer(o->array().dtype());
      } else {
        int_scalar = true;
      }
    }
    if (widest <= 2 && (int_array || !int_scalar))
      common = widest == 1 ? DType::int8 : DType::int16;
  }
  // numpy's complex sqrt, log, power, trigonometry, ...: compositions of real ops on the parts.
  if (is_complex(common) && composed_for_complex(op))
    return complex_math(op, operands, common, (*operands.begin())->loc());
  graph::OpTypes t;
  std::string_view why;
  if (!graph::op_types(op, common, t, why)) {
    std::string hint;
    if (op == Op::Subtract) hint = "; use logical_xor or ^ for bools";
    if (op == Op::Negative) hint = "; use logical_not or ~ for bools";
    graph::throw_error(
        fn, "operands " + dtype_list(operands, is_where) + ": " + std::string(why) + hint, loc);
  }

  // Shape: numpy broadcasting.
  Dims shape;
  for (const Operand* o : operands) {
    if (!o->is_array()) continue;
    if (!broadcast_into(shape, o->array().node()->shape)) {
      std::string shapes;
      for (const Operand* p : operands) {
        if (!p->is_array()) continue;
        if (!shapes.empty()) shapes += " and ";
        shapes += graph::to_string(p->array().node()->shape);
      }
      graph::throw_error(fn, "shapes " + shapes + " cannot be broadcast together", loc);
    }
  }

  // numpy raises for a negative integer exponent only where there is an element to compute.
  if (op == Op::Power && is_integer(t.compute) && shape.size() > 0) {
    const Operand& e = **std::next(operands.begin());
    if (!e.is_array() && e.scalar().kind != Scalar::Kind::float_ && e.scalar().i < 0)
      graph::throw_error(fn, "integers to negative integer powers are not allowed", loc);
  }

  // Operands converted to the compute dtype (scalars become 0-d full nodes, on the arrays'
  // device).
  graph::DeviceId device = graph::kCpuDevice;
  for (const Operand* o : operands)
    if (o->is_array()) {
      device = o->array().node()->device;
      break;
    }
  Temporaries temps{context().tracer()};
  Array constants[3];
  graph::NodeDesc d;
  d.op = op;
  d.dtype = t.result;
  d.shape = shape;
  d.loc = loc;
  for (const Operand* o : operands) {
    const DType want = (is_where && d.nargs == 0) ? DType::bool_ : t.compute;
    Node* n;
    if (o->is_array()) {
      n = o->array().node();
      if (n->dtype != want) n = temps.keep(record_cast(n, want, loc));
    } else {
      constants[d.nargs] = constant(o->scalar(), want, Dims{}, fn, loc, device);
      n = constants[d.nargs].node();
    }
    d.args[d.nargs++] = n;
  }
  return Array(context().tracer().record(d));
}

std::string shape_text(const Shape& s) {
  std::string t = "(";
  for (size_t k = 0; k < s.size(); ++k) t += (k ? ", " : "") + std::to_string(s[k]);
  return t + (s.size() == 1 ? ",)" : ")");
}

}  // namespace kiln::detail
