#!/usr/bin/env bash
# Every check of the project: the Swift test suite; the C kernels' aarch64 build; the shipping build (dist/) with its symbol,
# dependency and clean-environment checks; the C examples against dist/ (plain and under
# valgrind) and the Python binding (plain and under valgrind); the Python wheel installed in a
# fresh virtual environment with its pytest suite; benchmarks/fid.py's checks; the Rust crate's tests and example; the
# install step (scripts/install.sh) tested from outside the tree; the soak and thread stress tests;
# every bad CLI input; crash-safe training (kill and resume); each fuzz target for FUZZ_SECONDS
# (default 60); the C examples, soak, stress and Python test under AddressSanitizer; the stress
# test under ThreadSanitizer; the Open MPI build's checks (mpi/test.sh) when mpirun is installed.
# Prints the time each part took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)
step() {
    echo "==== $1 ($(($(date +%s) - started)) s since the start)"
}

step "swift test"
swift test
step "C kernels compile for aarch64"
scripts/check_aarch64.sh
step "shipping build"
scripts/dist.sh
step "C examples, plain and under valgrind"
make -C examples-c test LIBDIR="$root/dist/lib" SKIP_BUILD=1
step "benchmarks/fid.py: its checks without torch or weights (system python3 and numpy)"
python3 benchmarks/test_fid.py
step "Python binding, plain and under valgrind"
export LATENTDIFF_LIBRARY="$root/dist/lib/libLatentDiff.so.0"
python3 bindings/python/test_latentdiff.py
bindings/python/valgrind_test.sh
unset LATENTDIFF_LIBRARY
step "Python package: the wheel installed in a fresh virtual environment, its pytest suite"
scripts/python_package_test.sh
step "Rust crate: its tests and the example (Debian's cargo), against dist/lib"
scripts/rust_test.sh
step "install: scripts/install.sh into a temporary prefix, the C example and latentdiff sample from elsewhere"
SKIP_DIST=1 scripts/install_test.sh
step "soak (1000 load/sample/free cycles) and thread stress"
make -C examples-c stress LIBDIR="$root/dist/lib" SKIP_BUILD=1
step "bad CLI input"
swift build --product latentdiff
scripts/cli_errors_test.sh .build/debug/latentdiff
step "train-all on the fixture folder, then its model from the CLI, C and Python"
scripts/train_all_test.sh .build/debug/latentdiff "$root/dist/lib"
step "kill and resume training"
scripts/kill_resume_test.sh .build/debug/latentdiff
step "fuzzing, ${FUZZ_SECONDS:-60} s per target"
fuzz/run_all.sh "${FUZZ_SECONDS:-60}"
step "AddressSanitizer: C examples, soak, stress, Python binding"
make -C examples-c asan
LD_PRELOAD=$("$(dirname "$(command -v swift)")/clang" -print-file-name=libclang_rt.asan-x86_64.so) \
    ASAN_OPTIONS=detect_leaks=0 LATENTDIFF_LIBRARY="$root/.build-fuzz/release/libLatentDiff.so" \
    python3 bindings/python/test_latentdiff.py
step "ThreadSanitizer: thread stress"
scripts/tsan.sh
step "Open MPI build"
if command -v mpirun > /dev/null && pkg-config --exists ompi-c; then
    mpi/test.sh
else
    echo "mpirun not found (apt-get install libopenmpi-dev openmpi-bin): skipped mpi/test.sh"
fi
step "all passed"
