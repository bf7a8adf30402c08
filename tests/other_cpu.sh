#!/bin/sh
# Runs a test binary with KILN_CPU set to an x86-64 level narrower than this machine's vectors:
# x86-64-v3 (AVX2) where the CPU has AVX-512, else x86-64-v2 (SSE4.2). Arguments: the binary and
# its own arguments; KILN_OTHER_CPU_FILTER, when set, replaces the gtest filter.
set -eu
binary=$1
shift
if grep -qw avx512f /proc/cpuinfo; then
  level=x86-64-v3
else
  level=x86-64-v2
fi
echo "KILN_CPU=$level"
if [ -n "${KILN_OTHER_CPU_FILTER:-}" ]; then
  exec env KILN_CPU="$level" "$binary" --gtest_filter="$KILN_OTHER_CPU_FILTER"
fi
exec env KILN_CPU="$level" "$binary" "$@"
