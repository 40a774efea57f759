# source scripts/device-env.sh BUILD_DIR  — on the GPU machine: make the carried libraries and the machine's
# own CUDA libraries visible to binaries built elsewhere, and say what GPU and toolkit are there.
# shellcheck shell=bash
# (A copy of shared/tools/device-env.sh, kept in the tree because ../shared does not travel to the device.)
build=${1:-build}
cublas=$(find /usr/local/cuda*/ /usr/lib /opt -name 'libcublas.so.1[0-9]*' 2>/dev/null | head -n 1)
export LD_LIBRARY_PATH="$PWD/$build/devlib${cublas:+:$(dirname "$cublas")}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "device-env: no nvidia-smi"
echo "device-env: cuBLAS from ${cublas:-nowhere found}"
