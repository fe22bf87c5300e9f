#!/usr/bin/env bash
# Installs the Debian packages LatentDiff needs to build, run and test, in one place: the
# README's quick start and CI (.ci/run) both run this script. Run it as root (it uses sudo when
# run as another user and sudo exists). Swift itself (6.x) is not a Debian package: install it
# from swift.org first.
#   build and run:  libpng-dev libturbojpeg0-dev libopenblas-dev zlib1g-dev pkg-config, a C compiler
#                   and make
#   tests:          valgrind, Open MPI (mpi/), Python 3 with venv, numpy and pytest (the Python
#                   package), cargo and rustc (the Rust crate), arm64 libc headers (the C
#                   kernels' aarch64 compile check)
set -euo pipefail
packages=(
    libpng-dev libturbojpeg0-dev libopenblas-dev zlib1g-dev pkg-config build-essential
    valgrind libopenmpi-dev openmpi-bin
    python3 python3-venv python3-numpy python3-pytest
    cargo
    libc6-dev-arm64-cross
)
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo > /dev/null; then
    as_root=(sudo)
else
    echo "error: scripts/install_deps.sh must run as root (apt-get), and sudo is not installed" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet: without this, apt-get cannot locate libopenblas-dev.
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" > /dev/null
echo "install_deps: installed ${packages[*]}"
