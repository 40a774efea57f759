#!/usr/bin/env bash
# fuzz.sh [SECONDS] — builds the libFuzzer harnesses (clang, ASan + UBSan, build-fuzz/) and runs
# each for SECONDS (default 60): fuzz_args over the CLI's argument parsers, fuzz_input over
# whole input files (validate, then evaluate when small). The corpus starts from data/*.h5 and a
# small credal gen file with every structured family; what the fuzzer learns stays in
# build-fuzz/corpus/. A crash, leak or sanitizer report stops it with the input saved as
# build-fuzz/crash-*; a hang (a unit over 20 s) as build-fuzz/timeout-*. Not part of CI yet:
# libhdf5 itself hangs on some damaged files (tests/fuzz/findings/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/deps.sh
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCREDAL_FUZZ=ON -DCREDAL_CUDA=OFF -DCREDAL_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_input fuzz_args credal_cli >/dev/null
mkdir -p build-fuzz/corpus/input build-fuzz/corpus/args
cp -n data/*.h5 build-fuzz/corpus/input/ 2>/dev/null || true
[ -f build-fuzz/corpus/input/gen.h5 ] ||
  build-fuzz/credal gen -o build-fuzz/corpus/input/gen.h5 --hypotheses 5 --points 3 --dim 3 \
    --policies 2 --prior --prior-set 2 --constants --tv-balls 2 --contamination 1 --intervals 1 \
    --belief 2 -q
for s in 64MiB 2G 512k 1048576 12 -3 0.25 1e-3 inf nan; do printf '%s' "$s" >"build-fuzz/corpus/args/$s"; done
export ASAN_OPTIONS=detect_leaks=1:protect_shadow_gap=0
cd build-fuzz
echo "== fuzz_args for ${seconds}s"
tests/fuzz/fuzz_args corpus/args -max_total_time="$seconds" -print_final_stats=1 2>&1 | tail -n 6
echo "== fuzz_input for ${seconds}s"
tests/fuzz/fuzz_input corpus/input -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
  -print_final_stats=1 2>&1 | tail -n 6
