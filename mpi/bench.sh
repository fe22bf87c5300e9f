#!/usr/bin/env bash
# The on-host numbers of docs/scaling.md (a benchmark, not a test): training throughput of
# 1 rank x 2 threads against 2 ranks x 1 thread, the all-reduce time per step as training logs it
# (transfer plus waiting for the slower rank), the CPU time of one step, and bench-allreduce of
# the gradient buffer alone.
# Defaults: the default pixel-space U-Net (48,96) on the MNIST fixture, global batch 32.
#   STEPS=12 REPEATS=3 WIDTHS=48,96 BATCH=32 mpi/bench.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
steps=${STEPS:-12} repeats=${REPEATS:-3} widths=${WIDTHS:-48,96} batch=${BATCH:-32}
swift build -c release --product latentdiff-mpi > /dev/null
bin=$here/.build/release/latentdiff-mpi
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
train=(train --codec identity --dataset mnist --data "$here/../Tests/Fixtures/mnist" --widths "$widths"
       --batch-size "$batch" --steps "$steps" --checkpoint-seconds 1000000 --out "$work/model.safetensors")
rate() { grep -o '[0-9.]* latents/s' | tail -1; }
echo "U-Net $widths, global batch $batch, $steps steps; $(nproc) cores; $(mpirun --version | head -1)"
for run in $(seq "$repeats"); do
    echo "run $run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    # One rank may use both cores: no binding (mpirun binds each of up to 2 ranks to a core).
    echo "  1 rank  x 2 threads: $(mpirun -np 1 --bind-to none "$bin" "${train[@]}" --threads 2 2>&1 | rate)"
    log=$(mpirun -np 2 "$bin" "${train[@]}" --threads 1 2>&1)
    echo "  2 ranks x 1 thread:  $(rate <<< "$log"); $(grep -o 'all-reduce: .*' <<< "$log")"
done
# Compute per step apart from the other load of a shared machine: the CPU seconds (user + sys) of
# 1 process x 1 thread, (run of STEPS + 2 steps - run of 2 steps) / STEPS.
cpu_seconds() { local t; t=$( { TIMEFORMAT='%U %S'; time "$@" > /dev/null 2>&1; } 2>&1 ); awk '{print $1 + $2}' <<< "$t"; }
short=$(cpu_seconds "$bin" "${train[@]}" --steps 2 --threads 1)
long=$(cpu_seconds "$bin" "${train[@]}" --steps $((steps + 2)) --threads 1)
echo "CPU per step, 1 process x 1 thread, batch $batch: $(awk -v a="$short" -v b="$long" -v n="$steps" 'BEGIN { printf "%.3f s", (b - a) / n }')"
parameters=$(mpirun -np 1 "$bin" "${train[@]}" --steps 1 --threads 2 2>&1 | sed -n 's/^denoiser: \([0-9]*\) parameters/\1/p')
echo "bench-allreduce of the gradient buffer ($parameters parameters), 2 ranks on this host:"
mpirun -np 2 "$bin" bench-allreduce --floats "$parameters" --repeats 50
