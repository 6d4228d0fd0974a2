#!/bin/sh
# Installs the build into a temporary prefix and builds a consumer with
# pkg-config and with CMake's find_package; checks SONAME and that only the
# public dc_ API is exported.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
# shared helpers (ok, bad, finish, scratch_dir)
. "$src/tests/support/lib.sh"
scratch_dir
check() { if "$@"; then ok; else bad "$*"; fi; }

cmake --install "$build" --prefix "$T/prefix" >/dev/null
lib=$(ls "$T"/prefix/lib*/libdomainconnect.so.1.* "$T"/prefix/lib/*/libdomainconnect.so.1.* 2>/dev/null | head -1)
check test -n "$lib"
check test -f "$T/prefix/include/domainconnect/dc.h"
check test -x "$T/prefix/bin/domainconnect"
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
check test "$soname" = "libdomainconnect.so.1"
# Every exported function is part of the public API (dc_ prefix).
leaked=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^dc_' || true)
if [ -n "$leaked" ]; then echo "non-API exports: $leaked" >&2; fi
check test -z "$leaked"
# Internal helpers are hidden.
check sh -c "! nm -D --defined-only '$lib' | grep -q dci_"

libdir=$(dirname "$lib")
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -o "$T/pc-consumer" "$src/tests/install/consumer.c" $(pkg-config --cflags --libs libdomainconnect) -Wl,-rpath,"$libdir"
out=$("$T/pc-consumer")
check test "$out" = "$(pkg-config --modversion libdomainconnect) example.co.uk www"

cmake -S "$src/tests/install" -B "$T/cm" -DCMAKE_PREFIX_PATH="$T/prefix" >/dev/null
cmake --build "$T/cm" >/dev/null
out=$(LD_LIBRARY_PATH="$libdir" "$T/cm/consumer")
check test "${out#* }" = "example.co.uk www"

finish
