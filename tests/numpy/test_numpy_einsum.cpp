// numpy as the oracle for kiln::einsum on random subscripts (explicit and implicit outputs,
// ellipses, repeated labels, broadcast extents, one to five operands of every kind of dtype,
// numpy's errors among them) and for einsum_path's greedy order; einsum's error messages and
// its derivatives.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "helpers.hpp"
#include "numpy/random_arrays.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

class Cases : public oracle::RandomArrays {
 public:
  // Finite values: a label that one operand alone has is summed before the product (numpy's
  // loop multiplies first), so an infinity can give +-inf where numpy's sum of products of
  // both signs is nan. Einsum.NanAndInfinity tests what is promised.
  explicit Cases(uint64_t seed) : RandomArrays(seed) { non_finite_ = false; }

  DType dtype() {
    static constexpr DType kinds[] = {float64, float64, float64, float32,    int32,
                                      int8,    bool_,   uint8,   complex128, float16};
    return kinds[pick(pick(3) ? 4 : 10)];
  }

  // One operand's subscripts and its array: labels drawn from `letters` (now and then one
  // twice, a diagonal), with an ellipsis standing for the last axes of `ellipsis` now and then.
  std::string term(const std::string& letters, const std::map<char, int64_t>& extent,
                   const Shape& ellipsis, bool allow_ellipsis, DType t, std::vector<Arg>& args) {
    std::string labels;
    for (int n = pick(4); n > 0; --n)
      labels += letters[static_cast<size_t>(pick(static_cast<int>(letters.size())))];
    std::map<char, int64_t> own;  // this operand's extents: 1 now and then (a broadcast)
    for (const char c : labels) {
      if (own.count(c)) continue;
      own[c] = pick(8) == 0 ? 1 : extent.at(c);
      if (pick(60) == 0) own[c] += 1;  // numpy's error
    }
    Shape shape;
    for (const char c : labels) shape.push_back(own[c]);
    if (allow_ellipsis && pick(3) == 0) {
      const size_t at = static_cast<size_t>(pick(static_cast<int>(labels.size()) + 1));
      const size_t hidden = static_cast<size_t>(pick(static_cast<int>(ellipsis.size()) + 1));
      Shape middle(ellipsis.end() - static_cast<std::ptrdiff_t>(hidden), ellipsis.end());
      for (auto& e : middle)
        if (pick(5) == 0) e = 1;
      shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(at), middle.begin(), middle.end());
      labels.insert(at, "...");
    }
    args.push_back(operand(shape, t));
    return labels;
  }

  Case next() {
    const bool path = pick(5) == 0;  // einsum_path's order for 3 to 6 operands
    const int count = path ? 3 + pick(4) : 1 + pick(pick(2) ? 2 : 4);
    static const std::string pool = "abcdijkXYZ";
    std::string letters;
    for (int n = 1 + pick(6); n > 0; --n) {
      const char c = pool[static_cast<size_t>(pick(static_cast<int>(pool.size())))];
      if (letters.find(c) == std::string::npos) letters += c;
    }
    std::map<char, int64_t> extent;
    static constexpr int64_t extents[] = {2, 3, 4, 5, 1, 0};
    for (const char c : letters) extent[c] = path ? 2 + pick(8) : extents[pick(pick(12) ? 5 : 6)];
    Shape ellipsis(static_cast<size_t>(pick(3)));
    for (auto& e : ellipsis) e = 1 + pick(3);
    const DType t = path ? float64 : dtype();
    std::vector<Arg> args;
    std::string subscripts;
    bool any_ellipsis = false;
    for (int i = 0; i < count; ++i) {
      const std::string s = term(letters, extent, ellipsis, !path, pick(6) ? t : dtype(), args);
      any_ellipsis |= s.find("...") != std::string::npos;
      subscripts += (i ? "," : "") + s;
    }
    if (pick(40) == 0) args.pop_back();  // operand count error
    if (pick(3)) {                       // an explicit output: some used labels in any order
      std::string used;
      for (const char c : subscripts)
        if (std::isalpha(static_cast<unsigned char>(c)) && used.find(c) == std::string::npos &&
            pick(3))
          used += c;
      for (size_t i = used.size(); i > 1; --i)
        std::swap(used[i - 1], used[static_cast<size_t>(pick(static_cast<int>(i)))]);
      if (any_ellipsis && pick(4))
        used.insert(static_cast<size_t>(pick(static_cast<int>(used.size()) + 1)), "...");
      if (pick(40) == 0) used += used.empty() ? "q" : used.substr(0, 1);  // numpy's errors
      subscripts += "->" + used;
    }
    if (pick(80) == 0) subscripts.insert(0, "1");  // not a letter
    return {(path ? "einsum_path:" : "einsum:") + subscripts, args};
  }
};

}  // namespace

TEST(NumpyOracle, EinsumOnRandomSubscripts) {
  Cases gen(4242);
  oracle::check_random_cases(gen, kiln_test::oracle_cases(700), 40);
}

TEST(Einsum, ErrorsNameTheSubscripts) {
  const Array a = ones({2, 3}), b = ones({3, 4}), sq = ones({3, 3});
  auto expect_error = [](auto f, const std::string& part) {
    try {
      f();
      ADD_FAILURE() << "no error; expected: " << part;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("[einsum]"), std::string::npos) << what;
      EXPECT_NE(what.find(part), std::string::npos) << what;
      EXPECT_NE(what.find("test_numpy_einsum.cpp"), std::string::npos) << what;
    }
  };
  expect_error([&] { einsum("ij,jk", {a}); }, "name 2 operand(s), 1 given");
  expect_error([&] { einsum("ij", {}); }, "at least one operand");
  expect_error([&] { einsum("ij,jk->ii", {a, b}); }, "'i' appears more than once");
  expect_error([&] { einsum("ij,jk->l", {a, b}); }, "'l' does not appear in the inputs");
  expect_error([&] { einsum("i1", {a}); }, "character '1' is not a valid subscript");
  expect_error([&] { einsum("ijk", {a}); }, "'ijk' do not fit operand 0 of shape (2,3)");
  expect_error([&] { einsum("i", {a}); }, "'i' do not fit operand 0");
  expect_error([&] { einsum("i....", {ones({3})}); }, "invalid ellipsis");
  expect_error([&] { einsum("i->->i", {ones({3})}); }, "only contain one '->'");
  expect_error([&] { einsum("i-i", {ones({3})}); }, "only contain one '->'");
  expect_error(
      [&] {
        einsum("ij,jk", {a, ones({4, 4})});
      },
      "label 'j' has extent 4 in operand 1 but 3 in an earlier one");
  expect_error([&] { einsum("ii->i", {a}); },
               "label 'i' is repeated in operand 0 with different extents (2 != 3)");
  expect_error(
      [&] {
        einsum("...,...", {ones({2, 3}), ones({4, 3})});
      },
      "label of the ellipsis has extent 4");
  expect_error([&] { einsum_path("ij,jk", {a}); }, "name 2 operand(s)");
  // Not an error: a trace, a diagonal, a broadcast extent of 1.
  EXPECT_EQ(einsum("ii", {sq}).item<double>(), 3.0);
  EXPECT_EQ(einsum("ii->i", {sq}).shape(), (Shape{3}));
  EXPECT_EQ(einsum("ij,jk", {ones({2, 1}), b}).shape(), (Shape{2, 4}));
}

// A nan reaches every output it is a term of; an infinity times positive terms stays infinite.
TEST(Einsum, NanAndInfinity) {
  Array a = array(std::vector<double>{NAN, 1, 2, 3}, {2, 2});
  const Array b = array(std::vector<double>{1, 2, 3, 4}, {2, 2});
  const std::vector<double> m = einsum("ij,jk->ik", {a, b}).to_vector<double>();
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  EXPECT_EQ(m[2], 2 * 1 + 3 * 3.0);
  EXPECT_EQ(m[3], 2 * 2 + 3 * 4.0);
  EXPECT_TRUE(std::isnan(einsum("ij,jk", {b, a}).to_vector<double>()[0]));
  EXPECT_TRUE(std::isnan(einsum("ij->", {a}).item<double>()));
  const Array inf = array(std::vector<double>{INFINITY, 1, 2}, {3});
  EXPECT_EQ(einsum("i,i", {inf, ones({3}, float64)}).item<double>(), INFINITY);
  EXPECT_EQ(einsum("i,j->", {inf, ones({2}, float64)}).item<double>(), INFINITY);
}

// Reverse mode through every lowering (matmul pair, fused product, diagonal, batch labels)
// against central differences, and forward mode against reverse.
TEST(Einsum, DerivativesAgreeWithFiniteDifferences) {
  const Array b = random::normal({4, 3}, 0.0, 1.0, float64).eval();
  const Array c = random::normal({3, 3}, 0.0, 1.0, float64).eval();
  const Array w = random::normal({5, 3}, 0.0, 1.0, float64).eval();
  const std::vector<std::pair<const char*, std::function<Array(const Array&)>>> fns = {
      {"matmul pair",
       [&](const Array& a) {
         return sum(einsum("ij,jk->ik", {a, b}) * w);
       }},
      {"three operands",
       [&](const Array& a) {
         return sum(einsum("ij,jk,kl->il", {a, b, c}) * w);
       }},
      {"diagonal and batch",
       [&](const Array& a) {
         return sum(square(einsum("ij,ij,kk->i", {a, w, c})));
       }},
      {"implicit",
       [&](const Array& a) {
         return einsum("ij,ij", {a, a});
       }},
  };
  const Array x = random::normal({5, 4}, 0.0, 1.0, float64).eval();
  const Array x3 = random::normal({5, 3}, 0.0, 1.0, float64).eval();
  for (const auto& [what, f] : fns) {
    const Array& x0 =
        std::string(what) == "matmul pair" || std::string(what) == "three operands" ? x : x3;
    const std::vector<double> g = grad(f)(x0).to_vector<double>();
    std::vector<double> xv = x0.to_vector<double>();
    for (size_t i = 0; i < xv.size(); ++i) {
      const double h = 1e-6, keep = xv[i];
      xv[i] = keep + h;
      const double up = f(array(xv, x0.shape())).item<double>();
      xv[i] = keep - h;
      const double down = f(array(xv, x0.shape())).item<double>();
      xv[i] = keep;
      EXPECT_NEAR(g[i], (up - down) / (2 * h), 1e-6 * std::max(1.0, std::fabs(g[i])))
          << what << " " << i;
    }
    const Array v = random::normal(x0.shape(), 0.0, 1.0, float64).eval();
    const double reverse = sum(grad(f)(x0) * v).item<double>();
    const double forward = jvp(f, {x0}, {v}).second.item<double>();
    EXPECT_NEAR(reverse, forward, 1e-9 * std::max(1.0, std::fabs(forward))) << what;
  }
}
