#!/usr/bin/env bash
# fuzz.sh [--ci] [SECONDS] — builds the libFuzzer harnesses (clang, ASan + UBSan, build-fuzz/)
# and runs each for SECONDS (default 60; --ci: 15 for the parsers and the decoders, 60 for input
# files):
#   fuzz_args   the CLI's size, integer and real parsers: any finding fails
#   fuzz_codec  the chunk decoders (io/codec.c) on raw chunk bytes: any finding fails
#   fuzz_input  whole input files through validate, then evaluate when small, in fork mode so
#               that libhdf5's own hangs and failures on damaged files do not stop it; every
#               crash, leak or sanitizer report is then replayed and classified by the first
#               frame of its stack in credal's sources (fails) or in libhdf5 (an HDF5 finding,
#               printed, kept in build-fuzz/artifacts/)
# Huge allocations fail as in a release build (allocator_may_return_null=1); leaks inside
# libhdf5 are suppressed (tests/fuzz/lsan.supp), credal's never. The corpus starts from
# data/*.h5, a small credal gen file with every structured family and every case of
# tests/test_malformed.py, and grows in build-fuzz/corpus/. Exit status: 0 when credal's code had no finding, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD
ci=0
if [ "${1:-}" = "--ci" ]; then ci=1; shift; fi
seconds=${1:-60}
args_seconds=$seconds
[ "$ci" = 1 ] && args_seconds=15
scripts/deps.sh || exit 1
command -v clang >/dev/null || { echo "fuzz.sh: clang is needed" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCREDAL_FUZZ=ON -DCREDAL_CUDA=OFF -DCREDAL_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build build-fuzz -j"$(nproc)" --target fuzz_input fuzz_args fuzz_codec credal_cli >/dev/null || exit 1
cd build-fuzz || exit 1
mkdir -p corpus/input corpus/args corpus/codec artifacts artifacts-codec
cp -n "$root"/data/*.h5 corpus/input/ 2>/dev/null
[ -f corpus/input/gen.h5 ] ||
  ./credal gen -o corpus/input/gen.h5 --hypotheses 5 --points 3 --dim 3 --policies 2 --prior \
    --prior-set 2 --constants --tv-balls 2 --contamination 1 --intervals 1 --belief 2 -q
[ -f corpus/input/base.h5 ] || python3 "$root/tests/test_malformed.py" --credal ./credal \
  --write-corpus corpus/input >/dev/null # every malformed-input case seeds the corpus
for s in 64MiB 2G 512k 1048576 12 -3 0.25 1e-3 inf nan; do printf '%s' "$s" >"corpus/args/$s"; done
# the decoders' seeds: each pipeline's byte, a 4 KiB chunk, and a valid stream (zlib, zstd)
if [ ! -f corpus/codec/zlib ]; then
  python3 - <<'PY'
import os, zlib, struct
data = bytes(range(256)) * 16
os.makedirs("corpus/codec", exist_ok=True)
open("corpus/codec/zlib", "wb").write(b"\x00\x0f\xff" + zlib.compress(data))
open("corpus/codec/lz4raw", "wb").write(b"\x03\x0f\xff" + struct.pack(">QI", 4096, 4096) + struct.pack(">I", 4096) + data)
open("corpus/codec/fletcher", "wb").write(b"\x0a\x0f\xff" + data + b"\x00\x00\x00\x00")
for p in range(11):
    open(f"corpus/codec/pipe{p}", "wb").write(bytes([p, 0x0f, 0xff]) + data[:64])
PY
fi
export ASAN_OPTIONS=detect_leaks=1:protect_shadow_gap=0:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export CREDAL_PROBE_TIMEOUT=5 # a file on which libhdf5 hangs is refused in 5 s
status=0

echo "== fuzz_args for ${args_seconds}s"
tests/fuzz/fuzz_args corpus/args -max_total_time="$args_seconds" -print_final_stats=1 \
  -artifact_prefix=artifacts/ >fuzz_args.log 2>&1 || status=1
grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' fuzz_args.log
echo "== fuzz_codec for ${args_seconds}s"
tests/fuzz/fuzz_codec corpus/codec -max_total_time="$args_seconds" -print_final_stats=1 \
  -artifact_prefix=artifacts-codec/ >fuzz_codec.log 2>&1 || status=1
grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' fuzz_codec.log
echo "== fuzz_input for ${seconds}s (fork mode)"
rm -f artifacts/crash-* artifacts/leak-* artifacts/timeout-* artifacts/oom-*
tests/fuzz/fuzz_input corpus/input -fork=2 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -timeout=20 -rss_limit_mb=4096 -max_total_time="$seconds" -artifact_prefix=artifacts/ -print_final_stats=1 \
  >fuzz_input.log 2>&1
grep -E '^#[0-9]+: cov' fuzz_input.log | tail -n 1
ROOT=$root python3 - <<'PY' || status=1
import glob, os, re, subprocess, sys
root = os.environ["ROOT"]
ours = hdf5 = hangs = 0
for path in sorted(glob.glob("artifacts/*")):
    kind = os.path.basename(path).split("-")[0]
    if kind in ("timeout", "slow"):
        hangs += 1
        continue
    r = subprocess.run(["tests/fuzz/fuzz_input", "-rss_limit_mb=4096", "-malloc_limit_mb=4096", path],
                       capture_output=True, text=True, timeout=120)
    report = r.stderr
    verdict = "not reproduced"
    if r.returncode != 0:
        verdict = "libhdf5"
        for line in report.splitlines():
            if "runtime error" in line:  # UBSan names the source line first
                verdict = "credal" if root in line else "libhdf5"
                break
            m = re.match(r"\s+#\d+ 0x[0-9a-f]+ in (\S+) (.*)", line)
            if not m:
                continue
            func, where = m.groups()
            if func.startswith(("__interceptor_", "malloc", "calloc", "realloc", "free", "__asan",
                                "__lsan", "__sanitizer", "fuzzer::", "LLVMFuzzer")):
                continue
            # the first frame in credal's sources or in libhdf5 decides (libc and the like are
            # passed over: they run on behalf of one of the two)
            if re.search(re.escape(root) + r"/(io|host|kernels|include|tests)/", where):
                verdict = "credal"
                break
            if "libhdf5" in where:
                break
    if verdict == "credal":
        ours += 1
        print(f"FINDING in credal's code ({kind}): {path}")
        print("\n".join(report.splitlines()[:40]))
    elif verdict == "libhdf5":
        hdf5 += 1
        print(f"libhdf5 finding ({kind}, not credal's code): {path}")
    else:
        print(f"{kind} not reproduced when replayed: {path}")
print(f"fuzz_input: {ours} finding(s) in credal's code, {hdf5} in libhdf5, {hangs} hang(s) "
      f"(libhdf5 on damaged files; see tests/fuzz/findings/README.md)")
sys.exit(1 if ours else 0)
PY
[ "$status" = 0 ] && echo "fuzz: no finding in credal's code" || echo "fuzz: FINDINGS in credal's code"
exit "$status"
