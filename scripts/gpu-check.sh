#!/usr/bin/env bash
# gpu-check.sh OUTDIR — everything credal checks and measures on a GPU machine, in one call.
#
# Prepared here by scripts/device-prepare.sh (Release build for sm_90, shared libraries packed into
# build/devlib, build/credal-commit.txt, all of it the device needs in build/device.tar.gz), then
# run on the device from the repository root with build/device.tar.gz carried (or all of build/):
#   bash scripts/gpu-check.sh "$OUT/gpu-check"
#
# Steps (each with a time limit; a failed step does not stop the others):
#   env        commit and date of the build, nvidia-smi, tool versions          -> env.log
#   check_gpu  the GPU test suite against the reference (CK_FORK=no)            -> check_gpu.log
#   memcheck, racecheck, initcheck, synccheck
#              compute-sanitizer on credal_gpu_bench --shape small              -> sanitizers.log
#   memcheck-st compute-sanitizer memcheck on check_gpu's "structured" case     -> sanitizers.log
#   bench      credal_gpu_bench on every shape                                  -> bench.log, bench.json
#   rules      credal_bench's decision rules at P=64 and 512, host pairs and GPU pairs
#              (kernels/pairs.cu; "pair Gop/s" against DGEMM's GFLOP/s)  -> bench.log (appended)
#   structured credal_bench's structured/gpu and structured/cpu benchmarks: tv balls,
#              contamination, intervals, belief against generator sets of 4 and 16 points
#                                                                               -> bench.log (appended)
#   torch      bench/baselines/torch_baseline.py on the same shapes             -> torch.log, torch.json
# and, only when CREDAL_CHECK_STEPS names them (below):
#   gpu_mdp    check_gpu_mdp: the MDP sweeps against the reference, bit for bit -> check_gpu.log
#   memcheck-mdp, racecheck-mdp
#              compute-sanitizer on a tenth of check_gpu_mdp's shapes          -> sanitizers.log
#   py_mdp     tests/test_mdp_files.py: the CLI's gpu against reference and cpu -> check_gpu.log
#   mdp        credal_bench's mdp/sweep/ (cpu and gpu; transitions/s, GB/s)     -> bench.log
#   mdp_job    bench/mdp_job.py: the whole job (H=20 x P=100, S=50,000), gpu and cpu, file to
#              file, bit for bit                                               -> bench.log
# and a summary table as the last lines printed (also summary.txt). That is 8 files: the most the
# device tool brings back. Exit status: 0 when every step passed, 1 otherwise, 64 usage.
# The whole run keeps within CREDAL_CHECK_BUDGET_S seconds (default 470): later steps keep a reserve.
# CREDAL_CHECK_STEPS=a,b,... runs only the steps named (env always). The MDP steps (about 4
# minutes on a card) run only when named; "mdp" names them all: CREDAL_CHECK_STEPS=mdp, or
# CREDAL_CHECK_STEPS=check_gpu,mdp for the GPU tests and the MDP steps in one call. Likewise
# "scan" names the GEMM path's parallel segmented scan's steps (about 2 minutes):
#   check_scan    check_gpu with CREDAL_GPU_SCAN=tiles                          -> check_gpu.log
#   memcheck-scan compute-sanitizer memcheck on the small shape, tiles          -> sanitizers.log
#   bench_scan    credal_gpu_bench --shape huge with tiles (the "cublas" column) -> bench.log
#
#   bash scripts/gpu-check.sh --summary OUTDIR   re-prints the summary from OUTDIR's JSON files
set -u

summary_only=0
if [ "${1:-}" = "--summary" ]; then summary_only=1; shift; fi
if [ $# -ne 1 ]; then
  echo "usage: bash scripts/gpu-check.sh [--summary] OUTDIR" >&2
  exit 64
fi
mkdir -p "$1" || exit 64
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/.." || exit 64
root=$PWD
build=${CREDAL_BUILD_DIR:-build}
budget=${CREDAL_CHECK_BUDGET_S:-470}
start=$(date +%s)
deadline=$((start + budget))
steps=()   # "name|result|seconds"
failures=0

# step NAME LIMIT RESERVE LOG CMD...: runs CMD under `timeout`, its output appended to LOG. The
# limit shrinks so that RESERVE seconds stay for the steps after it.
only=${CREDAL_CHECK_STEPS:-}
mdp_steps=",gpu_mdp,memcheck-mdp,racecheck-mdp,py_mdp,mdp,mdp_job,"
scan_steps=",check_scan,memcheck-scan,bench_scan,"
[[ ",$only," == *",mdp,"* ]] && only="$only${mdp_steps}"
[[ ",$only," == *",scan,"* ]] && only="$only${scan_steps}"
# selected NAME: whether the step runs in this call
selected() {
  if [ -n "$only" ]; then [[ ",$only," == *",$1,"* ]]
  else [[ "$mdp_steps$scan_steps" != *",$1,"* ]]; fi
}
step() {
  local name=$1 limit=$2 reserve=$3 log=$4
  shift 4
  local now left rc result t0
  if ! selected "$name"; then
    steps+=("$name|not selected|0")
    return
  fi
  now=$(date +%s)
  left=$((deadline - now - reserve))
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 10 ]; then
    echo "== $name: not run, no time left in the budget" >>"$log"
    steps+=("$name|FAIL (no time left)|0")
    failures=$((failures + 1))
    return
  fi
  echo "== $name: $* (limit ${limit}s, $(date -u +%FT%TZ))" >>"$log"
  echo "gpu-check: $name (limit ${limit}s)"
  t0=$(date +%s)
  timeout -k 10 "$limit" "$@" >>"$log" 2>&1
  rc=$?
  case $rc in
    0) result=pass ;;
    77) result="FAIL (skipped: exit 77, no usable GPU)" ;;
    124 | 137) result="FAIL (timed out after ${limit}s)" ;;
    *) result="FAIL (exit $rc)" ;;
  esac
  [ "$result" = pass ] || failures=$((failures + 1))
  echo "== $name: $result in $(($(date +%s) - t0))s" >>"$log"
  steps+=("$name|$result|$(($(date +%s) - t0))")
}

summary() {
  STEPS=$(printf '%s\n' "${steps[@]+"${steps[@]}"}") OUT="$out" "${plain[@]}" python3 - <<'PY'
import json, os

out = os.environ["OUT"]

def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except Exception as e:  # missing or unreadable: the step's result says why
        return {"error": str(e)}

bench, torch = load("bench.json"), load("torch.json")
meta = ""
try:
    with open(os.path.join(out, "env.log")) as f:
        meta = " ".join(l.strip() for l in f if l.startswith(("commit", "built")))
except OSError:
    pass
lines = []
dev = bench.get("device", {}).get("name", "?")
lines.append(f"== gpu-check summary: {dev}; {meta}")
steps = [s.split("|") for s in os.environ.get("STEPS", "").splitlines() if s]
if steps:
    lines.append(f"{'step':13s} {'result':44s} {'s':>4s}")
    for name, result, secs in steps:
        lines.append(f"{name:13s} {result:44s} {secs:>4s}")
copy = bench.get("copy", {}).get("gbps")
tshapes = {s["name"]: s for s in torch.get("shapes", [])}

def ms(shape, path):
    p = shape.get("paths", {}).get(path, {})
    return p.get("ms") if p.get("n") else None

def f(v, fmt):
    if isinstance(v, (int, float)):
        return fmt.format(v)
    return "-".rjust(len(fmt.format(0.0)))

hdr = (f"{'shape':9s} {'prec':4s} {'fused ms':>9s} {'cuBLAS ms':>9s} {'GEMM ms':>9s} {'e2e ms':>9s} "
       f"{'torch ms':>9s} {'fused/GEMM':>10s} {'fused/torch':>11s} {'best/torch':>10s} {'%copy':>6s} check")
lines.append(hdr)
for s in bench.get("shapes", []):
    fu, cb, ge, e2 = ms(s, "fused"), ms(s, "cublas"), ms(s, "gemm"), ms(s, "e2e")
    t = tshapes.get(s["name"], {})
    tm = t.get("ms")
    ratio = 100.0 * ge / fu if fu and ge else None
    speed = tm / fu if fu and tm else None
    best = tm / min(x for x in (fu, cb) if x) if tm and (fu or cb) else None
    pc = s.get("fused_gbps_over_copy")
    check = s.get("check", "?") + ("" if not t else "/" + t.get("check", "?"))
    lines.append(f"{s['name']:9s} {s.get('precision', '?'):4s} {f(fu, '{:9.3f}')} {f(cb, '{:9.3f}')} "
                 f"{f(ge, '{:9.3f}')} {f(e2, '{:9.3f}')} {f(tm, '{:9.3f}')} {f(ratio, '{:9.1f}%')} "
                 f"{f(speed, '{:10.2f}x')} {f(best, '{:9.2f}x')} {f(pc * 100 if pc else None, '{:5.1f}%')} {check}")
if not bench.get("shapes"):
    lines.append("(no bench.json results)")
try:  # credal_bench's structured/, rules/ and mdp/ lines, appended to bench.log
    with open(os.path.join(out, "bench.log")) as fh:
        text = fh.read().splitlines()
    rows = [l.split() for l in text if l.startswith(("structured/", "rules/", "mdp/"))]
    if rows:
        lines.append(f"{'structured, rules and mdp (credal_bench)':58s} {'ms':>9s}  counters")
        for r in rows:
            if len(r) >= 3 and r[2] == "ms":
                lines.append(f"{r[0][:58]:58s} {r[1]:>9s}  {' '.join(x for x in r[6:] if '/s=' in x)}")
            else:
                lines.append(" ".join(r)[:140])
    for i, l in enumerate(text):  # bench/mdp_job.py's table
        if l.startswith("credal-mdp job:"):
            lines.extend(x[:160] for x in text[i:i + 5] if x.strip())
except OSError:
    pass
lines.append(f"copy bandwidth (device to device, read + written): {f(copy, '{:.1f}')} GB/s; "
             "fused/GEMM = GEMM time / fused time (the fused kernel's share of the GEMM rate); "
             "x = torch time / ours; %copy = fused GB/s / copy GB/s (P <= 16); check = bench/torch")
print("\n".join(lines))
with open(os.path.join(out, "summary.txt"), "w") as fh:
    fh.write("\n".join(lines) + "\n")
PY
}

plain=(env)
if [ "$summary_only" = 1 ]; then
  summary
  exit $?
fi

# a rerun into the same folder must not summarize an earlier run's results
for f in env.log check_gpu.log sanitizers.log bench.log bench.json torch.log torch.json summary.txt; do
  rm -f "${out:?}/$f"
done

# --- env: what ran where (the build arrives as build/device.tar.gz: see scripts/device-prepare.sh)
unpacked="no archive: $build/ as carried"
if [ -f "$build/device.tar.gz" ]; then
  if tar -xzf "$build/device.tar.gz" 2>>"$out/env.log"; then unpacked="unpacked $build/device.tar.gz"
  else unpacked="FAILED to unpack $build/device.tar.gz"; fi
fi
{
  echo "gpu-check started $(date -u +%FT%TZ) in $root on $(hostname); $unpacked"
  if [ -f "$build/credal-commit.txt" ]; then cat "$build/credal-commit.txt"; else echo "commit unknown: no $build/credal-commit.txt"; fi
  uname -a
  echo "--- nvidia-smi"
  nvidia-smi 2>&1
  nvidia-smi --query-gpu=name,pci.bus_id,clocks.sm,clocks.max.sm,clocks.mem,power.draw,power.limit,temperature.gpu,persistence_mode,compute_mode,mig.mode.current --format=csv 2>&1
  echo "--- device-env"
} >>"$out/env.log" 2>&1
# The packed libraries (build/devlib: HDF5, Check, OpenBLAS and their own dependencies, zlib and
# OpenSSL among them) are for credal's binaries only: python3, torch and nvidia-smi run with the
# machine's own library path, which `plain` restores.
if [ -n "${LD_LIBRARY_PATH+set}" ]; then plain=(env "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"); else plain=(env -u LD_LIBRARY_PATH); fi
# shellcheck source=scripts/device-env.sh
source scripts/device-env.sh "$build" >>"$out/env.log" 2>&1
env_ok=1
"${plain[@]}" nvidia-smi -L >>"$out/env.log" 2>&1 || env_ok=0
if ! [ -x "$build/tests/check_gpu" ] || ! [ -x "$build/bench/credal_gpu_bench" ]; then
  echo "missing $build/tests/check_gpu or $build/bench/credal_gpu_bench: run scripts/device-prepare.sh and carry $build" >>"$out/env.log"
  env_ok=0
fi
sanitizer=$(command -v compute-sanitizer 2>/dev/null ||
  ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda*/bin/compute-sanitizer \
    /usr/local/cuda*/compute-sanitizer/compute-sanitizer /opt/nvidia/*/compute-sanitizer 2>/dev/null | head -n 1)
{
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  echo "compute-sanitizer: ${sanitizer:-not found}"
  [ -n "$sanitizer" ] && "$sanitizer" --version 2>&1 | tail -n 2
  "${plain[@]}" python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -n 1
  ldd "$build/bench/credal_gpu_bench" 2>&1 | grep -E 'not found|cublas|cudart|hdf5' || true
} >>"$out/env.log" 2>&1
if [ "$env_ok" = 1 ]; then steps+=("env|pass|0"); else steps+=("env|FAIL (see env.log)|0"); failures=$((failures + 1)); fi

# --- the GPU test suite (its CTest entry has this machine's absolute paths: run it directly)
step check_gpu 180 300 "$out/check_gpu.log" env CK_FORK=no "$build/tests/check_gpu"

# --- sanitizers on the small shapes: every path once, checked, untimed
san_log="$out/sanitizers.log"
: >"$san_log"
for tool in memcheck racecheck initcheck synccheck; do
  if [ -z "$sanitizer" ] && selected "$tool"; then
    echo "== $tool: compute-sanitizer not found" >>"$san_log"
    steps+=("$tool|FAIL (compute-sanitizer not found)|0")
    failures=$((failures + 1))
    continue
  fi
  extra=()
  [ "$tool" = memcheck ] && extra=(--leak-check full)
  step "$tool" 90 240 "$san_log" "$sanitizer" --tool "$tool" "${extra[@]}" --error-exitcode 1 \
    --print-limit 20 "$build/bench/credal_gpu_bench" --shape small
done

# --- memcheck on the structured families' kernel through check_gpu's "structured" case
if [ -n "$sanitizer" ]; then
  step memcheck-st 120 240 "$san_log" env CK_RUN_CASE=structured CK_FORK=no "$sanitizer" \
    --tool memcheck --error-exitcode 1 --print-limit 20 "$build/tests/check_gpu"
fi

# --- the GEMM path's parallel segmented scan (kernels/lower.cu scan_tiles, CREDAL_GPU_SCAN=tiles;
# until it has passed here the serial one stays the default): the GPU suite (its gemm cases),
# memcheck, and the huge shape (4 x 2M rows, P=64) timed against the serial scan's run in "bench"
step check_scan 150 200 "$out/check_gpu.log" env CK_FORK=no CREDAL_GPU_SCAN=tiles \
  "$build/tests/check_gpu"
if [ -n "$sanitizer" ]; then
  step memcheck-scan 90 160 "$san_log" env CREDAL_GPU_SCAN=tiles "$sanitizer" --tool memcheck \
    --error-exitcode 1 --print-limit 20 "$build/bench/credal_gpu_bench" --shape small
fi
step bench_scan 60 120 "$out/bench.log" env CREDAL_GPU_SCAN=tiles "$build/bench/credal_gpu_bench" \
  --shape huge --budget 2

# --- the benchmark and the PyTorch baseline
step bench 300 160 "$out/bench.log" "$build/bench/credal_gpu_bench" --budget 2 --json "$out/bench.json"
step structured 60 100 "$out/bench.log" "$build/bench/credal_bench" \
  --benchmark_filter='^structured/(gpu|cpu)/' --benchmark_min_time=0.05
step rules 60 60 "$out/bench.log" "$build/bench/credal_bench" \
  --benchmark_filter='^rules/H:1000/K:100/d:32/P:(64|512)/rules:(pairs|all)/prune:1(/device:gpu)?$' \
  --benchmark_min_time=0.05
step torch 200 5 "$out/torch.log" "${plain[@]}" PYTHONUNBUFFERED=1 python3 bench/baselines/torch_baseline.py \
  --budget 2 --json "$out/torch.json"

# --- credal MDPs: the sweeps against the reference (the kernels run only when asked: until
# this check has passed on a card, CREDAL_GPU_MDP=1), sanitizers, the CLI, the benchmarks
step gpu_mdp 120 200 "$out/check_gpu.log" env CK_FORK=no "$build/tests/check_gpu_mdp"
for tool in memcheck racecheck; do
  if [ -z "$sanitizer" ]; then
    selected "$tool-mdp" && steps+=("$tool-mdp|FAIL (compute-sanitizer not found)|0") &&
      failures=$((failures + 1))
    continue
  fi
  step "$tool-mdp" 90 160 "$san_log" env CK_FORK=no CREDAL_TEST_SCALE=0.1 \
    "$sanitizer" --tool "$tool" --error-exitcode 1 --print-limit 20 "$build/tests/check_gpu_mdp"
done
# python3 runs with the machine's libraries, the credal it calls with the packed ones
wrapped=$(mktemp -d)/credal
case $build in /*) credal_bin=$build/credal ;; *) credal_bin=$root/$build/credal ;; esac
printf '#!/bin/sh\nLD_LIBRARY_PATH=%q exec %q "$@"\n' "$LD_LIBRARY_PATH" "$credal_bin" >"$wrapped"
chmod +x "$wrapped"
step py_mdp 120 140 "$out/check_gpu.log" "${plain[@]}" PYTHONUNBUFFERED=1 CREDAL_REQUIRE_GPU=1 \
  python3 tests/test_mdp_files.py --credal "$wrapped"
# (a benchmark that skips with an error, e.g. its check against the reference, fails the step)
step mdp 90 60 "$out/bench.log" bash -c '"$@" 2>&1 | tee "$0"; ! grep -q "ERROR OCCURRED" "$0"' \
  "$(mktemp)" env CREDAL_GPU_MDP=1 "$build/bench/credal_bench" \
  --benchmark_filter='^mdp/sweep/(cpu|gpu)/' --benchmark_min_time=0.05
step mdp_job 150 5 "$out/bench.log" "${plain[@]}" PYTHONUNBUFFERED=1 CREDAL_GPU_MDP=1 \
  python3 bench/mdp_job.py --credal "$wrapped" --backends gpu,cpu

echo "gpu-check: done in $(($(date +%s) - start))s; logs in $out"
summary || echo "gpu-check: the summary could not be made (python3?)"
if [ "$failures" -gt 0 ]; then
  echo "gpu-check: $failures step(s) FAILED"
  exit 1
fi
echo "gpu-check: all steps passed"
exit 0
