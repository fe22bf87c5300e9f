#!/usr/bin/env bash
# Checks of the Open MPI build (needs mpirun and libopenmpi-dev; about a minute on 2 cores after
# the build). Builds mpi/ in release: latentdiff-mpi and latentdiff come from the same build, so
# they run the same compiled library code.
#  1. the gradient all-reduce hook's test, under 2 ranks;
#  2. equivalence: 2 ranks x 4 images reproduce 1 process x 8 images per step: after 50 steps
#     every tensor of the checkpoint (parameters, Adam moments, EMA) agrees to 1e-4 of its own
#     largest value (docs/scaling.md says why that bound);
#  3. resume with another rank count: the 2-rank checkpoint continued 10 steps by 1 process and by
#     4 ranks agree to the same bound;
#  4. sharded sampling: 2 ranks (15 images each) and 4 ranks (rank 0 has none of the 3 images)
#     write byte-identical grids, image files and latents to one process.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
swift build -c release --build-tests
swift build -c release --product latentdiff
bin=$here/.build/release
fixtures=$here/../Tests/Fixtures
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
ranks() { local n=$1; shift; mpirun -np "$n" --oversubscribe "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

echo "== 1. gradient all-reduce hook, 2 ranks"
ranks 2 "$bin/LatentDiffMPIPackageTests.xctest" --testing-library swift-testing

# Widths 16,32: two channels per GroupNorm group (see docs/scaling.md for why not 8,16).
train=(--codec identity --dataset mnist --data "$fixtures/mnist" --conditional --widths 16,32
       --batch-size 8 --seed 3 --threads 1 --checkpoint-seconds 0)
echo "== 2. 50 steps: 1 process x batch 8 against 2 ranks x 4"
"$bin/latentdiff" train "${train[@]}" --steps 50 --out "$work/one.safetensors"
ranks 2 "$bin/latentdiff-mpi" train "${train[@]}" --steps 50 --out "$work/two.safetensors"
python3 compare_models.py "$work/one.safetensors.ckpt" "$work/two.safetensors.ckpt" 1e-4

echo "== 3. resume the 2-rank checkpoint for 10 steps with 1 process and with 4 ranks"
cp "$work/two.safetensors.ckpt" "$work/resume1.safetensors.ckpt"
cp "$work/two.safetensors.ckpt" "$work/resume4.safetensors.ckpt"
"$bin/latentdiff" train "${train[@]}" --steps 60 --resume --out "$work/resume1.safetensors"
ranks 4 "$bin/latentdiff-mpi" train "${train[@]}" --steps 60 --resume --out "$work/resume4.safetensors"
python3 compare_models.py "$work/resume1.safetensors.ckpt" "$work/resume4.safetensors.ckpt" 1e-4

echo "== 4. sharded sampling is bit-identical to one process"
model=(--model "$fixtures/models/tiny-mnist.safetensors" --steps 10 --seed 7 --threads 1)
for case in "2 --count 3 --classes all --guidance 2" "4 --count 3 --class 5"; do
    read -r n options <<< "$case"
    # shellcheck disable=SC2086
    "$bin/latentdiff" sample "${model[@]}" $options --out "$work/one.png" --images "$work/one" --npy "$work/one.npy"
    # shellcheck disable=SC2086
    ranks "$n" "$bin/latentdiff-mpi" sample "${model[@]}" $options --out "$work/many.png" --images "$work/many" --npy "$work/many.npy"
    cmp "$work/one.png" "$work/many.png"
    cmp "$work/one.npy" "$work/many.npy"
    diff -r "$work/one" "$work/many"
    echo "$n ranks, $options: grid, images and latents identical"
    rm -rf "$work/one" "$work/many"
done
echo "mpi/test.sh: all passed in $((SECONDS - start)) s after the build"
