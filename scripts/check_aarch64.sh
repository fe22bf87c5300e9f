#!/usr/bin/env bash
# The C kernels compile for aarch64 (their portable path), so the engine is not x86-only by
# accident: each C source of the package is compiled to an aarch64 object with -Wall -Wextra
# -Werror against Debian's arm64 C library headers (apt-get install libc6-dev-arm64-cross).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sysroot=/usr/aarch64-linux-gnu
if [ ! -d "$sysroot/include" ]; then
    echo "error: $sysroot/include not found (apt-get install libc6-dev-arm64-cross)" >&2
    exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count=0
for source in "$root"/Sources/C*/*.c; do
    target=$(basename "$(dirname "$source")")
    clang --target=aarch64-linux-gnu --sysroot="$sysroot" -isystem "$sysroot/include" -O2 -std=gnu11 \
        -Wall -Wextra -Werror -I"$root/Sources/CFixedOrderGEMM/include" -I"$root/Sources/$target/include" \
        -c "$source" -o "$out/$target-$(basename "$source" .c).o"
    count=$((count + 1))
done
echo "aarch64: $count C sources compile (-Wall -Wextra -Werror)"
