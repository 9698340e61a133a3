"""EDM latent diffusion (Karras et al. 2022) for GODM: preconditioning, lognormal noise levels,
a deterministic Heun sampler, and an MLP denoiser conditioned on the noise level and the class
label, with label dropout so that sampling can use classifier-free guidance. Sampling uses an
exponential moving average of the denoiser's weights (as EDM does): with the ~1,000 anomalies of a
fraud graph, the raw weights' step-to-step noise showed up as samples off the real anomalies.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import nn


class FourierNoise(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("freq", torch.exp(-math.log(10000.0) * torch.arange(dim // 2) / (dim // 2)),
                             persistent=False)

    def forward(self, c):
        a = c[:, None] * self.freq * 1000.0
        return torch.cat([a.sin(), a.cos()], 1)


class Denoiser(nn.Module):
    """F_theta(c_in x, c_noise, label): an MLP; ``label == num_classes`` is the null (unconditional) label."""

    def __init__(self, dim: int, hidden: int, layers: int, num_classes: int = 2):
        super().__init__()
        self.num_classes = num_classes
        self.inp = nn.Linear(dim, hidden)
        self.noise = nn.Sequential(FourierNoise(128), nn.Linear(128, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.label = nn.Embedding(num_classes + 1, hidden)
        blocks = []
        for _ in range(layers):
            blocks += [nn.SiLU(), nn.Linear(hidden, hidden)]
        self.body = nn.Sequential(*blocks)
        self.out = nn.Sequential(nn.SiLU(), nn.Linear(hidden, dim))

    def forward(self, x, c_noise, label):
        return self.out(self.body(self.inp(x) + self.noise(c_noise) + self.label(label)))


class EDM(nn.Module):
    def __init__(self, dim: int, hidden: int = 256, layers: int = 3, sigma_data: float = 1.0,
                 p_mean: float = -1.2, p_std: float = 1.2):
        super().__init__()
        self.dim, self.sigma_data, self.p_mean, self.p_std = dim, sigma_data, p_mean, p_std
        self.net = Denoiser(dim, hidden, layers)
        self.ema = copy.deepcopy(self.net).requires_grad_(False)

    @torch.no_grad()
    def update_ema(self, decay: float) -> None:
        for e, p in zip(self.ema.parameters(), self.net.parameters()):
            e.lerp_(p, 1.0 - decay)

    @property
    def null(self) -> int:
        return self.net.num_classes

    def forward(self, x, sigma, label, ema: bool = False):
        """The preconditioned denoiser D(x; sigma, label); ``ema`` uses the averaged weights."""
        sd = self.sigma_data
        s = sigma.reshape(-1, 1)
        c_skip = sd**2 / (s**2 + sd**2)
        c_out = s * sd / (s**2 + sd**2).sqrt()
        c_in = 1 / (s**2 + sd**2).sqrt()
        c_noise = sigma.log() / 4
        net = self.ema if ema else self.net
        return c_skip * x + c_out * net(c_in * x, c_noise.reshape(-1), label)

    def loss(self, x0, label, generator: torch.Generator, p_uncond: float, conditional: bool):
        n = x0.shape[0]
        sigma = (torch.randn(n, generator=generator) * self.p_std + self.p_mean).exp()
        noise = torch.randn(x0.shape, generator=generator) * sigma[:, None]
        drop = torch.rand(n, generator=generator) < p_uncond
        lab = torch.where(drop | (not conditional), torch.full_like(label, self.null), label)
        d = self(x0 + noise, sigma, lab)
        weight = (sigma**2 + self.sigma_data**2) / (sigma * self.sigma_data) ** 2
        return (weight[:, None] * (d - x0) ** 2).mean()

    def _guided(self, x, sigma, label, guidance: float, conditional: bool):
        s = torch.full((x.shape[0],), float(sigma))
        null = torch.full((x.shape[0],), self.null, dtype=torch.long)
        if not conditional:
            return self(x, s, null, ema=True)
        cond = self(x, s, torch.full((x.shape[0],), int(label), dtype=torch.long), ema=True)
        if guidance == 1.0:
            return cond
        uncond = self(x, s, null, ema=True)
        return uncond + guidance * (cond - uncond)

    @torch.no_grad()
    def sample(self, n: int, label: int, generator: torch.Generator, num_steps: int = 32, guidance: float = 1.5,
               sigma_min: float = 0.002, sigma_max: float = 80.0, rho: float = 7.0, conditional: bool = True,
               start: torch.Tensor | None = None):
        """EDM's deterministic Heun sampler (Algorithm 1 of Karras et al.).

        ``start`` (``[n, dim]``, normalised codes) begins from those codes noised to ``sigma_max``
        instead of from pure noise (SDEdit), e.g. variations of real anomalies.
        """
        i = torch.arange(num_steps, dtype=torch.float64)
        t = (sigma_max ** (1 / rho) + i / max(num_steps - 1, 1) * (sigma_min ** (1 / rho) - sigma_max ** (1 / rho))) ** rho
        t = torch.cat([t, torch.zeros(1, dtype=torch.float64)])
        x = torch.randn(n, self.dim, generator=generator) * float(t[0])
        if start is not None:
            x = start + x
        for k in range(num_steps):
            tc, tn = float(t[k]), float(t[k + 1])
            d = (x - self._guided(x, tc, label, guidance, conditional)) / tc
            xn = x + (tn - tc) * d
            if tn > 0:
                d2 = (xn - self._guided(xn, tn, label, guidance, conditional)) / tn
                xn = x + (tn - tc) * (0.5 * d + 0.5 * d2)
            x = xn
        return x
