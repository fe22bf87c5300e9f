#!/usr/bin/env python3
"""Cuts the small test fixtures in Tests/Fixtures/ from the full data sets (stdlib only).

    python3 scripts/make_fixtures.py [DATASETS_DIR]     (default: ../shared/datasets)

mnist/:   the first 300 training and 100 test images with their labels, in IDX format, under the
          standard names (train-images-idx3-ubyte.gz, ...).
cifar10/: the first 300 records of data_batch_1 as data_batch_1.bin.gz, the first 100 of
          test_batch as test_batch.bin.gz, and batches.meta.txt.
Gzip files are written with mtime 0, so running this again gives identical bytes.
"""
import gzip
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures")
TRAIN, TEST = 300, 100
CIFAR_RECORD = 1 + 3 * 32 * 32


def write_gz(path, data):
    with open(path, "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))


def cut_idx(source, target, count):
    """The IDX file `source` with its first dimension cut to `count`."""
    with gzip.open(source, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    assert shape[0] == n >= count and magic >> 8 == 0x08, (source, magic, shape)
    item = 1
    for d in shape[1:]:
        item *= d
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * dims, count, *shape[1:])
    body_start = 4 + 4 * dims
    write_gz(target, header + data[body_start:body_start + count * item])


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "datasets")
    mnist = os.path.join(OUT, "mnist")
    cifar = os.path.join(OUT, "cifar10")
    os.makedirs(mnist, exist_ok=True)
    os.makedirs(cifar, exist_ok=True)

    for prefix, count in (("train", TRAIN), ("t10k", TEST)):
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{prefix}-{kind}-ubyte.gz"
            cut_idx(os.path.join(data, "mnist", name), os.path.join(mnist, name), count)

    for name, count in (("data_batch_1.bin", TRAIN), ("test_batch.bin", TEST)):
        with gzip.open(os.path.join(data, "cifar10", name + ".gz"), "rb") as f:
            records = f.read(count * CIFAR_RECORD)
        assert len(records) == count * CIFAR_RECORD, name
        write_gz(os.path.join(cifar, name + ".gz"), records)
    shutil.copyfile(os.path.join(data, "cifar10", "batches.meta.txt"), os.path.join(cifar, "batches.meta.txt"))

    for directory in (mnist, cifar):
        for name in sorted(os.listdir(directory)):
            print(f"{os.path.getsize(os.path.join(directory, name)):>9}  {os.path.join(directory, name)}")


if __name__ == "__main__":
    main()
