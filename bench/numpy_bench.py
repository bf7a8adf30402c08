#!/usr/bin/python3
"""numpy on kiln's benchmark cases, timed like Google Benchmark; prints its JSON format."""
import json
import sys
import time

import numpy as np

SIZES = [1_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
MATRIX = 4096


def inputs(n):
    i = np.arange(n, dtype=np.int64)
    x = ((i % 1000) + 1).astype(np.float32) * np.float32(1e-3)
    a = np.float32(0.5) + (i % 7).astype(np.float32) * np.float32(0.25)
    b = np.float32(1.0) + (i % 5).astype(np.float32) * np.float32(0.125)
    return x, a, b


def best_time(fn, min_total=0.2):
    """Seconds per call: the best of 3 batches, each at least min_total/3 seconds long."""
    fn()
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_total / 3 or loops > 1_000_000:
            break
        loops *= 4
    best = elapsed / loops
    for _ in range(2):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def main():
    results = []

    def record(name, seconds):
        results.append({"name": name, "real_time": seconds * 1e6, "time_unit": "us"})
        print(f"{name}: {seconds * 1e6:.1f} us", file=sys.stderr)

    for n in SIZES:
        x, a, b = inputs(n)
        record(f"numpy_axpb/{n}", best_time(lambda: a * x + b))
        record(f"numpy_long/{n}", best_time(lambda: np.sqrt(x * x + a * a) * np.exp(-b * x) + np.sin(x)))
        record(f"numpy_sum/{n}", best_time(lambda: np.sum(x * x + 1)))
        del x, a, b
    m = inputs(MATRIX * MATRIX)[0].reshape(MATRIX, MATRIX)
    record("numpy_sum_axis/0", best_time(lambda: m.sum(axis=0)))
    record("numpy_sum_axis/1", best_time(lambda: m.sum(axis=1)))
    json.dump({"benchmarks": results}, sys.stdout)


if __name__ == "__main__":
    main()
