#include <kiln/kiln.hpp>
#include <cstdio>
int main() {
  auto x = kiln::linspace(0.f, 1.f, 10'000'000);
  auto a = kiln::full({10'000'000}, 2.f), b = kiln::ones({10'000'000});
  auto y = kiln::sqrt(x * x + a * a) * kiln::exp(-b * x) + kiln::sin(x);
  float first = y.item<float>(5);
  std::printf("%g\n", first);
}
