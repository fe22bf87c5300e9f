#!/usr/bin/env bash
# Builds the fuzz targets fuzz/build/fuzz_{model,png,dataset,folder,pack}: libLatentDiff.so compiled with
# AddressSanitizer and libFuzzer's coverage instrumentation (edges and comparisons, so the fuzzer
# sees inside the Swift code) in its own scratch path, and each C harness linked against it with
# clang -fsanitize=fuzzer,address. CLANG overrides the compiler (default: the Swift toolchain's
# clang, which ships libFuzzer).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
clang=${CLANG:-$(dirname "$(command -v swift)")/clang}
swift build -c release --product LatentDiff --scratch-path .build-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
lib="$root/.build-fuzz/release"
# The SONAME is libLatentDiff.so.0: the loader looks for that name beside the link-time one.
ln -sf libLatentDiff.so "$lib/libLatentDiff.so.0"
mkdir -p fuzz/build
for target in model png dataset folder pack; do
    "$clang" -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address -fuse-ld=lld -Iinclude \
        "fuzz/fuzz_$target.c" -o "fuzz/build/fuzz_$target" -L"$lib" -lLatentDiff -Wl,-rpath,"$lib"
done
