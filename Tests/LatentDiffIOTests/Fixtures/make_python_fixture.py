"""Writes python_written.safetensors with Python's safetensors, for SafeTensorsTests.

Needs `pip install safetensors numpy` (fixtures only; LatentDiff does not depend on them).
numpy has no bfloat16, so the BF16 tensor is passed as raw bits through TensorSpec.
"""
import os

import numpy as np
from safetensors import TensorSpec, serialize_file

HERE = os.path.dirname(os.path.abspath(__file__))

f32 = np.array([[0.0, 1.0, -2.5], [3.25, 1e-3, -1e10]], dtype=np.float32)  # (2, 3)
# 1, -0.5, max finite, min normal 2^-14, min subnormal 2^-24, largest subnormal, inf, -inf
f16 = np.array([1.0, -0.5, 65504.0, 2.0**-14, 2.0**-24, 1023 * 2.0**-24, np.inf, -np.inf], dtype=np.float16)
# Float32 values whose low 16 bits are zero, so their high halves are exact bfloat16 values;
# the last is the smallest bfloat16 subnormal, 2^-133.
bf16_as_f32 = np.array([1.0, -3.140625, 0.0078125, np.inf, 2.0**-133, 0.0], dtype=np.float32).reshape(3, 2)
bf16 = (bf16_as_f32.view(np.uint32) >> 16).astype("<u2")
assert np.array_equal((bf16.astype(np.uint32) << 16).view(np.float32), bf16_as_f32)
scalar = np.array(7.5, dtype=np.float32)  # shape ()
empty = np.zeros((0, 4), dtype=np.float32)


def spec(array, dtype):
    a = np.ascontiguousarray(array)
    return TensorSpec(dtype=dtype, shape=list(a.shape), data_ptr=a.ctypes.data, data_len=a.nbytes)


arrays = {"layer.weight": f32, "half": f16, "brain": bf16, "scalar": scalar, "empty": empty}
specs = {
    "layer.weight": spec(f32, "float32"),
    "half": spec(f16, "float16"),
    "brain": spec(bf16, "bfloat16"),
    "scalar": spec(scalar, "float32"),
    "empty": spec(empty, "float32"),
}
metadata = {"format": "np", "note": "written by Python \u00e9\u2603", "config": '{"k": [1, 2]}'}
serialize_file(specs, os.path.join(HERE, "python_written.safetensors"), metadata=metadata)
