#!/usr/bin/env bash
# Runs one fuzz target for a given time:   fuzz/run.sh model|png|dataset|folder|pack SECONDS [libFuzzer flags]
#
# Starts from the committed seeds (fuzz/corpus/TARGET, only read) and the corpus grown by earlier
# runs (fuzz/work/TARGET/corpus, not committed). A crash, leak, timeout or memory blow-up leaves
# its input in fuzz/work/TARGET/ and fails the script; replay it with
#   fuzz/build/fuzz_TARGET fuzz/work/TARGET/crash-...
# Prints the run's executions and time at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${1:?usage: fuzz/run.sh model|png|dataset|folder|pack SECONDS}
seconds=${2:?usage: fuzz/run.sh model|png|dataset|folder|pack SECONDS}
shift 2
case "$target" in model|png|dataset|folder|pack) ;; *) echo "unknown target '$target'" >&2; exit 2 ;; esac
[ -n "${SKIP_BUILD:-}" ] || fuzz/build.sh
work="fuzz/work/$target"
mkdir -p "$work/corpus"
dictionary=()
[ -f "fuzz/$target.dict" ] && dictionary=(-dict="fuzz/$target.dict")
log="$work/last-run.log"
# -malloc_limit_mb: no input may make the library allocate much more than the input holds. The
# model and data set inputs are at most tens of KB, so 64 MB is far above any honest need; a PNG
# of n bytes may decode to up to 33024 n bytes (PNG.maxExpansion), so its target gets 256 MB, as
# does the folder target (a JPEG may state 4096 pixels per byte, JPEG.maxPixelsPerByte, and a PNG
# is read with alpha; libjpeg's own buffers for a progressive image add 2 bytes per pixel).
malloc_limit=64
[ "$target" = png ] || [ "$target" = folder ] && malloc_limit=256
status=0
"fuzz/build/fuzz_$target" "$work/corpus" "fuzz/corpus/$target" "${dictionary[@]}" \
    -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -malloc_limit_mb="$malloc_limit" \
    -artifact_prefix="$work/" -print_final_stats=1 "$@" > "$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
time=$(sed -n 's/^stat::.*//; s/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log")
if [ "$status" -ne 0 ]; then
    tail -60 "$log"
    echo "fuzz_$target: FAILED after ${runs:-?} executions (log: $log)"
    exit "$status"
fi
echo "fuzz_$target: ${runs:-?} executions in ${time:-$seconds} s, no crash, leak or timeout ($(ls "$work/corpus" | wc -l) corpus files)"
