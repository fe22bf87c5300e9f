#!/usr/bin/env bash
# Every check of the project: the Swift test suite, the C examples (plain and under valgrind),
# and the shipping build (dist/) with its symbol, dependency and clean-environment checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift test
make -C examples-c test
scripts/dist.sh
