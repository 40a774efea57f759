#!/usr/bin/env bash
# test_install.sh BUILD: `cmake --install BUILD` into a fresh prefix, then what a C user of the
# installed tree does: a program built with find_package(credal) (credal::credal) and one built
# with pkg-config, both run; the soname, the installed CLI, and that libcredal.so exports only
# the public API. Exit 77 (skipped) on a sanitizer build, whose library needs the sanitizers'
# runtime in the program too.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
if grep -q "^CREDAL_SANITIZE:BOOL=ON" "$build/CMakeCache.txt"; then
  echo "sanitizer build: the installed library needs the sanitizers' runtime: skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL $*"; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install: $(cat "$work/install.log")"
libdir=$(dirname "$(find "$prefix" -name 'libcredal.so.*.*.*' | head -n 1)")
[ -n "$libdir" ] && [ -f "$prefix/include/credal.h" ] && [ -x "$prefix/bin/credal" ] ||
  fail "installed tree: $(cd "$prefix" && find . -type f | sort | tr '\n' ' ')"
soname=$(readelf -d "$libdir/libcredal.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libcredal.so.0 ] && [ -L "$libdir/libcredal.so.0" ] || fail "soname '$soname'"
internal=$(nm -D --defined-only "$libdir/libcredal.so" | awk '{print $3}' | grep -v '^credal_[a-z]' || true)
[ -z "$internal" ] || fail "libcredal.so exports more than the public API: $internal"
"$prefix/bin/credal" --version >"$work/version" || fail "the installed CLI: $(cat "$work/version")"
echo "installed: $(cat "$work/version"), $soname in ${libdir#"$prefix"/}"

# find_package(credal): the consumer gets credal.h and the library from credal::credal
cmake -S "$src/tests/install" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 || fail "find_package: $(cat "$work/cmake.log")"
cmake --build "$work/consumer" >"$work/build.log" 2>&1 || fail "consumer build: $(cat "$work/build.log")"
"$work/consumer/consumer" || fail "the find_package consumer"

# pkg-config: credal.pc gives the flags
export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs credal) || fail "pkg-config credal"
version=$(pkg-config --modversion credal)
# shellcheck disable=SC2086 # the flags are words
cc "$src/tests/install/main.c" -o "$work/pc-consumer" $flags -Wl,-rpath,"$libdir" ||
  fail "cc with pkg-config's flags: $flags"
"$work/pc-consumer" || fail "the pkg-config consumer"
echo "pkg-config credal $version: $flags"
echo "install: find_package and pkg-config consumers built and right"
