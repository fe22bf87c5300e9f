#!/usr/bin/env bash
# Rewrites the seed corpus fuzz/corpus/<target>/: makes three small real files with the CLI (a PCA
# codec of 2 components, a model over it with a width-8 MLP denoiser, and that model's training
# checkpoint), then fuzz/make_corpus.py adds them and the hand-made edge cases.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift build --product latentdiff
bin=.build/debug/latentdiff
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$bin train-codec --dataset mnist --data Tests/Fixtures/mnist --codec pca --latent 2 --out "$work/codec.safetensors"
$bin train --codec "$work/codec.safetensors" --dataset mnist --data Tests/Fixtures/mnist --conditional \
    --widths 8 --blocks 1 --steps 2 --batch-size 8 --checkpoint-seconds 0 --out "$work/model.safetensors"
rm -rf fuzz/corpus
python3 fuzz/make_corpus.py "$work/model.safetensors" "$work/codec.safetensors" "$work/model.safetensors.ckpt"
du -sh fuzz/corpus/*
# The folder and pack targets: the fixture images, and packs of the fixture folders.
$bin data pack --data Tests/Fixtures/folders/labelled --size 4 --out "$work/labelled.ldpack"
$bin data pack --data Tests/Fixtures/folders/flat --size 6 --channels 1 --out "$work/flat.ldpack"
python3 fuzz/make_folder_corpus.py "$work/labelled.ldpack" "$work/flat.ldpack"
du -sh fuzz/corpus/folder fuzz/corpus/pack
