#!/usr/bin/env bash
# Runs every fuzz target, one after another, for SECONDS each:   fuzz/run_all.sh SECONDS
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:?usage: fuzz/run_all.sh SECONDS}
"$root/fuzz/build.sh"
for target in model png dataset folder pack; do
    SKIP_BUILD=1 "$root/fuzz/run.sh" "$target" "$seconds"
done
