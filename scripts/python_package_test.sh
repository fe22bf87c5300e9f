#!/usr/bin/env bash
# The Python package as a user gets it: installs dist/latentdiff-*.whl (scripts/dist.sh) into a
# fresh virtual environment and runs its pytest suite there, from outside the source tree, against
# the installed package and the library bundled in it (test_installed_package checks that).
# The environment sees the system's site-packages for numpy and pytest (python3-numpy and
# python3-pytest from scripts/install_deps.sh); where they are missing, pip fetches them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shopt -s nullglob
wheels=("$root"/dist/latentdiff-*.whl)
if [ ${#wheels[@]} -ne 1 ]; then
    echo "error: expected one dist/latentdiff-*.whl, found ${#wheels[@]}: run scripts/dist.sh" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv --system-site-packages "$work/venv"
python="$work/venv/bin/python"
if "$python" -c 'import numpy, pytest' 2> /dev/null; then
    "$python" -m pip install --quiet --no-index "${wheels[0]}"
else
    "$python" -m pip install --quiet "${wheels[0]}" pytest
fi
"$python" -m pip show latentdiff | sed -n '1,2p'
cd "$work"
env -u LATENTDIFF_LIBRARY LATENTDIFF_TEST_INSTALLED=1 "$python" -m pytest -p no:cacheprovider -v \
    --rootdir "$root/bindings/python" "$root/bindings/python/tests"
