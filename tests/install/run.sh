#!/usr/bin/env bash
# Installs kiln from a build tree into a temporary prefix, then configures, builds and runs a
# program that finds it with find_package(kiln CONFIG), and runs the installed kiln-warmup.
# Nothing runs with LD_LIBRARY_PATH: installed binaries must find the library by themselves.
set -euo pipefail
build_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$(dirname "$0")/consumer" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
env -u LD_LIBRARY_PATH "$work/build/consumer"
env -u LD_LIBRARY_PATH "$work/prefix/bin/kiln-warmup" --help >/dev/null
KILN_CACHE_DIR="$work/cache" env -u LD_LIBRARY_PATH "$work/prefix/bin/kiln-warmup" stats >/dev/null
echo "installed kiln-warmup and consumer run without LD_LIBRARY_PATH"
