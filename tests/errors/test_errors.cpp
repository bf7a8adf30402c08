// Must-fail tests: every user mistake gives a kiln::Error naming the function, the shapes or
// values, and the caller's file:line.
#include "helpers.hpp"

using namespace kiln;
using kiln_test::expect_error;

TEST(Errors, ShapesThatDoNotBroadcast) {
  const auto a = zeros({3, 4}), b = zeros({5});
  expect_error([&] { auto c = a + b; }, {"[add]", "shapes (3,4) and (5,) cannot be broadcast"});
  expect_error([&] { auto c = where(a > 0.f, a, b); }, {"[where]", "(3,4)", "(5,)"});
  expect_error([&] { auto c = maximum(b, a); }, {"[maximum]", "(5,) and (3,4)"});
}

TEST(Errors, DtypesNumpyRejects) {
  const auto b = array(std::vector<bool>{true});
  const auto f = array({1.5f});
  expect_error([&] { auto c = b - b; },
               {"[subtract]", "bool and bool", "not supported for bool", "logical_xor"});
  expect_error([&] { auto c = -b; }, {"[negative]", "bool"});
  expect_error([&] { auto c = f & 1; }, {"[bitwise_and]", "float32", "not floating point"});
  expect_error([&] { auto c = f << 1; }, {"[left_shift]", "integer operands"});
  expect_error([&] { auto c = sign(b); }, {"[sign]", "bool"});
  expect_error([&] { auto c = ~f; }, {"[invert]", "float32"});
}

TEST(Errors, ScalarsThatDoNotFit) {
  const auto i = array({1, 2});
  expect_error([&] { auto c = i + 3'000'000'000LL; },
               {"[add]", "3000000000", "does not fit int32"});
  expect_error([&] { auto c = i * 18'000'000'000'000'000'000ULL; },
               {"[multiply]", "above INT64_MAX"});
  expect_error([&] { auto c = power(i, -1); }, {"[power]", "negative integer powers"});
  expect_error([&] { auto c = full({2}, 1e10, int32); },
               {"[full]", "cannot be converted to int32"});
  expect_error([&] { auto c = full({2}, std::nan(""), int64); }, {"[full]", "nan"});
  expect_error([&] { auto c = full({2}, 5'000'000'000LL, int32); }, {"[full]", "5000000000"});
}

TEST(Errors, DataDependentSelections) {
  const auto m = arange(6, int32).reshape({2, 3});
  const auto scalar = full({}, 1.0, float64);
  expect_error([&] { auto c = nonzero(scalar); }, {"[nonzero]", "0-d", "reshape({1})"});
  expect_error([&] { auto c = where(scalar); }, {"[where]", "0-d"});
  expect_error([&] { auto c = compress(m > 2, m, 1); },
               {"[compress]", "condition must be a 1-d array", "(2,3)"});
  expect_error(
      [&] {
        auto c = compress(array({0, 0, 0, 1}), m, 1);
      },
      {"[compress]", "index 3 is out of bounds for axis 1 with size 3"});
  expect_error([&] { auto c = compress(array({1}), m, 2); }, {"[compress]", "axis 2"});
  expect_error(
      [&] {
        auto c = compress(array({0, 0, 0, 0, 0, 0, 1}), m);
      },
      {"[compress]", "index 6 is out of bounds for axis 0 with size 6"});
  expect_error([&] { auto c = extract(arange(8, int32) > 6, m); },
               {"[extract]", "index 7 is out of bounds for axis 0 with size 6"});
  Array empty;
  expect_error([&] { auto c = flatnonzero(empty); }, {"[flatnonzero]"});
  expect_error([&] { auto c = argwhere(empty); }, {"[argwhere]"});
}

TEST(Errors, EmptyHandles) {
  Array empty;
  const auto x = array({1.f});
  expect_error([&] { auto c = x + empty; }, {"[add]", "empty Array"});
  expect_error([&] { empty.eval(); }, {"[eval]", "empty Array"});
  expect_error([&] { kiln::eval({x, empty}); }, {"[eval]", "empty Array"});
  expect_error([&] { auto c = kiln::exp(empty); }, {"[exp]"});
  expect_error([&] { empty.to_vector<float>(); }, {"empty Array"});
  EXPECT_THROW(empty.shape(), Error);
  Array moved = x;
  Array taker = std::move(moved);
  expect_error([&] { auto c = moved * 2; }, {"[multiply]", "moved from"});
}

TEST(Errors, BadShapesAndSizes) {
  expect_error([&] { auto c = zeros({2, -3}); }, {"[full]", "negative dimension -3", "(2,-3)"});
  expect_error(
      [&] {
        auto c = array({1.f, 2.f, 3.f}, {2, 2});
      },
      {"[array]", "3 values do not fill shape (2,2)"});
  expect_error([&] { auto c = zeros(Shape(33, 1)); }, {"[full]", "at most 32"});
  expect_error([&] { auto c = zeros({1LL << 40, 1LL << 40}); }, {"[full]", "too many elements"});
  expect_error([&] { auto c = from_blob(static_cast<const float*>(nullptr), {3}); },
               {"[from_blob]", "null pointer"});
  float storage[4] = {};
  auto* misaligned = reinterpret_cast<float*>(reinterpret_cast<char*>(storage) + 1);
  expect_error([&] { auto c = wrap(misaligned, {2}); }, {"[wrap]", "not aligned"});
}

TEST(Errors, CreationArguments) {
  expect_error([&] { auto c = arange(0, 10, 0); }, {"[arange]", "step must not be zero"});
  expect_error([&] { auto c = arange(0.0, 1.0, 0.0); }, {"[arange]", "step must not be zero"});
  expect_error([&] { auto c = arange(5, bool_); }, {"[arange]", "bool"});
  expect_error([&] { auto c = arange(0.0, std::nan(""), 1.0); }, {"[arange]", "nan"});
  expect_error([&] { auto c = linspace(0, 1, -2); },
               {"[linspace]", "num must be non-negative, got -2"});
  expect_error([&] { auto c = eye(-1); }, {"[eye]", "got -1"});
}

TEST(Errors, Reads) {
  const auto v = array({1.f, 2.f, 3.f});
  expect_error([&] { v.item<float>(); }, {"[item]", "shape (3,)", "3 elements"});
  expect_error([&] { v.item<float>(3); },
               {"[item]", "index 3 is out of bounds for an array of size 3"});
  expect_error([&] { v.item<float>(-4); }, {"[item]", "index -4"});
  expect_error([&] { v.data<double>(); }, {"[data]", "float32, not float64"});
}

TEST(Errors, InPlaceCasting) {
  auto i = array({1, 2});
  expect_error([&] { i += 1.5; }, {"[add]", "from float64 to int32", "same_kind"});
  expect_error([&] { i /= 2; }, {"[divide]", "float64 to int32"});
  EXPECT_EQ(i.to_vector<int>(), (std::vector<int>{1, 2}));  // unchanged after the error
}

TEST(Errors, RuntimeErrorAtTheSync) {
  auto x = array(std::vector<int64_t>{2, 2, 2});
  auto e = array(std::vector<int64_t>{1, -3, 2});
  const int line = __LINE__ + 1;
  auto y = power(x, e) + 1;
  expect_error([&] { y.to_vector<int64_t>(); }, {"[power]", "negative integer powers"}, line);
}

TEST(Errors, DumpToAnUnwritablePath) {
  const auto x = array({1.f}) + 1.f;
  expect_error([&] { kiln::dump(x, "/nonexistent-dir/kiln.dot"); }, {"[dump]", "cannot write"});
}

TEST(Errors, ShapeOperations) {
  const auto m = zeros({2, 3});
  expect_error([&] { auto c = m.reshape({4, 2}); }, {"[reshape]", "size 6", "(4,2)"});
  expect_error([&] { auto c = m.reshape({-1, -1}); }, {"[reshape]", "one unknown dimension"});
  expect_error([&] { auto c = m.reshape({-2, 3}); }, {"[reshape]", "negative dimension -2"});
  expect_error([&] { auto c = m.reshape({-1, 4}); }, {"[reshape]", "size 6", "(-1,4)"});
  expect_error([&] { auto c = transpose(m, {0}); }, {"[transpose]", "axes (0,)", "2 dimensions"});
  expect_error([&] { auto c = transpose(m, {1, 1}); }, {"[transpose]", "repeated axis"});
  expect_error([&] { auto c = transpose(m, {0, 2}); }, {"[transpose]", "axis 2 is out of bounds"});
  expect_error([&] { auto c = squeeze(m, 0); }, {"[squeeze]", "axis 0", "(2,3)", "not 1"});
  expect_error([&] { auto c = squeeze(m, 5); }, {"[squeeze]", "axis 5 is out of bounds"});
  expect_error([&] { auto c = expand_dims(m, 3); }, {"[expand_dims]", "axis 3 is out of bounds"});
  expect_error([&] { auto c = expand_dims(m, {0, 0}); }, {"[expand_dims]", "repeated axis"});
  expect_error([&] { auto c = broadcast_to(m, {3, 3}); }, {"[broadcast_to]", "(2,3)", "(3,3)"});
  expect_error([&] { auto c = broadcast_to(m, {3}); }, {"[broadcast_to]", "cannot be broadcast"});
  Array empty;
  expect_error([&] { auto c = empty.T(); }, {"[transpose]", "empty Array"});
}

TEST(Errors, Reductions) {
  const auto m = zeros({2, 3});
  expect_error([&] { auto c = sum(m, 2); }, {"[sum]", "axis 2 is out of bounds", "2 dimensions"});
  expect_error([&] { auto c = mean(m, {0, -2}); }, {"[mean]", "axis -2 is repeated"});
  expect_error([&] { auto c = argmax(m, -3); }, {"[argmax]", "axis -3"});
  expect_error([&] { auto c = max(zeros({0})); }, {"[max]", "(0,)", "no identity"});
  expect_error([&] { auto c = argmin(zeros({3, 0}), 1); }, {"[argmin]", "(3,0)"});
  expect_error([&] { auto c = min(zeros({0, 2}), 0); }, {"[min]", "nothing to reduce"});
  Array empty;
  expect_error([&] { auto c = sum(empty); }, {"[sum]", "empty Array"});
  expect_error([&] { auto c = var(empty, 0); }, {"[var]", "empty Array"});
}

TEST(Errors, BasicIndexing) {
  const auto a = zeros({2, 3, 4});
  expect_error([&] { auto c = a[{2}]; },
               {"[index]", "index 2 is out of bounds for axis 0 with size 2", "(2,3,4)"});
  expect_error([&] { auto c = a[{0, -4}]; }, {"[index]", "index -4", "axis 1 with size 3"});
  expect_error(
      [&] {
        auto c = a[{0, 0, 0, 0}];
      },
      {"[index]", "too many indices", "3-dimensional, but 4 were indexed"});
  expect_error([&] { auto c = a[{slice(0, 2, 0)}]; }, {"[index]", "slice step cannot be zero"});
  expect_error([&] { auto c = a[{ellipsis, 0, ellipsis}]; }, {"[index]", "single ellipsis"});
  const Array empty;
  expect_error([&] { auto c = empty[{0}]; }, {"[index]", "empty Array handle"});
}

TEST(Errors, RandomArguments) {
  expect_error([&] { auto c = random::uniform({3}, 0, 1, int32); },
               {"[uniform]", "float32 or float64", "int32"});
  expect_error([&] { auto c = random::uniform({3}, 2.0, 1.0); }, {"[uniform]", "low <= high"});
  expect_error([&] { auto c = random::normal({3}, 0.0, -1.0); }, {"[normal]", "stddev >= 0"});
  expect_error([&] { auto c = random::randint(5, 5, {3}); }, {"[randint]", "low >= high"});
  expect_error([&] { auto c = random::randint(0, 1LL << 40, {3}, int32); },
               {"[randint]", "does not fit int32"});
  expect_error([&] { auto c = random::randint(0, 10, {3}, float32); },
               {"[randint]", "an integer dtype"});
  expect_error([&] { auto c = random::randint(-1, 10, {3}, uint8); },
               {"[randint]", "does not fit uint8"});
  expect_error([&] { auto c = random::uniform({-1}); }, {"[uniform]", "negative dimension"});
}

TEST(Errors, MatmulShapes) {
  expect_error(
      [&] {
        auto c = matmul(zeros({2, 3}), zeros({4, 2}));
      },
      {"[matmul]", "(2,3) and (4,2) do not align", "3", "4"});
  expect_error([&] { auto c = matmul(zeros({}), zeros({2})); },
               {"[matmul]", "at least one dimension"});
  expect_error(
      [&] {
        auto c = matmul(zeros({2, 2, 3}), zeros({3, 3, 1}));
      },
      {"[matmul]", "batch dimensions", "(2,2,3) and (3,3,1)"});
  expect_error(
      [&] {
        auto c = dot(zeros({2, 3}), zeros({2, 4, 5}));
      },
      {"[dot]", "not aligned", "(2,3) and (2,4,5)"});
}

TEST(Errors, GatherScatterJoinScanArguments) {
  const auto a = zeros({2, 3});
  const auto i = array(std::vector<int64_t>{0, 1});
  expect_error([&] { auto c = take(a, array({0.5f})); }, {"[take]", "int32 or int64", "float32"});
  expect_error([&] { auto c = take(a, i, 2); },
               {"[take]", "axis 2 is out of bounds", "2 dimensions"});
  expect_error([&] { auto c = take_along_axis(a, i, 0); },
               {"[take_along_axis]", "(2,)", "(2,3)", "as many dimensions"});
  expect_error(
      [&] {
        auto c = take_along_axis(a, zeros({3, 2}, int64), 1);
      },
      {"[take_along_axis]", "(2,3) and (3,2)", "outside axis 1"});
  expect_error(
      [&] {
        auto c = scatter(a, i, zeros({3, 3}), 0);
      },
      {"[scatter]", "(3,3)", "do not broadcast", "(2,3)"});
  expect_error([&] { auto c = scatter(zeros({}), i, 1.0); }, {"[scatter]", "0-dimensional"});
  expect_error([&] { auto c = scatter_add(zeros({3}, int32), i, 0.5); },
               {"[scatter_add]", "float64", "int32"});
  expect_error([&] { auto c = concatenate({}); }, {"[concatenate]", "at least one"});
  expect_error(
      [&] {
        auto c = concatenate({a, zeros({2, 4})}, 0);
      },
      {"[concatenate]", "array 1 has shape (2,4)", "(2,3)", "outside axis 0"});
  expect_error(
      [&] {
        auto c = concatenate({zeros({}), zeros({})});
      },
      {"[concatenate]", "zero-dimensional"});
  expect_error(
      [&] {
        auto c = stack({a, zeros({3, 2})}, 0);
      },
      {"[stack]", "same shape", "(2,3)", "(3,2)"});
  expect_error([&] { auto c = stack({a, a}, 3); }, {"[stack]", "axis 3", "3 dimensions"});
  expect_error([&] { auto c = cumsum(a, -3); }, {"[cumsum]", "axis -3"});
}

// An index out of range is only seen when the indices are computed: the sync throws, naming the
// op and the line that recorded it, and reads nothing outside the buffer.
TEST(Errors, GatherIndexOutOfRangeAtTheSync) {
  const auto a = arange(0, 6, 1, int64).reshape({2, 3});
  const auto i = array(std::vector<int64_t>{0, 3}) - 0;  // lazy: checked only at the sync
  const int line = __LINE__ + 1;
  auto g = take(a, i, 1) * 2;
  expect_error([&] { g.eval(); }, {"[take]", "an index is out of bounds for axis 1 with size 3"},
               line);
  const int line2 = __LINE__ + 1;
  auto s = scatter_add(zeros({4}, int64), array(std::vector<int32_t>{1, -5}), 1);
  expect_error([&] { s.eval(); }, {"[scatter_add]", "index -5", "size 4"}, line2);
  const int line3 = __LINE__ + 1;
  auto t = take_along_axis(a, array(std::vector<int64_t>{0, 2, 9}, {1, 3}), 1);
  expect_error([&] { t.to_vector<int64_t>(); },
               {"[take_along_axis]", "out of bounds for axis 1 with size 3"}, line3);
  // The failed sync leaves the context usable and the inputs intact.
  EXPECT_EQ(take(a, array(std::vector<int64_t>{-1}), 1).to_vector<int64_t>(),
            (std::vector<int64_t>{2, 5}));
}

TEST(Errors, ComplexNumbers) {
  for (const DType t : {complex64, complex128}) {
    const std::string name(dtype_name(t));
    const auto z = zeros({2}, t);
    expect_error([&] { auto c = z < z; }, {"[less]", "complex numbers", "have no order"});
    expect_error([&] { auto c = maximum(z, z); }, {"[maximum]", "no order"});
    expect_error([&] { auto c = floor(z); }, {"[floor]", "not supported for complex numbers"});
    expect_error([&] { auto c = arctan2(z, 1.0); }, {"[arctan2]", "not supported for complex"});
    expect_error([&] { auto c = z & z; }, {"[bitwise_and]", name});
    expect_error([&] { auto c = max(z); }, {"[max]", "complex numbers"});
    expect_error([&] { auto c = prod(z); }, {"[prod]", "complex products"});
    expect_error([&] { auto c = argmax(z); }, {"[argmax]", "complex numbers"});
    expect_error([&] { auto c = complex(z, z); }, {"[complex]", "takes real parts", name});
    expect_error([&] { auto c = arange(0, 3, 1, t); }, {"[arange]", name});
    expect_error([&] { auto c = linspace(0.0, 1.0, 3, t); }, {"[linspace]", name});
    expect_error([&] { z.data<float>(); }, {"[data]", name + ", not float32"});
    expect_error([&] { auto c = full({2}, std::complex<float>(1, 1), int32); },
                 {"[full]", "complex number cannot be converted to int32"});
    expect_error(
        [&] {
          auto c = scatter(zeros({2}, int64), array(std::vector<int64_t>{0}),
                           std::complex<double>(1, 1));
        },
        {"[scatter]", "complex number cannot be converted to int64"});
  }
  // Promotions that numpy makes in complex128 are computed in complex128 (not refused).
  EXPECT_EQ((zeros({2}, complex64) + zeros({2}, float64)).dtype(), complex128);
  EXPECT_EQ((arange(3) * std::complex<float>(0, 1)).dtype(), complex128);
  EXPECT_EQ((zeros({2}, float32) * std::complex<double>(0, 1)).dtype(), complex64);
  EXPECT_EQ(complex(zeros({2}, float64), 1.f).dtype(), complex128);
}

TEST(Errors, FftArguments) {
  const auto x = zeros({4, 6});
  expect_error([&] { auto c = fft::fft(x, 0); }, {"[fft]", "invalid number of data points (0)"});
  expect_error([&] { auto c = fft::irfft(zeros({1}, complex64)); },
               {"[irfft]", "invalid number of data points (0)"});
  expect_error([&] { auto c = fft::ifft(x, -1, 2); },
               {"[ifft]", "axis 2 is out of bounds", "(4,6)"});
  expect_error([&] { auto c = fft::fft(x, -1, -1, "sideways"); },
               {"[fft]", "invalid norm \"sideways\"", "ortho"});
  expect_error([&] { auto c = fft::rfft(zeros({8}, complex64)); },
               {"[rfft]", "real input", "complex64"});
  expect_error([&] { auto c = fft::fft(zeros({})); }, {"[fft]", "0 dimensions"});
  expect_error([&] { auto c = fft::fft2(x, {4}); }, {"[fft2]", "s has 1 entries but axes has 2"});
  expect_error([&] { auto c = fft::ifft2(zeros({5})); }, {"[ifft2]", "axis -2"});
}

TEST(Errors, GatherResultRank) {
  expect_error([&] { auto c = take(zeros(Shape(17, 1)), zeros(Shape(17, 1), int64), 0); },
               {"[take]", "33 dimensions", "at most 32"});
}
