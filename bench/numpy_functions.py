#!/usr/bin/python3
"""numpy's side of functions_bench: sort of 1e6 float32 (kind='stable', as kiln's), linalg.solve,
cholesky and svd of the same 1000x1000 float64 matrix, a histogram of 1e7 float64 values, and
functions_bench's einsum cases (optimize=True). Prints Google Benchmark-style
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
               ("numpy_histogram", lambda: np.histogram(spread, 100, range=(0.0, 1000.0))))
              + tuple((f"numpy_einsum/{k}", einsum_case(s, shapes))
                      for k, (s, shapes) in enumerate(EINSUM_CASES)))


EINSUM_CASES = (("ij,jk->ik", ((500, 500), (500, 500))),
                ("ijk,jkl->il", ((40, 50, 60), (50, 60, 70))),
                ("bij,bjk->bik", ((64, 64, 64), (64, 64, 64))),
                ("ea,fb,abcd,gc,hd->efgh", ((10, 10), (10, 10), (10, 10, 10, 10), (10, 10), (10, 10))),
                ("i,ij,j->", ((2000,), (2000, 2000), (2000,))),
                ("ij,ij->i", ((1000, 1000), (1000, 1000))))


def einsum_case(subscripts, shapes):
    """np.einsum(subscripts, ..., optimize=True) on functions_bench's operands."""
    ops = [np.fmod(np.arange(int(np.prod(s))) * 0.37, 1.0).reshape(s) for s in shapes]
    return lambda: np.einsum(subscripts, *ops, optimize=True)


if __name__ == "__main__":
    main()
