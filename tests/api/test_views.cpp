// Shape operations are views: no copies, strided reads inside kernels, one compile per pattern.
#include "helpers.hpp"

using namespace kiln;

namespace {
Array matrix34() {
  return arange(12, float32).reshape({3, 4}).eval();
}
}  // namespace

TEST(Views, ReshapeOfDataSharesTheBuffer) {
  const Array m = matrix34();
  kiln::reset_stats();
  const Array r = m.reshape({2, 6});
  const Array f = m.flatten();
  const Array e = expand_dims(m, 0);
  EXPECT_EQ(r.shape(), (Shape{2, 6}));
  EXPECT_EQ(e.shape(), (Shape{1, 3, 4}));
  if (kiln_test::on_cpu()) {                      // elsewhere data() is each array's own host copy
    EXPECT_EQ(r.data<float>(), m.data<float>());  // no copy
    EXPECT_EQ(f.data<float>(), m.data<float>());
    EXPECT_EQ(e.data<float>(), m.data<float>());
    EXPECT_EQ(squeeze(e).data<float>(), m.data<float>());
  }
  EXPECT_EQ(kiln::stats().kernels_launched, 0u);
  EXPECT_EQ(m.reshape({-1, 3}).shape(), (Shape{4, 3}));
}

TEST(Views, TransposeIsReadThroughStrides) {
  const Array m = matrix34();
  kiln::reset_stats();
  const Array t = m.T() * 2.f + 1.f;
  EXPECT_EQ(t.shape(), (Shape{4, 3}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 9, 17, 3, 11, 19, 5, 13, 21, 7, 15, 23}));
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);  // the transpose is not materialized first
  EXPECT_EQ(transpose(m, {1, 0}).to_vector<float>(), m.T().to_vector<float>());
  const Array cube = arange(24, int32).reshape({2, 3, 4});
  const Array p = transpose(cube, {2, 0, -2});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.item<int>(1 * 6 + 1 * 3 + 2), 12 + 2 * 4 + 1);  // p[1,1,2] = cube[1,2,1]
}

TEST(Views, ViewsOfLazyExpressionsMoveToTheLeaves) {
  const Array a = matrix34(), b = matrix34();
  kiln::reset_stats();
  const Array v = expand_dims((a * b + 1.f).T(), 0);  // views of a lazy product
  EXPECT_EQ(v.shape(), (Shape{1, 4, 3}));
  const auto got = v.to_vector<float>();
  EXPECT_EQ(kiln::stats().kernels_launched, 1u);  // read through strides, nothing materialized
  for (int i = 0; i < 12; ++i) {
    const int r = i % 3, c = i / 3;  // v[0, c, r] = (a*b+1)[r, c]
    const float x = static_cast<float>(r * 4 + c);
    EXPECT_EQ(got[i], x * x + 1) << i;
  }
  // Broadcast operands inside the viewed expression are folded into the strides too.
  const Array row = arange(4, float32);
  kiln::reset_stats();
  EXPECT_EQ(((a + row).T()).to_vector<float>(), ((a.T() + row.reshape({4, 1}))).to_vector<float>());
  EXPECT_EQ(kiln::stats().kernels_launched, 2u);
}

TEST(Views, BroadcastToAndExpandDims) {
  const Array v = arange(3, int64);
  const Array b = broadcast_to(v, {2, 3});
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  const Array col = expand_dims(v, 1);
  EXPECT_EQ(col.shape(), (Shape{3, 1}));
  EXPECT_EQ((col * 10 + v).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 1, 2, 10, 11, 12, 20, 21, 22}));
  EXPECT_EQ(expand_dims(v, {0, 2}).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(squeeze(zeros({1, 3, 1}), 0).shape(), (Shape{3, 1}));
  EXPECT_EQ(squeeze(zeros({1, 3, 1}), {0, -1}).shape(), (Shape{3}));
  EXPECT_EQ(broadcast_to(full({}, 7, int32), {2, 2}).to_vector<int>(),
            (std::vector<int>{7, 7, 7, 7}));
}

TEST(Views, ReshapeOfATransposeCopiesLikeNumpy) {
  // No strides express this flattening, so the transpose is materialized first (numpy copies
  // here too): two kernels.
  const Array m = matrix34();
  kiln::reset_stats();
  const Array flat = (m * 1.f).T().reshape({-1});
  flat.eval();
  EXPECT_EQ(kiln::stats().kernels_launched, 2u);
  EXPECT_EQ(flat.to_vector<float>(), (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  const Array back = flat.reshape({4, 3}).T();
  EXPECT_EQ(back.to_vector<float>(), m.to_vector<float>());
}

TEST(Views, CacheKeyDependsOnThePatternNotSizes) {
  auto run = [](int64_t r, int64_t c) {
    const Array m = arange(r * c, float32).reshape({r, c}).eval();
    return (m.T() + 1.f).item<float>(0);
  };
  run(3, 5);
  kiln::reset_stats();
  for (auto [r, c] : {std::pair<int64_t, int64_t>{7, 2}, {100, 33}, {2, 9}}) run(r, c);
  EXPECT_EQ(kiln::stats().kernels_compiled, 0u);
}

TEST(Views, EmptyAndSizeOneShapes) {
  EXPECT_EQ(zeros({0, 3}).T().shape(), (Shape{3, 0}));
  EXPECT_EQ((zeros({0, 3}).T() + 1.f).to_vector<float>().size(), 0u);
  EXPECT_EQ(zeros({0}).reshape({0, 5}).shape(), (Shape{0, 5}));
  EXPECT_EQ(array({5.f}).reshape({}).ndim(), 0);
  EXPECT_EQ(array({5.f}, Shape{}).reshape({1, 1, 1}).item<float>(), 5.f);
}

TEST(Views, SlicesOfDataAreViewsAndCompileOncePerPattern) {
  const Array m = arange(60, float32).reshape({6, 10}).eval();
  kiln::reset_stats();
  const Array rows = m[{slice(2, 4)}];  // contiguous rows: shares m's buffer
  EXPECT_EQ(rows.to_vector<float>()[0], 20.f);
  if (kiln_test::on_cpu()) {
    EXPECT_EQ(rows.data<float>(), m.data<float>() + 20);
  }
  EXPECT_EQ(kiln::stats().kernels_launched, 0u);
  // Strided and reversed slices are read through strides by the kernel that uses them; their
  // offsets and steps are parameters, so new offsets reuse the kernel.
  auto reversed_sum = [&](int64_t start) {
    return kiln::sum(m[{slice(start, none, -2), slice(none, none, -3)}] * 2.f).item<float>();
  };
  const float first = reversed_sum(5);
  kiln::reset_stats();
  EXPECT_EQ(reversed_sum(4), 2.f * (40 + 43 + 46 + 49 + 20 + 23 + 26 + 29 + 0 + 3 + 6 + 9));
  EXPECT_EQ(reversed_sum(5), first);
  EXPECT_EQ(kiln::stats().kernels_compiled, 0u);
  EXPECT_EQ(kiln::stats().disk_cache_hits, 0u);
  // A view of a view composes into one strided access.
  EXPECT_EQ((m[{slice(1, none)}][{slice(none, none, 2), 3}]).to_vector<float>(),
            (std::vector<float>{13, 33, 53}));
}
