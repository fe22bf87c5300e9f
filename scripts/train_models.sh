#!/usr/bin/env bash
# Trains the models the README and the reports use, one after another, logging to OUT/*.log.
# The budgets the shipped models and README numbers used. Minute budgets plan their schedule from
# the machine's speed; replace them with the --steps the logs print for bit-identical reruns.
#   scripts/train_models.sh OUT_DIR [MNIST_DIR] [CIFAR_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/train_models.sh OUT_DIR [MNIST_DIR] [CIFAR_DIR]}
mnist=${2:-$root/../shared/datasets/mnist}
cifar=${3:-$root/../shared/datasets/cifar10}
mkdir -p "$out"
cd "$root"
swift build -c release --product latentdiff
bin=$root/.build/release/latentdiff
run() { local name=$1; shift; echo "== $name: $*"; /usr/bin/time -f "$name: %e s wall" "$bin" "$@" > "$out/$name.log" 2>&1; tail -n 3 "$out/$name.log"; }

run mnist-vae     train-codec --dataset mnist --data "$mnist" --codec vae-cnn --batch-size 32 --minutes 5 --out "$out/mnist-vae.safetensors"
run mnist-cond    train --codec "$out/mnist-vae.safetensors" --dataset mnist --data "$mnist" --conditional --batch-size 128 --learning-rate 5e-4 --minutes 14 --out "$out/mnist-cond.safetensors"
"$bin" model-defaults --model "$out/mnist-cond.safetensors" --guidance 1.5
run mnist-cls     train-classifier --dataset mnist --data "$mnist" --steps 2500 --out "$out/mnist-classifier.safetensors"
run mnist-eval    eval --model "$out/mnist-cond.safetensors" --classifier "$out/mnist-classifier.safetensors" --data "$mnist" --count 10000 --json "$out/mnist-eval.json"
run mnist-pca2d   pca2d --data "$mnist" --minutes 3 --threads 1 --out "$out/pca2d"
run mnist-vaemlp  train-codec --dataset mnist --data "$mnist" --codec vae-mlp --latent 196 --batch-size 32 --steps 900 --out "$out/mnist-vaemlp.safetensors"
run mnist-pca196  train-codec --dataset mnist --data "$mnist" --codec pca --latent 196 --out "$out/mnist-pca196.safetensors"
run cifar-vae     train-codec --dataset cifar10 --data "$cifar" --codec vae-cnn --latent 8 --batch-size 32 --steps 6400 --out "$out/cifar-vae.safetensors"
run cifar-pca256  train-codec --dataset cifar10 --data "$cifar" --codec pca --latent 256 --out "$out/cifar-pca256.safetensors"
run cifar-cls     train-classifier --dataset cifar10 --data "$cifar" --width 24 --blocks 1 --threads 1 --minutes 55 --out "$out/cifar-classifier.safetensors"
run cifar-cond    train --codec "$out/cifar-vae.safetensors" --dataset cifar10 --data "$cifar" --conditional --batch-size 128 --learning-rate 1e-3 --steps 35000 --out "$out/cifar-cond.safetensors"
run cifar-guide   train --codec "$out/cifar-vae.safetensors" --dataset cifar10 --data "$cifar" --conditional --batch-size 128 --learning-rate 1e-3 --widths 32,64 --steps 3500 --out "$out/cifar-guide.safetensors"
"$bin" attach-guide --model "$out/cifar-cond.safetensors" --guide "$out/cifar-guide.safetensors"
"$bin" model-defaults --model "$out/cifar-cond.safetensors" --guidance 6 --guidance-interval 0.3,2 --autoguidance 1
run cifar-eval    eval --model "$out/cifar-cond.safetensors" --classifier "$out/cifar-classifier.safetensors" --data "$cifar" --count 10000 --json "$out/cifar-eval.json"
run mnist-compare compare --dataset mnist --data "$mnist" --codec-minutes 3 --minutes 4 --count 1000 --threads 1 --classifier "$out/mnist-classifier.safetensors" --out "$out/report-mnist"
