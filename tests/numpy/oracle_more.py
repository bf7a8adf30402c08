"""numpy's side of tests/numpy/oracle_placement.hpp: the placement functions (numpy's in-place
ones on a copy, which is returned) and the smaller numeric functions added after oracle.py's."""
import numpy as np

MODES = ("raise", "wrap", "clip")
CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")

FUNCTIONS = ("insert", "delete", "put", "put_along_axis", "putmask", "place", "copyto",
             "fill_diagonal", "choose", "gcd", "lcm", "frexp", "nextafter", "spacing", "packbits",
             "unpackbits", "real_if_close", "full_like", "histogram_bin_edges", "histogramdd",
             "apply_along_axis", "apply_over_axes", "piecewise", "block", "mask_indices")

# apply_along_axis's functions, as oracle_more.hpp's.
ALONG = (np.cumsum, np.sum, lambda v: np.stack([v.min(), v.max()]), lambda v: np.outer(v, v))


def piecewise(x, c1, c2, which):
    conds = [x < c1, x > c2]
    if which == 0:
        return np.piecewise(x, conds, [-1.0, lambda v: 2 * v])
    if which == 1:
        return np.piecewise(x, conds, [lambda v: v * v, 3.0, 0.5])
    return np.piecewise(x, conds[:1], [lambda v: -v])


def block(pattern, arrays):
    a, b, c, d = (arrays + [None] * 4)[:4]
    if pattern == 0:
        return np.block([[a, b], [c, d]])
    if pattern == 1:
        return np.block([a, b])
    if pattern == 2:
        return np.block([[a], [b]])
    return np.block([a, [b]])
ORDERS = ("big", "little")


def index_list(obj):
    return list(obj) if isinstance(obj, tuple) else obj


def call(fn, args):
    if fn == "histogram_bin_edges":  # a, bins, has range, lo, hi
        return np.histogram_bin_edges(args[0], args[1], range=(args[3], args[4]) if args[2] else None)
    if fn == "histogramdd":  # sample, bins, has range, density, ranges (lo, hi per dimension)
        d = args[0].shape[1] if args[0].ndim == 2 else 0
        rng = [(args[4 + 2 * k], args[5 + 2 * k]) for k in range(d)] if args[2] else None
        h, edges = np.histogramdd(args[0], bins=args[1], range=rng, density=bool(args[3]))
        return np.concatenate([h.ravel()] + list(edges))
    if fn == "apply_along_axis":  # which function, axis, arr
        return np.apply_along_axis(ALONG[args[0]], args[1], args[2])
    if fn == "apply_over_axes":  # a, axes
        return np.apply_over_axes(np.sum, args[0], list(args[1]))
    if fn == "piecewise":
        return piecewise(*args)
    if fn == "block":  # pattern, arrays
        return block(args[0], list(args[1:]))
    if fn == "mask_indices":  # n, k, triu?
        return np.stack(np.mask_indices(args[0], np.triu if args[2] else np.tril, args[1]))
    if fn in ("gcd", "lcm", "nextafter", "spacing"):
        return getattr(np, fn)(*args)
    if fn == "frexp":  # mantissas and exponents stacked as float64
        m, e = np.frexp(args[0])
        return np.stack([m.astype(np.float64), e.astype(np.float64)])
    if fn == "packbits":
        return np.packbits(args[0], axis=args[1], bitorder=ORDERS[args[2]])
    if fn == "unpackbits":
        return np.unpackbits(args[0], axis=args[1], count=None if args[2] == -99 else args[2],
                             bitorder=ORDERS[args[3]])
    if fn == "real_if_close":
        return np.real_if_close(args[0], tol=args[1])
    if fn == "full_like":
        return np.full_like(args[0], args[1], dtype=args[2])
    if fn == "insert":
        return np.insert(args[0], index_list(args[1]), args[2], axis=args[3])
    if fn == "delete":
        return np.delete(args[0], index_list(args[1]), axis=args[2])
    if fn == "choose":
        return np.choose(args[0], list(args[1:-1]), mode=MODES[args[-1]])
    a = np.array(args[0], copy=True)
    if fn == "put":
        np.put(a, args[1], args[2], mode=MODES[args[3]])
    elif fn == "put_along_axis":
        np.put_along_axis(a, args[1], args[2], args[3])
    elif fn == "putmask":
        np.putmask(a, args[1], args[2])
    elif fn == "place":
        np.place(a, args[1], args[2])
    elif fn == "copyto":
        np.copyto(a, args[1], casting=CASTINGS[args[2]], where=True if args[3] is None else args[3])
    elif fn == "fill_diagonal":
        np.fill_diagonal(a, args[1], wrap=bool(args[2]))
    return a
