"""Probe: do synthetic anomalies closer to real ones help? SDEdit-style generation (one seed per call).

    PYTHONPATH=src python bench/godm_sdedit_probe.py TRIAL [--sigmas 0.5,1,2]

GODM normally samples latents from pure noise (sigma_max 80). Here the Heun sampler instead starts
from real *training* anomalies' latent codes noised to ``sigma`` (Meng et al.'s SDEdit), so each
synthetic anomaly is a diffusion-model variation of a real one: higher feature fidelity, less
novelty. GraphSAGE (the GODM bench protocol, synthetic weight chosen on validation among 0.3/1.0)
is trained on each augmented graph; validation AUPRC is what a choice of sigma may use.
Appends one JSON line per trial to bench/results/godm_sdedit_probe.jsonl.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _data import add_data_argument  # noqa: E402
from godm_bench import load, split_graph  # noqa: E402
from godm_detectors import graphsage  # noqa: E402

from graphguard.augment import GODM  # noqa: E402
from graphguard.augment.fidelity import feature_wasserstein  # noqa: E402
from graphguard.data.graph import target_store  # noqa: E402
from graphguard.data.splits import trial_seed  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402

S5_GODM = {"epochs": 6, "diff_steps": 4000}  # the session-5 Tolokers settings (bench/results/godm_tolokers_s5.json)


def sdedit_sampler(edm, real_norm: torch.Tensor, sigma: float):
    """An ``EDM.sample`` replacement: half the Heun steps, from real codes noised to ``sigma`` down to 0."""
    plain = type(edm).sample  # the class's sampler: edm.sample may already be a replacement

    def sample(n, label, generator, num_steps=32, guidance=1.5, sigma_min=0.002, sigma_max=80.0, rho=7.0,
               conditional=True):
        pick = torch.randint(real_norm.shape[0], (n,), generator=generator)
        return plain(edm, n, label, generator, max(2, int(round(num_steps * 0.5))), guidance, sigma_min, sigma, rho,
                     conditional, start=real_norm[pick])

    return sample


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("trial", type=int)
    ap.add_argument("--sigmas", default="0.5,1,2")
    add_data_argument(ap)
    args = ap.parse_args()
    set_threads(1)
    g0, ratios = load("tolokers", args.data)
    seed = trial_seed(args.trial)
    g = split_graph(g0, ratios, seed)
    s = target_store(g)
    real_train = torch.nonzero(s.train_mask & (s.y == 1)).squeeze(1)
    real_val = torch.nonzero(s.val_mask & (s.y == 1)).squeeze(1)
    t0 = time.process_time()
    model = GODM(seed=seed, **S5_GODM).fit(g)
    rec = {"seed": seed, "godm_fit_cpu_s": time.process_time() - t0, "arms": {}}
    lat = model.latents_[model.target_][real_train]
    real_norm = (lat - model.lat_mean_) / model.lat_std_
    x_real = s.x.float()
    plain_sample = model.edm_.sample
    arms = [("none", None), ("godm", None)] + [(f"sdedit_{v}", float(v)) for v in args.sigmas.split(",")]
    for name, sigma in arms:
        model.edm_.sample = plain_sample if sigma is None else sdedit_sampler(model.edm_, real_norm, sigma)
        ag = g if name == "none" else model.augment(g)
        a = target_store(ag)
        arm = {}
        if name != "none":
            syn = torch.nonzero(a.is_synthetic).squeeze(1)
            arm["feature_w1_vs_train_anomalies"] = float(np.mean(feature_wasserstein(x_real[real_train], a.x[syn].float())))
            arm["feature_w1_vs_val_anomalies"] = float(np.mean(feature_wasserstein(x_real[real_val], a.x[syn].float())))
        arm["graphsage"] = graphsage(ag, seed, original=None if name == "none" else g, syn_weight=(0.3, 1.0))
        rec["arms"][name] = arm
        print(seed, name, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in arm["graphsage"].items()
                           if k in ("auroc", "auprc", "val_auprc", "syn_weight")},
              {k: round(v, 4) for k, v in arm.items() if k.startswith("feature")}, flush=True)
    out = Path(__file__).parent / "results" / "godm_sdedit_probe.jsonl"
    with open(out, "a") as f:
        f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
