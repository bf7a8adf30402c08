#!/usr/bin/python3
"""numpy's side of functions_bench: sort of 1e6 float32 (kind='stable', as kiln's), linalg.solve,
cholesky and svd of the same 1000x1000 float64 matrix, and a histogram of 1e7 float64 values. Prints Google Benchmark-style
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
    j = np.arange(10_000_000, dtype=np.uint64)
    spread = ((j * np.uint64(2654435761)) % np.uint64(1000003)).astype(np.float64) * 1e-3
    run_cases((("numpy_sort", lambda: np.sort(values, kind="stable")),
               ("numpy_solve", lambda: np.linalg.solve(a, b)),
               ("numpy_cholesky", lambda: np.linalg.cholesky(a)),
               ("numpy_svd", lambda: np.linalg.svd(a)),
               ("numpy_histogram", lambda: np.histogram(spread, 100, range=(0.0, 1000.0)))))


if __name__ == "__main__":
    main()
