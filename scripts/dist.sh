#!/usr/bin/env bash
# Builds the shipping folder dist/: a stripped libLatentDiff.so.0 (its SONAME) with the Swift
# runtime linked statically (-static-stdlib) and the link-time symlink libLatentDiff.so, the public
# header and a pkg-config file; then checks it:
#   - the SONAME is libLatentDiff.so.<LD_ABI_VERSION - 1> (readelf -d),
#   - the library exports only ld_* names,
#   - ldd lists no Swift library,
#   - a C example built with `pkg-config --cflags --libs latentdiff` alone runs from an empty
#     environment (env -i), finding the library beside it through rpath $ORIGIN.
# Then the Python wheel dist/latentdiff-VERSION-py3-none-linux_<machine>.whl, bundling the library
# (bindings/python; scripts/python_package_test.sh installs and tests it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist="$root/dist"
cd "$root"

swift build -c release --product LatentDiff -Xswiftc -static-stdlib --scratch-path .build-dist
rm -rf "$dist"
mkdir -p "$dist/lib" "$dist/include" "$dist/lib/pkgconfig" "$dist/bin"
cp .build-dist/release/libLatentDiff.so "$dist/lib/libLatentDiff.so.0"
strip --strip-unneeded "$dist/lib/libLatentDiff.so.0"
ln -s libLatentDiff.so.0 "$dist/lib/libLatentDiff.so"
cp include/latentdiff.h "$dist/include/"
if [ -d models ]; then cp -r models "$dist/models"; fi

version=$(sed -n 's/^#define LD_VERSION_STRING "\(.*\)"/\1/p' include/latentdiff.h)
cat > "$dist/lib/pkgconfig/latentdiff.pc" <<PC
prefix=$dist
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: latentdiff
Description: LatentDiff, a small embeddable latent-diffusion engine
Version: $version
Requires.private: libpng openblas zlib
Libs: -L\${libdir} -lLatentDiff
Cflags: -I\${includedir}
PC

echo "== SONAME"
abi=$(sed -n 's/^#define LD_ABI_VERSION \([0-9]*\)/\1/p' include/latentdiff.h)
soname=$(readelf -d "$dist/lib/libLatentDiff.so.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" != "libLatentDiff.so.$((abi - 1))" ]; then
    echo "SONAME '$soname', expected libLatentDiff.so.$((abi - 1)) for LD_ABI_VERSION $abi"; exit 1
fi
echo "  $soname"

echo "== exported symbols"
others=$(nm -D --defined-only "$dist/lib/libLatentDiff.so" | awk '{print $3}' | grep -v '^ld_' || true)
if [ -n "$others" ]; then echo "non-ld_ exports:"; echo "$others"; exit 1; fi
nm -D --defined-only "$dist/lib/libLatentDiff.so" | awk '{print "  " $3}'

echo "== dependencies"
ldd "$dist/lib/libLatentDiff.so"
if ldd "$dist/lib/libLatentDiff.so" | grep -i swift; then echo "a Swift library is still dynamic"; exit 1; fi
ls -l "$dist/lib/libLatentDiff.so.0" "$dist/lib/libLatentDiff.so"

echo "== a C program built with pkg-config only, run with env -i"
export PKG_CONFIG_PATH="$dist/lib/pkgconfig"
work=$(mktemp -d)
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror examples-c/png_roundtrip.c -o "$dist/bin/png_roundtrip" \
    $(pkg-config --cflags --libs latentdiff) -Wl,-rpath,'$ORIGIN/../lib'
(cd "$work" && env -i "$dist/bin/png_roundtrip" > /dev/null)

echo "== the Python wheel"
wheel=$(python3 bindings/python/build_backend/latentdiff_build.py "$dist")
python3 -m zipfile -l "$wheel"
echo "dist: ok ($dist)"
