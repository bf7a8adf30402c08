#!/usr/bin/python3
"""numpy running the loops of bench/loops_bench.cpp the same way; prints Google Benchmark JSON."""
import json
import sys

import numpy as np
from numpy_bench import best_time


def carried(n):
    v = np.arange(1000, dtype=np.float64)
    total = 0.0
    for _ in range(n):
        v = v * 0.5 + 1.0
        total += float(v.sum())
    return total


def views(n):
    a = np.arange(64 * 64, dtype=np.float64).reshape(64, 64)
    for i in range(n):
        a = a + a[:, i, None] * 0.5 + a[i] * 0.25
    return a


def floyd(d0):
    d = d0
    for k in range(d.shape[0]):
        d = np.minimum(d, d[:, k, None] + d[k, None, :])
    return d


def chain(a):
    trace = np.zeros((), dtype=np.float64)
    for i in range(a.shape[0]):
        trace = trace + np.tanh(a[i, i])
    return float(trace)


def wide(base, n):
    return [base * float(i) + 1.0 for i in range(n)]


def nbody(pos0, mass, n):
    pos, vel = pos0, np.zeros_like(pos0)
    energy = 0.0
    for _ in range(n):
        d = pos[None, :, :] - pos[:, None, :]
        r2 = (d * d).sum(axis=2) + 0.01
        inv = 1.0 / (r2 * np.sqrt(r2))
        acc = (d * inv[:, :, None]).sum(axis=1)
        vel = vel + acc * 0.01
        pos = pos + vel * 0.01
        energy += float(mass.T @ (vel * vel).sum(axis=1, keepdims=True))
    return energy


def sparse_rows(indptr, indices, values, x):
    return np.stack([values[indptr[i]:indptr[i + 1]] @ x[indices[indptr[i]:indptr[i + 1]]]
                     for i in range(len(indptr) - 1)])


def columns(t, n):
    table = np.stack([np.sin(t * float(c)) + float(c) for c in range(n)], axis=1)
    return float(table.sum())


def mask_assign(a):
    z = a.copy()  # kiln's arrays are values: its z = a; z[...] = 0 leaves a as it is
    z[z > 0.5] = 0.0
    return float(z.sum())


def spd(rng, n):
    m = rng.uniform(0.0, 1.0, (n, n))
    return m @ m.T / n + n * np.eye(n)


def cholesky(a0):
    a = a0.copy()
    n = a.shape[0]
    for j in range(n):
        a[j, j] = np.sqrt(a[j, j] - a[j, :j] @ a[j, :j])
        if j + 1 < n:
            a[j + 1:, j] = (a[j + 1:, j] - a[j + 1:, :j] @ a[j, :j]) / a[j, j]
    return a


def stencil(a0, b0, steps):
    a, b = a0.copy(), b0.copy()
    for _ in range(steps):
        b[1:-1, 1:-1] = 0.2 * (a[1:-1, 1:-1] + a[1:-1, :-2] + a[1:-1, 2:] + a[2:, 1:-1] + a[:-2, 1:-1])
        a[1:-1, 1:-1] = 0.2 * (b[1:-1, 1:-1] + b[1:-1, :-2] + b[1:-1, 2:] + b[2:, 1:-1] + b[:-2, 1:-1])
    return a


def main():
    rng = np.random.default_rng(0)
    results = []

    def record(name, fn):
        seconds = best_time(fn, 0.3)
        results.append({"name": name, "real_time": seconds * 1e6, "time_unit": "us"})
        print(f"{name}: {seconds * 1e6:.1f} us", file=sys.stderr)

    for n in (10, 30, 100, 300):
        record(f"numpy_loops_carried/{n}", lambda: carried(n))
    for n in (10, 30, 64):
        record(f"numpy_loops_views/{n}", lambda: views(n))
    for n in (50, 100, 200):
        d0 = rng.uniform(0.0, 10.0, (n, n))
        record(f"numpy_loops_floyd/{n}", lambda: floyd(d0))
    for n in (100, 300, 1000, 3000):
        a = rng.uniform(0.0, 1.0, (n, n))
        record(f"numpy_loops_chain/{n}", lambda: chain(a))
    base = np.arange(1000, dtype=np.float64)
    for n in (250, 1000, 4000):
        record(f"numpy_loops_wide/{n}", lambda: wide(base, n))
    pos0, mass = rng.uniform(0.0, 1.0, (256, 3)), rng.uniform(0.5, 1.0, (256, 1))
    for n in (10, 30, 100):
        record(f"numpy_loops_nbody/{n}", lambda: nbody(pos0, mass, n))
    for n in (500, 2000):
        indptr, indices, values = [0], [], []
        for i in range(n):
            for k in range(16):
                indices.append((i * 7 + k * 131) % n)
                values.append(1.0 / (1 + k))
            indptr.append(len(indices))
        indices, values, x = np.array(indices), np.array(values), rng.uniform(0.0, 1.0, n)
        record(f"numpy_loops_sparse_rows/{n}", lambda: sparse_rows(indptr, indices, values, x))
    for n in (500, 2000):
        a, x = rng.uniform(0.0, 1.0, (n, n)), rng.uniform(0.0, 1.0, n)
        record(f"numpy_matvec/{n}", lambda: (a @ x, x @ a))
    t = np.linspace(0.0, 1.0, 1000)
    for n in (10, 100, 400):
        record(f"numpy_loops_columns/{n}", lambda: columns(t, n))
    for n in (250, 1000):
        a0 = spd(rng, n)
        record(f"numpy_updates_cholesky/{n}", lambda: cholesky(a0))
    for n in (250, 1000):
        a0, b0 = rng.uniform(0.0, 1.0, (n, n)), rng.uniform(0.0, 1.0, (n, n))
        record(f"numpy_updates_stencil/{n}", lambda: stencil(a0, b0, 20))
    for n in (100000, 1000000):
        a, idx = rng.uniform(0.0, 1.0, n), rng.integers(0, n, n)
        rows, cols, m = rng.integers(0, 1000, n), rng.integers(0, 1000, n), rng.uniform(0.0, 1.0, (1000, 1000))
        record(f"numpy_indexing_gather/{n}", lambda: float(a[idx].sum()))
        record(f"numpy_indexing_two_arrays/{n}", lambda: float(m[rows, cols].sum()))
        record(f"numpy_indexing_mask_select/{n}", lambda: float(a[a > 0.5].sum()))
        record(f"numpy_indexing_mask_assign/{n}", lambda: mask_assign(a))
        record(f"numpy_indexing_mask_at_set/{n}", lambda: mask_assign(a))
    json.dump({"benchmarks": results}, sys.stdout)


if __name__ == "__main__":
    main()
