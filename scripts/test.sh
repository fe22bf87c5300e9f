#!/usr/bin/env bash
# Every check of the project: the Swift test suite; the shipping build (dist/) with its symbol,
# dependency and clean-environment checks; the C examples against dist/ (plain and under
# valgrind); the Python binding against the same library; the Open MPI build's checks (mpi/test.sh)
# when mpirun is installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
swift test
scripts/dist.sh
make -C examples-c test LIBDIR="$root/dist/lib" SKIP_BUILD=1
LATENTDIFF_LIBRARY="$root/dist/lib/libLatentDiff.so" python3 bindings/python/test_latentdiff.py
if command -v mpirun > /dev/null && pkg-config --exists ompi-c; then
    mpi/test.sh
else
    echo "mpirun not found (apt-get install libopenmpi-dev openmpi-bin): skipped mpi/test.sh"
fi
