// kiln::random: each array is a lazy expression of its elements' flat indices, like arange,
// passed through the Philox op (graph/philox.hpp) with the seed and the array's own stream
// number as kernel parameters, then turned into the wanted distribution with ordinary ops. So
// random arrays fuse into their consumers and a new seed or stream compiles nothing new.
#include "kiln/random.hpp"

#include <cmath>
#include <numbers>

#include "api/apply.hpp"
#include "api/random_bits.hpp"
#include "graph/errors.hpp"
#include "kiln/creation.hpp"

namespace kiln::random {

namespace {

using graph::Op;

// An elementwise op on operands that carry the user's call site.
struct Ops {
  std::source_location loc;
  Array operator()(Op op, const Array& a, const Array& b) const {
    const Operand x(a, loc), y(b, loc);
    return detail::apply(op, {&x, &y});
  }
  template <class T>
  requires std::is_arithmetic_v<T> Array operator()(Op op, const Array& a, T b) const {
    const Operand x(a, loc), y(b, loc);
    return detail::apply(op, {&x, &y});
  }
  Array unary(Op op, const Array& a) const {
    const Operand x(a, loc);
    return detail::apply(op, {&x});
  }
};

void check_shape(const char* fn, const Shape& shape, const std::source_location& loc) {
  (void)detail::checked_shape(shape, fn, detail::to_loc(loc));
}

void check_float(const char* fn, DType dtype, const std::source_location& loc) {
  if (dtype != float32 && dtype != float64)
    graph::throw_error(
        fn, std::string("dtype must be float32 or float64, not ") + std::string(dtype_name(dtype)),
        detail::to_loc(loc));
}

}  // namespace

namespace internal {

Array bits(const Shape& shape, uint64_t seed, uint64_t stream, std::source_location loc) {
  const Ops f{loc};
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  const Array index = arange(int64_t{0}, n, int64_t{1}, int64, f.loc).reshape(shape, f.loc);
  // The seed and the stream are tagged leaves (graph/payload.hpp), never shared with constants.
  const graph::DeviceId device = index.node()->device;
  graph::Payload ps, pk;
  ps.v = {seed, graph::kSeedTag, 0, 0};
  pk.v = {stream, graph::kStreamTag, 0, 0};
  const graph::SourceLoc at = detail::to_loc(f.loc);
  const Array seed_leaf = detail::record_leaf(Op::Full, int64, {}, ps, at, device);
  const Array stream_leaf = detail::record_leaf(Op::Full, int64, {}, pk, at, device);
  const Operand i(index, f.loc), s(seed_leaf, f.loc), k(stream_leaf, f.loc);
  return detail::apply(Op::Philox, {&i, &s, &k});
}

Array unit(const Array& b, DType dtype, bool plus_one, std::source_location loc) {
  const Ops f{loc};
  const int keep = dtype == float32 ? 24 : 53;
  Array m = f(Op::BitwiseAnd, f(Op::RightShift, b, 64 - keep), (int64_t{1} << keep) - 1);
  if (plus_one) m = f(Op::Add, m, 1);
  return f(Op::Multiply, m.astype(dtype, f.loc), std::ldexp(1.0, -keep));
}

}  // namespace internal

void seed(uint64_t s) {
  detail::context().seed_random(s);
}

Array uniform(const Shape& shape, double low, double high, DType dtype, std::source_location loc) {
  check_shape("uniform", shape, loc);
  check_float("uniform", dtype, loc);
  if (!(std::isfinite(low) && std::isfinite(high) && low <= high))
    graph::throw_error("uniform",
                       "needs finite low <= high, got low=" + std::to_string(low) +
                           ", high=" + std::to_string(high),
                       detail::to_loc(loc));
  const Ops f{loc};
  const auto [s, stream] = detail::context().next_random_stream();
  const Array u = internal::unit(internal::bits(shape, s, stream, loc), dtype, false, loc);
  return f(Op::Add, f(Op::Multiply, u, high - low), low);
}

Array normal(const Shape& shape, double mean, double stddev, DType dtype,
             std::source_location loc) {
  check_shape("normal", shape, loc);
  check_float("normal", dtype, loc);
  if (!(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0))
    graph::throw_error("normal",
                       "needs a finite mean and a finite stddev >= 0, got mean=" +
                           std::to_string(mean) + ", stddev=" + std::to_string(stddev),
                       detail::to_loc(loc));
  const Ops f{loc};
  const auto [s, stream] = detail::context().next_random_stream();
  // Box-Muller: u1 in (0, 1] so that log(u1) is finite. float32 takes both from one draw of 64
  // bits; float64 draws a second 64 bits on a sibling stream (top bit set).
  const Array b = internal::bits(shape, s, stream, loc);
  Array u1, u2;
  if (dtype == float32) {
    u1 = internal::unit(b, dtype, true, loc);
    u2 = f(Op::Multiply, f(Op::BitwiseAnd, b, (int64_t{1} << 24) - 1).astype(dtype, f.loc),
           std::ldexp(1.0, -24));
  } else {
    u1 = internal::unit(b, dtype, true, loc);
    u2 = internal::unit(internal::bits(shape, s, stream | (uint64_t{1} << 63), loc), dtype, false,
                        loc);
  }
  const Array radius = f.unary(Op::Sqrt, f(Op::Multiply, f.unary(Op::Log, u1), -2.0));
  const Array z =
      f(Op::Multiply, radius, f.unary(Op::Cos, f(Op::Multiply, u2, 2 * std::numbers::pi)));
  return f(Op::Add, f(Op::Multiply, z, stddev), mean);
}

Array randint(int64_t low, int64_t high, const Shape& shape, DType dtype,
              std::source_location loc) {
  check_shape("randint", shape, loc);
  const graph::SourceLoc where = detail::to_loc(loc);
  if (!is_integer(dtype))
    graph::throw_error(
        "randint", "dtype must be an integer dtype, not " + std::string(dtype_name(dtype)), where);
  if (low >= high)
    graph::throw_error("randint",
                       "low >= high (" + std::to_string(low) + " >= " + std::to_string(high) + ")",
                       where);
  if (!detail::integer_fits(low, dtype) || !detail::integer_fits(high - 1, dtype))
    graph::throw_error("randint",
                       "[" + std::to_string(low) + ", " + std::to_string(high) + ") does not fit " +
                           std::string(dtype_name(dtype)),
                       where);
  const auto range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  if (range > (uint64_t{1} << 63))
    graph::throw_error(
        "randint",
        "the range " + std::to_string(low) + " to " + std::to_string(high) + " is wider than 2^63",
        where);
  const Ops f{loc};
  const auto [s, stream] = detail::context().next_random_stream();
  // 63 non-negative random bits, reduced modulo the range.
  const Array r =
      f(Op::BitwiseAnd, f(Op::RightShift, internal::bits(shape, s, stream, loc), 1), INT64_MAX);
  Array v = range == (uint64_t{1} << 63) ? r : f(Op::Remainder, r, static_cast<int64_t>(range));
  v = f(Op::Add, v, low);
  return dtype == int64 ? v : v.astype(dtype, loc);
}

}  // namespace kiln::random
