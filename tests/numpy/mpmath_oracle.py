#!/usr/bin/python3
"""High-precision reference values for kiln's optimizer tests (tests/api/test_optimizer.cpp).

Each line of standard input is `fn dtype xs [ys]`: xs and ys are comma-separated C hex floats.
Elementwise functions answer one value per element, the reductions (logsumexp, softmax,
log_softmax over the whole vector) as numpy's would. Values are computed with mpmath at 50
digits and rounded to the dtype; each answer is one line of comma-separated hex floats.
"""
import sys

import mpmath
import numpy

mpmath.mp.dps = 50
mp = mpmath.mpf


def logsumexp(xs):
    return mpmath.log(mpmath.fsum(mpmath.exp(x) for x in xs))


def xlogy(x, y):
    if mpmath.isnan(y):
        return y
    return mp(0) if x == 0 else x * mpmath.log(y)


ELEMENTWISE = {
    "log1p": lambda x: mpmath.log(1 + x),
    "expm1": lambda x: mpmath.exp(x) - 1,
    "log1m": lambda x: mpmath.log(1 - x),
    "logexp": lambda x: x,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "softplus": lambda x: mpmath.log(1 + mpmath.exp(x)),
    "logsigmoid": lambda x: -mpmath.log(1 + mpmath.exp(-x)),
}
BINARY = {
    "hypot": lambda x, y: mpmath.sqrt(x * x + y * y),
    "logaddexp": lambda x, y: mpmath.log(mpmath.exp(x) + mpmath.exp(y)),
    "logaddexp2": lambda x, y: mpmath.log(2**x + 2**y, 2),
    "xlogy": xlogy,
}
VECTOR = {
    "logsumexp": lambda xs: [logsumexp(xs)],
    "softmax": lambda xs: [mpmath.exp(x - logsumexp(xs)) for x in xs],
    "log_softmax": lambda xs: [x - logsumexp(xs) for x in xs],
}


def parse(text):
    return [mp(float.fromhex(v)) if "x" in v else mp(float(v)) for v in text.split(",")]


def rounded(v, dtype):
    return float(numpy.float32(float(v))) if dtype == "float32" else float(v)


def main():
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        fn, dtype, xs = parts[0], parts[1], parse(parts[2])
        if fn in ELEMENTWISE:
            out = [ELEMENTWISE[fn](x) for x in xs]
        elif fn in BINARY:
            out = [BINARY[fn](x, y) for x, y in zip(xs, parse(parts[3]))]
        else:
            out = VECTOR[fn](xs)
        print(",".join(rounded(v, dtype).hex() for v in out), flush=True)


if __name__ == "__main__":
    main()
