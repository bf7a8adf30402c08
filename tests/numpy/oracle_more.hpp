// The oracle's kiln side of kiln/placement.hpp and src/api/numeric_functions.cpp
// (tests/numpy/oracle_more.py is numpy's): the in-place functions run on a copy of the first
// argument, which is the result.
#pragma once

#include <functional>

#include "numpy/oracle.hpp"

namespace oracle {

inline bool build_more(const Case& c, kiln::Array& r) {
  const std::string& f = c.fn;
  auto array = [&](size_t i) { return c.args[i].array; };
  auto integer = [&](size_t i) { return c.args[i].scalar.i; };
  auto none = [&](size_t i) { return c.args[i].kind == Arg::Kind::axes && c.args[i].all_axes; };
  auto axis = [&](size_t i) {
    return none(i) ? std::nullopt : std::optional<int>(static_cast<int>(integer(i)));
  };
  static const kiln::IndexMode modes[] = {kiln::IndexMode::raise, kiln::IndexMode::wrap,
                                          kiln::IndexMode::clip};
  static const char* castings[] = {"no", "equiv", "safe", "same_kind", "unsafe"};
  if (f == "insert" || f == "delete") {  // a, index or indices (a shape), [values], axis
    const bool several = c.args[1].kind == Arg::Kind::shape;
    const std::vector<int64_t> at(c.args[1].shape.begin(), c.args[1].shape.end());
    if (f == "insert")
      r = several ? kiln::insert(array(0), at, operand(c.args[2]), axis(3))
                  : kiln::insert(array(0), integer(1), operand(c.args[2]), axis(3));
    else
      r = several ? kiln::delete_(array(0), at, axis(2))
                  : kiln::delete_(array(0), integer(1), axis(2));
  } else if (f == "choose") {  // a, choices..., mode
    std::vector<kiln::Array> choices;
    for (size_t i = 1; i + 1 < c.args.size(); ++i) choices.push_back(array(i));
    r = kiln::choose(array(0), choices, modes[integer(c.args.size() - 1)]);
  } else if (f == "put" || f == "put_along_axis" || f == "putmask" || f == "place" ||
             f == "copyto" || f == "fill_diagonal") {
    r = array(0);
    if (f == "put") kiln::put(r, array(1), operand(c.args[2]), modes[integer(3)]);
    if (f == "put_along_axis")
      kiln::put_along_axis(r, array(1), operand(c.args[2]), static_cast<int>(integer(3)));
    if (f == "putmask") kiln::putmask(r, array(1), operand(c.args[2]));
    if (f == "place") kiln::place(r, array(1), operand(c.args[2]));
    if (f == "copyto")
      kiln::copyto(r, operand(c.args[1]), castings[integer(2)],
                   none(3) ? std::nullopt : std::optional<kiln::Array>(array(3)));
    if (f == "fill_diagonal") kiln::fill_diagonal(r, operand(c.args[1]), integer(2) != 0);
  } else if (f == "gcd" || f == "lcm" || f == "nextafter") {
    const kiln::Operand a = operand(c.args[0]), b = operand(c.args[1]);
    r = f == "gcd" ? kiln::gcd(a, b) : f == "lcm" ? kiln::lcm(a, b) : kiln::nextafter(a, b);
  } else if (f == "spacing") {
    r = kiln::spacing(operand(c.args[0]));
  } else if (f == "frexp") {  // stacked as float64
    const auto [m, e] = kiln::frexp(operand(c.args[0]));
    r = kiln::stack({m.astype(kiln::float64), e.astype(kiln::float64)});
  } else if (f == "packbits" || f == "unpackbits") {  // a, axis, [count (-99: None)], order
    const std::optional<int> ax = none(1) ? std::nullopt : std::optional<int>(integer(1));
    static const char* orders[] = {"big", "little"};
    if (f == "packbits") {
      r = kiln::packbits(array(0), ax, orders[integer(2)]);
    } else {
      std::optional<int64_t> count;
      if (integer(2) != -99) count = integer(2);
      r = kiln::unpackbits(array(0), ax, count, orders[integer(3)]);
    }
  } else if (f == "real_if_close") {
    r = kiln::real_if_close(array(0), c.args[1].scalar.f);
  } else if (f == "full_like") {
    r = kiln::full_like(array(0), c.args[1].scalar.f, c.args[2].dtype);
  } else if (f == "histogram_bin_edges") {  // a, bins, has range, lo, hi
    std::optional<std::pair<double, double>> range;
    if (integer(2)) range = std::pair{c.args[3].scalar.f, c.args[4].scalar.f};
    r = kiln::histogram_bin_edges(array(0), integer(1), range);
  } else if (f == "histogramdd") {  // sample, bins, has range, density, ranges
    std::optional<std::vector<std::pair<double, double>>> range;
    if (integer(2)) {
      range.emplace();
      for (size_t k = 4; k + 1 < c.args.size(); k += 2)
        range->push_back({c.args[k].scalar.f, c.args[k + 1].scalar.f});
    }
    const kiln::HistogramDd h =
        kiln::histogramdd(array(0), integer(1), range, std::nullopt, integer(3) != 0);
    std::vector<kiln::Array> parts{kiln::flatten(h.hist)};
    parts.insert(parts.end(), h.edges.begin(), h.edges.end());
    r = kiln::concatenate(parts);
  } else if (f == "apply_along_axis") {  // which function, axis, arr
    static const std::function<kiln::Array(const kiln::Array&)> along[] = {
        [](const kiln::Array& v) { return kiln::cumsum(v); },
        [](const kiln::Array& v) { return kiln::sum(v); },
        [](const kiln::Array& v) {
          return kiln::stack({kiln::min(v), kiln::max(v)});
        },
        [](const kiln::Array& v) { return kiln::outer(v, v); }};
    r = kiln::apply_along_axis(along[integer(0)], static_cast<int>(integer(1)), array(2));
  } else if (f == "apply_over_axes") {  // a, axes (a shape's entries)
    std::vector<int> axes(c.args[1].shape.begin(), c.args[1].shape.end());
    r = kiln::apply_over_axes([](const kiln::Array& a, int ax) { return kiln::sum(a, ax); },
                              array(0), axes);
  } else if (f == "piecewise") {  // x, c1, c2, which
    const kiln::Array& x = array(0);
    const double c1 = c.args[1].scalar.f, c2 = c.args[2].scalar.f;
    const std::vector<kiln::Array> conds{x<c1, x> c2};
    using P = kiln::Piece;
    if (integer(3) == 0)
      r = kiln::piecewise(x, conds, {P(-1.0), P([](const kiln::Array& v) { return v * 2; })});
    else if (integer(3) == 1)
      r = kiln::piecewise(x, conds,
                          {P([](const kiln::Array& v) { return v * v; }), P(3.0), P(0.5)});
    else
      r = kiln::piecewise(x, {conds[0]}, {P([](const kiln::Array& v) { return -v; })});
  } else if (f == "block") {  // pattern, arrays
    using B = kiln::Block;
    const int64_t pattern = integer(0);
    if (pattern == 0)
      r = kiln::block(B{B{array(1), array(2)}, B{array(3), array(4)}});
    else if (pattern == 1)
      r = kiln::block(B{array(1), array(2)});
    else if (pattern == 2)
      r = kiln::block(B{B{array(1)}, B{array(2)}});
    else
      r = kiln::block(B{array(1), B{array(2)}});
  } else if (f == "mask_indices") {  // n, k, triu?
    auto mask = [&](const kiln::Array& m, int64_t k) {
      return integer(2) ? kiln::triu(m, k) : kiln::tril(m, k);
    };
    r = kiln::stack(kiln::mask_indices(integer(0), mask, integer(1)));
  } else {
    return false;
  }
  return true;
}

}  // namespace oracle
