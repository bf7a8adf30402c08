// Derivative rules of every op (see derivatives.hpp). Conventions, as JAX's:
// - complex numbers: a cotangent c of z = x + iy stands for dL/dx - i dL/dy, so holomorphic
//   ops multiply it by their derivative (no conjugate) and grad of |z|^2 is 2 conj(z);
// - abs'(0) = 1; at a tie, maximum/minimum give each operand half the gradient, and max/min
//   reductions split it evenly among the tied elements (the NaN elements when the result is
//   NaN); power's d/d(base) is 0 where the exponent is 0 and its d/d(exponent) is 0 where the
//   base is 0; sqrt'(0) and log'(0) are inf;
// - where(c, x, y) sends the gradient to x only where c holds, masked so that a derivative of
//   the unused branch that is inf or NaN there does not make it NaN (Cotangent::mask).
#include "api/derivatives.hpp"

#include <numbers>
#include <vector>

#include "api/apply.hpp"
#include "api/index.hpp"
#include "graph/payload.hpp"
#include "graph/view.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/fft.hpp"
#include "kiln/gather.hpp"
#include "kiln/linalg.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"
#include "kiln/sorting.hpp"

namespace kiln::detail {

using graph::Dims;
using graph::Node;
using graph::Op;

namespace {

Shape shape_of(const Dims& d) {
  return Shape(d.begin(), d.end());
}

// Zeros of a node's shape, dtype and device.
Array zeros_as(const Node* n) {
  return constant(Scalar::of(0), n->dtype, n->shape, "grad", n->loc, n->device);
}

Array as_dtype(const Array& a, DType t) {
  return cast(a, t, {});
}

// The same op as `n` on other operands of the same shapes and dtypes (a linear op's tangent).
Array record_like(const Node* n, std::initializer_list<Array> args) {
  graph::NodeDesc d;
  d.op = n->op;
  d.dtype = n->dtype;
  d.device = n->device;
  for (const Array& a : args) d.args[d.nargs++] = a.node();
  d.shape = n->shape;
  d.strides = n->strides;
  d.payload = n->payload;
  d.loc = n->loc;
  return Array(context().tracer().record(d));
}

// `g` summed down to `to` (numpy broadcasting's adjoint); with `any_of`, the mask that is true
// where any summed position was.
Array unbroadcast(const Array& g, const Dims& to, bool any_of = false) {
  const Dims& from = g.node()->shape;
  if (from == to) return g;
  std::vector<int> axes;
  const int lead = from.rank() - to.rank();
  for (int d = 0; d < from.rank(); ++d)
    if (d < lead || (to[d - lead] == 1 && from[d] != 1)) axes.push_back(d);
  const Array s = any_of ? any(g, axes) : sum(g, axes);
  return reshape(s, shape_of(to));
}

std::vector<int> reduced_axes(const Node* n, int rank) {
  std::vector<int> axes;
  for (int d = 0; d < rank; ++d)
    if (n->payload.v[0] >> d & 1) axes.push_back(d);
  return axes;
}

// A reduction's result (or cotangent) broadcast back over the operand's shape `in`.
Array broadcast_back(const Array& r, const Node* n, const Dims& in) {
  Dims keep = in;
  for (int d = 0; d < in.rank(); ++d)
    if (n->payload.v[0] >> d & 1) keep[d] = 1;
  const Array k = n->payload.v[1] ? r : reshape(r, shape_of(keep));
  return broadcast_to(k, shape_of(in));
}

// `x` reversed along `axis` (a view).
Array flip(const Array& x, int axis) {
  std::vector<Index> idx(static_cast<size_t>(axis), slice());
  idx.push_back(slice(none, none, -1));
  return x[Indices(idx)];
}

// How an elementwise op's result changes with operand i: 0 (no gradient), +1 or -1 (the
// cotangent itself, negated), or `value` (a factor of the result's shape or broadcastable to it).
struct Partial {
  int sign = 0;
  Array value;
};
Partial factor(Array v) {
  return {2, std::move(v)};
}

// The partial derivative of a real or holomorphic elementwise op with respect to operand i.
Partial partial(const RuleInputs& in, int i) {
  const Array& x = in.args[0];
  const Array& y = in.args[1];
  const Array& out = in.out;
  const DType t = in.node->dtype;
  constexpr double ln2 = std::numbers::ln2, ln10 = std::numbers::ln10;
  constexpr double two_over_sqrt_pi = 2.0 * std::numbers::inv_sqrtpi;
  switch (in.node->op) {
    case Op::Negative:
      return {-1, {}};
    case Op::Abs:  // real operands (complex: abs_complex)
      return factor(as_dtype(where(x >= 0, 1.0, -1.0), t));
    case Op::Square:
      return factor(2.0 * x);
    case Op::Reciprocal:
      return factor(-(out * out));
    case Op::Sqrt:
      return factor(0.5 / out);
    case Op::Exp:
      return factor(out);
    case Op::Exp2:
      return factor(out * ln2);
    case Op::Expm1:
      return factor(out + 1.0);
    case Op::Log:
      return factor(1.0 / x);
    case Op::Log2:
      return factor(1.0 / (x * ln2));
    case Op::Log10:
      return factor(1.0 / (x * ln10));
    case Op::Log1p:
      return factor(1.0 / (x + 1.0));
    case Op::Sin:
      return factor(kiln::cos(x));
    case Op::Cos:
      return factor(-kiln::sin(x));
    case Op::Tan:
      return factor(out * out + 1.0);
    case Op::Arcsin:
      return factor(1.0 / kiln::sqrt(1.0 - x * x));
    case Op::Arccos:
      return factor(-1.0 / kiln::sqrt(1.0 - x * x));
    case Op::Arctan:
      return factor(1.0 / (x * x + 1.0));
    case Op::Sinh:
      return factor(kiln::cosh(x));
    case Op::Cosh:
      return factor(kiln::sinh(x));
    case Op::Tanh:
      return factor(1.0 - out * out);
    case Op::Arcsinh:
      return factor(1.0 / kiln::sqrt(x * x + 1.0));
    case Op::Arccosh:
      return factor(1.0 / (kiln::sqrt(x - 1.0) * kiln::sqrt(x + 1.0)));
    case Op::Arctanh:
      return factor(1.0 / (1.0 - x * x));
    case Op::Cbrt:  // inf at 0, as the slope of the curve there
      return factor(1.0 / (3.0 * (out * out)));
    case Op::Erf:
      return factor(two_over_sqrt_pi * kiln::exp(-(x * x)));
    case Op::Erfc:
      return factor(-two_over_sqrt_pi * kiln::exp(-(x * x)));
    case Op::Add:
      return {1, {}};
    case Op::Subtract:
      return {i == 0 ? 1 : -1, {}};
    case Op::Multiply:
      return factor(i == 0 ? y : x);
    case Op::Divide:
      return factor(i == 0 ? 1.0 / y : -out / y);
    case Op::Remainder:  // x - floor(x / y) * y
      return i == 0 ? Partial{1, {}} : factor(-floor_divide(x, y));
    case Op::Fmod:  // x - trunc(x / y) * y
      return i == 0 ? Partial{1, {}} : factor(-kiln::trunc(x / y));
    case Op::Power:
      if (i == 0) return factor(where(y == 0, 0.0, y * power(x, y - 1.0)));
      return factor(where(x == 0, 0.0, kiln::log(x) * out));  // not 0 * inf at 0 ** -1
    case Op::Maximum:
    case Op::Minimum: {  // a tie gives each operand half
      const Array& mine = i == 0 ? x : y;
      const Array& other = i == 0 ? y : x;
      const Array share = where(mine == out, where(other == out, 0.5, 1.0), 0.0);
      return factor(as_dtype(share, t));
    }
    case Op::Arctan2: {  // arctan2(x, y) = angle of the point (y, x)
      const Array r2 = x * x + y * y;
      return factor(i == 0 ? y / r2 : -x / r2);
    }
    case Op::Hypot:
      return factor((i == 0 ? x : y) / out);
    case Op::Copysign:  // |x| with y's sign: +-1 in x (+1 where their signs agree), 0 in y
      if (i == 1) return {};
      return factor(as_dtype(where(signbit(x) == signbit(y), 1.0, -1.0), t));
    case Op::Real:  // of a real operand: the operand itself
    case Op::Conj:
      return {1, {}};
    default:  // Imag and Angle of a real operand: constant
      return {};
  }
}

// The real derivative pieces of the non-holomorphic ops of a complex operand z: the cotangent
// sent back to z for a real cotangent ct, and the real tangent for a tangent tz.
Array complex_vjp(const RuleInputs& in, const Array& ct) {
  const Array& z = in.args[0];
  const Array x = real(z), y = imag(z);
  switch (in.node->op) {
    case Op::Abs: {  // d|z| = (x dx + y dy) / |z|: c = ct conj(z) / |z| (0 at z = 0)
      const Array s = where(in.out == 0, 0.0, ct / in.out);
      return complex(x * s, -(y * s));
    }
    case Op::Angle: {  // d angle = (x dy - y dx) / |z|^2: c = ct (-y - ix) / |z|^2
      const Array r2 = x * x + y * y;
      const Array s = where(r2 == 0, 0.0, ct / r2);
      return complex(-(y * s), -(x * s));
    }
    case Op::Real:
      return complex(ct, 0.0 * ct);
    case Op::Imag:
      return complex(0.0 * ct, -ct);
    default:  // Conj
      return conj(ct);
  }
}
Array complex_jvp(const RuleInputs& in, const Array& tz) {
  const Array& z = in.args[0];
  const Array x = real(z), y = imag(z), tx = real(tz), ty = imag(tz);
  switch (in.node->op) {
    case Op::Abs:
      return where(in.out == 0, 0.0, (x * tx + y * ty) / in.out);
    case Op::Angle: {
      const Array r2 = x * x + y * y;
      return where(r2 == 0, 0.0, (x * ty - y * tx) / r2);
    }
    case Op::Real:
      return tx;
    case Op::Imag:
      return ty;
    default:
      return conj(tz);
  }
}
bool is_complex_special(const RuleInputs& in) {
  const Op op = in.node->op;
  return (op == Op::Abs || op == Op::Angle || op == Op::Real || op == Op::Imag || op == Op::Conj) &&
         is_complex(in.args[0].dtype());
}

// Cotangent `ct` times partial `p`, summed down to operand `arg`'s shape.
Cotangent through(const Cotangent& ct, const Partial& p, const Array& arg) {
  if (p.sign == 0) return {};
  Array v = p.sign == 1 ? ct.value : p.sign == -1 ? -ct.value : ct.value * p.value;
  if (ct.mask.valid() && p.sign == 2) v = where(ct.mask, v, 0.0);
  Array mask = ct.mask;
  const Dims& shape = arg.node()->shape;
  if (v.node()->shape != shape) {
    v = unbroadcast(v, shape);
    if (mask.valid()) mask = unbroadcast(mask, shape, true);
  }
  return {as_dtype(v, arg.dtype()), mask};
}

// The adjoint of a view: the cotangent written back where the view read (with `any_of`, of a
// mask: true where any read position was).
Array view_adjoint(const Node* n, const Array& ct, const Array& arg, bool any_of = false) {
  const Dims& x_shape = arg.node()->shape;
  // Broadcast dimensions (stride 0) read one element many times: their cotangents add up.
  std::vector<int> summed;
  Dims shape, strides;
  for (int d = 0; d < n->shape.rank(); ++d) {
    if (n->strides[d] == 0 && n->shape[d] != 1)
      summed.push_back(d);
    else {
      shape.push_back(n->shape[d]);
      strides.push_back(n->strides[d]);
    }
  }
  Array g = ct;
  if (!summed.empty()) g = reshape(any_of ? any(ct, summed) : sum(ct, summed), shape_of(shape));
  const graph::Layout window{static_cast<int64_t>(n->payload.v[0]), strides};
  if (graph::is_identity(shape, window, x_shape)) return reshape(g, shape_of(x_shape));
  const Array base =
      any_of ? constant(Scalar::of(false), bool_, x_shape, "grad", n->loc, arg.node()->device)
             : zeros_as(arg.node());
  return record_update(base, g, window, n->loc);
}

// take_along_axis's positions in its operand's flat index.
Array along_axis_positions(const Node* n, const Array& a, const Array& idx) {
  const int axis = static_cast<int>(n->payload.v[0]);
  const Dims& as = a.node()->shape;
  const Dims& out = n->shape;
  Array flat = zeros_as(idx.node());
  int64_t stride = 1;
  for (int d = as.rank() - 1; d >= 0; --d) {
    if (d == axis) {
      const Array wrapped = where(idx < 0, idx + as[d], idx);
      flat = flat + wrapped * stride;
    } else if (as[d] != 1) {
      Shape s(static_cast<size_t>(out.rank()), 1);
      s[static_cast<size_t>(d)] = out[d];
      flat =
          flat + transfer(reshape(arange(out[d], int64), s), idx.node()->device, n->loc) * stride;
    }
    stride *= as[d];
  }
  return flat;
}

// Which values of scatter `n` (indices `idx` along its axis of `a`) are the last written to
// their position, so the ones that survive (numpy's a[idx] = v: the last one wins), shaped to
// broadcast against the values.
Array last_writes(const Node* n, const Array& idx, const Array& a) {
  const int axis = static_cast<int>(n->payload.v[0]);
  const graph::DeviceId device = idx.node()->device;
  const Array pos = transfer(reshape(arange(idx.size(), int64), idx.shape()), device, n->loc);
  const Array nobody =
      constant(Scalar::of(-1), int64, Dims{a.node()->shape[axis]}, "grad", n->loc, device);
  const Array winner = scatter(nobody, flatten(idx), flatten(pos), 0);
  Shape s(static_cast<size_t>(axis), 1);
  for (int64_t e : idx.shape()) s.push_back(e);
  while (static_cast<int>(s.size()) < a.ndim() - 1 + idx.ndim()) s.push_back(1);
  return reshape(take(winner, idx) == pos, s);
}

// kiln::at(a, {idx}).multiply/divide/min/max(v) (ScatterApply): out_p combines a_p with every
// v_q whose index is p. The cotangents of a and of the values for cotangent g.
std::array<Array, 2> scatter_apply_vjp(const RuleInputs& in, const Array& g) {
  const Node* n = in.node;
  const Array& a = in.args[0];
  const Array& idx = in.args[1];
  const Array& v = in.args[2];
  const int axis = static_cast<int>(n->payload.v[0]);
  const auto combine = static_cast<Op>(n->payload.v[1]);
  auto gather = [&](const Array& x) { return take(x, idx, axis); };
  auto scatter_sum = [&](const Array& x) { return scatter_add(zeros_as(a.node()), idx, x, axis); };
  const Array ones = ones_like(a);
  if (combine == Op::Multiply || combine == Op::Divide) {
    // d out / d a: the same op applied to ones (the product of the values, or its inverse).
    const Array factor = record_like(n, {ones, idx, v});
    if (combine == Op::Divide) return {g * factor, -(gather(g * in.out) / v)};
    // d out_p / d v_q = a_p times the product of the other values at p, zero-safe as prod's.
    const Array zero = v == 0;
    const Array nonzero = where(zero, 1.0, v);
    const Array products = gather(record_like(n, {ones, idx, nonzero}));
    const Array zeros = gather(scatter_sum(as_dtype(zero, a.dtype())));
    const Array others =
        where(zeros == 0, products / nonzero, where(logical_and(zero, zeros == 1), products, 0.0));
    return {g * factor, gather(g * a) * others};
  }
  // minimum/maximum: the elements equal to the result (NaNs to a NaN result) share it evenly.
  auto hit = [](const Array& x, const Array& r) {
    return logical_or(x == r, logical_and(isnan(x), isnan(r)));
  };
  const Array hit_a = as_dtype(hit(a, in.out), a.dtype());
  const Array hit_v = as_dtype(hit(v, gather(in.out)), a.dtype());
  const Array share = g / (hit_a + scatter_sum(hit_v));
  return {share * hit_a, gather(share) * hit_v};
}

// cumprod's derivative, also where the operand holds zeros. With z the zero mask, nz the
// operand with zeros replaced by 1, C = cumprod(nz) and Z = cumsum(z): the product of the
// elements up to i other than j is C_i / nz_j where Z_i == z_j (no zero up to i, or j is the
// only one), and 0 elsewhere.
struct CumProdParts {
  Array zero, nonzero, products, zeros_so_far;
};
CumProdParts cumprod_parts(const Array& x, int axis) {
  CumProdParts p;
  p.zero = x == 0;
  p.nonzero = where(p.zero, 1.0, x);
  p.products = cumprod(p.nonzero, axis);
  p.zeros_so_far = cumsum(as_dtype(p.zero, int64), axis);
  return p;
}
// g_j = sum_(i >= j) ct_i d out_i / d x_j.
Array cumprod_vjp(const Array& x, const Array& ct, int axis) {
  const CumProdParts p = cumprod_parts(x, axis);
  const Array q = ct * p.products;
  auto reverse_cumsum = [&](const Array& v) { return flip(cumsum(flip(v, axis), axis), axis); };
  const Array before_zeros = reverse_cumsum(where(p.zeros_so_far == 0, q, 0.0));
  const Array after_one_zero = reverse_cumsum(where(p.zeros_so_far == 1, q, 0.0));
  return where(p.zero, after_one_zero, before_zeros / p.nonzero);
}
// t_out_i = sum_(j <= i) t_j d out_i / d x_j.
Array cumprod_jvp(const Array& x, const Array& t, int axis) {
  const CumProdParts p = cumprod_parts(x, axis);
  const Array from_nonzeros = cumsum(where(p.zero, 0.0, t / p.nonzero), axis);
  const Array from_zero = cumsum(where(p.zero, t, 0.0), axis);
  return p.products * (where(p.zeros_so_far == 0, from_nonzeros, 0.0) +
                       where(p.zeros_so_far == 1, from_zero, 0.0));
}

}  // namespace

std::array<Cotangent, 3> vjp_rule(const RuleInputs& in, const Cotangent& ct,
                                  const std::array<bool, 3>& wanted) {
  const Node* n = in.node;
  const Array& g = ct.value;
  std::array<Cotangent, 3> out;
  const Array& a = in.args[0];
  switch (n->op) {
    case Op::Cast:
      if (is_complex(a.dtype()) || !is_complex(n->dtype))
        out[0].value = as_dtype(g, a.dtype());
      else
        out[0].value = as_dtype(real(g), a.dtype());
      out[0].mask = ct.mask;
      return out;
    case Op::View:
      out[0].value = view_adjoint(n, g, a);
      if (ct.mask.valid()) out[0].mask = view_adjoint(n, ct.mask, a, true);
      return out;
    case Op::Where: {
      const Array c = broadcast_to(a, shape_of(n->shape));
      const Array mask = ct.mask.valid() ? logical_and(c, ct.mask) : c;
      const Array other = ct.mask.valid() ? logical_and(logical_not(c), ct.mask) : logical_not(c);
      if (wanted[1]) out[1] = through({where(c, g, 0.0), mask}, {1, {}}, in.args[1]);
      if (wanted[2]) out[2] = through({where(c, 0.0, g), other}, {1, {}}, in.args[2]);
      return out;
    }
    case Op::MakeComplex:
      if (wanted[0]) out[0] = through({real(g), {}}, {1, {}}, a);
      if (wanted[1]) out[1] = through({-imag(g), {}}, {1, {}}, in.args[1]);
      return out;
    case Op::Sum:
      out[0].value = broadcast_back(g, n, a.node()->shape);
      if (ct.mask.valid()) out[0].mask = broadcast_back(ct.mask, n, a.node()->shape);
      return out;
    case Op::Max:
    case Op::Min: {
      const Array result = broadcast_back(in.out, n, a.node()->shape);
      const Array hit = logical_or(a == result, logical_and(isnan(a), isnan(result)));
      const std::vector<int> axes = reduced_axes(n, a.ndim());
      const Array share = as_dtype(hit, n->dtype) / sum(as_dtype(hit, n->dtype), axes, true);
      out[0].value = broadcast_back(g, n, a.node()->shape) * share;
      return out;
    }
    case Op::Prod: {  // the product of the others, also where the operand holds zeros
      const std::vector<int> axes = reduced_axes(n, a.ndim());
      const Array zero = a == 0;
      const Array nonzero = where(zero, 1.0, a);
      const Array p = prod(nonzero, axes, true);
      const Array zeros = sum(as_dtype(zero, int64), axes, true);
      const Array others =
          where(zeros == 0, p / nonzero, where(logical_and(zero, zeros == 1), p, 0.0));
      out[0].value = broadcast_back(g, n, a.node()->shape) * others;
      return out;
    }
    case Op::MatMul: {
      const Array& b = in.args[1];
      const bool vec_a = (n->payload.v[0] & 1) != 0, vec_b = (n->payload.v[0] & 2) != 0;
      const Array ma = vec_a ? expand_dims(a, 0) : a;
      const Array mb = vec_b ? expand_dims(b, 1) : b;
      Array c = g;
      if (vec_a) c = expand_dims(c, c.ndim() - (vec_b ? 0 : 1));
      if (vec_b) c = expand_dims(c, c.ndim());
      auto swapped = [](const Array& m) {
        std::vector<int> perm;
        for (int d = 0; d < m.ndim(); ++d) perm.push_back(d);
        std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
        return transpose(m, perm);
      };
      if (wanted[0])
        out[0].value = reshape(unbroadcast(matmul(c, swapped(mb)), ma.node()->shape), a.shape());
      if (wanted[1])
        out[1].value = reshape(unbroadcast(matmul(swapped(ma), c), mb.node()->shape), b.shape());
      return out;
    }
    case Op::Take: {
      const int axis = static_cast<int>(n->payload.v[0]);
      out[0].value = scatter_add(zeros_as(a.node()), in.args[1], g, axis);
      return out;
    }
    case Op::TakeAlong: {
      const Array flat = along_axis_positions(n, a, in.args[1]);
      const Array sums = scatter_add(
          constant(Scalar::of(0), a.dtype(), Dims{a.size()}, "grad", n->loc, a.node()->device),
          flatten(flat), flatten(g), 0);
      out[0].value = reshape(sums, a.shape());
      return out;
    }
    case Op::Scatter:
    case Op::ScatterAdd: {
      const int axis = static_cast<int>(n->payload.v[0]);
      if (wanted[0]) out[0].value = n->op == Op::ScatterAdd ? g : scatter(g, in.args[1], 0.0, axis);
      if (wanted[2]) {
        Array taken = take(g, in.args[1], axis);
        if (n->op == Op::Scatter) taken = where(last_writes(n, in.args[1], a), taken, 0.0);
        out[2].value = unbroadcast(taken, in.args[2].node()->shape);
      }
      return out;
    }
    case Op::ScatterApply: {
      const std::array<Array, 2> c = scatter_apply_vjp(in, g);
      if (wanted[0]) out[0].value = c[0];
      if (wanted[2]) out[2].value = unbroadcast(c[1], in.args[2].node()->shape);
      return out;
    }
    case Op::Concatenate: {
      const int axis = static_cast<int>(n->payload.v[0]);
      const int64_t first = a.node()->shape[axis];
      std::vector<Index> idx(static_cast<size_t>(axis), slice());
      idx.push_back(slice(0, first));
      if (wanted[0]) out[0].value = g[Indices(idx)];
      idx.back() = slice(first, none);
      if (wanted[1]) out[1].value = g[Indices(idx)];
      return out;
    }
    case Op::Update: {
      const graph::Layout window{static_cast<int64_t>(n->payload.v[0]), n->strides};
      const Node* v = in.args[1].node();
      if (wanted[0]) out[0].value = record_update(g, zeros_as(v), window, n->loc);
      if (wanted[1]) out[1].value = make_view(g, v->shape, window, n->loc);
      return out;
    }
    case Op::CumSum: {
      const int axis = static_cast<int>(n->payload.v[0]);
      out[0].value = flip(cumsum(flip(g, axis), axis), axis);
      return out;
    }
    case Op::CumProd:
      out[0].value = cumprod_vjp(a, g, static_cast<int>(n->payload.v[0]));
      return out;
    case Op::Solve:
    case Op::Cholesky:
    case Op::SlogDet:
    case Op::Eigh:
    case Op::Svd:
    case Op::Qr:
    case Op::Eig: {
      const std::array<Array, 2> c = linalg_vjp(in, g, wanted);
      out[0].value = c[0];
      out[1].value = c[1];
      return out;
    }
    case Op::Sort: {  // sort(x) = take_along_axis(x, argsort(x)): g goes back to the positions
      const int axis = static_cast<int>(n->payload.v[0]);
      const Array order = argsort(a, axis);
      const Array taken = take_along_axis(a, order, axis);
      const Array flat = along_axis_positions(taken.node(), a, order);
      const Array sums = scatter_add(
          constant(Scalar::of(0), a.dtype(), Dims{a.size()}, "grad", n->loc, a.node()->device),
          flatten(flat), flatten(g), 0);
      out[0].value = reshape(sums, a.shape());
      return out;
    }
    case Op::Fft:  // the unnormalised DFT matrix is symmetric: its transpose is itself
      out[0].value = record_like(n, {g});
      return out;
    case Op::Rfft: {  // real input: Re(A^T ct), the full-length DFT of ct zero-padded
      const int axis = static_cast<int>(n->payload.v[0]);
      const auto len = static_cast<int64_t>(n->payload.v[1]);
      out[0].value = as_dtype(real(fft::fft(g, len, axis)), a.dtype());
      return out;
    }
    case Op::Irfft: {  // y_k = sum_j w_j Re(c_j e^(2 pi i jk/n)): c_j gets w_j conj(rfft(ct)_j)
      const int axis = static_cast<int>(n->payload.v[0]);
      const auto len = static_cast<int64_t>(n->payload.v[1]);
      const int64_t half = len / 2 + 1;
      std::vector<double> w(static_cast<size_t>(half), 2.0);
      w[0] = 1.0;
      if (len % 2 == 0) w.back() = 1.0;  // the Nyquist term appears once
      Shape ws(static_cast<size_t>(n->shape.rank()), 1);
      ws[static_cast<size_t>(axis)] = half;
      const Array weights = as_dtype(transfer(array(w, ws), n->device, n->loc), n->dtype);
      out[0].value = as_dtype(conj(fft::rfft(g, len, axis)) * weights, a.dtype());
      return out;
    }
    case Op::Transfer:
      out[0].value = transfer(g, a.node()->device, n->loc);
      return out;
    default:
      break;
  }
  // Elementwise ops.
  if (is_complex_special(in)) {
    out[0].value = complex_vjp(in, ct.mask.valid() ? where(ct.mask, g, 0.0) : g);
    // (inf * 0 in the unused branch: masked again.)
    if (ct.mask.valid()) out[0].value = where(ct.mask, out[0].value, 0.0);
    out[0].mask = ct.mask;
    return out;
  }
  for (int i = 0; i < n->nargs; ++i)
    if (wanted[static_cast<size_t>(i)])
      out[static_cast<size_t>(i)] = through(ct, partial(in, i), in.args[static_cast<size_t>(i)]);
  return out;
}

Array jvp_rule(const RuleInputs& in, const std::array<Array, 3>& t) {
  const Node* n = in.node;
  auto or_zeros = [&](size_t i) { return t[i].valid() ? t[i] : zeros_as(in.args[i].node()); };
  const Array& a = in.args[0];
  switch (n->op) {
    case Op::Cast:
      return as_dtype(t[0], n->dtype);
    case Op::View:
    case Op::Sum:
    case Op::CumSum:
    case Op::Fft:
    case Op::Rfft:
    case Op::Irfft:
    case Op::Transfer:
      return record_like(n, {t[0]});
    case Op::Take:
    case Op::TakeAlong:
      return record_like(n, {t[0], in.args[1]});
    case Op::Scatter:
    case Op::ScatterAdd:
      return record_like(n, {or_zeros(0), in.args[1], or_zeros(2)});
    case Op::Concatenate:
    case Op::Update:
      return record_like(n, {or_zeros(0), or_zeros(1)});
    case Op::Where:
      return where(in.args[0], or_zeros(1), or_zeros(2));
    case Op::CumProd:
      return cumprod_jvp(a, t[0], static_cast<int>(n->payload.v[0]));
    case Op::Sort: {
      const int axis = static_cast<int>(n->payload.v[0]);
      return take_along_axis(t[0], argsort(a, axis), axis);
    }
    case Op::Solve:
    case Op::Cholesky:
    case Op::SlogDet:
    case Op::Eigh:
    case Op::Svd:
    case Op::Qr:
    case Op::Eig:
      return linalg_jvp(in, t);
    case Op::MakeComplex:
      return complex(or_zeros(0), or_zeros(1));
    case Op::MatMul: {
      Array r;
      if (t[0].valid()) r = record_like(n, {t[0], in.args[1]});
      if (t[1].valid()) {
        const Array other = record_like(n, {a, t[1]});
        r = r.valid() ? r + other : other;
      }
      return r;
    }
    case Op::ScatterApply: {  // each output depends on a_p and its own values only
      const std::array<Array, 2> w = scatter_apply_vjp(in, ones_like(in.out));
      const int axis = static_cast<int>(n->payload.v[0]);
      Array r = t[0].valid() ? t[0] * w[0] : zeros_as(n);
      if (t[2].valid())
        r = r + scatter_add(zeros_as(n), in.args[1],
                            broadcast_to(t[2], shape_of(w[1].node()->shape)) * w[1], axis);
      return r;
    }
    case Op::Max:
    case Op::Min:
    case Op::Prod: {
      // The reverse rule's weights, summed against the tangent.
      const std::array<Cotangent, 3> w =
          vjp_rule(in, {ones_like(in.out), {}}, {true, false, false});
      const std::vector<int> axes = reduced_axes(n, a.ndim());
      return sum(t[0] * w[0].value, axes, n->payload.v[1] != 0);
    }
    default:
      break;
  }
  if (is_complex_special(in)) return complex_jvp(in, t[0]);
  Array r;
  for (size_t i = 0; i < static_cast<size_t>(n->nargs); ++i) {
    if (!t[i].valid()) continue;
    const Partial p = partial(in, static_cast<int>(i));
    if (p.sign == 0) continue;
    const Array term = p.sign == 1 ? t[i] : p.sign == -1 ? -t[i] : t[i] * p.value;
    r = r.valid() ? r + term : term;
  }
  if (!r.valid()) return zeros_as(n);
  if (r.node()->shape != n->shape) r = broadcast_to(r, shape_of(n->shape));
  return as_dtype(r, n->dtype);
}

}  // namespace kiln::detail
