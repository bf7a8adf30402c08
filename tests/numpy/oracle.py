#!/usr/bin/python3
"""numpy as kiln's semantic oracle.

Reads cases (one per line) from argv[1] and writes numpy's results to argv[2]:

  case:    <id>|<function>|<arg>|<arg>...
  arg:     A:<dtype>:<shape>:<v,v,...>   an array (floats in C99 hex, e.g. 0x1.8p+1, inf, nan;
                                         complex numbers as <re>_<im>);
                                         AT: the same array transposed, AL: the same array as
                                         a lazy expression (kiln; numpy sees the array)
           S:<int|float|bool|complex>:<value>  a Python scalar (weak, as in NEP 50)
           D:<dtype>                     a dtype argument (astype, arange, linspace)
           X:<i,j,...|none>              an axes tuple, or None
           I:<i>                         a single axis
           H:<i,j,...>                   a shape
           K:<entry>;<entry>...          an index: i<n>, s<start>,<stop>,<step> (n: open),
                                         N (newaxis), E (ellipsis), a<dtype>/<shape>/<v,v,...>
                                         (an index array)
  result:  <id>|ok|<dtype>|<shape>|<v,v,...>   or   <id>|err|<exception text>

numpy runs with the NEP 50 ("weak") promotion state that kiln follows.

Two functions need help from outside numpy 1.24: erf and erfc (numpy has none; Python's
math.erf and math.erfc, computed in float64 and rounded, are the reference), and where with
Python scalars (numpy 1.24's where predates NEP 50 there, NumPy 2 applies it: the result takes
np.result_type of the two values under the weak promotion state).
"""
import math
import os
import sys
import warnings

import numpy as np

import oracle_more

np._set_promotion_state("weak")
warnings.filterwarnings("ignore")  # empty means, ddof >= n: numpy warns, kiln agrees on nan

NUMPY_NAME = {"abs": "absolute"}


REDUCTIONS = {"sum", "prod", "max", "min", "mean", "var", "std", "any", "all", "argmax", "argmin",
              "nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd",
              "nanargmax", "nanargmin"}


def parse_tuple(rest):
    return tuple(int(x) for x in rest.split(",") if x)


def parse_complex(text):
    re, im = text.split("_")
    return complex(float.fromhex(re), float.fromhex(im))


def parse_arg(text):
    kind, rest = text.split(":", 1)
    if kind in ("AT", "AL"):
        a = parse_arg("A:" + rest)
        return a.T if kind == "AT" else a
    if kind == "X":
        return None if rest == "none" else parse_tuple(rest)
    if kind == "I":
        return int(rest)
    if kind == "H":
        return parse_tuple(rest)
    if kind == "A":
        dtype, shape, values = rest.split(":")
        shape = tuple(int(x) for x in shape.split(",") if x)
        conv = float.fromhex if dtype.startswith("float") else parse_complex if dtype.startswith("complex") else int
        vals = [conv(x) for x in values.split(",") if x]
        return np.array(vals, dtype=np.dtype(dtype)).reshape(shape)
    if kind == "S":
        k, v = rest.split(":")
        return {"int": int, "float": float.fromhex, "bool": lambda x: x == "1", "complex": parse_complex}[k](v)
    if kind == "D":
        return np.dtype(rest)
    if kind == "K":
        return tuple(parse_index_entry(e) for e in rest.split(";") if e)
    raise ValueError("bad argument " + text)


def parse_index_entry(e):
    if e[0] == "a":
        dtype, shape, values = e[1:].split("/")
        shape = tuple(int(x) for x in shape.split(",") if x)
        return np.array([int(x) for x in values.split(",") if x], dtype=np.dtype(dtype)).reshape(shape)
    if e == "N":
        return None
    if e == "E":
        return Ellipsis
    if e[0] == "i":
        return int(e[1:])
    start, stop, step = (None if x == "n" else int(x) for x in e[1:].split(","))
    return slice(start, stop, step)


def float_result_dtype(x):
    """numpy's dtype for a float function of x: floats keep theirs, bool and 8-bit integers
    float16, 16-bit ones float32, wider integers float64."""
    dtype = np.asarray(x).dtype
    if dtype.kind == "f":
        return dtype
    if dtype == np.bool_ or dtype.itemsize == 1:
        return np.dtype(np.float16)
    return np.dtype(np.float32) if dtype.itemsize == 2 else np.dtype(np.float64)


def make_complex(re, im):
    """kiln's complex(re, im): numpy's re + 1j*im element by element (without 1j*inf's nan real
    part): complex64 from float32 parts, complex128 from others; complex parts are refused."""
    t = np.result_type(re, im)
    if t.kind == "c":
        raise TypeError("complex() needs real parts")
    part = np.float32 if t in (np.float16, np.float32) else np.float64
    re, im = np.broadcast_arrays(np.asarray(re, part), np.asarray(im, part))
    r = np.empty(re.shape, np.complex64 if part == np.float32 else np.complex128)
    r.real, r.imag = re, im
    return r


def fft(fn, a, *rest):
    """numpy.fft with NumPy 2's dtypes (1.24 always gives complex128): float32 and complex64
    inputs transform in single precision, others in double."""
    if fn in ("fftfreq", "rfftfreq"):
        return getattr(np.fft, fn)(a, rest[0])
    if fn in ("fftshift", "ifftshift"):
        return getattr(np.fft, fn)(a, axes=rest[0])
    n, axis, norm = rest
    norm = ("backward", "ortho", "forward")[norm]
    if fn.endswith(("fft2", "fftn")):
        r = getattr(np.fft, fn)(a, s=n, axes=axis, norm=norm)
    else:
        r = getattr(np.fft, fn)(a, n=None if n == -1 else n, axis=axis, norm=norm)
    if a.dtype in (np.float32, np.complex64):
        r = r.astype(np.float32 if fn in ("irfft", "irfft2", "irfftn", "hfft") else np.complex64)
    return r


SETITEM_OPS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
               "divide": np.true_divide, "remainder": np.remainder, "bitwise_and": np.bitwise_and,
               "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
               "left_shift": np.left_shift, "right_shift": np.right_shift,
               "minimum": np.minimum, "maximum": np.maximum}


def setitem(fn, a, *rest):
    """r = a.copy(); r[index][index2] = value (setitem), or r[index] op= value (setitem_<op>),
    with NumPy 2's rules where 1.24 differs: a Python int out of range for an integer array
    raises, and an in-place result must cast back under same_kind."""
    *indices, value = rest
    r = a.copy()
    if isinstance(value, int) and not isinstance(value, bool) and r.dtype.kind in "iu":
        info = np.iinfo(r.dtype)
        if not info.min <= value <= info.max:
            raise OverflowError("Python integer out of bounds for " + r.dtype.name)
    view = r
    for idx in indices[:-1]:
        # kiln's a[i][j] = v also updates a where a[i] is 0-d (numpy's a[i] is then a copy):
        # the 0-d view a[i + (...,)] stands for it.
        view = view[idx] if Ellipsis in idx else view[idx + (Ellipsis,)]
    last = indices[-1]
    if fn == "setitem":
        if np.asarray(value).dtype.kind == "c" and r.dtype.kind not in "cb":
            raise TypeError("complex into a real array")  # numpy 1.24 only warns for arrays
        view[last] = value
        check_index_bounds(view, last)
        return r
    part = np.asarray(view[last])
    res = np.asarray(SETITEM_OPS[fn[len("setitem_"):]](part, value))
    if res.shape != part.shape:
        raise ValueError("non-broadcastable output operand")
    if not np.can_cast(res.dtype, r.dtype, "same_kind"):
        raise TypeError("cannot cast the result in place")
    view[last] = res
    check_index_bounds(view, last)
    return r


def check_index_bounds(a, idx):
    """NumPy 2 checks every position of an index with arrays, even where nothing is selected;
    numpy 1.24 skips the check for a single index array over an empty part: raise as 2 does."""
    if not any(isinstance(e, np.ndarray) for e in idx):
        return
    consumed = sum(e.ndim if isinstance(e, np.ndarray) and e.dtype == bool
                   else 0 if e is None or e is Ellipsis else 1 for e in idx)
    axis = 0
    for e in idx:
        if e is Ellipsis:
            axis += a.ndim - consumed
        elif isinstance(e, np.ndarray) and e.dtype == bool:
            axis += e.ndim
        elif e is not None:
            if not isinstance(e, slice):
                n = a.shape[axis]
                v = np.asarray(e)
                if v.size and (v.min() < -n or v.max() >= n):
                    raise IndexError("index out of bounds for axis %d with size %d" % (axis, n))
            axis += 1


def ufunc_at(fn, a, idx, value):
    """np.<op>.at(r, idx, value) on a copy, with NumPy 2's rules: a Python int out of range for
    an integer array raises, and the result must cast back under same_kind."""
    r = a.copy()
    if isinstance(value, int) and not isinstance(value, bool) and r.dtype.kind in "iu":
        info = np.iinfo(r.dtype)
        if not info.min <= value <= info.max:
            raise OverflowError("Python integer out of bounds for " + r.dtype.name)
        value = r.dtype.type(value)  # weak: the array's dtype (1.24's ufunc.at is not NEP 50)
    ufunc = SETITEM_OPS[fn[len("at_"):]]
    res = ufunc(np.zeros((), r.dtype), value)
    if not np.can_cast(np.asarray(res).dtype, r.dtype, "same_kind"):
        raise TypeError("cannot cast the result in place")
    if np.asarray(value).dtype.kind == "c" and r.dtype.kind not in "cb":
        raise TypeError("complex into a real array")
    ufunc.at(r, idx, value)
    check_index_bounds(a, idx)
    return r


COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}


def exact_comparison(args):
    """NumPy 2 compares a Python int with an integer array exactly even out of the array's range
    (1.24 raises OverflowError): compare in int64 where the value fits it."""
    ints = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    if not ints or len(arrays) != 1 or arrays[0].dtype.kind not in "iu" or arrays[0].dtype == np.uint64:
        return args
    info = np.iinfo(arrays[0].dtype)
    if all(info.min <= v <= info.max for v in ints):
        return args
    return [a.astype(np.int64) if isinstance(a, np.ndarray) else a for a in args]


def linalg(fn, args):
    """kiln::linalg's cases: see build_linalg in oracle.hpp for the shifted inputs."""
    raw = fn.endswith("_raw")
    f = fn[:-4] if raw else fn
    a = args[0]

    def shifted(m):
        if raw or m.ndim < 2:
            return m
        t = np.promote_types(m.dtype, np.float32)
        return m.astype(t) + np.eye(m.shape[-1], dtype=t) * (4 * m.shape[-1])

    if f == "cross":
        return np.cross(a, args[1])
    if f == "linalg.solve":  # NumPy 2's rule: b is a vector exactly when it is 1-d
        b = args[1]
        if a.ndim < 2 or b.ndim == 0:
            return np.linalg.solve(shifted(a), b)
        bm = b[:, None] if b.ndim == 1 else b
        if a.shape[-1] != a.shape[-2] or bm.shape[-2] != a.shape[-1]:
            return np.linalg.solve(shifted(a), bm)  # numpy's error
        batch = np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
        r = np.linalg.solve(np.broadcast_to(shifted(a), batch + a.shape[-2:]),
                            np.broadcast_to(bm, batch + bm.shape[-2:]))
        return r[..., 0] if b.ndim == 1 else r
    if f == "linalg.inv":
        return np.linalg.inv(shifted(a))
    if f.startswith("linalg.cond"):
        p = "fro" if f == "linalg.cond_fro" else None if f == "linalg.cond_none" else args[1]
        if a.ndim >= 2:  # strictly diagonally dominant: never singular
            t = np.promote_types(a.dtype, np.float32)
            a = a.astype(t) + np.eye(a.shape[-1], dtype=t) * (4 * a.shape[-1] + 8)
        return np.linalg.cond(a, p)
    if f == "linalg.multi_dot":
        return np.linalg.multi_dot(list(args))
    if f == "linalg.tensorinv":  # a + 8 (kiln's side alike): no singular matrix of small integers
        return np.linalg.tensorinv(a + 8.0, ind=args[1])
    if f == "linalg.tensorsolve":
        n = args[1].size
        t = np.promote_types(a.dtype, np.float32)
        return np.linalg.tensorsolve(a.astype(t) + (np.eye(n, dtype=t) * (4 * n)).reshape(a.shape),
                                     args[1])
    if f == "linalg.det":
        return np.linalg.det(shifted(a))
    if f == "linalg.slogdet":
        return np.stack(np.linalg.slogdet(shifted(a)))
    if f == "linalg.cholesky":
        if not raw and a.ndim >= 2:
            t = np.promote_types(a.dtype, np.float32)
            w = a.astype(t)
            a = w @ np.swapaxes(w, -1, -2) + np.eye(a.shape[-1], dtype=t) * a.shape[-1]
        return np.linalg.cholesky(a)
    if f == "linalg.matrix_power":
        return np.linalg.matrix_power(shifted(a) if args[1] < 0 else a, args[1])
    if f == "linalg.norm":
        if args[2] is None:
            return np.linalg.norm(a)
        return np.linalg.norm(a, ord=args[1], axis=args[2], keepdims=bool(args[3]))
    return decomposition(f, a, args)


def counting(fn, args):
    """kiln/histograms.hpp's cases (build_counting in oracle_counting.hpp): a histogram's counts
    and edges concatenated."""
    a = args[0]
    if fn == "bincount":
        return np.bincount(a, minlength=args[1])
    if fn == "bincount_w":
        return np.bincount(a, weights=args[1], minlength=args[2])
    if fn == "digitize":
        return np.digitize(a, args[1], right=bool(args[2]))
    if fn.startswith("histogram2d"):
        rng = [args[4:6], args[6:8]] if args[3] else None
        w = args[9] if fn == "histogram2d_w" else None
        h, xe, ye = np.histogram2d(a, args[1], bins=args[2], range=rng, weights=w,
                                   density=bool(args[8]))
        return np.concatenate([h.ravel(), xe, ye])
    if fn.startswith("histogram_edges"):
        w = args[3] if fn == "histogram_edges_w" else None
        h, e = np.histogram(a, bins=args[1], weights=w, density=bool(args[2]))
        return np.concatenate([h, e])
    rng = (args[3], args[4]) if args[2] else None
    w = args[6] if fn == "histogram_w" else None
    h, e = np.histogram(a, bins=args[1], range=rng, weights=w, density=bool(args[5]))
    return np.concatenate([h, e])


def squared_magnitudes(x):
    """|x|^2 of each factor with free signs or phases, each matrix flattened."""
    m = (x * x.conj()).real if np.iscomplexobj(x) else x * x
    return m.reshape(m.shape[:-2] + (-1,))


def well_conditioned(a):
    """a + 4 max(m, n) times the (rectangular) identity, in a floating type."""
    t = np.promote_types(a.dtype, np.float32)
    m, n = a.shape[-2:]
    return a.astype(t) + np.eye(m, n, dtype=t) * (4 * max(m, n))


def decomposition(f, a, args):
    """The decompositions by what is unique about them (values, and squared magnitudes of the
    factors), and pinv, matrix_rank, lstsq and the matrix norms; see build_linalg."""
    if f == "linalg.eigvalsh":
        return np.linalg.eigvalsh(a, UPLO="U" if args[1] else "L")
    if f == "linalg.eigh":
        w, v = np.linalg.eigh(a)
        return np.concatenate([w, squared_magnitudes(v)], -1)
    if f == "linalg.eigvals":  # in numpy's sort order (LAPACK's own order is not unique)
        return np.sort(np.linalg.eigvals(a), axis=-1)
    if f == "linalg.eig":  # sorted values, then the vectors' squared magnitudes in that order
        w, v = np.linalg.eig(a)
        order = np.argsort(w, axis=-1, kind="stable")
        v = np.take_along_axis(v, order[..., None, :], -1)
        return np.concatenate([np.take_along_axis(w, order, -1), squared_magnitudes(v)], -1)
    if f == "linalg.svdvals":
        return np.linalg.svd(a, compute_uv=False)
    if f in ("linalg.svd", "linalg.pinv") and not np.isfinite(a).all():
        # kiln's error: numpy's for a nan; with an inf numpy's gesdd may never return
        raise np.linalg.LinAlgError("SVD did not converge")
    if f == "linalg.svd":
        u, s, vh = np.linalg.svd(a, full_matrices=bool(args[1]))
        return np.concatenate([squared_magnitudes(u), s, squared_magnitudes(vh)], -1)
    if f == "linalg.qr":
        if args[1] == 2:
            return squared_magnitudes(np.linalg.qr(a, "r"))
        q, r = np.linalg.qr(a, "complete" if args[1] == 1 else "reduced")
        return np.concatenate([squared_magnitudes(q), squared_magnitudes(r)], -1)
    if f == "linalg.pinv":
        return np.linalg.pinv(well_conditioned(a) if a.ndim >= 2 else a)
    if f == "linalg.matrix_rank":
        return np.asarray(np.linalg.matrix_rank(a), dtype=np.int64)
    if f == "linalg.lstsq":
        b = args[1]
        if not (np.isfinite(a).all() and np.isfinite(b).all()):  # (numpy hangs on a nan)
            raise np.linalg.LinAlgError("SVD did not converge in Linear Least Squares")
        x, res, rank, s = np.linalg.lstsq(well_conditioned(a) if a.ndim == 2 else a, b, rcond=None)
        return np.concatenate([x.ravel(), res, [rank], s]).astype(x.dtype)
    if f.startswith("linalg.matrix_norm"):  # _fro, _nuc, or an ord
        ord = f[len("linalg.matrix_norm_"):] or args[1]
        return np.linalg.norm(a, ord=ord, axis=tuple(args[2]), keepdims=bool(args[3]))
    raise ValueError("unknown linalg." + f)


FUNCTIONS = ("hsplit", "vsplit", "dsplit", "append", "select", "array_equiv", "average",
             "nancumsum", "nancumprod", "interp", "logspace", "geomspace", "identity", "rollaxis",
             "copy", "vander", "resize", "unwrap", "modf", "divmod", "ldexp", "in1d", "isin",
             "union1d", "intersect1d", "setdiff1d", "setxor1d", "lexsort", "sort_complex",
             "trim_zeros", "broadcast_shapes", "diag_indices", "diag_indices_from", "tril_indices",
             "triu_indices", "tril_indices_from", "triu_indices_from", "ix_", "unravel_index",
             "ravel_multi_index")


def functions(fn, args):
    """numpy's smaller functions as tests/numpy/oracle_functions.hpp calls kiln's."""
    if fn in ("hsplit", "vsplit", "dsplit"):  # the parts, flattened and joined
        at = list(args[1]) if isinstance(args[1], tuple) else args[1]
        parts = getattr(np, fn)(args[0], at)
        return np.concatenate([p.reshape(-1) for p in parts]) if parts else np.zeros(0)
    if fn == "append":
        return np.append(args[0], args[1], axis=args[2])
    if fn == "select":
        n = args[0]
        return np.select(list(args[1:1 + n]), list(args[1 + n:1 + 2 * n]), args[1 + 2 * n])
    if fn == "array_equiv":
        return np.array(np.array_equiv(args[0], args[1]))
    if fn == "average":
        w = args[2] if isinstance(args[2], np.ndarray) else None
        return np.average(args[0], axis=args[1], weights=w)
    if fn in ("nancumsum", "nancumprod"):
        return getattr(np, fn)(args[0], axis=args[1])
    if fn == "interp":
        kw = {"left": args[4], "right": args[5]} if args[3] else {}
        return np.interp(args[0], args[1], args[2], **kw)
    if fn == "logspace":
        return np.logspace(args[0], args[1], args[2], endpoint=bool(args[3]), base=args[4],
                           dtype=args[5])
    if fn == "geomspace":
        return np.geomspace(args[0], args[1], args[2], endpoint=bool(args[3]), dtype=args[4])
    if fn == "identity":
        return np.identity(args[0], dtype=args[1])
    if fn == "rollaxis":
        return np.rollaxis(args[0], args[1], args[2])
    return more_functions(fn, args)


def more_functions(fn, args):
    if fn == "copy":
        return np.copy(args[0])
    if fn == "vander":
        return np.vander(args[0], None if args[1] < 0 else args[1], increasing=bool(args[2]))
    if fn == "resize":
        return np.resize(args[0], args[1])
    if fn == "unwrap":
        return np.unwrap(args[0], discont=args[2] if args[1] else None, axis=args[3],
                         period=args[4])
    if fn in ("modf", "divmod"):
        return np.stack(getattr(np, fn)(*args))
    if fn in ("in1d", "isin"):
        return getattr(np, fn)(args[0], args[1], invert=bool(args[2]))
    if fn == "lexsort":
        return np.lexsort(tuple(args))
    if fn == "trim_zeros":
        return np.trim_zeros(args[0], ("fb", "f", "b")[args[1]])
    if fn == "broadcast_shapes":
        return np.array(np.broadcast_shapes(*args), dtype=np.int64)
    if fn in ("diag_indices", "tril_indices", "triu_indices"):
        if fn != "diag_indices" and args[2] < 0:
            args = args[:2]
        return np.stack(getattr(np, fn)(*args))
    if fn in ("diag_indices_from", "tril_indices_from", "triu_indices_from"):
        return np.stack(getattr(np, fn)(*args))
    if fn == "ix_":
        return np.stack(np.broadcast_arrays(*np.ix_(*args)))
    if fn == "unravel_index":
        return np.stack(np.unravel_index(args[0], args[1]))
    if fn == "ravel_multi_index":
        return np.ravel_multi_index(tuple(args[:-1]), args[-1])
    return getattr(np, fn)(*args)


def call(fn, args):
    if fn in COMPARISONS:
        args = exact_comparison(args)
    if fn in REDUCTIONS:
        kwargs = {"axis": args[1], "keepdims": args[2]}
        if len(args) > 3:
            kwargs["ddof"] = args[3]
        return getattr(np, fn)(args[0], **kwargs)
    if fn == "reshape":
        return np.reshape(args[0], args[1])
    if fn in ("transpose", "squeeze"):
        return getattr(np, fn)(args[0], args[1] if len(args) > 1 else None)
    if fn == "expand_dims":
        return np.expand_dims(args[0], args[1])
    if fn == "broadcast_to":
        return np.broadcast_to(args[0], args[1])
    if fn in ("scatter", "scatter_add"):
        a, idx, values, axis = args
        if isinstance(values, int) and not isinstance(values, bool) and a.dtype.kind in "iu":
            info = np.iinfo(a.dtype)  # NumPy 2: a Python int out of range raises
            if not info.min <= values <= info.max:
                raise OverflowError("Python integer out of bounds for " + a.dtype.name)
            # ... and takes the array's dtype (1.24's add.at adds it to uint64 in float64)
            values = a.dtype.type(values)
        if not -a.ndim <= axis < a.ndim:
            raise np.AxisError(axis, a.ndim)
        r = a.copy()
        key = (slice(None),) * (axis % a.ndim) + (idx,)
        if fn == "scatter":
            r[key] = values
        else:
            # numpy 1.24's add.at casts each sum back unsafely (adding 0.75 into an int array
            # silently does nothing); numpy 2 refuses casts that are not same_kind, as kiln does.
            if not np.can_cast(np.result_type(r, values), r.dtype, "same_kind"):
                raise TypeError("add.at cannot cast the sum to the array's dtype")
            np.add.at(r, key, values)
        return r
    if fn in ("concatenate", "stack"):
        return getattr(np, fn)(args[:-1], axis=args[-1])
    if fn == "cov":
        return np.cov(args[0], rowvar=args[1], ddof=args[2])
    if fn == "corrcoef":
        return np.corrcoef(args[0], rowvar=args[1])
    if fn == "pad":  # widths as a flat shape: before, after, before, after, ...
        return np.pad(args[0], np.array(args[1], dtype=np.int64).reshape(-1, 2), constant_values=args[2])
    if fn.startswith(("correlate.", "convolve.")):
        name, mode = fn.split(".")
        return getattr(np, name)(args[0], args[1], mode)
    if fn == "nan_to_num":
        kw = {"posinf": args[3], "neginf": args[4]} if args[2] else {}
        return np.nan_to_num(args[0], nan=args[1], **kw)
    if fn in ("count_nonzero", "ptp"):
        r = getattr(np, fn)(args[0], axis=args[1])
        return np.asarray(r, dtype=np.int64) if fn == "count_nonzero" else r
    if fn == "broadcast_arrays":
        return np.stack(np.broadcast_arrays(*args))
    if fn == "tri":
        return np.tri(args[0], args[1], k=args[2], dtype=args[3])
    if fn == "trapz":
        return np.trapz(args[0], dx=args[2], axis=args[1])
    if fn == "trapz_x":
        return np.trapz(args[0], x=args[2], axis=args[1])
    if fn == "tensordot":
        return np.tensordot(args[0], args[1], axes=args[2])
    if fn in ("fmax", "fmin", "heaviside"):
        return getattr(np, fn)(args[0], args[1])
    if fn in ("mgrid", "ogrid"):  # (kind, start, stop, step or points) per range
        key = tuple(slice(a, b, c * 1j if k == 2 else c)
                    for k, a, b, c in zip(args[0::4], args[1::4], args[2::4], args[3::4]))
        g = getattr(np, fn)[key if len(key) > 1 else key[0]]
        if fn == "ogrid" and len(key) > 1:
            g = np.stack(np.broadcast_arrays(*g))
        return g
    if fn == "gradient":  # edge_order, axes (None: all), spacings; the results stacked
        r = np.gradient(args[0], *args[3:], axis=args[2], edge_order=args[1])
        return np.stack(r if isinstance(r, (list, tuple)) else [r])
    if fn.startswith("pad."):  # stat_length (-1: None) and end_values for the modes using them
        mode, kwargs = fn[4:], {}
        if mode in ("maximum", "minimum", "mean", "median"):
            kwargs["stat_length"] = None if args[2] < 0 else args[2]
            if args[2] == 0:
                raise ValueError("stat_length must be at least 1")  # kiln's rule (numpy: nan)
        if mode == "linear_ramp":
            kwargs["end_values"] = (args[3], args[4])
        return np.pad(args[0], np.array(args[1], dtype=np.int64).reshape(-1, 2), mode, **kwargs)
    if fn == "meshgrid":  # the grids stacked
        return np.stack(np.meshgrid(*args[:-1], indexing="ij" if args[-1] else "xy"))
    if fn in ("hstack", "vstack", "dstack", "column_stack"):
        return getattr(np, fn)(args)
    if fn in FUNCTIONS:
        return functions(fn, args)
    if fn in oracle_more.FUNCTIONS:
        return oracle_more.call(fn, args)
    if fn in ("split", "array_split"):  # the parts, flattened and joined (their shapes apart)
        parts = getattr(np, fn)(*args)
        return np.concatenate([p.reshape(-1) for p in parts]) if parts else np.zeros(0)
    if fn == "nonzero":  # as one array; NumPy 2 refuses a 0-d array (1.24 only warns)
        if args[0].ndim == 0:
            raise ValueError("Calling nonzero on 0d arrays is not allowed")
        return np.stack(np.nonzero(args[0]))
    if fn in ("take", "cumsum", "cumprod", "compress"):
        return getattr(np, fn)(*args[:-1], axis=args[-1])
    if fn == "index":
        r = args[0][args[1]]
        check_index_bounds(args[0], args[1])
        return r
    if fn.startswith("setitem"):
        return setitem(fn, *args)
    if fn.startswith("at_"):
        return ufunc_at(fn, *args)
    if fn in ("sort", "argsort"):  # kiln's sorts are stable
        return getattr(np, fn)(args[0], axis=args[1], kind="stable")
    if fn == "searchsorted":
        return np.searchsorted(np.sort(args[0], kind="stable"), args[1], side="right" if args[2] else "left")
    if fn == "unique_counts":
        return np.unique(args[0], return_counts=True)[1]
    if fn == "unique_inverse":  # NumPy 2's shape: the input's
        return np.unique(args[0], return_inverse=True)[1].reshape(np.shape(args[0]))
    if fn in ("median", "nanmedian"):
        return getattr(np, fn)(args[0], axis=args[1], keepdims=bool(args[2]))
    if fn in ("quantile", "percentile", "nanquantile", "nanpercentile"):
        q = args[1]
        if isinstance(q, tuple):  # several: a shape's entries, / 100 for quantile
            q = np.array(q, dtype=np.float64) / (100.0 if fn.endswith("quantile") else 1.0)
        r = np.asarray(getattr(np, fn)(args[0], q, axis=args[2], keepdims=bool(args[3])))
        # numpy 1.24 interpolates in float64, but gives a float input's own nan (its dtype) when a
        # flattened input holds one: a dtype that depends on the data. kiln's is float64.
        return r.astype(np.float64) if args[0].dtype.kind == "f" else r
    if fn in oracle_more.FUNCTIONS:
        return oracle_more.call(fn, args)
    if fn.startswith(("bincount", "digitize", "histogram")):
        return counting(fn, args)
    if fn.startswith("outer."):
        return getattr(np, fn[6:]).outer(args[0], args[1])
    if fn.startswith("einsum:"):
        return np.einsum(fn[7:], *args, optimize=True)
    if fn.startswith("einsum_path:"):
        path, text = np.einsum_path(fn[12:], *args, optimize="greedy")
        figures = [float(line.split(":")[1].split()[0]) for line in text.split("\n")
                   if line.strip().startswith(("Naive FLOP", "Optimized FLOP", "Largest"))]
        return np.array([v for step in path[1:] for v in list(step) + [-1]] + figures, dtype=np.float64)
    if fn.startswith("linalg.") or fn == "cross":
        return linalg(fn, args)
    if fn in ("zeros", "ones"):
        return getattr(np, fn)(args[0], dtype=args[1])
    if fn == "full":
        return np.full(args[0], args[1], dtype=args[2])
    if fn in ("zeros_like", "ones_like"):
        return getattr(np, fn)(args[0], dtype=args[1])
    if fn == "eye":
        return np.eye(args[0], args[1], k=args[2], dtype=args[3])
    if fn == "around":
        return np.around(args[0], args[1])
    if fn == "flatten":
        return args[0].flatten()
    if fn in ("erf", "erfc"):
        f = np.vectorize(getattr(math, fn), otypes=[np.float64])
        return f(np.asarray(args[0], dtype=np.float64)).astype(float_result_dtype(args[0]))
    if fn == "where":
        t = np.result_type(args[1], args[2])
        for v in args[1:]:  # NumPy 2: a Python int out of the result's range raises
            if isinstance(v, int) and not isinstance(v, bool) and t.kind in "iu":
                if not np.iinfo(t).min <= v <= np.iinfo(t).max:
                    raise OverflowError("Python integer %d out of bounds for %s" % (v, t))
        return np.where(*args).astype(t)
    if fn == "astype":
        return args[0].astype(args[1])
    if fn == "arange":
        return np.arange(args[0], args[1], args[2], dtype=args[3])
    if fn == "linspace":
        return np.linspace(args[0], args[1], args[2], endpoint=args[3], dtype=args[4])
    if fn == "complex":
        return make_complex(*args)
    if fn.startswith("fft."):
        return fft(fn[4:], *args)
    return getattr(np, NUMPY_NAME.get(fn, fn))(*args)


def format_values(r):
    flat = r.reshape(-1)
    if r.dtype.kind == "f":
        return ",".join(float(v).hex() for v in flat)
    if r.dtype.kind == "c":
        return ",".join(float(v.real).hex() + "_" + float(v.imag).hex() for v in flat)
    if r.dtype.kind == "b":
        return ",".join("1" if v else "0" for v in flat)
    return ",".join(str(int(v)) for v in flat)


def evaluate(fn, args):
    with np.errstate(all="ignore"):
        return np.asarray(call(fn, args))


def numpy_names(fn):
    """The numpy function(s) a case exercises, for the README's coverage table
    (tests/numpy/coverage.py)."""
    if fn in oracle_more.FUNCTIONS:
        return [fn]
    for prefix, name in (("trapz", "trapz"), ("einsum:", "einsum"), ("einsum_path:", "einsum_path"), ("pad.", "pad"),
                         ("correlate.", "correlate"), ("convolve.", "convolve"),
                         ("histogram2d", "histogram2d"), ("histogram", "histogram"),
                         ("bincount", "bincount"), ("unique_", "unique"),
                         ("linalg.matrix_norm", "linalg.norm"), ("outer.", "ufunc.outer")):
        if fn.startswith(prefix):
            return [name]
    name = fn[:-4] if fn.endswith("_raw") else fn
    return [NUMPY_NAME.get(name, name)]


def record_coverage(names):
    """Appends the numpy functions the cases exercised to $KILN_COVERAGE_FILE, when set."""
    path = os.environ.get("KILN_COVERAGE_FILE")
    if path:
        with open(path, "a") as f:
            f.write("".join(n + "\n" for n in sorted(names)))


def main():
    out = []
    exercised = set()
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.rstrip("\n").split("|")
            case_id, fn, args = parts[0], parts[1], [parse_arg(a) for a in parts[2:]]
            exercised.update(numpy_names(fn))
            try:
                r = evaluate(fn, args)
                shape = ",".join(str(d) for d in r.shape)
                out.append(f"{case_id}|ok|{r.dtype.name}|{shape}|{format_values(r)}")
            except Exception as e:  # numpy refused: kiln must refuse too
                out.append(f"{case_id}|err|{type(e).__name__}: {e}".replace("\n", " "))
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")
    record_coverage(exercised)


if __name__ == "__main__":
    main()
