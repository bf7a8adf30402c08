"""numpy's side of tests/numpy/oracle_placement.hpp: the placement functions (numpy's in-place
ones on a copy, which is returned) and the smaller numeric functions added after oracle.py's."""
import numpy as np

MODES = ("raise", "wrap", "clip")
CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")

FUNCTIONS = ("insert", "delete", "put", "put_along_axis", "putmask", "place", "copyto",
             "fill_diagonal", "choose", "gcd", "lcm", "frexp", "nextafter", "spacing", "packbits",
             "unpackbits", "real_if_close", "full_like")
ORDERS = ("big", "little")


def index_list(obj):
    return list(obj) if isinstance(obj, tuple) else obj


def call(fn, args):
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
