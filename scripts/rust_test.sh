#!/usr/bin/env bash
# The Rust crate (bindings/rust) against dist/lib (scripts/dist.sh): builds it with Debian's
# cargo/rustc 1.63 (no crates, nothing downloaded), runs its tests, then its
# example on the shipped MNIST model, and checks the grid PNG it wrote (302x302: 10 rows of 10
# images of 28 pixels with 2-pixel gaps).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/bindings/rust"
# Debian's toolchain (the crate's minimum, 1.63) even where a newer rustup one comes first on
# PATH; CARGO, RUSTC and RUSTDOC choose others.
if [ -z "${CARGO:-}" ] && [ -x /usr/bin/cargo ]; then
    export CARGO=/usr/bin/cargo RUSTC=${RUSTC:-/usr/bin/rustc} RUSTDOC=${RUSTDOC:-/usr/bin/rustdoc}
fi
cargo=${CARGO:-cargo}
"$cargo" --version
"${RUSTC:-rustc}" --version
export LATENTDIFF_LIB_DIR="$root/dist/lib"
"$cargo" test --offline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cargo" run --offline --release --example grid -- "$root/models/mnist.safetensors" "$work/grid.png" 10 2
python3 - "$work/grid.png" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert (width, height) == (302, 302), (width, height)
print(f"rust example: {sys.argv[1]} is a {width}x{height} PNG")
PY
