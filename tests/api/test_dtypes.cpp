// The narrow and unsigned integer dtypes (int8, int16, uint8, uint16, uint32, uint64): C++
// types in and out, NumPy 2's promotion with weak C++ scalars (an integer out of the array's
// range is an error at the call), wrap-around, unsigned division, shifts and comparisons,
// numpy's reductions and casts, and kernels that mix them. numpy's own answers for every op
// and dtype pair are in tests/numpy.
#include <cstdint>
#include <limits>

#include "helpers.hpp"

using namespace kiln;
using kiln_test::expect_error;

TEST(Dtypes, CppTypesRoundTrip) {
  const std::vector<uint8_t> bytes{0, 1, 200, 255};
  const Array a = array(bytes);
  EXPECT_EQ(a.dtype(), uint8);
  EXPECT_EQ(a.to_vector<uint8_t>(), bytes);
  EXPECT_EQ(a.item<int64_t>(2), 200);
  const std::vector<int16_t> shorts{-32768, -1, 0, 32767};
  EXPECT_EQ(from_blob(shorts.data(), {2, 2}).to_vector<int16_t>(), shorts);
  uint64_t big[2] = {std::numeric_limits<uint64_t>::max(), 7};
  const Array w = wrap(big, {2});
  EXPECT_EQ(w.dtype(), uint64);
  EXPECT_EQ(w.item<uint64_t>(0), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(dtype_of<signed char>(), int8);
  EXPECT_EQ(dtype_of<unsigned short>(), uint16);
  EXPECT_EQ(dtype_of<uint32_t>(), uint32);
  EXPECT_EQ(itemsize(int16), 2u);
  EXPECT_EQ(dtype_name(uint32), "uint32");
}

TEST(Dtypes, WeakScalarsKeepTheArraysTypeAndMustFitIt) {
  const Array u = array(std::vector<uint8_t>{250, 3});
  const Array sum = u + 10;  // wraps in uint8, as numpy
  EXPECT_EQ(sum.dtype(), uint8);
  EXPECT_EQ(sum.to_vector<uint8_t>(), (std::vector<uint8_t>{4, 13}));
  EXPECT_EQ((u * 1.5).dtype(), float64);
  expect_error([&] { auto r = u + 300; }, {"[add]", "300 does not fit uint8"});
  expect_error([&] { auto r = u - (-1); }, {"[subtract]", "-1 does not fit uint8"});
  // Comparisons with an integer out of range are exact, as in NumPy 2.
  EXPECT_EQ((u < 300).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ((u > -1).to_vector<bool>(), (std::vector<bool>{true, true}));
  // Promotion: int8 with uint8 needs int16; int64 with uint64 needs float64.
  const Array i = array(std::vector<int8_t>{-100, 100});
  EXPECT_EQ((i + u).dtype(), int16);
  EXPECT_EQ((i + u).to_vector<int16_t>(), (std::vector<int16_t>{150, 103}));
  const Array big = array(std::vector<uint64_t>{1, 2});
  EXPECT_EQ((big + arange(2)).dtype(), float64);
  EXPECT_EQ(kiln::sin(i).dtype(), float16);  // as numpy
}

TEST(Dtypes, UnsignedArithmeticFollowsNumpy) {
  const Array a = array(std::vector<uint32_t>{7, 4000000000u, 0, 9});
  const Array b = array(std::vector<uint32_t>{2, 3, 0, 4000000000u});
  EXPECT_EQ(floor_divide(a, b).to_vector<uint32_t>(),
            (std::vector<uint32_t>{3, 1333333333u, 0, 0}));
  EXPECT_EQ(remainder(a, b).to_vector<uint32_t>(), (std::vector<uint32_t>{1, 1, 0, 9}));
  EXPECT_EQ(right_shift(a, 1u).to_vector<uint32_t>(),
            (std::vector<uint32_t>{3, 2000000000u, 0, 4}));  // logical, not arithmetic
  EXPECT_EQ(maximum(a, b).to_vector<uint32_t>(),
            (std::vector<uint32_t>{7, 4000000000u, 0, 4000000000u}));
  EXPECT_EQ((-a).to_vector<uint32_t>()[0], 4294967289u);  // wraps
  EXPECT_EQ(kiln::abs(a).to_vector<uint32_t>()[1], 4000000000u);
  EXPECT_EQ(kiln::sum(a).dtype(), uint64);  // numpy: unsigned sums in uint64
  EXPECT_EQ(kiln::sum(a).item<uint64_t>(), 4000000016u);
  EXPECT_EQ(kiln::max(a).item<uint32_t>(), 4000000000u);
  EXPECT_EQ(kiln::argmax(a).item<int64_t>(), 1);
  EXPECT_EQ(kiln::sum(array(std::vector<int8_t>{100, 100})).item<int64_t>(), 200);
  EXPECT_EQ(cumsum(array(std::vector<uint8_t>{200, 100})).dtype(), uint64);
}

TEST(Dtypes, CastsFollowNumpyOnX86) {
  const Array f = array(std::vector<double>{-1.0, 300.0, 2.9, -2.5});
  EXPECT_EQ(f.astype(uint8).to_vector<uint8_t>(), (std::vector<uint8_t>{255, 44, 2, 254}));
  EXPECT_EQ(f.astype(int8).to_vector<int8_t>(), (std::vector<int8_t>{-1, 44, 2, -2}));
  EXPECT_EQ(f.astype(uint64).to_vector<uint64_t>()[0], std::numeric_limits<uint64_t>::max());
  const Array n = array(std::vector<int16_t>{-1, 256});
  EXPECT_EQ(n.astype(uint8).to_vector<uint8_t>(), (std::vector<uint8_t>{255, 0}));
  EXPECT_EQ(n.astype(uint32).to_vector<uint32_t>()[0], 4294967295u);  // sign-extended
  EXPECT_EQ(array(std::vector<uint16_t>{65535}).astype(int64).item<int64_t>(), 65535);
  EXPECT_EQ(array(std::vector<uint64_t>{std::numeric_limits<uint64_t>::max()})
                .astype(float64)
                .item<double>(),
            18446744073709551616.0);
}

TEST(Dtypes, MasksAssignmentsAndReductionsOnUint8) {
  Array img = arange(12, uint8).reshape({3, 4});
  img = img * 30;        // wraps past 255
  img[{img > 200}] = 0;  // mask assignment
  img[{slice(), 0}] += array(std::vector<int8_t>{1, 2, 3}).astype(uint8);
  const Array mean = kiln::mean(img, 1);  // float64, as numpy
  EXPECT_EQ(mean.dtype(), float64);
  const std::vector<uint8_t> expect{1, 30, 60, 90, 122, 150, 180, 0, 3, 14, 44, 74};
  EXPECT_EQ(img.to_vector<uint8_t>(), expect);
  Array u = zeros({3}, uint16);
  u[{0}] = -4.0;  // numpy's C cast keeps the low bits
  EXPECT_EQ(u.item<uint16_t>(0), 65532);
  expect_error([&] { u[{1}] = -1; }, {"[assign]", "-1 does not fit uint16"});
}
