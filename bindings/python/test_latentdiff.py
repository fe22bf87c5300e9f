"""The Python binding against the C ABI: generate with a seed from Python and from C (the
generate example writes its pixels with --raw) and compare the bytes; errors become exceptions.
Run: python3 bindings/python/test_latentdiff.py [MODEL] (after `make -C examples-c all`)."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import latentdiff  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "Fixtures", "models", "tiny-mnist.safetensors")


def main():
    print("LatentDiff", latentdiff.version())
    with latentdiff.load(MODEL) as model:
        h, w, c = model.image_shape
        print(f"{model.codec_kind} model, images {w}x{h}x{c}, latent {model.latent_shape}, {model.class_count} classes")
        labels = [7] * 16 if model.class_count else None
        images = model.generate(16, seed=42, labels=labels, guidance=2.0 if labels else 1.0)
        python_bytes = images.tobytes() if hasattr(images, "tobytes") else images
        assert len(python_bytes) == 16 * h * w * c

        with tempfile.TemporaryDirectory() as work:
            raw = os.path.join(work, "c.raw")
            generate = os.path.join(ROOT, "examples-c", "build", "generate")
            subprocess.run([generate, MODEL, "7", os.path.join(work, "grid.png"), raw], check=True, stdout=subprocess.DEVNULL)
            with open(raw, "rb") as f:
                c_bytes = f.read()
            assert c_bytes == python_bytes, "Python and C generated different bytes for the same seed"
            print("Python and C generate identical bytes for seed 42")

            latents = model.sample(4, seed=3, steps=10)
            decoded = model.decode(latents, 4)
            assert len(decoded.tobytes() if hasattr(decoded, "tobytes") else decoded) == 4 * h * w * c
            latentdiff.write_png(os.path.join(work, "grid2.png"), images, width=w, height=h, channels=c, count=16)
            assert os.path.getsize(os.path.join(work, "grid2.png")) > 0

        calls = []
        try:
            model.generate(2, sampler="ddim", steps=10, progress=lambda step, total: calls.append(step) or step >= 3)
            raise AssertionError("cancelling did not raise")
        except latentdiff.LatentDiffError as error:
            assert error.name == "LD_ERR_CANCELLED", error
        assert calls == [1, 2, 3], calls

        for bad in (lambda: model.generate(0), lambda: model.sample(1, steps=0), lambda: model.generate(1, labels=[99])):
            try:
                bad()
                raise AssertionError("a bad call did not raise")
            except latentdiff.LatentDiffError as error:
                assert error.name == "LD_ERR_INVALID_ARGUMENT", error
    try:
        latentdiff.load("/nonexistent/model.safetensors")
        raise AssertionError("loading a missing file did not raise")
    except latentdiff.LatentDiffError as error:
        assert error.name == "LD_ERR_IO" and "nonexistent" in str(error), error
    print("python binding: all checks passed")


if __name__ == "__main__":
    main()
