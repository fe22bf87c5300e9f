"""Checks of benchmarks/fid.py that need no Inception weights and no torch (seconds, random data).

    benchmarks/.venv/bin/python -m pytest -q benchmarks/test_fid.py
    benchmarks/.venv/bin/python benchmarks/test_fid.py          # the same without pytest

Needs numpy (scipy and pillow optional: their tests are skipped without them); scripts/test.sh
runs it with the system's python3 and numpy (no torch, no weights).
"""

from __future__ import annotations

import argparse
import gzip
import os
import struct
import sys
import tempfile
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fid  # noqa: E402

HAS_SCIPY = fid.importlib.util.find_spec("scipy") is not None
HAS_PIL = fid.importlib.util.find_spec("PIL") is not None
METHODS = ["eigh"] + (["scipy"] if HAS_SCIPY else [])


def numpy_reference_fid(x: np.ndarray, y: np.ndarray) -> float:
    """NumPy only, independent of fid.py: Tr sqrt(S1 S2) = sum sqrt(eigenvalues of S1 S2)."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    eig = np.linalg.eigvals(s1 @ s2)
    tr = np.sqrt(np.clip(eig.real, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr)


def features(seed: int, n: int = 500, d: int = 64, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(d, d)) / np.sqrt(d)  # correlated, not diagonal
    return rng.normal(size=(n, d)) @ mix + shift


def fid_of(x, y, method):
    mu1, s1 = fid.statistics_of(x)
    mu2, s2 = fid.statistics_of(y)
    return fid.frechet_distance(mu1, s1, mu2, s2, method)


def test_identical_sets_give_zero():
    x = features(0)
    for method in METHODS:
        assert abs(fid_of(x, x, method)) < 1e-8, method


def test_matches_numpy_reference_on_random_64d():
    x, y = features(1), features(2, n=400, shift=0.3)
    ref = numpy_reference_fid(x, y)
    assert ref > 1
    for method in METHODS:
        got = fid_of(x, y, method)
        assert abs(got - ref) <= 1e-8 * max(1.0, abs(ref)), (method, got, ref)


def test_scipy_and_eigh_agree_on_singular_covariances():
    x, y = features(3, n=40, d=64), features(4, n=30, d=64, shift=0.1)  # n < d: rank-deficient
    a, b = fid_of(x, y, "eigh"), numpy_reference_fid(x, y)
    assert abs(a - b) <= 1e-6 * abs(b), (a, b)
    if HAS_SCIPY:
        c = fid_of(x, y, "scipy")
        assert abs(c - b) <= 1e-4 * abs(b), (c, b)


def test_closed_form_for_diagonal_gaussians():
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    mu1, mu2 = np.zeros(3), np.array([1.0, 2.0, 0.0])
    expected = 5.0 + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    for method in METHODS:
        assert abs(fid.frechet_distance(mu1, np.diag(a), mu2, np.diag(b), method) - expected) < 1e-10


def test_moments_match_numpy_in_batches():
    x = features(5, n=250, d=16) * 10 + 100  # large mean: cancellation in the covariance
    m = fid.Moments(16)
    for i in range(0, 250, 100):
        m.add(x[i:i + 100])
    mu, sigma = m.stats()
    assert np.allclose(mu, x.mean(0), rtol=1e-12)
    assert np.allclose(sigma, np.cov(x, rowvar=False), rtol=1e-9, atol=1e-9)


def test_merged_part_sums_give_the_moments_of_the_union():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 16))
    whole = fid.Moments(16)
    whole.add(x)
    merged = fid.Moments(16)
    for part in (x[:100], x[100:250], x[250:]):
        m = fid.Moments(16)
        m.add(part)
        merged.merge(fid.Moments.from_sums(m.n, m.sum, m.outer))
    mu, sigma = merged.stats()
    mu_ref, sigma_ref = whole.stats()
    assert merged.n == 300
    np.testing.assert_allclose(mu, mu_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sigma, sigma_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-12)


def test_read_cifar10_layout_and_gzip():
    rng = np.random.default_rng(6)
    records = rng.integers(0, 256, size=(3, 3073), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as d:
        with gzip.open(os.path.join(d, "test_batch.bin.gz"), "wb") as f:
            f.write(records.tobytes())
        images = fid.read_cifar10(fid.cifar10_file(d, "test_batch.bin"))
        assert images.shape == (3, 32, 32, 3)
        # pixel (row 2, column 5) of record 1: R, G, B planes of 1024 bytes each after the label
        assert list(images[1, 2, 5]) == [records[1, 1 + k * 1024 + 2 * 32 + 5] for k in range(3)]
        assert len(fid.read_cifar10(fid.cifar10_file(d, "test_batch.bin"), limit=2)) == 2


def write_png(path: str, image: np.ndarray) -> None:
    """8-bit PNG with every filter type (0-4, by row), gray or RGB."""
    h, w, c = image.shape
    color = {1: 0, 3: 2}[c]
    rows = image.reshape(h, w * c).astype(np.int32)
    raw = bytearray()
    prev = np.zeros(w * c, np.int32)
    for y in range(h):
        kind = y % 5
        cur = rows[y]
        left = np.concatenate([np.zeros(c, np.int32), cur[:-c]])
        upleft = np.concatenate([np.zeros(c, np.int32), prev[:-c]])
        if kind == 0:
            pred = np.zeros_like(cur)
        elif kind == 1:
            pred = left
        elif kind == 2:
            pred = prev
        elif kind == 3:
            pred = (left + prev) >> 1
        else:
            pred = np.array([fid._png_paeth(a, b, cc) for a, b, cc in zip(left, prev, upleft)])
        raw.append(kind)
        raw += ((cur - pred) & 255).astype(np.uint8).tobytes()
        prev = cur

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


def test_minimal_png_reader_all_filters():
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as d:
        rgb = rng.integers(0, 256, size=(11, 9, 3), dtype=np.uint8)
        gray = rng.integers(0, 256, size=(7, 5, 1), dtype=np.uint8)
        write_png(os.path.join(d, "a.png"), rgb)
        write_png(os.path.join(d, "b.png"), gray)
        assert np.array_equal(fid.read_png_minimal(os.path.join(d, "a.png")), rgb)
        assert np.array_equal(fid.read_png_minimal(os.path.join(d, "b.png")), np.repeat(gray, 3, axis=2))
        if HAS_PIL:
            assert np.array_equal(fid.read_image(os.path.join(d, "a.png")), rgb)
            assert np.array_equal(fid.read_image(os.path.join(d, "b.png")), np.repeat(gray, 3, axis=2))


def test_reference_resumes_from_cached_pieces_and_removes_them():
    """The 50,000-image reference in pieces: a run stopped after some pieces resumes from their
    cached sums, the result is the moments of all images, and the pieces go once it is written."""
    rng = np.random.default_rng(9)
    sizes = [7, 5, 6, 4, 7]  # images per training file (the real files hold 10,000)

    class Features:  # stands in for Inception: 3 features of each image
        def __init__(self, budget):
            self.budget = budget  # pieces it may compute before "stopping"

        def moments(self, chunks, total, label):
            if self.budget == 0:
                raise KeyboardInterrupt
            self.budget -= 1
            m = fid.Moments(3)
            for chunk in chunks:
                m.add(chunk.reshape(len(chunk), -1)[:, :3].astype(np.float64))
            return m

    old_piece = fid.REFERENCE_PIECE
    fid.REFERENCE_PIECE = 3
    try:
        with tempfile.TemporaryDirectory() as d:
            everything = []
            for i, n in enumerate(sizes, 1):
                records = rng.integers(0, 256, size=(n, 3073), dtype=np.uint8)
                with open(os.path.join(d, f"data_batch_{i}.bin"), "wb") as f:
                    f.write(records.tobytes())
                everything.append(fid.read_cifar10(os.path.join(d, f"data_batch_{i}.bin")))
            args = argparse.Namespace(cifar10=d, cache=os.path.join(d, "cache"), reference_limit=None)
            fid._extractor = None
            try:
                fid.reference_stats(args, lambda: Features(budget=4))
                raise AssertionError("the stand-in should have stopped the run")
            except KeyboardInterrupt:
                pass
            assert len(os.listdir(args.cache)) == 4, "four pieces kept"
            fid._extractor = None
            mu, sigma, count, path = fid.reference_stats(args, lambda: Features(budget=10))
            assert fid._extractor.budget == 10 - (3 + 2 + 2 + 2 + 3 - 4), "only the missing pieces computed"
            assert os.listdir(args.cache) == [os.path.basename(path)], "pieces removed"
            x = np.concatenate(everything).reshape(sum(sizes), -1)[:, :3].astype(np.float64)
            assert count == sum(sizes)
            np.testing.assert_allclose(mu, x.mean(0), rtol=1e-12)
            np.testing.assert_allclose(sigma, np.cov(x, rowvar=False), rtol=1e-10)
    finally:
        fid.REFERENCE_PIECE = old_piece
        fid._extractor = None


if __name__ == "__main__":
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    for name, test in tests:
        test()
        print("ok", name)
    print(f"{len(tests)} passed (sqrt methods: {', '.join(METHODS)})")
