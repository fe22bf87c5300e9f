#!/usr/bin/env bash
# Every kind of bad input a user can give the CLI, for each subcommand: missing or wrong files,
# wrong data set directories, the wrong model for the command, invalid or out-of-range numbers.
# Each must end with exactly one line "error: ..." on standard error (the last line) and a
# non-zero exit status that is not a signal; no stack trace, no usage dump.
#
#   scripts/cli_errors_test.sh [LATENTDIFF]    (default: builds and uses .build/debug/latentdiff)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ $# -gt 0 ]; then bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); else swift build --product latentdiff; bin="$root/.build/debug/latentdiff"; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mnist=$root/Tests/Fixtures/mnist
cifar=$root/Tests/Fixtures/cifar10
conditional=$root/Tests/Fixtures/models/tiny-mnist.safetensors
# The same model with a guide denoiser and the stored autoguidance weight 1.
guided=$root/Tests/Fixtures/models/tiny-mnist-guided.safetensors

# Small real files for the "wrong file for the command" cases.
quiet() { "$bin" "$@" > /dev/null 2>&1; }
quiet train-codec --dataset mnist --data $mnist --codec pca --latent 2 --out "$work/codec.safetensors"
quiet train-codec --dataset cifar10 --data $cifar --codec pca --latent 2 --out "$work/cifar-codec.safetensors"
quiet train --codec "$work/codec.safetensors" --dataset mnist --data $mnist --widths 8 --blocks 1 --steps 2 \
    --batch-size 8 --checkpoint-seconds 0 --out "$work/unconditional.safetensors"
quiet png-demo --width 8 --height 8 --out "$work/image.png"
quiet png-demo --width 28 --height 28 --out "$work/mask28.png"
quiet train-classifier --dataset mnist --data $mnist --steps 1 --width 8 --out "$work/classifier.safetensors"
# Would-be guides that do not fit the fixture: a CIFAR-10 model, and models on the fixture's own
# codec with another schedule and prediction (train's defaults, cosine and v) or no classes.
quiet train --codec "$work/cifar-codec.safetensors" --dataset cifar10 --data $cifar --widths 8 --blocks 1 --steps 1 \
    --batch-size 8 --checkpoint-seconds 0 --out "$work/cifar.safetensors"
quiet train --codec "$conditional" --dataset mnist --data $mnist --conditional --widths 8,8 --steps 1 --batch-size 8 \
    --checkpoint-seconds 0 --out "$work/cosine-guide.safetensors"
quiet train --codec "$conditional" --dataset mnist --data $mnist --widths 8,8 --steps 1 --batch-size 8 \
    --schedule linear --prediction epsilon --checkpoint-seconds 0 --out "$work/unconditional-guide.safetensors"
echo "not a model" > "$work/text.safetensors"
mkdir "$work/empty"
codec="$work/codec.safetensors" cifar_codec="$work/cifar-codec.safetensors"
unconditional="$work/unconditional.safetensors" checkpoint="$work/unconditional.safetensors.ckpt"
train=(train --codec "$codec" --dataset mnist --data $mnist --widths 8 --blocks 1 --batch-size 8)
train_codec=(train-codec --dataset mnist --data $mnist --codec vae-mlp --widths 8,8 --latent 2 --batch-size 8)
sample=(sample --model "$conditional" --count 2 --steps 2)

failures=0 cases=0
# expect_no_work DESCRIPTION: the last expect_error's command failed before it sampled or trained
# (no progress line) and wrote no grid.
expect_no_work() {
    cases=$((cases + 1))
    if grep -qE '^(sample|train): ' "$work/stderr" || [ -e "$work/x.png" ]; then
        failures=$((failures + 1))
        echo "FAIL $1: sampled, trained or wrote x.png before the error"
    else
        printf 'ok   %-44s %s\n' "$1" "failed before the work"
    fi
}

# expect_error DESCRIPTION ARGS...: the command must fail with one "error:" line, last on stderr.
expect_error() {
    local what=$1 status=0
    shift
    cases=$((cases + 1))
    (cd "$work" && "$bin" "$@") > "$work/stdout" 2> "$work/stderr" || status=$?
    local last count
    last=$(tail -n 1 "$work/stderr")
    count=$(grep -c '^error: ' "$work/stderr" || true)
    if [ "$status" -eq 0 ] || [ "$status" -ge 128 ] || [ "$count" -ne 1 ] || [[ "$last" != error:* ]] \
        || grep -qiE 'backtrac|crashed|fatal error|precondition|^usage:|^help:' "$work/stderr"; then
        failures=$((failures + 1))
        echo "FAIL $what (exit $status): latentdiff $*"
        sed 's/^/    /' "$work/stderr" | tail -n 12
    else
        printf 'ok   %-44s %s\n' "$what" "$last"
    fi
}

expect_error "unknown subcommand" frobnicate
expect_error "unknown option" version --bogus

expect_error "png-demo: zero width" png-demo --width 0
expect_error "png-demo: negative height" png-demo --height=-4
expect_error "png-demo: not a number" png-demo --width wide
expect_error "png-demo: huge width" png-demo --width 100000000000
expect_error "png-demo: width overflows" png-demo --width 4611686018427387904 --height 4
expect_error "png-demo: missing directory" png-demo --out no/such/dir/x.png

expect_error "data: missing --data" data --dataset mnist
expect_error "data: unknown data set" data --dataset svhn --data $mnist
expect_error "data: missing directory" data --dataset mnist --data /nonexistent/mnist
expect_error "data: CIFAR-10 directory as MNIST" data --dataset mnist --data $cifar
expect_error "data: MNIST directory as CIFAR-10" data --dataset cifar10 --data $mnist
expect_error "data: a file, not a directory" data --dataset mnist --data "$work/image.png"
expect_error "data: empty directory" data --dataset cifar10 --data "$work/empty"

expect_error "info: missing file" info /nonexistent.safetensors
expect_error "info: a text file" info "$work/text.safetensors"
expect_error "info: a PNG" info "$work/image.png"
expect_error "info: no file" info

expect_error "train-codec: identity" train-codec --dataset mnist --data $mnist --codec identity --out x
expect_error "train-codec: unknown codec" train-codec --dataset mnist --data $mnist --codec jpeg --out x
expect_error "train-codec: latent 0" "${train_codec[@]}" --latent 0 --steps 1 --out x
expect_error "train-codec: negative latent" "${train_codec[@]}" --latent=-2 --steps 1 --out x
expect_error "train-codec: PCA latent too big" train-codec --dataset mnist --data $mnist --codec pca --latent 100000 --out x
expect_error "train-codec: bad widths" "${train_codec[@]}" --widths 8,x --steps 1 --out x
expect_error "train-codec: widths not multiples of 8" train-codec --dataset mnist --data $mnist --codec vae-cnn --widths 7,9 --steps 1 --out x
expect_error "train-codec: negative adversarial weight" train-codec --dataset mnist --data $mnist --codec vae-cnn --widths 8,16 --steps 1 --adversarial-weight=-1 --out x
expect_error "train-codec: adversarial start 1.5" train-codec --dataset mnist --data $mnist --codec vae-cnn --widths 8,16 --steps 1 --adversarial-weight 0.5 --adversarial-start 1.5 --out x
expect_error "train-codec: discriminator width 0" train-codec --dataset mnist --data $mnist --codec vae-cnn --widths 8,16 --steps 1 --adversarial-weight 0.5 --discriminator-width 0 --out x
expect_error "train-codec: adversarial vae-mlp" "${train_codec[@]}" --steps 1 --adversarial-weight 0.5 --out x
expect_error "train-codec: adversarial pca" train-codec --dataset mnist --data $mnist --codec pca --latent 2 --adversarial-weight 0.5 --out x
expect_error "train-codec: steps 0" "${train_codec[@]}" --steps 0 --out x
expect_error "train-codec: negative steps" "${train_codec[@]}" --steps=-3 --out x
expect_error "train-codec: no budget" "${train_codec[@]}" --out x
expect_error "train-codec: steps and minutes" "${train_codec[@]}" --steps 1 --minutes 1 --out x
expect_error "train-codec: minutes nan" "${train_codec[@]}" --minutes nan --out x
expect_error "train-codec: batch size 0" "${train_codec[@]}" --steps 1 --batch-size 0 --out x
expect_error "train-codec: batch over the data set" "${train_codec[@]}" --steps 1 --batch-size 100000 --out x
expect_error "train-codec: learning rate nan" "${train_codec[@]}" --steps 1 --learning-rate nan --out x
expect_error "train-codec: negative learning rate" "${train_codec[@]}" --steps 1 --learning-rate=-1 --out x
expect_error "train-codec: negative KL weight" "${train_codec[@]}" --steps 1 --kl-weight=-1 --out x
expect_error "train-codec: threads 0" "${train_codec[@]}" --steps 1 --threads 0 --out x
expect_error "train-codec: negative checkpoint seconds" "${train_codec[@]}" --steps 1 --checkpoint-seconds=-1 --out x
expect_error "train-codec: negative seed" "${train_codec[@]}" --steps 1 --seed=-1 --out x
expect_error "train-codec: resume without checkpoint" "${train_codec[@]}" --steps 1 --resume --out x
expect_error "train-codec: output directory missing" "${train_codec[@]}" --steps 1 --out no/such/dir/codec.safetensors
expect_error "train-codec: wrong data directory" train-codec --dataset cifar10 --data $mnist --codec pca --out x

expect_error "train: missing codec file" train --codec missing.safetensors --dataset mnist --data $mnist --steps 1 --out x
expect_error "train: codec is a PNG" train --codec "$work/image.png" --dataset mnist --data $mnist --steps 1 --out x
expect_error "train: codec for another data set" train --codec "$cifar_codec" --dataset mnist --data $mnist --steps 1 --out x
expect_error "train: wrong data directory" "${train[@]}" --data $cifar --steps 1 --out x
expect_error "train: unknown loss weighting" "${train[@]}" --loss-weighting snr --steps 1 --out x
expect_error "train: U-Net widths 8,104" train --codec identity --dataset mnist --data $mnist --widths 8,104 --steps 1 --out x
expect_error "train: width 0" "${train[@]}" --widths 0 --steps 1 --out x
expect_error "train: blocks 0" "${train[@]}" --blocks 0 --steps 1 --out x
expect_error "train: unknown schedule" "${train[@]}" --schedule square --steps 1 --out x
expect_error "train: unknown prediction" "${train[@]}" --prediction x0 --steps 1 --out x
expect_error "train: steps 0" "${train[@]}" --steps 0 --out x
expect_error "train: minutes -1" "${train[@]}" --minutes=-1 --out x
expect_error "train: batch size -1" "${train[@]}" --batch-size=-1 --steps 1 --out x
expect_error "train: learning rate inf" "${train[@]}" --learning-rate inf --steps 1 --out x
expect_error "train: EMA decay 1" "${train[@]}" --ema-decay 1 --steps 1 --out x
expect_error "train: EMA decay nan" "${train[@]}" --ema-decay nan --steps 1 --out x
expect_error "train: threads 1000" "${train[@]}" --threads 1000 --steps 1 --out x
expect_error "train: checkpoint seconds nan" "${train[@]}" --checkpoint-seconds nan --steps 1 --out x
expect_error "train: resume without checkpoint" "${train[@]}" --resume --steps 1 --out x
cp "$checkpoint" "$work/other.safetensors.ckpt"
expect_error "train: resume another configuration" "${train[@]}" --widths 16 --resume --steps 3 --out other.safetensors
expect_error "train: output directory missing" "${train[@]}" --steps 1 --out no/such/dir/model.safetensors
expect_error "train: --out is a directory" "${train[@]}" --steps 1 --out "$work/empty"
expect_no_work "train: --out is a directory"
expect_error "train: loss diverges" "${train[@]}" --learning-rate 1e30 --steps 50 --out diverged.safetensors

expect_error "sample: missing model" sample --model missing.safetensors --out x.png
expect_error "sample: no --model, no shipped model here" sample --count 1 --out x.png
expect_error "sample: unknown shipped model name" sample --model nosuchmodel --out x.png
expect_error "sample: model is a codec" sample --model "$codec" --out x.png
expect_error "sample: model is a checkpoint" sample --model "$checkpoint" --out x.png
expect_error "sample: model is a PNG" sample --model "$work/image.png" --out x.png
expect_error "sample: model is a directory" sample --model "$work/empty" --out x.png
expect_error "sample: count 0" "${sample[@]}" --count 0 --out x.png
expect_error "sample: negative count" "${sample[@]}" --count=-5 --out x.png
expect_error "sample: count too big" "${sample[@]}" --count 1000000 --out x.png
expect_error "sample: count not a number" "${sample[@]}" --count many --out x.png
expect_error "sample: steps 0" "${sample[@]}" --steps 0 --out x.png
expect_error "sample: steps over the schedule" "${sample[@]}" --steps 5000 --out x.png
expect_error "sample: unknown sampler" "${sample[@]}" --sampler rk45 --out x.png
expect_error "sample: unknown spacing" "${sample[@]}" --spacing linear --out x.png
expect_error "sample: guidance interval reversed" "${sample[@]}" --guidance-interval 5,1 --out x.png
expect_error "sample: guidance interval one number" "${sample[@]}" --guidance-interval 5 --out x.png
expect_error "sample: guidance interval negative" "${sample[@]}" --guidance-interval=-1,2 --out x.png
expect_error "sample: guidance interval nan" "${sample[@]}" --guidance-interval nan,2 --out x.png
expect_error "sample: guidance rescale 2" "${sample[@]}" --guidance-rescale 2 --out x.png
expect_error "sample: missing init image" "${sample[@]}" --init missing.png --out x.png
expect_error "sample: init not an image" "${sample[@]}" --init "$work/text.safetensors" --out x.png
expect_error "sample: init a broken PNG" "${sample[@]}" --init "$root/Tests/Fixtures/folders/broken/truncated.png" --out x.png
expect_error "sample: strength 2" "${sample[@]}" --init "$work/image.png" --strength 2 --out x.png
expect_error "sample: strength nan" "${sample[@]}" --init "$work/image.png" --strength nan --out x.png
expect_error "sample: mask without init" "${sample[@]}" --mask "$work/mask28.png" --out x.png
expect_error "sample: missing mask" "${sample[@]}" --init "$work/image.png" --mask missing.png --out x.png
expect_error "sample: mask not a PNG" "${sample[@]}" --init "$work/image.png" --mask "$work/text.safetensors" --out x.png
expect_error "sample: mask a broken PNG" "${sample[@]}" --init "$work/image.png" --mask "$root/Tests/Fixtures/folders/broken/truncated.png" --out x.png
expect_error "sample: mask of another size" "${sample[@]}" --init "$work/image.png" --mask "$work/image.png" --out x.png
expect_error "sample: mask, vector codec" sample --model "$unconditional" --count 1 --steps 2 --init "$work/image.png" --mask "$work/mask28.png" --out x.png
expect_error "sample: guidance rescale nan" "${sample[@]}" --guidance-rescale nan --out x.png
expect_error "sample: autoguidance without a guide" "${sample[@]}" --autoguidance 1 --out x.png
expect_no_work "sample: autoguidance without a guide"
expect_error "sample: autoguidance -1" sample --model "$guided" --count 2 --steps 2 --autoguidance=-1 --out x.png
expect_error "sample: autoguidance 101" sample --model "$guided" --count 2 --steps 2 --autoguidance 101 --out x.png
expect_error "sample: autoguidance nan" sample --model "$guided" --count 2 --steps 2 --autoguidance nan --out x.png
expect_error "sample: autoguidance not a number" sample --model "$guided" --count 2 --steps 2 --autoguidance strong --out x.png
expect_error "sample: eta 2" "${sample[@]}" --sampler ddim --eta 2 --out x.png
expect_error "sample: eta nan" "${sample[@]}" --sampler ddim --eta nan --out x.png
expect_error "sample: negative guidance" "${sample[@]}" --guidance=-1 --out x.png
expect_error "sample: guidance inf" "${sample[@]}" --guidance inf --out x.png
expect_error "sample: class 10 of 10" "${sample[@]}" --class 10 --out x.png
expect_error "sample: class -5" "${sample[@]}" --class=-5 --out x.png
expect_error "sample: class on an unconditional model" sample --model "$unconditional" --class 3 --out x.png
expect_error "sample: --classes all, unconditional" sample --model "$unconditional" --classes all --out x.png
expect_error "sample: --classes some" "${sample[@]}" --classes some --out x.png
expect_error "sample: --class and --classes" "${sample[@]}" --class 1 --classes all --out x.png
expect_error "sample: threads 0" "${sample[@]}" --threads 0 --out x.png
expect_error "sample: negative seed" "${sample[@]}" --seed=-1 --out x.png
expect_error "sample: output directory missing" "${sample[@]}" --out no/such/dir/x.png
expect_no_work "sample: output directory missing"
expect_error "sample: images directory uncreatable" "${sample[@]}" --images no/such/dir --out x.png
expect_no_work "sample: images directory uncreatable"
expect_error "sample: npy directory missing" "${sample[@]}" --npy no/such/dir/x.npy --out x.png
expect_no_work "sample: npy directory missing"
expect_error "sample: --out is a directory" "${sample[@]}" --out "$work/empty"
expect_no_work "sample: --out is a directory"

expect_error "reconstruct: missing codec" reconstruct --codec missing.safetensors --data $mnist --out x.png
expect_error "reconstruct: codec is a PNG" reconstruct --codec "$work/image.png" --data $mnist --out x.png
expect_error "reconstruct: wrong data directory" reconstruct --codec "$cifar_codec" --data $mnist --out x.png
expect_error "reconstruct: count 0" reconstruct --codec "$codec" --data $mnist --count 0 --out x.png
expect_error "reconstruct: negative measure" reconstruct --codec "$codec" --data $mnist --measure=-1 --out x.png
expect_error "reconstruct: threads 0" reconstruct --codec "$codec" --data $mnist --threads 0 --out x.png
expect_error "reconstruct: output directory missing" reconstruct --codec "$codec" --data $mnist --count 2 --out no/dir/x.png

expect_error "pca2d: missing --out" pca2d --data $mnist --steps 1
expect_error "pca2d: wrong data directory" pca2d --data $cifar --steps 1 --out pca
expect_error "pca2d: steps 0" pca2d --data $mnist --steps 0 --out pca
expect_error "pca2d: sampling steps 0" pca2d --data $mnist --steps 1 --sampling-steps 0 --out pca
expect_error "pca2d: threads 0" pca2d --data $mnist --steps 1 --threads 0 --out pca
expect_error "pca2d: output is a file" pca2d --data $mnist --steps 1 --out "$work/image.png"
expect_error "pca2d: width 0" pca2d --data $mnist --steps 1 --width 0 --out pca
expect_error "pca2d: batch size 0" pca2d --data $mnist --steps 1 --batch-size 0 --out pca
expect_error "pca2d: learning rate -1" pca2d --data $mnist --steps 1 --learning-rate=-1 --out pca
expect_error "pca2d: --model missing" pca2d --data $mnist --model "$work/missing.safetensors" --out pca
expect_error "pca2d: --model not a model" pca2d --data $mnist --model "$work/text.safetensors" --out pca
expect_error "pca2d: --model not PCA-2D" pca2d --data $mnist --model "$conditional" --out pca

expect_error "train-classifier: wrong data directory" train-classifier --dataset mnist --data $cifar --steps 1 --out c
expect_error "train-classifier: width 7" train-classifier --dataset mnist --data $mnist --steps 1 --width 7 --out c
expect_error "train-classifier: width 0" train-classifier --dataset mnist --data $mnist --steps 1 --width 0 --out c
expect_error "train-classifier: huge width" train-classifier --dataset mnist --data $mnist --steps 1 --width 1000000 --out c
expect_error "train-classifier: 9 blocks" train-classifier --dataset mnist --data $mnist --steps 1 --blocks 9 --out c
expect_error "train-classifier: negative blocks" train-classifier --dataset mnist --data $mnist --steps 1 --blocks -1 --out c
expect_error "train-classifier: batch size 0" train-classifier --dataset mnist --data $mnist --steps 1 --batch-size 0 --out c
expect_error "train-classifier: negative learning rate" train-classifier --dataset mnist --data $mnist --steps 1 --learning-rate -1 --out c
expect_error "train-classifier: NaN learning rate" train-classifier --dataset mnist --data $mnist --steps 1 --learning-rate nan --out c
expect_error "train-classifier: no budget" train-classifier --dataset mnist --data $mnist --out c
expect_error "train-classifier: output directory missing" train-classifier --dataset mnist --data $mnist --steps 1 --out no/dir/c

eval=(eval --model "$conditional" --classifier "$work/classifier.safetensors" --data $mnist --count 4 --steps 2)
expect_error "eval (classifier only): missing classifier" eval --classifier missing.safetensors --data $mnist
expect_error "eval (classifier only): a model as the classifier" eval --classifier "$conditional" --data $mnist
expect_error "eval (classifier only): wrong data directory" eval --classifier "$work/classifier.safetensors" --data $cifar
expect_error "eval: missing model" eval --model missing.safetensors --classifier "$work/classifier.safetensors" --data $mnist
expect_error "eval: classifier is a codec" eval --model "$conditional" --classifier "$codec" --data $mnist --count 4
expect_error "eval: model is a classifier" eval --model "$work/classifier.safetensors" --classifier "$work/classifier.safetensors" --data $mnist
expect_error "eval: guidance sweep not numbers" "${eval[@]}" --guidance-sweep 1,x
expect_error "eval: guidance sweep negative" "${eval[@]}" --guidance-sweep=-1,2
expect_error "eval: guidance sweep nan" "${eval[@]}" --guidance-sweep 1,nan
expect_error "eval: guidance sweep empty" "${eval[@]}" --guidance-sweep ,
expect_error "eval: guidance sweep without classifier" eval --model "$conditional" --data $mnist --count 4 --steps 2 --guidance-sweep 1,2
expect_error "eval: guidance and guidance sweep" "${eval[@]}" --guidance 2 --guidance-sweep 1,2
expect_error "eval: plot without guidance sweep" "${eval[@]}" --plot "$work/curve.png"
expect_error "eval: plot directory missing" "${eval[@]}" --guidance-sweep 1,2 --plot no/dir/curve.png
expect_error "eval: json directory missing" "${eval[@]}" --json no/dir/eval.json
expect_error "eval: wrong data directory" "${eval[@]}" --data $cifar
expect_error "eval: count 1" "${eval[@]}" --count 1
expect_error "eval: count too big" "${eval[@]}" --count 100000000
expect_error "eval: steps 0" "${eval[@]}" --steps 0
expect_error "eval: guidance nan" "${eval[@]}" --guidance nan
expect_error "eval: autoguidance without a guide" "${eval[@]}" --autoguidance 1
expect_error "eval: autoguidance -1" eval --model "$guided" --classifier "$work/classifier.safetensors" --data $mnist --count 4 --steps 2 --autoguidance=-1
expect_error "eval: JSON directory missing" "${eval[@]}" --json no/dir/report.json
expect_error "eval codec: guidance sweep" eval --model "$codec" --classifier "$work/classifier.safetensors" --data $mnist --guidance-sweep 1,2
expect_error "eval codec: pairs" eval --model "$codec" --data $mnist --pairs "$work/pairs.png"
expect_error "eval codec: steps" eval --model "$codec" --data $mnist --steps 4

compare=(compare --dataset mnist --data $mnist --steps 1 --codec-steps 1 --count 4 --limit 64)
expect_error "compare: no codec budget" compare --dataset mnist --data $mnist --steps 1 --out cmp
expect_error "compare: steps 0" compare --dataset mnist --data $mnist --steps 0 --codec-steps 1 --out cmp
expect_error "compare: wrong data directory" "${compare[@]}" --data $cifar --out cmp
expect_error "compare: limit 0" "${compare[@]}" --limit 0 --out cmp
expect_error "compare: count 0" "${compare[@]}" --count 0 --out cmp
expect_error "compare: missing classifier" "${compare[@]}" --classifier missing.safetensors --out cmp
expect_error "compare: output is a file" "${compare[@]}" --out "$work/image.png"

# Image folders: each bad folder is one error line (what was skipped goes to standard output).
folders=$root/Tests/Fixtures/folders
mkdir -p "$work/folder-empty" "$work/folder-jpeg" "$work/folder-huge" "$work/folder-dangling" "$work/folder-loop/a"
cp "$folders/broken/truncated.jpg" "$work/folder-jpeg/"
cp "$folders/broken/huge-header.png" "$work/folder-huge/"
ln -s /nonexistent/image.png "$work/folder-dangling/image.png"
ln -s .. "$work/folder-loop/a/up"
expect_error "data: empty folder" data --dataset folder --data "$work/folder-empty"
expect_error "data: only a truncated JPEG" data --data "$work/folder-jpeg"
expect_error "data: a 10^9-pixel PNG header" data --data "$work/folder-huge"
expect_error "data: only unreadable files" data --data "$work/folder-dangling"
expect_error "data: a symbolic link loop" data --data "$work/folder-loop"
expect_error "data: channels 2" data --data "$folders/flat" --channels 2
expect_error "data pack: size 2" data pack --data "$folders/flat" --size 2 --out x.ldpack
expect_error "data pack: no --data" data pack --out x.ldpack
expect_error "data: not a pack file" data --dataset pack --data "$folders/broken/readme.txt"
expect_error "train: conditional on a flat folder" train --codec identity --data "$folders/flat" --size 8 --conditional --widths 8 --steps 1 --batch-size 2 --out x
quiet train --codec identity --data "$folders/labelled" --size 8 --widths 8,8 --blocks 1 --steps 1 --batch-size 2 \
    --checkpoint-seconds 0 --out "$work/folder-model.safetensors"
folder_eval=(eval --model "$work/folder-model.safetensors" --data "$folders/labelled" --count 2 --steps 1)
expect_error "eval folder: missing data" eval --model "$work/folder-model.safetensors" --data /nonexistent/pictures --count 2
expect_error "eval folder: a folder without images" "${folder_eval[@]}" --data "$work/folder-empty"
expect_error "eval folder: wrong size" "${folder_eval[@]}" --size 16
expect_error "eval folder: wrong data set" "${folder_eval[@]}" --dataset mnist
expect_error "eval folder: count 0" "${folder_eval[@]}" --count 0
expect_error "eval folder: an MNIST classifier" "${folder_eval[@]}" --classifier "$work/classifier.safetensors"
expect_error "eval folder: pairs directory missing" "${folder_eval[@]}" --pairs no/dir/pairs.png
expect_error "eval: neither model nor classifier" eval --data "$folders/labelled"

cp "$conditional" "$work/defaults.safetensors"
defaults=(model-defaults --model "$work/defaults.safetensors")
expect_error "model-defaults: no --model" model-defaults --guidance 2
expect_error "model-defaults: missing file" model-defaults --model missing.safetensors --guidance 2
expect_error "model-defaults: a text file" model-defaults --model "$work/text.safetensors" --guidance 2
expect_error "model-defaults: a PNG" model-defaults --model "$work/image.png" --steps 10
expect_error "model-defaults: a codec" model-defaults --model "$codec" --guidance 2
expect_error "model-defaults: a codec, shown" model-defaults --model "$codec"
expect_error "model-defaults: guidance -1" "${defaults[@]}" --guidance=-1
expect_error "model-defaults: guidance 101" "${defaults[@]}" --guidance 101
expect_error "model-defaults: guidance nan" "${defaults[@]}" --guidance nan
expect_error "model-defaults: guidance not a number" "${defaults[@]}" --guidance strong
expect_error "model-defaults: steps 0" "${defaults[@]}" --steps 0
expect_error "model-defaults: steps over T" "${defaults[@]}" --steps 1001
expect_error "model-defaults: unknown sampler" "${defaults[@]}" --sampler magic
expect_error "model-defaults: unknown spacing" "${defaults[@]}" --spacing wide
expect_error "model-defaults: interval low above high" "${defaults[@]}" --guidance-interval 5,1
expect_error "model-defaults: negative interval" "${defaults[@]}" --guidance-interval=-1,2
expect_error "model-defaults: interval of one number" "${defaults[@]}" --guidance-interval 2
expect_error "model-defaults: interval not numbers" "${defaults[@]}" --guidance-interval low,high
expect_error "model-defaults: rescale 2" "${defaults[@]}" --guidance-rescale 2
expect_error "model-defaults: rescale nan" "${defaults[@]}" --guidance-rescale nan
expect_error "model-defaults: too few class names" "${defaults[@]}" --class-names a,b
expect_error "model-defaults: an empty class name" "${defaults[@]}" --class-names 0,1,2,3,4,,6,7,8,9
expect_error "model-defaults: class names for an unconditional model" model-defaults --model "$unconditional" --class-names a
expect_error "model-defaults: autoguidance without a guide" "${defaults[@]}" --autoguidance 1
cmp -s "$conditional" "$work/defaults.safetensors" || { failures=$((failures + 1)); echo "FAIL model-defaults: a refused change altered the file"; }
cp "$guided" "$work/guided-defaults.safetensors"
expect_error "model-defaults: autoguidance -1" model-defaults --model "$work/guided-defaults.safetensors" --autoguidance=-1
expect_error "model-defaults: autoguidance nan" model-defaults --model "$work/guided-defaults.safetensors" --autoguidance nan
cmp -s "$guided" "$work/guided-defaults.safetensors" || { failures=$((failures + 1)); echo "FAIL model-defaults: a refused weight altered the file"; }

# attach-guide: each refusal writes nothing (no --out file; --model unchanged when written over).
attach=(attach-guide --model "$conditional")
expect_error "attach-guide: no --guide" "${attach[@]}" --out x.safetensors
expect_error "attach-guide: no --model" attach-guide --guide "$guided" --out x.safetensors
expect_error "attach-guide: missing model" attach-guide --model missing.safetensors --guide "$guided" --out x.safetensors
expect_error "attach-guide: missing guide" "${attach[@]}" --guide missing.safetensors --out x.safetensors
expect_error "attach-guide: model is a codec" attach-guide --model "$codec" --guide "$guided" --out x.safetensors
expect_error "attach-guide: guide is a codec" "${attach[@]}" --guide "$codec" --out x.safetensors
expect_error "attach-guide: guide is a PNG" "${attach[@]}" --guide "$work/image.png" --out x.safetensors
expect_error "attach-guide: guide is a text file" "${attach[@]}" --guide "$work/text.safetensors" --out x.safetensors
expect_error "attach-guide: guide is a classifier" "${attach[@]}" --guide "$work/classifier.safetensors" --out x.safetensors
expect_error "attach-guide: guide is a checkpoint" "${attach[@]}" --guide "$checkpoint" --out x.safetensors
expect_error "attach-guide: model is a checkpoint" attach-guide --model "$checkpoint" --guide "$guided" --out x.safetensors
expect_error "attach-guide: guide on another MNIST codec" "${attach[@]}" --guide "$unconditional" --out x.safetensors
expect_error "attach-guide: guide is a CIFAR-10 model" "${attach[@]}" --guide "$work/cifar.safetensors" --out x.safetensors
expect_error "attach-guide: guide of another schedule" "${attach[@]}" --guide "$work/cosine-guide.safetensors" --out x.safetensors
expect_error "attach-guide: unconditional guide" "${attach[@]}" --guide "$work/unconditional-guide.safetensors" --out x.safetensors
expect_error "attach-guide: --out directory missing" "${attach[@]}" --guide "$guided" --out no/such/dir/x.safetensors
expect_error "attach-guide: --out is a directory" "${attach[@]}" --guide "$guided" --out "$work/empty"
cases=$((cases + 1))
if [ -e "$work/x.safetensors" ]; then
    failures=$((failures + 1))
    echo "FAIL attach-guide: a refused call wrote x.safetensors"
else
    printf 'ok   %-44s %s\n' "attach-guide: refusals" "wrote no x.safetensors"
fi
cp "$conditional" "$work/attach.safetensors"
expect_error "attach-guide: over --model, CIFAR-10 guide" attach-guide --model "$work/attach.safetensors" --guide "$work/cifar.safetensors"
cmp -s "$conditional" "$work/attach.safetensors" || { failures=$((failures + 1)); echo "FAIL attach-guide: a refused guide altered --model"; }

expect_error "bench: unknown workload" bench resnet
expect_error "bench: threads 0" bench --threads 0
expect_error "bench: huge batch" bench --batch 1000000000
expect_error "bench: repetitions 0" bench --repetitions 0

echo "cli errors: $cases cases, $failures failed"
[ "$failures" -eq 0 ]
