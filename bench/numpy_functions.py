#!/usr/bin/python3
"""numpy's side of functions_bench: sort of 1e6 float32 (kind='stable', as kiln's), and
linalg.solve and cholesky of the same 1000x1000 float64 matrix. Prints Google Benchmark-style
JSON; times are the best of 3 batches' means."""
import numpy as np

from numpy_grad import run_cases


def main():
    i = np.arange(1_000_000, dtype=np.uint64)
    values = ((i * np.uint64(2654435761)) % np.uint64(1000003)).astype(np.float32) * np.float32(1e-3)
    n = 1000
    r, c = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    a = np.where(r == c, 2.0 * n, (((r + c) * 7919) % 1000) * 1e-3)
    b = np.ones(n)
    run_cases((("numpy_sort", lambda: np.sort(values, kind="stable")),
               ("numpy_solve", lambda: np.linalg.solve(a, b)),
               ("numpy_cholesky", lambda: np.linalg.cholesky(a))))


if __name__ == "__main__":
    main()
