// Programs as text, kiln's interpretation of them, numpy's (through fuzz_numpy.py) and the
// comparison of every intermediate value.
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz/fuzz.hpp"
#include "numpy/oracle.hpp"

namespace fuzz {
namespace {

using oracle::Arg;

constexpr kiln::DType kDtypes[] = {kiln::bool_,   kiln::int32,     kiln::int64,      kiln::float32,
                                   kiln::float64, kiln::complex64, kiln::complex128, kiln::int8,
                                   kiln::int16,   kiln::uint8,     kiln::uint16,     kiln::uint32,
                                   kiln::uint64,  kiln::float16};

kiln::DType parse_dtype(const std::string& name) {
  for (kiln::DType t : kDtypes)
    if (kiln::dtype_name(t) == name) return t;
  throw std::runtime_error("fuzz: unknown dtype " + name);
}

std::vector<int64_t> parse_ints(const std::string& s) {
  std::vector<int64_t> out;
  for (const auto& x : oracle::split(s, ','))
    if (!x.empty()) out.push_back(std::stoll(x));
  return out;
}

kiln::SliceBound parse_bound(const std::string& s) {
  if (s == "n") return kiln::none;
  return std::stoll(s);
}

// oracle.py's argument encoding (and V:<n>) back into an oracle::Arg for oracle::build.
Arg parse_arg(const std::string& text, const std::vector<kiln::Array>& values) {
  Arg a;
  a.encoded = text;
  const size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon), rest = text.substr(colon + 1);
  if (kind == "V") {
    a.array = values.at(std::stoul(rest));
  } else if (kind == "A" || kind == "AT" || kind == "AL") {
    const auto f = oracle::split(rest, ':');
    const kiln::Shape shape = parse_ints(f.at(1));
    const auto items = oracle::split(f.at(2), ',');
    a.array = kiln::graph::visit_dtype(parse_dtype(f.at(0)), [&]<class T>() {
      std::vector<T> v;
      for (const auto& x : items)
        if (!x.empty()) v.push_back(oracle::parse_value<T>(x));
      return kiln::array(v, shape);
    });
    if (kind == "AT") a.array = a.array.T();
    if (kind == "AL")
      a.array = kiln::is_complex(a.array.dtype()) ? kiln::conj(kiln::conj(a.array))
                                                  : kiln::maximum(a.array, a.array);
  } else if (kind == "S") {
    a.kind = Arg::Kind::scalar;
    const auto f = oracle::split(rest, ':');
    if (f.at(0) == "float") {
      a.scalar = kiln::Scalar::of(std::strtod(f.at(1).c_str(), nullptr));
    } else if (f.at(0) == "complex") {
      a.scalar = kiln::Scalar::of(oracle::parse_complex128(f.at(1)));
    } else if (f.at(0) == "bool")
      a.scalar = kiln::Scalar::of(f.at(1) == "1");
    else
      a.scalar = kiln::Scalar::of(static_cast<int64_t>(std::stoll(f.at(1))));
  } else if (kind == "D") {
    a.kind = Arg::Kind::dtype;
    a.dtype = parse_dtype(rest);
  } else if (kind == "X") {
    a.kind = Arg::Kind::axes;
    a.all_axes = rest == "none";
    if (!a.all_axes)
      for (int64_t x : parse_ints(rest)) a.axes.push_back(static_cast<int>(x));
  } else if (kind == "I") {
    a.kind = Arg::Kind::axis;
    a.axes = {static_cast<int>(std::stoll(rest))};
  } else if (kind == "H") {
    a.kind = Arg::Kind::shape;
    a.shape = parse_ints(rest);
  } else if (kind == "K") {
    a.kind = Arg::Kind::index;
    for (const auto& e : oracle::split(rest, ';')) {
      if (e.empty()) continue;
      if (e == "N") {
        a.index.emplace_back(kiln::newaxis);
      } else if (e == "E") {
        a.index.emplace_back(kiln::ellipsis);
      } else if (e[0] == 'i') {
        a.index.emplace_back(std::stoll(e.substr(1)));
      } else if (e[0] == 'a') {  // an index array: a<dtype>/<shape>/<values>
        const auto f = oracle::split(e.substr(1), '/');
        const kiln::Shape shape = parse_ints(f.at(1));
        const std::vector<int64_t> v = parse_ints(f.at(2));
        if (f.at(0) == "bool")
          a.index.emplace_back(kiln::array(std::vector<bool>(v.begin(), v.end()), shape));
        else
          a.index.emplace_back(kiln::array(v, shape).astype(parse_dtype(f.at(0))));
      } else {
        const auto b = oracle::split(e.substr(1), ',');
        a.index.emplace_back(
            kiln::slice(parse_bound(b.at(0)), parse_bound(b.at(1)), parse_bound(b.at(2))));
      }
    }
  } else {
    throw std::runtime_error("fuzz: bad argument " + text);
  }
  return a;
}

// The C++ operators, so that they (not only the named functions) are what the programs use.
kiln::Array apply_operator(const std::string& fn, const std::vector<Arg>& args) {
  const kiln::Operand a = oracle::operand(args.at(0));
  if (fn == "__neg__") return -a;
  if (fn == "__invert__") return ~a;
  const kiln::Operand b = oracle::operand(args.at(1));
  if (fn == "__add__") return a + b;
  if (fn == "__sub__") return a - b;
  if (fn == "__mul__") return a * b;
  if (fn == "__truediv__") return a / b;
  if (fn == "__mod__") return a % b;
  if (fn == "__eq__") return a == b;
  if (fn == "__ne__") return a != b;
  if (fn == "__lt__") return a < b;
  if (fn == "__le__") return a <= b;
  if (fn == "__gt__") return a > b;
  if (fn == "__ge__") return a >= b;
  if (fn == "__and__") return a & b;
  if (fn == "__or__") return a | b;
  if (fn == "__xor__") return a ^ b;
  if (fn == "__lshift__") return a << b;
  if (fn == "__rshift__") return a >> b;
  throw std::runtime_error("fuzz: unknown operator " + fn);
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

double tolerance(kiln::DType t) {
  // Relative tolerance of approximate ('a') results, as in fuzz_numpy.py's TOL.
  return t == kiln::float16 ? 2e-3 : t == kiln::float32 ? 1e-5 : 1e-12;
}

// Compares kiln's value with numpy's outcome: "" when they agree.
std::string compare_value(const kiln::Array& got, const Outcome& want) {
  if (kiln::dtype_name(got.dtype()) != want.dtype)
    return "dtype: kiln " + std::string(kiln::dtype_name(got.dtype())) + ", numpy " + want.dtype;
  if (got.shape() != want.shape)
    return "shape: kiln " + kiln::graph::shape_string(got.shape()) + ", numpy " +
           kiln::graph::shape_string(want.shape);
  if (want.check == "n") return "";     // unreliable: dtype and shape only
  if (kiln::is_complex(got.dtype())) {  // by parts: 'x' bits, 'a' err + tol * |numpy|
    // complex64 parts widen to double exactly, so bits still compare as bits.
    const auto v = got.astype(kiln::complex128).to_vector<std::complex<double>>();
    if (v.size() != want.values.size()) return "element count differs";
    const double err = want.check[0] == 'a' ? std::strtod(want.check.c_str() + 1, nullptr) : 0;
    const double tol = got.dtype() == kiln::complex64 ? 1e-5 : 1e-12;
    auto same = [&](double g, double w) {
      if (kiln_test::same_bits(g, w) || (std::isnan(g) && std::isnan(w))) return true;
      return want.check[0] == 'a' && (g == w || (std::isfinite(g) && std::isfinite(w) &&
                                                 std::fabs(g - w) <= err + tol * std::fabs(w)));
    };
    for (size_t i = 0; i < v.size(); ++i) {
      const std::complex<double> w = oracle::parse_complex128(want.values[i]);
      if (!same(v[i].real(), w.real()) || !same(v[i].imag(), w.imag())) {
        std::ostringstream os;
        os.precision(17);
        os << "element " << i << ": kiln " << v[i] << ", numpy " << w << " (check " << want.check
           << ")";
        return os.str();
      }
    }
    return "";
  }
  return kiln::graph::visit_dtype(got.dtype(), [&]<class T>() -> std::string {
    if constexpr (std::is_same_v<T, std::complex<float>> ||
                  std::is_same_v<T, std::complex<double>>) {
      return "";  // compared above
    } else {
      const auto v = got.to_vector<T>();
      if (v.size() != want.values.size()) return "element count differs";
      const double err = want.check[0] == 'a' ? std::strtod(want.check.c_str() + 1, nullptr) : 0;
      for (size_t i = 0; i < v.size(); ++i) {
        const T w = oracle::parse_value<T>(want.values[i]);
        bool ok = kiln_test::same_bits(v[i], w);
        if constexpr (std::is_same_v<T, kiln::half>) {  // as below, in float16's units
          const float g = v[i], x = w;
          if (!ok && want.check == "z") ok = g == x;
          if (!ok && want.check == "u" && std::isfinite(g) && std::isfinite(x))
            ok = oracle::ulp_distance(v[i].bits, w.bits) <= 1;
          if (!ok && want.check[0] == 'a')
            ok = g == x || (std::isfinite(g) && std::isfinite(x) &&
                            std::fabs(double(g) - double(x)) <=
                                err + tolerance(got.dtype()) * std::fabs(double(x)));
        } else if constexpr (std::is_floating_point_v<T>) {
          // 'x': bits (nan matches nan). 'u': 4 ulp. 'a': err + tol * |numpy| (and signed
          // zeros match, since summation order decides them).
          if (!ok && want.check == "z") ok = v[i] == w;  // bits, but 0.0 and -0.0 match
          if (!ok && want.check == "u" && std::isfinite(v[i]) && std::isfinite(w))
            ok = oracle::ulp_distance(v[i], w) <= 4;
          if (!ok && want.check[0] == 'a') {
            ok = v[i] == w || (std::isfinite(v[i]) && std::isfinite(w) &&
                               std::fabs(double(v[i]) - double(w)) <=
                                   err + tolerance(got.dtype()) * std::fabs(double(w)));
          }
        }
        if (!ok) {
          std::ostringstream os;
          os.precision(17);
          os << "element " << i << ": kiln " << +v[i] << ", numpy " << +w << " (check "
             << want.check << ")";
          return os.str();
        }
      }
      return "";
    }
  });
}

std::string describe(const Outcome& o) {
  if (o.kind == Outcome::Kind::err) return "numpy raised " + o.message;
  return "numpy gives " + o.dtype + kiln::graph::shape_string(o.shape);
}

}  // namespace

std::string Program::text() const {
  std::string s;
  for (size_t i = 0; i < statements.size(); ++i) {
    s += "v" + std::to_string(i) + " = " + statements[i].fn;
    for (const auto& a : statements[i].args) s += "|" + a;
    s += "\n";
  }
  return s;
}

Program parse(const std::string& text) {
  Program p;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    if (const size_t eq = line.find(" = "); eq != std::string::npos) line = line.substr(eq + 3);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.erase(line.begin());
    if (line.empty()) continue;
    auto f = oracle::split(line, '|');
    p.statements.push_back({f[0], std::vector<std::string>(f.begin() + 1, f.end())});
  }
  return p;
}

kiln::Array interpret(const Statement& s, const std::vector<kiln::Array>& values, bool run) {
  oracle::Case c{s.fn, {}};
  for (const auto& a : s.args) c.args.push_back(parse_arg(a, values));
  if (s.fn == "array") return c.args.at(0).array;
  if (s.fn == "eval") {
    if (run) c.args.at(0).array.eval();
    return c.args.at(0).array;
  }
  if (s.fn == "full")
    return kiln::detail::full_impl(c.args.at(0).shape, c.args.at(1).scalar, c.args.at(2).dtype, {});
  if (s.fn == "zeros") return kiln::zeros(c.args.at(0).shape, c.args.at(1).dtype);
  if (s.fn == "eye") return kiln::eye(c.args.at(0).scalar.i, c.args.at(1).dtype);
  if (s.fn.starts_with("__")) return apply_operator(s.fn, c.args);
  return oracle::build(c);
}

std::vector<std::vector<Outcome>> run_numpy(const std::vector<Program>& programs) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem =
      "kiln_fuzz_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  const auto in_path = dir / (stem + ".in"), out_path = dir / (stem + ".out");
  {
    std::ofstream in(in_path);
    for (size_t p = 0; p < programs.size(); ++p) {
      in << "P|" << p << "\n";
      const auto& st = programs[p].statements;
      for (size_t i = 0; i < st.size(); ++i) {
        in << "S|" << i << "|" << st[i].fn;
        for (const auto& a : st[i].args) in << "|" << a;
        in << "\n";
      }
    }
  }
  const std::string cmd = "/usr/bin/python3 " KILN_TEST_DIR "/fuzz/fuzz_numpy.py " +
                          in_path.string() + " " + out_path.string();
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("fuzz: numpy side failed (is python3-numpy installed?): " + cmd);
  std::vector<std::vector<Outcome>> results(programs.size());
  std::ifstream out(out_path);
  for (std::string line; std::getline(out, line);) {
    if (line.empty()) continue;
    // <program>|<stmt>|ok|<dtype>|<shape>|<check>|<values>, or err|msg, or stop|reason.
    const auto f = oracle::split(line, '|');
    auto& r = results.at(std::stoul(f.at(0)));
    Outcome o;
    if (f.at(2) == "ok") {
      o.kind = Outcome::Kind::ok;
      o.dtype = f.at(3);
      o.shape = parse_ints(f.at(4));
      o.check = f.at(5);
      for (const auto& v : oracle::split(f.at(6), ','))
        if (!v.empty()) o.values.push_back(v);
    } else {
      o.kind = f.at(2) == "err" ? Outcome::Kind::err : Outcome::Kind::stop;
      o.message = line.substr(line.find(f.at(2)) + f.at(2).size() + 1);
    }
    r.push_back(std::move(o));
  }
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  return results;
}

std::string compare(const Program& p, const std::vector<Outcome>& numpy, bool eager) {
  // The statements to run: those numpy ran, less a final undefined one.
  size_t n = numpy.size();
  if (n > 0 && numpy.back().kind == Outcome::Kind::stop) --n;
  if (n > p.statements.size()) return "numpy ran more statements than the program has";
  std::vector<kiln::Array> values;
  for (size_t i = 0; i < n; ++i) {
    const std::string v = "v" + std::to_string(i);
    try {
      values.push_back(interpret(p.statements[i], values, /*run=*/true));
      if (eager && numpy[i].kind == Outcome::Kind::ok) values.back().eval();
    } catch (const kiln::Error& e) {
      if (numpy[i].kind == Outcome::Kind::err) break;  // both refuse at the call
      return v + ": kiln raised (" + one_line(e.what()) + ") but " + describe(numpy[i]);
    }
  }
  // One sync over every value numpy computed (fusing across statements), then the statement
  // numpy refused (kiln must refuse it at its sync, if not at its call).
  std::vector<kiln::Array> ok;
  for (size_t i = 0; i < values.size(); ++i)
    if (numpy[i].kind == Outcome::Kind::ok) ok.push_back(values[i]);
  try {
    kiln::eval(ok);
  } catch (const kiln::Error& e) {
    if (!eager) return compare(p, numpy, /*eager=*/true);  // to say which statement raised
    return "kiln raised at a sync (" + one_line(e.what()) + ") where numpy did not";
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string v = "v" + std::to_string(i);
    if (numpy[i].kind == Outcome::Kind::err) {
      try {
        values[i].eval();
      } catch (const kiln::Error&) {
        continue;  // both refuse
      }
      return v + ": " + describe(numpy[i]) + " but kiln did not (gives " +
             std::string(kiln::dtype_name(values[i].dtype())) +
             kiln::graph::shape_string(values[i].shape()) + ")";
    }
    const std::string diff = compare_value(values[i], numpy[i]);
    if (!diff.empty()) return v + ": " + diff;
  }
  return "";
}

}  // namespace fuzz

namespace fuzz {

std::string reproducer(uint64_t seed, int64_t index) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return "KILN_FUZZ_SEED=" + std::to_string(seed) + " KILN_FUZZ_INDEX=" + std::to_string(index) +
         " " + (ec ? std::string("build/tests/test_fuzz") : exe.string()) +
         " --gtest_filter=FuzzReplay.*";
}

namespace {

// The program being compared, written to stderr if kiln crashes (aborts on an internal error, or
// worse) so that a crash is reported as replayably as a difference.
std::string crash_report;

extern "C" void on_crash(int sig) {
  const char head[] = "\n---- CRASH while running this program:\n";
  [[maybe_unused]] auto n = write(2, head, sizeof head - 1);
  n = write(2, crash_report.data(), crash_report.size());
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

Tally run_batch(uint64_t seed, int64_t first, int64_t count, std::vector<std::string>& failures) {
  static const bool installed = [] {
    for (int sig : {SIGABRT, SIGSEGV, SIGFPE, SIGBUS, SIGILL}) std::signal(sig, on_crash);
    return true;
  }();
  (void)installed;
  Tally t;
  std::vector<Program> programs;
  for (int64_t i = first; i < first + count; ++i) programs.push_back(generate(seed, i));
  const auto outcomes = run_numpy(programs);
  for (size_t p = 0; p < programs.size(); ++p) {
    const auto& o = outcomes[p];
    ++t.programs;
    t.statements += static_cast<int64_t>(programs[p].statements.size());
    for (const Outcome& x : o) {
      t.compared += x.kind == Outcome::Kind::ok;
      t.numpy_errors += x.kind == Outcome::Kind::err;
      t.stops += x.kind == Outcome::Kind::stop;
    }
    crash_report = "program " + std::to_string(programs[p].index) + " of seed " +
                   std::to_string(seed) + "\n" + programs[p].text() +
                   "reproduce: " + reproducer(seed, programs[p].index) + "\n";
    std::string diff;
    try {
      diff = compare(programs[p], o);
    } catch (const std::exception& e) {
      diff = std::string("fuzzer error: ") + e.what();
    }
    if (diff.empty()) continue;
    ++t.failures;
    failures.push_back("program " + std::to_string(programs[p].index) + " of seed " +
                       std::to_string(seed) + ": " + diff + "\n" + programs[p].text() +
                       "reproduce: " + reproducer(seed, programs[p].index) + "\n");
  }
  return t;
}

}  // namespace fuzz
