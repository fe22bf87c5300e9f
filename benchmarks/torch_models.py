"""PyTorch reference of LatentDiff's default networks and samplers, for benchmarking only.

The networks follow docs/architectures.md exactly (layout NCHW, GroupNorm with 8 groups, eps 1e-5,
affine; SiLU; conv3 = 3x3 convolution with padding 1 and bias; conv1 = 1x1 convolution with bias):

- ResBlock, Attention (heads = max(1, c / 32)), Down (stride-2 conv3, output ceil(H / 2)),
  Up (nearest-neighbour to an explicit size, then conv3), sinusoidal time embedding + MLP,
  class embedding with a last "no class" row;
- ConvVAE (widths (32, 64), 4 latent channels), MLPVAE, UNet (widths (48, 96), attention at the
  lowest level; with C = 4 the latent denoiser, with C = 1 or 3 the pixel-space U-Net), MLPDenoiser;
- the linear-beta schedule (T = 1000, betas 1e-4 .. 0.02) and two samplers with epsilon prediction:
  DDIM (eta) and DPM-Solver++(2M).

`python torch_models.py` prints the parameter count of every network.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

GROUPS = 8


def group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(GROUPS, channels, eps=1e-5, affine=True)


def conv3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=True)


def conv1(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, bias=True)


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


class ResBlock(nn.Module):
    """h = conv3(SiLU(GN(x))); h += Linear(E -> cout)(SiLU(e)) per channel (if conditioned);
    h = conv3(dropout(SiLU(GN(h)))); out = skip(x) + h, skip = conv1 when cin != cout."""

    def __init__(self, cin: int, cout: int, emb_dim: int | None = None, dropout: float = 0.0):
        super().__init__()
        self.norm1 = group_norm(cin)
        self.conv1 = conv3(cin, cout)
        self.emb = nn.Linear(emb_dim, cout) if emb_dim is not None else None
        self.norm2 = group_norm(cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = conv3(cout, cout)
        self.skip = conv1(cin, cout) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        if self.emb is not None and e is not None:
            h = h + self.emb(F.silu(e))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Attention(nn.Module):
    """Multi-head self-attention over the H*W positions, heads = max(1, c / 32).
    q, k, v = conv1(GN(x)) (c -> 3c, in that order; head i takes channels [i*d, (i+1)*d) of each,
    d = c / heads); softmax(q^T k / sqrt(d)) per head; out = x + conv1(attn) (c -> c)."""

    def __init__(self, c: int):
        super().__init__()
        self.c = c
        self.heads = max(1, c // 32)
        assert c % self.heads == 0
        self.norm = group_norm(c)
        self.qkv = conv1(c, 3 * c)
        self.proj = conv1(c, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        n, heads, d = h * w, self.heads, c // self.heads
        qkv = self.qkv(self.norm(x)).reshape(b, 3, heads, d, n)
        # (B, heads, N, d) for q, k, v
        q, k, v = (qkv[:, i].transpose(-1, -2) for i in range(3))
        a = F.scaled_dot_product_attention(q, k, v)  # softmax(q k^T / sqrt(d)) v
        a = a.transpose(-1, -2).reshape(b, c, h, w)
        return x + self.proj(a)


class Down(nn.Module):
    """conv3 with stride 2 (c -> c): output size ceil(H / 2) (28 -> 14 -> 7, 7 -> 4, 8 -> 4)."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = conv3(c, c, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Up(nn.Module):
    """Nearest-neighbour upsampling to an explicit size (the skip connection's), then conv3.
    Source index floor(i * in / out) (PyTorch 'nearest'): 4 -> 7 reads rows 0 0 1 1 2 2 3."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = conv3(c, c)

    def forward(self, x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        return self.conv(F.interpolate(x, size=tuple(size), mode="nearest"))


def sinusoidal(t: torch.Tensor, dim: int) -> torch.Tensor:
    """(B,) timesteps -> (B, dim): [sin(t f_i), cos(t f_i)], f_i = exp(-ln(10000) i / (dim / 2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class TimeEmbedding(nn.Module):
    """sinusoidal(t, w0) -> Linear(w0 -> 4 w0) -> SiLU -> Linear(4 w0 -> 4 w0), plus an
    Embedding(classes + 1, 4 w0) row for the class (the last row is "no class")."""

    def __init__(self, w0: int, classes: int = 0):
        super().__init__()
        self.w0 = w0
        self.lin1 = nn.Linear(w0, 4 * w0)
        self.lin2 = nn.Linear(4 * w0, 4 * w0)
        self.classes = classes
        self.label = nn.Embedding(classes + 1, 4 * w0) if classes > 0 else None

    def forward(self, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        e = self.lin2(F.silu(self.lin1(sinusoidal(t, self.w0))))
        if self.label is not None:
            if labels is None:
                labels = torch.full_like(t, self.classes, dtype=torch.long)
            else:
                labels = torch.where(labels < 0, torch.full_like(labels, self.classes), labels)
            e = e + self.label(labels)
        return e


# --------------------------------------------------------------------------------------------
# Codecs
# --------------------------------------------------------------------------------------------


class ConvVAE(nn.Module):
    """`vae-cnn`: widths (w0, w1) = (32, 64), latent channels 4; 28 -> 7 (MNIST), 32 -> 8 (CIFAR-10)."""

    def __init__(self, channels: int, widths: tuple[int, int] = (32, 64), latent: int = 4, beta: float = 1e-4):
        super().__init__()
        w0, w1 = widths
        self.beta = beta
        self.enc_in = conv3(channels, w0)
        self.enc_res0 = ResBlock(w0, w0)
        self.enc_down0 = Down(w0)
        self.enc_res1 = ResBlock(w0, w1)
        self.enc_down1 = Down(w1)
        self.enc_res2 = ResBlock(w1, w1)
        self.enc_norm = group_norm(w1)
        self.enc_out = conv3(w1, 2 * latent)

        self.dec_in = conv3(latent, w1)
        self.dec_res0 = ResBlock(w1, w1)
        self.dec_up0 = Up(w1)
        self.dec_res1 = ResBlock(w1, w0)
        self.dec_up1 = Up(w0)
        self.dec_res2 = ResBlock(w0, w0)
        self.dec_norm = group_norm(w0)
        self.dec_out = conv3(w0, channels)
        # latents are divided by their training-set standard deviation (stored in the model)
        self.register_buffer("latent_std", torch.ones(()))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.enc_res0(self.enc_in(x))
        h = self.enc_res1(self.enc_down0(h))
        h = self.enc_res2(self.enc_down1(h))
        mean, logvar = self.enc_out(F.silu(self.enc_norm(h))).chunk(2, dim=1)
        return mean, logvar

    def decode(self, z: torch.Tensor, image_size: Sequence[int]) -> torch.Tensor:
        h_out, w_out = image_size
        mid = (-(-h_out // 2), -(-w_out // 2))  # the encoder's ceil(H / 2)
        h = self.dec_res0(self.dec_in(z))
        h = self.dec_res1(self.dec_up0(h, mid))
        h = self.dec_res2(self.dec_up1(h, (h_out, w_out)))
        return self.dec_out(F.silu(self.dec_norm(h)))

    def decode_latents(self, z: torch.Tensor, image_size: Sequence[int]) -> torch.Tensor:
        """Decodes diffusion latents (scaled to unit standard deviation)."""
        return self.decode(z * self.latent_std, image_size)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """MSE over all pixel values + beta * mean over batch and latent elements of
        0.5 (mu^2 + exp(logvar) - 1 - logvar)."""
        mean, logvar = self.encode(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        recon = self.decode(z, x.shape[-2:])
        kl = 0.5 * (mean.square() + logvar.exp() - 1.0 - logvar).mean()
        return F.mse_loss(recon, x) + self.beta * kl


class MLPVAE(nn.Module):
    """`vae-mlp`: D -> 512 -> 256 -> 2d (mean, log-variance); d -> 256 -> 512 -> D; d = 32."""

    def __init__(self, image_dim: int, latent: int = 32, beta: float = 1e-4):
        super().__init__()
        self.beta = beta
        self.encoder = nn.Sequential(
            nn.Linear(image_dim, 512), nn.SiLU(), nn.Linear(512, 256), nn.SiLU(), nn.Linear(256, 2 * latent))
        self.decoder = nn.Sequential(
            nn.Linear(latent, 256), nn.SiLU(), nn.Linear(256, 512), nn.SiLU(), nn.Linear(512, image_dim))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1)
        mean, logvar = self.encoder(flat).chunk(2, dim=1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        kl = 0.5 * (mean.square() + logvar.exp() - 1.0 - logvar).mean()
        return F.mse_loss(self.decoder(z), flat) + self.beta * kl


# --------------------------------------------------------------------------------------------
# Denoisers
# --------------------------------------------------------------------------------------------


class UNet(nn.Module):
    """Widths (w0, w1) = (48, 96), one ResBlock per level, attention at the lowest level,
    embedding E = 4 w0; every ResBlock takes the time (+ class) embedding.

        x -> conv3 (C -> w0) -> ResBlock(w0, w0) = s0 -> Down(w0)
          -> ResBlock(w0, w1), Attention(w1) = s1
          -> ResBlock(w1, w1), Attention(w1), ResBlock(w1, w1)
          -> concat(h, s1) -> ResBlock(2 w1, w1), Attention(w1)
          -> Up(w1, size of s0) -> concat(h, s0) -> ResBlock(w1 + w0, w0)
          -> GN, SiLU, conv3 (w0 -> C)
    """

    def __init__(self, channels: int, widths: tuple[int, int] = (48, 96), classes: int = 10, dropout: float = 0.0):
        super().__init__()
        w0, w1 = widths
        e = 4 * w0
        self.embed = TimeEmbedding(w0, classes)
        self.conv_in = conv3(channels, w0)
        self.res0 = ResBlock(w0, w0, e, dropout)
        self.down = Down(w0)
        self.res1 = ResBlock(w0, w1, e, dropout)
        self.attn1 = Attention(w1)
        self.mid_res1 = ResBlock(w1, w1, e, dropout)
        self.mid_attn = Attention(w1)
        self.mid_res2 = ResBlock(w1, w1, e, dropout)
        self.up_res1 = ResBlock(2 * w1, w1, e, dropout)
        self.up_attn1 = Attention(w1)
        self.up = Up(w1)
        self.up_res0 = ResBlock(w1 + w0, w0, e, dropout)
        self.norm_out = group_norm(w0)
        self.conv_out = conv3(w0, channels)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        e = self.embed(t, labels)
        h = self.conv_in(x)
        s0 = self.res0(h, e)
        h = self.down(s0)
        s1 = self.attn1(self.res1(h, e))
        h = self.mid_res2(self.mid_attn(self.mid_res1(s1, e)), e)
        h = self.up_attn1(self.up_res1(torch.cat([h, s1], dim=1), e))
        h = self.up(h, s0.shape[-2:])
        h = self.up_res0(torch.cat([h, s0], dim=1), e)
        return self.conv_out(F.silu(self.norm_out(h)))


class MLPDenoiser(nn.Module):
    """Vector latents (`pca`, `vae-mlp`): hidden width W = 256 (128 for PCA-2D), 3 blocks, E = W.
    x -> Linear(d, W); block: h = h + Linear(W, W)(SiLU(Linear(W, W)(LN(h)) + Linear(E, W)(SiLU(e))));
    out = Linear(W, d)(SiLU(LN(h))). The time embedding is the shared one with w0 = E / 4."""

    def __init__(self, dim: int, width: int = 256, blocks: int = 3, classes: int = 10):
        super().__init__()
        assert width % 4 == 0
        self.embed = TimeEmbedding(width // 4, classes)
        self.inp = nn.Linear(dim, width)
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(blocks))
        self.lin_a = nn.ModuleList(nn.Linear(width, width) for _ in range(blocks))
        self.lin_e = nn.ModuleList(nn.Linear(width, width) for _ in range(blocks))
        self.lin_b = nn.ModuleList(nn.Linear(width, width) for _ in range(blocks))
        self.norm_out = nn.LayerNorm(width)
        self.out = nn.Linear(width, dim)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        e = F.silu(self.embed(t, labels))
        h = self.inp(x)
        for norm, a, le, b in zip(self.norms, self.lin_a, self.lin_e, self.lin_b):
            h = h + b(F.silu(a(norm(h)) + le(e)))
        return self.out(F.silu(self.norm_out(h)))


# --------------------------------------------------------------------------------------------
# Schedule and samplers (epsilon prediction)
# --------------------------------------------------------------------------------------------


def round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


class LinearSchedule:
    """T = 1000, betas linear from 1e-4 to 0.02 (scaled by 1000 / T); abar_t = prod (1 - beta_s)."""

    def __init__(self, timesteps: int = 1000):
        self.T = timesteps
        scale = 1000.0 / timesteps
        start, end = scale * 1e-4, scale * 0.02
        abar, product = [], 1.0
        for t in range(timesteps):
            product *= 1.0 - (start + (end - start) * t / (timesteps - 1))
            abar.append(product)
        self.alphas_cumprod = abar  # Python floats (double precision)
        self.abar_tensor = torch.tensor(abar, dtype=torch.float32)

    def scales(self, t: int) -> tuple[float, float]:
        """(alpha, sigma) = (sqrt(abar_t), sqrt(1 - abar_t)); t = -1 is clean data (1, 0)."""
        abar = 1.0 if t < 0 else self.alphas_cumprod[min(t, self.T - 1)]
        return math.sqrt(abar), math.sqrt(1.0 - abar)

    def ddim_timesteps(self, steps: int) -> list[int]:
        """Evenly spaced from T - 1 down to 0."""
        n = max(1, min(steps, self.T))
        if n == 1:
            return [self.T - 1]
        return [round_half_up((self.T - 1) * (n - 1 - i) / (n - 1)) for i in range(n)]

    def logsnr_timesteps(self, steps: int) -> list[int]:
        """Uniform in lambda = log(alpha / sigma) from lambda_{T-1} to lambda_0, each target rounded
        to the nearest discrete t, repeats merged."""
        n = max(1, min(steps, self.T))
        if n == 1:
            return [self.T - 1]
        lambdas = [0.5 * math.log(a / (1.0 - a)) for a in self.alphas_cumprod]
        first, last = lambdas[-1], lambdas[0]
        result: list[int] = []
        t = self.T - 1
        for i in range(n):
            target = first + (last - first) * i / (n - 1)
            while t > 0 and abs(lambdas[t - 1] - target) <= abs(lambdas[t] - target):
                t -= 1
            if not result or result[-1] != t:
                result.append(t)
        return result


EpsFn = Callable[[torch.Tensor, int], torch.Tensor]  # (x_t, t) -> predicted noise


def ddim_sample(eps_fn: EpsFn, x: torch.Tensor, schedule: LinearSchedule, steps: int, eta: float = 0.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """DDIM: x' = alpha' D + sqrt(1 - abar' - s^2) eps + s z, s = eta sqrt((1 - abar') / (1 - abar))
    sqrt(1 - abar / abar'); alpha' = 1 (abar' = 1) after the last timestep."""
    ts = schedule.ddim_timesteps(steps)
    for i, t in enumerate(ts):
        nxt = ts[i + 1] if i + 1 < len(ts) else -1
        alpha, sigma = schedule.scales(t)
        alpha_n, sigma_n = schedule.scales(nxt)
        eps = eps_fn(x, t)
        d = (x - sigma * eps) / alpha
        abar, abar_n = alpha * alpha, alpha_n * alpha_n
        noise = eta * math.sqrt((1 - abar_n) / (1 - abar) * (1 - abar / abar_n))
        eps_scale = math.sqrt(max(0.0, 1 - abar_n - noise * noise))
        x = alpha_n * d + eps_scale * eps
        if noise > 0:
            x = x + noise * torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x


def dpm_solver_pp_2m_sample(eps_fn: EpsFn, x: torch.Tensor, schedule: LinearSchedule, steps: int) -> torch.Tensor:
    """DPM-Solver++(2M) on log-SNR-uniform timesteps. h = lambda' - lambda; first order on the first
    step; otherwise D <- (1 + 1/(2r)) D - 1/(2r) D_prev, r = h_prev / h;
    x' = (sigma' / sigma) x - alpha' (e^{-h} - 1) D; the last step goes to clean data: x = D."""
    ts = schedule.logsnr_timesteps(steps)
    d_prev, h_prev = None, None
    for i, t in enumerate(ts):
        nxt = ts[i + 1] if i + 1 < len(ts) else -1
        alpha, sigma = schedule.scales(t)
        alpha_n, sigma_n = schedule.scales(nxt)
        eps = eps_fn(x, t)
        d = (x - sigma * eps) / alpha
        if sigma_n == 0:
            x = d
        else:
            h = math.log(alpha_n / sigma_n) - math.log(alpha / sigma)
            blended = d
            if h_prev is not None and i > 0:
                r = h_prev / h
                blended = (1 + 1 / (2 * r)) * d - (1 / (2 * r)) * d_prev
            x = (sigma_n / sigma) * x - (alpha_n * (math.exp(-h) - 1)) * blended
            h_prev = h
        d_prev = d
    return x


def unet_eps_fn(model: UNet, labels: torch.Tensor | None) -> EpsFn:
    """The sampler's model call: one U-Net evaluation per step (guidance scale 1)."""
    def fn(x: torch.Tensor, t: int) -> torch.Tensor:
        return model(x, torch.full((x.shape[0],), t, dtype=torch.long), labels)
    return fn


# --------------------------------------------------------------------------------------------
# Parameter counts
# --------------------------------------------------------------------------------------------


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def parameter_table() -> list[tuple[str, int]]:
    return [
        ("vae-cnn, MNIST (C=1, 28x28 -> 4x7x7)", count_parameters(ConvVAE(1))),
        ("vae-cnn, CIFAR-10 (C=3, 32x32 -> 4x8x8)", count_parameters(ConvVAE(3))),
        ("vae-mlp, MNIST (D=784, d=32)", count_parameters(MLPVAE(784))),
        ("vae-mlp, CIFAR-10 (D=3072, d=32)", count_parameters(MLPVAE(3072))),
        ("latent U-Net (C=4), 10 classes + no-class row", count_parameters(UNet(4, classes=10))),
        ("latent U-Net (C=4), unconditional", count_parameters(UNet(4, classes=0))),
        ("pixel U-Net MNIST (C=1), 10 classes", count_parameters(UNet(1, classes=10))),
        ("pixel U-Net CIFAR-10 (C=3), 10 classes", count_parameters(UNet(3, classes=10))),
        ("MLP denoiser (d=32, W=256), 10 classes", count_parameters(MLPDenoiser(32, 256))),
        ("MLP denoiser PCA-2D (d=2, W=128), 10 classes", count_parameters(MLPDenoiser(2, 128))),
    ]


def main() -> None:
    print("torch", torch.__version__)
    for name, n in parameter_table():
        print(f"{name:50s} {n:>10,d}")


if __name__ == "__main__":
    main()
