#include <kiln/kiln.hpp>

#include <cstdio>

int main() {
  const auto x = kiln::linspace(0.0, 1.0, 5, kiln::float64);
  const auto y = kiln::where(x > 0.5, x * 2.0, -x) + kiln::arange(5, kiln::float32);
  const auto v = y.to_vector<double>();
  const double want[] = {0.0, 0.75, 1.5, 4.5, 6.0};  // numpy's answer
  for (int i = 0; i < 5; ++i) {
    if (v[i] != want[i]) {
      std::printf("element %d: got %g, want %g\n", i, v[i], want[i]);
      return 1;
    }
  }
  std::printf("consumer ok: dtype %s\n", std::string(kiln::dtype_name(y.dtype())).c_str());
  return y.dtype() == kiln::float64 ? 0 : 1;
}
