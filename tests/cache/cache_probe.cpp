// A program for the cache's process tests: evaluates a fixed set of kernels (elementwise with
// transcendentals, two outputs of one kernel, inner and outer reductions, argmax, a transposed
// view, a value and gradient), prints every result exactly (hex floats), then a last line
// "compiled=N disk=M". With an argument N > 0 it also evaluates N further distinct kernels (for
// kill tests).
#include <kiln/kiln.hpp>

#include <cstdio>
#include <cstdlib>

using kiln::Array;

namespace {
void print(const char* name, const Array& a) {
  std::printf("%s", name);
  if (a.dtype() == kiln::int64) {
    for (int64_t v : a.to_vector<int64_t>()) std::printf(" %lld", static_cast<long long>(v));
  } else {
    for (double v : a.astype(kiln::float64).to_vector<double>()) std::printf(" %a", v);
  }
  std::printf("\n");
}
}  // namespace

int main(int argc, char** argv) {
  const Array x = kiln::linspace(-2.f, 3.f, 4096).reshape({64, 64}).eval();
  const Array y = (kiln::arange(4096, kiln::float32) * 0.001f).reshape({64, 64}).eval();
  const Array a = kiln::sqrt(x * x + y * y) * kiln::exp(-y * x) + kiln::sin(x);
  const Array b = kiln::where(x > y, kiln::tanh(x), kiln::log1p(kiln::abs(y)));
  kiln::eval({a, b});
  print("a", a);
  print("b", b);
  print("sum_rows", kiln::sum(a * b, 1));
  print("sum_cols", kiln::sum(a - b, 0));
  print("argmax", kiln::argmax(x.T() * y, 0));
  print("mean", kiln::mean(kiln::cos(x.T() + y)));
  // Gradient kernels are kernels like any other: cached on disk, recorded by kiln-warmup.
  const auto [value, grad] =
      kiln::value_and_grad([&](const Array& w) { return kiln::sum(kiln::tanh(x * w) * y); })(y);
  kiln::eval({value, grad});
  print("value", value);
  print("grad", grad);
  const int extra = argc > 1 ? std::atoi(argv[1]) : 0;
  for (int i = 0; i < extra; ++i) {
    Array r = x;
    for (int k = 0, v = i; k < 12; ++k, v /= 3) r = v % 3 == 0 ? r + y : v % 3 == 1 ? r * y : r - y;
    print("extra", kiln::sum(r));
  }
  const kiln::Stats s = kiln::stats();
  std::printf("compiled=%llu disk=%llu\n", static_cast<unsigned long long>(s.kernels_compiled),
              static_cast<unsigned long long>(s.disk_cache_hits));
  return 0;
}
