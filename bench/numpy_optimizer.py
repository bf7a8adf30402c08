#!/usr/bin/python3
"""numpy's side of optimizer_bench: the max-shifted softmax and log-sum-exp over the rows of a
4096x4096 float32 matrix, as scipy.special computes them. Prints Google Benchmark-style JSON;
times are the best of 3 batches' means."""
import numpy as np

from numpy_grad import run_cases


def main():
    rows = cols = 4096
    i = np.arange(rows * cols, dtype=np.uint64)
    x = (((i * np.uint64(2654435761)) % np.uint64(20011)).astype(np.float32) * np.float32(0.001)
         - np.float32(10)).reshape(rows, cols)

    def softmax():
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def logsumexp():
        m = x.max(axis=1, keepdims=True)
        return (np.log(np.exp(x - m).sum(axis=1, keepdims=True)) + m)[:, 0]

    run_cases((("numpy_softmax", softmax), ("numpy_logsumexp", logsumexp)))

if __name__ == "__main__":
    main()
