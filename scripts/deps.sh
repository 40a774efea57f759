#!/usr/bin/env bash
# Installs what building and testing credal needs and is missing: Debian packages (compiler,
# CMake, HDF5 serial and parallel, Check, cddlib, the chunk codecs' libraries, OpenMPI, clang and
# valgrind) and, for the interoperability tests, h5py, numpy and hdf5plugin from PyPI (and scipy,
# the decision rules' LP oracle; matplotlib and pytest for the Python package, python/).
# Idempotent and quiet when everything is there.
set -euo pipefail
need=()
for pkg in build-essential cmake pkg-config libhdf5-dev hdf5-tools check libopenblas-dev libbenchmark-dev \
           libcdd-dev libgmp-dev libdeflate-dev libisal-dev liblz4-dev libzstd-dev libblosc-dev openmpi-bin libopenmpi-dev libhdf5-openmpi-dev clang valgrind; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-pip)
if ((${#need[@]})); then
  echo "deps: installing ${need[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
py=(h5py numpy hdf5plugin scipy matplotlib pytest)
if ! python3 -c 'import h5py, numpy, hdf5plugin, scipy, matplotlib, pytest' >/dev/null 2>&1; then
  echo "deps: installing ${py[*]}"
  python3 -m pip install -q "${py[@]}" 2>/dev/null ||
    python3 -m pip install -q --break-system-packages "${py[@]}"
fi
