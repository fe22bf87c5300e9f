#!/usr/bin/env bash
# scripts/install.sh as a user meets it: installs into a temporary prefix, then, from another
# directory and with nothing of the repository but one example's source, builds the C example
# generate.c with `pkg-config --cflags --libs latentdiff` (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig)
# and runs it on the installed MNIST model, and runs PREFIX/bin/latentdiff sample with no --model
# (the shipped model, found under PREFIX/share/latentdiff/models) and with --model cifar10; and
# builds the Rust crate's example against the prefix through pkg-config.
#   scripts/install_test.sh     (SKIP_DIST=1 reuses an existing dist/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
"$root/scripts/install.sh" "$prefix"
find "$prefix" -type f | sed "s|^$prefix/|  |" | sort

mkdir "$work/elsewhere"
cp "$root/examples-c/generate.c" "$root/examples-c/check.h" "$work/elsewhere/"
cd "$work/elsewhere"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror generate.c -o generate $(pkg-config --cflags --libs latentdiff) \
    -Wl,-rpath,"$(pkg-config --variable=libdir latentdiff)"
if ldd ./generate | grep libLatentDiff | grep -v "$prefix/lib/"; then
    echo "error: the example did not link the installed library"
    exit 1
fi
env -i ./generate "$prefix/share/latentdiff/models/mnist.safetensors" 3 grid-c.png
env -i "$prefix/bin/latentdiff" sample --classes all --count 2 --steps 10 --guidance 2 --out grid-cli.png
env -i "$prefix/bin/latentdiff" sample --model cifar10 --count 2 --steps 5 --out grid-cifar.png
# The Rust crate's example, built from a copy of the crate whose build.rs finds the library
# through pkg-config alone (Debian's cargo where present, as in scripts/rust_test.sh).
mkdir rust
cp -r "$root/bindings/rust/Cargo.toml" "$root/bindings/rust/build.rs" "$root/bindings/rust/src" \
    "$root/bindings/rust/examples" rust/
if [ -z "${CARGO:-}" ] && [ -x /usr/bin/cargo ]; then export CARGO=/usr/bin/cargo RUSTC=${RUSTC:-/usr/bin/rustc}; fi
(cd rust && env -u LATENTDIFF_LIB_DIR "${CARGO:-cargo}" build --offline --quiet --release --example grid)
if ldd rust/target/release/examples/grid | grep libLatentDiff | grep -v "$prefix/lib/"; then
    echo "error: the Rust example did not link the installed library"
    exit 1
fi
rust/target/release/examples/grid "$prefix/share/latentdiff/models/mnist.safetensors" grid-rust.png 2 2
for png in grid-c.png grid-cli.png grid-cifar.png grid-rust.png; do
    head -c 8 "$png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a' || { echo "error: $png is not a PNG"; exit 1; }
done
echo "install: ok (C and Rust examples and latentdiff sample from $PWD against $prefix only)"
