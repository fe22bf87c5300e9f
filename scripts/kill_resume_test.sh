#!/usr/bin/env bash
# Crash-safe training: trains the tiny model of scripts/make_tiny_model.sh on the MNIST fixture
# with a checkpoint after every step, kills it with SIGKILL at random moments KILLS times, and
# resumes it with --resume after each kill. Three kinds of kill take turns: at a random moment
# before the run's first new checkpoint (loading, encoding, the first step); a random moment after
# 1-3 new checkpoints; the moment a checkpoint's temporary file appears (during its write).
# Checks that
#   - every checkpoint on disk after a kill loads (`latentdiff info`: the model part builds, the
#     training state reads), and its step never goes back;
#   - the resumed run starts from exactly that checkpoint's step;
#   - what a killed write left behind (OUT.ckpt.tmp-*) is removed by the next run;
#   - the final model equals, bit for bit, that of one uninterrupted run of the same steps
#     (batches, noise and dropout are keyed by (seed, step), and the checkpoint holds the
#     parameters, Adam moments, EMA weights and counters);
#   - the final model loads and samples;
#   - a run whose loss diverges stops with a one-line error and keeps its last good checkpoint.
#
#   scripts/kill_resume_test.sh [LATENTDIFF]    (default: builds and uses .build/debug/latentdiff)
#   KILLS=20 STEPS=40 SEED=$RANDOM to change the defaults.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ $# -gt 0 ]; then bin=$1; else swift build --product latentdiff; bin="$root/.build/debug/latentdiff"; fi
kills_wanted=${KILLS:-20}
steps=${STEPS:-40}
RANDOM=${SEED:-$$}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mnist=Tests/Fixtures/mnist

echo "== codec (tiny vae-cnn of make_tiny_model.sh)"
"$bin" train-codec --dataset mnist --data $mnist --codec vae-cnn --widths 8,16 --steps 10 --batch-size 32 \
    --out "$work/codec.safetensors" > "$work/codec.log" 2>&1
train=("$bin" train --codec "$work/codec.safetensors" --dataset mnist --data $mnist --conditional --widths 16,32
       --steps "$steps" --batch-size 16 --seed 5)

echo "== reference: $steps steps without interruption"
start=$(date +%s)
"${train[@]}" --checkpoint-seconds 1000000 --out "$work/reference.safetensors" > "$work/reference.log" 2>&1
echo "   $(($(date +%s) - start)) s"

out="$work/killed.safetensors"
ckpt="$out.ckpt"
kills=0 during_write=0 resumes=0 fresh_starts=0 stale_removed=0 last_step=0 run=0
# The training state step of a checkpoint, read through `latentdiff info` (which loads it).
checkpoint_step() {
    "$bin" info "$1" > "$work/info.log" 2>&1 || { echo "FAIL: checkpoint does not load:"; cat "$work/info.log"; exit 1; }
    sed -n 's/^training state: step \([0-9]*\),.*/\1/p' "$work/info.log"
}
# Waits (up to 60 s) while process $1 runs until the command that follows succeeds; true if it did.
wait_until() {
    local pid=$1 i
    shift
    for ((i = 0; i < 30000; i++)); do
        "$@" && return 0
        kill -0 "$pid" 2> /dev/null || return 1
        sleep 0.002
    done
    return 1
}
# A checkpoint written since the last call (or the run's start); the marker then moves to now.
new_checkpoint() { [ "$ckpt" -nt "$work/marker" ] && touch "$work/marker"; }
# The first of: `new_checkpoint`, or the time $1 (microseconds since the epoch) reached.
checkpoint_or_timeout() { new_checkpoint || [ "${EPOCHREALTIME/./}" -ge "$1" ]; }
writing_checkpoint() { compgen -G "$ckpt.tmp-$1-*" > /dev/null; }

echo "== $kills_wanted kills with SIGKILL, each followed by --resume"
while true; do
    run=$((run + 1))
    args=(--checkpoint-seconds 0 --out "$out")
    expected=""
    if [ -f "$ckpt" ]; then
        args+=(--resume)
        expected=$(checkpoint_step "$ckpt")
    fi
    stale=$(compgen -G "$ckpt.tmp-*" | wc -l || true)
    touch "$work/marker"
    "${train[@]}" "${args[@]}" > "$work/run-$run.log" 2>&1 &
    pid=$!
    how=""
    if [ "$kills" -lt "$kills_wanted" ]; then
        case $((kills % 3)) in
        0) wait_until "$pid" checkpoint_or_timeout "$((${EPOCHREALTIME/./} + RANDOM % 3000 * 1000))"
           how="at a random moment" ;;
        1) for ((n = RANDOM % 3; n >= 0; n--)); do wait_until "$pid" new_checkpoint || break; done
           sleep "0.0$((RANDOM % 10))"
           how="after new checkpoints" ;;
        2) wait_until "$pid" writing_checkpoint "$pid"; how="during a checkpoint write" ;;
        esac
        kill -KILL "$pid" 2> /dev/null || true
    fi
    status=0
    { wait "$pid"; } 2> /dev/null || status=$?
    if [ -n "$expected" ]; then
        # (A run killed while still loading has printed nothing yet.)
        if grep -q "^resumed from .* at step $expected\$" "$work/run-$run.log"; then
            resumes=$((resumes + 1))
        elif grep -q "^resumed from" "$work/run-$run.log" || [ "$status" -ne 137 ]; then
            echo "FAIL: run $run did not resume at step $expected:"; tail -5 "$work/run-$run.log"; exit 1
        fi
    elif [ "$run" -gt 1 ]; then
        fresh_starts=$((fresh_starts + 1))
    fi
    if [ "$stale" -gt 0 ] && grep -q "removed $stale unfinished temporary file" "$work/run-$run.log"; then
        stale_removed=$((stale_removed + stale))
    fi
    if [ "$status" -eq 0 ]; then
        [ "$kills" -ge "$kills_wanted" ] || { echo "FAIL: training finished after $kills kills; raise STEPS"; exit 1; }
        break
    fi
    [ "$status" -eq 137 ] || { echo "FAIL: run $run exited with $status:"; tail -5 "$work/run-$run.log"; exit 1; }
    kills=$((kills + 1))
    left=$(compgen -G "$ckpt.tmp-$pid-*" | wc -l || true)
    [ "$left" -gt 0 ] && [ "$how" = "during a checkpoint write" ] && during_write=$((during_write + 1))
    step="-"
    if [ -f "$ckpt" ]; then
        step=$(checkpoint_step "$ckpt")
        [ "$step" -ge "$last_step" ] || { echo "FAIL: the checkpoint went back from step $last_step to $step"; exit 1; }
        last_step=$step
    fi
    printf '   kill %2d %-26s checkpoint at step %-3s (%s unfinished temporary file(s) left)\n' \
        "$kills" "$how" "$step" "$left"
done

leftovers=$(compgen -G "$work/*.tmp-*" | wc -l || true)
echo "   $kills kills ($during_write during a checkpoint write), $resumes resumes, $fresh_starts fresh starts" \
    "(killed before the first checkpoint), $stale_removed unfinished temporary files removed on restart, $leftovers left"
[ "$leftovers" -eq 0 ] || { echo "FAIL: temporary files left: $(compgen -G "$work/*.tmp-*")"; exit 1; }
[ "$during_write" -gt 0 ] || { echo "FAIL: no kill landed during a checkpoint write"; exit 1; }

echo "== the resumed run equals the uninterrupted one"
if cmp -s "$out" "$work/reference.safetensors"; then
    echo "   identical files, bit for bit ($(wc -c < "$out") bytes)"
else
    echo "FAIL: the final model differs from the uninterrupted run's"
    python3 - "$out" "$work/reference.safetensors" <<'PY'
import json, struct, sys
def read(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    return header, blob[8 + n:]
(a, da), (b, db) = read(sys.argv[1]), read(sys.argv[2])
print("   configurations equal:", a.get("__metadata__") == b.get("__metadata__"))
for name, entry in a.items():
    if name != "__metadata__":
        x = da[slice(*entry["data_offsets"])]
        y = db[slice(*b[name]["data_offsets"])]
        if x != y:
            diffs = [abs(p - q) for (p,), (q,) in zip(struct.iter_unpack("<f", x), struct.iter_unpack("<f", y))]
            print(f"   {name}: max difference {max(diffs):.3g}")
PY
    exit 1
fi

echo "== the final model loads and samples"
"$bin" info "$out" | sed 's/^/   /'
"$bin" sample --model "$out" --count 4 --class 3 --steps 4 --out "$work/final.png" | sed 's/^/   /'

echo "== a diverging run stops and keeps its last good checkpoint"
status=0
"${train[@]}" --learning-rate 1e30 --checkpoint-seconds 0 --out "$work/diverged.safetensors" > "$work/diverged.log" 2>&1 \
    || status=$?
message=$(tail -n 1 "$work/diverged.log")
echo "   exit $status: $message"
[[ "$status" -eq 1 && "$message" =~ ^error:\ the\ (loss|gradient).*became.*at\ step\ ([0-9]+)\;\ stopped,\ the\ last\ checkpoint\ is\ kept$ ]] \
    || { echo "FAIL: no one-line divergence error"; exit 1; }
failed_step=${BASH_REMATCH[2]}
kept=$(checkpoint_step "$work/diverged.safetensors.ckpt")
echo "   the checkpoint on disk loads and holds step $kept"
[ "$kept" -eq $((failed_step - 1)) ] || { echo "FAIL: expected the checkpoint of step $((failed_step - 1))"; exit 1; }
[ ! -e "$work/diverged.safetensors" ] || { echo "FAIL: a diverged run wrote a final model"; exit 1; }
echo "kill/resume: all checks passed"
