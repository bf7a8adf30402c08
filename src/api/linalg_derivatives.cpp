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

// Φ(x): the lower triangle of each matrix with its diagonal halved.
Array lower_halved(const Array& x) {
  const int64_t n = x.shape().back();
  const Array identity = transfer(eye(n, x.dtype()), x.node()->device, x.node()->loc);
  return tril(x) - 0.5 * x * identity;
}

void real_only(const RuleInputs& in) {
  if (is_complex(in.node->dtype))
    graph::throw_error(graph::op_info(in.node->op).fn,
                       "the derivative for complex matrices is not supported yet", in.node->loc);
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
    default: {  // SlogDet: (0, tr(A^-1 dA)) for each matrix
      real_only(in);
      const Array d = sum(mT(linalg::inv(a)) * t[0], std::vector<int>{-2, -1});
      return stack({zeros_like(d), d}, -1);
    }
  }
}

}  // namespace kiln::detail
