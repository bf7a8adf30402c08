// Derivatives: reverse mode (grad, value_and_grad, vjp) and forward mode (jvp) over the trace.
// A derivative is an ordinary lazy array: nothing runs at the grad call; at the next sync the
// forward and backward computations are simplified, fused, compiled and cached together.
//
//   auto loss = [&](const kiln::Array& w, const kiln::Array& b) {
//     return kiln::mean(kiln::square(kiln::tanh(kiln::matmul(X, w) + b) - Y));
//   };
//   auto [value, g] = kiln::value_and_grad(loss, {0, 1})(w, b);  // g[0] = dloss/dw, g[1] = ..b
//
// Conventions (JAX's): complex cotangents are conj-linear (grad of |z|^2 is 2 conj(z));
// abs'(0) = 1; maximum/minimum ties give each side half; max/min reductions split the gradient
// evenly among tied elements (among the NaNs when the result is NaN); where(c, x, y) masks the
// unused branch (no NaN from its derivative); power's derivatives are 0 where the exponent
// (base) is 0 instead of 0 * inf; sqrt'(0) and log'(0) are inf. Comparisons, floor and
// friends, argmax, integer ops and random bits pass no gradient; every other op has a rule.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <functional>
#include <source_location>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

/// `a` itself, but no gradient flows back through it (jax.lax.stop_gradient).
Array stop_gradient(const Array& a, std::source_location loc = std::source_location::current());

/// The gradients of the real 0-d array `y` with respect to each array of `wrt`, recorded before
/// it (Theano's grad: no function wrapper). An array that `y` does not depend on gets zeros.
/// Errors: `y` not a real floating 0-d array; a `wrt` array that is not floating or complex;
/// a path from a `wrt` array to `y` that may pass through an array evaluated in between (its
/// history is gone; the error names its call site); an op without a derivative rule.
std::vector<Array> grad(const Array& y, const std::vector<Array>& wrt,
                        std::source_location loc = std::source_location::current());

namespace detail {

/// Pauses automatic evaluation while a function is traced for differentiation.
class DerivativeScope {
 public:
  DerivativeScope();
  ~DerivativeScope();
  DerivativeScope(const DerivativeScope&) = delete;
  DerivativeScope& operator=(const DerivativeScope&) = delete;

 private:
  void* pause_;  // the context's pause of automatic evaluation
};

/// The array a differentiated function sees at argument `position`: an identity of `a` marked
/// as that input (so that the same array passed twice gives two inputs); an error for a
/// non-floating array.
Array differentiated_argument(const Array& a, int position, const std::source_location& loc);
/// A C++ scalar at a differentiated position: a float64 0-d array; an integer is an error.
Array differentiated_scalar(double value, bool integral, int position,
                            const std::source_location& loc);
/// A C++ scalar at another position: a 0-d array of its default dtype.
Array plain_scalar(double value, bool integral, int64_t integer);

/// The gradients of `y` with respect to `inputs` for the cotangent `seed` (ones for a 0-d `y`
/// when `seed` is empty). `fn` names the caller in errors.
std::vector<Array> backward(const Array& y, const std::vector<Array>& inputs, const Array& seed,
                            const char* fn, const std::source_location& loc);

/// The tangent of `out` for `tangents` of `inputs` (forward mode).
Array forward(const Array& out, const std::vector<Array>& inputs,
              const std::vector<Array>& tangents, const std::source_location& loc);

/// Checks `argnums` against `nargs` arguments (range, repeats).
void check_argnums(const std::vector<int>& argnums, int nargs, const char* fn,
                   const std::source_location& loc);

/// An error naming `fn`: the function takes a different number of arguments.
[[noreturn]] void wrong_arity(const char* fn, size_t given, const std::source_location& loc);

template <class T>
Array as_argument(T&& v, int position, bool differentiated, const std::source_location& loc) {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_arithmetic_v<U>) {
    constexpr bool integral = std::is_integral_v<U>;
    if (differentiated)
      return differentiated_scalar(static_cast<double>(v), integral, position, loc);
    return plain_scalar(static_cast<double>(v), integral,
                        integral ? static_cast<int64_t>(v) : int64_t{0});
  } else {
    const Array& a = v;
    return differentiated ? differentiated_argument(a, position, loc) : a;
  }
}

/// Calls f with the arguments converted (differentiated ones marked), returning f's result and
/// the marked inputs in `argnums` order.
template <class F, class... Args>
std::pair<Array, std::vector<Array>> trace_call(const F& f, const std::vector<int>& argnums,
                                                const char* fn, const std::source_location& loc,
                                                Args&&... args) {
  check_argnums(argnums, static_cast<int>(sizeof...(Args)), fn, loc);
  std::vector<Array> inputs(argnums.size());
  int position = 0;
  auto convert = [&](auto&& arg) {
    const int i = position++;
    const auto it = std::find(argnums.begin(), argnums.end(), i);
    Array a = as_argument(std::forward<decltype(arg)>(arg), i, it != argnums.end(), loc);
    if (it != argnums.end()) inputs[static_cast<size_t>(it - argnums.begin())] = a;
    return a;
  };
  // Braced initialisation converts the arguments left to right.
  const std::array<Array, sizeof...(Args)> converted{convert(std::forward<Args>(args))...};
  Array out = std::apply([&](const auto&... a) -> Array { return f(a...); }, converted);
  return {std::move(out), std::move(inputs)};
}

/// f called with the arrays of `xs` as separate arguments (up to 8).
template <class F>
Array call_spread(const F& f, const std::vector<Array>& xs, const char* fn,
                  const std::source_location& loc) {
  auto attempt = [&]<size_t... I>(std::index_sequence<I...>)->Array {
    if constexpr (std::is_invocable_v<const F&, decltype((void)I, std::declval<const Array&>())...>)
      return f(xs[I]...);
    else
      wrong_arity(fn, xs.size(), loc);
  };
  switch (xs.size()) {
    case 1:
      return attempt(std::make_index_sequence<1>());
    case 2:
      return attempt(std::make_index_sequence<2>());
    case 3:
      return attempt(std::make_index_sequence<3>());
    case 4:
      return attempt(std::make_index_sequence<4>());
    case 5:
      return attempt(std::make_index_sequence<5>());
    case 6:
      return attempt(std::make_index_sequence<6>());
    case 7:
      return attempt(std::make_index_sequence<7>());
    case 8:
      return attempt(std::make_index_sequence<8>());
    default:
      wrong_arity(fn, xs.size(), loc);
  }
}

/// What a function sees for each argument: a `const Array&`.
template <class T>
using ArrayArgument = const Array&;

/// The callable that grad and value_and_grad return.
template <class F, bool kWithValue, bool kSingle>
class Differentiated {
 public:
  Differentiated(F f, std::vector<int> argnums, std::source_location loc)
      : f_(std::move(f)), argnums_(std::move(argnums)), loc_(loc) {}

  /// Calls f on `args` (arrays, or C++ scalars: float64 0-d arrays) and differentiates it.
  template <class... Args>
  requires std::is_invocable_v<const F&, ArrayArgument<Args>...>
  auto operator()(Args&&... args) const {
    const char* fn = kWithValue ? "value_and_grad" : "grad";
    DerivativeScope scope;
    auto [value, inputs] = trace_call(f_, argnums_, fn, loc_, std::forward<Args>(args)...);
    std::vector<Array> g = backward(value, inputs, Array(), fn, loc_);
    if constexpr (kWithValue && kSingle)
      return std::pair<Array, Array>(std::move(value), std::move(g[0]));
    else if constexpr (kWithValue)
      return std::pair<Array, std::vector<Array>>(std::move(value), std::move(g));
    else if constexpr (kSingle)
      return std::move(g[0]);
    else
      return g;
  }

 private:
  F f_;
  std::vector<int> argnums_;
  std::source_location loc_;
};

}  // namespace detail

/// A callable returning df/d(first argument) of `f`, which takes `const Array&` arguments
/// (C++ scalars allowed at the call) and returns a real 0-d array.
template <class F>
requires(!std::same_as<std::remove_cvref_t<F>, Array>) auto grad(
    F f, std::source_location loc = std::source_location::current()) {
  return detail::Differentiated<F, false, true>(std::move(f), {0}, loc);
}

/// A callable returning the gradients of `f` with respect to the arguments `argnums`.
template <class F>
requires(!std::same_as<std::remove_cvref_t<F>, Array>) auto grad(
    F f, std::vector<int> argnums, std::source_location loc = std::source_location::current()) {
  return detail::Differentiated<F, false, false>(std::move(f), std::move(argnums), loc);
}

/// A callable returning f's value and df/d(first argument).
template <class F>
auto value_and_grad(F f, std::source_location loc = std::source_location::current()) {
  return detail::Differentiated<F, true, true>(std::move(f), {0}, loc);
}

/// A callable returning f's value and its gradients with respect to the arguments `argnums`.
template <class F>
auto value_and_grad(F f, std::vector<int> argnums,
                    std::source_location loc = std::source_location::current()) {
  return detail::Differentiated<F, true, false>(std::move(f), std::move(argnums), loc);
}

/// The function of a cotangent that kiln::vjp returns.
class Pullback {
 public:
  /// Internal: made by kiln::vjp.
  Pullback(Array out, std::vector<Array> inputs)
      : out_(std::move(out)), inputs_(std::move(inputs)) {}
  /// The cotangents of every primal for `cotangent` (the output's shape; cast to its dtype).
  std::vector<Array> operator()(const Array& cotangent,
                                std::source_location loc = std::source_location::current()) const {
    detail::DerivativeScope scope;
    return detail::backward(out_, inputs_, cotangent, "vjp", loc);
  }

 private:
  Array out_;
  std::vector<Array> inputs_;
};

/// Reverse mode for any output: f's result at `primals` (arrays or C++ floating scalars), and
/// the Pullback mapping a cotangent of the result's shape to the cotangents of every primal.
/// (A mistake in the primals is reported at this header's line: a variadic function cannot
/// take the caller's location.)
template <class F, class... Args>
std::pair<Array, Pullback> vjp(const F& f, Args&&... primals) {
  const std::source_location loc = std::source_location::current();
  std::vector<int> all(sizeof...(Args));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  detail::DerivativeScope scope;
  auto [out, inputs] = detail::trace_call(f, all, "vjp", loc, std::forward<Args>(primals)...);
  return {out, Pullback(out, std::move(inputs))};
}

/// Forward mode: f's result at `primals` and its directional derivative along `tangents` (one
/// per primal, of its shape), by tangent propagation through the trace.
template <class F>
std::pair<Array, Array> jvp(const F& f, const std::vector<Array>& primals,
                            const std::vector<Array>& tangents,
                            std::source_location loc = std::source_location::current()) {
  detail::DerivativeScope scope;
  std::vector<Array> inputs;
  for (size_t i = 0; i < primals.size(); ++i)
    inputs.push_back(detail::differentiated_argument(primals[i], static_cast<int>(i), loc));
  Array out = detail::call_spread(f, inputs, "jvp", loc);
  Array tangent = detail::forward(out, inputs, tangents, loc);
  return {std::move(out), std::move(tangent)};
}

}  // namespace kiln
