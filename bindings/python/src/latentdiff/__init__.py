"""LatentDiff from Python: load a model, sample latents, decode and generate images, write PNGs.

    import latentdiff
    with latentdiff.Model("models/mnist.safetensors") as model:
        images = model.generate(16, seed=42, labels=[7] * 16, guidance=2.0)  # (16, 28, 28, 1) uint8
    latentdiff.write_grid_png("sevens.png", images)

A thin ctypes layer over the C ABI of ``libLatentDiff.so`` (``latentdiff.h``). Arrays go in and
come out as numpy arrays whose buffers the library reads and writes directly: images are
``(N, H, W, C)`` uint8, latents ``(N, *latent_shape)`` float32.

Failures raise a subclass of :class:`LatentDiffError` that is also the matching built-in
exception: :class:`IOFailure` is an ``OSError``, :class:`InvalidArgument`, :class:`FormatError`
and :class:`Unsupported` are ``ValueError``\\ s, :class:`OutOfMemory` is a ``MemoryError``,
:class:`NumericError` an ``ArithmeticError``, :class:`InternalError` a ``RuntimeError``;
:class:`Cancelled` means a progress callback asked to stop.

The library is the one bundled in the package, unless the environment variable
``LATENTDIFF_LIBRARY`` names another ``libLatentDiff.so`` (sanitizer builds, a development build).
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
from typing import Callable, Dict, Optional, Sequence, Tuple, Type, Union

import numpy as np
import numpy.typing as npt

__all__ = [
    "__version__", "version", "library_path", "Model", "load", "SAMPLERS",
    "LatentDiffError", "InvalidArgument", "IOFailure", "FormatError", "OutOfMemory", "Unsupported",
    "Cancelled", "InternalError", "NumericError",
    "write_png", "write_grid_png", "read_png", "check_dataset",
]

#: Sampler names and their ``LD_SAMPLER_*`` values.
SAMPLERS: Dict[str, int] = {"dpm++": 0, "ddim": 1, "ddpm": 2, "euler": 3, "euler-a": 4, "heun": 5, "dpm++3m": 6}
#: The most images or latents one call takes (the library's limit).
MAX_COUNT = 65536

Progress = Callable[[int, int], Optional[bool]]
PathLike = Union[str, bytes, "os.PathLike[str]"]

_PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, ctypes.c_void_p)


# ---- Errors ---------------------------------------------------------------------------------

class LatentDiffError(Exception):
    """A failed library call. ``status`` is the ``ld_status`` code, ``name`` its ``LD_ERR_*``
    name, ``message`` the library's reason (``ld_last_error()``)."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.status, self.name, self.message = status, name, message

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


class InvalidArgument(LatentDiffError, ValueError):
    """``LD_ERR_INVALID_ARGUMENT``: a bad count, shape, parameter or label."""


class IOFailure(LatentDiffError, OSError):
    """``LD_ERR_IO``: a file could not be opened, read, written or renamed."""


class FormatError(LatentDiffError, ValueError):
    """``LD_ERR_FORMAT``: a file is not what it claims (not a PNG, a damaged model ...)."""


class OutOfMemory(LatentDiffError, MemoryError):
    """``LD_ERR_OUT_OF_MEMORY``: an allocation failed or would exceed the library's limits."""


class Unsupported(LatentDiffError, ValueError):
    """``LD_ERR_UNSUPPORTED``: valid input the library does not handle."""


class Cancelled(LatentDiffError):
    """``LD_ERR_CANCELLED``: the progress callback returned a true value."""


class InternalError(LatentDiffError, RuntimeError):
    """``LD_ERR_INTERNAL``: a bug in LatentDiff; please report it with the message."""


class NumericError(LatentDiffError, ArithmeticError):
    """``LD_ERR_NUMERIC``: a computation produced NaN or infinity."""


_ERRORS: Dict[int, Tuple[str, Type[LatentDiffError]]] = {
    -1: ("LD_ERR_INVALID_ARGUMENT", InvalidArgument), -2: ("LD_ERR_IO", IOFailure),
    -3: ("LD_ERR_FORMAT", FormatError), -4: ("LD_ERR_OUT_OF_MEMORY", OutOfMemory),
    -5: ("LD_ERR_UNSUPPORTED", Unsupported), -6: ("LD_ERR_CANCELLED", Cancelled),
    -7: ("LD_ERR_INTERNAL", InternalError), -8: ("LD_ERR_NUMERIC", NumericError),
}


def _error(status: int, message: str) -> LatentDiffError:
    name, kind = _ERRORS.get(status, (None, LatentDiffError))
    if name is None:
        name = _lib.ld_status_string(status).decode()
    return kind(status, name, message)


def _invalid(message: str) -> InvalidArgument:
    return InvalidArgument(-1, "LD_ERR_INVALID_ARGUMENT", message)


def _check(status: int) -> None:
    if status != 0:
        raise _error(status, _lib.ld_last_error().decode(errors="replace"))


# ---- The library ----------------------------------------------------------------------------

class _ModelDesc(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("image_width", ctypes.c_int32),
                ("image_height", ctypes.c_int32), ("image_channels", ctypes.c_int32),
                ("latent_rank", ctypes.c_int32), ("latent_shape", ctypes.c_int32 * 4),
                ("latent_size", ctypes.c_int32), ("class_count", ctypes.c_int32),
                ("codec_kind", ctypes.c_char_p), ("dataset", ctypes.c_char_p),
                ("training_steps", ctypes.c_int64), ("config_json", ctypes.c_char_p)]


class _SampleParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("sampler", ctypes.c_int32), ("steps", ctypes.c_int32),
                ("eta", ctypes.c_float), ("guidance", ctypes.c_float), ("seed", ctypes.c_uint64),
                ("labels", ctypes.POINTER(ctypes.c_int32)), ("threads", ctypes.c_int32),
                ("progress", _PROGRESS), ("user_data", ctypes.c_void_p), ("first_index", ctypes.c_int64)]


def _library_candidates() -> Sequence[str]:
    override = os.environ.get("LATENTDIFF_LIBRARY")
    if override:
        return [override]
    here = os.path.dirname(os.path.abspath(__file__))
    # Inside a source checkout (bindings/python/src/latentdiff): the repository's builds.
    root = os.path.abspath(os.path.join(here, "..", "..", "..", ".."))
    return [os.path.join(here, "libLatentDiff.so"),
            os.path.join(root, "dist", "lib", "libLatentDiff.so"),
            os.path.join(root, ".build", "release", "libLatentDiff.so"),
            os.path.join(root, ".build", "debug", "libLatentDiff.so")]


def _load_library() -> Tuple[ctypes.CDLL, str]:
    candidates = _library_candidates()
    for path in candidates:
        if os.path.exists(path):
            return ctypes.CDLL(path), path
    if os.environ.get("LATENTDIFF_LIBRARY"):
        raise OSError(f"LATENTDIFF_LIBRARY names '{candidates[0]}', which does not exist")
    try:
        return ctypes.CDLL("libLatentDiff.so"), "libLatentDiff.so"
    except OSError as error:
        searched = ", ".join(candidates)
        raise OSError(f"libLatentDiff.so not found: searched {searched} and the system loader's path "
                      f"({error}); set LATENTDIFF_LIBRARY to its path") from None


_lib, library_path = _load_library()
_u8p, _f32p, _i32p = ctypes.POINTER(ctypes.c_uint8), ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int32)
_i32 = ctypes.c_int32
for _name, _restype, _argtypes in [
    ("ld_version", ctypes.c_char_p, []),
    ("ld_status_string", ctypes.c_char_p, [_i32]),
    ("ld_last_error", ctypes.c_char_p, []),
    ("ld_model_load", _i32, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    ("ld_model_free", None, [ctypes.c_void_p]),
    ("ld_model_info", _i32, [ctypes.c_void_p, ctypes.POINTER(_ModelDesc)]),
    ("ld_sample_params_init", None, [ctypes.POINTER(_SampleParams)]),
    ("ld_sample_latents", _i32, [ctypes.c_void_p, ctypes.POINTER(_SampleParams), _i32, _f32p]),
    ("ld_decode", _i32, [ctypes.c_void_p, _f32p, _i32, _u8p]),
    ("ld_encode", _i32, [ctypes.c_void_p, _u8p, _i32, _f32p]),
    ("ld_generate", _i32, [ctypes.c_void_p, ctypes.POINTER(_SampleParams), _i32, _u8p]),
    ("ld_write_png", _i32, [ctypes.c_char_p, _u8p, _i32, _i32, _i32]),
    ("ld_write_grid_png", _i32, [ctypes.c_char_p, _u8p, _i32, _i32, _i32, _i32, _i32]),
    ("ld_read_png", _i32, [ctypes.c_char_p, _i32, ctypes.POINTER(_u8p), _i32p, _i32p, _i32p]),
    ("ld_free_pixels", None, [_u8p]),
    ("ld_dataset_check", _i32, [ctypes.c_char_p, ctypes.c_char_p, _i32, ctypes.POINTER(ctypes.c_int64)]),
]:
    _function = getattr(_lib, _name)
    _function.restype, _function.argtypes = _restype, _argtypes


def version() -> str:
    """The library's version, ``"MAJOR.MINOR.PATCH"`` (``ld_version()``)."""
    return _lib.ld_version().decode()


#: The loaded library's version (``ld_version()``).
__version__: str = version()


# ---- Arrays ---------------------------------------------------------------------------------

def _pointer(array: np.ndarray, kind: type) -> ctypes._Pointer:  # type: ignore[name-defined]
    return array.ctypes.data_as(ctypes.POINTER(kind))


def _count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)):
        raise _invalid(f"count must be an integer, not {type(count).__name__}")
    if not 1 <= count <= MAX_COUNT:
        raise _invalid(f"count must be in 1...{MAX_COUNT}, not {count}")
    return int(count)


def _output(out: Optional[np.ndarray], shape: Tuple[int, ...], dtype: type, what: str) -> np.ndarray:
    if out is None:
        return np.empty(shape, dtype=dtype)
    if not isinstance(out, np.ndarray):
        raise _invalid(f"out must be a numpy array, not {type(out).__name__}")
    if out.dtype != dtype or out.shape != shape:
        raise _invalid(f"out must be a {np.dtype(dtype).name} array of shape {shape} for {what}, "
                       f"not {out.dtype.name} {out.shape}")
    if not out.flags.c_contiguous or not out.flags.writeable:
        raise _invalid("out must be C-contiguous and writeable")
    return out


def _images(images: npt.ArrayLike, what: str) -> np.ndarray:
    """A C-contiguous uint8 view (or, for a non-contiguous array, one copy) of (N, H, W, C) images."""
    array = np.asarray(images)
    if array.dtype != np.uint8:
        raise _invalid(f"{what} must be uint8 (0..255), not {array.dtype.name}")
    if array.ndim != 4:
        raise _invalid(f"{what} must have shape (N, H, W, C), not {array.shape}")
    if array.shape[0] < 1:
        raise _invalid(f"{what} holds no image")
    return np.ascontiguousarray(array)


# ---- Models ---------------------------------------------------------------------------------

class _Call:
    """One C call's progress callback: runs the user's callback, turns its exceptions (and a
    Ctrl-C arriving during the call) into a cancellation, and keeps them to re-raise."""

    def __init__(self, progress: Optional[Progress]) -> None:
        self.progress = progress
        self.error: Optional[BaseException] = None
        self.callback = _PROGRESS(self)

    def __call__(self, step: int, total: int, _user_data: Optional[int]) -> int:
        try:
            if self.error is None and self.progress is not None and self.progress(step, total):
                return 1
            return 1 if self.error is not None else 0
        except BaseException as error:  # noqa: B902 - KeyboardInterrupt too: cancel, re-raise after
            if self.error is None:
                self.error = error
            return 1

    def interrupt(self, signum: int, _frame: object) -> None:
        if self.error is None:
            self.error = KeyboardInterrupt()


class Model:
    """A loaded model file (``ld_model_load``).

    Any number of threads may call :meth:`sample`, :meth:`generate`, :meth:`decode` and
    :meth:`encode` on one model at once (the library releases the GIL for the call's duration).
    :meth:`close` (or leaving a ``with`` block) waits for the calls in flight, then frees the
    model; calls after it raise ``ValueError``.

    Attributes: ``image_shape`` (H, W, C), ``latent_shape``, ``latent_size`` (floats per latent),
    ``class_count`` (0 for an unconditional model), ``codec_kind``, ``dataset``,
    ``training_steps``, ``config_json``, ``path``.
    """

    image_shape: Tuple[int, int, int]
    latent_shape: Tuple[int, ...]

    def __init__(self, path: PathLike) -> None:
        self._handle: Optional[ctypes.c_void_p] = None
        self._state = threading.Condition()
        self._in_flight = 0
        self._closing = False
        self._local = threading.local()
        handle = ctypes.c_void_p()
        _check(_lib.ld_model_load(os.fsencode(path), ctypes.byref(handle)))
        self._handle = handle
        desc = _ModelDesc()
        desc.struct_size = ctypes.sizeof(_ModelDesc)
        try:
            _check(_lib.ld_model_info(handle, ctypes.byref(desc)))
        except BaseException:
            self.close()
            raise
        self.path = os.fsdecode(path)
        self.image_shape = (desc.image_height, desc.image_width, desc.image_channels)
        self.latent_shape = tuple(desc.latent_shape[:desc.latent_rank])
        self.latent_size: int = desc.latent_size
        self.class_count: int = desc.class_count
        self.codec_kind: str = desc.codec_kind.decode()
        self.dataset: str = desc.dataset.decode()
        self.training_steps: int = desc.training_steps
        self.config_json: str = desc.config_json.decode()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.codec_kind}, images {self.image_shape}, latent {self.latent_shape}"
        return f"<latentdiff.Model {self.path!r} ({state})>"

    # -- Lifetime --

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has begun."""
        return self._handle is None or self._closing

    def close(self) -> None:
        """Waits for every call in flight on other threads, then frees the model. Idempotent.
        Raises ``RuntimeError`` when called from inside one of this model's progress callbacks
        (the call it is in could never finish)."""
        if getattr(self._local, "depth", 0):
            raise RuntimeError("Model.close() called from inside this model's progress callback: it would wait for itself")
        with self._state:
            if self._handle is None:
                return
            self._closing = True
            self._state.wait_for(lambda: self._in_flight == 0)
            handle, self._handle = self._handle, None
        if _lib is not None:
            _lib.ld_model_free(handle)

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None and getattr(self, "_state", None) is not None:
            self.close()

    def _begin(self) -> ctypes.c_void_p:
        with self._state:
            if self._handle is None or self._closing:
                raise ValueError(f"the model {getattr(self, 'path', '')!r} is closed")
            self._in_flight += 1
            self._local.depth = getattr(self._local, "depth", 0) + 1
            return self._handle

    def _end(self) -> None:
        with self._state:
            self._in_flight -= 1
            self._local.depth -= 1
            self._state.notify_all()

    # -- Sampling --

    def _params(self, count: int, seed: int, labels: Optional[npt.ArrayLike], sampler: str, steps: int,
                eta: float, guidance: float, threads: int, first_index: int,
                call: _Call) -> Tuple[_SampleParams, Optional[np.ndarray]]:
        if sampler not in SAMPLERS:
            raise _invalid(f"unknown sampler {sampler!r}: one of {', '.join(SAMPLERS)}")
        params = _SampleParams()
        _lib.ld_sample_params_init(ctypes.byref(params))
        params.sampler, params.steps, params.eta, params.guidance = SAMPLERS[sampler], steps, eta, guidance
        params.threads, params.first_index = threads, first_index
        if not 0 <= seed < 2 ** 64:
            raise _invalid(f"seed must be in 0...2**64-1, not {seed}")
        params.seed = seed
        array = None
        if labels is not None:
            given = np.asarray(labels)
            if given.shape != (count,):
                raise _invalid(f"labels must have shape ({count},) for {count} samples, not {given.shape}")
            if given.dtype.kind not in "iu":
                raise _invalid(f"labels must be integers, not {given.dtype.name}")
            if given.min() < -1 or given.max() > self.class_count - 1:
                allowed = f"-1...{self.class_count - 1} (-1 = no class)" if self.class_count else "-1 (an unconditional model)"
                raise _invalid(f"labels must be in {allowed}, not {given.min()}...{given.max()}")
            array = np.ascontiguousarray(given, dtype=np.int32)
            params.labels = _pointer(array, ctypes.c_int32)
        params.progress = call.callback
        return params, array

    def _run(self, function: Callable[..., int], count: int, out: np.ndarray, kind: type, call: _Call,
             params: Optional[_SampleParams] = None, source: Optional[ctypes._Pointer] = None) -> None:  # type: ignore[name-defined]
        handle = self._begin()
        # On the main thread with Python's own SIGINT handler, Ctrl-C during the call cancels it
        # at the next step (through the progress callback) and is raised once the call returns.
        watch = (params is not None and threading.current_thread() is threading.main_thread()
                 and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        try:
            if watch:
                signal.signal(signal.SIGINT, call.interrupt)
            try:
                first = ctypes.byref(params) if params is not None else source
                status = function(handle, first, count, _pointer(out, kind))
            finally:
                if watch:
                    signal.signal(signal.SIGINT, signal.default_int_handler)
        finally:
            self._end()
        if call.error is not None:
            error, call.error = call.error, None
            raise error
        _check(status)

    def sample(self, count: int, *, seed: int = 0, labels: Optional[npt.ArrayLike] = None,
               sampler: str = "dpm++", steps: int = 20, eta: float = 0.0, guidance: float = 1.0,
               threads: int = 0, first_index: int = 0, progress: Optional[Progress] = None,
               out: Optional[np.ndarray] = None) -> np.ndarray:
        """Samples ``count`` latents (``ld_sample_latents``): a float32 array of shape
        ``(count, *latent_shape)`` in the model's latent units.

        ``labels``: ``count`` class labels (-1 = none) for a conditional model, or None.
        ``sampler``: one of ``SAMPLERS`` (docs/samplers.md). ``guidance``: classifier-free guidance scale.
        ``threads``: 0 = one per core. Sample i depends only on (seed, first_index + i, labels[i]).
        ``progress(step, total)`` is called after every step; a true return cancels the call
        (raising :class:`Cancelled`), and an exception it raises (KeyboardInterrupt included)
        cancels it and is re-raised. ``out``: an array of the result's shape to write into.
        """
        count = _count(count)
        result = _output(out, (count,) + self.latent_shape, np.float32, f"{count} latents")
        call = _Call(progress)
        params, keep = self._params(count, seed, labels, sampler, steps, eta, guidance, threads, first_index, call)
        self._run(_lib.ld_sample_latents, count, result, ctypes.c_float, call, params=params)
        del keep
        return result

    def generate(self, count: int, *, seed: int = 0, labels: Optional[npt.ArrayLike] = None,
                 sampler: str = "dpm++", steps: int = 20, eta: float = 0.0, guidance: float = 1.0,
                 threads: int = 0, first_index: int = 0, progress: Optional[Progress] = None,
                 out: Optional[np.ndarray] = None) -> np.ndarray:
        """Generates ``count`` images (``ld_generate``): a uint8 array of shape
        ``(count, H, W, C)``. The arguments are those of :meth:`sample`."""
        count = _count(count)
        result = _output(out, (count,) + self.image_shape, np.uint8, f"{count} images")
        call = _Call(progress)
        params, keep = self._params(count, seed, labels, sampler, steps, eta, guidance, threads, first_index, call)
        self._run(_lib.ld_generate, count, result, ctypes.c_uint8, call, params=params)
        del keep
        return result

    def decode(self, latents: npt.ArrayLike, *, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Decodes latents of shape ``(N, *latent_shape)`` (float32; other float types are
        converted) into ``(N, H, W, C)`` uint8 images (``ld_decode``)."""
        array = np.asarray(latents)
        if array.dtype.kind != "f":
            raise _invalid(f"latents must be floating point, not {array.dtype.name}")
        if array.ndim != 1 + len(self.latent_shape) or array.shape[1:] != self.latent_shape:
            raise _invalid(f"latents must have shape (N, {', '.join(map(str, self.latent_shape))}), not {array.shape}")
        count = _count(array.shape[0])
        array = np.ascontiguousarray(array, dtype=np.float32)
        result = _output(out, (count,) + self.image_shape, np.uint8, f"{count} images")
        self._run(_lib.ld_decode, count, result, ctypes.c_uint8, _Call(None), source=_pointer(array, ctypes.c_float))
        return result

    def encode(self, images: npt.ArrayLike, *, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Encodes ``(N, H, W, C)`` uint8 images into float32 latents of shape
        ``(N, *latent_shape)`` (``ld_encode``; a VAE codec gives its posterior mean)."""
        array = _images(images, "images")
        if array.shape[1:] != self.image_shape:
            raise _invalid(f"images must have shape (N, {', '.join(map(str, self.image_shape))}), not {array.shape}")
        count = _count(array.shape[0])
        result = _output(out, (count,) + self.latent_shape, np.float32, f"{count} latents")
        self._run(_lib.ld_encode, count, result, ctypes.c_float, _Call(None), source=_pointer(array, ctypes.c_uint8))
        return result


def load(path: PathLike) -> Model:
    """Loads a model file: the same as ``Model(path)``."""
    return Model(path)


# ---- PNG and data sets ----------------------------------------------------------------------

def write_png(path: PathLike, image: npt.ArrayLike) -> None:
    """Writes one uint8 image of shape ``(H, W, C)`` (C = 1..4) or ``(H, W)`` to a PNG file,
    atomically (``ld_write_png``)."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise _invalid(f"image must have shape (H, W, C) or (H, W), not {np.shape(image)}")
    array = _images(array[None], "image")
    _, h, w, c = array.shape
    _check(_lib.ld_write_png(os.fsencode(path), _pointer(array, ctypes.c_uint8), w, h, c))


def write_grid_png(path: PathLike, images: npt.ArrayLike, columns: int = 0) -> None:
    """Writes ``(N, H, W, C)`` uint8 images as one grid PNG with ``columns`` images a row
    (0 = near-square) and a 2-pixel gap (``ld_write_grid_png``)."""
    array = _images(images, "images")
    n, h, w, c = array.shape
    _check(_lib.ld_write_grid_png(os.fsencode(path), _pointer(array, ctypes.c_uint8), n, w, h, c, columns))


def read_png(path: PathLike, channels: int = 0) -> np.ndarray:
    """Reads a PNG file into a uint8 array of shape ``(H, W, C)``; ``channels`` 1..4 converts,
    0 keeps the file's layout (``ld_read_png``)."""
    pixels = _u8p()
    w, h, c = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
    _check(_lib.ld_read_png(os.fsencode(path), channels, ctypes.byref(pixels), ctypes.byref(w), ctypes.byref(h),
                            ctypes.byref(c)))
    try:
        shape = (h.value, w.value, c.value)
        return np.ctypeslib.as_array(pixels, shape=shape).copy()
    finally:
        _lib.ld_free_pixels(pixels)


def check_dataset(directory: PathLike, kind: str, split: str = "train") -> int:
    """Reads and validates one split ("train" or "test") of an MNIST ("mnist") or CIFAR-10
    ("cifar10") directory as training would (``ld_dataset_check``); returns its image count."""
    splits = {"train": 0, "test": 1}
    if split not in splits:
        raise _invalid(f"split must be 'train' or 'test', not {split!r}")
    count = ctypes.c_int64()
    _check(_lib.ld_dataset_check(os.fsencode(directory), kind.encode(), splits[split], ctypes.byref(count)))
    return count.value
