#!/usr/bin/env bash
# Installs LatentDiff under PREFIX:
#   PREFIX/bin/latentdiff                      the command-line tool (release, Swift runtime static)
#   PREFIX/lib/libLatentDiff.so.0              the library of dist/ (scripts/dist.sh), SONAME .so.0
#   PREFIX/lib/libLatentDiff.so                the link-time symlink to it (-lLatentDiff)
#   PREFIX/include/latentdiff.h                its header
#   PREFIX/lib/pkgconfig/latentdiff.pc         pkg-config file with prefix=PREFIX
#   PREFIX/share/latentdiff/models/            the shipped models, their README and data terms
#   PREFIX/share/doc/latentdiff/               README, LICENSE, CHANGELOG
# The tool finds its models in ../share/latentdiff/models beside its own directory, so
# `PREFIX/bin/latentdiff sample --out grid.png` works from any directory.
#
#   scripts/install.sh PREFIX            (runs scripts/dist.sh first unless SKIP_DIST=1 and dist/ exists)
set -euo pipefail
if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: scripts/install.sh PREFIX" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
cd "$root"

if [ "${SKIP_DIST:-0}" != 1 ] || [ ! -f dist/lib/libLatentDiff.so.0 ]; then
    scripts/dist.sh
fi
swift build -c release --product latentdiff -Xswiftc -static-stdlib --scratch-path .build-dist

install -d "$prefix/bin" "$prefix/lib/pkgconfig" "$prefix/include" "$prefix/share/latentdiff/models" \
    "$prefix/share/doc/latentdiff"
install -m 755 .build-dist/release/latentdiff "$prefix/bin/latentdiff"
strip --strip-unneeded "$prefix/bin/latentdiff"
install -m 755 dist/lib/libLatentDiff.so.0 "$prefix/lib/libLatentDiff.so.0"
ln -sfn libLatentDiff.so.0 "$prefix/lib/libLatentDiff.so"
install -m 644 include/latentdiff.h "$prefix/include/latentdiff.h"
sed "s|^prefix=.*|prefix=$prefix|" dist/lib/pkgconfig/latentdiff.pc > "$prefix/lib/pkgconfig/latentdiff.pc"
install -m 644 models/*.safetensors models/README.md models/DATA.md "$prefix/share/latentdiff/models/"
install -m 644 README.md LICENSE CHANGELOG.md "$prefix/share/doc/latentdiff/"
echo "installed LatentDiff $(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/latentdiff.pc") under $prefix"
