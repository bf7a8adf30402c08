#!/usr/bin/python3
"""numpy as the oracle for kiln::random's distributions: kiln's draws (another generator) must
come from the distribution of numpy's own draws with the same parameters.

    random_oracle.py CASES     CASES: lines 'name|file|columns|numpy expression'

Each file holds kiln's float64 draws (rows of `columns` values); the expression, evaluated with
r = numpy.random.RandomState(20261207) and N, gives numpy's draws of the same shape. Every column
(and, for two columns, their product: the joint law) is compared by the two-sample
Kolmogorov-Smirnov statistic against its critical value at a significance of 1e-6 (with ties
counted exactly, the test is conservative for discrete laws). Prints 'name column D critical'."""
import sys

import numpy as np


def ks(a, b):
    a, b = np.sort(a), np.sort(b)
    v = np.concatenate([a, b])
    d = np.max(np.abs(np.searchsorted(a, v, "right") / len(a) -
                      np.searchsorted(b, v, "right") / len(b)))
    n, m = len(a), len(b)
    return d, np.sqrt(-np.log(1e-6 / 2) / 2) * np.sqrt((n + m) / (n * m))


def main():
    r = np.random.RandomState(20261207)
    with open(sys.argv[1]) as f:
        for line in f:
            name, path, columns, expr = line.rstrip("\n").split("|", 3)
            columns = int(columns)
            ours = np.fromfile(path, dtype=np.float64).reshape(-1, columns)
            N = ours.shape[0]
            theirs = np.asarray(eval(expr, {"np": np, "r": r, "N": N}), dtype=np.float64)
            theirs = theirs.reshape(-1, columns)
            parts = [(str(k), ours[:, k], theirs[:, k]) for k in range(columns)]
            if columns == 2:
                parts.append(("product", ours[:, 0] * ours[:, 1], theirs[:, 0] * theirs[:, 1]))
            for label, a, b in parts:
                d, crit = ks(a, b)
                print(f"{name} {label} {d:.6f} {crit:.6f}")


if __name__ == "__main__":
    main()
