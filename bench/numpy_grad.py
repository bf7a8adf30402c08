#!/usr/bin/python3
"""numpy's side of grad_bench: the value and gradients of sum(sqrt(x*x+a*a)*exp(-b*x)+sin(x))
and one SGD step of the 2-layer MLP, with gradients derived by hand (numpy has no autodiff).
Prints Google Benchmark-style JSON; times are the best of 3 batches' means."""
import json
import sys
import time

import numpy as np


def best_time(fn, min_time):
    best = float("inf")
    for _ in range(3):
        reps, start = 0, time.perf_counter()
        while True:
            fn()
            reps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / 3:
                break
        best = min(best, elapsed / reps)
    return best


def run_cases(cases, min_time=1.0):
    """Times each (name, function) and prints Google Benchmark-style JSON to stdout."""
    results = []
    for name, fn in cases:
        seconds = best_time(fn, min_time)
        results.append({"name": name + "/real_time", "real_time": seconds * 1e6,
                        "time_unit": "us", "run_type": "iteration"})
        print(f"{name}: {seconds * 1e6:.1f} us", file=sys.stderr)
    json.dump({"benchmarks": results}, sys.stdout)


def main():
    n = 10_000_000
    i = np.arange(n)
    x = (((i % 1000) + 1) * 1e-3).astype(np.float32)
    a = (0.5 + (i % 7) * 0.25).astype(np.float32)
    b = (1.0 + (i % 5) * 0.125).astype(np.float32)

    def value_and_grad():
        r = np.sqrt(x * x + a * a)
        e = np.exp(-b * x)
        value = np.sum(r * e + np.sin(x))
        return value, x / r * e - b * r * e + np.cos(x), a / r * e, -x * r * e

    rng = np.random.default_rng(3)
    batch, n_in, hidden, n_out, rate = 256, 784, 256, 10, np.float32(0.05)
    xs = rng.standard_normal((batch, n_in), dtype=np.float32)
    onehot = np.zeros((batch, n_out), np.float32)
    onehot[np.arange(batch), np.arange(batch) % n_out] = 1
    params = {"w1": 0.05 * rng.standard_normal((n_in, hidden), dtype=np.float32),
              "b1": np.zeros(hidden, np.float32),
              "w2": 0.1 * rng.standard_normal((hidden, n_out), dtype=np.float32),
              "b2": np.zeros(n_out, np.float32)}

    def step():
        p = params
        h = np.tanh(xs @ p["w1"] + p["b1"])
        logits = h @ p["w2"] + p["b2"]
        m = logits.max(axis=1, keepdims=True)
        ex = np.exp(logits - m)
        s = ex.sum(axis=1, keepdims=True)
        loss = np.mean(np.sum((np.log(s) + m - logits) * onehot, axis=1))
        dlogits = (ex / s - onehot) / batch
        dw2, db2 = h.T @ dlogits, dlogits.sum(axis=0)
        dz1 = (dlogits @ p["w2"].T) * (1 - h * h)
        dw1, db1 = xs.T @ dz1, dz1.sum(axis=0)
        p["w1"] -= rate * dw1
        p["b1"] -= rate * db1
        p["w2"] -= rate * dw2
        p["b2"] -= rate * db2
        return loss

    run_cases((("numpy_grad/10000000", value_and_grad), ("numpy_mlp", step)))


if __name__ == "__main__":
    main()
