// The random distributions that need loops (rejection and search), drawn on the host from
// Philox-4x32-10: element i of a draw takes its k-th pair of 64-bit words from counter (i,
// stream, k), so every value is a pure function of (seed, stream, index), whatever the thread
// count, like the distributions built from ops in kernels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jit/backend.hpp"
#include "runtime/library_call.hpp"

namespace kiln::runtime {

/// The distributions of the RandomDraws op (payload v[0]); their parameters are the op's float64
/// operands in this order.
enum class Distribution : uint64_t {
  Gamma,                // shape (scale 1): numpy's standard_gamma
  Beta,                 // a, b
  Poisson,              // lam
  Binomial,             // n, p
  NegativeBinomial,     // n, p
  Hypergeometric,       // ngood, nbad, nsample
  Zipf,                 // a
  Logseries,            // p
  VonMises,             // mu, kappa
  NoncentralChisquare,  // df, nonc
  Permutation,          // none: a random order of arange(size) (Fisher-Yates, not elementwise)
};

/// Number of parameters of `d`.
int parameter_count(Distribution d) noexcept;

/// numpy's name of `d` (for error messages).
const char* distribution_name(Distribution d) noexcept;

/// Whether `d` gives integers (int64) rather than float64.
bool is_discrete(Distribution d) noexcept;

/// numpy's complaint about parameters `p` of `d` ("lam < 0", ...), or "" when they are valid.
std::string invalid_parameters(Distribution d, const double* p);

/// Draws RandomDraws node `n` (payload: distribution, seed, stream) into `out` (n's shape:
/// float64 or int64), its parameters read from `inputs` (float64, each broadcast against n's
/// shape, rank-aligned), on `executor`'s threads when given. Throws kiln::Error naming the
/// distribution and n's call site for an invalid parameter (before anything is drawn).
void draw_random(const LibraryCall& n, const std::vector<const void*>& inputs, void* out,
                 jit::Executor* executor);

}  // namespace kiln::runtime
