// numpy is the oracle for promotion, broadcasting, integer semantics and special values: every
// case runs in kiln and in numpy (NEP 50 promotion state) and must give the same dtype, shape and
// values (bit for bit, signed zeros included, for exact ops; a few ulp for math-library ops).
#include <limits>

#include "numpy/oracle.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

// Representative values per dtype, and the special ones.
std::vector<bool> bools() {
  return {true, false, true, true, false, false};
}
template <class T>
std::vector<T> normal() {
  if constexpr (std::is_same_v<T, half>) {
    std::vector<half> out;
    for (float f : normal<float>()) out.push_back(half(f));
    return out;
  } else if constexpr (std::is_floating_point_v<T>)
    return {T(-2.5), T(0), T(1.5), T(3.25), T(-0.75), T(6)};
  else if constexpr (std::is_unsigned_v<T>)
    return {T(7), T(0), T(3), T(12), T(1), T(200)};
  else
    return {T(-7), T(0), T(3), T(12), T(-1), T(5)};
}
template <class T>
std::vector<T> specials() {
  using L = std::numeric_limits<T>;
  if constexpr (std::is_same_v<T, half>) {  // nan, infinities, signed zeros, the extremes,
    std::vector<half> out;                  // subnormals, and values that round to them
    for (float f : {NAN, INFINITY, -INFINITY, -0.0f, 0.0f, 1.0f, -1.0f, 0.5f, -2.5f, 5.9604645e-8f,
                    65504.0f, -65504.0f, 7.0f, -7.0f, 6.1e-5f, 2.5f, 300.0f, -1000.5f})
      out.push_back(half(f));
    return out;
  } else if constexpr (std::is_floating_point_v<T>)
    return {L::quiet_NaN(), L::infinity(), -L::infinity(), T(-0.0),         T(0),     T(1),
            T(-1),          T(0.5),        T(-2.5),        L::denorm_min(), L::max(), L::lowest(),
            T(7),           T(-7),         T(1e-30),       T(2.5)};
  else
    return {T(0),
            T(1),
            T(-1),
            T(7),
            T(-7),
            L::min(),
            L::max(),
            T(2),
            T(-2),
            T(sizeof(T) * 8 - 1),
            T(sizeof(T) * 8),
            T(3)};
}

Arg normal_array(DType t) {
  if (t == bool_) return oracle::array_arg(bools());
  return graph::visit_dtype(t, [&]<class T>() {
    if constexpr ((std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) || std::is_same_v<T, half>)
      return oracle::array_arg(normal<T>());
    else
      return oracle::array_arg(normal<double>());
  });
}

// Cartesian product of the special values: a[i] x b[j] as two arrays of n*n elements.
template <class T>
std::pair<Arg, Arg> special_grid() {
  const auto s = specials<T>();
  std::vector<T> a, b;
  for (T x : s)
    for (T y : s) {
      a.push_back(x);
      b.push_back(y);
    }
  return {oracle::array_arg(a), oracle::array_arg(b)};
}

std::vector<graph::Op> ops_of_arity(int arity) {
  std::vector<graph::Op> out;
  for (int i = 0; i < graph::kNumOps; ++i) {
    const auto op = graph::Op(i);
    if (graph::is_elementwise(op) && op != graph::Op::Cast && graph::op_info(op).arity == arity)
      out.push_back(op);
  }
  return out;
}

std::string fn(graph::Op op) {
  return std::string(graph::op_info(op).fn);
}

bool approx_fn(const std::string& name) {
  // compositions of libm functions (libmvec's vector variants round their own way)
  if (name == "logaddexp" || name == "logaddexp2") return true;
  for (int i = 0; i < graph::kNumOps; ++i)
    if (graph::op_info(graph::Op(i)).fn == name)
      return graph::has_flag(graph::Op(i), graph::kApprox);
  return false;
}

// Compares kiln's evaluation of `c` with numpy's result; returns "" when they agree.
std::string check(const Case& c, const oracle::Result& want, int max_ulp) {
  Array got;
  std::string diff;
  if (!oracle::evaluate_and_match(c, want, got, diff)) return diff;
  const bool approx = approx_fn(c.fn) && is_floating(got.dtype());
  if (is_complex(got.dtype())) {  // bit-exact parts (only complex() makes them here)
    const auto v = got.astype(complex128).to_vector<std::complex<double>>();
    auto same = [](double g, double w) {
      return kiln_test::same_bits(g, w) || (std::isnan(g) && std::isnan(w));
    };
    for (size_t i = 0; i < v.size(); ++i) {
      const std::complex<double> w = oracle::parse_complex128(want.values[i]);
      if (!same(v[i].real(), w.real()) || !same(v[i].imag(), w.imag()))
        return "element " + std::to_string(i) + " differs: numpy " + want.values[i];
    }
    return "";
  }
  return graph::visit_dtype(got.dtype(), [&]<class T>() -> std::string {
    if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>)
      return "";
    else {
      const auto v = got.to_vector<T>();
      if (v.size() != want.values.size()) return "size differs";
      for (size_t i = 0; i < v.size(); ++i) {
        const T w = oracle::parse_value<T>(want.values[i]);
        bool ok = kiln_test::same_bits(v[i], w);
        if constexpr (std::is_floating_point_v<T>) {
          if (approx && !ok && std::isfinite(v[i]) && std::isfinite(w))
            ok = oracle::ulp_distance(v[i], w) <= max_ulp;
        } else if constexpr (std::is_same_v<T, half>) {
          // A math function's float32 result a few ulp from glibc's rounds to the same
          // float16 but near a tie: one float16 ulp.
          const float g = v[i], x = w;
          if (approx && !ok && std::isfinite(g) && std::isfinite(x))
            ok = oracle::ulp_distance(v[i].bits, w.bits) <= 1;
        }
        if (!ok) {
          std::ostringstream os;
          os.precision(17);
          os << "element " << i << ": kiln " << v[i] << ", numpy " << w;
          return os.str();
        }
      }
      return "";
    }
  });
}

void run_cases(const std::vector<Case>& cases, int max_ulp = 4) {
  oracle::run_and_check(
      cases, [&](const Case& c, const oracle::Result& want) { return check(c, want, max_ulp); });
}

constexpr DType kAll[] = {bool_,  int8,   int16,  int32,   int64,  uint8,
                          uint16, uint32, uint64, float32, float64};
constexpr DType kClassic[] = {bool_, int32, int64, float32, float64};
constexpr DType kNarrow[] = {int8, int16, uint8, uint16, uint32, uint64};
// The dtypes each op meets weak scalars with: the classic five and one of each new kind.
constexpr DType kWithScalars[] = {bool_, int32, int64, float32, float64, int8, uint16, uint64};

}  // namespace

// Every op over every pair of the classic dtypes; each type rule (add: promotion, less:
// comparisons, arctan2: float functions, floor_divide: integer loops, left_shift: shifts) over
// every pair of all 11 real dtypes; and every op on each narrow or unsigned dtype with itself
// and with int64 and float32. (Every op over all 121 pairs ran once, passing: 3,600 cases
// that the suite's GPU-path runs could not afford.)
TEST(NumpyOracle, BinaryOpsOverEveryDtypePair) {
  std::vector<Case> cases;
  for (graph::Op op : ops_of_arity(2)) {
    for (DType a : kClassic)
      for (DType b : kClassic) cases.push_back({fn(op), {normal_array(a), normal_array(b)}});
    for (DType a : kNarrow)
      for (DType b : {a, int64, float32}) {
        cases.push_back({fn(op), {normal_array(a), normal_array(b)}});
        if (b != a) cases.push_back({fn(op), {normal_array(b), normal_array(a)}});
      }
  }
  for (const char* f : {"add", "less", "arctan2", "floor_divide", "left_shift"})
    for (DType a : kAll)
      for (DType b : kAll) cases.push_back({f, {normal_array(a), normal_array(b)}});
  run_cases(cases);
}

TEST(NumpyOracle, WeakScalarsOnEitherSide) {
  std::vector<Case> cases;
  const Arg scalars[] = {oracle::int_arg(3), oracle::int_arg(-2), oracle::float_arg(2.5),
                         oracle::float_arg(-0.0), oracle::bool_arg(true)};
  for (graph::Op op : ops_of_arity(2))
    for (DType t : kWithScalars)
      for (const Arg& s : scalars) {
        cases.push_back({fn(op), {normal_array(t), s}});
        cases.push_back({fn(op), {s, normal_array(t)}});
      }
  run_cases(cases);
}

TEST(NumpyOracle, UnaryOpsWithSpecialValues) {
  std::vector<Case> cases;
  for (graph::Op op : ops_of_arity(1)) {
    for (DType t : kAll) cases.push_back({fn(op), {normal_array(t)}});
    cases.push_back({fn(op), {oracle::array_arg(specials<float>())}});
    cases.push_back({fn(op), {oracle::array_arg(specials<double>())}});
    cases.push_back({fn(op), {oracle::array_arg(specials<int32_t>())}});
    cases.push_back({fn(op), {oracle::array_arg(specials<int64_t>())}});
    cases.push_back({fn(op), {oracle::array_arg(specials<int8_t>())}});
    cases.push_back({fn(op), {oracle::array_arg(specials<uint16_t>())}});
    cases.push_back({fn(op), {oracle::array_arg(specials<uint64_t>())}});
  }
  run_cases(cases);
}

TEST(NumpyOracle, BinaryOpsOnSpecialValues) {
  // nan, inf, -0.0, extremes: floor division and remainder signs, overflow wrap-around, shifts
  // by the bit width, maximum with nan, comparisons with nan.
  std::vector<Case> cases;
  const auto [f32a, f32b] = special_grid<float>();
  const auto [f64a, f64b] = special_grid<double>();
  const auto [i32a, i32b] = special_grid<int32_t>();
  const auto [i64a, i64b] = special_grid<int64_t>();
  const auto [i8a, i8b] = special_grid<int8_t>();
  const auto [u8a, u8b] = special_grid<uint8_t>();
  const auto [u32a, u32b] = special_grid<uint32_t>();
  const auto [u64a, u64b] = special_grid<uint64_t>();
  const std::pair<const Arg*, const Arg*> grids[] = {{&f32a, &f32b}, {&f64a, &f64b}, {&i32a, &i32b},
                                                     {&i64a, &i64b}, {&i8a, &i8b},   {&u8a, &u8b},
                                                     {&u32a, &u32b}, {&u64a, &u64b}};
  for (graph::Op op : ops_of_arity(2))
    for (const auto& [a, b] : grids) cases.push_back({fn(op), {*a, *b}});
  run_cases(cases);
}

TEST(NumpyOracle, CastsBetweenEveryDtype) {
  std::vector<Case> cases;
  const Arg sources[] = {
      oracle::array_arg(specials<float>()),
      oracle::array_arg(specials<double>()),
      oracle::array_arg(specials<int32_t>()),
      oracle::array_arg(specials<int64_t>()),
      oracle::array_arg(specials<int8_t>()),
      oracle::array_arg(specials<uint8_t>()),
      oracle::array_arg(specials<uint64_t>()),
      oracle::array_arg(bools()),
      oracle::array_arg(std::vector<double>{2.5, -2.5, 3e9, -3e9, 9.3e18, -9.3e18, 2147483647.9,
                                            -2147483648.9, 0.9999999})};
  for (const Arg& s : sources)
    for (DType t : kAll) cases.push_back({"astype", {s, oracle::dtype_arg(t)}});
  run_cases(cases);
}

TEST(NumpyOracle, Broadcasting) {
  std::vector<Case> cases;
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 1}, {1, 4}}, {{2, 3, 1}, {3, 4}},    {{}, {5}},       {{0, 3}, {3}},
      {{1}, {0}},       {{4, 1, 2}, {1, 3, 1}}, {{1, 1, 1}, {}}, {{2, 1, 3}, {2, 2, 1}}};
  for (const auto& [sa, sb] : shapes) {
    auto make = [](const Shape& s, double scale) {
      int64_t n = 1;
      for (int64_t e : s) n *= e;
      std::vector<double> v(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) v[i] = scale * static_cast<double>(i + 1);
      return oracle::array_arg(v, s.empty() ? Shape{} : s);
    };
    cases.push_back({"add", {make(sa, 1), make(sb, 100)}});
    cases.push_back({"arctan2", {make(sa, 1), make(sb, -0.5)}});
    cases.push_back(
        {"where", {oracle::array_arg(std::vector<bool>{true}, {1}), make(sa, 1), make(sb, 2)}});
  }
  run_cases(cases);
}

TEST(NumpyOracle, WhereAndClipPromotion) {
  std::vector<Case> cases;
  const Arg cond = oracle::array_arg(std::vector<bool>{true, false, true, false, true, false});
  for (DType a : kAll)
    for (DType b : kAll) cases.push_back({"where", {cond, normal_array(a), normal_array(b)}});
  for (DType a : kAll) {
    cases.push_back({"where", {cond, normal_array(a), oracle::float_arg(0.5)}});
    cases.push_back({"where", {cond, oracle::int_arg(7), normal_array(a)}});
    cases.push_back({"clip", {normal_array(a), oracle::int_arg(-1), oracle::int_arg(4)}});
    cases.push_back({"clip", {normal_array(a), oracle::float_arg(-1.5), oracle::int_arg(4)}});
  }
  run_cases(cases);
}

TEST(NumpyOracle, ArangeAndLinspace) {
  std::vector<Case> cases;
  for (DType t : {int8, uint16, int32, int64, float32, float64}) {
    cases.push_back(
        {"arange",
         {oracle::int_arg(0), oracle::int_arg(10), oracle::int_arg(3), oracle::dtype_arg(t)}});
    cases.push_back(
        {"arange",
         {oracle::int_arg(5), oracle::int_arg(-6), oracle::int_arg(-2), oracle::dtype_arg(t)}});
    cases.push_back({"arange",
                     {oracle::float_arg(0.5), oracle::float_arg(7.25), oracle::float_arg(0.75),
                      oracle::dtype_arg(t)}});
    cases.push_back({"arange",
                     {oracle::float_arg(-1), oracle::float_arg(1), oracle::float_arg(0.1),
                      oracle::dtype_arg(t)}});
  }
  for (DType t : kAll) {
    for (bool endpoint : {true, false}) {
      cases.push_back({"linspace",
                       {oracle::float_arg(-1.5), oracle::float_arg(2.75), oracle::int_arg(37),
                        oracle::bool_arg(endpoint), oracle::dtype_arg(t)}});
      cases.push_back({"linspace",
                       {oracle::int_arg(0), oracle::int_arg(1), oracle::int_arg(1),
                        oracle::bool_arg(endpoint), oracle::dtype_arg(t)}});
      cases.push_back({"linspace",
                       {oracle::float_arg(3), oracle::float_arg(3), oracle::int_arg(4),
                        oracle::bool_arg(endpoint), oracle::dtype_arg(t)}});
      cases.push_back({"linspace",
                       {oracle::float_arg(0), oracle::float_arg(1e-310), oracle::int_arg(1000),
                        oracle::bool_arg(endpoint), oracle::dtype_arg(t)}});
    }
  }
  run_cases(cases);
}

// Creation with every dtype (zeros, ones, full, eye and the _like forms), and the few functions
// the random suites do not draw: logaddexp, logaddexp2, around.
TEST(NumpyOracle, CreationAndLogaddexp) {
  std::vector<Case> cases;
  const Shape shapes[] = {{}, {0}, {3}, {2, 0, 3}, {2, 3}};
  for (DType t : kAll) {
    for (const Shape& s : shapes) {
      cases.push_back({"zeros", {oracle::shape_arg(s), oracle::dtype_arg(t)}});
      cases.push_back({"ones", {oracle::shape_arg(s), oracle::dtype_arg(t)}});
      cases.push_back(
          {"full", {oracle::shape_arg(s), oracle::float_arg(2.5), oracle::dtype_arg(t)}});
    }
    const Arg like = oracle::array_arg(std::vector<double>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
    cases.push_back({"zeros_like", {like, oracle::dtype_arg(t)}});
    cases.push_back({"ones_like", {like, oracle::dtype_arg(t)}});
    for (const int64_t k : {-2, 0, 1, 5})
      cases.push_back(
          {"eye",
           {oracle::int_arg(3), oracle::int_arg(4), oracle::int_arg(k), oracle::dtype_arg(t)}});
  }
  for (DType t : {float32, float64}) {
    const Arg a = oracle::array_arg(
        std::vector<double>{-800, -1, 0, 0.5, 30, 700, INFINITY, -INFINITY, NAN}, Shape{9});
    Arg x = a;
    x.array = a.array.astype(t);
    x.encoded = "A:" + std::string(dtype_name(t)) + a.encoded.substr(a.encoded.find(':', 2));
    const Arg y =
        oracle::array_arg(std::vector<double>{-799, 2, 0, -0.5, 1, 700, INFINITY, 1, 0}, Shape{9});
    for (const char* f : {"logaddexp", "logaddexp2"}) cases.push_back({f, {x, y}});
    cases.push_back({"around", {x, oracle::int_arg(1)}});
  }
  run_cases(cases);
}

// float16, in one place (the lists above leave it out to keep the suite's time): every op on
// its special values, its promotions with every other dtype, weak scalars, the float functions
// that numpy computes in float16 (bool and 8-bit integers), casts both ways, arange and
// linspace. numpy computes each float16 op in float32 and rounds the result.
TEST(NumpyOracle, Float16EveryOpPromotionCastAndCreation) {
  std::vector<Case> cases;
  const Arg specials16 = oracle::array_arg(specials<half>());
  const auto [h_a, h_b] = special_grid<half>();
  for (graph::Op op : ops_of_arity(1)) cases.push_back({fn(op), {specials16}});
  for (graph::Op op : ops_of_arity(2)) cases.push_back({fn(op), {h_a, h_b}});
  for (DType t : kAll) {
    cases.push_back({"add", {normal_array(float16), normal_array(t)}});
    cases.push_back({"multiply", {normal_array(t), normal_array(float16)}});
    cases.push_back({"astype", {specials16, oracle::dtype_arg(t)}});
  }
  for (DType t : {bool_, int8, uint8, int16})
    for (const char* f : {"sin", "sqrt", "arctan2"})
      cases.push_back(std::string(f) == "arctan2" ? Case{f, {normal_array(t), normal_array(t)}}
                                                  : Case{f, {normal_array(t)}});
  cases.push_back({"angle", {normal_array(int8)}});
  cases.push_back({"complex", {normal_array(float16), normal_array(float16)}});
  for (const Arg& s : {oracle::int_arg(3), oracle::float_arg(2.5), oracle::bool_arg(true),
                       oracle::int_arg(70000), oracle::float_arg(1e-8)})
    for (const char* f : {"add", "divide", "power", "less"}) {
      cases.push_back({f, {specials16, s}});
      cases.push_back({f, {s, specials16}});
    }
  for (const Arg& s :
       {oracle::array_arg(specials<float>()), oracle::array_arg(specials<double>()),
        oracle::array_arg(specials<int8_t>()), oracle::array_arg(specials<int64_t>()),
        oracle::array_arg(specials<uint64_t>()), oracle::array_arg(bools()),
        oracle::array_arg(std::vector<double>{65519.99, 65520.0, 2.9802322387695312e-08,
                                              2.98023223876953125e-08, 1.0009765625, 1.00048828125,
                                              1.00048828125000001})})
    cases.push_back({"astype", {s, oracle::dtype_arg(float16)}});
  cases.push_back({"where",
                   {oracle::array_arg(std::vector<bool>{true, false, true, false, true, false}),
                    normal_array(float16), oracle::float_arg(0.5)}});
  cases.push_back({"clip", {normal_array(float16), oracle::int_arg(-1), oracle::float_arg(2.5)}});
  const DType t = float16;
  cases.push_back({"arange",
                   {oracle::float_arg(-1), oracle::float_arg(1), oracle::float_arg(0.1),
                    oracle::dtype_arg(t)}});
  cases.push_back(
      {"arange",
       {oracle::int_arg(5), oracle::int_arg(-6), oracle::int_arg(-2), oracle::dtype_arg(t)}});
  cases.push_back({"linspace",
                   {oracle::float_arg(-1.5), oracle::float_arg(2.75), oracle::int_arg(37),
                    oracle::bool_arg(true), oracle::dtype_arg(t)}});
  run_cases(cases);
}
