"""LatentDiff from Python: load a model, sample latents, decode and generate images, write PNGs.

    import latentdiff
    with latentdiff.Model("models/mnist.safetensors") as model:
        # The model's recommended guidance, steps and sampler: (16, 28, 28, 1) uint8.
        images = model.generate(16, seed=42, labels=[model.class_names.index("7")] * 16)
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
    "__version__", "version", "abi_version", "library_path", "Model", "load", "SAMPLERS",
    "sampler_name", "sampler_from_name", "SPACINGS", "spacing_name", "spacing_from_name",
    "set_max_threads", "max_threads",
    "LatentDiffError", "InvalidArgument", "IOFailure", "FormatError", "OutOfMemory", "Unsupported",
    "Cancelled", "InternalError", "NumericError",
    "write_png", "write_grid_png", "read_png", "encode_png", "check_dataset",
]

#: The most images or latents one call takes (the library's limit).
MAX_COUNT = 65536

Progress = Callable[[int, int], Optional[bool]]
PathLike = Union[str, bytes, "os.PathLike[str]"]
# A sampling call's sampler, steps, eta, guidance, spacing, guidance_interval, guidance_rescale and
# autoguidance.
_Sampling = Tuple[Optional[str], Optional[int], float, Optional[float], Optional[str],
                  Optional[Tuple[float, float]], Optional[float], Optional[float]]

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
                ("training_steps", ctypes.c_int64), ("config_json", ctypes.c_char_p),
                ("timesteps", ctypes.c_int32), ("image_bytes", ctypes.c_int32),
                ("default_guidance", ctypes.c_float), ("default_steps", ctypes.c_int32),
                ("default_sampler", ctypes.c_int32), ("class_names", ctypes.POINTER(ctypes.c_char_p)),
                ("default_spacing", ctypes.c_int32), ("default_guidance_interval_low", ctypes.c_float),
                ("default_guidance_interval_high", ctypes.c_float), ("default_guidance_rescale", ctypes.c_float),
                ("default_autoguidance", ctypes.c_float), ("has_guide", ctypes.c_int32)]


class _SampleParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("sampler", ctypes.c_int32), ("steps", ctypes.c_int32),
                ("eta", ctypes.c_float), ("guidance", ctypes.c_float), ("seed", ctypes.c_uint64),
                ("labels", ctypes.POINTER(ctypes.c_int32)), ("threads", ctypes.c_int32),
                ("progress", _PROGRESS), ("user_data", ctypes.c_void_p), ("first_index", ctypes.c_int64),
                ("init_noise", ctypes.POINTER(ctypes.c_float)), ("init_image", ctypes.POINTER(ctypes.c_uint8)),
                ("mask", ctypes.POINTER(ctypes.c_uint8)), ("strength", ctypes.c_float),
                ("padding", ctypes.c_int32), ("spacing", ctypes.c_int32), ("guidance_interval_low", ctypes.c_float),
                ("guidance_interval_high", ctypes.c_float), ("guidance_rescale", ctypes.c_float),
                ("autoguidance", ctypes.c_float), ("padding2", ctypes.c_int32)]


class _CodecParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("threads", ctypes.c_int32), ("progress", _PROGRESS),
                ("user_data", ctypes.c_void_p)]


def _library_candidates() -> Sequence[str]:
    override = os.environ.get("LATENTDIFF_LIBRARY")
    if override:
        return [override]
    here = os.path.dirname(os.path.abspath(__file__))
    # Inside a source checkout (bindings/python/src/latentdiff): the repository's builds.
    root = os.path.abspath(os.path.join(here, "..", "..", "..", ".."))
    return [os.path.join(here, "libLatentDiff.so.0"),
            os.path.join(root, "dist", "lib", "libLatentDiff.so.0"),
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
        return ctypes.CDLL("libLatentDiff.so.0"), "libLatentDiff.so.0"
    except OSError as error:
        searched = ", ".join(candidates)
        raise OSError(f"libLatentDiff.so.0 not found: searched {searched} and the system loader's path "
                      f"({error}); set LATENTDIFF_LIBRARY to its path") from None


_lib, library_path = _load_library()
_u8p, _f32p, _i32p = ctypes.POINTER(ctypes.c_uint8), ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int32)
_i32, _size = ctypes.c_int32, ctypes.c_size_t
# The header's static inline wrappers (ld_model_info, ld_sample_params_init, ...) pass sizeof of
# the caller's struct to the exported *_sized functions: here that is ctypes.sizeof of the
# Structure, which mirrors this package's version of the header.
for _name, _restype, _argtypes in [
    ("ld_version", ctypes.c_char_p, []),
    ("ld_abi_version", _i32, []),
    ("ld_status_string", ctypes.c_char_p, [_i32]),
    ("ld_last_error", ctypes.c_char_p, []),
    ("ld_sampler_name", ctypes.c_char_p, [_i32]),
    ("ld_sampler_from_name", _i32, [ctypes.c_char_p, _i32p]),
    ("ld_spacing_name", ctypes.c_char_p, [_i32]),
    ("ld_spacing_from_name", _i32, [ctypes.c_char_p, _i32p]),
    ("ld_set_max_threads", _i32, [_i32]),
    ("ld_max_threads", _i32, []),
    ("ld_model_load", _i32, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    ("ld_model_load_from_memory", _i32, [ctypes.c_char_p, _size, ctypes.POINTER(ctypes.c_void_p)]),
    ("ld_model_free", None, [ctypes.c_void_p]),
    ("ld_model_info_sized", _i32, [ctypes.c_void_p, ctypes.POINTER(_ModelDesc), _size]),
    ("ld_sample_params_init_sized", _i32, [ctypes.POINTER(_SampleParams), _size]),
    ("ld_sample_params_init_for_model_sized", _i32, [ctypes.c_void_p, ctypes.POINTER(_SampleParams), _size]),
    ("ld_codec_params_init_sized", _i32, [ctypes.POINTER(_CodecParams), _size]),
    ("ld_sample_latents", _i32, [ctypes.c_void_p, ctypes.POINTER(_SampleParams), _i32, _f32p, _size]),
    ("ld_decode", _i32, [ctypes.c_void_p, ctypes.POINTER(_CodecParams), _f32p, _i32, _u8p, _size]),
    ("ld_encode", _i32, [ctypes.c_void_p, ctypes.POINTER(_CodecParams), _u8p, _i32, _f32p, _size]),
    ("ld_generate", _i32, [ctypes.c_void_p, ctypes.POINTER(_SampleParams), _i32, _u8p, _size]),
    ("ld_sample_noise", _i32, [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int64, _i32, _f32p, _size]),
    ("ld_write_png", _i32, [ctypes.c_char_p, _u8p, _i32, _i32, _i32]),
    ("ld_write_grid_png", _i32, [ctypes.c_char_p, _u8p, _i32, _i32, _i32, _i32, _i32]),
    ("ld_read_png", _i32, [ctypes.c_char_p, _i32, ctypes.POINTER(_u8p), _i32p, _i32p, _i32p]),
    ("ld_free_pixels", None, [_u8p]),
    ("ld_free_buffer", None, [ctypes.c_void_p]),
    ("ld_encode_png", _i32, [_u8p, _i32, _i32, _i32, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p),
                             _i32, ctypes.POINTER(_u8p), ctypes.POINTER(_size)]),
    ("ld_sample_params_json", _i32, [ctypes.c_void_p, ctypes.POINTER(_SampleParams), _i32,
                                     ctypes.POINTER(ctypes.c_void_p)]),
    ("ld_dataset_check", _i32, [ctypes.c_char_p, ctypes.c_char_p, _i32, ctypes.POINTER(ctypes.c_int64)]),
]:
    _function = getattr(_lib, _name)
    _function.restype, _function.argtypes = _restype, _argtypes


def version() -> str:
    """The library's version, ``"MAJOR.MINOR.PATCH"`` (``ld_version()``)."""
    return _lib.ld_version().decode()


#: The loaded library's version (``ld_version()``).
__version__: str = version()

#: The ABI generation this package speaks (the header's ``LD_ABI_VERSION``).
ABI_VERSION = 1


def abi_version() -> int:
    """The loaded library's ``LD_ABI_VERSION`` (``ld_abi_version()``)."""
    return int(_lib.ld_abi_version())


if abi_version() != ABI_VERSION:
    raise ImportError(f"{library_path} speaks ABI {abi_version()}; this package needs ABI {ABI_VERSION}")


def _enum_name(function: Callable[[int], Optional[bytes]], value: int) -> Optional[str]:
    """The name ``function`` (ld_sampler_name, ld_spacing_name) gives ``value``, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not -2 ** 31 <= value < 2 ** 31:
        return None
    name = function(int(value))
    return name.decode() if name is not None else None


def _enum_value(function: Callable[..., int], name: str) -> int:
    """The value ``function`` (ld_sampler_from_name, ld_spacing_from_name) gives ``name``."""
    value = ctypes.c_int32()
    _check(function(name.encode(), ctypes.byref(value)))
    return value.value


def sampler_name(value: int) -> Optional[str]:
    """The name of the ``ld_sampler`` value ``value`` (``"dpm++"``, ``"ddim"``, ...), or None for a
    value the library does not know (``ld_sampler_name``)."""
    return _enum_name(_lib.ld_sampler_name, value)


def sampler_from_name(name: str) -> int:
    """The ``ld_sampler`` value of a sampler name (``ld_sampler_from_name``); raises
    :class:`InvalidArgument` for an unknown name."""
    return _enum_value(_lib.ld_sampler_from_name, name)


def spacing_name(value: int) -> Optional[str]:
    """The name of the ``ld_spacing`` value ``value`` (``"default"``, ``"uniform"``, ``"trailing"``,
    ``"logsnr"``, ``"karras"``), or None for a value the library does not know (``ld_spacing_name``)."""
    return _enum_name(_lib.ld_spacing_name, value)


def spacing_from_name(name: str) -> int:
    """The ``ld_spacing`` value of a spacing name (``ld_spacing_from_name``); raises
    :class:`InvalidArgument` for an unknown name."""
    return _enum_value(_lib.ld_spacing_from_name, name)


def set_max_threads(count: int) -> None:
    """Caps the threads of every call in this process (``ld_set_max_threads``): 1..1024, or 0 for
    one per core (the default). A call's ``threads`` argument (0 = the cap) is then limited to it."""
    _check(_lib.ld_set_max_threads(count))


def max_threads() -> int:
    """The cap in force (``ld_max_threads``), at least 1."""
    return int(_lib.ld_max_threads())


def _names(name: Callable[[int], Optional[str]]) -> Dict[str, int]:
    """Every name ``name`` knows and its value, from 0 up to the first value without one."""
    names: Dict[str, int] = {}
    for value in range(64):
        text = name(value)
        if text is None:
            break
        names[text] = value
    return names


#: Sampler names and their ``ld_sampler`` values, as the library names them.
SAMPLERS: Dict[str, int] = _names(sampler_name)

#: Step spacing names and their ``ld_spacing`` values (docs/samplers.md): ``"default"`` is the
#: sampler's own (logsnr for dpm++ and dpm++3m, uniform for ddim and ddpm, karras for euler,
#: euler-a and heun).
SPACINGS: Dict[str, int] = _names(spacing_name)


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
    """A loaded model file (``ld_model_load``), or a model file's bytes (:meth:`from_bytes`).

    Any number of threads may call :meth:`sample`, :meth:`generate`, :meth:`decode` and
    :meth:`encode` on one model at once (the library releases the GIL for the call's duration).
    :meth:`close` (or leaving a ``with`` block) waits for the calls in flight, then frees the
    model; calls after it raise ``ValueError``.

    Attributes: ``image_shape`` (H, W, C), ``latent_shape``, ``latent_size`` (floats per latent),
    ``class_count`` (0 for an unconditional model), ``class_names`` (a tuple of ``class_count``
    names: label i is ``class_names[i]``), ``codec_kind``, ``dataset``, ``training_steps``,
    ``timesteps``, ``config_json``, ``path``, ``has_guide`` (True when the file holds a guide
    denoiser for autoguidance, ``latentdiff attach-guide``), and the model's recommended sampling
    settings ``default_guidance``, ``default_steps``, ``default_sampler`` (a name),
    ``default_spacing`` (a name of ``SPACINGS``; ``"default"`` when the file stores none),
    ``default_guidance_interval``, ``default_guidance_rescale`` and ``default_autoguidance`` (0.0
    when the file stores none), which :meth:`sample` and :meth:`generate` use when not given;
    :attr:`info` has them all as a dict.
    """

    image_shape: Tuple[int, int, int]
    latent_shape: Tuple[int, ...]

    def __init__(self, path: PathLike) -> None:
        handle = ctypes.c_void_p()
        self._handle: Optional[ctypes.c_void_p] = None
        _check(_lib.ld_model_load(os.fsencode(path), ctypes.byref(handle)))
        self._open(handle, os.fsdecode(path))

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview]) -> "Model":
        """Loads a model from a model file's bytes (``ld_model_load_from_memory``), with the same
        checks as a file; the model keeps its own copy, ``data`` may be dropped afterwards.
        ``path`` is ``"<memory>"``."""
        buffer = data if isinstance(data, bytes) else bytes(memoryview(data).cast("B"))
        handle = ctypes.c_void_p()
        _check(_lib.ld_model_load_from_memory(buffer, len(buffer), ctypes.byref(handle)))
        model = cls.__new__(cls)
        model._handle = None
        model._open(handle, "<memory>")
        return model

    def _open(self, handle: ctypes.c_void_p, path: str) -> None:
        self._state = threading.Condition()
        self._in_flight = 0
        self._closing = False
        self._local = threading.local()
        self._handle = handle
        desc = _ModelDesc()
        try:
            _check(_lib.ld_model_info_sized(handle, ctypes.byref(desc), ctypes.sizeof(desc)))
        except BaseException:
            self.close()
            raise
        self.path = path
        self.image_shape = (desc.image_height, desc.image_width, desc.image_channels)
        self.latent_shape = tuple(desc.latent_shape[:desc.latent_rank])
        self.latent_size: int = desc.latent_size
        self.class_count: int = desc.class_count
        self.codec_kind: str = desc.codec_kind.decode()
        self.dataset: str = desc.dataset.decode()
        self.training_steps: int = desc.training_steps
        self.config_json: str = desc.config_json.decode()
        self.timesteps: int = desc.timesteps
        self.default_guidance: float = float(desc.default_guidance)
        self.default_steps: int = desc.default_steps
        self.default_sampler: str = sampler_name(desc.default_sampler) or "dpm++"
        self.default_spacing: str = spacing_name(desc.default_spacing) or "default"
        # The guidance band and rescale the file stores ((0, 0): every step guided).
        self.default_guidance_interval: Tuple[float, float] = (desc.default_guidance_interval_low,
                                                               desc.default_guidance_interval_high)
        self.default_guidance_rescale: float = desc.default_guidance_rescale
        # The guide denoiser and the autoguidance weight the file stores (0: off).
        self.has_guide: bool = desc.has_guide == 1
        self.default_autoguidance: float = desc.default_autoguidance
        self.class_names: Tuple[str, ...] = tuple(
            desc.class_names[i].decode() for i in range(desc.class_count)) if desc.class_names else ()

    @property
    def info(self) -> Dict[str, object]:
        """What the model makes and recommends (``ld_model_info``), as a dict: ``image_shape``,
        ``latent_shape``, ``class_count``, ``class_names``, ``codec_kind``, ``dataset``,
        ``training_steps``, ``timesteps``, ``has_guide`` and ``defaults`` (``{"guidance", "steps",
        "sampler", "spacing", "guidance_interval", "guidance_rescale", "autoguidance"}``)."""
        return {
            "image_shape": self.image_shape, "latent_shape": self.latent_shape, "class_count": self.class_count,
            "class_names": self.class_names, "codec_kind": self.codec_kind, "dataset": self.dataset,
            "training_steps": self.training_steps, "timesteps": self.timesteps, "has_guide": self.has_guide,
            "defaults": {"guidance": self.default_guidance, "steps": self.default_steps, "sampler": self.default_sampler,
                         "spacing": self.default_spacing, "guidance_interval": self.default_guidance_interval,
                         "guidance_rescale": self.default_guidance_rescale,
                         "autoguidance": self.default_autoguidance},
        }

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

    def _params(self, count: int, seed: int, labels: Optional[npt.ArrayLike], threads: int, first_index: int,
                call: Optional[_Call], sampling: "_Sampling") -> Tuple[_SampleParams, Optional[np.ndarray]]:
        sampler, steps, eta, guidance, spacing, guidance_interval, guidance_rescale, autoguidance = sampling
        # The model's recommended settings for those not given; its spacing goes with its sampler
        # (another sampler gets its own unless a spacing is given), as on the command line.
        if spacing is None:
            spacing = self.default_spacing if sampler is None else "default"
        sampler = self.default_sampler if sampler is None else sampler
        steps = self.default_steps if steps is None else steps
        guidance = self.default_guidance if guidance is None else guidance
        if sampler not in SAMPLERS:
            raise _invalid(f"unknown sampler {sampler!r}: one of {', '.join(SAMPLERS)}")
        if spacing not in SPACINGS:
            raise _invalid(f"unknown spacing {spacing!r}: one of {', '.join(SPACINGS)}")
        if guidance_interval is None:
            guidance_interval = self.default_guidance_interval
        if guidance_rescale is None:
            guidance_rescale = self.default_guidance_rescale
        if autoguidance is None:
            autoguidance = self.default_autoguidance
        try:
            low, high = (float(bound) for bound in guidance_interval)
        except (TypeError, ValueError):
            raise _invalid(f"guidance_interval must be (low, high), not {guidance_interval!r}") from None
        params = _SampleParams()
        _check(_lib.ld_sample_params_init_sized(ctypes.byref(params), ctypes.sizeof(params)))
        params.sampler, params.steps, params.eta, params.guidance = SAMPLERS[sampler], steps, eta, guidance
        params.spacing, params.guidance_rescale = SPACINGS[spacing], guidance_rescale
        params.autoguidance = autoguidance
        params.guidance_interval_low, params.guidance_interval_high = low, high
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
        if call is not None:
            params.progress = call.callback
        return params, array

    def _edit(self, params: _SampleParams, count: int, init: Optional[npt.ArrayLike], strength: float,
              mask: Optional[npt.ArrayLike], init_noise: Optional[npt.ArrayLike]) -> Tuple[Optional[np.ndarray], ...]:
        """Sets the editing fields of ``params`` for ``count`` samples; returns the arrays they
        point into (to be kept alive during the call). One image (H, W, C) or mask (H, W) is used
        for every sample."""
        params.strength = strength
        kept: Tuple[Optional[np.ndarray], ...] = ()
        if init is not None:
            array = np.asarray(init)
            if array.ndim == 3:
                array = np.broadcast_to(array, (count,) + array.shape)
            images = _images(array, "init")
            if images.shape != (count,) + self.image_shape:
                raise _invalid(f"init must have shape {(count,) + self.image_shape} or {self.image_shape}, not {images.shape}")
            params.init_image = _pointer(images, ctypes.c_uint8)
            kept += (images,)
        if mask is not None:
            array = np.asarray(mask)
            if array.dtype == np.bool_:
                array = array.astype(np.uint8) * 255
            plane = self.image_shape[:2]
            if array.dtype != np.uint8:
                raise _invalid(f"mask must be uint8 (255 = redraw, 0 = keep) or bool, not {array.dtype.name}")
            if array.shape == plane:
                array = np.broadcast_to(array, (count,) + plane)
            if array.shape != (count,) + plane:
                raise _invalid(f"mask must have shape {(count,) + plane} or {plane}, not {array.shape}")
            masks = np.ascontiguousarray(array)
            params.mask = _pointer(masks, ctypes.c_uint8)
            kept += (masks,)
        if init_noise is not None:
            array = np.asarray(init_noise)
            if array.dtype.kind != "f" or array.shape != (count,) + self.latent_shape:
                raise _invalid(f"init_noise must be floating point of shape {(count,) + self.latent_shape}, "
                               f"not {array.dtype.name} {array.shape}")
            noise = np.ascontiguousarray(array, dtype=np.float32)
            params.init_noise = _pointer(noise, ctypes.c_float)
            kept += (noise,)
        return kept

    def sample_noise(self, seed: int, count: int, first_index: int = 0) -> np.ndarray:
        """The x_T that sampling starts from for samples ``first_index ... first_index + count - 1``
        with ``seed`` (``ld_sample_noise``): float32 ``(count, *latent_shape)`` in the sampler's
        standardized units (unit normal), not the latent units of :meth:`decode`. Passing it as
        ``init_noise`` reproduces plain sampling bit for bit; mixes of such noise (spherical
        interpolation) give in-between samples."""
        count = _count(count)
        if not 0 <= seed < 2 ** 64:
            raise _invalid(f"seed must be in 0...2**64-1, not {seed}")
        result = np.empty((count,) + self.latent_shape, dtype=np.float32)
        handle = self._begin()
        try:
            status = _lib.ld_sample_noise(handle, seed, first_index, count, _pointer(result, ctypes.c_float), result.nbytes)
        finally:
            self._end()
        _check(status)
        return result

    def _codec_params(self, threads: int, call: _Call) -> _CodecParams:
        params = _CodecParams()
        _check(_lib.ld_codec_params_init_sized(ctypes.byref(params), ctypes.sizeof(params)))
        params.threads = threads
        params.progress = call.callback
        return params

    def _run(self, function: Callable[..., int], count: int, out: np.ndarray, kind: type, call: _Call,
             params: Union[_SampleParams, _CodecParams],
             source: Optional[ctypes._Pointer] = None) -> None:  # type: ignore[name-defined]
        handle = self._begin()
        # On the main thread with Python's own SIGINT handler, Ctrl-C during the call cancels it
        # at the next step (through the progress callback) and is raised once the call returns.
        watch = (threading.current_thread() is threading.main_thread()
                 and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
        try:
            if watch:
                signal.signal(signal.SIGINT, call.interrupt)
            try:
                if source is None:  # sample, generate: (model, params, count, out, out_size)
                    status = function(handle, ctypes.byref(params), count, _pointer(out, kind), out.nbytes)
                else:  # decode, encode: (model, params, source, count, out, out_size)
                    status = function(handle, ctypes.byref(params), source, count, _pointer(out, kind), out.nbytes)
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
               sampler: Optional[str] = None, steps: Optional[int] = None, eta: float = 0.0,
               guidance: Optional[float] = None, spacing: Optional[str] = None,
               guidance_interval: Optional[Tuple[float, float]] = None, guidance_rescale: Optional[float] = None,
               autoguidance: Optional[float] = None,
               threads: int = 0, first_index: int = 0, progress: Optional[Progress] = None,
               out: Optional[np.ndarray] = None, init: Optional[npt.ArrayLike] = None, strength: float = 1.0,
               mask: Optional[npt.ArrayLike] = None, init_noise: Optional[npt.ArrayLike] = None) -> np.ndarray:
        """Samples ``count`` latents (``ld_sample_latents``): a float32 array of shape
        ``(count, *latent_shape)`` in the model's latent units.

        ``labels``: ``count`` class labels (-1 = none) for a conditional model, or None.
        ``sampler``: one of ``SAMPLERS`` (docs/samplers.md). ``guidance``: classifier-free guidance scale.
        ``sampler``, ``steps`` and ``guidance`` left at None take the model's recommended
        ``default_sampler``, ``default_steps`` and ``default_guidance``.
        ``spacing``: one of ``SPACINGS``; None = the model's ``default_spacing`` with the model's
        sampler, else ``"default"`` (the sampler's own).
        ``guidance_interval``: ``(low, high)``, guide only the steps whose noise level sigma/alpha
        lies in [low, high] (0 <= low <= high, finite), the conditional output alone elsewhere;
        ``(0, 0)`` guides every step; None = the model's ``default_guidance_interval``.
        ``guidance_rescale``: phi in [0, 1], each guided output g becomes
        phi g std(c) / std(g) + (1 - phi) g (0 = off); None = the model's
        ``default_guidance_rescale``. docs/samplers.md.
        ``autoguidance``: weight w >= 0 (at most 100), every output o (guided or not) becomes
        o + w (c - a), a the output of the guide denoiser the file holds for the same sample and
        label (0 = off); a nonzero weight needs ``has_guide`` (else :class:`InvalidArgument`);
        None = the model's ``default_autoguidance``.
        ``threads``: 0 = the cap of :func:`set_max_threads` (one per core by default), else at most the cap. Sample i depends only on (seed, first_index + i, labels[i]).
        ``progress(step, total)`` is called after every step; a true return cancels the call
        (raising :class:`Cancelled`), and an exception it raises (KeyboardInterrupt included)
        cancels it and is re-raised. ``out``: an array of the result's shape to write into.

        Editing (docs/editing.md): ``init``, uint8 images ``(count, H, W, C)`` or one ``(H, W, C)``
        for all, each encoded and re-noised by ``strength`` in [0, 1] (0 = the image, 1 = pure
        noise: plain generation bit for bit without a mask); ``mask`` (needs ``init``), uint8
        ``(count, H, W)`` or ``(H, W)`` (255 = redraw, 0 = keep) or bool, redraws only the masked
        part (spatial codecs only: a vector codec raises :class:`Unsupported`); ``init_noise``,
        float ``(count, *latent_shape)`` as :meth:`sample_noise` returns, replaces the keyed x_T.
        """
        return self._sampling_call(_lib.ld_sample_latents, self.latent_shape, np.float32, ctypes.c_float, "latents",
                                   count, seed, labels, threads, first_index, progress, out,
                                   (sampler, steps, eta, guidance, spacing, guidance_interval, guidance_rescale,
                                    autoguidance),
                                   (init, strength, mask, init_noise))

    def generate(self, count: int, *, seed: int = 0, labels: Optional[npt.ArrayLike] = None,
                 sampler: Optional[str] = None, steps: Optional[int] = None, eta: float = 0.0,
                 guidance: Optional[float] = None, spacing: Optional[str] = None,
                 guidance_interval: Optional[Tuple[float, float]] = None, guidance_rescale: Optional[float] = None,
                 autoguidance: Optional[float] = None,
                 threads: int = 0, first_index: int = 0, progress: Optional[Progress] = None,
                 out: Optional[np.ndarray] = None, init: Optional[npt.ArrayLike] = None, strength: float = 1.0,
                 mask: Optional[npt.ArrayLike] = None, init_noise: Optional[npt.ArrayLike] = None) -> np.ndarray:
        """Generates ``count`` images (``ld_generate``): a uint8 array of shape
        ``(count, H, W, C)``. The arguments are those of :meth:`sample`; with a ``mask``, the
        kept pixels are pasted back from ``init`` with a feathered edge (those 3 or more pixels
        from any masked pixel are ``init``'s exactly)."""
        return self._sampling_call(_lib.ld_generate, self.image_shape, np.uint8, ctypes.c_uint8, "images",
                                   count, seed, labels, threads, first_index, progress, out,
                                   (sampler, steps, eta, guidance, spacing, guidance_interval, guidance_rescale,
                                    autoguidance),
                                   (init, strength, mask, init_noise))

    def _sampling_call(self, function, item_shape, dtype, c_type, what, count, seed, labels, threads, first_index,
                       progress, out, sampling, edit) -> np.ndarray:
        """``function`` (ld_sample_latents or ld_generate) into a new or given ``(count, *item_shape)`` array."""
        count = _count(count)
        result = _output(out, (count,) + item_shape, dtype, f"{count} {what}")
        call = _Call(progress)
        params, keep = self._params(count, seed, labels, threads, first_index, call, sampling)
        edits = self._edit(params, count, *edit)
        self._run(function, count, result, c_type, call, params=params)
        del keep, edits
        return result

    def settings_json(self, count: int, *, seed: int = 0, labels: Optional[npt.ArrayLike] = None,
                      sampler: Optional[str] = None, steps: Optional[int] = None, eta: float = 0.0,
                      guidance: Optional[float] = None, spacing: Optional[str] = None,
                      guidance_interval: Optional[Tuple[float, float]] = None, guidance_rescale: Optional[float] = None,
                      autoguidance: Optional[float] = None,
                      first_index: int = 0) -> str:
        """The settings :meth:`generate` with these arguments uses, as the JSON text of
        ``ld_sample_params_json`` (library version, model, sampler, spacing, steps, eta, guidance,
        guidance_interval, guidance_rescale, seed, first_index, count, labels and their class
        names, autoguidance): to store beside the images, e.g.
        ``encode_png(image, text={"parameters": model.settings_json(...)})``."""
        count = _count(count)
        params, keep = self._params(count, seed, labels, 0, first_index, None,
                                    (sampler, steps, eta, guidance, spacing, guidance_interval, guidance_rescale,
                                     autoguidance))
        text = ctypes.c_void_p()
        handle = self._begin()
        try:
            status = _lib.ld_sample_params_json(handle, ctypes.byref(params), count, ctypes.byref(text))
        finally:
            self._end()
        del keep
        _check(status)
        try:
            return ctypes.string_at(text.value).decode()
        finally:
            _lib.ld_free_buffer(text)

    def decode(self, latents: npt.ArrayLike, *, threads: int = 0, progress: Optional[Progress] = None,
               out: Optional[np.ndarray] = None) -> np.ndarray:
        """Decodes latents of shape ``(N, *latent_shape)`` (float32; other float types are
        converted) into ``(N, H, W, C)`` uint8 images (``ld_decode``). ``threads`` and
        ``progress(images_done, total)`` as in :meth:`sample`."""
        array = np.asarray(latents)
        if array.dtype.kind != "f":
            raise _invalid(f"latents must be floating point, not {array.dtype.name}")
        if array.ndim != 1 + len(self.latent_shape) or array.shape[1:] != self.latent_shape:
            raise _invalid(f"latents must have shape (N, {', '.join(map(str, self.latent_shape))}), not {array.shape}")
        count = _count(array.shape[0])
        array = np.ascontiguousarray(array, dtype=np.float32)
        result = _output(out, (count,) + self.image_shape, np.uint8, f"{count} images")
        call = _Call(progress)
        self._run(_lib.ld_decode, count, result, ctypes.c_uint8, call, self._codec_params(threads, call),
                  source=_pointer(array, ctypes.c_float))
        return result

    def encode(self, images: npt.ArrayLike, *, threads: int = 0, progress: Optional[Progress] = None,
               out: Optional[np.ndarray] = None) -> np.ndarray:
        """Encodes ``(N, H, W, C)`` uint8 images into float32 latents of shape
        ``(N, *latent_shape)`` (``ld_encode``; a VAE codec gives its posterior mean). ``threads``
        and ``progress(images_done, total)`` as in :meth:`sample`."""
        array = _images(images, "images")
        if array.shape[1:] != self.image_shape:
            raise _invalid(f"images must have shape (N, {', '.join(map(str, self.image_shape))}), not {array.shape}")
        count = _count(array.shape[0])
        result = _output(out, (count,) + self.latent_shape, np.float32, f"{count} latents")
        call = _Call(progress)
        self._run(_lib.ld_encode, count, result, ctypes.c_float, call, self._codec_params(threads, call),
                  source=_pointer(array, ctypes.c_uint8))
        return result


def load(path: PathLike) -> Model:
    """Loads a model file: the same as ``Model(path)``."""
    return Model(path)


# ---- PNG and data sets ----------------------------------------------------------------------

def _one_image(image: npt.ArrayLike) -> Tuple[np.ndarray, int, int, int]:
    """A C-contiguous uint8 (1, H, W, C) view of an (H, W, C) or (H, W) image, and H, W, C."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise _invalid(f"image must have shape (H, W, C) or (H, W), not {np.shape(image)}")
    array = _images(array[None], "image")
    _, h, w, c = array.shape
    return array, h, w, c


def write_png(path: PathLike, image: npt.ArrayLike) -> None:
    """Writes one uint8 image of shape ``(H, W, C)`` (C = 1..4) or ``(H, W)`` to a PNG file,
    atomically (``ld_write_png``)."""
    array, h, w, c = _one_image(image)
    _check(_lib.ld_write_png(os.fsencode(path), _pointer(array, ctypes.c_uint8), w, h, c))


def encode_png(image: npt.ArrayLike, text: Optional[Dict[str, str]] = None) -> bytes:
    """One uint8 image of shape ``(H, W, C)`` (C = 1..4) or ``(H, W)`` encoded as PNG bytes
    (``ld_encode_png``: what :func:`write_png` would write), with each ``text`` item as a text
    chunk (keys of 1-79 printable ASCII characters; tEXt for values in Latin-1, iTXt in UTF-8 for others)."""
    array, h, w, c = _one_image(image)
    items = list((text or {}).items())
    for key, value in items:
        if not isinstance(key, str) or not isinstance(value, str):
            raise _invalid(f"text must map str to str, not {type(key).__name__} to {type(value).__name__}")
    keys = (ctypes.c_char_p * max(1, len(items)))(*[key.encode() for key, _ in items])
    values = (ctypes.c_char_p * max(1, len(items)))(*[value.encode() for _, value in items])
    png, size = _u8p(), ctypes.c_size_t()
    _check(_lib.ld_encode_png(_pointer(array, ctypes.c_uint8), w, h, c, keys, values, len(items), ctypes.byref(png),
                              ctypes.byref(size)))
    try:
        return ctypes.string_at(png, size.value)
    finally:
        _lib.ld_free_buffer(png)


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
    """Reads and validates one split ("train" or "test") of a data set as training would
    (``ld_dataset_check``): ``kind`` "mnist", "cifar10", "folder" (PNG and JPEG images) or "pack"
    (a packed image cache file); returns its image count."""
    splits = {"train": 0, "test": 1}
    if split not in splits:
        raise _invalid(f"split must be 'train' or 'test', not {split!r}")
    count = ctypes.c_int64()
    _check(_lib.ld_dataset_check(os.fsencode(directory), kind.encode(), splits[split], ctypes.byref(count)))
    return count.value
