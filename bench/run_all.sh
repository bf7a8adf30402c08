#!/usr/bin/env bash
# make bench: runs every implementation of every case in one go on this machine, then prints
# the report (times, kiln/hand and numpy/kiln ratios, fixed costs, targets).
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
min_time=${KILN_BENCH_MIN_TIME:-0.3}
# Steady-state numbers are about compiled code, not about where it came from: no disk cache
# (kiln_cache_bench sets its own directories).
export KILN_CACHE=off
run() {
  local name=$1
  echo "running $name ..." >&2
  "$build/bench/${name}_bench" --benchmark_min_time="$min_time" --benchmark_out="$out/$name.json" \
    --benchmark_out_format=json >/dev/null
}
run hand
run kiln
run eigen
echo "running numpy ..." >&2
/usr/bin/python3 "$here/numpy_bench.py" >"$out/numpy.json" 2>/dev/null
echo "running cold starts ..." >&2
for _ in 1 2 3 4 5; do "$build/bench/kiln_cold_start" >>"$out/cold.jsonl"; done
echo "running matmul ..." >&2
"$build/bench/blas_bench" --benchmark_min_time="$min_time" --benchmark_out="$out/blas.json" \
  --benchmark_out_format=json >/dev/null
echo "running fft ..." >&2
"$build/bench/fft_bench" --benchmark_min_time="$min_time" --benchmark_out="$out/fft.json" \
  --benchmark_out_format=json >/dev/null
echo "running loops ..." >&2
# (Best of 3 repetitions, as numpy_loops.py takes the best of 3 batches: the loops are short
# and this machine is shared.)
"$build/bench/loops_bench" --benchmark_min_time="$min_time" --benchmark_repetitions=3 \
  --benchmark_out="$out/loops.json" \
  --benchmark_out_format=json >/dev/null
/usr/bin/python3 "$here/numpy_loops.py" >"$out/numpy_loops.json" 2>/dev/null
for n in 1000 2000 3000; do "$build/bench/loops_bench" --compile-chain "$n" >>"$out/chain.jsonl"; done
echo "running derivatives ..." >&2
"$build/bench/grad_bench" --benchmark_min_time="$min_time" --benchmark_repetitions=3 \
  --benchmark_out="$out/grad.json" --benchmark_out_format=json >/dev/null
/usr/bin/python3 "$here/numpy_grad.py" >"$out/numpy_grad.json" 2>/dev/null
echo "running optimizer ..." >&2
"$build/bench/optimizer_bench" --benchmark_min_time="$min_time" --benchmark_repetitions=3 \
  --benchmark_out="$out/optimizer.json" --benchmark_out_format=json >/dev/null
(cd "$here" && /usr/bin/python3 numpy_optimizer.py) >"$out/numpy_optimizer.json" 2>/dev/null
echo "running numpy functions ..." >&2
"$build/bench/functions_bench" --benchmark_min_time="$min_time" --benchmark_repetitions=3 \
  --benchmark_out="$out/functions.json" --benchmark_out_format=json >/dev/null
(cd "$here" && /usr/bin/python3 numpy_functions.py) >"$out/numpy_functions.json" 2>/dev/null
echo "running cache costs ..." >&2
"$build/bench/kiln_cache_bench" --json >"$out/cache.jsonl"
/usr/bin/python3 "$here/report.py" "$out"
