#!/usr/bin/env bash
# Installs what is missing, builds credal (Release) and evaluates the shipped example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/credal eval data/example.h5 -o example-result.h5 --force
./build/credal info example-result.h5
