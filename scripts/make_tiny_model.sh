#!/usr/bin/env bash
# Makes the tiny class-conditional MNIST model the C examples, the Python test and the ABI tests
# load (Tests/Fixtures/models/tiny-mnist.safetensors): a vae-cnn codec of widths (8, 16) and a
# U-Net of widths (16, 32), trained briefly on the committed MNIST fixture. It is small, not good:
# it exists to exercise every code path quickly (also under valgrind).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build --product latentdiff
bin=.build/debug/latentdiff
work=$(mktemp -d)
$bin train-codec --dataset mnist --data Tests/Fixtures/mnist --codec vae-cnn --widths 8,16 --steps 40 \
    --batch-size 32 --out "$work/codec.safetensors"
$bin train --codec "$work/codec.safetensors" --dataset mnist --data Tests/Fixtures/mnist --conditional \
    --widths 16,32 --steps 40 --batch-size 32 --out Tests/Fixtures/models/tiny-mnist.safetensors
rm -rf "$work"
ls -l Tests/Fixtures/models/tiny-mnist.safetensors
