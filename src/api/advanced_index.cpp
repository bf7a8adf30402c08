// numpy's advanced indexing: a[{idx}], a[{i0, i1}], a[{mask}], a[{i, kiln::slice(), idx}], and
// the assignments through them. An index with arrays is lowered to basic indexing (the part of
// `a` the other entries select, a view, with each index array's axis kept whole and each mask's
// axes merged into one) and one gather (take) along the indexed axes of that part: several index
// arrays become one linear position into the indexed axes moved to the front. An update
// gathers, combines and scatters that part and writes it back as a basic update; a mask whose
// value does not depend on which elements are true becomes where(mask, value, a), with no sync.
#include <numeric>
#include <string>
#include <utility>

#include "api/apply.hpp"
#include "api/index.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"

namespace kiln {

Index::Index(const Array& indices)
    : kind_(Kind::array), array_(std::make_shared<const Array>(indices)) {}

namespace detail {

using graph::Dims;
using graph::SourceLoc;
using Combine = IndexRef::Combine;

namespace {

constexpr const char* kIndex = "index";

// One index array of a lowered index: it picks positions along axis `axis` of the basic part
// (after masks are merged); `array_axis` is the first of a's axes it indexes (for errors).
struct Pick {
  int axis = 0;
  int covers = 1;  // a's axes it indexes: a mask's rank (a 0-d mask: none, a new axis)
  Array indices;   // int32/int64 positions, or the bool mask until masks are resolved
  bool mask = false;
  int array_axis = 0;
  bool normalized = false;  // positions known to be in range and non-negative
};

// The picks of an index, in index order, along increasing axes of the basic part.
struct Picks : std::vector<Pick> {
  // No slice, newaxis or ellipsis (even one that stands for no axis) between two picks: numpy
  // then puts the index dimensions where the picked axes were, else first.
  bool consecutive = true;
};

// An index with arrays as basic indexing plus picks.
struct Lowered {
  std::vector<Index> basic;  // each index array (and integer) a whole slice per axis it indexes
  Picks picks;
  bool only_whole_slices = true;  // every basic entry other than the picks' is `:` or `...`
};

bool whole(const Slice& s) {
  return s.start.open() && s.stop.open() && (s.step.open() || s.step.value() == 1);
}

std::string shape_text(const Dims& d) {
  return graph::to_string(d);
}

Lowered lower(const Dims& shape, const Indices& index, graph::DeviceId device) {
  const SourceLoc loc = to_loc(index.loc());
  const std::span<const Index> entries = index.entries();
  int consuming = 0, ellipses = 0;
  for (const Index& e : entries) {
    switch (e.kind()) {
      case Index::Kind::integer:
      case Index::Kind::slice:
        ++consuming;
        break;
      case Index::Kind::ellipsis:
        ++ellipses;
        break;
      case Index::Kind::newaxis:
        break;
      case Index::Kind::array: {
        const graph::Node* n = node_of(e.array(), kIndex, loc);
        consuming += n->dtype == DType::bool_ ? n->shape.rank() : 1;
        break;
      }
    }
  }
  if (ellipses > 1) graph::throw_error(kIndex, "an index can only have a single ellipsis", loc);
  if (consuming > shape.rank())
    graph::throw_error(kIndex,
                       "too many indices for array: array of shape " + shape_text(shape) + " is " +
                           std::to_string(shape.rank()) + "-dimensional, but " +
                           std::to_string(consuming) + " were indexed",
                       loc);
  Lowered out;
  int in_axis = 0, out_axis = 0;
  bool gap = false;  // a basic entry since the last pick
  for (const Index& e : entries) {
    const bool picks = e.kind() == Index::Kind::integer || e.kind() == Index::Kind::array;
    if (picks && gap && !out.picks.empty()) out.picks.consecutive = false;
    gap = !picks;
    switch (e.kind()) {
      case Index::Kind::ellipsis: {
        const int n = shape.rank() - consuming;
        in_axis += n;
        out_axis += n;
        out.basic.push_back(e);
        break;
      }
      case Index::Kind::newaxis:
        out.only_whole_slices = false;
        out.basic.push_back(e);
        ++out_axis;
        break;
      case Index::Kind::slice:
        out.only_whole_slices = out.only_whole_slices && whole(e.slice());
        out.basic.push_back(e);
        ++out_axis;
        ++in_axis;
        break;
      case Index::Kind::integer: {  // with index arrays present, an integer is one too (numpy)
        const int64_t extent = shape[in_axis];
        int64_t i = e.integer();
        if (i < -extent || i >= extent)
          graph::throw_error(kIndex,
                             "index " + std::to_string(i) + " is out of bounds for axis " +
                                 std::to_string(in_axis) + " with size " + std::to_string(extent) +
                                 " (array of shape " + shape_text(shape) + ")",
                             loc);
        if (i < 0) i += extent;
        Pick p;
        p.axis = out_axis++;
        p.array_axis = in_axis++;
        p.indices = constant(Scalar::of(i), DType::int64, Dims{}, kIndex, loc, device);
        p.normalized = true;
        out.picks.push_back(std::move(p));
        out.basic.push_back(kiln::slice());
        out.only_whole_slices = false;
        break;
      }
      case Index::Kind::array: {
        const graph::Node* n = e.array().node();
        Pick p;
        p.array_axis = in_axis;
        p.axis = out_axis++;
        p.indices = e.array();
        if (n->dtype == DType::bool_) {
          p.mask = true;
          p.covers = n->shape.rank();
          for (int d = 0; d < p.covers; ++d, ++in_axis) {
            if (n->shape[d] != shape[in_axis])
              graph::throw_error(kIndex,
                                 "boolean index did not match indexed array along axis " +
                                     std::to_string(in_axis) + "; size of axis is " +
                                     std::to_string(shape[in_axis]) +
                                     " but size of corresponding boolean axis is " +
                                     std::to_string(n->shape[d]) + " (mask of shape " +
                                     shape_text(n->shape) + ", array of shape " +
                                     shape_text(shape) + ")",
                                 loc);
            out.basic.push_back(kiln::slice());
          }
          if (p.covers == 0) {  // numpy: a 0-d mask indexes a new axis of extent 1
            out.basic.push_back(newaxis);
            out.only_whole_slices = false;
          }
          out_axis += std::max(p.covers, 1) - 1;
        } else if (n->dtype == DType::int32 || n->dtype == DType::int64) {
          out.basic.push_back(kiln::slice());
          ++in_axis;
        } else {
          graph::throw_error(kIndex,
                             "arrays used as indices must be of integer (int32, int64) or boolean "
                             "type, not " +
                                 std::string(dtype_name(n->dtype)),
                             loc);
        }
        out.picks.push_back(std::move(p));
        break;
      }
    }
  }
  return out;
}

// The basic part with each mask's axes merged into one and each mask turned into the int64
// positions of its true elements (a sync); the picks' axes are renumbered to match.
Array resolve_masks(const Array& part, Picks& picks, const std::source_location& l) {
  const Dims shape = part.node()->shape;
  Shape merged;
  int axis = 0, removed = 0;
  bool reshaped = false;
  for (Pick& p : picks) {
    while (axis < p.axis) merged.push_back(shape[axis++]);
    p.axis -= removed;
    if (!p.mask) {
      merged.push_back(shape[axis++]);
      continue;
    }
    const int span = std::max(p.covers, 1);
    int64_t extent = 1;
    for (int d = 0; d < span; ++d) extent *= shape[axis++];
    merged.push_back(extent);
    removed += span - 1;
    reshaped = reshaped || span != 1;
    const Array flat = p.covers == 1 ? p.indices : reshape(p.indices, Shape{extent}, l);
    p.indices = flatnonzero(flat, l);
    p.mask = false;
    p.normalized = true;
  }
  while (axis < shape.rank()) merged.push_back(shape[axis++]);
  return reshaped ? reshape(part, merged, l) : part;
}

// The broadcast shape of the picks' index arrays (numpy's IndexError when they do not).
Dims broadcast_picks(const Picks& picks, SourceLoc loc) {
  int rank = 0;
  for (const Pick& p : picks) rank = std::max(rank, p.indices.node()->shape.rank());
  Dims out;
  out.resize(rank, 1);
  for (const Pick& p : picks) {
    const Dims& s = p.indices.node()->shape;
    for (int d = 0; d < s.rank(); ++d) {
      int64_t& o = out[rank - s.rank() + d];
      if (s[d] == o || s[d] == 1) continue;
      if (o != 1) {
        std::string shapes;
        for (const Pick& q : picks) shapes += " " + shape_text(q.indices.node()->shape);
        graph::throw_error(kIndex,
                           "shape mismatch: indexing arrays could not be broadcast together "
                           "with shapes" +
                               shapes,
                           loc);
      }
      o = s[d];
    }
  }
  return out;
}

// The geometry of a gather of several picks: the part's indexed axes moved to the front and
// flattened into one, and each result position's linear position along it.
struct Linear {
  std::vector<int> perm;  // the part's axes: the picks' first, then the others in order
  Shape front;            // the part transposed by perm
  Shape flat;             // ... with the picked axes as one
  Array position;         // int64, of the picks' broadcast shape
};

// `indices` (positions along an axis of `extent`, the array's axis `array_axis`) made
// non-negative, with numpy's IndexError for one out of range (raised at the sync).
Array normalized(const Array& indices, int64_t extent, int array_axis, graph::DeviceId device,
                 SourceLoc loc, const std::source_location& l) {
  Shape along(static_cast<size_t>(array_axis), 1);
  along.push_back(extent);
  Array iota = arange_impl(Scalar::of(int64_t{0}), Scalar::of(extent), Scalar::of(int64_t{1}),
                           DType::int64, l);
  if (iota.node()->device != device) iota = transfer(iota, device, loc);
  const Array picked = take(reshape(iota, along, l), indices, array_axis, l);
  return reshape(picked, indices.shape(), l);
}

Linear linear(const Array& part, const Picks& picks, SourceLoc loc, const std::source_location& l) {
  const Dims& shape = part.node()->shape;
  Linear g;
  std::vector<bool> picked(static_cast<size_t>(shape.rank()), false);
  int64_t count = 1;
  for (const Pick& p : picks) {
    g.perm.push_back(p.axis);
    picked[p.axis] = true;
    count *= shape[p.axis];
  }
  for (int d = 0; d < shape.rank(); ++d)
    if (!picked[d]) g.perm.push_back(d);
  for (int d : g.perm) g.front.push_back(shape[d]);
  g.flat.push_back(count);
  for (size_t d = picks.size(); d < g.front.size(); ++d) g.flat.push_back(g.front[d]);
  int64_t stride = 1;
  for (size_t j = picks.size(); j-- > 0;) {
    const Pick& p = picks[j];
    const int64_t extent = shape[p.axis];
    Array at = cast(p.indices, DType::int64, loc);
    if (!p.normalized) at = normalized(at, extent, p.array_axis, part.node()->device, loc, l);
    if (stride != 1) at = multiply(Operand(at, l), Operand(stride, l));
    g.position = g.position.valid() ? add(Operand(g.position, l), Operand(at, l)) : at;
    stride *= extent;
  }
  return g;
}

// Where numpy puts the broadcast index dimensions: in place of the picked axes when those are
// adjacent, else first. Returns the permutation from (index dims, other axes) to that order.
std::vector<int> placement(const Picks& picks, int index_rank, int rest_rank) {
  std::vector<int> perm;
  const int first = picks.consecutive ? picks[0].axis : 0;
  for (int d = 0; d < first; ++d) perm.push_back(index_rank + d);
  for (int d = 0; d < index_rank; ++d) perm.push_back(d);
  for (int d = first; d < rest_rank; ++d) perm.push_back(index_rank + d);
  return perm;
}

std::vector<int> inverse(const std::vector<int>& perm) {
  std::vector<int> inv(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) inv[static_cast<size_t>(perm[d])] = static_cast<int>(d);
  return inv;
}

bool is_identity(const std::vector<int>& perm) {
  for (size_t d = 0; d < perm.size(); ++d)
    if (perm[d] != static_cast<int>(d)) return false;
  return true;
}

// The shape of gather(part, picks) without recording it.
Dims gathered_shape(const Dims& part, const Picks& picks, SourceLoc loc) {
  const Dims index_shape = broadcast_picks(picks, loc);
  std::vector<bool> picked(static_cast<size_t>(part.rank()), false);
  for (const Pick& p : picks) picked[p.axis] = true;
  Dims rest;
  for (int d = 0; d < part.rank(); ++d)
    if (!picked[d]) rest.push_back(part[d]);
  const int first = picks.consecutive ? picks[0].axis : 0;
  Dims out;
  for (int d = 0; d < first; ++d) out.push_back(rest[d]);
  for (int d = 0; d < index_shape.rank(); ++d) out.push_back(index_shape[d]);
  for (int d = first; d < rest.rank(); ++d) out.push_back(rest[d]);
  if (out.rank() > graph::kMaxDims)
    graph::throw_error(kIndex,
                       "the result would have " + std::to_string(out.rank()) +
                           " dimensions; kiln supports at most " + std::to_string(graph::kMaxDims),
                       loc);
  return out;
}

// NumPy 2 checks every index even when nothing is selected, where no kernel would read them:
// then the index arrays are read now (a sync) and checked on the host.
void check_when_empty(const Dims& part, const Picks& picks, SourceLoc loc) {
  if (gathered_shape(part, picks, loc).size() != 0) return;
  for (const Pick& p : picks) {
    if (p.normalized || p.indices.node()->shape.size() == 0) continue;
    const int64_t extent = part[p.axis];
    for (int64_t i : p.indices.to_vector<int64_t>())
      if (i < -extent || i >= extent)
        graph::throw_error(kIndex,
                           "index " + std::to_string(i) + " is out of bounds for axis " +
                               std::to_string(p.array_axis) + " with size " +
                               std::to_string(extent),
                           loc);
  }
}

// The resolved part gathered by its picks: numpy's a[index].
Array gather(const Array& part, const Picks& picks, SourceLoc loc, const std::source_location& l) {
  if (picks.size() == 1) return take(part, picks[0].indices, picks[0].axis, l);
  const Dims index_shape = broadcast_picks(picks, loc);
  Linear g = linear(part, picks, loc, l);
  const Array front = is_identity(g.perm) ? part : transpose(part, g.perm, l);
  const Array flat = reshape(front, g.flat, l);
  const Array position = broadcast_to(g.position, Shape(index_shape.begin(), index_shape.end()), l);
  const Array r = take(flat, position, 0, l);
  const std::vector<int> perm =
      placement(picks, index_shape.rank(), static_cast<int>(g.flat.size()) - 1);
  return is_identity(perm) ? r : transpose(r, perm, l);
}

// `part` with `values` (the gathered shape, a's dtype) written at its picks: Scatter (the last
// of repeated positions wins), ScatterAdd, or ScatterApply with `combine`.
Array scatter_into(const Array& part, const Picks& picks, const Array& values, graph::Op op,
                   graph::Op combine, SourceLoc loc, const std::source_location& l) {
  auto scatter_along = [&](const Array& into, const Array& at, const Array& v, int axis) {
    const Operand vo(v, l);
    if (op == graph::Op::Scatter) return scatter(into, at, vo, axis);
    if (op == graph::Op::ScatterAdd) return scatter_add(into, at, vo, axis);
    return scatter_apply(combine, into, at, v, axis);
  };
  if (picks.size() == 1) return scatter_along(part, picks[0].indices, values, picks[0].axis);
  const Dims index_shape = broadcast_picks(picks, loc);
  Linear g = linear(part, picks, loc, l);
  const Array front = is_identity(g.perm) ? part : transpose(part, g.perm, l);
  const Array flat = reshape(front, g.flat, l);
  // The values in (index dims, other axes) order, the index dims flattened to one.
  const std::vector<int> perm =
      placement(picks, index_shape.rank(), static_cast<int>(g.flat.size()) - 1);
  const Array ordered = is_identity(perm) ? values : transpose(values, inverse(perm), l);
  Shape rows{index_shape.size()};
  for (size_t d = 1; d < g.flat.size(); ++d) rows.push_back(g.flat[d]);
  const Array position =
      reshape(broadcast_to(g.position, Shape(index_shape.begin(), index_shape.end()), l),
              Shape{index_shape.size()}, l);
  const Array written = scatter_along(flat, position, reshape(ordered, rows, l), 0);
  const Array back = reshape(written, g.front, l);
  return is_identity(g.perm) ? back : transpose(back, inverse(g.perm), l);
}

// a[mask] = v or a[mask] op= v with v independent of which elements are true (it broadcasts
// over the axes after the mask's): where(mask, new value, a), lazily. Empty when not so.
Array masked_update(const Array& a, const Lowered& low, Combine how, const Operand& value,
                    SourceLoc loc, const std::source_location& l) {
  if (low.picks.size() != 1 || !low.picks[0].mask || low.picks[0].covers == 0 ||
      !low.only_whole_slices)
    return Array();
  const Pick& p = low.picks[0];
  const Dims& shape = a.node()->shape;
  const int after = shape.rank() - p.array_axis - p.covers;
  if (value.is_array()) {  // numpy drops the value's leading extent-1 axes, then broadcasts
    const Dims& vs = node_of(value.array(), name_of(how), loc)->shape;
    int first = 0;
    while (first < vs.rank() && vs[first] == 1) ++first;
    if (vs.rank() - first > after) return Array();
    for (int d = 1; d <= vs.rank() - first; ++d) {
      const int64_t e = vs[vs.rank() - d];
      if (e != 1 && e != shape[shape.rank() - d]) return Array();
    }
  }
  const Array v = assigned_value(a, shape, how == Combine::set ? Array() : a, how, value, loc);
  Shape spread(static_cast<size_t>(p.array_axis), 1);
  for (int64_t e : p.indices.shape()) spread.push_back(e);
  spread.resize(static_cast<size_t>(shape.rank()), 1);
  return where(Operand(reshape(p.indices, spread, l), l), Operand(v, l), Operand(a, l));
}

// The dtype checks of `a (how) value` for numpy's ufunc.at, and the values to scatter.
Array accumulated_values(const Array& a, const Dims& window, Combine how, const Operand& value,
                         graph::Op& op, graph::Op& combine, SourceLoc loc) {
  const Array probe =
      constant(Scalar::of(int64_t{0}), a.dtype(), Dims{}, name_of(how), loc, a.node()->device);
  const DType result = combined(probe, how, value).dtype();  // numpy's errors for the pair
  if (result != a.dtype() && !graph::can_cast_same_kind(result, a.dtype()))
    graph::throw_error(name_of(how),
                       "cannot cast the result from " + std::string(dtype_name(result)) + " to " +
                           std::string(dtype_name(a.dtype())) +
                           ", the array's dtype, in place (numpy's same_kind rule)",
                       loc);
  Array v = assigned_value(a, window, Array(), Combine::set, value, loc);
  switch (how) {
    case Combine::add:
      op = graph::Op::ScatterAdd;
      break;
    case Combine::subtract:  // a - v1 - v2 is a + (-v1) + (-v2) exactly
      op = graph::Op::ScatterAdd;
      v = negative(Operand(v, value.loc()));
      break;
    case Combine::multiply:
      combine = graph::Op::Multiply;
      break;
    case Combine::divide:
      combine = graph::Op::Divide;
      break;
    case Combine::minimum:
      combine = graph::Op::Minimum;
      break;
    case Combine::maximum:
      combine = graph::Op::Maximum;
      break;
    default:
      graph::throw_error(name_of(how), "kiln::at has no accumulating form of this operation", loc);
  }
  return v;
}

}  // namespace

bool has_array_entry(const Indices& index) {
  for (const Index& e : index.entries())
    if (e.kind() == Index::Kind::array) return true;
  return false;
}

Array advanced_get(const Array& a, const Indices& index) {
  const SourceLoc loc = to_loc(index.loc());
  const graph::Node* n = node_of(a, kIndex, loc);
  Lowered low = lower(n->shape, index, n->device);
  const Array part = resolve_masks(a[Indices(low.basic, index.loc())], low.picks, index.loc());
  check_when_empty(part.node()->shape, low.picks, loc);
  return gather(part, low.picks, loc, index.loc());
}

Array advanced_updated(const Array& a, const Indices& index, Combine how, const Operand& value,
                       bool accumulate) {
  const SourceLoc loc = to_loc(value.loc());
  const std::source_location& l = value.loc();
  const graph::Node* n = node_of(a, name_of(how), loc);
  Lowered low = lower(n->shape, index, n->device);
  // (A mask picks each position once, so accumulating changes nothing.)
  const Array masked = masked_update(a, low, how, value, loc, l);
  if (masked.valid()) return masked;
  const Indices basic(low.basic, index.loc());
  const Array part = a[basic];
  const Array merged = resolve_masks(part, low.picks, l);
  const Dims window = gathered_shape(merged.node()->shape, low.picks, loc);
  check_when_empty(merged.node()->shape, low.picks, loc);
  graph::Op op = graph::Op::Scatter, combine = graph::Op::Add;
  Array v;
  if (accumulate && how != Combine::set) {
    op = graph::Op::ScatterApply;
    v = accumulated_values(a, window, how, value, op, combine, loc);
  } else {
    v = assigned_value(a, window, how == Combine::set ? Array() : gather(merged, low.picks, loc, l),
                       how, value, loc);
  }
  Array written = scatter_into(merged, low.picks, v, op, combine, loc, l);
  if (written.node()->shape != part.node()->shape) written = reshape(written, part.shape(), l);
  return updated(a, std::span<const Indices>(&basic, 1), Combine::set, Operand(written, l));
}

}  // namespace detail

}  // namespace kiln
