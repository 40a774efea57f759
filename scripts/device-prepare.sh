#!/usr/bin/env bash
# device-prepare.sh — run here, on the build machine (no GPU needed), before a device session.
#
#   1. a Release build for sm_90 (H100/H200) in ./build, GPU tests and benchmarks included
#   2. build/credal-commit.txt: the commit (and whether the tree differs from it) and the date
#   3. ../shared/tools/device-pack.sh build: the shared libraries the device lacks -> build/devlib
#   4. build/device.tar.gz: the binaries, build/devlib and the commit file, the one thing to carry
#   5. a dry run of everything in scripts/gpu-check.sh that needs no GPU (unpacking included)
#   6. the device call to make
#
# Then, with the device tool:
#   run  carry ["build/device.tar.gz"]  command "bash scripts/gpu-check.sh $OUT/gpu-check"
set -euo pipefail
root=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
cd "$root"
shared="$root/../shared"
jobs=$(nproc)
fail() { echo "device-prepare: FAILED: $*" >&2; exit 1; }

echo "== configure and build (Release, CMAKE_CUDA_ARCHITECTURES=90) in build/"
command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ] || fail "nvcc not found: the GPU build needs it"
mkdir -p build
rm -f build/device.tar.gz # gpu-check.sh would unpack a stale one over the new build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 -DCREDAL_CUDA=ON \
  -DCREDAL_TESTS=ON >build/cmake-configure.log 2>&1 || { cat build/cmake-configure.log; fail "cmake configure"; }
grep -q 'credal: CUDA backend ON' build/cmake-configure.log || fail "the CUDA backend is not enabled (see build/cmake-configure.log)"
cmake --build build -j"$jobs" >build/cmake-build.log 2>&1 || { tail -n 40 build/cmake-build.log; fail "build (see build/cmake-build.log)"; }
if grep -E -i 'warning' build/cmake-build.log; then echo "device-prepare: the build printed warnings (above)"; fi
for f in build/tests/check_gpu build/tests/check_gpu_mdp build/bench/credal_gpu_bench build/bench/credal_bench build/credal; do
  [ -x "$f" ] || fail "$f was not built"
done

echo "== build/credal-commit.txt"
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty=" + uncommitted changes"
[ -z "$(git ls-files --others --exclude-standard | head -n 1)" ] || dirty="$dirty + untracked files"
{
  echo "commit $(git rev-parse HEAD)$dirty"
  echo "built $(date -u +%FT%TZ) on $(hostname) for sm_90"
} >build/credal-commit.txt
cat build/credal-commit.txt

echo "== pack shared libraries into build/devlib"
[ -x "$shared/tools/device-pack.sh" ] || fail "$shared/tools/device-pack.sh not found"
rm -rf build/devlib # device-pack.sh only adds: libraries no longer linked would stay
"$shared/tools/device-pack.sh" build
# every library the device binaries need is either packed or one the device has itself
skip='^(linux-vdso|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libutil\.so|libresolv\.so|libnsl\.so|libanl\.so|libnss_|libmvec\.so|libstdc\+\+|libgcc_s|libcuda\.so|libcudart|libcublas|libcusolver|libcusparse|libcurand|libcufft|libnvidia|libnvrtc|libnvJitLink)'
for f in build/tests/check_gpu build/tests/check_gpu_mdp build/bench/credal_gpu_bench build/bench/credal_bench; do
  ldd "$f" | awk '/=>/{print $1}' | while read -r name; do
    [[ $name =~ $skip ]] && continue
    [ -e "build/devlib/$name" ] || fail "$f needs $name, which is not in build/devlib"
  done
done

echo "== build/device.tar.gz: what the device needs of build/"
# The whole build folder is too large to carry (OpenBLAS alone is 36 MB in devlib; the device tool
# carries 64 MiB in all), so the binaries gpu-check.sh runs, the packed libraries and the commit
# file travel as one compressed archive; gpu-check.sh unpacks it into build/ on the device.
tar -czf build/device.tar.gz build/tests/check_gpu build/tests/check_gpu_mdp build/bench/credal_gpu_bench \
  build/bench/credal_bench build/credal build/devlib build/credal-commit.txt
tree_kib=$(git ls-files -z --cached --others --exclude-standard | du -ck --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)
tar_kib=$(du -k build/device.tar.gz | cut -f1)
echo "working tree ${tree_kib} KiB + build/device.tar.gz ${tar_kib} KiB = $(((tree_kib + tar_kib) / 1024)) MiB (limit 64 MiB)"
[ $((tree_kib + tar_kib)) -lt $((60 * 1024)) ] || fail "too large to carry"

echo "== dry run of gpu-check.sh's steps"
bash -n scripts/gpu-check.sh || fail "scripts/gpu-check.sh does not parse"
bash -n scripts/device-env.sh || fail "scripts/device-env.sh does not parse"
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck -S warning scripts/gpu-check.sh scripts/device-prepare.sh || fail "shellcheck"
fi
python3 -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile="/tmp/credal-torch-baseline.pyc", doraise=True)' \
  bench/baselines/torch_baseline.py || fail "torch_baseline.py does not compile"
python3 bench/baselines/torch_baseline.py --list >/dev/null || fail "torch_baseline.py --list"
rc=0
build/bench/credal_gpu_bench --shape small >/tmp/credal-bench-nogpu.log 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then
  echo "device-prepare: a GPU is usable here: credal_gpu_bench --shape small passed"
elif [ "$rc" -ne 77 ]; then
  cat /tmp/credal-bench-nogpu.log
  fail "credal_gpu_bench exited $rc (77 expected without a GPU)"
else
  echo "credal_gpu_bench without a GPU: exit 77 ($(head -n 1 /tmp/credal-bench-nogpu.log))"
fi
rc=0
CK_FORK=no build/tests/check_gpu >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 77 ] || [ "$rc" -eq 0 ] || fail "check_gpu exited $rc (77 expected without a GPU)"
echo "check_gpu without a GPU: exit $rc"
rc=0
CK_FORK=no build/tests/check_gpu_mdp >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 77 ] || [ "$rc" -eq 0 ] || fail "check_gpu_mdp exited $rc (77 expected without a GPU)"
echo "check_gpu_mdp without a GPU: exit $rc"
rm -rf /tmp/credal-dry && mkdir -p /tmp/credal-dry
build/bench/credal_gpu_bench --dry-run --shape small --json /tmp/credal-dry/bench.json \
  >/tmp/credal-bench-dry.log 2>&1 || { cat /tmp/credal-bench-dry.log; fail "credal_gpu_bench --dry-run"; }
echo "credal_gpu_bench --dry-run (host half: data, checks, planted errors caught, CPU timing, JSON): pass"
bash scripts/gpu-check.sh --summary /tmp/credal-dry >/dev/null || fail "gpu-check.sh --summary on the dry-run JSON"
echo "gpu-check.sh --summary on the dry-run JSON: pass"
rm -rf /tmp/credal-nogpu
rc=0
bash scripts/gpu-check.sh /tmp/credal-nogpu >/tmp/credal-nogpu.log 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat /tmp/credal-nogpu.log; fail "gpu-check.sh here should fail its GPU steps (exit 1), got $rc"; }
grep -q '^check_gpu ' /tmp/credal-nogpu/summary.txt || fail "gpu-check.sh wrote no summary"
n=$(find /tmp/credal-nogpu -type f | wc -l)
[ "$n" -le 8 ] || fail "gpu-check.sh writes $n files; the device tool brings back 8"
echo "gpu-check.sh end to end without a GPU: every GPU step fails as it should, summary written, $n files"

cat <<'EOF'

device-prepare: ready. On the device (about 4-6 minutes; keep timeout_s at 600):
  run(command="bash scripts/gpu-check.sh $OUT/gpu-check", carry=["build/device.tar.gz"], timeout_s=600)
(gpu-check.sh unpacks build/device.tar.gz into build/ first; carrying all of build/ would be
over the 64 MiB limit.) The credal-MDP steps (about 4 minutes) run only when named:
  run(command="CREDAL_CHECK_STEPS=mdp bash scripts/gpu-check.sh $OUT/gpu-check", ...)
and so do the GEMM path's parallel scan's (about 2 minutes): CREDAL_CHECK_STEPS=scan.
The last lines it prints are the summary; $OUT/gpu-check/ holds env.log, check_gpu.log,
sanitizers.log, bench.log, bench.json, torch.log, torch.json and summary.txt.
Record the run in bench/results/ (see bench/results/README.md).
EOF
