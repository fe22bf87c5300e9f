#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_folder and fuzz_pack (stdlib only).

    python3 fuzz/make_folder_corpus.py PACK_FILE...     (packs written by `latentdiff data pack`)

corpus/folder/: every image of Tests/Fixtures/folders/ (all modes and sizes, and the broken ones:
truncated JPEG and PNG, the 10^9-pixel PNG header, a text file named .png), each behind the
byte that names it image.jpg (0) or image.png (1), plus a JPEG whose header states 65000x65000
pixels and a PNG and JPEG stated far larger than their bytes can hold.
corpus/pack/: the given packs behind a split byte, and damaged copies: truncated, one byte
longer, a count, size and label out of range, a bad split byte, a wrong magic and version."""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "folders")
OUT = os.path.join(ROOT, "fuzz", "corpus")


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def main():
    for folder, _, files in sorted(os.walk(FIXTURES)):
        for name in sorted(files):
            data = open(os.path.join(folder, name), "rb").read()
            selector = 1 if name.endswith(".png") else 0
            if name.endswith((".png", ".jpg")) and len(data) <= 4000:
                tag = os.path.relpath(os.path.join(folder, name), FIXTURES).replace("/", "_")
                write("folder", tag, bytes([selector]) + data)
    # A baseline JPEG whose SOF0 states 65000 x 65000 (patched into a real one).
    jpeg = open(os.path.join(FIXTURES, "flat", "image-01.jpg"), "rb").read()
    sof = jpeg.find(b"\xff\xc0")
    if sof >= 0:
        big = bytearray(jpeg)
        big[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
        write("folder", "jpeg_huge_sof", bytes([0]) + bytes(big))
        wide = bytearray(jpeg)
        wide[sof + 5:sof + 9] = struct.pack(">HH", 4000, 4000)   # 16 Mpx in ~1 KB: past 4096 px per byte
        write("folder", "jpeg_dense_sof", bytes([0]) + bytes(wide))

    for path in sys.argv[1:]:
        base = os.path.basename(path).replace(".ldpack", "")
        good = open(path, "rb").read()
        header_length = struct.unpack("<I", good[12:16])[0]
        header = good[16:16 + header_length]
        count = int(header.split(b'"count":')[1].split(b",")[0])
        tables = 16 + header_length
        variants = {
            "": good,
            "_truncated": good[:-1],
            "_longer": good + b"\0",
            "_magic": b"X" + good[1:],
            "_version": good[:8] + struct.pack("<I", 2) + good[12:],
            "_label": good[:tables] + struct.pack("<i", 1000) + good[tables + 4:],
            "_split": good[:tables + 4 * count] + b"\x07" + good[tables + 4 * count + 1:],
            "_count": good.replace(b'"count":%d' % count, b'"count":%d' % (count + 1), 1),
            "_size": good.replace(b'"size":', b'"size":9', 1),
        }
        for suffix, data in variants.items():
            write("pack", base + suffix, b"\0" + data)
        write("pack", base + "_test", b"\1" + good)


if __name__ == "__main__":
    main()
