#!/usr/bin/env bash
# The MNIST ablation of report/quality.md: denoisers trained on one fixed codec for the same number
# of steps (same cost per step: the same budget), two at a time with one thread each, each
# evaluated on 2,000 samples at guidance 2 (DPM-Solver++, 20 steps).
#
#   scripts/quality_mnist.sh DATA/mnist CODEC_OR_MODEL OUT_DIR [STEPS]
#
# CODEC_OR_MODEL: a codec file or a model whose codec is used (report/quality.md used
# models/mnist.safetensors' codec). Needs a release build (swift build -c release).
set -euo pipefail
data=$1 codec=$2 out=$3 steps=${4:-1500}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/.build/release/latentdiff
mkdir -p "$out"

# run NAME [train flags...]
run() {
    local name=$1
    shift
    "$bin" train --codec "$codec" --data "$data" --conditional --batch-size 128 --learning-rate 5e-4 --threads 1 \
        --steps "$steps" "$@" --out "$out/$name.safetensors" > "$out/$name.train.log" 2>&1
    "$bin" eval --model "$out/$name.safetensors" --classifier "$root/models/mnist-classifier.safetensors" --data "$data" \
        --count 2000 --guidance 2 --threads 1 --json "$out/$name.g2.json" > "$out/$name.eval.log" 2>&1
    echo "$name done"
}

# Every run names its whole objective (train's defaults are the last row's).
first=(--prediction epsilon --schedule linear)
(run base "${first[@]}" --loss-weighting none; run edm "${first[@]}" --loss-weighting edm
 run v-minsnr --prediction v --schedule linear --loss-weighting min-snr) &
(run minsnr "${first[@]}" --loss-weighting min-snr; run vcos --prediction v --schedule cosine --loss-weighting none
 run vcos-minsnr --prediction v --schedule cosine --loss-weighting min-snr) &
wait
for f in "$out"/*.g2.json; do
    python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(sys.argv[1], 'accuracy %.2f%%' % (100 * d['class_accuracy']), 'FD %.4f' % d['frechet_distance'], 'ratio %.2f' % d['ratio_to_floor'])" "$f"
done
