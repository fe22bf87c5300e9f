#!/usr/bin/env bash
# ThreadSanitizer: builds libLatentDiff.so with -sanitize=thread (debug, scratch path .build-tsan)
# and runs the thread stress test of examples-c (8 threads sampling from one model while 2 load and
# free others) built with clang -fsanitize=thread against it. Any data race fails the run.
#   scripts/tsan.sh [ROUNDS]   (default 3: under TSan every round is many times slower)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build -c debug --product LatentDiff --scratch-path .build-tsan -Xswiftc -sanitize=thread
ln -sf libLatentDiff.so .build-tsan/debug/libLatentDiff.so.0  # the SONAME, for the loader
make -C examples-c tsan TSAN_ROUNDS="${1:-3}"
