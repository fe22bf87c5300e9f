#!/usr/bin/env bash
# train-all end to end on the labelled fixture folder (Tests/Fixtures/folders/labelled: PNG and
# JPEG, gray, RGB, RGBA, odd sizes, a broken file and a text file): a few steps of codec and
# U-Net, the pictures beside the model, a kill followed by --resume, then the model used
# unchanged by `latentdiff sample`, `latentdiff info`, the C example `generate` (plain and under
# valgrind) and the Python binding.
#
#   scripts/train_all_test.sh [LATENTDIFF] [LIBDIR]
#       (defaults: .build/debug/latentdiff, dist/lib with the C examples built by make -C examples-c)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${1:-$root/.build/debug/latentdiff}
libdir=${2:-$root/dist/lib}
folder=$root/Tests/Fixtures/folders/labelled
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
small=(--size 16 --codec-widths 8,16 --widths 8,16 --batch-size 8 --threads 1 --memorization-samples 8)

echo "== train-all, 12 steps"
"$bin" train-all --data "$folder" "${small[@]}" --steps 12 --out "$work/icons.safetensors" > "$work/log" 2>&1 \
    || { cat "$work/log"; fail "train-all"; }
grep -q "skipped 1 other files" "$work/log" || fail "the text file was not counted as skipped"
for file in icons.safetensors icons.codec.safetensors icons.safetensors.loss.png icons.codec.safetensors.loss.png \
            icons.samples.png icons.reconstructions.png icons.memorization.png icons.memorization.json; do
    [ -s "$work/$file" ] || fail "$file missing"
done
grep -q "rows: airplane, automobile, cat" "$work/log" || fail "the sample grid does not have one row per class"

echo "== killed during the denoiser stage, then --resume (a 30-second budget: 7.5 s codec, 22.5 s U-Net)"
"$bin" train-all --data "$folder" "${small[@]}" --minutes 0.5 --checkpoint-seconds 0.5 \
    --out "$work/killed.safetensors" > "$work/killed.log" 2>&1 &
pid=$!
for _ in $(seq 900); do [ -s "$work/killed.safetensors.ckpt" ] && break; sleep 0.1; done
[ -s "$work/killed.safetensors.ckpt" ] || { kill -9 $pid; cat "$work/killed.log"; fail "no denoiser checkpoint appeared"; }
kill -9 $pid 2> /dev/null || { cat "$work/killed.log"; fail "the run ended before it could be killed"; }
wait $pid 2> /dev/null || true
[ ! -e "$work/killed.safetensors" ] || fail "a killed run left a model"
"$bin" train-all --data "$folder" "${small[@]}" --minutes 0.5 --checkpoint-seconds 0.5 --resume \
    --out "$work/killed.safetensors" > "$work/resumed.log" 2>&1 || { cat "$work/resumed.log"; fail "resume"; }
grep -q "^train-all: keeping the finished codec" "$work/resumed.log" || fail "the codec was trained again"
grep -q "^resumed from .*killed.safetensors.ckpt at step [1-9]" "$work/resumed.log" || fail "the denoiser did not resume"
[ -s "$work/killed.samples.png" ] || fail "the resumed run wrote no samples"

model=$work/icons.safetensors
echo "== the model in latentdiff sample and info"
"$bin" info "$model" > "$work/info" || fail "info"
grep -q "folder" "$work/info" || { cat "$work/info"; fail "info does not name the data set"; }
"$bin" sample --model "$model" --classes all --count 2 --steps 3 --out "$work/sample.png" > /dev/null || fail "sample"
[ -s "$work/sample.png" ] || fail "sample wrote nothing"

echo "== the model from C (plain and under valgrind)"
generate=$root/examples-c/build/generate
[ -x "$generate" ] || fail "build the C examples first (make -C examples-c all)"
(cd "$work" && "$generate" "$model" 2 c-grid.png) || fail "C generate"
(cd "$work" && valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=1 "$generate" "$model" 1 c-grid-valgrind.png) \
    || fail "C generate under valgrind"

echo "== the model from Python"
LATENTDIFF_LIBRARY="$libdir/libLatentDiff.so.0" PYTHONPATH="$root/bindings/python/src" python3 - "$model" <<'PY' || fail "Python"
import sys
import numpy as np
import latentdiff
with latentdiff.Model(sys.argv[1]) as model:
    images = model.generate(3, labels=[0, 1, 2], steps=3, guidance=2.0, seed=5)
    assert images.shape == (3, 16, 16, 3) and images.dtype == np.uint8, images.shape
    assert len(np.unique(images)) > 1
    again = model.generate(3, labels=[0, 1, 2], steps=3, guidance=2.0, seed=5)
    assert np.array_equal(images, again)
print("python: 3 images of (16, 16, 3), reproducible")
PY
echo "train-all: all checks passed"
