#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets under fuzz/corpus/<target>/ (stdlib only):
valid files plus edge cases, each small. fuzz/make_corpus.sh runs it with the small models the
CLI makes; the output is committed, so fuzzing needs neither this script nor the CLI.

    python3 fuzz/make_corpus.py MODEL.safetensors CODEC.safetensors CHECKPOINT.safetensors
"""
import gzip
import json
import os
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


# ---- model files ------------------------------------------------------------------------------

def safetensors(header, data=b"", length=None):
    text = json.dumps(header, separators=(",", ":")).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def split(blob):
    """(header dict, data bytes) of a safetensors file."""
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def with_config(header, data, change):
    """The file with its LatentDiff configuration changed by `change(config)`."""
    header = json.loads(json.dumps(header))
    config = json.loads(header["__metadata__"]["latentdiff"])
    change(config)
    header["__metadata__"]["latentdiff"] = json.dumps(config, separators=(",", ":"))
    return safetensors(header, data)


def as_half(header, data, dtype):
    """Every F32 tensor stored as F16 or BF16 (truncated), offsets recomputed."""
    out, offset, header = b"", 0, json.loads(json.dumps(header))
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        values = data[begin:end]
        halves = b"".join(
            struct.pack("<e", max(-65504.0, min(65504.0, v))) if dtype == "F16" else struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:]
            for (v,) in struct.iter_unpack("<f", values))
        entry["dtype"], entry["data_offsets"] = dtype, [offset, offset + len(halves)]
        out += halves
        offset += len(halves)
    return safetensors(header, out)


def models(model_path, codec_path, checkpoint_path):
    model, codec, checkpoint = (open(p, "rb").read() for p in (model_path, codec_path, checkpoint_path))
    header, data = split(model)
    write("model", "valid_pca_mlp.safetensors", model)
    write("model", "codec_only.safetensors", codec)
    write("model", "checkpoint.safetensors", checkpoint)
    write("model", "valid_f16.safetensors", as_half(header, data, "F16"))
    write("model", "valid_bf16.safetensors", as_half(header, data, "BF16"))
    write("model", "truncated.safetensors", model[: len(model) // 2])
    write("model", "header_only.safetensors", model[: 8 + struct.unpack("<Q", model[:8])[0]])
    write("model", "empty.safetensors", b"")
    write("model", "short.safetensors", b"\x02\x00\x00")
    write("model", "length_past_end.safetensors", safetensors({}, length=1 << 20))
    write("model", "length_huge.safetensors", safetensors({}, length=(1 << 64) - 1))
    write("model", "no_config.safetensors", safetensors({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0\0\x80\x3f"))
    write("model", "huge_shape.safetensors", safetensors(
        {"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}, b"\0" * 4))
    write("model", "huge_count.safetensors", safetensors(
        {"w": {"dtype": "F32", "shape": [1000000000000], "data_offsets": [0, 4000000000000]}}, b"\0" * 4))
    write("model", "overlap.safetensors", safetensors(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8))
    write("model", "dtypes.safetensors", safetensors(
        {"a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}, "b": {"dtype": "Q4", "shape": [1], "data_offsets": [8, 9]}}, b"\0" * 9))
    write("model", "empty_tensors.safetensors", safetensors(
        {"__metadata__": {"k": "v"}, "a": {"dtype": "F32", "shape": [0, 7], "data_offsets": [0, 0]},
         "b": {"dtype": "F16", "shape": [], "data_offsets": [0, 2]}}, b"\0\x3c"))
    write("model", "deep_json.safetensors", safetensors(b"[" * 200 + b"]" * 200))
    write("model", "json_escapes.safetensors", safetensors(
        b'{"__metadata__":{"\\ud83d\\ude00":"\\u00e9\\n\\"","latentdiff":"{\\"format_version\\":1e400}"}}'))
    # Configurations that declare enormous or inconsistent shapes over the real tensors.
    changes = {
        "config_huge_image": lambda c: c["codec"].update(image_shape=[3, 1 << 40, 1 << 40]),
        "config_huge_components": lambda c: c["codec"].update(latent_size=1 << 62),
        "config_huge_width": lambda c: c["denoiser"].update(widths=[1 << 31]),
        "config_huge_blocks": lambda c: c["denoiser"].update(blocks=1 << 40),
        "config_huge_classes": lambda c: c["denoiser"].update(class_count=1 << 50),
        "config_huge_timesteps": lambda c: c.update(timesteps=1 << 60),
        "config_unet": lambda c: c["denoiser"].update(kind="unet", input_shape=[2, 1, 1], widths=[8, 104], attention=True),
        "config_vae_cnn": lambda c: c["codec"].update(kind="vae-cnn", latent_size=2, widths=[8, 8]),
        "config_negative_std": lambda c: c.update(latent_std=-1),
        "config_big_std": lambda c: c.update(latent_std=1e300),
        "config_version_2": lambda c: c.update(format_version=2),
        "config_no_denoiser": lambda c: c.pop("denoiser"),
        "config_strings": lambda c: c.update(schedule="cosine", prediction="v", dataset="cifar10"),
    }
    for name, change in changes.items():
        write("model", name + ".safetensors", with_config(header, data, change))


# ---- PNG files --------------------------------------------------------------------------------

def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png(width, height, depth, color, rows, extra=b"", interlace=0, raw_idat=None, ihdr=None):
    """A PNG whose rows (bytes, without filter bytes) are compressed into one IDAT."""
    head = ihdr if ihdr is not None else struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)
    idat = raw_idat if raw_idat is not None else zlib.compress(b"".join(b"\0" + r for r in rows), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + extra + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pngs():
    w, h = 5, 3
    write("png", "gray8.png", png(w, h, 8, 0, [bytes(range(y, y + w)) for y in range(h)]))
    write("png", "gray1.png", png(9, 2, 1, 0, [b"\xaa\x80", b"\x55\x00"]))
    write("png", "gray16.png", png(2, 2, 16, 0, [b"\x12\x34\xff\xff", b"\x00\x00\x80\x00"]))
    write("png", "gray_alpha.png", png(2, 1, 8, 4, [b"\x10\x20\x30\x40"]))
    write("png", "rgb.png", png(2, 2, 8, 2, [bytes(6), bytes(range(6))]))
    write("png", "rgba.png", png(1, 2, 8, 6, [b"\1\2\3\4", b"\5\6\7\x08"]))
    palette = chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255]))
    write("png", "palette.png", png(4, 1, 2, 3, [b"\x1b"], extra=palette))
    write("png", "palette_trns.png", png(4, 1, 2, 3, [b"\x1b"], extra=palette + chunk(b"tRNS", b"\x80\x00")))
    write("png", "palette_index_out_of_range.png", png(4, 1, 2, 3, [b"\xff"], extra=palette))
    write("png", "interlaced.png", png(3, 3, 8, 0, [], interlace=1, raw_idat=zlib.compress(bytes(3 * 4 + 6))))
    text = chunk(b"tEXt", b"seed\x0042") + chunk(b"gAMA", struct.pack(">I", 45455))
    write("png", "text_and_gamma.png", png(1, 1, 8, 0, [b"\x80"], extra=text))
    good = png(w, h, 8, 0, [bytes(w)] * h)
    write("png", "truncated.png", good[: len(good) - 20])
    write("png", "bad_crc.png", good[:-5] + b"\0" + good[-4:])
    write("png", "signature_only.png", b"\x89PNG\r\n\x1a\n")
    write("png", "not_png.png", b"GIF89a\x01\x00\x01\x00")
    write("png", "zero_width.png", png(0, 1, 8, 0, [b""]))
    write("png", "short_idat.png", png(100, 100, 8, 0, [bytes(100)]))
    # A header announcing a huge image over a few bytes: refused before allocating.
    write("png", "bomb_header.png", png(1000000, 1000, 8, 0, [], raw_idat=zlib.compress(b"\0" * 64)))
    write("png", "bomb_rgba.png", png(30000, 30000, 8, 6, [], raw_idat=zlib.compress(b"\0" * 64)))
    write("png", "bad_depth.png", png(1, 1, 7, 0, [b"\0"]))


# ---- data sets --------------------------------------------------------------------------------

def dataset_input(cifar, test, first, second):
    """The fuzz_dataset layout: selector byte, u32 length of the first file, first, second."""
    return bytes([int(cifar) | int(test) << 1]) + struct.pack("<I", len(first)) + first + second


def idx(magic, dims, body):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + body


def datasets():
    mnist = os.path.join(FIXTURES, "mnist")
    images = gzip.decompress(open(os.path.join(mnist, "t10k-images-idx3-ubyte.gz"), "rb").read())
    labels = gzip.decompress(open(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz"), "rb").read())
    n = 3
    few_images = idx(2051, [n, 28, 28], images[16:16 + n * 784])
    few_labels = idx(2049, [n], labels[8:8 + n])
    write("dataset", "mnist_train", dataset_input(False, False, few_images, few_labels))
    write("dataset", "mnist_test_gz", dataset_input(
        False, True, gzip.compress(few_images, mtime=0), gzip.compress(few_labels, mtime=0)))
    write("dataset", "mnist_small_images", dataset_input(False, False, idx(2051, [2, 2, 3], bytes(range(12))), idx(2049, [2], b"\x01\x09")))
    write("dataset", "mnist_bad_magic", dataset_input(False, False, idx(2049, [1, 1, 1], b"\0"), idx(2051, [1], b"\0")))
    write("dataset", "mnist_count_mismatch", dataset_input(False, False, idx(2051, [2, 1, 1], b"\0\0"), idx(2049, [3], b"\0\0\0")))
    write("dataset", "mnist_label_10", dataset_input(False, False, idx(2051, [1, 1, 1], b"\0"), idx(2049, [1], b"\x0a")))
    write("dataset", "mnist_huge_count", dataset_input(False, False, idx(2051, [0xFFFFFFFF, 4096, 4096], b"\0"), idx(2049, [0xFFFFFFFF], b"\0")))
    write("dataset", "mnist_trailing", dataset_input(False, False, idx(2051, [1, 1, 1], b"\0\0"), idx(2049, [1], b"\0")))
    write("dataset", "mnist_truncated_gz", dataset_input(False, False, gzip.compress(few_images, mtime=0)[:200], few_labels))

    cifar = os.path.join(FIXTURES, "cifar10")
    record = 1 + 3 * 32 * 32
    batch = gzip.decompress(open(os.path.join(cifar, "test_batch.bin.gz"), "rb").read())[: 2 * record]
    meta = open(os.path.join(cifar, "batches.meta.txt"), "rb").read()
    write("dataset", "cifar_train", dataset_input(True, False, batch, meta))
    write("dataset", "cifar_test_gz", dataset_input(True, True, gzip.compress(batch, mtime=0), b""))
    write("dataset", "cifar_partial_record", dataset_input(True, False, batch[: record + 7], b""))
    write("dataset", "cifar_label_10", dataset_input(True, False, b"\x0a" + batch[1:record], b""))
    write("dataset", "cifar_meta_9_names", dataset_input(True, False, batch[:record], b"\n".join(meta.split(b"\n")[:9])))
    write("dataset", "cifar_empty", dataset_input(True, False, b"", b""))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    models(*sys.argv[1:])
    pngs()
    datasets()


if __name__ == "__main__":
    main()
