"""LatentDiff from Python through ctypes: no third-party dependency (numpy is used if installed).

    import latentdiff
    model = latentdiff.load("models/mnist.safetensors")
    images = model.generate(16, seed=42, labels=[7] * 16, guidance=2.0)   # bytes or numpy array
    latentdiff.write_png("grid.png", images, count=16, width=28, height=28, channels=1)

The library is found through LATENTDIFF_LIBRARY (a path to libLatentDiff.so), then next to this
file, then in dist/lib and .build/{release,debug} of the repository, then by the system loader.
"""
import ctypes
import os

try:
    import numpy
except ImportError:  # numpy is optional
    numpy = None

SAMPLERS = {"dpm++": 0, "ddim": 1, "ddpm": 2, "euler": 3, "euler-a": 4, "heun": 5, "dpm++3m": 6}
_PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, ctypes.c_void_p)


class LatentDiffError(Exception):
    """A failed call: `status` is the ld_status code, `name` its LD_ERR_* name."""

    def __init__(self, status, name, message):
        super().__init__(f"{name}: {message}")
        self.status, self.name = status, name


class _ModelDesc(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("image_width", ctypes.c_int32), ("image_height", ctypes.c_int32),
                ("image_channels", ctypes.c_int32), ("latent_rank", ctypes.c_int32), ("latent_shape", ctypes.c_int32 * 4),
                ("latent_size", ctypes.c_int32), ("class_count", ctypes.c_int32), ("codec_kind", ctypes.c_char_p),
                ("dataset", ctypes.c_char_p), ("training_steps", ctypes.c_int64), ("config_json", ctypes.c_char_p)]


class _SampleParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("sampler", ctypes.c_int32), ("steps", ctypes.c_int32),
                ("eta", ctypes.c_float), ("guidance", ctypes.c_float), ("seed", ctypes.c_uint64),
                ("labels", ctypes.POINTER(ctypes.c_int32)), ("threads", ctypes.c_int32), ("progress", _PROGRESS),
                ("user_data", ctypes.c_void_p), ("first_index", ctypes.c_int64)]


def _find_library():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    candidates = [os.environ.get("LATENTDIFF_LIBRARY"), os.path.join(here, "libLatentDiff.so"),
                  os.path.join(root, "dist", "lib", "libLatentDiff.so"),
                  os.path.join(root, ".build", "release", "libLatentDiff.so"),
                  os.path.join(root, ".build", "debug", "libLatentDiff.so")]
    for path in candidates:
        if path and os.path.exists(path):
            return ctypes.CDLL(path)
    return ctypes.CDLL("libLatentDiff.so")


_lib = _find_library()
_lib.ld_version.restype = ctypes.c_char_p
_lib.ld_status_string.restype = ctypes.c_char_p
_lib.ld_status_string.argtypes = [ctypes.c_int32]
_lib.ld_last_error.restype = ctypes.c_char_p
_lib.ld_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
_lib.ld_model_free.argtypes = [ctypes.c_void_p]
_lib.ld_model_free.restype = None
_lib.ld_model_info.argtypes = [ctypes.c_void_p, ctypes.POINTER(_ModelDesc)]
_lib.ld_sample_params_init.argtypes = [ctypes.POINTER(_SampleParams)]
_lib.ld_sample_params_init.restype = None
_lib.ld_sample_latents.argtypes = [ctypes.c_void_p, ctypes.POINTER(_SampleParams), ctypes.c_int32, ctypes.POINTER(ctypes.c_float)]
_lib.ld_decode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int32, ctypes.POINTER(ctypes.c_uint8)]
_lib.ld_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint8), ctypes.c_int32, ctypes.POINTER(ctypes.c_float)]
_lib.ld_generate.argtypes = [ctypes.c_void_p, ctypes.POINTER(_SampleParams), ctypes.c_int32, ctypes.POINTER(ctypes.c_uint8)]
_lib.ld_write_png.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint8)] + [ctypes.c_int32] * 3
_lib.ld_write_grid_png.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint8)] + [ctypes.c_int32] * 5
for _name in ("ld_model_load", "ld_model_info", "ld_sample_latents", "ld_decode", "ld_encode", "ld_generate",
              "ld_write_png", "ld_write_grid_png"):
    getattr(_lib, _name).restype = ctypes.c_int32


def _check(status):
    if status != 0:
        raise LatentDiffError(status, _lib.ld_status_string(status).decode(), _lib.ld_last_error().decode(errors="replace"))


def version():
    return _lib.ld_version().decode()


def _as_bytes_buffer(data, size):
    """A ctypes uint8 buffer holding `data` (bytes, bytearray or a numpy array) of `size` bytes."""
    raw = data.tobytes() if numpy is not None and isinstance(data, numpy.ndarray) else bytes(data)
    if len(raw) != size:
        raise ValueError(f"expected {size} bytes, got {len(raw)}")
    return (ctypes.c_uint8 * size).from_buffer_copy(raw)


class Model:
    """A loaded model; sample from it from any number of threads. Freed when garbage-collected or closed."""

    def __init__(self, path):
        handle = ctypes.c_void_p()
        _check(_lib.ld_model_load(os.fsencode(path), ctypes.byref(handle)))
        self._handle = handle
        desc = _ModelDesc()
        desc.struct_size = ctypes.sizeof(_ModelDesc)
        _check(_lib.ld_model_info(handle, ctypes.byref(desc)))
        self.image_shape = (desc.image_height, desc.image_width, desc.image_channels)
        self.latent_shape = tuple(desc.latent_shape[:desc.latent_rank])
        self.latent_size = desc.latent_size
        self.class_count = desc.class_count
        self.codec_kind = desc.codec_kind.decode()
        self.dataset = desc.dataset.decode()
        self.training_steps = desc.training_steps
        self.config_json = desc.config_json.decode()

    def close(self):
        if getattr(self, "_handle", None):
            _lib.ld_model_free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def image_bytes(self):
        h, w, c = self.image_shape
        return h * w * c

    def _params(self, count, seed, labels, sampler, steps, eta, guidance, threads, first_index, progress):
        params = _SampleParams()
        _lib.ld_sample_params_init(ctypes.byref(params))
        params.sampler, params.steps, params.eta, params.guidance = SAMPLERS[sampler], steps, eta, guidance
        params.seed, params.threads, params.first_index = seed, threads, first_index
        keep = []
        if labels is not None:
            if len(labels) != count:
                raise ValueError(f"{len(labels)} labels for {count} samples")
            array = (ctypes.c_int32 * count)(*labels)
            params.labels = ctypes.cast(array, ctypes.POINTER(ctypes.c_int32))
            keep.append(array)
        if progress is not None:
            callback = _PROGRESS(lambda step, total, _: 1 if progress(step, total) else 0)
            params.progress = callback
            keep.append(callback)
        return params, keep

    def sample(self, count, seed=0, labels=None, sampler="dpm++", steps=20, eta=0.0, guidance=1.0, threads=0,
               first_index=0, progress=None):
        """`count` latents: a list of floats (or a numpy array of shape (count, *latent_shape))."""
        params, keep = self._params(count, seed, labels, sampler, steps, eta, guidance, threads, first_index, progress)
        out = (ctypes.c_float * (count * self.latent_size))()
        _check(_lib.ld_sample_latents(self._handle, ctypes.byref(params), count, out))
        del keep
        if numpy is not None:
            return numpy.frombuffer(out, dtype=numpy.float32).reshape((count,) + self.latent_shape).copy()
        return list(out)

    def decode(self, latents, count):
        """8-bit images (count, H, W, C) from latents: bytes (or a numpy uint8 array)."""
        flat = numpy.asarray(latents, dtype=numpy.float32).ravel() if numpy is not None else latents
        values = (ctypes.c_float * (count * self.latent_size))(*flat)
        out = (ctypes.c_uint8 * (count * self.image_bytes))()
        _check(_lib.ld_decode(self._handle, values, count, out))
        return self._pixels(out, count)

    def generate(self, count, seed=0, labels=None, sampler="dpm++", steps=20, eta=0.0, guidance=1.0, threads=0,
                 first_index=0, progress=None):
        """`count` generated 8-bit images (count, H, W, C): bytes (or a numpy uint8 array)."""
        params, keep = self._params(count, seed, labels, sampler, steps, eta, guidance, threads, first_index, progress)
        out = (ctypes.c_uint8 * (count * self.image_bytes))()
        _check(_lib.ld_generate(self._handle, ctypes.byref(params), count, out))
        del keep
        return self._pixels(out, count)

    def _pixels(self, buffer, count):
        if numpy is not None:
            return numpy.frombuffer(buffer, dtype=numpy.uint8).reshape((count,) + self.image_shape).copy()
        return bytes(buffer)


def load(path):
    return Model(path)


def sample(model, count, **options):
    return model.sample(count, **options)


def decode(model, latents, count):
    return model.decode(latents, count)


def generate(model, count, **options):
    return model.generate(count, **options)


def write_png(path, pixels, width, height, channels, count=1, columns=0):
    """Writes one image, or with count > 1 a grid of `count` images, to a PNG file."""
    buffer = _as_bytes_buffer(pixels, count * width * height * channels)
    if count == 1:
        _check(_lib.ld_write_png(os.fsencode(path), buffer, width, height, channels))
    else:
        _check(_lib.ld_write_grid_png(os.fsencode(path), buffer, count, width, height, channels, columns))
