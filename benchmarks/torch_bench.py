"""Times LatentDiff's benchmark workloads in PyTorch (CPU, eager) on random inputs.

    benchmarks/.venv/bin/python benchmarks/torch_bench.py --threads 1 --json [--workload NAME ...] [--quick]

With --json, one JSON object per line per workload:
    {"workload", "threads", "unit", "median", "min", "max", "gflops"}
median/min/max are over the timed repetitions (throughput units: items/s of each repetition;
"ms": milliseconds of each repetition). gflops is the achieved GFLOP/s at the median, counting
multiply-adds of convolutions, linear layers and attention matmuls as 2 FLOPs and a backward pass
as 2x its forward pass (so a training step is 3x the forward FLOPs). Element-wise work (norms,
activations, the optimizer) is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Callable

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import (  # noqa: E402
    Attention, ConvVAE, LinearSchedule, UNet, ddim_sample, dpm_solver_pp_2m_sample, unet_eps_fn)

CLASSES = 10
LABEL_DROP = 0.1  # classifier-free guidance: labels dropped to "no class" during training
LR_LATENT = 2e-4

WORKLOADS = [
    "vae-train-mnist",
    "vae-train-cifar10",
    "unet-train-mnist",
    "unet-train-cifar10",
    "unet-step-64",
    "ddim50-64-mnist",
    "dpm20-1-mnist",
    "pixel-train-cifar10",
]


# --------------------------------------------------------------------------------------------
# FLOP counting (forward pass), by module hooks
# --------------------------------------------------------------------------------------------


class FlopCounter:
    """Counts forward FLOPs of Conv2d, Linear and the two attention matmuls (2 per multiply-add)
    of every module call inside the `with` block."""

    def __init__(self) -> None:
        self.flops = 0
        self._handle = None

    def _hook(self, module: nn.Module, inputs, output) -> None:
        if isinstance(module, nn.Conv2d):
            b, cout, ho, wo = output.shape
            kh, kw = module.kernel_size
            self.flops += 2 * b * cout * ho * wo * (module.in_channels // module.groups) * kh * kw
        elif isinstance(module, nn.Linear):
            rows = output.numel() // module.out_features
            self.flops += 2 * rows * module.in_features * module.out_features
        elif isinstance(module, Attention):
            b, c, h, w = output.shape
            n = h * w
            self.flops += 2 * 2 * b * c * n * n  # q^T k and attn v, over all heads

    def __enter__(self) -> "FlopCounter":
        self._handle = torch.nn.modules.module.register_module_forward_hook(self._hook)
        return self

    def __exit__(self, *exc) -> None:
        self._handle.remove()


# --------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------


class Workload:
    def __init__(self, name: str, unit: str, items: int, run: Callable[[], None], flops: int):
        self.name, self.unit, self.items, self.run, self.flops = name, unit, items, run, flops


def make_adamw(params, lr: float) -> tuple[torch.optim.Optimizer, str]:
    """AdamW (betas (0.9, 0.999), weight decay 0), the fastest CPU implementation available."""
    params = list(params)
    for kind in ("fused", "foreach"):
        try:
            return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), weight_decay=0.0, **{kind: True}), kind
        except (RuntimeError, TypeError, ValueError):
            continue
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), weight_decay=0.0), "for-loop"


def random_labels(batch: int, drop: float = LABEL_DROP) -> torch.Tensor:
    labels = torch.randint(0, CLASSES, (batch,))
    return torch.where(torch.rand(batch) < drop, torch.full_like(labels, -1), labels)


def training_workload(name: str, unit: str, batch: int, model: nn.Module, loss_fn: Callable[[], torch.Tensor],
                      lr: float) -> Workload:
    model.train()
    optimizer, _ = make_adamw(model.parameters(), lr)

    def run() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        optimizer.step()

    with torch.no_grad(), FlopCounter() as counter:
        loss_fn()
    return Workload(name, unit, batch, run, 3 * counter.flops)  # backward = 2x forward


def vae_train(name: str, channels: int, size: int, batch: int = 128) -> Workload:
    vae = ConvVAE(channels)
    x = torch.rand(batch, channels, size, size) * 2 - 1  # images in [-1, 1]
    return training_workload(name, "images/s", batch, vae, lambda: vae.loss(x), LR_LATENT)


def diffusion_train(name: str, unit: str, shape: tuple[int, int, int], batch: int = 128) -> Workload:
    """Epsilon loss: x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, t uniform in [0, 1000)."""
    schedule = LinearSchedule()
    model = UNet(shape[0], classes=CLASSES)
    x0 = torch.randn(batch, *shape) if unit == "latents/s" else torch.rand(batch, *shape) * 2 - 1
    abar = schedule.abar_tensor

    def loss_fn() -> torch.Tensor:
        t = torch.randint(0, schedule.T, (batch,))
        eps = torch.randn_like(x0)
        a = abar[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        return torch.nn.functional.mse_loss(model(xt, t, random_labels(batch)), eps)

    return training_workload(name, unit, batch, model, loss_fn, LR_LATENT)


def unet_step(name: str, batch: int = 64, shape: tuple[int, int, int] = (4, 8, 8)) -> Workload:
    model = UNet(shape[0], classes=CLASSES).eval()
    x = torch.randn(batch, *shape)
    t = torch.full((batch,), 500, dtype=torch.long)
    labels = torch.randint(0, CLASSES, (batch,))

    def run() -> None:
        with torch.inference_mode():
            model(x, t, labels)

    with torch.inference_mode(), FlopCounter() as counter:
        model(x, t, labels)
    return Workload(name, "ms", batch, run, counter.flops)


def generation(name: str, unit: str, sampler: str, steps: int, batch: int) -> Workload:
    """MNIST latents (4, 7, 7): `steps` sampler steps (one U-Net call each, guidance scale 1),
    then the conv VAE decodes to 1x28x28."""
    schedule = LinearSchedule()
    unet = UNet(4, classes=CLASSES).eval()
    vae = ConvVAE(1).eval()
    labels = torch.randint(0, CLASSES, (batch,))
    eps_fn = unet_eps_fn(unet, labels)

    def generate() -> torch.Tensor:
        x = torch.randn(batch, 4, 7, 7)
        if sampler == "ddim":
            z = ddim_sample(eps_fn, x, schedule, steps, eta=0.0)
        else:
            z = dpm_solver_pp_2m_sample(eps_fn, x, schedule, steps)
        return vae.decode_latents(z, (28, 28))

    def run() -> None:
        with torch.inference_mode():
            generate()

    with torch.inference_mode(), FlopCounter() as counter:
        generate()
    return Workload(name, unit, batch, run, counter.flops)


def make_workload(name: str) -> Workload:
    if name == "vae-train-mnist":
        return vae_train(name, 1, 28)
    if name == "vae-train-cifar10":
        return vae_train(name, 3, 32)
    if name == "unet-train-mnist":
        return diffusion_train(name, "latents/s", (4, 7, 7))
    if name == "unet-train-cifar10":
        return diffusion_train(name, "latents/s", (4, 8, 8))
    if name == "unet-step-64":
        return unet_step(name)
    if name == "ddim50-64-mnist":
        return generation(name, "images/s", "ddim", 50, 64)
    if name == "dpm20-1-mnist":
        return generation(name, "ms", "dpm", 20, 1)
    if name == "pixel-train-cifar10":
        return diffusion_train(name, "images/s", (3, 32, 32))
    raise ValueError(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}")


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def time_workload(w: Workload, warmup: int, reps: int) -> dict:
    for _ in range(warmup):
        w.run()
    seconds = []
    for _ in range(reps):
        start = time.perf_counter()
        w.run()
        seconds.append(time.perf_counter() - start)
    median_s = statistics.median(seconds)
    if w.unit == "ms":
        values = [s * 1e3 for s in seconds]
    else:
        values = [w.items / s for s in seconds]
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "gflops": w.flops / median_s / 1e9 if w.flops else None,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--workload", action="append", choices=WORKLOADS + ["all"],
                        help="workload to run (repeatable; default all)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs (default 2)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 warm-up, 1 repetition")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    if args.threads < 1:
        parser.error("--threads must be at least 1")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    reps, warmup = (1, 1) if args.quick else (max(1, args.reps), max(0, args.warmup))
    names = WORKLOADS if not args.workload or "all" in args.workload else args.workload

    if not args.json:
        _, impl = make_adamw([nn.Parameter(torch.zeros(1))], 1e-3)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), AdamW {impl}, "
              f"warm-up {warmup}, repetitions {reps}")
        print(f"{'workload':22s} {'unit':10s} {'median':>10s} {'min':>10s} {'max':>10s} {'GFLOP/s':>8s} {'GFLOP/run':>9s}")
    for name in names:
        w = make_workload(name)
        r = time_workload(w, warmup, reps)
        if args.json:
            print(json.dumps({"workload": name, "threads": args.threads, "unit": w.unit,
                              "median": round(r["median"], 4), "min": round(r["min"], 4),
                              "max": round(r["max"], 4),
                              "gflops": None if r["gflops"] is None else round(r["gflops"], 3)}), flush=True)
        else:
            g = "-" if r["gflops"] is None else f"{r['gflops']:.2f}"
            print(f"{name:22s} {w.unit:10s} {r['median']:10.2f} {r['min']:10.2f} {r['max']:10.2f} {g:>8s} "
                  f"{w.flops / 1e9:9.3f}", flush=True)


if __name__ == "__main__":
    main()
