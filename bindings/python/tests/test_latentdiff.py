"""The latentdiff Python package against the C ABI.

Run with pytest (CI: scripts/python_package_test.sh, against the wheel installed in a fresh
virtual environment, with LATENTDIFF_TEST_INSTALLED=1), or without pytest through
bindings/python/test_latentdiff.py (the source tree's module; what valgrind and AddressSanitizer
run). LATENTDIFF_TEST_MODEL picks the model (default: Tests/Fixtures/models/tiny-mnist.safetensors);
LATENTDIFF_TEST_SKIP_SHIPPED=1 skips the test of the shipped MNIST model.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

import numpy as np

import latentdiff

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODEL = os.environ.get("LATENTDIFF_TEST_MODEL") or os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny-mnist.safetensors")
SHIPPED = os.path.join(ROOT, "models", "mnist.safetensors")
# The tiny fixture and the same model with a guide denoiser attached and the stored autoguidance
# weight 1 (scripts/make_tiny_model.sh): the autoguidance tests use these two, whatever MODEL is.
TINY = os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny-mnist.safetensors")
GUIDED = os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny-mnist-guided.safetensors")


def expect(kind, function, *args, **kwargs):
    """Calls function and returns the exception it raised, which must be a `kind`."""
    try:
        function(*args, **kwargs)
    except kind as error:
        return error
    raise AssertionError(f"{getattr(function, '__name__', function)} did not raise {kind.__name__}")


def labels_for(model, count, label=7):
    return [label] * count if model.class_count else None


def test_version():
    header = open(os.path.join(ROOT, "include", "latentdiff.h")).read()
    expected = re.search(r'#define LD_VERSION_STRING "([^"]+)"', header).group(1)
    assert latentdiff.__version__ == latentdiff.version() == expected


def test_abi_and_sampler_names():
    assert latentdiff.abi_version() == latentdiff.ABI_VERSION == 1
    names = ["dpm++", "ddim", "ddpm", "euler", "euler-a", "heun", "dpm++3m"]
    assert list(latentdiff.SAMPLERS) == names and list(latentdiff.SAMPLERS.values()) == list(range(7))
    for value, name in enumerate(names):
        assert latentdiff.sampler_name(value) == name
        assert latentdiff.sampler_from_name(name) == value
    assert latentdiff.sampler_name(7) is None and latentdiff.sampler_name(-1) is None
    error = expect(ValueError, latentdiff.sampler_from_name, "DDIM")
    assert "unknown sampler 'DDIM'" in error.message


def test_spacing_names():
    names = ["default", "uniform", "trailing", "logsnr", "karras"]
    assert list(latentdiff.SPACINGS) == names and list(latentdiff.SPACINGS.values()) == list(range(5))
    for value, name in enumerate(names):
        assert latentdiff.spacing_name(value) == name
        assert latentdiff.spacing_from_name(name) == value
    assert latentdiff.spacing_name(5) is None and latentdiff.spacing_name(-1) is None
    assert latentdiff.spacing_name(True) is None and latentdiff.spacing_name(2 ** 40) is None
    error = expect(latentdiff.InvalidArgument, latentdiff.spacing_from_name, "Karras")
    assert "unknown spacing 'Karras'" in error.message


def test_sampler_settings():
    """spacing, guidance_interval and guidance_rescale reach the library: checked bit for bit
    (noise levels sigma/alpha lie between about 0.005 and 1e5; the fixture's linear schedule: 0.01 to 158)."""
    with latentdiff.Model(MODEL) as model:
        def run(**kwargs):
            return model.sample(2, seed=4, labels=labels_for(model, 2), steps=5, threads=1, **kwargs)

        # "default" is each sampler's own spacing; another one changes the samples.
        own = {"dpm++": "logsnr", "dpm++3m": "logsnr", "ddim": "uniform", "ddpm": "uniform", "euler": "karras",
               "euler-a": "karras", "heun": "karras"}
        assert set(own) == set(latentdiff.SAMPLERS)
        for sampler, spacing in own.items():
            plain = run(sampler=sampler)
            assert np.array_equal(plain, run(sampler=sampler, spacing="default"))
            assert np.array_equal(plain, run(sampler=sampler, spacing=spacing)), sampler
            other = "trailing" if spacing != "trailing" else "uniform"
            assert not np.array_equal(plain, run(sampler=sampler, spacing=other)), sampler
        expect(latentdiff.InvalidArgument, run, spacing="Karras")
        expect(latentdiff.InvalidArgument, run, guidance_interval=(1, 2, 3))
        expect(latentdiff.InvalidArgument, run, guidance_interval="0.3,5")
        for bad in [(5, 1), (-1, 2), (float("nan"), 2), (1, float("inf")), (0.5, 0)]:
            error = expect(latentdiff.InvalidArgument, run, guidance_interval=bad)
            assert "guidance interval" in error.message, bad
        for bad in [-0.1, 1.5, float("nan")]:
            error = expect(latentdiff.InvalidArgument, run, guidance=3.0, guidance_rescale=bad)
            assert "rescale" in error.message, bad
        if not model.class_count:
            return
        guided, unguided = run(guidance=3.0), run(guidance=1.0)
        assert not np.array_equal(guided, unguided)
        assert np.array_equal(run(guidance=3.0, guidance_interval=(1e30, 1e31)), unguided)
        assert np.array_equal(run(guidance=3.0, guidance_interval=(0, 1e30)), guided)
        assert np.array_equal(run(guidance=3.0, guidance_interval=(0, 0)), guided)
        middle = run(guidance=3.0, guidance_interval=(0.5, 5))
        assert not np.array_equal(middle, guided) and not np.array_equal(middle, unguided)
        assert np.array_equal(run(guidance=3.0, guidance_rescale=0.0), guided)
        rescaled = run(guidance=3.0, guidance_rescale=1.0)
        assert not np.array_equal(rescaled, guided)
        # generate is the decoded sample, with the same settings.
        settings = dict(guidance=3.0, spacing="karras", guidance_interval=(0.5, 5), guidance_rescale=0.5)
        images = model.generate(2, seed=4, labels=labels_for(model, 2), steps=5, **settings)
        assert np.array_equal(images, model.decode(run(**settings)))


def with_sampling_defaults(path, defaults):
    """The bytes of the model file `path` with its configuration's sampling_defaults replaced."""
    import json
    import struct
    data = open(path, "rb").read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    config = json.loads(header["__metadata__"]["latentdiff"])
    config["sampling_defaults"] = defaults
    header["__metadata__"]["latentdiff"] = json.dumps(config)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + size:]


def test_model_spacing_goes_with_its_sampler():
    data = with_sampling_defaults(MODEL, {"guidance": 1, "steps": 4, "sampler": "euler", "spacing": "trailing"})
    with latentdiff.Model.from_bytes(data) as model:
        assert (model.default_sampler, model.default_spacing) == ("euler", "trailing")
        assert model.info["defaults"]["spacing"] == "trailing"
        implicit = model.sample(1, seed=2)
        assert np.array_equal(implicit, model.sample(1, seed=2, sampler="euler", spacing="trailing"))
        # Naming a sampler, the model's included, gives that sampler's own spacing unless one is given.
        assert np.array_equal(model.sample(1, seed=2, sampler="euler"), model.sample(1, seed=2, spacing="karras"))
        assert not np.array_equal(implicit, model.sample(1, seed=2, sampler="euler"))
    with latentdiff.Model.from_bytes(with_sampling_defaults(MODEL, {"guidance": 1, "steps": 4, "sampler": "ddim"})) as model:
        assert model.default_spacing == "default"


def test_model_guidance_interval_and_rescale_are_defaults():
    stored = {"guidance": 3, "steps": 4, "sampler": "dpm++", "guidance_interval": [0.01, 50], "guidance_rescale": 0.5}
    with latentdiff.Model.from_bytes(with_sampling_defaults(MODEL, stored)) as model:
        assert model.default_guidance_interval == (np.float32(0.01), 50.0) and model.default_guidance_rescale == 0.5
        labels = labels_for(model, 2)
        implicit = model.sample(2, seed=3, labels=labels)
        assert np.array_equal(implicit, model.sample(2, seed=3, labels=labels, guidance_interval=(0.01, 50), guidance_rescale=0.5))
        if model.class_count:
            assert not np.array_equal(implicit, model.sample(2, seed=3, labels=labels, guidance_interval=(0, 0), guidance_rescale=0))
    with latentdiff.Model.from_bytes(with_sampling_defaults(MODEL, {"guidance": 3, "steps": 4, "sampler": "dpm++"})) as model:
        assert model.default_guidance_interval == (0.0, 0.0) and model.default_guidance_rescale == 0.0


def test_autoguidance():
    """autoguidance= reaches the library, checked bit for bit against the fixture without a guide:
    weight 0 is its samples, the stored weight 1 is used when none is given."""
    import json
    with latentdiff.Model(GUIDED) as guided, latentdiff.Model(TINY) as plain:
        assert (guided.has_guide, guided.default_autoguidance) == (True, 1.0)
        assert (plain.has_guide, plain.default_autoguidance) == (False, 0.0)
        assert guided.info["has_guide"] and guided.info["defaults"]["autoguidance"] == 1.0
        assert not plain.info["has_guide"] and plain.info["defaults"]["autoguidance"] == 0.0

        def run(model, **kwargs):
            return model.sample(2, seed=4, labels=[3, 7], steps=5, threads=1, **kwargs)

        for guidance in (1.0, 3.0):
            off = run(guided, guidance=guidance, autoguidance=0)
            assert np.array_equal(off, run(plain, guidance=guidance)), "weight 0: the model without a guide"
            assert np.array_equal(off, run(plain, guidance=guidance, autoguidance=0.0))
            stored = run(guided, guidance=guidance)
            assert np.array_equal(stored, run(guided, guidance=guidance, autoguidance=1.0)), "the stored weight 1"
            assert not np.array_equal(stored, off)
            assert not np.array_equal(run(guided, guidance=guidance, autoguidance=2.0), stored)
        unconditional = dict(seed=4, steps=5, threads=1)
        assert not np.array_equal(guided.sample(2, autoguidance=1.0, **unconditional),
                                  guided.sample(2, autoguidance=0.0, **unconditional))
        # generate is the decoded sample, with the same weight.
        images = guided.generate(2, seed=4, labels=[3, 7], steps=5, autoguidance=0.5)
        assert np.array_equal(images, guided.decode(run(guided, autoguidance=0.5)))
        assert np.array_equal(guided.generate(2, seed=4, labels=[3, 7], steps=5, autoguidance=0),
                              plain.generate(2, seed=4, labels=[3, 7], steps=5))

        for call in (run, lambda model, **kwargs: model.generate(1, steps=2, **kwargs),
                     lambda model, **kwargs: model.settings_json(1, **kwargs)):
            error = expect(latentdiff.InvalidArgument, call, plain, autoguidance=1.0)
            assert "guide denoiser" in error.message, error.message
            for bad in (float("nan"), -1.0, 101.0):
                error = expect(latentdiff.InvalidArgument, call, guided, autoguidance=bad)
                assert "autoguidance weight must be in [0, 100]" in error.message, (bad, error.message)

        assert json.loads(guided.settings_json(1))["autoguidance"] == 1
        assert json.loads(guided.settings_json(1, autoguidance=0.25))["autoguidance"] == 0.25
        text = plain.settings_json(1)
        assert text.endswith(',"init_noise":false,"autoguidance":0}'), text


def test_max_threads():
    expect(ValueError, latentdiff.set_max_threads, -1)
    expect(ValueError, latentdiff.set_max_threads, 1025)
    latentdiff.set_max_threads(1)
    try:
        assert latentdiff.max_threads() == 1
        with latentdiff.Model(MODEL) as model:
            capped = model.generate(2, seed=3, steps=3, threads=8, labels=labels_for(model, 2))
        latentdiff.set_max_threads(0)
        assert latentdiff.max_threads() >= 1
        with latentdiff.Model(MODEL) as model:
            assert np.array_equal(model.generate(2, seed=3, steps=3, threads=2, labels=labels_for(model, 2)), capped)
    finally:
        latentdiff.set_max_threads(0)


def test_from_bytes_equals_the_file():
    data = open(MODEL, "rb").read()
    with latentdiff.Model.from_bytes(data) as from_memory, latentdiff.Model(MODEL) as from_file:
        assert from_memory.path == "<memory>"
        assert from_memory.latent_shape == from_file.latent_shape
        labels = labels_for(from_file, 2)
        assert np.array_equal(from_memory.generate(2, seed=4, steps=3, labels=labels),
                              from_file.generate(2, seed=4, steps=3, labels=labels))
    with latentdiff.Model.from_bytes(bytearray(data)) as copy:
        assert copy.timesteps > 0
    error = expect(ValueError, latentdiff.Model.from_bytes, data[:100])
    assert error.name == "LD_ERR_FORMAT" and "<memory>" in error.message


def test_decode_encode_progress_and_cancel():
    with latentdiff.Model(MODEL) as model:
        latents = model.sample(3, seed=1, steps=3, labels=labels_for(model, 3))
        seen = []
        images = model.decode(latents, threads=1, progress=lambda done, total: seen.append((done, total)))
        assert seen and seen[-1] == (3, 3), seen
        assert np.array_equal(images, model.decode(latents, threads=2))
        expect(latentdiff.Cancelled, model.encode, images, progress=lambda done, total: True)
        assert model.encode(images, threads=1).shape == latents.shape


def test_installed_package():
    if os.environ.get("LATENTDIFF_TEST_INSTALLED") != "1":
        raise unittest.SkipTest("checks the installed wheel (LATENTDIFF_TEST_INSTALLED=1)")
    package = os.path.dirname(os.path.abspath(latentdiff.__file__))
    assert not package.startswith(ROOT + os.sep), f"imported the source tree's module: {package}"
    assert "site-packages" in package, package
    assert latentdiff.library_path == os.path.join(package, "libLatentDiff.so.0"), latentdiff.library_path
    assert os.path.isfile(os.path.join(package, "py.typed"))


def test_model_description():
    with latentdiff.Model(MODEL) as model:
        h, w, c = model.image_shape
        assert h > 0 and w > 0 and c in (1, 3)
        assert int(np.prod(model.latent_shape)) == model.latent_size
        assert model.dataset in ("mnist", "cifar10")
        assert model.config_json.startswith("{")
        assert "closed" not in repr(model)
        assert isinstance(model.has_guide, bool) and isinstance(model.default_autoguidance, float)
        assert model.has_guide or model.default_autoguidance == 0.0
    assert model.closed and "closed" in repr(model)


def test_generate_matches_c():
    generate = os.path.join(ROOT, "examples-c", "build", "generate")
    if not os.path.exists(generate):
        raise unittest.SkipTest(f"{generate} not built (make -C examples-c all)")
    with latentdiff.load(MODEL) as model, tempfile.TemporaryDirectory() as work:
        labels = labels_for(model, 16)
        images = model.generate(16, seed=42, labels=labels, guidance=2.0 if labels else 1.0)
        assert images.shape == (16,) + model.image_shape and images.dtype == np.uint8
        raw = os.path.join(work, "c.raw")
        subprocess.run([generate, MODEL, "7", os.path.join(work, "grid.png"), raw], check=True, stdout=subprocess.DEVNULL)
        with open(raw, "rb") as f:
            assert f.read() == images.tobytes(), "Python and C generated different bytes for the same seed"


def test_sample_decode_generate_encode():
    with latentdiff.Model(MODEL) as model:
        labels = labels_for(model, 3)
        latents = model.sample(3, seed=5, labels=labels, steps=8)
        assert latents.shape == (3,) + model.latent_shape and latents.dtype == np.float32
        assert np.isfinite(latents).all()
        decoded = model.decode(latents)
        assert decoded.shape == (3,) + model.image_shape and decoded.dtype == np.uint8
        generated = model.generate(3, seed=5, labels=labels, steps=8)
        assert np.array_equal(decoded, generated), "generate differs from sample + decode"
        # Sample i depends only on (seed, first_index + i): the last two alone are the same bits.
        tail = model.sample(2, seed=5, labels=labels[1:] if labels else None, steps=8, first_index=1)
        assert np.array_equal(tail, latents[1:])
        again = model.sample(3, seed=5, labels=labels, steps=8, threads=1, sampler="dpm++")
        assert np.array_equal(again, latents)
        assert not np.array_equal(model.sample(3, seed=6, labels=labels, steps=8), latents)
        encoded = model.encode(decoded)
        assert encoded.shape == latents.shape and encoded.dtype == np.float32
        # float64 latents are converted; a non-contiguous array is accepted.
        assert np.array_equal(model.decode(latents.astype(np.float64)), decoded)
        wide = np.concatenate([decoded, decoded], axis=3)[..., ::2]
        assert not wide.flags.c_contiguous
        assert np.array_equal(model.encode(wide), encoded)
        results = {}
        for sampler in latentdiff.SAMPLERS:
            results[sampler] = model.sample(1, sampler=sampler, steps=4, eta=0.5)
            assert results[sampler].shape == (1,) + model.latent_shape
            assert np.isfinite(results[sampler]).all(), sampler
        assert len({r.tobytes() for r in results.values()}) == len(latentdiff.SAMPLERS), "each sampler its own latents"


def test_out_arrays_are_written_in_place():
    with latentdiff.Model(MODEL) as model:
        out = np.zeros((2,) + model.image_shape, dtype=np.uint8)
        result = model.generate(2, seed=1, labels=labels_for(model, 2), steps=4, out=out)
        assert result is out and out.any()
        latents = np.empty((2,) + model.latent_shape, dtype=np.float32)
        assert model.sample(2, steps=4, out=latents) is latents
        pixels = np.empty((2,) + model.image_shape, dtype=np.uint8)
        assert model.decode(latents, out=pixels) is pixels
        expect(latentdiff.InvalidArgument, model.generate, 2, out=np.zeros((2,) + model.image_shape, dtype=np.float32))
        expect(latentdiff.InvalidArgument, model.generate, 3, out=out)
        expect(latentdiff.InvalidArgument, model.sample, 2, out=np.empty((2,) + model.latent_shape, np.float32)[:, ::-1])


def test_shapes_and_arguments_checked():
    with latentdiff.Model(MODEL) as model:
        latents = model.sample(2, steps=4)
        error = expect(ValueError, model.decode, latents.reshape(2, -1)[:, :-1])
        assert isinstance(error, latentdiff.InvalidArgument) and "shape" in str(error)
        expect(ValueError, model.decode, latents.astype(np.int32))
        expect(ValueError, model.encode, np.zeros((1,) + model.image_shape, dtype=np.float32))
        expect(ValueError, model.encode, np.zeros(model.image_shape, dtype=np.uint8))
        expect(ValueError, model.encode, np.zeros((0,) + model.image_shape, dtype=np.uint8))
        expect(ValueError, model.generate, 0)
        expect(ValueError, model.generate, latentdiff.MAX_COUNT + 1)
        expect(ValueError, model.generate, 2.5)
        expect(ValueError, model.generate, 1, sampler="rk45")
        expect(ValueError, model.generate, 1, seed=-1)
        expect(ValueError, model.generate, 2, labels=[1])
        expect(ValueError, model.generate, 1, labels=[1.5])
        expect(ValueError, model.generate, 1, labels=[2 ** 32 + 1])
        # Checked by the library: its status and message come through.
        error = expect(latentdiff.InvalidArgument, model.sample, 1, steps=0)
        assert error.status == -1 and error.name == "LD_ERR_INVALID_ARGUMENT" and error.message
        expect(latentdiff.InvalidArgument, model.sample, 1, guidance=-1.0)
        if model.class_count:
            expect(ValueError, model.generate, 1, labels=[model.class_count])
            error = expect(ValueError, model.generate, 1, labels=[99])
            assert "labels" in str(error)


def test_errors_map_to_python_exceptions():
    error = expect(OSError, latentdiff.load, "/nonexistent/model.safetensors")
    assert isinstance(error, latentdiff.IOFailure) and isinstance(error, latentdiff.LatentDiffError)
    assert error.name == "LD_ERR_IO" and "nonexistent" in str(error)
    with tempfile.TemporaryDirectory() as work:
        text = os.path.join(work, "text.safetensors")
        with open(text, "w") as f:
            f.write("not a model")
        error = expect(ValueError, latentdiff.load, text)
        assert isinstance(error, latentdiff.FormatError) and error.status == -3
        expect(latentdiff.FormatError, latentdiff.read_png, text)
        expect(OSError, latentdiff.write_png, os.path.join(work, "no", "dir", "x.png"), np.zeros((4, 4), np.uint8))
    with latentdiff.Model(MODEL) as model:
        nan = np.full((1,) + model.latent_shape, np.nan, dtype=np.float32)
        error = expect(ArithmeticError, model.decode, nan)
        assert isinstance(error, latentdiff.NumericError) and error.name == "LD_ERR_NUMERIC"
    assert issubclass(latentdiff.OutOfMemory, MemoryError)
    assert issubclass(latentdiff.Cancelled, latentdiff.LatentDiffError)


def test_progress_cancels():
    with latentdiff.Model(MODEL) as model:
        calls = []
        error = expect(latentdiff.Cancelled, model.generate, 2, sampler="ddim", steps=10,
                       progress=lambda step, total: calls.append((step, total)) or step >= 3)
        assert error.name == "LD_ERR_CANCELLED"
        assert calls == [(1, 10), (2, 10), (3, 10)], calls
        done = []
        model.sample(1, steps=5, progress=lambda step, total: done.append(step))
        assert done == [1, 2, 3, 4, 5]


def test_exception_in_progress_cancels_and_is_reraised():
    with latentdiff.Model(MODEL) as model:
        calls = []

        def failing(step, total):
            calls.append(step)
            if step == 2:
                raise ZeroDivisionError("from the callback")

        error = expect(ZeroDivisionError, model.generate, 1, steps=10, progress=failing)
        assert str(error) == "from the callback" and calls == [1, 2], calls
        assert error.__traceback__ is not None
        calls.clear()

        def interrupted(step, total):
            calls.append(step)
            if step == 3:
                raise KeyboardInterrupt

        expect(KeyboardInterrupt, model.sample, 1, steps=10, progress=interrupted)
        assert calls == [1, 2, 3], calls
        assert model.sample(1, steps=2).shape == (1,) + model.latent_shape  # still usable


def test_ctrl_c_during_a_call_cancels_it():
    if threading.current_thread() is not threading.main_thread():
        raise unittest.SkipTest("signals reach the main thread only")
    # A process started in the background (nohup, `&` in a script) inherits SIGINT ignored, and
    # Python then leaves it so: install Python's own handler, as an interactive run has it.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        ctrl_c_cancels_the_call()
    finally:
        signal.signal(signal.SIGINT, inherited)


def ctrl_c_cancels_the_call():
    with latentdiff.Model(MODEL) as model:
        calls = []

        def progress(step, total):
            calls.append(step)
            if step == 2:
                os.kill(os.getpid(), signal.SIGINT)

        expect(KeyboardInterrupt, model.generate, 1, steps=20, progress=progress)
        assert 2 <= len(calls) < 20, calls
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the SIGINT handler was not restored"


def test_close_waits_for_calls_in_flight():
    model = latentdiff.Model(MODEL)
    started, release = threading.Event(), threading.Event()
    results, errors = [], []

    def progress(step, total):
        if step == 1:
            started.set()
            release.wait(10)

    def run():
        try:
            results.append(model.generate(2, steps=6, progress=progress))
        except BaseException as error:  # reported below
            errors.append(error)

    caller = threading.Thread(target=run)
    caller.start()
    assert started.wait(10)
    closer = threading.Thread(target=model.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive(), "close() returned while a call was in flight"
    assert model.closed
    expect(ValueError, model.generate, 1)  # no new calls once closing has begun
    release.set()
    caller.join(10)
    closer.join(10)
    assert not closer.is_alive() and not errors, errors
    assert results[0].shape == (2,) + model.image_shape
    expect(ValueError, model.sample, 1)
    model.close()  # idempotent


def test_close_inside_its_own_callback_is_refused():
    with latentdiff.Model(MODEL) as model:
        error = expect(RuntimeError, model.generate, 1, steps=4, progress=lambda step, total: model.close())
        assert "progress callback" in str(error)
        assert not model.closed


def test_threads_share_a_model():
    with latentdiff.Model(MODEL) as model:
        expected = model.generate(3, seed=9, steps=6, threads=1)
        results = [None] * 4

        def run(k):
            results[k] = model.generate(3, seed=9, steps=6, threads=1)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for result in results:
            assert np.array_equal(result, expected)


def test_sample_noise_reproduces_sampling():
    with latentdiff.Model(MODEL) as model:
        noise = model.sample_noise(seed=4, count=3, first_index=2)
        assert noise.shape == (3,) + model.latent_shape and noise.dtype == np.float32
        assert np.array_equal(model.sample_noise(4, 1, first_index=3)[0], noise[1]), "noise is keyed by index"
        for sampler in ["dpm++", "ddpm", "euler-a"]:
            plain = model.sample(3, seed=4, first_index=2, steps=5, sampler=sampler)
            given = model.sample(3, seed=4, first_index=2, steps=5, sampler=sampler, init_noise=noise)
            assert np.array_equal(given, plain), sampler
        other = model.generate(3, seed=4, first_index=2, steps=5, init_noise=-noise.astype(np.float64))
        assert not np.array_equal(other, model.generate(3, seed=4, first_index=2, steps=5))
        expect(latentdiff.InvalidArgument, model.sample, 3, init_noise=np.full_like(noise, np.nan))
        expect(latentdiff.InvalidArgument, model.sample, 2, init_noise=noise)
        expect(latentdiff.InvalidArgument, model.sample_noise, 4, 0)


def test_img2img_strength_ends():
    with latentdiff.Model(MODEL) as model:
        image = model.generate(1, seed=1, steps=6)[0]
        plain = model.generate(3, seed=9, steps=6)
        assert np.array_equal(model.generate(3, seed=9, steps=6, init=image, strength=1.0), plain)
        redecoded = model.decode(model.encode(image[None]))
        none = model.generate(2, seed=9, steps=6, init=image, strength=0.0)
        assert np.array_equal(none[0], redecoded[0]) and np.array_equal(none[1], redecoded[0])
        half = model.generate(2, seed=9, steps=6, init=np.stack([image, image]), strength=0.5)
        assert not np.array_equal(half[0], half[1]) and not np.array_equal(half[0], redecoded[0])
        latents = model.sample(2, seed=9, steps=6, init=image, strength=0.5)
        assert np.array_equal(model.decode(latents), half), "generate = sample + decode for edits too"


def test_inpaint_keeps_unmasked_pixels():
    with latentdiff.Model(MODEL) as model:
        image = model.generate(1, seed=2, steps=6)[0]
        h, w = model.image_shape[:2]
        mask = np.zeros((h, w), dtype=bool)
        mask[h // 4:h - h // 4, w // 4:w - w // 4] = True
        out = model.generate(2, seed=5, steps=6, init=image, mask=mask)
        far = np.ones((h, w), dtype=bool)
        far[h // 4 - 2:h - h // 4 + 2, w // 4 - 2:w - w // 4 + 2] = False
        for k in range(2):
            assert np.abs(out[k].astype(int) - image.astype(int))[far].max() <= 1, "kept pixels changed"
            assert (out[k] != image)[mask].sum() > mask.sum() // 4, "the masked square is not redrawn"
        assert np.array_equal(model.generate(2, seed=5, steps=6, init=image, mask=mask.astype(np.uint8) * 255), out)


def test_edit_arguments_checked():
    with latentdiff.Model(MODEL) as model:
        image = np.zeros(model.image_shape, dtype=np.uint8)
        mask = np.full(model.image_shape[:2], 255, dtype=np.uint8)
        expect(latentdiff.InvalidArgument, model.generate, 1, mask=mask)
        expect(latentdiff.InvalidArgument, model.generate, 1, init=image, strength=1.5)
        expect(latentdiff.InvalidArgument, model.generate, 1, strength=0.5)
        expect(latentdiff.InvalidArgument, model.generate, 1, init=image[:-1])
        expect(latentdiff.InvalidArgument, model.generate, 1, init=image, mask=mask[:-1])
        expect(latentdiff.InvalidArgument, model.generate, 1, init=image.astype(np.float32))
    pca = os.path.join(ROOT, "models", "pca2d.safetensors")
    if os.path.exists(pca):
        with latentdiff.Model(pca) as model:
            image = np.zeros(model.image_shape, dtype=np.uint8)
            model.generate(1, steps=4, init=image, strength=0.5)
            error = expect(latentdiff.Unsupported, model.generate, 1, steps=4, init=image,
                           mask=np.full(model.image_shape[:2], 255, dtype=np.uint8))
            assert "vector latents" in error.message


def test_png_round_trip():
    with latentdiff.Model(MODEL) as model, tempfile.TemporaryDirectory() as work:
        images = model.generate(4, seed=2, steps=4)
        path = os.path.join(work, "one.png")
        latentdiff.write_png(path, images[0])
        assert np.array_equal(latentdiff.read_png(path), images[0])
        gray = latentdiff.read_png(path, channels=3)
        assert gray.shape == images[0].shape[:2] + (3,)
        grid = os.path.join(work, "grid.png")
        latentdiff.write_grid_png(grid, images, columns=2)
        h, w, c = model.image_shape
        read = latentdiff.read_png(grid)
        assert read.shape[2] == c and 2 * h <= read.shape[0] < 2 * h + 8 and 2 * w <= read.shape[1] < 2 * w + 8
        expect(ValueError, latentdiff.write_grid_png, grid, images[0])
        expect(ValueError, latentdiff.write_png, path, images.astype(np.float32)[0])


def test_defaults_and_class_names():
    with latentdiff.Model(MODEL) as model:
        assert model.default_sampler in latentdiff.SAMPLERS and 1 <= model.default_steps <= model.timesteps
        assert 0 <= model.default_guidance <= 100
        assert len(model.class_names) == model.class_count and all(model.class_names)
        if model.dataset == "mnist" and model.class_count == 10:
            assert model.class_names == tuple(str(digit) for digit in range(10))
        info = model.info
        assert info["class_names"] == model.class_names and info["dataset"] == model.dataset
        assert info["defaults"] == {"guidance": model.default_guidance, "steps": model.default_steps,
                                    "sampler": model.default_sampler, "spacing": model.default_spacing,
                                    "guidance_interval": model.default_guidance_interval,
                                    "guidance_rescale": model.default_guidance_rescale,
                                    "autoguidance": model.default_autoguidance}
        assert info["has_guide"] is model.has_guide
        assert model.default_spacing in latentdiff.SPACINGS
        # Not given: the model's defaults (steps given, to keep it quick).
        labels = labels_for(model, 2)
        implicit = model.generate(2, seed=3, labels=labels, steps=3)
        explicit = model.generate(2, seed=3, labels=labels, steps=3, sampler=model.default_sampler,
                                  guidance=model.default_guidance)
        assert np.array_equal(implicit, explicit)


def test_shipped_defaults():
    if not os.path.exists(SHIPPED):
        raise unittest.SkipTest(f"{SHIPPED} not present")
    if os.environ.get("LATENTDIFF_TEST_SKIP_SHIPPED") == "1":
        raise unittest.SkipTest("LATENTDIFF_TEST_SKIP_SHIPPED=1")
    with latentdiff.Model(SHIPPED) as model:
        assert (model.default_guidance, model.default_steps, model.default_sampler) == (1.5, 20, "dpm++")
        assert model.info["defaults"]["guidance"] == 1.5
        assert model.class_names == tuple("0123456789")
        implicit = model.generate(1, seed=5, labels=[4], steps=2)
        assert np.array_equal(implicit, model.generate(1, seed=5, labels=[4], steps=2, guidance=1.5))
        assert not np.array_equal(implicit, model.generate(1, seed=5, labels=[4], steps=2, guidance=2.0))


def test_settings_json():
    import json
    with latentdiff.Model(MODEL) as model:
        labels = labels_for(model, 2)
        settings = json.loads(model.settings_json(2, seed=2 ** 64 - 1, labels=labels, sampler="ddim", steps=7,
                                                  eta=0.25, guidance=1.5, first_index=9))
        assert settings["library_version"] == latentdiff.version()
        assert settings["model"]["dataset"] == model.dataset and settings["model"]["timesteps"] == model.timesteps
        assert (settings["sampler"], settings["steps"], settings["eta"], settings["guidance"]) == ("ddim", 7, 0.25, 1.5)
        assert settings["seed"] == 2 ** 64 - 1 and settings["first_index"] == 9 and settings["count"] == 2
        if labels:
            assert settings["labels"] == labels and settings["class_names"] == [model.class_names[7]] * 2
        defaults = json.loads(model.settings_json(1))
        assert (defaults["sampler"], defaults["steps"], defaults["guidance"]) == (
            model.default_sampler, model.default_steps, model.default_guidance)
        assert (defaults["spacing"], defaults["guidance_interval"], defaults["guidance_rescale"]) == ("logsnr", None, 0)
        chosen = json.loads(model.settings_json(1, sampler="heun", guidance=2.0, guidance_interval=(0.3, 5),
                                                guidance_rescale=0.7))
        assert (chosen["sampler"], chosen["spacing"]) == ("heun", "karras"), "heun's own spacing"
        assert chosen["guidance_interval"] == [0.3, 5] and chosen["guidance_rescale"] == 0.7
        assert json.loads(model.settings_json(1, spacing="trailing"))["spacing"] == "trailing"
        expect(ValueError, model.settings_json, 1, guidance_rescale=2.0)
        expect(ValueError, model.settings_json, 1, steps=0)
        expect(ValueError, model.settings_json, 0)


def test_encode_png():
    with tempfile.TemporaryDirectory() as work:
        image = (np.arange(5 * 3 * 3) * 37 % 256).astype(np.uint8).reshape(5, 3, 3)
        png = latentdiff.encode_png(image, text={"parameters": '{"steps":20}', "Software": "LatentDiff"})
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"tEXtparameters\x00{\"steps\":20}" in png
        path = os.path.join(work, "memory.png")
        with open(path, "wb") as f:
            f.write(png)
        assert np.array_equal(latentdiff.read_png(path), image)
        latentdiff.write_png(path, image)
        with open(path, "rb") as f:
            assert f.read() == latentdiff.encode_png(image), "encode_png is what write_png writes"
        gray = latentdiff.encode_png(image[:, :, 0])
        with open(path, "wb") as f:
            f.write(gray)
        assert np.array_equal(latentdiff.read_png(path)[:, :, 0], image[:, :, 0])
        expect(ValueError, latentdiff.encode_png, image, text={"": "empty keyword"})
        expect(ValueError, latentdiff.encode_png, image, text={"key": 3})
        expect(ValueError, latentdiff.encode_png, image.astype(np.float32))
        expect(ValueError, latentdiff.encode_png, np.zeros((2, 2, 5), np.uint8))


def test_check_dataset():
    mnist = os.path.join(ROOT, "Tests", "Fixtures", "mnist")
    assert latentdiff.check_dataset(mnist, "mnist", "train") > 0
    assert latentdiff.check_dataset(mnist, "mnist", "test") > 0
    expect(latentdiff.InvalidArgument, latentdiff.check_dataset, mnist, "svhn")
    expect(ValueError, latentdiff.check_dataset, mnist, "mnist", "validation")
    expect(OSError, latentdiff.check_dataset, os.path.join(ROOT, "no-such-directory"), "mnist")


def test_shipped_model():
    if not os.path.exists(SHIPPED):
        raise unittest.SkipTest(f"{SHIPPED} not present")
    if os.environ.get("LATENTDIFF_TEST_SKIP_SHIPPED") == "1":
        raise unittest.SkipTest("LATENTDIFF_TEST_SKIP_SHIPPED=1 (valgrind: a minute for this test alone)")
    with latentdiff.Model(SHIPPED) as model:
        assert model.image_shape == (28, 28, 1) and model.class_count == 10
        images = model.generate(2, seed=42, labels=[3, 8], guidance=2.0, steps=10)
        assert images.shape == (2, 28, 28, 1) and images.std() > 10


if __name__ == "__main__":
    sys.exit("run with pytest, or through bindings/python/test_latentdiff.py")
