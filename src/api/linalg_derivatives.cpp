// Derivative rules of the LAPACK ops (derivatives.hpp), written with kiln::linalg itself, so
// that a derivative is lazy, batched and differentiable again. Complex cotangents follow the
// convention of derivatives.cpp (holomorphic ops transpose, they do not conjugate): solve's rule
// holds for complex matrices; Cholesky's and slogdet's are for real ones.
#include "api/derivatives.hpp"

#include "api/apply.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/linalg.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln::detail {

using graph::Op;

namespace {

// The transpose of each matrix of a stack.
Array mT(const Array& x) {
  return swapaxes(x, -1, -2);
}

// The n x n identity in x's dtype, on x's device.
Array identity(int64_t n, const Array& x) {
  return transfer(eye(n, x.dtype()), x.node()->device, x.node()->loc);
}

// Φ(x): the lower triangle of each matrix with its diagonal halved.
Array lower_halved(const Array& x) {
  return tril(x) - 0.5 * x * identity(x.shape().back(), x);
}

void real_only(const RuleInputs& in) {
  if (is_complex(in.node->dtype))
    graph::throw_error(graph::op_info(in.node->op).fn,
                       "the derivative for complex matrices is not supported yet", in.node->loc);
  if (in.node->op == Op::Svd && in.node->payload.v[0] != 0)
    graph::throw_error("svd",
                       "U and Vh are not differentiable (their signs are free); differentiate "
                       "svdvals, or a function of the singular values alone",
                       in.node->loc);
}

// Eig's result is always read by a sync (numpy's dtype depends on the eigenvalues), which
// drops its history: differentiating through it would meet that evaluated array first. Should
// an unevaluated Eig ever be differentiated, this says why there is no rule.
[[noreturn]] void eig_not_differentiable(const RuleInputs& in) {
  graph::throw_error("eig",
                     "eig and eigvals are not differentiable: they read their eigenvalues (a "
                     "sync, as numpy's result dtype depends on them); for symmetric matrices "
                     "differentiate eigh or eigvalsh",
                     in.node->loc);
}

// Eigh with eigenvectors, its packed result taken apart: w (..., n) and V (..., n, n).
struct Eigen {
  Array w, v;
};
Eigen eigen(const RuleInputs& in, const Array& packed) {
  const int64_t n = in.args[0].shape().back();
  Shape batch = packed.shape();
  batch.pop_back();
  Shape square = batch;
  square.push_back(n);
  square.push_back(n);
  return {packed[{ellipsis, slice(0, n)}], reshape(packed[{ellipsis, slice(n, none)}], square)};
}

// F: 1 / (w_j - w_i) off the diagonal, 0 on it (inf where eigenvalues repeat).
Array eigen_gaps(const Array& w) {
  const Array one = identity(w.shape().back(), w);
  const Array gap = expand_dims(w, -2) - expand_dims(w, -1);
  return where(one, 0.0, 1.0 / (gap + one));
}

// The eigenvectors of a (the rules of the values-only op need them).
Array eigenvectors(const RuleInputs& in) {
  return linalg::eigh(in.args[0]).eigenvectors;
}

// The cotangent of a symmetric operand: sym(V C V^T).
Array symmetric_sandwich(const Array& v, const Array& c) {
  const Array x = matmul(v, matmul(c, mT(v)));
  return 0.5 * (x + mT(x));
}

// Qr's packed result (or cotangent) taken apart: Q (..., m, qcols) and R (..., rrows, n). Mode
// "r" has no Q: `q` is left empty.
struct QrParts {
  Array q, r;
};
QrParts qr_parts(const RuleInputs& in, const Array& packed) {
  const Shape as = in.args[0].shape();
  const int64_t m = as[as.size() - 2], n = as.back(), k = std::min(m, n);
  const uint64_t mode = in.node->payload.v[0];
  const int64_t qcols = mode == 1 ? m : mode == 0 ? k : 0, rrows = mode == 1 ? m : k;
  Shape qs(as.begin(), as.end() - 2), rs = qs;
  qs.insert(qs.end(), {m, qcols});
  rs.insert(rs.end(), {rrows, n});
  QrParts p;
  if (qcols) p.q = reshape(packed[{ellipsis, slice(0, m * qcols)}], qs);
  p.r = reshape(packed[{ellipsis, slice(m * qcols, none)}], rs);
  return p;
}

// Q and R of the rules: from the result, Q recomputed for mode "r"; a complete Q of a tall
// matrix has free columns, so no derivative.
QrParts qr_factors(const RuleInputs& in) {
  const Shape as = in.args[0].shape();
  if (in.node->payload.v[0] == 1 && as[as.size() - 2] > as.back())
    graph::throw_error("qr",
                       "the derivative of the complete Q of a tall matrix is not defined (its "
                       "last m - n columns are free); use mode 'reduced'",
                       in.node->loc);
  QrParts f = qr_parts(in, in.out);
  if (!f.q.valid()) f.q = linalg::qr(in.args[0]).Q;
  return f;
}

// X R^-1 for an invertible upper triangular R.
Array right_divide(const Array& x, const Array& r) {
  return mT(linalg::solve(mT(r), mT(x)));
}

// A = Q R with R square (m >= n): the cotangent (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T.
Array qr_square_vjp(const Array& q, const Array& r, const Array& gq, const Array& gr) {
  const Array m = matmul(r, mT(gr)) - matmul(mT(gq), q);
  const Array sym = tril(m) + mT(tril(m, -1));
  return right_divide(gq + matmul(q, sym), mT(r));
}

// With C = Q^T dA R^-1 and Ω = tril(C, -1) - tril(C, -1)^T: dR = (C - Ω) R, dQ = dA R^-1 - Q (C -
// Ω).
std::pair<Array, Array> qr_square_jvp(const Array& q, const Array& r, const Array& da) {
  const Array p = right_divide(da, r);
  const Array c = matmul(mT(q), p);
  const Array low = tril(c, -1);
  const Array upper = c - (low - mT(low));
  return {p - matmul(q, upper), matmul(upper, r)};
}

// The flat concatenation of Qr's parts, as its packed result.
Array qr_packed(const RuleInputs& in, const Array& dq, const Array& dr) {
  const Shape as = in.args[0].shape();
  Shape flat(as.begin(), as.end() - 2);
  flat.push_back(-1);
  if (in.node->payload.v[0] == 2) return reshape(dr, flat);
  return concatenate({reshape(dq, flat), reshape(dr, flat)}, -1);
}

}  // namespace

std::array<Array, 2> linalg_vjp(const RuleInputs& in, const Array& g,
                                const std::array<bool, 3>& wanted) {
  const Array& a = in.args[0];
  switch (in.node->op) {
    case Op::Solve: {  // X = A^-1 B: B's cotangent A^-T g, A's -(that) X^T
      const Array gb = linalg::solve(mT(a), g);
      return {wanted[0] ? -matmul(gb, mT(in.out)) : Array(), gb};
    }
    case Op::Cholesky: {  // A = L L^T: sym(L^-T Φ(L^T g) L^-1) (Murray 2016; JAX's form)
      real_only(in);
      const Array& l = in.out;
      const Array p = lower_halved(matmul(mT(l), g));
      const Array m = linalg::solve(mT(l), p);          // L^-T P
      const Array s = mT(linalg::solve(mT(l), mT(m)));  // (L^-T P) L^-1
      return {0.5 * (s + mT(s)), Array()};
    }
    case Op::Eigh: {  // A = V diag(w) V^T: sym(V (diag(gw) + F o (V^T gV)) V^T)
      real_only(in);
      const int64_t n = a.shape().back();
      if (in.node->payload.v[0] == 0) {  // eigenvalues alone
        const Array v = eigenvectors(in);
        return {symmetric_sandwich(v, expand_dims(g, -2) * identity(n, g)), Array()};
      }
      const Eigen e = eigen(in, in.out), ge = eigen(in, g);
      const Array c =
          expand_dims(ge.w, -2) * identity(n, g) + eigen_gaps(e.w) * matmul(mT(e.v), ge.v);
      return {symmetric_sandwich(e.v, c), Array()};
    }
    case Op::Eig:
      eig_not_differentiable(in);
    case Op::Qr: {  // Q R = [X | Y] with X square: X's by the square rule, Y's Q gV
      real_only(in);
      const QrParts f = qr_factors(in), gp = qr_parts(in, g);
      const Array gq = gp.q.valid() ? gp.q : zeros_like(f.q);
      const int64_t m = f.q.shape().back(), n = a.shape().back();
      if (n <= m) return {qr_square_vjp(f.q, f.r, gq, gp.r), Array()};
      const Array u = f.r[{ellipsis, slice(0, m)}], v = f.r[{ellipsis, slice(m, none)}];
      const Array gu = gp.r[{ellipsis, slice(0, m)}], gv = gp.r[{ellipsis, slice(m, none)}];
      const Array y = a[{ellipsis, slice(m, none)}];
      const Array gx = qr_square_vjp(f.q, u, gq + matmul(y, mT(gv)), gu);
      return {concatenate({gx, matmul(f.q, gv)}, -1), Array()};
    }
    case Op::Svd: {  // the singular values alone: dA's cotangent U diag(g) Vh
      real_only(in);
      const auto [u, s, vh] = linalg::svd(a, false);
      return {matmul(u * expand_dims(g, -2), vh), Array()};
    }
    default: {  // SlogDet: d log|det A| = tr(A^-1 dA), so A^-T; the sign is constant
      real_only(in);
      const Array g_log = expand_dims(g[{ellipsis, 1}], std::vector<int>{-1, -2});
      return {g_log * mT(linalg::inv(a)), Array()};
    }
  }
}

Array linalg_jvp(const RuleInputs& in, const std::array<Array, 3>& t) {
  const Array& a = in.args[0];
  switch (in.node->op) {
    case Op::Solve: {  // dX = A^-1 (dB - dA X)
      Array rhs = t[1].valid() ? t[1] : zeros_like(in.out);
      if (t[0].valid()) rhs = rhs - matmul(t[0], in.out);
      return linalg::solve(a, rhs);
    }
    case Op::Cholesky: {  // dL = L Φ(L^-1 dA L^-T)
      real_only(in);
      const Array& l = in.out;
      const Array y = linalg::solve(l, t[0]);
      const Array z = mT(linalg::solve(l, mT(y)));
      return matmul(l, lower_halved(z));
    }
    case Op::Eigh: {  // with M = V^T sym(dA) V: dw = diag(M), dV = V (F o M)
      real_only(in);
      const Array da = 0.5 * (t[0] + mT(t[0]));
      const bool vectors = in.node->payload.v[0] == 1;
      const Eigen e = vectors ? eigen(in, in.out) : Eigen{in.out, eigenvectors(in)};
      const Array dav = matmul(da, e.v);
      const Array dw = sum(e.v * dav, std::vector<int>{-2});
      if (!vectors) return dw;
      const Array dv = matmul(e.v, eigen_gaps(e.w) * matmul(mT(e.v), dav));
      Shape flat = dw.shape();
      flat.back() *= flat.back();
      return concatenate({dw, reshape(dv, flat)}, -1);
    }
    case Op::Qr: {  // wide: dQ, dU from dX by the square rule; dV = Q^T (dY - dQ V)
      real_only(in);
      const QrParts f = qr_factors(in);
      const int64_t m = f.q.shape().back(), n = a.shape().back();
      if (n <= m) {
        const auto [dq, dr] = qr_square_jvp(f.q, f.r, t[0]);
        return qr_packed(in, dq, dr);
      }
      const Array u = f.r[{ellipsis, slice(0, m)}], v = f.r[{ellipsis, slice(m, none)}];
      const auto [dq, du] = qr_square_jvp(f.q, u, t[0][{ellipsis, slice(0, m)}]);
      const Array dv = matmul(mT(f.q), t[0][{ellipsis, slice(m, none)}] - matmul(dq, v));
      return qr_packed(in, dq, concatenate({du, dv}, -1));
    }
    case Op::Eig:
      eig_not_differentiable(in);
    case Op::Svd: {  // ds_k = u_k^T dA v_k
      real_only(in);
      const auto [u, s, vh] = linalg::svd(a, false);
      return sum(u * matmul(t[0], mT(vh)), std::vector<int>{-2});
    }
    default: {  // SlogDet: (0, tr(A^-1 dA)) for each matrix
      real_only(in);
      const Array d = sum(mT(linalg::inv(a)) * t[0], std::vector<int>{-2, -1});
      return stack({zeros_like(d), d}, -1);
    }
  }
}

}  // namespace kiln::detail
