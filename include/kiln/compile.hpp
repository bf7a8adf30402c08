// kiln::compile: captured functions. The first call for a given signature traces the function
// and keeps the scheduled plan of its kernels; later calls bind their inputs to that plan and
// launch it, without running the function's body, the optimizer or the scheduler (the fixed
// cost of a small step drops to the launch). What jax.jit and MLX's compile do, and Dr.Jit's
// frozen functions.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <source_location>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kiln/array.hpp"

namespace kiln {

namespace detail {

/// A type-erased reference to the body of a compiled function: runs it on inputs and scalar
/// arguments (in the order of the call's arguments of each kind) and gives its outputs.
struct BodyRef {
  const void* object = nullptr;
  std::vector<Array> (*run)(const void* object, std::span<const Array> inputs,
                            std::span<const Scalar> scalars) = nullptr;
};

/// The non-template part of kiln::Compiled (api/compile.cpp): the signatures seen, their
/// captured plans, tracing and replay.
class CompiledFunction {
 public:
  /// `where`: the kiln::compile call, for logs and errors.
  explicit CompiledFunction(std::source_location where);
  ~CompiledFunction();
  CompiledFunction(const CompiledFunction&) = delete;
  CompiledFunction& operator=(const CompiledFunction&) = delete;

  /// One call: replays the plan captured for this signature, or traces `body` (see
  /// kiln::compile). Returns the outputs, evaluated.
  std::vector<Array> call(std::span<const Array> inputs, std::span<const Scalar> scalars,
                          BodyRef body);

  /// Signatures traced so far (for tests and logs).
  size_t signatures() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Whether a compiled function's argument of type A is an array input.
template <class A>
inline constexpr bool is_array_argument = std::is_same_v<std::remove_cvref_t<A>, Array>;
/// Whether it is a C++ scalar (a kernel parameter, never part of the signature).
template <class A>
inline constexpr bool is_scalar_argument = std::is_arithmetic_v<std::remove_cvref_t<A>>;

/// Outputs as a vector of arrays and back: an Array, a std::vector of them, a std::pair or a
/// std::tuple of Arrays.
template <class R>
struct CompiledResults {
  static_assert(sizeof(R) == 0,
                "kiln::compile: the function must return a kiln::Array, a std::vector<Array>, "
                "a std::pair or a std::tuple of Arrays");
};
template <>
struct CompiledResults<Array> {
  static std::vector<Array> flatten(Array&& r) {
    std::vector<Array> v;
    v.push_back(std::move(r));
    return v;
  }
  static Array rebuild(std::vector<Array>&& v) { return std::move(v[0]); }
};
template <>
struct CompiledResults<std::vector<Array>> {
  static std::vector<Array> flatten(std::vector<Array>&& r) { return std::move(r); }
  static std::vector<Array> rebuild(std::vector<Array>&& v) { return std::move(v); }
};
template <class... T>
struct CompiledResults<std::tuple<T...>> {
  static_assert((std::is_same_v<T, Array> && ...),
                "kiln::compile: a returned tuple must hold kiln::Arrays only");
  static std::vector<Array> flatten(std::tuple<T...>&& r) {
    return std::apply([](auto&&... a) { return std::vector<Array>{std::move(a)...}; },
                      std::move(r));
  }
  static std::tuple<T...> rebuild(std::vector<Array>&& v) {
    return [&]<size_t... I>(std::index_sequence<I...>) {
      return std::tuple<T...>{std::move(v[I])...};
    }
    (std::index_sequence_for<T...>{});
  }
};
template <>
struct CompiledResults<std::pair<Array, Array>> {
  static std::vector<Array> flatten(std::pair<Array, Array>&& r) {
    return {std::move(r.first), std::move(r.second)};
  }
  static std::pair<Array, Array> rebuild(std::vector<Array>&& v) {
    return {std::move(v[0]), std::move(v[1])};
  }
};

/// A C++ scalar argument given back to the body in its own type.
template <class T>
T scalar_as(const Scalar& s) {
  if constexpr (std::is_same_v<T, bool>)
    return s.i != 0;
  else if constexpr (std::is_floating_point_v<T>)
    return static_cast<T>(s.f);
  else
    return static_cast<T>(s.i);
}

/// Each argument's index among the arguments of its kind (arrays, scalars).
template <class... Args>
constexpr std::array<size_t, sizeof...(Args) + 1> argument_slots() {
  const bool arrays[] = {is_array_argument<Args>..., false};
  std::array<size_t, sizeof...(Args) + 1> slots{};
  size_t next_array = 0, next_scalar = 0;
  for (size_t k = 0; k < sizeof...(Args); ++k) slots[k] = arrays[k] ? next_array++ : next_scalar++;
  return slots;
}

/// Argument `slot` of its kind, as the body takes it.
template <class A>
decltype(auto) argument(std::span<const Array> inputs, std::span<const Scalar> scalars,
                        size_t slot) {
  if constexpr (is_array_argument<A>)
    return static_cast<const Array&>(inputs[slot]);
  else
    return scalar_as<std::remove_cvref_t<A>>(scalars[slot]);
}

}  // namespace detail

/// A function of arrays captured by kiln::compile. Copies share the captured plans.
template <class F>
class Compiled {
 public:
  /// Wraps `f` (see kiln::compile).
  Compiled(F f, std::source_location where)
      : f_(std::move(f)), core_(std::make_shared<detail::CompiledFunction>(where)) {}

  /// Calls the function: traces it for a new signature, else replays the captured plan.
  /// Arguments are kiln::Arrays and C++ arithmetic scalars, in the function's own order.
  template <class... Args>
  auto operator()(const Args&... args) const {
    static_assert(((detail::is_array_argument<Args> || detail::is_scalar_argument<Args>)&&...),
                  "kiln::compile: a compiled function's arguments must be kiln::Arrays or C++ "
                  "arithmetic scalars");
    using R = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    constexpr size_t kArrays = (size_t{detail::is_array_argument<Args>} + ... + 0);
    constexpr size_t kScalars = sizeof...(Args) - kArrays;
    static constexpr auto kSlot = detail::argument_slots<Args...>();
    std::array<Array, kArrays> inputs;
    std::array<Scalar, kScalars> scalars;
    [&]<size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            if constexpr (detail::is_array_argument<Args>)
              inputs[kSlot[I]] = args;
            else
              scalars[kSlot[I]] = Scalar::of(args);
          }(),
          ...);
    }
    (std::index_sequence_for<Args...>{});
    struct Call {
      const F* f;
      static std::vector<Array> run(const void* self, std::span<const Array> in,
                                    std::span<const Scalar> sc) {
        const F& f = *static_cast<const Call*>(self)->f;
        return [&]<size_t... I>(std::index_sequence<I...>) {
          return detail::CompiledResults<R>::flatten(
              std::invoke(f, detail::argument<Args>(in, sc, kSlot[I])...));
        }
        (std::index_sequence_for<Args...>{});
      }
    } call{&f_};
    return detail::CompiledResults<R>::rebuild(
        core_->call(inputs, scalars, detail::BodyRef{&call, &Call::run}));
  }

  /// Signatures traced so far.
  size_t signatures() const { return core_->signatures(); }

 private:
  F f_;
  std::shared_ptr<detail::CompiledFunction> core_;
};

/// Captures `f`, a function of kiln::Arrays and C++ arithmetic scalars returning a kiln::Array,
/// a std::vector, std::pair or std::tuple of them (jax.jit, MLX's compile).
///
/// The first call with a new signature (each array argument's shape, dtype and device, which
/// arguments are the same array; each scalar argument's C++ kind and whether it is 0, 1, -1, 2,
/// 0.5 or a power of two, which the optimizer's rules specialise on) runs `f` as an ordinary
/// traced call, and keeps the optimised, scheduled plan of its kernels. Later calls with that
/// signature bind the new inputs and scalar values to the plan and launch it, without running
/// `f`'s body. The outputs are evaluated arrays (nothing fuses across the call). A new shape
/// traces again; kernels are size-agnostic, so that compiles nothing new. KILN_LOG=1 prints a
/// line for every trace, with the reason.
///
/// It behaves as calling `f` does:
/// - random draws advance the generator as `f` would (the same values as the uncaptured call
///   with the same seed);
/// - errors found while running name the call sites inside `f`;
/// - scalar arguments stay kernel parameters: a new value compiles nothing and traces nothing;
///   one that reaches the graph through C++ arithmetic in `f` (`x * (2 * s)`) is detected at the
///   trace, and then a new value of it traces again;
/// - arrays `f` reads from outside its arguments (captured by the lambda) are read as inputs,
///   never folded into the kernels; when such an array is rebound (`w = w - lr * g` on a
///   variable captured by reference) and no other handle holds its old value, the next call
///   traces again. An array that changes between calls should be an argument.
///
/// What `f` may not do: read array values to decide anything (item, to_vector, data, eval or
/// sync inside `f` are a kiln::Error at the trace, naming the array read); keep arrays it makes
/// beyond the call (by assigning them to outside variables: the replay does not run the
/// assignment); have side effects other than on arrays, which run only when it is traced.
/// A function whose graph calls a library (matmul, FFT, sort, scatter, ...) or spans devices
/// is not captured: each call runs `f` as an ordinary call (said once in KILN_LOG).
///
/// Thread-safe: calls from several threads may share one compiled function.
template <class F>
Compiled<F> compile(F f, std::source_location where = std::source_location::current()) {
  return Compiled<F>(std::move(f), where);
}

}  // namespace kiln
