#!/usr/bin/env bash
# make gpu-check: on a machine with a CUDA GPU, the test suites again with every array on the GPU
# (KILN_DEVICE=cuda, the real driver), then the GPU benchmarks. One command, for a lent GPU
# machine's short time: everything is built before it starts.
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
status=0
if ! "$build/tests/test_api" --gtest_list_tests >/dev/null 2>&1; then
  echo "gpu-check: build first (make build)" >&2
  exit 2
fi
cache=$(mktemp -d)
manifest="$cache/kernels.manifest"
trap 'rm -rf "$cache"' EXIT
export KILN_CACHE_DIR="$cache/kernels" KILN_RECORD="$manifest"
echo "== nvidia-smi"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || echo "(no nvidia-smi)"
for suite in test_api test_errors test_differential test_numpy test_fuzz; do
  echo "== $suite on cuda"
  KILN_DEVICE=cuda timeout 900 "$build/tests/$suite" \
    --gtest_filter=-FuzzLong.*:FuzzReplay.* --gtest_brief=1 || status=1
done
echo "== the same kernels again: a warm run must compile nothing"
KILN_DEVICE=cuda KILN_LOG=1 "$build/tests/cache_probe" 2>"$cache/warm.log" >/dev/null || status=1
KILN_DEVICE=cuda KILN_LOG=1 "$build/tests/cache_probe" 2>"$cache/warm.log" | tail -1
grep -c "disk (native)" "$cache/warm.log" | sed 's/^/cubins loaded from the cache: /'
echo "== benchmarks"
"$build/bench/gpu_bench" --benchmark_min_time=0.2 || status=1
exit $status
