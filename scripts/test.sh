#!/usr/bin/env bash
# Installs what is missing, then builds and runs the whole test suite twice: once under
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), then as released (build/);
# between them, the MPI build (build-mpi/: OpenMPI + parallel HDF5) runs its MPI test and the
# suites its code touches, the fuzzers run for a bounded time (scripts/fuzz.sh --ci), and
# valgrind memcheck runs the whole suite on the released build (scripts/valgrind.sh), and the
# Python package (python/) installs with its one command and runs its pytest suite. The last
# lines printed are CTest's summary of the released build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREDAL_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
echo "== test suite under -fsanitize=address,undefined"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:protect_shadow_gap=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=Release -DCREDAL_MPI=ON -DCREDAL_CUDA=OFF >/dev/null
cmake --build build-mpi -j"$jobs" --target credal_cli check_engine check_resume check_pipeline \
  check_io >/dev/null
echo "== MPI build: mpirun -np 1, 2, 3 against one process, interruption and resume"
ctest --test-dir build-mpi --output-on-failure -j"$jobs" -R '^(py_mpi|engine|resume|pipeline|io)$'

echo "== fuzzing (libFuzzer, bounded): the CLI's parsers and the chunk decoders 15 s each, input files 60 s"
scripts/fuzz.sh --ci 60

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" >/dev/null
echo "== valgrind memcheck (release build): every Check suite and every Python suite"
scripts/valgrind.sh build
echo "== the Python package: pip install ./python (builds libcredal; its CPU backends here), then pytest"
export CREDAL_CMAKE_ARGS=-DCREDAL_CUDA=OFF # no card to test the kernels on: spare CI their nvcc
python3 -m pip install -q ./python 2>/dev/null || python3 -m pip install -q --break-system-packages ./python
MPLBACKEND=Agg python3 -m pytest -q -p no:cacheprovider python/tests  # the installed package
echo "== test suite, release build"
ctest --test-dir build --output-on-failure -j"$jobs"
