"""Where synthetic anomalies lose fidelity: the latent diffusion or the feature decoder (one seed).

    PYTHONPATH=src python bench/godm_fidelity_probe.py tolokers '{"epochs":6}' '[{"diff_steps":1000},{"diff_steps":4000}]'

Fits GODM once (seed 3407, the benchmark's split), then refits only the latent diffusion with each
option set of the grid and reports, against the real training anomalies: the latent W1 of sampled
codes (real held-out anomalies' codes give the floor), the feature W1 and MMD of decoded features,
and the feature W1 against the *validation* anomalies (the only figure a choice may use).
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

from graphguard.augment import GODM  # noqa: E402
from graphguard.augment.fidelity import feature_wasserstein, mmd_rbf  # noqa: E402
from graphguard.data.graph import target_store  # noqa: E402
from graphguard.data.splits import trial_seed  # noqa: E402
from graphguard.utils import set_threads  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", help="benchmark graph, as bench/godm_bench.py loads it (e.g. tolokers)")
    ap.add_argument("godm_options", help="JSON object of GODM options for the single full fit, e.g. '{\"epochs\":6}'")
    ap.add_argument("grid", help="JSON list of option sets; the latent diffusion is refitted with each, "
                    "e.g. '[{\"diff_steps\":1000},{\"diff_steps\":4000}]'")
    add_data_argument(ap)
    a = ap.parse_args()
    set_threads(1)
    ds, kw, grid = a.dataset, json.loads(a.godm_options), json.loads(a.grid)
    g0, ratios = load(ds, a.data)
    seed = trial_seed(0)
    g = split_graph(g0, ratios, seed)
    s = target_store(g)
    x = s.x.float()
    pick = lambda m: torch.nonzero(m & (s.y == 1)).squeeze(1)  # noqa: E731
    trp, vap, tep = pick(s.train_mask), pick(s.val_mask), pick(s.test_mask)
    t = time.process_time()
    m = GODM(seed=seed, **kw).fit(g)
    print("fit cpu", round(time.process_time() - t), flush=True)
    lat = m.latents_[m.target_]
    z = lat[trp]
    w1 = lambda a, b: float(np.mean(feature_wasserstein(a, b)))  # noqa: E731
    print(f"floor (held-out real anomalies): latent W1 {w1(z, lat[tep]):.3f} feature W1 {w1(x[trp], x[tep]):.3f} "
          f"MMD {mmd_rbf(x[trp], x[tep]):.4f}")
    with torch.no_grad():
        rec = m.codecs_[m.target_].decode(m.vae_.decoder.features(m.target_, z), torch.Generator().manual_seed(1))
    print(f"decoder alone (real anomalies' own codes decoded): feature W1 {w1(x[trp], rec):.3f} "
          f"MMD {mmd_rbf(x[trp], rec):.4f}", flush=True)
    for opts in grid:
        t = time.process_time()
        m.config = m.config.replace(**opts)
        m.fit_diffusion(g)
        sec = time.process_time() - t
        sm = m.sample(trp.numel(), 1)
        print(opts, f"diffusion cpu {sec:.0f} s: latent W1 {w1(z, sm.z):.3f} feature W1 {w1(x[trp], sm.x):.3f} "
              f"(vs validation anomalies {w1(x[vap], sm.x):.3f}) MMD {mmd_rbf(x[trp], sm.x):.4f}", flush=True)


if __name__ == "__main__":
    main()
