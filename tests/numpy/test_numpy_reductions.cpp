// numpy as the oracle for reductions and shape views on random shapes: every dtype, size-0 and
// size-1 axes, None / single / several / negative axes, keepdims, and operands that are plain,
// transposed views, or lazy expressions.
#include <algorithm>
#include <numeric>
#include <optional>
#include <random>

#include "numpy/random_arrays.hpp"

using namespace kiln;
using oracle::Arg;
using oracle::Case;

namespace {

class Cases : public oracle::RandomArrays {
 public:
  using RandomArrays::RandomArrays;

  Case reduction() {
    static const char* fns[] = {"sum", "prod", "max", "min",    "mean",  "var",
                                "std", "any",  "all", "argmax", "argmin"};
    const std::string fn = fns[pick(11)];
    const Shape s = shape();
    const int rank = static_cast<int>(s.size());
    Case c{fn, {operand(s, any_dtype())}};
    const bool arg_reduction = fn == "argmax" || fn == "argmin";
    if (rank == 0 || pick(3) == 0) {
      c.args.push_back(oracle::axes_arg(nullptr));
    } else if (arg_reduction || pick(2) == 0) {
      const int axis = pick(rank);
      c.args.push_back(arg_reduction
                           ? oracle::axis_arg(pick(2) ? axis : axis - rank)
                           : oracle::axes_arg(std::vector<int>{pick(2) ? axis : axis - rank}));
    } else {
      c.args.push_back(oracle::axes_arg(some_axes(rank)));
    }
    c.args.push_back(oracle::bool_arg(pick(2) == 0));
    if (fn == "var" || fn == "std") c.args.push_back(oracle::int_arg(pick(2)));
    return c;
  }

  Case view() {
    const Shape s = shape();
    const int rank = static_cast<int>(s.size());
    int64_t size = 1;
    for (int64_t e : s) size *= e;
    Case c{"", {operand(s, any_dtype())}};
    switch (pick(6)) {
      case 0: {
        c.fn = "reshape";
        Shape t = pick(2) ? Shape{size} : Shape(s.rbegin(), s.rend());
        if (pick(2)) t.insert(t.begin() + pick(static_cast<int>(t.size()) + 1), 1);
        if (!t.empty() && pick(2)) t[static_cast<size_t>(pick(static_cast<int>(t.size())))] = -1;
        if (std::count(t.begin(), t.end(), -1) == 1 && size == 0) t = Shape{size};
        c.args.push_back(oracle::shape_arg(t));
        break;
      }
      case 1: {
        c.fn = "transpose";
        if (pick(3)) {
          std::vector<int> perm(static_cast<size_t>(rank));
          std::iota(perm.begin(), perm.end(), 0);
          std::shuffle(perm.begin(), perm.end(), rng_);
          c.args.push_back(oracle::axes_arg(perm));
        }
        break;
      }
      case 2: {
        c.fn = "squeeze";
        std::vector<int> ones;
        for (int d = 0; d < rank; ++d)
          if (s[d] == 1 && pick(2)) ones.push_back(d);
        if (!ones.empty()) c.args.push_back(oracle::axes_arg(ones));
        break;
      }
      case 3: {
        c.fn = "expand_dims";
        std::vector<int> axes{pick(rank + 1)};
        if (pick(2)) axes.push_back(-1);
        if (axes.size() == 2 && (axes[0] == rank + 1 || axes[0] == rank)) axes.pop_back();
        c.args.push_back(oracle::axes_arg(axes));
        break;
      }
      case 4: {
        c.fn = "broadcast_to";
        Shape t;
        for (int k = pick(3); k > 0; --k) t.push_back(pick(4));
        for (int64_t e : s) t.push_back(e == 1 ? pick(4) : e);
        c.args.push_back(oracle::shape_arg(t));
        break;
      }
      default:
        c.fn = "flatten";
        break;
    }
    return c;
  }

  // A basic index over a random operand: integers (sometimes out of range), slices with random
  // or open bounds and steps (now and then 0), newaxis and an ellipsis; sometimes one entry too
  // many or two ellipses, which numpy and kiln must both refuse.
  Case index() {
    const Shape s = shape();
    return {"index", {operand(s, any_dtype()), oracle::index_arg(index_entries(s))}};
  }

  std::vector<Index> index_entries(const Shape& s) {
    const int rank = static_cast<int>(s.size());
    std::vector<Index> entries;
    const int consuming = std::min(rank + (pick(12) == 0 ? 1 : 0), pick(rank + 2));
    const int ellipsis_at = pick(3) == 0 ? pick(consuming + 1) : -1;
    auto bound = [&]() -> SliceBound {
      if (pick(3) == 0) return none;
      return static_cast<int64_t>(pick(17) - 8);
    };
    for (int k = 0; k < consuming; ++k) {
      if (k == ellipsis_at) entries.push_back(ellipsis);
      if (pick(5) == 0) entries.push_back(newaxis);
      const int64_t extent = k < rank ? s[static_cast<size_t>(k)] : 2;
      if (pick(3) == 0) {
        entries.push_back(
            static_cast<int64_t>(pick(static_cast<int>(2 * extent + 3)) - extent - 1));
      } else {
        static constexpr int64_t steps[] = {1, 1, 2, 3, -1, -1, -2, -3, 0};
        SliceBound step =
            pick(3) == 0 ? SliceBound(none) : SliceBound(steps[pick(pick(20) ? 8 : 9)]);
        entries.push_back(slice(bound(), bound(), step));
      }
    }
    if (ellipsis_at == consuming) entries.push_back(ellipsis);
    if (pick(30) == 0) entries.push_back(ellipsis);  // a second one: an error if there was one
    if (pick(6) == 0) entries.push_back(newaxis);
    return entries;
  }

  // An index with arrays (numpy's advanced indexing) over shape `s`: integer arrays of shapes
  // that broadcast (now and then not), with negative and (rarely) out-of-range positions, int32
  // or int64; boolean masks over one or two axes (now and then of a wrong extent), rarely a 0-d
  // mask; mixed with integers, slices, newaxis and an ellipsis, the arrays adjacent or not.
  std::vector<Index> advanced_entries(const Shape& s) {
    const int rank = static_cast<int>(s.size());
    std::vector<Index> entries;
    Shape common;
    for (int d = pick(3); d > 0; --d) common.push_back(pick(4));
    auto int_array = [&](int64_t extent) {
      Shape shape = common;
      for (auto& e : shape)
        if (pick(3) == 0) e = 1;
      if (pick(2) == 0 && !shape.empty()) shape.erase(shape.begin());
      if (pick(25) == 0) shape.push_back(5);  // does not broadcast (most of the time)
      int64_t n = 1;
      for (int64_t e : shape) n *= e;
      std::vector<int64_t> v(static_cast<size_t>(n));
      for (auto& x : v)
        x = extent == 0 || pick(40) == 0 ? extent : pick(static_cast<int>(2 * extent)) - extent;
      Array a = kiln::array(v, shape);
      return pick(3) == 0 ? a.astype(int32) : a;
    };
    auto mask = [&](Shape shape) {
      if (pick(20) == 0 && !shape.empty()) shape.back() += 1;  // does not match
      int64_t n = 1;
      for (int64_t e : shape) n *= e;
      std::vector<bool> v(static_cast<size_t>(n));
      for (size_t i = 0; i < v.size(); ++i) v[i] = pick(2) == 0;
      return kiln::array(v, shape);
    };
    bool has_array = false;
    if (pick(6) == 0) entries.push_back(ellipsis);
    const bool ellipsis_first = !entries.empty();
    int axis = 0;
    const int stop = ellipsis_first ? pick(rank + 1) : rank;
    while (axis < stop) {
      if (pick(8) == 0) entries.push_back(newaxis);
      const int k = pick(5);
      if (k == 0 && axis + 1 < stop && pick(2) == 0) {  // a 2-d mask
        entries.push_back(mask(Shape{s[axis], s[axis + 1]}));
        axis += 2;
        has_array = true;
      } else if (k == 0) {
        entries.push_back(mask(Shape{s[axis]}));
        ++axis;
        has_array = true;
      } else if (k <= 2) {
        entries.push_back(int_array(s[axis]));
        ++axis;
        has_array = true;
      } else if (k == 3) {
        entries.push_back(s[axis] ? static_cast<int64_t>(pick(static_cast<int>(s[axis]))) : 0);
        ++axis;
      } else {
        entries.push_back(pick(2) ? slice() : slice(1, none));
        ++axis;
      }
      if (!ellipsis_first && pick(5) == 0) break;  // the rest implicit
    }
    if (!has_array) {
      if (rank > 0 && pick(4))
        entries.push_back(int_array(2));
      else
        entries.push_back(mask(Shape{}));  // a 0-d mask (or too many indices)
    }
    return entries;
  }

  Case advanced_index() {
    const Shape s = shape();
    return {"index", {operand(s, any_dtype()), oracle::index_arg(advanced_entries(s))}};
  }

  // Assignments through indices with arrays: a[idx] = v, a[idx] op= v (the last of repeated
  // positions wins) and kiln::at(a, idx).<op>(v) (every one counts, numpy's ufunc.at).
  Case advanced_update() {
    static const char* ops[] = {"add", "subtract", "multiply", "divide", "minimum", "maximum"};
    static constexpr DType values[] = {bool_,   int32,     int64,     float32,
                                       float64, complex64, complex128};
    Case c = advanced_index();
    std::optional<Shape> window;
    try {
      window = c.args[0].array[Indices(c.args[1].index)].eval().shape();
    } catch (const kiln::Error&) {
    }
    const int kind = pick(4);
    // (kiln has no minimum= operator: the oracle's setitem_minimum is at().min, which
    // accumulates with index arrays)
    c.fn = kind == 0   ? std::string("setitem_") + ops[pick(4)]
           : kind == 1 ? std::string("at_") + ops[pick(6)]
                       : "setitem";
    if (pick(4) == 0 || !window) {
      c.args.push_back(pick(3) ? oracle::float_arg((pick(65) - 32) / 8.0)
                               : oracle::int_arg(pick(19) - 9));
      return c;
    }
    Shape v = *window;
    for (auto& e : v)
      if (pick(3) == 0) e = 1;
    if (pick(2) == 0) v.erase(v.begin(), v.begin() + pick(static_cast<int>(v.size()) + 1));
    if (pick(15) == 0 && !v.empty()) v.back() += 1;  // does not broadcast
    const DType t = pick(12) == 0 ? values[5 + pick(2)] : any_dtype();
    c.args.push_back(operand(v, t));
    return c;
  }

  // Assignments through basic indices: a[i] = v, a[i][j] = v and a[i] op= v (and at().min/max),
  // with values that broadcast (fewer dimensions, extent-1 axes, extra leading 1s) or do not (an
  // error in both), C++ scalars of every kind, and every dtype pair: casts, and the errors for
  // complex into real and for in-place results outside the array's kind.
  Case update() {
    static const char* ops[] = {"add",        "subtract",    "multiply",   "divide",
                                "remainder",  "bitwise_and", "bitwise_or", "bitwise_xor",
                                "left_shift", "right_shift", "minimum",    "maximum"};
    static constexpr DType values[] = {bool_,   int32,     int64,     float32,
                                       float64, complex64, complex128};
    Case c = index();
    auto window_of = [](const Array& a, const std::vector<Index>& entries) -> std::optional<Shape> {
      try {
        return a[Indices(entries)].shape();
      } catch (const kiln::Error&) {
        return std::nullopt;
      }
    };
    std::optional<Shape> window = window_of(c.args[0].array, c.args[1].index);
    const int kind = pick(4);
    c.fn = kind == 0 ? std::string("setitem_") + ops[pick(12)] : "setitem";
    if (kind == 1 && window) {  // a[i][j] = v
      std::vector<Index> second = index_entries(*window);
      window = window_of(c.args[0].array[Indices(c.args[1].index)], second);
      c.args.push_back(oracle::index_arg(second));
    }
    if (pick(4) == 0 || !window) {
      switch (pick(4)) {
        case 0:
          c.args.push_back(oracle::int_arg(pick(2) ? pick(19) - 9 : int64_t{1} << 40));
          break;
        case 1:
          c.args.push_back(oracle::float_arg((pick(65) - 32) / 8.0));
          break;
        case 2:
          c.args.push_back(oracle::bool_arg(pick(2) == 0));
          break;
        default:
          c.args.push_back(oracle::complex_arg(pick(5) - 2, pick(3) - 1));
          break;
      }
      return c;
    }
    Shape v = *window;
    for (auto& e : v)
      if (pick(3) == 0) e = 1;
    const int drop = pick(static_cast<int>(v.size()) + 1);
    if (pick(2) == 0) v.erase(v.begin(), v.begin() + drop);
    if (pick(6) == 0) v.insert(v.begin(), 1);
    if (pick(15) == 0 && !v.empty()) v.back() += 1;  // does not broadcast
    const DType t = pick(8) == 0 ? values[5 + pick(2)] : any_dtype();
    c.args.push_back(operand(v, t));
    return c;
  }

  // matmul, dot and outer on random shapes: batch dimensions that broadcast (or not), 1-d
  // operands, empty dimensions, mismatched inner sizes (an error in both), all dtype pairs,
  // and operands that are transposed views (BLAS transposes) or lazy expressions.
  Case linalg() {
    static constexpr int64_t sizes[] = {1, 2, 3, 5, 0};
    auto size = [&] { return sizes[pick(pick(8) == 0 ? 5 : 4)]; };
    const int64_t m = size(), k = size(), n = size();
    Shape batch;
    for (int d = pick(3); d > 0; --d) batch.push_back(size());
    auto batch_of = [&]() {
      Shape b;
      const int drop = pick(static_cast<int>(batch.size()) + 1);
      for (size_t d = static_cast<size_t>(drop); d < batch.size(); ++d)
        b.push_back(pick(3) == 0 ? 1 : batch[d]);
      return b;
    };
    Shape sa = batch_of(), sb = batch_of();
    const int64_t kb = pick(15) == 0 ? k + 1 : k;
    if (pick(5) == 0)
      sa.clear(), sa.push_back(k);
    else
      sa.push_back(m), sa.push_back(k);
    if (pick(5) == 0)
      sb.clear(), sb.push_back(kb);
    else
      sb.push_back(kb), sb.push_back(n);
    const int which = pick(6);
    const std::string fn = which < 4 ? "matmul" : which == 4 ? "dot" : "outer";
    if (fn == "dot" && sb.size() > 2 && pick(2)) sa.resize(2), sa[1] = kb;  // N-d dot
    return {fn, {operand(sa, any_dtype()), operand(sb, any_dtype())}};
  }

  // An int32 or int64 index array of shape `s` for an axis of `extent`: in range (negative
  // counting from the end), repeated, and now and then out of range (an error in both).
  Arg indices(const Shape& s, int64_t extent) {
    int64_t n = 1;
    for (int64_t e : s) n *= e;
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) {
      x = extent == 0 ? 0 : pick(static_cast<int>(2 * extent)) - extent;
      if (pick(60) == 0) x = pick(2) ? extent : -extent - 1;
    }
    if (pick(2)) return oracle::array_arg(v, s);
    return oracle::array_arg(std::vector<int32_t>(v.begin(), v.end()), s);
  }

  // take (flat and along an axis), take_along_axis, scatter, scatter_add, concatenate, stack,
  // cumsum and cumprod on random shapes and dtypes, with negative axes and indices, repeated
  // indices, broadcast or scalar values, and errors numpy raises too.
  Case gather() {
    Shape s = shape();
    const int rank = static_cast<int>(s.size());
    const DType t = any_dtype();
    const int axis = rank == 0 ? 0 : pick(rank);
    const int signed_axis = pick(2) ? axis : axis - rank;
    const int64_t extent = rank == 0 ? 1 : s[static_cast<size_t>(axis)];
    Shape idx_shape;
    for (int k = pick(3); k > 0; --k) idx_shape.push_back(pick(4));
    switch (pick(8)) {
      case 0: {
        int64_t size = 1;
        for (int64_t e : s) size *= e;
        return {"take", {operand(s, t), indices(idx_shape, size), oracle::axes_arg(nullptr)}};
      }
      case 1:
        return {"take", {operand(s, t), indices(idx_shape, extent), oracle::axis_arg(signed_axis)}};
      case 2: {
        Shape is = s;
        if (rank > 0) {
          is[static_cast<size_t>(axis)] = pick(4);
          for (int d = 0; d < rank; ++d)
            if (d != axis && pick(4) == 0) is[static_cast<size_t>(d)] = 1;
        }
        return {"take_along_axis",
                {operand(s, t), indices(is, extent), oracle::axis_arg(signed_axis)}};
      }
      case 3:
      case 4: {
        Shape target;
        for (int d = 0; d < axis; ++d) target.push_back(s[static_cast<size_t>(d)]);
        for (int64_t e : idx_shape) target.push_back(e);
        for (int d = axis + 1; d < rank; ++d) target.push_back(s[static_cast<size_t>(d)]);
        Shape vs(target.begin() + pick(static_cast<int>(target.size()) + 1), target.end());
        for (auto& e : vs)
          if (pick(4) == 0) e = 1;
        const int which = pick(6);
        Arg values = which == 0   ? oracle::int_arg(pick(7) - 3)
                     : which == 1 ? oracle::float_arg((pick(9) - 4) / 4.0)
                                  : operand(vs, which == 2 ? any_dtype() : t);
        return {pick(2) ? "scatter" : "scatter_add",
                {operand(s, t), indices(idx_shape, extent), values, oracle::axis_arg(signed_axis)}};
      }
      case 5:
      case 6: {
        const bool stacking = pick(2) == 0;
        Case c{stacking ? "stack" : "concatenate", {}};
        for (int k = 1 + pick(4); k > 0; --k) {
          Shape p = s;
          if (!stacking && rank > 0) p[static_cast<size_t>(axis)] = pick(4);
          if (pick(25) == 0 && !p.empty()) p.back() += 1;  // mismatched: an error in both
          c.args.push_back(operand(p, pick(3) ? t : any_dtype()));
        }
        c.args.push_back(
            oracle::axis_arg(stacking ? (pick(2) ? pick(rank + 1) : -1) : signed_axis));
        return c;
      }
      default: {
        Case c{pick(2) ? "cumsum" : "cumprod", {operand(s, t)}};
        c.args.push_back(pick(3) == 0 ? oracle::axes_arg(nullptr) : oracle::axis_arg(signed_axis));
        return c;
      }
    }
  }

  // nonzero (compared as numpy's stack of its arrays), flatnonzero, argwhere, compress and
  // extract on random shapes and dtypes, conditions shorter or longer than what they select
  // from, and the errors numpy raises too (0-d nonzero, a condition past the end, a 2-d
  // condition for compress).
  Case select() {
    const Shape s = shape();
    const DType t = any_dtype();
    const int rank = static_cast<int>(s.size());
    switch (pick(5)) {
      case 0:
        return {"nonzero", {operand(s, t)}};
      case 1:
        return {"flatnonzero", {operand(s, t)}};
      case 2:
        return {"argwhere", {operand(s, t)}};
      case 3: {
        const Shape cond = pick(10) == 0 ? Shape{2, 2} : Shape{static_cast<int64_t>(pick(7))};
        Arg axis = rank == 0 || pick(3) == 0 ? oracle::axes_arg(nullptr)
                                             : oracle::axis_arg(pick(rank) - (pick(2) ? rank : 0));
        return {"compress", {operand(cond, any_dtype()), operand(s, t), axis}};
      }
      default:
        return {"extract", {operand(shape(), any_dtype()), operand(s, t)}};
    }
  }
};

void run(const std::vector<Case>& cases) {
  oracle::run_and_check(cases, oracle::check);
}

}  // namespace

TEST(NumpyOracle, ReductionsOnRandomShapes) {
  Cases gen(424242);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(1500); ++i) cases.push_back(gen.reduction());
  run(std::move(cases));
}

TEST(NumpyOracle, DataDependentSelectionsOnRandomShapes) {
  Cases gen(2718);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(600); ++i) cases.push_back(gen.select());
  run(std::move(cases));
}

TEST(NumpyOracle, BasicIndexingOnRandomShapes) {
  Cases gen(31337);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(1500); ++i) cases.push_back(gen.index());
  run(std::move(cases));
}

TEST(NumpyOracle, AssignmentThroughBasicIndicesOnRandomShapes) {
  Cases gen(1234);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(1500); ++i) cases.push_back(gen.update());
  run(std::move(cases));
}

TEST(NumpyOracle, AdvancedIndexingOnRandomShapes) {
  Cases gen(8080);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(1200); ++i) cases.push_back(gen.advanced_index());
  run(std::move(cases));
}

TEST(NumpyOracle, AssignmentThroughIndexArraysAndMasksOnRandomShapes) {
  Cases gen(6502);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(1200); ++i) cases.push_back(gen.advanced_update());
  run(std::move(cases));
}

TEST(NumpyOracle, MatmulDotOuterOnRandomShapes) {
  Cases gen(2048);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(800); ++i) cases.push_back(gen.linalg());
  run(std::move(cases));
}

TEST(NumpyOracle, ViewsOnRandomShapes) {
  Cases gen(777);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(800); ++i) cases.push_back(gen.view());
  run(std::move(cases));
}

TEST(NumpyOracle, GatherScatterJoinScanOnRandomShapes) {
  Cases gen(9001);
  std::vector<Case> cases;
  for (int i = 0; i < kiln_test::oracle_cases(1500); ++i) cases.push_back(gen.gather());
  run(std::move(cases));
}
