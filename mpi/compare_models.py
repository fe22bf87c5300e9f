#!/usr/bin/env python3
"""Compares the float32 tensors of two .safetensors files (standard library only).

    compare_models.py A B TOLERANCE [PREFIX]

For every tensor of A whose name starts with PREFIX (all by default) B must hold the same name and
shape; the difference of a tensor is max|a - b| / max|a|, its largest deviation measured against
its own scale. Prints the worst tensors and exits 1 when any difference exceeds TOLERANCE.
"""
import array
import json
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        values = array.array("f")
        values.frombytes(body[start:end])
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = (info["shape"], values)
    return tensors


def main():
    path_a, path_b, tolerance = sys.argv[1], sys.argv[2], float(sys.argv[3])
    prefix = sys.argv[4] if len(sys.argv) > 4 else ""
    a, b = read(path_a), read(path_b)
    results = []
    for name, (shape, values) in a.items():
        if not name.startswith(prefix):
            continue
        if name not in b or b[name][0] != shape:
            print(f"{name}: missing or reshaped in {path_b}")
            return 1
        other = b[name][1]
        scale = max((abs(v) for v in values), default=0.0)
        deviation = max((abs(x - y) for x, y in zip(values, other)), default=0.0)
        results.append((deviation / scale if scale > 0 else deviation, deviation, scale, name))
    if not results:
        print(f"no tensors named {prefix}* in {path_a}")
        return 1
    results.sort(reverse=True)
    for relative, deviation, scale, name in results[:3]:
        print(f"  {name}: max|a-b| {deviation:.3g} / max|a| {scale:.3g} = {relative:.3g}")
    worst = results[0][0]
    verdict = "within" if worst <= tolerance else "EXCEEDS"
    print(f"{len(results)} tensors {prefix}*: worst relative difference {worst:.3g}, {verdict} {tolerance:g}")
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
