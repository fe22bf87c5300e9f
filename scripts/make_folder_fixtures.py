#!/usr/bin/env python3
"""Writes the image-folder fixtures in Tests/Fixtures/folders/ from real CIFAR-10 images.

    python3 scripts/make_folder_fixtures.py [DATASETS_DIR]     (default: ../shared/datasets)

Needs Pillow (`pip install pillow`) for the JPEG encoder. Output (a few dozen small files):

labelled/   three classes cut from CIFAR-10's test batch: airplane/, automobile/, cat/ (cat/indoor/
            nested one level deeper: still class "cat"), each image written as one of: RGB PNG
            32x32, gray PNG 32x32, RGBA PNG 40x40 (upscaled, alpha a radial falloff), gray+alpha
            PNG 24x24, JPEG 32x32, JPEG 48x36 (not square), gray JPEG 28x28; plus notes.txt (a file
            that is not an image). Names are chosen so at least one image of each class lands in
            the held-out split (FNV-1a 64 of the relative path, mod 10 == 0).
flat/       ten RGB/JPEG images in one folder: unlabelled.
broken/     two good images and, broken on purpose: truncated.jpg (the first 3/4 of a JPEG: past its scan header), truncated.png
            (half of a PNG), huge-header.png (a valid IHDR stating 31623 x 31623 = 1.0e9 pixels and
            a few bytes of data), not-an-image.png (text), readme.txt.
Files are deterministic (fixed images, fixed encoder settings), so running this again gives the
same bytes with the same Pillow version.
"""
import gzip
import os
import struct
import sys
import zlib

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "folders")
RECORD = 1 + 3 * 32 * 32


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def held_out(relative):
    return fnv1a64(relative.encode()) % 10 == 0


def cifar_images(datasets, wanted_labels, per_label):
    raw = gzip.open(os.path.join(datasets, "cifar10", "test_batch.bin.gz")).read()
    found = {label: [] for label in wanted_labels}
    for r in range(len(raw) // RECORD):
        label = raw[r * RECORD]
        if label in found and len(found[label]) < per_label:
            planes = raw[r * RECORD + 1:(r + 1) * RECORD]
            pixels = bytes(planes[c * 1024 + i] for i in range(1024) for c in range(3))
            found[label].append(Image.frombytes("RGB", (32, 32), pixels))
        if all(len(v) == per_label for v in found.values()):
            break
    return found


def variant(image, k):
    """The k-th way of writing an image: (extension, Pillow image, save options)."""
    k %= 7
    if k == 0:
        return "png", image, {}
    if k == 1:
        return "png", image.convert("L"), {}
    if k == 2:
        big = image.resize((40, 40), Image.BILINEAR).convert("RGBA")
        alpha = Image.radial_gradient("L").resize((40, 40)).point(lambda v: 255 - v)
        big.putalpha(alpha)
        return "png", big, {}
    if k == 3:
        return "png", image.resize((24, 24), Image.BOX).convert("LA"), {}
    if k == 4:
        return "jpg", image, {"quality": 85}
    if k == 5:
        return "jpg", image.resize((48, 36), Image.BILINEAR), {"quality": 80}
    return "jpg", image.resize((28, 28), Image.BOX).convert("L"), {"quality": 90}


def save(path, image, options):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fmt = "JPEG" if path.endswith(".jpg") else "PNG"
    image.save(path, fmt, optimize=False, **options)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def main():
    datasets = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "datasets")
    classes = {0: "airplane", 1: "automobile", 3: "cat"}
    images = cifar_images(datasets, list(classes) + [8, 9], 12)

    # labelled/: 12 images per class, names picked so each class has a held-out image.
    for label, name in classes.items():
        held = 0
        for i, image in enumerate(images[label]):
            ext, out, options = variant(image, i + label)
            folder = name + ("/indoor" if name == "cat" and i >= 8 else "")
            suffix = 0
            while True:
                relative = f"{folder}/{name}-{i:02d}{'-' + str(suffix) if suffix else ''}.{ext}"
                # The first image of each class is pushed into the test split, the rest kept as they fall.
                if i != 0 or held_out(relative):
                    break
                suffix += 1
            held += held_out(relative)
            save(os.path.join(OUT, "labelled", relative), out, options)
    with open(os.path.join(OUT, "labelled", "notes.txt"), "w") as f:
        f.write("Not an image: counted and skipped by the folder reader.\n")

    # flat/: unlabelled.
    for i, image in enumerate(images[8][:5] + images[9][:5]):
        ext, out, options = variant(image, 4 if i % 2 else 0)
        save(os.path.join(OUT, "flat", f"image-{i:02d}.{ext}"), out, options)

    # broken/: two good images, then the broken ones.
    save(os.path.join(OUT, "broken", "good-1.png"), images[8][5], {})
    save(os.path.join(OUT, "broken", "good-2.jpg"), images[9][5], {"quality": 85})
    jpeg = open(os.path.join(OUT, "broken", "good-2.jpg"), "rb").read()
    open(os.path.join(OUT, "broken", "truncated.jpg"), "wb").write(jpeg[: len(jpeg) * 3 // 4])
    png = open(os.path.join(OUT, "broken", "good-1.png"), "rb").read()
    open(os.path.join(OUT, "broken", "truncated.png"), "wb").write(png[: len(png) // 2])
    side = 31623  # 31623^2 = 1,000,014,129 pixels
    huge = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
    huge += png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b"")
    open(os.path.join(OUT, "broken", "huge-header.png"), "wb").write(huge)
    open(os.path.join(OUT, "broken", "not-an-image.png"), "w").write("This is text, not a PNG.\n")
    open(os.path.join(OUT, "broken", "readme.txt"), "w").write("Broken on purpose: see scripts/make_folder_fixtures.py.\n")


if __name__ == "__main__":
    main()
