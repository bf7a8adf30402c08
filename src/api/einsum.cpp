// kiln/einsum.hpp. The subscripts are parsed into integer labels (letters, then one label per
// ellipsis axis), the greedy path is computed exactly as numpy's einsum_path computes it (same
// sort keys, same tie-breaking, same memory limit), and each step of the path is lowered to
// kiln operations: a pair of operands that shares summed labels is a matmul of two reshaped
// views, anything else a broadcast product summed over the labels no longer needed, which
// kiln fuses into one kernel without storing the product.
#include "kiln/einsum.hpp"

#include <algorithm>
#include <bitset>
#include <string>
#include <vector>

#include "api/apply.hpp"
#include "kiln/elementwise.hpp"
#include "kiln/linalg.hpp"
#include "kiln/manipulation.hpp"
#include "kiln/reductions.hpp"
#include "kiln/shape.hpp"

namespace kiln {

using detail::to_loc;
using graph::SourceLoc;

namespace {

constexpr int kLetters = 52;  // A-Z as 0-25 and a-z as 26-51: numpy's (ASCII) order
constexpr int kMaxLabels = kLetters + graph::kMaxDims;
using LabelSet = std::bitset<kMaxLabels>;
using Labels = std::vector<int>;

// Below this many multiply-adds per batch element, a contraction with batch labels is one
// fused kernel rather than a stack of small BLAS calls.
constexpr double kMinBatchedMatmulWork = 4096;

[[noreturn]] void fail(const std::string& message, SourceLoc loc) {
  graph::throw_error("einsum", message, loc);
}

std::string label_name(int id) {
  if (id >= kLetters) return "of the ellipsis";
  return std::string("'") + static_cast<char>(id < 26 ? 'A' + id : 'a' + (id - 26)) + "'";
}

// Labels from letters; anything else is numpy's "not a valid symbol".
Labels letters(std::string_view s, SourceLoc loc) {
  Labels out;
  for (const char c : s) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(c - 'A');
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(26 + (c - 'a'));
    } else {
      fail(std::string("character '") + c + "' is not a valid subscript (letters a-z, A-Z)", loc);
    }
  }
  return out;
}

// A term's letters before and after its ellipsis, if it has one.
struct Term {
  Labels before, after;
  bool ellipsis = false;
};

Term parse_term(std::string_view t, SourceLoc loc) {
  Term r;
  const auto dots = std::count(t.begin(), t.end(), '.');
  if (dots == 0) {
    r.before = letters(t, loc);
    return r;
  }
  const size_t at = t.find("...");
  if (dots != 3 || at == std::string_view::npos)
    fail("invalid ellipsis in '" + std::string(t) + "' (an ellipsis is exactly '...')", loc);
  r.ellipsis = true;
  r.before = letters(t.substr(0, at), loc);
  r.after = letters(t.substr(at + 3), loc);
  return r;
}

// The parsed subscripts: every operand's label at each axis, the output's labels, and each
// label's extent (numpy's broadcasting of extent 1 applied).
struct Spec {
  std::vector<Labels> inputs;
  Labels output;
  std::vector<int64_t> extent = std::vector<int64_t>(kMaxLabels, 1);
};

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == ',') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

Spec parse(std::string_view subscripts, const std::vector<Array>& operands, SourceLoc loc) {
  std::string s;
  for (const char c : subscripts)
    if (c != ' ') s += c;
  const size_t arrow = s.find("->");
  const auto dashes = std::count(s.begin(), s.end(), '-');
  const auto angles = std::count(s.begin(), s.end(), '>');
  if (dashes > 1 || angles > 1 || ((dashes || angles) && arrow == std::string::npos))
    fail("subscripts can only contain one '->', got '" + s + "'", loc);
  const std::string_view lhs = std::string_view(s).substr(0, arrow);
  const std::vector<std::string_view> terms = split_commas(lhs);
  if (operands.empty()) fail("at least one operand is needed", loc);
  if (terms.size() != operands.size())
    fail("the subscripts '" + std::string(lhs) + "' name " + std::to_string(terms.size()) +
             " operand(s), " + std::to_string(operands.size()) + " given",
         loc);

  std::vector<Term> parsed;
  int ellipsis_rank = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    parsed.push_back(parse_term(terms[i], loc));
    const Term& t = parsed.back();
    const int rank = detail::node_of(operands[i], "einsum", loc)->shape.rank();
    const int named = static_cast<int>(t.before.size() + t.after.size());
    if (t.ellipsis ? named > rank : named != rank)
      fail("the subscripts '" + std::string(terms[i]) + "' do not fit operand " +
               std::to_string(i) + " of shape " + graph::to_string(operands[i].node()->shape),
           loc);
    if (t.ellipsis) ellipsis_rank = std::max(ellipsis_rank, rank - named);
  }

  Spec spec;
  std::vector<bool> seen(kMaxLabels, false);
  std::vector<int> uses(kMaxLabels, 0);
  for (size_t i = 0; i < parsed.size(); ++i) {
    const Term& t = parsed[i];
    const graph::Dims& shape = operands[i].node()->shape;
    Labels labels = t.before;
    const int hidden = shape.rank() - static_cast<int>(t.before.size() + t.after.size());
    for (int k = 0; k < hidden; ++k) labels.push_back(kLetters + ellipsis_rank - hidden + k);
    labels.insert(labels.end(), t.after.begin(), t.after.end());
    for (int axis = 0; axis < shape.rank(); ++axis) {
      const int l = labels[axis];
      const int64_t d = shape[axis];
      for (int prior = 0; prior < axis; ++prior)
        if (labels[prior] == l && shape[prior] != d)
          fail("label " + label_name(l) + " is repeated in operand " + std::to_string(i) +
                   " with different extents (" + std::to_string(shape[prior]) +
                   " != " + std::to_string(d) + ")",
               loc);
      if (!seen[l] || spec.extent[l] == 1) {
        spec.extent[l] = d;
      } else if (d != 1 && d != spec.extent[l]) {
        fail("label " + label_name(l) + " has extent " + std::to_string(d) + " in operand " +
                 std::to_string(i) + " but " + std::to_string(spec.extent[l]) +
                 " in an earlier one",
             loc);
      }
      seen[l] = true;
    }
    for (const int l : labels) ++uses[l];
    spec.inputs.push_back(std::move(labels));
  }

  if (arrow == std::string::npos) {  // implicit: the ellipsis, then the labels used once
    for (int k = 0; k < ellipsis_rank; ++k) spec.output.push_back(kLetters + k);
    for (int l = 0; l < kLetters; ++l)
      if (uses[l] == 1) spec.output.push_back(l);
    return spec;
  }
  const Term out = parse_term(std::string_view(s).substr(arrow + 2), loc);
  spec.output = out.before;
  if (out.ellipsis)
    for (int k = 0; k < ellipsis_rank; ++k) spec.output.push_back(kLetters + k);
  spec.output.insert(spec.output.end(), out.after.begin(), out.after.end());
  LabelSet placed;
  for (const int l : spec.output) {
    if (l < kLetters && !seen[l])
      fail("output subscript " + label_name(l) + " does not appear in the inputs", loc);
    if (placed[l]) fail("output subscript " + label_name(l) + " appears more than once", loc);
    placed[l] = true;
  }
  return spec;
}

LabelSet set_of(const Labels& labels) {
  LabelSet s;
  for (const int l : labels) s[l] = true;
  return s;
}

double size_of(const LabelSet& s, const Spec& spec) {
  double n = 1;
  for (int l = 0; l < kMaxLabels; ++l)
    if (s[l]) n *= static_cast<double>(spec.extent[l]);
  return n;
}

// numpy's _flop_count.
double flops(const LabelSet& labels, bool inner, size_t terms, const Spec& spec) {
  double factor = std::max<double>(1, static_cast<double>(terms) - 1);
  if (inner) factor += 1;
  return size_of(labels, spec) * factor;
}

// numpy's _find_contraction: the result of contracting `positions` of `sets`.
struct Contraction {
  LabelSet result, removed, involved;
  std::vector<LabelSet> remaining;  // the other sets, then the result
};

Contraction find_contraction(const std::vector<int>& positions, const std::vector<LabelSet>& sets,
                             const LabelSet& output) {
  Contraction c;
  LabelSet still_needed = output;
  for (size_t i = 0; i < sets.size(); ++i) {
    if (std::find(positions.begin(), positions.end(), static_cast<int>(i)) != positions.end()) {
      c.involved |= sets[i];
    } else {
      c.remaining.push_back(sets[i]);
      still_needed |= sets[i];
    }
  }
  c.result = still_needed & c.involved;
  c.removed = c.involved & ~c.result;
  c.remaining.push_back(c.result);
  return c;
}

// A possible pairwise contraction of numpy's greedy search, with its sort key.
struct Candidate {
  double neg_removed_size, cost;
  int x, y;
  std::vector<LabelSet> sets;
  bool before(const Candidate& o) const {
    return neg_removed_size != o.neg_removed_size ? neg_removed_size < o.neg_removed_size
                                                  : cost < o.cost;
  }
};

// numpy's _parse_possible_contraction.
bool consider(int x, int y, const std::vector<LabelSet>& sets, const LabelSet& output,
              const Spec& spec, double memory_limit, double path_cost, double naive_cost,
              std::vector<Candidate>& known) {
  Contraction c = find_contraction({x, y}, sets, output);
  const double new_size = size_of(c.result, spec);
  if (new_size > memory_limit) return false;
  const double removed = size_of(sets[x], spec) + size_of(sets[y], spec) - new_size;
  const double cost = flops(c.involved, c.removed.any(), 2, spec);
  if (path_cost + cost > naive_cost) return false;
  known.push_back({-removed, cost, x, y, std::move(c.remaining)});
  return true;
}

// numpy's _greedy_path, step for step (its tie-breaking included, so that the paths agree).
std::vector<std::vector<int>> greedy_path(std::vector<LabelSet> sets, const LabelSet& output,
                                          const Spec& spec, double memory_limit) {
  const int n = static_cast<int>(sets.size());
  std::vector<int> all(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i;
  const Contraction whole = find_contraction(all, sets, output);
  const double naive_cost = flops(whole.involved, whole.removed.any(), sets.size(), spec);
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) pairs.emplace_back(i, j);
  std::vector<Candidate> known;
  std::vector<std::vector<int>> path;
  double path_cost = 0;
  for (int iteration = 0; iteration < n - 1; ++iteration) {
    for (const auto& [x, y] : pairs)
      if ((sets[x] & sets[y]).any())
        consider(x, y, sets, output, spec, memory_limit, path_cost, naive_cost, known);
    if (known.empty()) {  // outer products after all
      const int m = static_cast<int>(sets.size());
      for (int i = 0; i < m; ++i)
        for (int j = i + 1; j < m; ++j)
          consider(i, j, sets, output, spec, memory_limit, path_cost, naive_cost, known);
      if (known.empty()) {  // one contraction of everything left
        std::vector<int> rest(sets.size());
        for (size_t i = 0; i < rest.size(); ++i) rest[i] = static_cast<int>(i);
        path.push_back(rest);
        break;
      }
    }
    Candidate best = known.front();
    for (const Candidate& c : known)
      if (c.before(best)) best = c;
    // numpy's _update_other_results: the other candidates, renumbered after this step.
    std::vector<Candidate> kept;
    const int bx = best.x, by = best.y;
    for (Candidate& c : known) {
      if (c.x == bx || c.x == by || c.y == bx || c.y == by) continue;
      c.sets.erase(c.sets.begin() + (by - (by > c.x) - (by > c.y)));
      c.sets.erase(c.sets.begin() + (bx - (bx > c.x) - (bx > c.y)));
      c.sets.insert(c.sets.end() - 1, best.sets.back());
      c.x = c.x - (c.x > bx) - (c.x > by);
      c.y = c.y - (c.y > bx) - (c.y > by);
      kept.push_back(std::move(c));
    }
    known = std::move(kept);
    sets = best.sets;
    const int newest = static_cast<int>(sets.size()) - 1;
    pairs.clear();
    for (int i = 0; i < newest; ++i) pairs.emplace_back(i, newest);
    path.push_back({bx, by});
    path_cost += best.cost;
  }
  return path;
}

EinsumPath plan(const Spec& spec) {
  std::vector<LabelSet> sets;
  LabelSet every;
  double memory_limit = size_of(set_of(spec.output), spec);
  size_t labelled = 0;
  for (const Labels& in : spec.inputs) {
    sets.push_back(set_of(in));
    every |= sets.back();
    labelled += sets.back().count();
    double term_size = 1;  // a repeated label counts twice, as in numpy
    for (const int l : in) term_size *= static_cast<double>(spec.extent[l]);
    memory_limit = std::max(memory_limit, term_size);
  }
  const LabelSet output = set_of(spec.output);
  EinsumPath r;
  r.naive_flops = flops(every, labelled > every.count(), sets.size(), spec);
  if (sets.size() <= 2 || every == output) {
    std::vector<int> all(sets.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    r.path = {all};
  } else {
    r.path = greedy_path(sets, output, spec, memory_limit);
  }
  double cost = 0;
  for (const std::vector<int>& step : r.path) {
    std::vector<int> positions = step;
    std::sort(positions.rbegin(), positions.rend());
    const Contraction c = find_contraction(positions, sets, output);
    cost += flops(c.involved, c.removed.any(), positions.size(), spec);
    r.largest_intermediate = std::max(r.largest_intermediate, size_of(c.result, spec));
    sets = c.remaining;
  }
  r.optimized_flops = cost + 1;
  return r;
}

// An operand with one label per axis, no label repeated.
struct Tensor {
  Array a;
  Labels labels;
};

int position(const Labels& labels, int l) {
  return static_cast<int>(std::find(labels.begin(), labels.end(), l) - labels.begin());
}

bool contains(const Labels& labels, int l) {
  return std::find(labels.begin(), labels.end(), l) != labels.end();
}

// `t` summed over the labels in `drop`, kept in dtype `type` (numpy's einsum sums in it).
Tensor summed(const Tensor& t, const LabelSet& drop, DType type, std::source_location l) {
  std::vector<int> axes;
  Tensor r;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    if (drop[t.labels[i]])
      axes.push_back(static_cast<int>(i));
    else
      r.labels.push_back(t.labels[i]);
  }
  if (axes.empty()) return t;
  r.a = sum(t.a, axes, false, l);
  if (r.a.dtype() != type) r.a = r.a.astype(type, l);
  return r;
}

// Each repeated label of an operand replaced by one axis: the diagonal.
Tensor diagonals(Tensor t, std::source_location l) {
  for (size_t i = 0; i < t.labels.size(); ++i)
    for (size_t j = i + 1; j < t.labels.size(); ++j)
      if (t.labels[i] == t.labels[j]) {
        const int label = t.labels[i];
        t.a = diagonal(t.a, 0, static_cast<int>(i), static_cast<int>(j), l);
        t.labels.erase(t.labels.begin() + static_cast<std::ptrdiff_t>(j));
        t.labels.erase(t.labels.begin() + static_cast<std::ptrdiff_t>(i));
        t.labels.push_back(label);
        return diagonals(std::move(t), l);
      }
  return t;
}

Array permuted(const Array& a, const std::vector<int>& axes, std::source_location l) {
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != static_cast<int>(i)) return transpose(a, axes, l);
  return a;
}

Array reshaped(const Array& a, const Shape& shape, std::source_location l) {
  return a.shape() == shape ? a : reshape(a, shape, l);
}

// `t` as a 3-group matrix stack: the batch labels, then `rows`, then `cols` flattened, as a view
// with the last two axes swapped when that is how the operand lies in memory (matmul passes it
// to the BLAS as a transpose).
Array as_matrices(const Tensor& t, const Labels& batch, const Labels& rows, const Labels& cols,
                  std::source_location l) {
  std::vector<int> straight, swapped;
  Shape shape;
  for (const int b : batch) {
    straight.push_back(position(t.labels, b));
    shape.push_back(t.a.shape()[static_cast<size_t>(position(t.labels, b))]);
  }
  swapped = straight;
  int64_t nrows = 1, ncols = 1;
  for (const int r : rows) {
    straight.push_back(position(t.labels, r));
    nrows *= t.a.shape()[static_cast<size_t>(position(t.labels, r))];
  }
  for (const int c : cols) {
    swapped.push_back(position(t.labels, c));
    ncols *= t.a.shape()[static_cast<size_t>(position(t.labels, c))];
  }
  for (const int r : rows) swapped.push_back(position(t.labels, r));
  for (const int c : cols) straight.push_back(position(t.labels, c));
  auto identity = [](const std::vector<int>& p) {
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i] != static_cast<int>(i)) return false;
    return true;
  };
  if (identity(swapped) && !identity(straight)) {
    Shape s = shape;
    s.push_back(ncols);
    s.push_back(nrows);
    return swapaxes(reshaped(t.a, s, l), -1, -2, l);
  }
  shape.push_back(nrows);
  shape.push_back(ncols);
  return reshaped(permuted(t.a, straight, l), shape, l);
}

// Two operands sharing summed labels: one matmul (a stack of them over the shared labels kept).
Tensor matmul_pair(const Tensor& x, const Tensor& y, const LabelSet& keep, std::source_location l) {
  Labels batch, summed_labels, left, right;
  for (const int label : x.labels) {
    if (!contains(y.labels, label))
      left.push_back(label);
    else if (keep[label])
      batch.push_back(label);
    else
      summed_labels.push_back(label);
  }
  for (const int label : y.labels)
    if (!contains(x.labels, label)) right.push_back(label);
  const Array product = matmul(as_matrices(x, batch, left, summed_labels, l),
                               as_matrices(y, batch, summed_labels, right, l), l);
  Tensor r;
  Shape shape;
  for (const Labels* group : {&batch, &left}) {
    for (const int label : *group) {
      r.labels.push_back(label);
      shape.push_back(x.a.shape()[static_cast<size_t>(position(x.labels, label))]);
    }
  }
  for (const int label : right) {
    r.labels.push_back(label);
    shape.push_back(y.a.shape()[static_cast<size_t>(position(y.labels, label))]);
  }
  r.a = reshaped(product, shape, l);
  return r;
}

// Whether contracting x and y through matmul pays: they share summed labels with equal extents
// (a broadcast extent 1 is left to the fused kernel), and with batch labels each matrix
// product is large enough to beat one fused kernel.
bool worth_a_matmul(const Tensor& x, const Tensor& y, const LabelSet& keep) {
  bool contracts = false, batched = false;
  double work = 1;
  for (size_t i = 0; i < x.labels.size(); ++i) {
    const int label = x.labels[i];
    const int64_t ex = x.a.shape()[i];
    if (!contains(y.labels, label)) {
      work *= static_cast<double>(ex);
      continue;
    }
    if (y.a.shape()[static_cast<size_t>(position(y.labels, label))] != ex) return false;
    if (keep[label]) {
      batched = true;
    } else {
      contracts = true;
      work *= static_cast<double>(ex);
    }
  }
  for (size_t i = 0; i < y.labels.size(); ++i)
    if (!contains(x.labels, y.labels[i])) work *= static_cast<double>(y.a.shape()[i]);
  return contracts && (!batched || work >= kMinBatchedMatmulWork);
}

// The terms multiplied with broadcasting and summed over the labels not kept: one fused kernel.
Tensor fused_product(const std::vector<Tensor>& terms, const LabelSet& keep, DType type,
                     std::source_location l) {
  Labels order;
  for (const Tensor& t : terms)
    for (const int label : t.labels)
      if (!contains(order, label)) order.push_back(label);
  Tensor r{Array(), order};
  for (const Tensor& t : terms) {
    std::vector<int> axes;  // t's axes in `order`'s order
    for (const int label : order)
      if (contains(t.labels, label)) axes.push_back(position(t.labels, label));
    Array a = permuted(t.a, axes, l);
    std::vector<int> missing;
    for (size_t i = 0; i < order.size(); ++i)
      if (!contains(t.labels, order[i])) missing.push_back(static_cast<int>(i));
    if (!missing.empty()) a = expand_dims(a, missing, l);
    r.a = r.a.valid() ? multiply(Operand(r.a, l), Operand(a, l)) : a;
  }
  return summed(r, ~keep, type, l);
}

// One step of the path: `terms` contracted into one tensor over the labels in `keep`.
Tensor contract(std::vector<Tensor> terms, const LabelSet& keep, DType type,
                std::source_location l) {
  for (size_t i = 0; i < terms.size(); ++i) {
    LabelSet elsewhere = keep;  // labels this term alone has and nothing needs: summed first
    for (size_t j = 0; j < terms.size(); ++j)
      if (j != i) elsewhere |= set_of(terms[j].labels);
    terms[i] = summed(terms[i], ~elsewhere, type, l);
  }
  if (terms.size() == 2 && worth_a_matmul(terms[0], terms[1], keep))
    return matmul_pair(terms[0], terms[1], keep, l);
  return fused_product(terms, keep, type, l);
}

}  // namespace

EinsumPath einsum_path(std::string_view subscripts, const std::vector<Array>& operands,
                       std::source_location l) {
  return plan(parse(subscripts, operands, to_loc(l)));
}

Array einsum(std::string_view subscripts, const std::vector<Array>& operands,
             std::source_location l) {
  const SourceLoc loc = to_loc(l);
  const Spec spec = parse(subscripts, operands, loc);
  DType type = operands.front().dtype();
  for (const Array& a : operands) type = promote_types(type, a.dtype());
  std::vector<Tensor> pending;
  for (size_t i = 0; i < operands.size(); ++i) {
    Array a = operands[i].dtype() == type ? operands[i] : operands[i].astype(type, l);
    pending.push_back(diagonals({a, spec.inputs[i]}, l));
  }
  const LabelSet output = set_of(spec.output);
  for (const std::vector<int>& step : plan(spec).path) {
    std::vector<int> positions = step;
    std::sort(positions.rbegin(), positions.rend());
    std::vector<Tensor> terms;
    for (const int p : positions) {
      terms.push_back(std::move(pending[static_cast<size_t>(p)]));
      pending.erase(pending.begin() + p);
    }
    LabelSet keep = output;
    for (const Tensor& t : pending) keep |= set_of(t.labels);
    pending.push_back(contract(std::move(terms), keep, type, l));
  }
  const Tensor& result = pending.back();
  std::vector<int> axes;
  for (const int label : spec.output) axes.push_back(position(result.labels, label));
  return permuted(result.a, axes, l);
}

}  // namespace kiln
