// A small model trained with kiln::value_and_grad: a 2-16-1 tanh network learning to tell the
// points inside a circle from those outside, on synthetic data. Prints the loss curve, the
// accuracy and the time per step (the first step compiles; the others reuse its kernels).
#include <chrono>
#include <cstdio>

#include <kiln/kiln.hpp>

int main() {
  using kiln::Array;
  const int64_t n = 2048, hidden = 16;
  kiln::random::seed(7);
  const Array points = kiln::random::uniform({n, 2}, -1.0, 1.0, kiln::float32);
  const Array inside =
      (kiln::sum(kiln::square(points), 1, true) < 0.5f).astype(kiln::float32);  // (n, 1)
  Array w1 = kiln::random::normal({2, hidden}, 0.0, 1.0, kiln::float32);
  Array b1 = kiln::zeros({hidden}, kiln::float32);
  Array w2 = kiln::random::normal({hidden, 1}, 0.0, 0.3, kiln::float32);
  Array b2 = kiln::zeros({1}, kiln::float32);
  kiln::eval({points, inside, w1, b1, w2, b2});

  // Mean binary cross-entropy of sigmoid(logit), written stably: softplus(z) - label * z.
  auto loss = [&](const Array& a, const Array& b, const Array& c, const Array& d) {
    const Array z = kiln::matmul(kiln::tanh(kiln::matmul(points, a) + b), c) + d;
    const Array softplus = kiln::maximum(z, 0.0f) + kiln::log1p(kiln::exp(-kiln::abs(z)));
    return kiln::mean(softplus - inside * z);
  };

  const float rate = 0.5f;
  double first_ms = 0, rest_ms = 0;
  for (int step = 0; step <= 2000; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    auto [value, g] = kiln::value_and_grad(loss, {0, 1, 2, 3})(w1, b1, w2, b2);
    w1 = w1 - rate * g[0];
    b1 = b1 - rate * g[1];
    w2 = w2 - rate * g[2];
    b2 = b2 - rate * g[3];
    kiln::eval({value, w1, b1, w2, b2});
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    (step == 0 ? first_ms : rest_ms) += ms;
    if (step % 250 == 0) std::printf("step %4d  loss %.4f\n", step, value.item<double>());
  }
  const Array logits = kiln::matmul(kiln::tanh(kiln::matmul(points, w1) + b1), w2) + b2;
  const double accuracy =
      kiln::mean(((logits > 0.0f).astype(kiln::float32) == inside).astype(kiln::float32))
          .item<double>();
  std::printf("accuracy %.1f%%\n", 100.0 * accuracy);
  std::printf("first step %.1f ms (compiles or loads its kernels), then %.3f ms per step\n",
              first_ms, rest_ms / 2000.0);
  return accuracy > 0.9 ? 0 : 1;
}
