#!/usr/bin/env bash
# Makes the tiny class-conditional MNIST models the C examples, the Python test and the ABI tests
# load, trained briefly on the committed MNIST fixture. They are small, not good: they exist to
# exercise every code path quickly (also under valgrind).
#   - Tests/Fixtures/models/tiny-mnist.safetensors: a vae-cnn codec of widths (8, 16) and a U-Net
#     of widths (16, 32), 40 steps each;
#   - Tests/Fixtures/models/tiny-mnist-guided.safetensors: the same file with a guide denoiser for
#     autoguidance (`attach-guide`): a U-Net of the same widths trained for 10 steps on its codec
#     (one thread: the same bits on every machine), and the stored autoguidance weight 1.
#     Its codec and denoiser are tiny-mnist's, bit for bit.
#   scripts/make_tiny_model.sh          both
#   scripts/make_tiny_model.sh guided   only the guided one, from the committed tiny-mnist
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build --product latentdiff
bin=.build/debug/latentdiff
models=Tests/Fixtures/models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" != guided ]; then
    $bin train-codec --dataset mnist --data Tests/Fixtures/mnist --codec vae-cnn --widths 8,16 --steps 40 \
        --batch-size 32 --out "$work/codec.safetensors"
    # The objective of the committed fixture (train's defaults when it was made).
    $bin train --codec "$work/codec.safetensors" --dataset mnist --data Tests/Fixtures/mnist --conditional \
        --widths 16,32 --steps 40 --batch-size 32 --schedule linear --prediction epsilon --loss-weighting none \
        --out $models/tiny-mnist.safetensors
    rm -f $models/tiny-mnist.safetensors.loss.png  # the loss curve train writes beside its output
fi
# The guide: tiny-mnist's codec, schedule and prediction (linear, epsilon), a quarter of its steps.
$bin train --codec $models/tiny-mnist.safetensors --dataset mnist --data Tests/Fixtures/mnist --conditional \
    --widths 16,32 --steps 10 --batch-size 32 --schedule linear --prediction epsilon --threads 1 \
    --out "$work/guide.safetensors"
$bin attach-guide --model $models/tiny-mnist.safetensors --guide "$work/guide.safetensors" \
    --out $models/tiny-mnist-guided.safetensors
$bin model-defaults --model $models/tiny-mnist-guided.safetensors --autoguidance 1
ls -l $models/tiny-mnist.safetensors $models/tiny-mnist-guided.safetensors
