// numpy's set routines and orderings, built on kiln's sort, searchsorted and unique: isin in1d
// union1d intersect1d setdiff1d setxor1d (those returning values of a data-dependent count are
// syncs, as unique is), lexsort, sort_complex, trim_zeros.
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "graph/types.hpp"
#include "kiln/creation.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/gather.hpp"
#include "kiln/select.hpp"
#include "kiln/shape.hpp"
#include "kiln/sorting.hpp"

namespace kiln {

using detail::to_loc;
using graph::SourceLoc;

namespace {

// Whether each element of the flattened `a` equals some element of `b`, by a binary search of
// b sorted (nan equals nothing, as numpy's ==).
Array contained(const Array& a, const Array& b, const std::source_location& l) {
  const DType t = promote_types(a.dtype(), b.dtype());
  const Array x = flatten(a, l).astype(t, l);
  if (b.size() == 0) return zeros_like(x, bool_, l);
  const Array sorted = sort(flatten(b, l).astype(t, l), -1, l);
  const int64_t n = sorted.size();
  const Array at = clip(Operand(searchsorted(sorted, x, Side::left, l), l), 0, n - 1);
  return equal(Operand(take(sorted, at, 0, l), l), Operand(x, l));
}

}  // namespace

Array in1d(const Array& a, const Array& b, bool invert, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "in1d", loc);
  detail::node_of(b, "in1d", loc);
  const Array r = contained(a, b, l);
  return invert ? logical_not(Operand(r, l)) : r;
}

Array isin(const Array& element, const Array& test_elements, bool invert, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(element, "isin", loc);
  detail::node_of(test_elements, "isin", loc);
  const Array r = contained(element, test_elements, l);
  return reshape(invert ? logical_not(Operand(r, l)) : r, element.shape(), l);
}

Array union1d(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "union1d", loc);
  detail::node_of(b, "union1d", loc);
  return unique(concatenate({flatten(a, l), flatten(b, l)}, 0, l), l);
}

Array intersect1d(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "intersect1d", loc);
  detail::node_of(b, "intersect1d", loc);
  // numpy's: the unique values of both, sorted together; a value twice in a row is in both.
  const Array aux = sort(concatenate({unique(a, l), unique(b, l)}, 0, l), -1, l);
  if (aux.size() < 2) return aux[{slice(0, 0)}];
  const Array head = aux[{slice(none, -1)}], tail = aux[{slice(1, none)}];
  return compress(equal(Operand(tail, l), Operand(head, l)), head, l);
}

Array setdiff1d(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "setdiff1d", loc);
  detail::node_of(b, "setdiff1d", loc);
  const Array u = unique(a, l);
  return compress(logical_not(Operand(contained(u, b, l), l)), u, l);
}

Array setxor1d(const Array& a, const Array& b, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "setxor1d", loc);
  detail::node_of(b, "setxor1d", loc);
  // numpy's: the unique values of both, sorted together; those unequal to both neighbours.
  const Array aux = sort(concatenate({unique(a, l), unique(b, l)}, 0, l), -1, l);
  if (aux.size() == 0) return aux;
  const Array yes = full({1}, true, bool_, l);
  const Array differs = aux.size() > 1 ? not_equal(Operand(aux[{slice(1, none)}], l),
                                                   Operand(aux[{slice(none, -1)}], l))
                                       : zeros({0}, bool_, l);
  const Array flag = concatenate({yes, differs, yes}, 0, l);
  const Array keep =
      logical_and(Operand(flag[{slice(1, none)}], l), Operand(flag[{slice(none, -1)}], l));
  return compress(keep, aux, l);
}

Array lexsort(const std::vector<Array>& keys, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  if (keys.empty()) graph::throw_error("lexsort", "needs at least one key", loc);
  const int64_t n = keys.front().size();
  for (const Array& k : keys) {
    detail::node_of(k, "lexsort", loc);
    if (k.ndim() != 1)
      graph::throw_error("lexsort",
                         "takes 1-d keys (a key has shape " + graph::shape_string(k.shape()) + ")",
                         loc);
    if (k.size() != n) graph::throw_error("lexsort", "all keys need the same shape", loc);
  }
  // The last key sorts first: stable sorts by each key from the first to the last.
  Array order = arange(0, n, 1, int64, l);
  for (const Array& k : keys) order = take(order, argsort(take(k, order, 0, l), -1, l), 0, l);
  return order;
}

Array sort_complex(const Array& a, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(a, "sort_complex", loc);
  const DType t = a.dtype();
  // numpy's: complex input keeps its dtype; 8- and 16-bit integers give complex64, the rest
  // complex128.
  const DType out = is_complex(t)                                            ? t
                    : (t == int8 || t == int16 || t == uint8 || t == uint16) ? complex64
                                                                             : complex128;
  return sort(a, -1, l).astype(out, l);
}

Array trim_zeros(const Array& filt, std::string_view trim, std::source_location l) {
  const SourceLoc loc = to_loc(l);
  detail::node_of(filt, "trim_zeros", loc);
  if (filt.ndim() != 1)
    graph::throw_error(
        "trim_zeros",
        "takes a 1-d array (this one has shape " + graph::shape_string(filt.shape()) + ")", loc);
  const bool front = trim.find_first_of("fF") != std::string_view::npos;
  const bool back = trim.find_first_of("bB") != std::string_view::npos;
  // Where the first and last nonzero elements are: a sync (the result's length depends on them).
  const Array nz = flatnonzero(not_equal(Operand(filt, l), 0), l);
  if (nz.size() == 0) return filt[{slice(0, 0)}];
  const int64_t first = front ? nz.item<int64_t>(0, l) : 0;
  const int64_t last = back ? nz.item<int64_t>(nz.size() - 1, l) + 1 : filt.size();
  return filt[{slice(first, last)}];
}

}  // namespace kiln
