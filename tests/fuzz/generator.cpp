// Random programs over kiln's API. Each statement is recorded with kiln as it is generated
// (tracing only, nothing is evaluated), so that later statements know the shapes and dtypes of
// the earlier ones and mostly make valid calls; now and then a call is invalid on purpose
// (a bad axis, mismatched shapes), which kiln and numpy must both refuse. A program ends at the
// first call kiln refuses.
#include <algorithm>
#include <numeric>
#include <random>

#include "fuzz/fuzz.hpp"
#include "numpy/oracle.hpp"

namespace fuzz {
namespace {

using kiln::DType;
using kiln::Shape;

constexpr DType kDtypes[] = {kiln::bool_, kiln::int32, kiln::int64, kiln::float32, kiln::float64};
// The narrow and unsigned integers and float16, drawn now and then.
constexpr DType kNarrow[] = {kiln::int8,   kiln::int16,  kiln::uint8,  kiln::uint16,
                             kiln::uint32, kiln::uint64, kiln::float16};

int64_t size_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t e : s) n *= e;
  return n;
}

// Whether numpy broadcasting accepts shapes a and b together.
bool broadcasts(const Shape& a, const Shape& b) {
  for (size_t k = 1; k <= std::min(a.size(), b.size()); ++k) {
    const int64_t x = a[a.size() - k], y = b[b.size() - k];
    if (x != y && x != 1 && y != 1) return false;
  }
  return true;
}

std::string join(const std::vector<int64_t>& v) {
  return oracle::join(v);
}

class Generator {
 public:
  Generator(uint64_t seed, int64_t index)
      : rng_(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(index) * 0xBF58476D1CE4E5B9ull +
             1) {
    program_.seed = seed;
    program_.index = index;
  }

  Program run() {
    const int length = 3 + pick(10);
    while (static_cast<int>(program_.statements.size()) < length) {
      const bool ok = values_.empty() || pick(10) == 0 ? creation()
                      : one_in(40)                     ? loop()
                                                       : statement();
      if (!ok) break;  // kiln refused the call: later statements cannot use its value
    }
    return std::move(program_);
  }

 private:
  int pick(int n) { return n <= 0 ? 0 : static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool one_in(int n) { return pick(n) == 0; }
  DType dtype() {
    if (one_in(8)) return pick(2) ? kiln::complex64 : kiln::complex128;
    if (one_in(6)) return kNarrow[pick(7)];
    return kDtypes[pick(5)];
  }
  static bool is_float(DType t) { return t == kiln::float32 || t == kiln::float64; }
  static bool is_int(DType t) { return t == kiln::int32 || t == kiln::int64; }

  // Records a statement with kiln; false where kiln refused it at the call.
  bool emit(std::string fn, std::vector<std::string> args) {
    program_.statements.push_back({std::move(fn), std::move(args)});
    try {
      values_.push_back(interpret(program_.statements.back(), values_, /*run=*/false));
      return true;
    } catch (const kiln::Error&) {
      return false;
    }
  }

  std::string ref(int i) { return "V:" + std::to_string(i); }
  const kiln::Array& val(int i) { return values_[static_cast<size_t>(i)]; }

  // A value of the program, mostly the latest (chains of dependent statements), satisfying
  // `ok`; -1 when none does.
  template <class F>
  int choose(F ok) {
    const int n = static_cast<int>(values_.size());
    if (n == 0) return -1;
    if (pick(2) == 0 && ok(values_.back())) return n - 1;
    for (int tries = 0; tries < 8; ++tries) {
      const int i = pick(n);
      if (ok(val(i))) return i;
    }
    for (int i = n - 1; i >= 0; --i)
      if (ok(val(i))) return i;
    return -1;
  }
  int choose() {
    return choose([](const kiln::Array& a) { return a.size() <= 512; });
  }

  Shape shape(int max_rank = 3) {
    static constexpr int64_t extents[] = {1, 2, 3, 4, 5, 1, 2, 3, 0};
    Shape s(static_cast<size_t>(pick(max_rank + 1)));
    for (auto& e : s) e = extents[pick(one_in(8) ? 9 : 8)];
    return s;
  }

  // A shape that broadcasts with `s`: some leading axes dropped, some extents 1, now and then
  // an extra leading axis, and rarely one that does not broadcast (an error in both).
  Shape compatible(const Shape& s) {
    Shape r(s.begin() + pick(static_cast<int>(s.size()) + 1), s.end());
    for (auto& e : r)
      if (one_in(4)) e = 1;
    if (one_in(8) && size_of(s) <= 64) r.insert(r.begin(), 1 + pick(3));
    if (one_in(40) && !r.empty()) r.back() += 1;
    return r;
  }

  std::string element(DType t) {
    switch (t) {
      case kiln::bool_:
        return pick(2) ? "1" : "0";
      case kiln::int32:
      case kiln::int64: {
        if (one_in(30)) {
          static const int64_t big[] = {1 << 20, -(1 << 20), 2147483647, -2147483647 - 1};
          return std::to_string(big[pick(t == kiln::int32 ? 4 : 2)]);
        }
        return std::to_string(pick(19) - 9);
      }
      case kiln::int8:
      case kiln::int16:
        return std::to_string(pick(19) - 9);
      case kiln::uint8:
      case kiln::uint16:
      case kiln::uint32:
      case kiln::uint64:
        return std::to_string(one_in(30) ? 250 : pick(12));
      case kiln::complex64:
        return element(kiln::float32) + "_" + element(kiln::float32);
      case kiln::complex128:
        return element(kiln::float64) + "_" + element(kiln::float64);
      default: {
        double x = (pick(65) - 32) / 8.0;
        if (one_in(30)) {
          static const double special[] = {NAN, INFINITY, -INFINITY, -0.0, 0.1, 1e3, -7e-3};
          x = special[pick(7)];
        }
        if (t == kiln::float32) x = static_cast<float>(x);
        if (t == kiln::float16) x = static_cast<float>(kiln::half(x));
        return oracle::hex(x);
      }
    }
  }

  // A literal array: plain, seen transposed (a strided view in kiln) or as a lazy expression.
  std::string literal(const Shape& s, DType t, bool nonnegative = false) {
    const int form = s.size() >= 2 ? pick(4) : pick(3);
    const Shape stored = form == 3 ? Shape(s.rbegin(), s.rend()) : s;
    std::string out = form == 3 ? "AT:" : form == 2 ? "AL:" : "A:";
    out += std::string(kiln::dtype_name(t)) + ":" + join(stored) + ":";
    for (int64_t i = 0; i < size_of(s); ++i) {
      std::string e = element(t);
      if (nonnegative && e[0] == '-') e = e.substr(1);
      out += (i ? "," : "") + e;
    }
    return out;
  }

  std::string scalar() {
    if (one_in(10))
      return "S:complex:" + oracle::hex((pick(9) - 4) * 0.5) + "_" +
             oracle::hex((pick(5) - 2) * 0.25);
    switch (pick(3)) {
      case 0:
        return "S:int:" + std::to_string(pick(11) - 5);
      case 1: {
        static const double fs[] = {0.5, -1.5, 2.0, 0.1, 3.0, -0.0, 1e3, 0.25};
        return "S:float:" + oracle::hex(fs[pick(8)]);
      }
      default:
        return std::string("S:bool:") + (pick(2) ? "1" : "0");
    }
  }

  // Another operand for an elementwise call with the value `a`: a value of the program whose
  // shape broadcasts, a literal of a shape that broadcasts, or a weak C++ scalar.
  std::string other(const kiln::Array& a, bool nonnegative = false) {
    const int k = pick(10);
    if (k < 4) {
      const int j = choose([&](const kiln::Array& b) {
        return b.size() <= 512 && broadcasts(a.shape(), b.shape());
      });
      if (j >= 0 && !nonnegative) return ref(j);
    }
    if (k < 7) return literal(compatible(a.shape()), pick(3) ? a.dtype() : dtype(), nonnegative);
    if (nonnegative) return "S:int:" + std::to_string(pick(4));
    return scalar();
  }

  bool creation() {
    switch (pick(6)) {
      case 0: {
        const int64_t n = pick(12);
        const DType t = kDtypes[1 + pick(4)];
        if (pick(2))
          return emit(
              "arange",
              {"S:int:" + std::to_string(pick(9) - 4), "S:int:" + std::to_string(n),
               "S:int:" + std::to_string(1 + pick(3)), "D:" + std::string(kiln::dtype_name(t))});
        return emit("arange", {"S:float:" + oracle::hex(-1.5), "S:float:" + oracle::hex(n * 0.5),
                               "S:float:" + oracle::hex(one_in(40) ? 0.0 : 0.25 + 0.5 * pick(3)),
                               "D:" + std::string(kiln::dtype_name(t))});
      }
      case 1:
        return emit(
            "linspace",
            {"S:float:" + oracle::hex((pick(9) - 4) * 0.75), "S:int:" + std::to_string(pick(9) - 2),
             "S:int:" + std::to_string(pick(9)), std::string("S:bool:") + (pick(2) ? "1" : "0"),
             "D:" + std::string(kiln::dtype_name(kDtypes[pick(5)]))});
      case 2: {
        // No nan or inf fill for integer dtypes (an undefined cast).
        static const double fs[] = {0.5, -1.5, 2.0, 0.1, 3.0, -0.0};
        const std::string v = pick(2) ? "S:int:" + std::to_string(pick(11) - 5)
                                      : "S:float:" + oracle::hex(fs[pick(6)]);
        return emit("full",
                    {"H:" + join(shape()), v, "D:" + std::string(kiln::dtype_name(dtype()))});
      }
      case 3:
        return emit("zeros", {"H:" + join(shape()), "D:" + std::string(kiln::dtype_name(dtype()))});
      case 4:
        return emit("eye", {"S:int:" + std::to_string(pick(5)),
                            "D:" + std::string(kiln::dtype_name(dtype()))});
      default:
        return emit("array", {literal(shape(), dtype())});
    }
  }

  bool statement() {
    const int k = pick(100);
    if (k < 14) return unary();
    if (k < 36) return binary();
    if (k < 40) return where_or_clip();
    if (k < 44)
      return emit("astype", {ref(choose()), "D:" + std::string(kiln::dtype_name(dtype()))});
    if (k < 56) return reduction();
    if (k < 68) return view();
    if (k < 71) return index();
    if (k < 74) return assign();
    if (k < 82) return gather();
    if (k < 87) return join_arrays();
    if (k < 90) return cumulative();
    if (k < 94) return linalg();
    if (k < 97) return fourier();
    return emit("eval", {ref(choose())});
  }

  // A numpy-style loop, unrolled: a float value carried through 1-50 steps of one body (an
  // update by scalars and another value, through its own first row, through its mean, or
  // through a function), with evals at random steps, the way a time-stepping loop syncs. Every
  // step's value stays alive, as the program keeps them all.
  bool loop() {
    int c = choose([](const kiln::Array& a) {
      return (a.dtype() == kiln::float32 || a.dtype() == kiln::float64) && a.size() > 0 &&
             a.size() <= 128;
    });
    if (c < 0) return creation();
    const int steps = 1 + pick(50), body = pick(4);
    const std::string half = "S:float:" + oracle::hex(0.5),
                      quarter = "S:float:" + oracle::hex(0.25);
    const std::string other_value = other(val(c));
    auto last = [&] { return static_cast<int>(values_.size()) - 1; };
    for (int step = 0; step < steps; ++step) {
      if (!emit("multiply", {ref(c), half})) return false;
      const int scaled = last();
      bool ok = true;
      switch (body) {
        case 0:
          ok = emit("add", {ref(scaled), other_value});
          break;
        case 1:
          ok = val(c).ndim() >= 1 && emit("index", {ref(c), "K:i0"}) &&
               emit("multiply", {ref(last()), quarter}) && emit("add", {ref(scaled), ref(last())});
          break;
        case 2:
          ok = emit("mean", {ref(c), "X:none", "S:bool:0"}) &&
               emit("add", {ref(scaled), ref(last())});
          break;
        default:
          ok = emit("tanh", {ref(c)}) && emit("add", {ref(scaled), ref(last())});
          break;
      }
      if (!ok) return false;
      // A step must keep the carried value's shape and dtype (another value may broadcast it).
      if (val(last()).shape() != val(c).shape() || val(last()).dtype() != val(c).dtype())
        return true;
      c = last();
      if (one_in(6) && !emit("eval", {ref(pick(2) ? c : scaled)})) return false;
    }
    return true;
  }

  bool unary() {
    static const char* fns[] = {
        "negative", "abs",      "sign",     "square",      "reciprocal", "sqrt",    "exp",
        "exp2",     "expm1",    "log",      "log2",        "log10",      "log1p",   "sin",
        "cos",      "tan",      "arcsin",   "arccos",      "arctan",     "sinh",    "cosh",
        "tanh",     "erf",      "erfc",     "floor",       "ceil",       "rint",    "trunc",
        "isnan",    "isinf",    "isfinite", "logical_not", "invert",     "__neg__", "__invert__",
        "abs",      "negative", "square",   "floor",       "real",       "imag",    "conj",
        "angle",    "exp",      "abs"};
    return emit(fns[pick(std::size(fns))], {ref(choose())});
  }

  bool binary() {
    static const char* fns[] = {
        "add",         "subtract",    "multiply",   "divide",      "floor_divide",  "remainder",
        "power",       "maximum",     "minimum",    "arctan2",     "hypot",         "equal",
        "not_equal",   "less",        "less_equal", "greater",     "greater_equal", "bitwise_and",
        "bitwise_or",  "bitwise_xor", "left_shift", "right_shift", "logical_and",   "logical_or",
        "logical_xor", "__add__",     "__sub__",    "__mul__",     "__truediv__",   "__mod__",
        "__eq__",      "__ne__",      "__lt__",     "__le__",      "__gt__",        "__ge__",
        "__and__",     "__or__",      "__xor__",    "__lshift__",  "__rshift__",    "add",
        "multiply",    "__add__",     "__mul__",    "subtract",    "maximum",       "complex",
        "divide",      "multiply"};
    const std::string fn = fns[pick(std::size(fns))];
    const int i = choose();
    // Integer powers: mostly non-negative exponents (negative ones raise in both).
    const bool exponent = fn == "power" && !one_in(6);
    std::vector<std::string> args = {ref(i), other(val(i), exponent)};
    if (!exponent && pick(2)) std::swap(args[0], args[1]);
    return emit(fn, args);
  }

  bool where_or_clip() {
    const int i = choose();
    const kiln::Array& a = val(i);
    if (pick(2) && a.dtype() != kiln::bool_) {
      // No bool operands: numpy 1.24's clip promotes them unlike its NEP 50 result_type
      // (float32 array, bool bound -> float64); fuzz_numpy.py stops at any that remain.
      auto bound = [&] {
        std::string b = other(a);
        const bool boolean = b.starts_with("S:bool") || b.starts_with("A:bool") ||
                             b.starts_with("AT:bool") || b.starts_with("AL:bool") ||
                             (b[0] == 'V' && val(std::stoi(b.substr(2))).dtype() == kiln::bool_);
        return boolean ? "S:int:" + std::to_string(pick(5) - 2) : b;
      };
      std::string lo = bound(), hi = bound();
      return emit("clip", {ref(i), lo, hi});
    }
    const int c = choose([&](const kiln::Array& b) {
      return b.dtype() == kiln::bool_ && broadcasts(a.shape(), b.shape());
    });
    const std::string cond =
        c >= 0 && pick(3) ? ref(c) : literal(compatible(a.shape()), kiln::bool_);
    std::vector<std::string> xy = {ref(i), other(a)};
    if (pick(2)) std::swap(xy[0], xy[1]);
    return emit("where", {cond, xy[0], xy[1]});
  }

  // Reduction axes as in tests/numpy/test_numpy_reductions.cpp: None, one, several, negative;
  // rarely out of range or repeated (an error in both).
  bool reduction() {
    static const char* fns[] = {"sum", "prod", "max", "min",    "mean",  "var",
                                "std", "any",  "all", "argmax", "argmin"};
    const std::string fn = fns[pick(11)];
    const int i = choose();
    const int rank = val(i).ndim();
    std::vector<std::string> args = {ref(i)};
    const bool arg = fn == "argmax" || fn == "argmin";
    if (rank == 0 || one_in(3)) {
      args.push_back("X:none");
    } else if (arg) {
      const int axis = pick(rank) - (pick(2) ? rank : 0);
      args.push_back("I:" + std::to_string(one_in(30) ? rank : axis));
    } else {
      std::vector<int64_t> axes;
      for (int d = 0; d < rank; ++d)
        if (pick(2)) axes.push_back(pick(2) ? d : d - rank);
      if (axes.empty()) axes.push_back(pick(rank));
      if (one_in(30)) axes.push_back(one_in(2) ? rank : axes[0]);
      args.push_back("X:" + join(axes) + (axes.size() == 1 ? "," : ""));
    }
    args.push_back(std::string("S:bool:") + (pick(2) ? "1" : "0"));
    if (fn == "var" || fn == "std") args.push_back("S:int:" + std::to_string(pick(2)));
    return emit(fn, args);
  }

  bool view() {
    const int i = choose();
    const kiln::Array& a = val(i);
    const Shape s = a.shape();
    const int rank = a.ndim();
    switch (pick(6)) {
      case 0: {  // a random factorization of the size, maybe with one -1
        Shape t;
        int64_t rest = a.size();
        while (rest > 1 && t.size() < 4) {
          std::vector<int64_t> divisors;
          for (int64_t d = 2; d <= rest; ++d)
            if (rest % d == 0) divisors.push_back(d);
          const int64_t d = divisors[static_cast<size_t>(pick(static_cast<int>(divisors.size())))];
          t.push_back(d);
          rest /= d;
        }
        if (rest != 1) t.push_back(rest);  // 0, or what is left
        if (pick(2)) t.insert(t.begin() + pick(static_cast<int>(t.size()) + 1), 1);
        if (!t.empty() && a.size() > 0 && pick(3) == 0)
          t[static_cast<size_t>(pick(static_cast<int>(t.size())))] = -1;
        if (one_in(30)) t.push_back(2);  // a size that does not match: an error in both
        return emit("reshape", {ref(i), "H:" + join(t)});
      }
      case 1: {
        if (one_in(3)) return emit("transpose", {ref(i)});
        std::vector<int64_t> perm(static_cast<size_t>(rank));
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng_);
        return emit("transpose", {ref(i), "X:" + join(perm) + (rank == 1 ? "," : "")});
      }
      case 2: {
        std::vector<int64_t> ones;
        for (int d = 0; d < rank; ++d)
          if (s[static_cast<size_t>(d)] == 1 && pick(2)) ones.push_back(pick(2) ? d : d - rank);
        if (one_in(20) && rank > 0) ones.push_back(pick(rank));  // maybe not of extent 1
        if (ones.empty()) return emit("squeeze", {ref(i)});
        return emit("squeeze", {ref(i), "X:" + join(ones) + (ones.size() == 1 ? "," : "")});
      }
      case 3: {
        std::vector<int64_t> axes{pick(rank + 1)};
        if (pick(2)) axes.push_back(-1);
        if (axes.size() == 2 && axes[0] >= rank) axes.pop_back();
        return emit("expand_dims", {ref(i), "X:" + join(axes) + (axes.size() == 1 ? "," : "")});
      }
      case 4: {
        Shape t;
        for (int k = pick(3); k > 0; --k) t.push_back(pick(4));
        for (int64_t e : s) t.push_back(e == 1 ? pick(4) : e);
        if (size_of(t) > 512) t = s;
        return emit("broadcast_to", {ref(i), "H:" + join(t)});
      }
      default:
        return emit("flatten", {ref(i)});
    }
  }

  // A basic index as in tests/numpy/test_numpy_reductions.cpp: integers (rarely out of range),
  // slices with random, open and negative bounds and steps, newaxis and an ellipsis.
  bool index() {
    const int i = choose();
    std::vector<kiln::Index> entries;
    return emit("index", {ref(i), index_text(val(i).shape(), entries)});
  }

  // The text of a random index over shape `s`, and its entries.
  std::string index_text(const Shape& s, std::vector<kiln::Index>& entries) {
    const int rank = static_cast<int>(s.size());
    std::string k = "K:";
    auto add = [&](const std::string& e, kiln::Index entry) {
      k += (k.size() > 2 ? ";" : "") + e;
      entries.push_back(entry);
    };
    auto bound = [&](std::string& text) -> kiln::SliceBound {
      if (one_in(3)) {
        text = "n";
        return kiln::none;
      }
      const int64_t v = pick(13) - 6;
      text = std::to_string(v);
      return v;
    };
    const int consuming = std::min(rank + (one_in(15) ? 1 : 0), pick(rank + 2));
    const int ellipsis_at = one_in(3) ? pick(consuming + 1) : -1;
    // Index arrays (numpy's advanced indexing) in a third of the indices: integer arrays of one
    // length, so that they broadcast, with negative and repeated positions; boolean masks.
    const bool advanced = one_in(3);
    const int64_t picks = pick(4);
    for (int d = 0; d < consuming; ++d) {
      if (d == ellipsis_at) add("E", kiln::ellipsis);
      if (one_in(5)) add("N", kiln::newaxis);
      const int64_t extent = d < rank ? s[static_cast<size_t>(d)] : 2;
      if (advanced && one_in(2)) {
        const bool mask = one_in(4);
        const int64_t n = mask ? extent : picks;
        std::vector<int64_t> v(static_cast<size_t>(n));
        for (auto& x : v)
          x = mask ? pick(2)
                   : pick(static_cast<int>(2 * extent + 1)) - extent - (one_in(25) ? 1 : 0);
        if (!mask && extent == 0) v.clear();  // (numpy and kiln refuse any position)
        const kiln::Array a = kiln::array(v, Shape{static_cast<int64_t>(v.size())});
        const std::string dtype = mask ? "bool" : one_in(3) ? "int32" : "int64";
        add("a" + dtype + "/" + std::to_string(v.size()) + "/" + join(v),
            mask ? a.astype(kiln::bool_) : a.astype(dtype == "int32" ? kiln::int32 : kiln::int64));
      } else if (one_in(3)) {
        const int64_t v = pick(static_cast<int>(2 * extent + 1)) - extent - (one_in(20) ? 1 : 0);
        add("i" + std::to_string(v), v);
      } else {
        static const char* steps[] = {"n", "1", "2", "3", "-1", "-2", "n", "0"};
        std::string start, stop;
        const kiln::SliceBound lo = bound(start), hi = bound(stop);
        const std::string step = steps[pick(one_in(30) ? 8 : 7)];
        const kiln::SliceBound st =
            step == "n" ? kiln::SliceBound(kiln::none) : kiln::SliceBound(std::stoll(step));
        add("s" + start + "," + stop + "," + step, kiln::slice(lo, hi, st));
      }
    }
    if (ellipsis_at == consuming) add("E", kiln::ellipsis);
    if (one_in(6)) add("N", kiln::newaxis);
    return k;
  }

  // An assignment through a random basic index, a[k] = v or a[k] += v (the statement's value is
  // the updated array), v a scalar, a value of the program or a literal whose shape broadcasts
  // into the indexed part (rarely one that does not: an error in both).
  bool assign() {
    const int i = choose();
    std::vector<kiln::Index> entries;
    const std::string k = index_text(val(i).shape(), entries);
    std::optional<Shape> window;
    try {
      window = std::as_const(val(i))[kiln::Indices(entries)].shape();
    } catch (const kiln::Error&) {
    }
    std::string v;
    if (!window || one_in(3)) {
      v = scalar();
    } else {
      const Shape ws = compatible(*window);
      const int j = one_in(2) ? choose([&](const kiln::Array& b) { return b.shape() == ws; }) : -1;
      v = j >= 0 ? ref(j) : literal(ws, dtype());
    }
    return emit(one_in(3) ? "setitem_add" : "setitem", {ref(i), k, v});
  }

  // An index array of shape `s` for an axis of `extent`: negative and repeated entries, rarely
  // out of range (an error in both); now and then an integer value of the program instead.
  std::string indices(const Shape& s, int64_t extent) {
    if (one_in(8)) {
      const int j = choose([&](const kiln::Array& b) {
        return (b.dtype() == kiln::int32 || b.dtype() == kiln::int64) && b.shape() == s;
      });
      if (j >= 0) return ref(j);
    }
    std::string out = std::string(pick(2) ? "A:int64:" : "A:int32:") + join(s) + ":";
    for (int64_t n = 0; n < size_of(s); ++n) {
      int64_t x = extent == 0 ? 0 : pick(static_cast<int>(2 * extent)) - extent;
      if (one_in(80)) x = pick(2) ? extent : -extent - 1;
      out += (n ? "," : "") + std::to_string(x);
    }
    return out;
  }

  bool gather() {
    const int i = choose();
    const kiln::Array& a = val(i);
    const Shape s = a.shape();
    const int rank = a.ndim();
    const int axis = rank == 0 ? 0 : pick(rank);
    const std::string axis_arg = "I:" + std::to_string(pick(2) ? axis : axis - rank);
    const int64_t extent = rank == 0 ? 1 : s[static_cast<size_t>(axis)];
    Shape is;
    for (int k = pick(3); k > 0; --k) is.push_back(pick(4));
    switch (pick(4)) {
      case 0:
        if (pick(2)) return emit("take", {ref(i), indices(is, a.size()), "X:none"});
        return emit("take", {ref(i), indices(is, extent), axis_arg});
      case 1: {
        Shape t = s;
        if (rank > 0) {
          t[static_cast<size_t>(axis)] = pick(4);
          for (int d = 0; d < rank; ++d)
            if (d != axis && one_in(4)) t[static_cast<size_t>(d)] = 1;
        }
        return emit("take_along_axis", {ref(i), indices(t, extent), axis_arg});
      }
      default: {
        Shape target;
        for (int d = 0; d < axis; ++d) target.push_back(s[static_cast<size_t>(d)]);
        for (int64_t e : is) target.push_back(e);
        for (int d = axis + 1; d < rank; ++d) target.push_back(s[static_cast<size_t>(d)]);
        std::string values;
        const int which = pick(5);
        if (which == 0)
          values = scalar();
        else if (which == 1)
          values = literal(compatible(target), a.dtype());
        else if (which == 2)
          values = literal(compatible(target), dtype());
        else {
          const int j = choose([&](const kiln::Array& b) {
            return broadcasts(target, b.shape()) && b.ndim() <= static_cast<int>(target.size());
          });
          values = j >= 0 ? ref(j) : literal(compatible(target), a.dtype());
        }
        return emit(pick(2) ? "scatter" : "scatter_add",
                    {ref(i), indices(is, extent), values, axis_arg});
      }
    }
  }

  bool join_arrays() {
    const int i = choose();
    const kiln::Array& a = val(i);
    const Shape s = a.shape();
    const int rank = a.ndim();
    const bool stacking = pick(2) == 0;
    const int axis = stacking ? pick(rank + 1) : (rank == 0 ? 0 : pick(rank));
    std::vector<std::string> args = {ref(i)};
    for (int k = pick(3); k >= 0; --k) {
      Shape p = s;
      if (!stacking && rank > 0) p[static_cast<size_t>(axis)] = pick(4);
      if (one_in(30) && !p.empty()) p.back() += 1;  // mismatched: an error in both
      const int j = choose([&](const kiln::Array& b) { return b.shape() == p; });
      args.push_back(j >= 0 && pick(2) ? ref(j) : literal(p, pick(3) ? a.dtype() : dtype()));
    }
    std::shuffle(args.begin(), args.end(), rng_);
    args.push_back("I:" + std::to_string(pick(2) ? axis : axis - rank - (stacking ? 1 : 0)));
    return emit(stacking ? "stack" : "concatenate", args);
  }

  // kiln::fft on a value (float32 and complex64 in single precision, the others in double): n
  // cropping or padding, any axis, every norm.
  bool fourier() {
    static const char* fns[] = {"fft", "ifft", "rfft", "irfft", "fft2", "ifft2"};
    const std::string fn = fns[pick(6)];
    const int i = choose([](const kiln::Array& a) { return a.ndim() >= 1 && a.size() <= 256; });
    if (i < 0)
      return emit("fft.fft", {literal(shape(1), kiln::complex64), "S:int:-1", "I:-1", "S:int:0"});
    const int rank = val(i).ndim();
    const std::string norm = "S:int:" + std::to_string(pick(3));
    if (fn == "fft2" || fn == "ifft2") {
      const std::string axes =
          rank >= 2 && pick(3) ? "X:-2,-1" : "X:" + std::to_string(pick(rank)) + ",";
      const std::string s = one_in(3)
                                ? "H:" + std::to_string(1 + pick(6)) +
                                      (axes.size() > 4 ? "," + std::to_string(1 + pick(6)) : "")
                                : "X:none";
      return emit("fft." + fn, {ref(i), s, axes, norm});
    }
    const std::string n = "S:int:" + std::to_string(one_in(3) ? 1 + pick(10) : -1);
    return emit("fft." + fn,
                {ref(i), n, "I:" + std::to_string(pick(rank) - (pick(2) ? rank : 0)), norm});
  }

  bool cumulative() {
    const int i = choose();
    const int rank = val(i).ndim();
    const std::string fn = pick(2) ? "cumsum" : "cumprod";
    if (rank == 0 || one_in(3)) return emit(fn, {ref(i), "X:none"});
    return emit(fn, {ref(i), "I:" + std::to_string(pick(rank) - (pick(2) ? rank : 0))});
  }

  // matmul, dot, outer of a value with a value or literal of a matching (rarely mismatched)
  // inner size, batch dimensions that broadcast.
  bool linalg() {
    const int i = choose([](const kiln::Array& a) { return a.ndim() >= 1 && a.size() <= 128; });
    if (i < 0) return emit("outer", {ref(choose()), literal(shape(1), dtype())});
    const Shape s = val(i).shape();
    const int64_t k = s.back() + (one_in(30) ? 1 : 0), n = pick(4);
    const int which = pick(5);
    if (which == 4) return emit("outer", {ref(i), literal(shape(2), dtype())});
    Shape t;
    if (one_in(4)) {
      t = {k};
    } else {
      if (s.size() > 2 && pick(2))
        t.assign(s.begin() + pick(static_cast<int>(s.size()) - 1), s.end() - 2);
      for (auto& e : t)
        if (one_in(3)) e = 1;
      t.push_back(k);
      t.push_back(n);
    }
    const int j = choose([&](const kiln::Array& b) { return b.shape() == t; });
    const std::string b = j >= 0 && pick(2) ? ref(j) : literal(t, dtype());
    if (which == 3) return emit("dot", {ref(i), b});
    // matmul: sometimes the other way round, (t...) @ (s...) with a matching literal.
    if (pick(4) == 0 && s.size() >= 2) {
      Shape u = {static_cast<int64_t>(pick(4)), s[s.size() - 2]};
      return emit("matmul", {literal(u, dtype()), ref(i)});
    }
    return emit("matmul", {ref(i), b});
  }

  std::mt19937_64 rng_;
  Program program_;
  std::vector<kiln::Array> values_;
};

}  // namespace

Program generate(uint64_t seed, int64_t index) {
  return Generator(seed, index).run();
}

}  // namespace fuzz
