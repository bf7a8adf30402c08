// Differential tests: thousands of random expressions (all dtypes, broadcasting, weak scalars,
// lazy creation functions) built through the public API, evaluated by compiled kernels and by
// the reference interpreter on the same captured graph. Exact ops must agree bit for bit;
// math-library ops within a few ulp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <random>

#include "api/apply.hpp"
#include "differential/pending_graph.hpp"
#include "graph/graph.hpp"
#include "graph/payload.hpp"
#include "graph/reference.hpp"
#include "graph/scalar_math.hpp"
#include "helpers.hpp"
#include "runtime/context.hpp"

using namespace kiln;

namespace {

using kiln_test::pending_graph;

constexpr DType kDtypes[] = {bool_, int32, int64, float32, float64, complex64, complex128,
                             int8,  int16, uint8, uint16,  uint32,  uint64,    float16};

class Generator {
 public:
  Generator(uint64_t seed, bool exact) : rng_(seed), exact_(exact) {}

  // A random expression graph with 1-3 outputs; returns them.
  std::vector<Array> expression() {
    pool_.clear();
    out_shape_ = random_shape();
    const int leaves = 1 + pick(3);
    for (int i = 0; i < leaves; ++i) pool_.push_back(leaf());
    const int ops = 1 + pick(exact_ ? 10 : 7);
    for (int i = 0; i < ops; ++i) {
      for (int attempt = 0; attempt < 20; ++attempt) {
        try {
          pool_.push_back(op());
          break;
        } catch (const Error&) {
          // an invalid combination (e.g. bool subtract): the API said so; try another
        }
      }
    }
    std::vector<Array> outs{pool_.back()};
    if (pick(3) == 0 && pool_.size() > 2) outs.push_back(pool_[pool_.size() - 2]);
    return outs;
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }

  Shape random_shape() {
    static constexpr int64_t extents[] = {1, 2, 3, 4, 5, 7, 16, 17, 33};
    Shape s(static_cast<size_t>(pick(4)));
    for (auto& e : s) e = extents[pick(9)];
    if (pick(40) == 0) s = {40000 + pick(40000)};  // big enough to run on several threads
    if (pick(60) == 0 && !s.empty()) s[0] = 0;     // empty arrays too
    return s;
  }

  // A shape that broadcasts to out_shape_: a suffix of it, some extents replaced by 1.
  Shape sub_shape() {
    Shape s(out_shape_.begin() + pick(static_cast<int>(out_shape_.size()) + 1), out_shape_.end());
    for (auto& e : s)
      if (pick(3) == 0) e = 1;
    return s;
  }

  DType dtype() {
    if (!exact_)
      return pick(5) == 0 ? (pick(2) ? complex64 : complex128) : pick(2) ? float32 : float64;
    return kDtypes[pick(static_cast<int>(std::size(kDtypes)))];
  }

  template <class T>
  T value() {
    if constexpr (graph::ref::is_complex_v<T>) {
      using P = typename T::value_type;
      return {value<P>(), value<P>()};
    } else if constexpr (std::is_same_v<T, bool>) {
      return pick(2) == 0;
    } else if constexpr (std::is_same_v<T, half>) {
      return half(value<float>());
    } else if constexpr (std::is_integral_v<T>) {
      static constexpr T specials[] = {
          T(0), T(1), T(-1), std::numeric_limits<T>::min(), std::numeric_limits<T>::max(),
          T(2), T(-2)};
      if (pick(12) == 0) return specials[pick(7)];
      return static_cast<T>(pick(41) - 20);
    } else {
      static constexpr T specials[] = {T(0),
                                       -T(0),
                                       std::numeric_limits<T>::infinity(),
                                       -std::numeric_limits<T>::infinity(),
                                       std::numeric_limits<T>::quiet_NaN(),
                                       T(1e30),
                                       T(-1e-30),
                                       T(0.5)};
      if (exact_ && pick(10) == 0) return specials[pick(8)];
      return static_cast<T>(exact_ ? std::round(uniform(-40, 40)) / 4 : uniform(-3, 3));
    }
  }

  Array data_leaf(const Shape& s, DType t) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    return graph::visit_dtype(t, [&]<class T>() {
      if constexpr (std::is_same_v<T, bool>) {
        std::vector<bool> v(static_cast<size_t>(n));
        for (size_t i = 0; i < v.size(); ++i) v[i] = value<bool>();
        return array(v, s);
      } else {
        std::vector<T> v(static_cast<size_t>(n));
        for (auto& x : v) x = value<T>();
        return array(v, s);
      }
    });
  }

  Array leaf() {
    const Shape s = sub_shape();
    const DType t = dtype();
    switch (pick(8)) {
      case 0:
        return full(s, exact_ ? std::round(uniform(-8, 8)) : uniform(-2, 2), t);
      case 1:
        if (t != bool_ && !is_complex(t) && !s.empty() && s.back() > 0) {
          const Shape last{s.back()};
          return exact_ ? arange(pick(7) - 3, pick(7) - 3 + s.back() * 2, 2, t)
                        : arange(0.0, 0.25 * static_cast<double>(s.back()), 0.25, t);
        }
        break;
      case 2:
        if (!s.empty() && !is_complex(t))
          return linspace(uniform(-3, 3), uniform(-3, 3), s.back(), t, pick(4) != 0);
        break;
      case 3:
        if (s.size() >= 2 && s[s.size() - 1] == s[s.size() - 2]) return eye(s.back(), t);
        break;
      default:
        break;
    }
    return data_leaf(s, t);
  }

  Operand scalar_operand() {
    switch (pick(exact_ ? 3 : 2)) {
      case 0:
        return Operand(uniform(-3, 3));
      case 1:
        return Operand(static_cast<int>(pick(9)) - 4);
      default:
        return Operand(pick(2) == 0);
    }
  }

  const Array& operand() {
    return pool_[static_cast<size_t>(pick(static_cast<int>(pool_.size())))];
  }

  std::vector<int> random_axes(int rank) {
    std::vector<int> axes;
    for (int d = 0; d < rank; ++d)
      if (pick(2)) axes.push_back(pick(2) ? d : d - rank);
    return axes;
  }

  // A view of a pool array: transpose, reshape, expand_dims, squeeze or broadcast_to.
  Array view() {
    const Array& a = operand();
    const Shape s = a.shape();
    const int rank = static_cast<int>(s.size());
    switch (pick(5)) {
      case 0: {
        std::vector<int> perm(static_cast<size_t>(rank));
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng_);
        return transpose(a, perm);
      }
      case 1:
        return reshape(a, pick(2) ? Shape{-1} : Shape(s.rbegin(), s.rend()));
      case 2:
        return expand_dims(a, pick(rank + 1));
      case 3:
        return squeeze(a);
      default: {
        Shape t{1 + pick(3)};
        for (int64_t e : s) t.push_back(e == 1 ? pick(4) : e);
        return broadcast_to(a, t);
      }
    }
  }

  // A reduction of a pool array over random axes.
  Array reduction() {
    const Array& a = operand();
    const int rank = a.ndim();
    const std::vector<int> axes = random_axes(rank);
    const bool keep = pick(2) == 0;
    const bool is_float = a.dtype() == float32 || a.dtype() == float64;
    switch (pick(exact_ ? 8 : 5)) {
      case 0:
        return sum(a, axes, keep);
      case 1:
        return max(a, axes, keep);
      case 2:
        return min(a, axes, keep);
      case 3:
        return exact_ ? any(a, axes, keep) : mean(a, axes, keep);
      case 4:
        return exact_ ? all(a, axes, keep) : var(a, axes, keep);
      case 5:
        return rank ? argmax(a, pick(rank), keep) : argmax(a);
      case 6:
        return rank ? argmin(a, pick(rank), keep) : argmin(a);
      default:
        if (is_float) throw Error("float products round differently in another order");
        return prod(a, axes, keep);
    }
  }

  // take or take_along_axis of a pool array along a random axis, the result keeping its shape;
  // indices from the whole range (negative too), rarely one out of range (an error in both),
  // sometimes computed lazily (fused into the gathering kernel).
  Array gather() {
    const Array& a = operand();
    const int rank = a.ndim();
    if (rank == 0 || a.size() == 0) throw Error("nothing to gather from");
    const int axis = pick(rank);
    const int64_t n = a.shape()[static_cast<size_t>(axis)];
    auto indices = [&](int64_t count, const Shape& shape) {
      std::vector<int64_t> v(static_cast<size_t>(count));
      for (auto& x : v) x = pick(static_cast<int>(2 * n)) - n;
      if (pick(60) == 0 && !v.empty()) v[0] = pick(2) ? n : -n - 1;
      Array idx = array(v, shape);
      return pick(3) == 0 ? idx + int64_t{0} : idx;
    };
    if (pick(2)) return take(a, indices(n, {n}), axis);
    return take_along_axis(a, indices(a.size(), a.shape()), axis);
  }

  Array op() {
    if (pick(10) == 0) return view();
    if (exact_ && pick(12) == 0) return gather();
    if (pick(8) == 0) return reduction();
    static constexpr graph::Op exact_ops[] = {
        graph::Op::Add,          graph::Op::Subtract,    graph::Op::Multiply,
        graph::Op::Divide,       graph::Op::FloorDivide, graph::Op::Remainder,
        graph::Op::Power,        graph::Op::Maximum,     graph::Op::Minimum,
        graph::Op::Equal,        graph::Op::NotEqual,    graph::Op::Less,
        graph::Op::GreaterEqual, graph::Op::BitwiseAnd,  graph::Op::BitwiseXor,
        graph::Op::LeftShift,    graph::Op::RightShift,  graph::Op::LogicalAnd,
        graph::Op::LogicalXor,   graph::Op::Negative,    graph::Op::Abs,
        graph::Op::Sign,         graph::Op::Square,      graph::Op::Reciprocal,
        graph::Op::Sqrt,         graph::Op::Floor,       graph::Op::Ceil,
        graph::Op::Rint,         graph::Op::Trunc,       graph::Op::IsNan,
        graph::Op::IsInf,        graph::Op::IsFinite,    graph::Op::LogicalNot,
        graph::Op::Invert,       graph::Op::Where,       graph::Op::Cast,
        graph::Op::Real,         graph::Op::Imag,        graph::Op::Conj,
        graph::Op::MakeComplex};
    static constexpr graph::Op approx_ops[] = {
        graph::Op::Add,       graph::Op::Subtract, graph::Op::Multiply, graph::Op::Divide,
        graph::Op::Maximum,   graph::Op::Exp,      graph::Op::Log,      graph::Op::Sin,
        graph::Op::Cos,       graph::Op::Tanh,     graph::Op::Arctan,   graph::Op::Sqrt,
        graph::Op::Log1p,     graph::Op::Expm1,    graph::Op::Erf,      graph::Op::Erfc,
        graph::Op::Sinh,      graph::Op::Exp2,     graph::Op::Log2,     graph::Op::Log10,
        graph::Op::Arcsin,    graph::Op::Arccos,   graph::Op::Cosh,     graph::Op::Arctan2,
        graph::Op::Hypot,     graph::Op::Power,    graph::Op::Square,   graph::Op::Abs,
        graph::Op::Angle,     graph::Op::Real,     graph::Op::Imag,     graph::Op::Conj,
        graph::Op::Reciprocal};
    const graph::Op o =
        exact_ ? exact_ops[pick(std::size(exact_ops))] : approx_ops[pick(std::size(approx_ops))];
    if (o == graph::Op::Cast) {
      const DType t = exact_ ? kDtypes[pick(static_cast<int>(std::size(kDtypes)))]
                             : (pick(3)   ? float32
                                : pick(2) ? float64
                                : pick(2) ? complex64
                                          : complex128);
      return operand().astype(t);
    }
    // Mostly arrays; sometimes a weak C++ scalar on either side.
    const Array& a = operand();
    const auto arg = [&]() -> Operand {
      return pick(4) == 0 ? scalar_operand() : Operand(operand());
    };
    switch (graph::op_info(o).arity) {
      case 1: {
        const Operand x(a);
        // what every public elementwise function calls
        if (exact_ && is_complex(a.dtype()) && (o == graph::Op::Abs || o == graph::Op::Sqrt))
          throw Error("complex abs and sqrt call the math library (hypot): not bit-exact");
        return detail::apply(o, {&x});
      }
      case 2: {
        const bool scalar_first = pick(6) == 0;
        const Operand x = scalar_first ? scalar_operand() : Operand(a);
        const Operand y = scalar_first ? Operand(a) : arg();
        Array r = detail::apply(o, {&x, &y});
        // Float and complex power go through the math library: not bit-exact, so not in exact
        // mode.
        if (exact_ && o == graph::Op::Power &&
            (r.dtype() == float32 || r.dtype() == float64 || is_complex(r.dtype())))
          throw Error("float power is not exact");
        return r;
      }
      default:
        return where(operand() > 0, a, arg());
    }
  }
  std::mt19937_64 rng_;
  bool exact_;
  Shape out_shape_;
  std::vector<Array> pool_;
};

// Compares one output; returns an empty string when it matches.
std::string compare(const graph::HostArray& want, const Array& got, bool exact, double rtol,
                    bool zero_sign_free) {
  if (got.dtype() != want.dtype) return "dtype " + std::string(dtype_name(got.dtype()));
  if (got.shape() != want.shape.to_shape()) return "shape";
  if (is_complex(want.dtype)) {  // the parts, as float32 or float64 arrays
    graph::HostArray re = want, im = want;
    const bool wide = want.dtype == complex128;
    re.dtype = im.dtype = wide ? float64 : float32;
    for (size_t i = 0; i < want.bits.size(); ++i) {
      const auto c = want.bits[i];
      re.bits[i] = wide ? graph::Bits{static_cast<uint64_t>(c)} : c & 0xffffffffu;
      im.bits[i] = wide ? c >> 64 : c >> 32;
    }
    const std::string r = compare(re, real(got), exact, rtol, zero_sign_free);
    return r.empty() ? compare(im, imag(got), exact, rtol, zero_sign_free) : r;
  }
  return graph::visit_dtype(want.dtype, [&]<class T>() -> std::string {
    const auto v = got.to_vector<T>();
    for (size_t i = 0; i < v.size(); ++i) {
      const T w = want.at<T>(static_cast<int64_t>(i));
      const T g = v[i];
      bool ok = kiln_test::same_bits(g, w);
      if constexpr (graph::ref::is_complex_v<T>) {
        return "complex values are compared by parts";
      } else if constexpr (std::is_floating_point_v<T>) {
        if (!ok && !exact) {
          ok = (std::isnan(g) && std::isnan(w)) ||
               (std::isfinite(g) && std::isfinite(w) &&
                std::fabs(double(g) - double(w)) <=
                    rtol * (1 + std::max(std::fabs(double(g)), std::fabs(double(w)))));
        }
        if (exact && std::isnan(g) && std::isnan(w)) ok = true;
        if (zero_sign_free && g == w) ok = true;  // max/min of 0.0 and -0.0 may pick either
      }
      if constexpr (!graph::ref::is_complex_v<T>) {
        if (!ok) {
          return "element " + std::to_string(i) + ": compiled " + std::to_string(double(g)) +
                 ", reference " + std::to_string(double(w));
        }
      }
    }
    return "";
  });
}

void run_random_graphs(uint64_t seed, int count, bool exact) {
  Generator gen(seed, exact);
  int compared = 0, with_views = 0, with_reductions = 0;
  for (int c = 0; c < count; ++c) {
    std::vector<Array> outs = gen.expression();
    const graph::Graph g = pending_graph(outs);
    bool has_view = false, has_reduction = false;
    for (const graph::GNode& n : g.nodes) {
      has_view |= n.op == graph::Op::View;
      has_reduction |= graph::is_reduction(n.op);
    }
    std::vector<graph::HostArray> want;
    std::string reference_error;
    try {
      want = graph::interpret(g);
    } catch (const Error& e) {
      reference_error = e.what();
    }
    std::string kiln_error;
    try {
      kiln::eval(outs);
    } catch (const Error& e) {
      kiln_error = e.what();
    }
    ASSERT_EQ(kiln_error, reference_error) << "graph " << c << "\n" << graph::to_text(g);
    if (!kiln_error.empty()) continue;
    // Math-library results are within a few ulp of the operand precision; a float32 anywhere
    // upstream bounds the accuracy of everything after it.
    bool any_float32 = false, float_sum = false, extreme = false;
    for (const graph::GNode& n : g.nodes) {
      any_float32 |= n.dtype == float32 || n.dtype == complex64;
      extreme |= n.op == graph::Op::Max || n.op == graph::Op::Min;
      // Sums add in another order than the interpreter's left-to-right loop.
      float_sum |= n.op == graph::Op::Sum && (n.dtype == float32 || n.dtype == float64);
    }
    const double rtol = any_float32 ? 2e-4 : 1e-9;
    const bool graph_exact = exact && !float_sum;
    for (size_t o = 0; o < outs.size(); ++o) {
      const std::string diff = compare(want[o], outs[o], graph_exact, rtol, extreme);
      ASSERT_EQ(diff, "") << "seed " << seed << " graph " << c << " output " << o << "\n"
                          << graph::to_text(g);
    }
    ++compared;
    with_views += has_view;
    with_reductions += has_reduction;
  }
  EXPECT_GT(compared, count * 3 / 4);
  // (a twentieth: the emulator's run compares an eighth of the graphs, where a tenth of them
  // is within chance of its share)
  EXPECT_GT(with_views, count / 20);
  EXPECT_GT(with_reductions, count / 20);
  std::printf("%d graphs compared, %d with views, %d with reductions\n", compared, with_views,
              with_reductions);
}

}  // namespace

TEST(RandomGraphs, ExactOpsAgreeBitForBit) {
  run_random_graphs(20261125, kiln_test::oracle_cases(1500), true);
}

TEST(RandomGraphs, MathLibraryOpsAgreeWithinTolerance) {
  run_random_graphs(77, kiln_test::oracle_cases(500), false);
}

namespace {

// "" when `a` and `b` hold the same bits (nan payloads aside), else where they differ.
std::string bit_difference(const Array& a, const Array& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return "dtype or shape";
  if (is_complex(a.dtype())) {
    const std::string re = bit_difference(real(a), real(b));
    return re.empty() ? bit_difference(imag(a), imag(b)) : re;
  }
  return graph::visit_dtype(a.dtype(), [&]<class T>() -> std::string {
    if constexpr (graph::ref::is_complex_v<T>) {
      return "complex";
    } else {
      const auto x = a.to_vector<T>(), y = b.to_vector<T>();
      for (size_t i = 0; i < x.size(); ++i)
        if (!kiln_test::same_bits(x[i], y[i]))
          return "element " + std::to_string(i) + ": " + std::to_string(double(x[i])) + " vs " +
                 std::to_string(double(y[i]));
      return "";
    }
  });
}

// `a` wrapped in a formula that an exact rule rewrites (picked by `k`), or `a` where none fits
// its dtype: the patterns the random expressions seldom contain.
Array with_exact_pattern(const Array& a, int k) {
  const DType t = a.dtype();
  if (t == bool_) return k % 2 ? logical_not(logical_not(a)) : where(a, a, a);
  if (is_complex(t)) return negative(negative(a));
  switch (k % 9) {
    case 0:
      return a * 1;
    case 1:
      return a - 0;
    case 2:
      return is_integer(t) ? a + 0 : a + (-0.0);
    case 3:
      return is_integer(t) ? abs(negative(a)) : a / 4.0;
    case 4:
      return power(a, 1);
    case 5:
      return abs(abs(a));
    case 6:
      return is_integer(t) ? sum(a * int64_t{3}) : max(broadcast_to(a, {3, a.size()}), 0);
    case 7:
      return a.astype(int64).astype(float64);
    default:
      return negative(negative(a));
  }
}

}  // namespace

// The exact rewrite rules change no bit: each random graph (exact-valued and general ones, with
// weak scalars 0, 1, 2, -1 among them) evaluated with Optimize::none and with Optimize::exact
// gives the same bits, or the same error. `make fuzz-exact SEED=N SECONDS=N` runs more for a
// time budget (KILN_EXACT_SEED, KILN_EXACT_SECONDS).
TEST(RandomGraphs, ExactRewritesAreBitIdentical) {
  const char* seed_env = std::getenv("KILN_EXACT_SEED");
  const char* seconds_env = std::getenv("KILN_EXACT_SECONDS");
  const uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : 9000;
  const double seconds = seconds_env ? std::atof(seconds_env) : 0;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  int count = 300, compared = 0;
  uint64_t fired = 0;
  for (int c = 0; c < count || (seconds > 0 && elapsed() < seconds); ++c) {
    if (c >= count) count = c + 1;
    std::vector<Array> as_written, rewritten;
    std::string error_none, error_exact;
    for (Optimize level : {Optimize::none, Optimize::exact}) {
      set_optimize(level);
      Generator gen(seed + static_cast<uint64_t>(c), c % 2 == 0);  // the same graph twice
      std::vector<Array> outs = gen.expression();
      for (size_t o = 0; o < outs.size(); ++o)
        outs[o] = with_exact_pattern(outs[o].reshape({outs[o].size()}), c + static_cast<int>(o));
      const uint64_t before = stats().rewrites;
      try {
        kiln::eval(outs);
      } catch (const Error& e) {
        (level == Optimize::none ? error_none : error_exact) = e.what();
      }
      if (level == Optimize::exact) fired += stats().rewrites - before;
      (level == Optimize::none ? as_written : rewritten) = std::move(outs);
    }
    set_optimize(Optimize::full);
    ASSERT_EQ(error_none, error_exact) << "graph " << c;
    if (!error_none.empty()) continue;
    for (size_t o = 0; o < as_written.size(); ++o)
      ASSERT_EQ(bit_difference(as_written[o], rewritten[o]), "")
          << "graph " << c << " output " << o;
    ++compared;
  }
  EXPECT_GT(compared, count * 3 / 4);
  EXPECT_GT(fired, static_cast<uint64_t>(count) / 10);  // the rules did fire
  std::printf("%d graphs bit-identical with and without the exact rules (%llu rewrites)\n",
              compared, static_cast<unsigned long long>(fired));
}
