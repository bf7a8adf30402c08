#!/usr/bin/python3
"""numpy side of kiln's differential program fuzzer (tests/fuzz).

Reads a batch of programs from argv[1] and writes numpy's result for every statement to argv[2].
One python process evaluates the whole batch, since python and numpy start slowly.

  input:   P|<program>                         a new program (its values start at v0)
           S|<stmt>|<fn>|<arg>|<arg>...        statement <stmt> of it; its value is v<stmt>
  args:    oracle.py's encoding (A:, S:, D:, X:, I:, H:, K:, AT:, AL:), plus V:<n>, the value
           of an earlier statement of the same program
  output:  <program>|<stmt>|ok|<dtype>|<shape>|<check>|<v,v,...>
           <program>|<stmt>|err|<exception>    numpy raised: kiln must raise (call or sync);
                                               the program ends here
           <program>|<stmt>|stop|<reason>      undefined or value-dependent in numpy: the
                                               program ends before this statement

<check> says how kiln's values must match, from how each value was computed:
  x        exact: bit for bit (nan matches any nan). Integer and bool results, and floats
           computed only by correctly rounded operations (+ - * / sqrt, casts, views...) from
           exact values.
  u        within 4 ulp (math-library functions: exp, sin, power, arctan2, ... of exact values).
  a<err>   approximate: |kiln - numpy| <= err + tol * |numpy|, err (a C99 hex float) bounding
           the absolute error carried from summation order (sum, mean, var, matmul, ...) and
           approximate inputs. tol: 2e-3 for float16, 1e-5 for float32, 1e-12 for float64
           results.
  n        unreliable: only dtype and shape are compared. A discontinuous function (a
           comparison, floor, astype to an integer, argmax, ...) or a non-linear one (exp, 1/x,
           ...) of an approximate value: a rounding difference in its input may legitimately
           change its output.

The program stops (no comparison from there on) before statements whose numpy result is
undefined or platform-dependent: float to integer casts of nan, inf or out-of-range values
(astype, scatter), integer floor_divide / remainder / % by zero or of the minimum by -1,
integer reciprocal of 0, and gathers / integer powers whose indices / exponents are
unreliable (whether they raise would depend on rounding), clip with a bool operand or a nan bound
(numpy 1.24 quirks, see check_undefined), and out-of-bound gather / scatter
indices on an empty array (numpy 1.24 ignores them with a DeprecationWarning; kiln raises, as
later numpy does), and scatter values that do not broadcast to an empty scattered part
(numpy 1.24 skips the check). The kiln bugs it found are fixed and kept as tests in
test_fuzz_regressions.cpp.
"""
import math
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "numpy"))
import oracle  # noqa: E402  (sets the NEP 50 promotion state)

warnings.filterwarnings("ignore")
UNRELIABLE = math.inf
TOL = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-12}
# Beyond this, an approximate value's rounding can decide whether a later step overflows.
BIG = {"float16": 3e4, "float32": 1e30, "float64": 1e300}

OPERATORS = {
    "__add__": "add", "__sub__": "subtract", "__mul__": "multiply", "__truediv__": "divide",
    "__mod__": "remainder", "__neg__": "negative", "__eq__": "equal", "__ne__": "not_equal",
    "__lt__": "less", "__le__": "less_equal", "__gt__": "greater", "__ge__": "greater_equal",
    "__and__": "bitwise_and", "__or__": "bitwise_or", "__xor__": "bitwise_xor",
    "__invert__": "invert", "__lshift__": "left_shift", "__rshift__": "right_shift",
}
ULP_FNS = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
           "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "erf", "erfc", "arctan2",
           "hypot", "power"}
# Continuous, and never worse than their worst input: the error bound carries over.
CARRY = {"reshape", "transpose", "squeeze", "expand_dims", "broadcast_to", "flatten", "index",
         "eval", "array", "negative", "abs", "maximum", "minimum", "clip", "max", "min",
         "concatenate", "stack", "take", "take_along_axis", "scatter", "setitem"}
SUMS = {"add", "subtract", "sum", "mean", "cumsum", "scatter_add", "setitem_add"}
# Where an input index or exponent decides whether the call raises.
INDEX_ARG = {"take": 1, "take_along_axis": 1, "scatter": 1, "scatter_add": 1}


class Stop(Exception):
    pass


def is_float(x):
    return np.asarray(x).dtype.kind == "f"


def is_complex(x):
    return np.asarray(x).dtype.kind == "c"


def mag(x):
    """Largest finite magnitude in x (0 for an empty array)."""
    a = np.asarray(x)
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    a = a[np.isfinite(a)] if a.dtype.kind in "fc" else a
    return float(np.max(np.abs(a.astype(np.float64)))) if a.size else 0.0


def count(x):
    return int(np.asarray(x).size)


def reduced_count(a, axes):
    a = np.asarray(a)
    if axes is None:
        return a.size
    axes = (axes,) if isinstance(axes, int) else axes
    n = 1
    for ax in axes:
        n *= a.shape[ax]
    return n


def check_undefined(fn, args):
    """Raises Stop where numpy's result is undefined or platform-dependent (see above)."""
    fn = OPERATORS.get(fn, fn)
    if fn in ("astype", "scatter") and len(args) > 1:
        src = np.asarray(args[2] if fn == "scatter" else args[0])
        dst = np.asarray(args[0]).dtype if fn == "scatter" else np.dtype(args[1])
        if src.dtype.kind == "c":
            src = src.real
        if src.dtype.kind == "f" and dst.kind in "iu":
            info = np.iinfo(dst)
            with np.errstate(all="ignore"):
                ok = np.isfinite(src) & (src > info.min - 1.0) & (src < info.max + 1.0)
            if not np.all(ok) or (src.size and np.max(np.abs(src)) >= 2.0 ** 62):
                raise Stop("float to integer cast of nan, inf or an out-of-range value")
    if fn in ("floor_divide", "remainder") and len(args) == 2:
        a, b = (np.asarray(x) for x in args)
        if np.result_type(*args).kind in "iub":
            if np.any(b == 0):
                raise Stop("integer division by zero")
            if b.dtype.kind in "iu" or a.dtype.kind in "iu":
                t = np.result_type(*args)
                if t.kind == "i" and np.any((a == np.iinfo(t).min) & (b == -1)):
                    raise Stop("integer minimum divided by -1")
    if fn == "clip":
        # numpy 1.24 quirks: with a bool operand clip promotes unlike np.result_type's NEP 50
        # rules (float32 array, 0-d bool bound, 0.25 -> float64; bool array, int32 bound, 1 ->
        # int64), and a nan bound is ignored (clip(0., 0., nan) is 0., where kiln, documented as
        # minimum(maximum(a, lo), hi), gives nan).
        if any(np.asarray(x).dtype == np.bool_ for x in args):
            raise Stop("numpy 1.24 clip promotion with a bool operand")
        if any(np.asarray(x).dtype.kind == "f" and np.any(np.isnan(x)) for x in args[1:]):
            raise Stop("numpy 1.24 clip ignores a nan bound")
    if fn in INDEX_ARG and len(args) > 2:
        # numpy 1.24 ignores out-of-bound indices when the indexing touches no element (a
        # DeprecationWarning; later numpy raises, as kiln does).
        a, idx, axis = np.asarray(args[0]), np.asarray(args[1]), args[-1]
        extent = a.size if axis is None else (a.shape[axis] if -a.ndim <= axis < a.ndim else 0)
        if idx.dtype.kind in "iu" and np.any((idx < -extent) | (idx >= extent)) and a.size == 0:
            raise Stop("out-of-bound index that numpy 1.24 ignores on an empty array")
    if fn.startswith("setitem") and len(args) == 3 and any(isinstance(e, np.ndarray) for e in args[1]):
        # numpy 1.24 skips the broadcast check of the value where an index array selects
        # nothing.
        try:
            part = np.asarray(args[0])[args[1]]
        except Exception:
            part = None
        if part is not None and part.size == 0:
            try:
                np.broadcast_to(args[2], part.shape)
            except ValueError:
                raise Stop("a value that does not broadcast into an empty fancy-indexed part")
    if fn in ("scatter", "scatter_add") and -np.ndim(args[0]) <= args[3] < np.ndim(args[0]):
        # numpy 1.24 skips the broadcast check of the values when the scattered part is empty.
        a, idx, axis = np.asarray(args[0]), np.asarray(args[1]), args[3] % np.ndim(args[0])
        target = a.shape[:axis] + idx.shape + a.shape[axis + 1:]
        try:
            ok = np.broadcast_shapes(np.shape(args[2]), target) == target
        except ValueError:
            ok = False
        if not ok and 0 in target:
            raise Stop("values that do not broadcast to an empty scatter (numpy 1.24 allows it)")
    if fn == "scatter_add" and -np.ndim(args[0]) <= args[3] < np.ndim(args[0]):
        # numpy 1.24's add.at accepts values with extra leading axes for some keys and fails on
        # an internal reshape for others; kiln refuses them (they do not broadcast).
        a, axis = np.asarray(args[0]), args[3] % np.ndim(args[0])
        if np.ndim(args[2]) > a.ndim - 1 + np.ndim(args[1]):
            raise Stop("scatter_add values with more axes than the target (numpy inconsistent)")
    if fn == "reciprocal" and np.asarray(args[0]).dtype.kind in "iu":
        if np.any(np.asarray(args[0]) == 0):
            raise Stop("integer reciprocal of 0")


# kiln's complex loops (graph/types.cpp); numpy has more, which kiln refuses by design.
COMPLEX_FNS = {"add", "subtract", "multiply", "divide", "negative", "square", "reciprocal", "exp",
               "abs", "real", "imag", "conj", "angle", "equal", "not_equal", "isnan", "isinf",
               "isfinite", "logical_and", "logical_or", "logical_xor", "logical_not", "where",
               "astype", "sum", "mean", "var", "std", "any", "all", "matmul", "dot", "outer",
               "reshape", "transpose", "squeeze", "expand_dims", "broadcast_to", "flatten",
               "index", "eval", "array", "concatenate", "stack", "take", "take_along_axis",
               "scatter", "scatter_add", "cumsum", "full", "zeros", "eye", "setitem",
               "setitem_add"}


def check_kiln_limits(fn, args, r):
    """Raises Stop where kiln refuses by design what numpy computes: complex functions kiln
    leaves out (README), rfft of complex input."""
    fn = OPERATORS.get(fn, fn)
    if fn.startswith("fft."):
        a = np.asarray(args[0])
        if fn == "fft.rfft" and a.dtype.kind == "c":
            raise Stop("rfft of complex input: numpy 1.24 drops the imaginary part, NumPy 2 and "
                       "kiln refuse")
        if not np.all(np.isfinite(a)):
            raise Stop("FFT of infinities or nans: which nans each algorithm makes differs")
        return
    arrays = [a for a in args if isinstance(a, (np.ndarray, complex))]
    if any(is_complex(a) for a in arrays) and fn not in COMPLEX_FNS:
        raise Stop("a complex function kiln leaves out")


def complex_bound(fn, args, errs, r):
    """Error bounds of results with complex operands: exact where kiln and numpy use the same
    correctly rounded part operations, else relative to the magnitudes involved."""
    worst = max(errs) if errs else 0.0
    exact = {"add", "subtract", "negative", "conj", "real", "imag", "equal", "not_equal", "isnan",
             "isinf", "isfinite", "where", "astype", "logical_and", "logical_or", "logical_xor",
             "logical_not", "any", "all"} | CARRY
    exact.discard("abs")
    if fn in exact:
        if worst == 0:
            return 0.0, None
        return (worst if fn in CARRY else UNRELIABLE), None
    if worst > 0 or not (is_float(r) or is_complex(r)):
        return UNRELIABLE, None
    if fn in ("matmul", "dot") and not all(np.all(np.isfinite(a)) for a in args[:2]):
        return UNRELIABLE, None  # BLAS kernels make other nans than numpy's loops from infinities
    m = max([mag(r)] + [mag(a) for a in args if isinstance(a, np.ndarray)])
    n = 1
    if fn.startswith("fft.") or fn in ("sum", "mean", "cumsum", "matmul", "dot", "var", "std"):
        n = max(np.asarray(args[0]).shape or (1,))
        if fn.startswith("fft."):
            n = max(n, args[1] if isinstance(args[1], int) else 1, 1)
            m *= n
    if fn in ("var", "std"):
        m = m * m
    return 4e-6 * n * m + 1e-30, "a"


def error_bound(fn, args, errs, r):
    """The absolute error bound of result r (0: exact; UNRELIABLE) and its check letter."""
    fn = OPERATORS.get(fn, fn)
    worst = max(errs) if errs else 0.0
    if (fn.startswith("fft.") or is_complex(r)
            or any(is_complex(a) for a in args if isinstance(a, np.ndarray))):
        return complex_bound(fn, args, errs, r)
    if fn in ("max", "min") and is_float(r) and worst == 0:
        return 0.0, "z"  # which zero a max of 0.0 and -0.0 gives is unspecified
    if not is_float(r):
        # Integers and bools: exact from exact inputs; from approximate floats, unreliable.
        return (0.0 if worst == 0 else UNRELIABLE), None
    dt = r.dtype.name
    tol, m = TOL[dt], mag(r)
    if worst == UNRELIABLE or m > BIG[dt]:
        return UNRELIABLE, None
    if fn in ULP_FNS:
        if worst > 0:
            return UNRELIABLE, None
        return tol * m, "u"
    if fn == "where":
        return (UNRELIABLE if errs[0] > 0 else max(errs[1:])), None
    if fn == "astype":
        if worst == 0:
            return 0.0, None
        return worst + tol * m, None
    if fn in CARRY:
        if fn in INDEX_ARG:
            worst = max(e for i, e in enumerate(errs) if i != INDEX_ARG[fn])
        return worst, None
    if fn in ("add", "subtract"):
        return (0.0 if worst == 0 else sum(errs) + tol * m), None
    if fn in ("sum", "mean", "cumsum"):
        a, axes = args[0], (args[1] if len(args) > 1 else None)
        n = reduced_count(a, axes) if fn != "cumsum" else max(np.asarray(a).shape or (1,))
        n = max(n, 1)
        bound = TOL[dt] * n * mag(a) + n * worst
        return (bound / n if fn == "mean" else bound), "a"
    if fn == "scatter_add":
        n = max(count(args[1]), 1)
        bound = errs[0] + n * errs[2] + tol * (mag(args[0]) + n * mag(args[2]))
        return bound, "a"
    if fn in ("multiply", "square"):
        if worst == 0:
            return 0.0, None
        a, b = (args[0], args[1]) if fn == "multiply" else (args[0], args[0])
        ea, eb = (errs[0], errs[1]) if fn == "multiply" else (errs[0], errs[0])
        return ea * mag(b) + eb * mag(a) + ea * eb + tol * m, None
    if fn == "divide":
        if worst == 0:
            return 0.0, None
        b = np.asarray(args[1])
        if errs[1] > 0 or np.any(b == 0) or not np.all(np.isfinite(b)):
            return UNRELIABLE, None
        return (errs[0] / float(np.min(np.abs(b))) if b.size else 0.0) + tol * m, None
    if fn in ("prod", "cumprod"):
        if worst > 0:
            return UNRELIABLE, None
        return tol * m * max(1, count(args[0]) / 50), "a"
    if fn in ("var", "std"):
        if worst > 0:
            return UNRELIABLE, None
        n = max(reduced_count(args[0], args[1]), 1)
        var_err = TOL[dt] * 4 * mag(args[0]) ** 2 * max(1, n / 50)
        return (var_err if fn == "var" else math.sqrt(var_err) + tol * m), "a"
    if fn in ("matmul", "dot") and not all(np.all(np.isfinite(x)) for x in args[:2]
                                            if np.asarray(x).dtype.kind == "f"):
        # BLAS kernels differ on 0 * nan (reference BLAS skips zero entries, others multiply).
        return UNRELIABLE, None
    if fn in ("matmul", "dot", "outer"):
        a, b = np.asarray(args[0]), np.asarray(args[1])
        k = 1 if fn == "outer" or a.ndim == 0 else a.shape[-1]
        return tol * k * (mag(a) * mag(b) + m) + k * (errs[0] * mag(b) + errs[1] * mag(a)), "a"
    # Correctly rounded or discontinuous (sqrt, reciprocal, floor, remainder, sign, ...):
    # exact from exact inputs, unreliable from approximate ones.
    return (0.0 if worst == 0 else UNRELIABLE), None


def call(fn, args):
    """numpy's result; oracle.evaluate does the functions both files know."""
    if fn == "array":
        return np.array(args[0])
    if fn == "eval":
        return args[0]
    if fn == "full":
        value, dtype = args[1], np.dtype(args[2])
        if isinstance(value, int) and not isinstance(value, bool) and dtype.kind in "iu":
            info = np.iinfo(dtype)  # NumPy 2 raises; 1.24 wraps with a warning
            if not info.min <= value <= info.max:
                raise OverflowError("Python integer %d out of bounds for %s" % (value, dtype))
        return np.full(args[0], value, dtype=dtype)
    if fn == "zeros":
        return np.zeros(args[0], dtype=args[1])
    if fn == "eye":
        return np.eye(args[0], dtype=args[1])
    return oracle.evaluate(OPERATORS.get(fn, fn), args)


REDUCTIONS = {"sum", "prod", "max", "min", "mean", "var", "std", "any", "all", "argmax",
              "argmin"}


def run_program(pid, stmts, out):
    values, errs = {}, {}
    for idx, fn, texts in stmts:
        try:
            args, arg_errs = [], []
            for t in texts:
                if t.startswith("V:"):
                    n = int(t[2:])
                    args.append(values[n])
                    arg_errs.append(errs[n])
                else:
                    args.append(oracle.parse_arg(t))
                    arg_errs.append(0.0)
            index_arg = INDEX_ARG.get(fn)
            if index_arg is not None and arg_errs[index_arg] > 0:
                raise Stop("gather indices computed from approximate floats")
            if fn == "power" and arg_errs[1] > 0 and not is_float(args[1]):
                raise Stop("integer exponents computed from approximate floats")
            check_undefined(fn, args)
            with np.errstate(all="ignore"):
                r = np.asarray(call(fn, args))
            check_kiln_limits(fn, args, r)
        except Stop as e:
            out.append(f"{pid}|{idx}|stop|{e}")
            return
        except Exception as e:  # numpy refused: kiln must refuse too
            if UNRELIABLE in arg_errs:
                # Whether numpy raises may depend on values that kiln may round differently.
                out.append(f"{pid}|{idx}|stop|error on approximate values: {e}".replace("\n", " "))
            else:
                out.append(f"{pid}|{idx}|err|{type(e).__name__}: {e}".replace("\n", " "))
            return
        err, letter = error_bound(fn, args, arg_errs, r)
        if letter is None and err == 0 and arg_errs and max(arg_errs) > 0:
            letter = "a"  # an exact op of approximate values: signed zeros may still differ
        if letter is None:
            letter = "x" if err == 0 else ("n" if err == UNRELIABLE else "a")
        if letter == "a":
            # Order-dependent even when the bound is 0 (signed zeros may differ): a positive
            # bound keeps the values derived from it approximate too.
            err = max(err, math.ulp(0.0))
            letter = "a" + float(err).hex()
        if letter == "z" and np.any(np.asarray(r) == 0):
            # The zero's sign is unspecified: what is computed from it is approximate (so signed
            # zeros may differ there too), though this value is checked as bits up to that sign.
            err = math.ulp(0.0)
        values[idx], errs[idx] = r, err
        shape = ",".join(str(d) for d in r.shape)
        out.append(f"{pid}|{idx}|ok|{r.dtype.name}|{shape}|{letter}|{oracle.format_values(r)}")


def main():
    programs, out = [], []
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.rstrip("\n").split("|")
            if parts[0] == "P":
                programs.append((parts[1], []))
            else:
                programs[-1][1].append((int(parts[1]), parts[2], parts[3:]))
    for pid, stmts in programs:
        run_program(pid, stmts, out)
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
