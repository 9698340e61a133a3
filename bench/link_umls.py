"""UMLS link prediction: graphguard against PyKEEN, side by side, same settings.

For each model both libraries train with the same dimension, epochs, batch size, negatives,
sampler (Bernoulli), loss (self-adversarial NSSA, same margin and temperature), no regulariser and
the same optimiser, under the same thread count, one run after the other, each in its own
subprocess (so peak RSS is per run). Both test the model after the last epoch (no checkpoint
selection on either side). Metrics are filtered, realistic-rank MRR and Hits@k over both sides on
test (PyKEEN's own pipeline and ``RankBasedEvaluator``, filtered with train and valid). Throughput
= training triples x epochs / train seconds. The PyKEEN call is recorded in the JSON
(``pykeen_configs``). ``--best`` also runs graphguard's default preset (ComplEx, 1vsAll + N3).

    python bench/link_umls.py [--epochs N] [--models transe,complex,rotate] [--threads 1] [--best] [--append]
        [--data DIR]     # the shared data folder holding umls/umls.tar.gz (default: $GRAPHGUARD_DATA)

Writes bench/results/link_umls.json after every run (``--append`` merges into an existing file)
and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from _data import UMLS, add_data_argument, require_data  # noqa: E402

# one shared configuration per model: both libraries get exactly these settings
CONFIGS = {
    "transe": dict(dim=200, training="slcwa", loss="nssa", margin=6.0, temperature=1.0, num_negatives=64,
                   sampler="bernoulli", lr=0.005, batch_size=256, optimizer="adam"),
    "rotate": dict(dim=200, training="slcwa", loss="nssa", margin=6.0, temperature=1.0, num_negatives=64,
                   sampler="bernoulli", lr=0.005, batch_size=256, optimizer="adam"),
    "complex": dict(dim=200, training="slcwa", loss="nssa", margin=6.0, temperature=1.0, num_negatives=64,
                    sampler="bernoulli", lr=0.005, batch_size=256, optimizer="adam"),
}
PUBLISHED = {
    "ConvE (Dettmers et al., AAAI 2018)": {"mrr": 0.94, "hits@10": 0.99},
}


def umls_dir(archive: Path, tmp: Path) -> Path:
    """UMLS's train/valid/test files extracted once into ``tmp``, for every child run (PyKEEN reads plain files)."""
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    return tmp


def run_graphguard(data: Path, model: str, epochs: int, cfg: dict, seed: int = 0) -> dict:
    from graphguard.data.triples import load_triples
    from graphguard.tasks.link import LinkPredictor

    ts = load_triples(data)
    if model == "best":  # the library's default model and preset (ComplEx, 1vsAll + N3), no tuning
        m = LinkPredictor("complex", seed=seed).fit(ts)
    else:  # validate only after the last epoch: the final model is tested, as PyKEEN's is
        m = LinkPredictor(model, epochs=epochs, eval_every=epochs, seed=seed, **cfg).fit(ts)
    res = m.evaluate(ts, "test")
    return {**res, "train_seconds": m.train_seconds_, "triples_per_second": m.triples_per_second_,
            "train_cpu_seconds": m.train_cpu_seconds_,
            "triples_per_cpu_second": len(ts.train) * len(m.history_) / m.train_cpu_seconds_}


PYKEEN_NAMES = {"transe": "TransE", "rotate": "RotatE", "complex": "ComplEx", "distmult": "DistMult"}
PYKEEN_LOSSES = {"nssa": "NSSALoss", "softplus": "SoftplusLoss", "margin": "MarginRankingLoss",
                 "bce": "BCEWithLogitsLoss"}


def pykeen_config(model: str, epochs: int, cfg: dict, seed: int = 0) -> dict:
    """The keyword arguments of ``pykeen.pipeline.pipeline`` (besides the data) for one shared config."""
    model_kwargs = dict(embedding_dim=cfg["dim"])
    if model == "transe":
        model_kwargs["scoring_fct_norm"] = 1  # graphguard's TransE uses the L1 distance
    if model in ("complex", "distmult"):
        model_kwargs["regularizer"] = None  # PyKEEN's default L2 regulariser is off, as on graphguard's side
    loss_kwargs = dict(margin=cfg["margin"], adversarial_temperature=cfg["temperature"]) if cfg["loss"] == "nssa" else {}
    return dict(
        model=PYKEEN_NAMES[model], model_kwargs=model_kwargs, training_loop="sLCWA",
        negative_sampler=cfg["sampler"], negative_sampler_kwargs=dict(num_negs_per_pos=cfg["num_negatives"]),
        loss=PYKEEN_LOSSES[cfg["loss"]], loss_kwargs=loss_kwargs, optimizer=cfg["optimizer"],
        optimizer_kwargs=dict(lr=cfg["lr"]),
        training_kwargs=dict(num_epochs=epochs, batch_size=cfg["batch_size"], use_tqdm=False),
        evaluator="RankBasedEvaluator", evaluator_kwargs=dict(filtered=True),
        evaluation_kwargs=dict(use_tqdm=False), filter_validation_when_testing=True, random_seed=seed, device="cpu",
    )


def run_pykeen(data: Path, model: str, epochs: int, cfg: dict, seed: int = 0) -> dict:
    from pykeen.pipeline import pipeline
    from pykeen.training.callbacks import TrainingCallback
    from pykeen.triples import TriplesFactory

    class CpuClock(TrainingCallback):
        """Process CPU time from the first batch to the end of training."""

        start = end = None

        def pre_batch(self, **kwargs):
            if self.start is None:
                self.start = time.process_time()

        def post_train(self, losses, **kwargs):
            self.end = time.process_time()

    clock = CpuClock()

    tr = TriplesFactory.from_path(data / "train.txt")
    va = TriplesFactory.from_path(data / "valid.txt", entity_to_id=tr.entity_to_id, relation_to_id=tr.relation_to_id)
    te = TriplesFactory.from_path(data / "test.txt", entity_to_id=tr.entity_to_id, relation_to_id=tr.relation_to_id)
    config = pykeen_config(model, epochs, cfg, seed)
    config["training_kwargs"] = dict(config["training_kwargs"], callbacks=[clock])
    res = pipeline(training=tr, validation=va, testing=te, **config)
    mr = res.metric_results
    out = {k: float(mr.get_metric(f"both.realistic.{m}")) for k, m in
           (("mrr", "inverse_harmonic_mean_rank"), ("hits@1", "hits_at_1"), ("hits@3", "hits_at_3"), ("hits@10", "hits_at_10"))}
    out["train_seconds"] = float(res.train_seconds)
    out["triples_per_second"] = tr.num_triples * epochs / res.train_seconds
    out["train_cpu_seconds"] = clock.end - clock.start
    out["triples_per_cpu_second"] = tr.num_triples * epochs / out["train_cpu_seconds"]
    return out


def child(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    os.environ["GRAPHGUARD_THREADS"] = str(args.threads)
    cfg = dict(CONFIGS.get(args.model, {}))
    fn = run_graphguard if args.lib == "graphguard" else run_pykeen
    out = fn(Path(args.triples), args.model, args.epochs, cfg, args.seed)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--models", default="transe,complex,rotate")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--libs", default="graphguard,pykeen")
    ap.add_argument("--best", action="store_true", help="Also run graphguard's default model and preset.")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "link_umls.json"))
    ap.add_argument("--append", action="store_true", help="Merge into an existing JSON instead of replacing it.")
    ap.add_argument("--seeds", default="0", help="Comma-separated seeds; each (model, library) runs once per seed.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--table", action="store_true", help="Print the markdown table of --out and exit.")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--lib")
    ap.add_argument("--model")
    ap.add_argument("--triples", help=argparse.SUPPRESS)  # --child: the extracted UMLS folder
    add_data_argument(ap)
    args = ap.parse_args()
    if args.child:
        return child(args)
    if args.table:
        return print(table(json.loads(Path(args.out).read_text())))
    archive = require_data(args.data, UMLS) / UMLS.path
    from graphguard.tasks.link import PRESETS

    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS=str(args.threads),
               GRAPHGUARD_THREADS=str(args.threads), PYSTOW_HOME=tempfile.mkdtemp())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = umls_dir(archive, Path(tmp))
        seeds = [int(x) for x in args.seeds.split(",")]
        jobs = [(m, lib, sd) for sd in seeds for m in args.models.split(",") for lib in args.libs.split(",")]
        if args.best:
            jobs.append(("best", "graphguard", seeds[0]))
        for model, lib, seed in jobs:
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, __file__, "--child", "--lib", lib, "--model", model, "--triples",
                                str(data), "--epochs", str(args.epochs), "--threads", str(args.threads), "--seed", str(seed)],
                               capture_output=True, text=True, env=env)
            line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
            if p.returncode or not line:
                print(p.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{lib}/{model} failed")
            epochs = PRESETS["complex"]["epochs"] if model == "best" else args.epochs
            r = {"library": lib, "model": model, "epochs": epochs, "seed": seed,
                 **json.loads(line[0][7:]), "wall_seconds": time.perf_counter() - t0}
            rows.append(r)
            print(f"{lib:10s} {model:8s} seed {seed} MRR {r['mrr']:.4f} H@1 {r['hits@1']:.4f} H@3 {r['hits@3']:.4f} "
                  f"H@10 {r['hits@10']:.4f} train {r['train_seconds']:7.1f}s  {r['triples_per_second']:9.0f} "
                  f"triples/s  RSS {r['peak_rss_mb']:.0f} MB", flush=True)
            write(args, rows)


def r_epochs(rows, model: str, default: int) -> int:
    return next((r["epochs"] for r in rows if r["model"] == model and r["library"] == "pykeen"), default)


def write(args, rows) -> None:
    """Write (or, with --append, merge into) the JSON after every run, so a cut-off run keeps its rows."""
    import pykeen.version

    from graphguard.tasks.link import PRESETS

    out = Path(args.out)
    carried = {}  # with --append, hand-written records (notes, reruns) survive the rewrite
    if args.append and out.exists():
        previous = json.loads(out.read_text())
        old = previous["rows"]
        key = lambda r: (r["library"], r["model"], r.get("seed", 0))  # noqa: E731
        keep = {key(r) for r in rows}
        rows = [r for r in old if key(r) not in keep] + rows
        carried = previous
    result = {"dataset": "UMLS", "epochs": sorted({r.get("epochs", args.epochs) for r in rows}),
              "best_preset": {"model": "complex", **PRESETS["complex"]}, "threads": args.threads,
              "configs": CONFIGS,
              "pykeen_configs": {m: pykeen_config(m, r_epochs(rows, m, args.epochs), CONFIGS[m]) for m in CONFIGS},
              "pykeen_version": pykeen.version.get_version(), "rows": rows,
              "published": PUBLISHED}
    by = {(r["library"], r["model"]): r for r in rows if r.get("seed", 0) == 0}  # the side-by-side run
    models = sorted({r["model"] for r in rows})
    result["speedup"] = {m: by[("graphguard", m)]["triples_per_second"] / by[("pykeen", m)]["triples_per_second"]
                         for m in models if ("pykeen", m) in by and ("graphguard", m) in by}
    result["speedup_cpu"] = {m: by[("graphguard", m)]["triples_per_cpu_second"] / by[("pykeen", m)]["triples_per_cpu_second"]
                             for m in models if ("pykeen", m) in by and ("graphguard", m) in by
                             and "triples_per_cpu_second" in by[("pykeen", m)]
                             and "triples_per_cpu_second" in by[("graphguard", m)]}
    import statistics

    groups = {}
    for r in rows:
        groups.setdefault((r["model"], r["library"]), []).append(r["mrr"])
    result["mrr_over_seeds"] = {f"{m}/{lib}": {"n": len(v), "mean": statistics.mean(v),
                                               "std": statistics.stdev(v) if len(v) > 1 else 0.0}
                                for (m, lib), v in sorted(groups.items()) if len(v) > 1}
    pairs = {}
    for r in rows:
        pairs.setdefault((r["model"], r.get("seed", 0)), {})[r["library"]] = r
    result["by_seed"] = {
        f"{m}/seed{sd}": {"mrr_difference": v["graphguard"]["mrr"] - v["pykeen"]["mrr"],
                          "speedup": v["graphguard"]["triples_per_second"] / v["pykeen"]["triples_per_second"],
                          "speedup_cpu": (v["graphguard"]["triples_per_cpu_second"] / v["pykeen"]["triples_per_cpu_second"]
                                          if "triples_per_cpu_second" in v["pykeen"] else None)}
        for (m, sd), v in sorted(pairs.items()) if {"graphguard", "pykeen"} <= set(v)}
    result["mrr_difference"] = {m: by[("graphguard", m)]["mrr"] - by[("pykeen", m)]["mrr"]
                                for m in models if ("pykeen", m) in by and ("graphguard", m) in by}
    result = {**{k: v for k, v in carried.items() if k not in result}, **result}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


def table(result: dict) -> str:
    """Markdown: one line per model, graphguard against PyKEEN from the seed-0 side-by-side run."""
    by = {(r["library"], r["model"]): r for r in result["rows"] if r.get("seed", 0) == 0}
    out = ["| UMLS, same settings | epochs | graphguard MRR / H@10 | PyKEEN MRR / H@10 | triples/s ratio (wall / CPU) "
           "| peak RSS MB (ours / PyKEEN) |", "|---|---|---|---|---|---|"]
    for m in ("transe", "complex", "rotate"):
        g, k = by.get(("graphguard", m)), by.get(("pykeen", m))
        if not g or not k:
            continue
        cpu = result.get("speedup_cpu", {}).get(m)
        rerun = result.get(f"{m}_seed0_rerun")  # a later timing-only rerun of the same pair, if any
        again = f" (timing rerun: {rerun['speedup']:.1f}x / {rerun['speedup_cpu']:.1f}x)" if rerun else ""
        out.append(f"| {PYKEEN_NAMES[m]} | {g['epochs']} | {g['mrr']:.3f} / {g['hits@10']:.3f} | {k['mrr']:.3f} / "
                   f"{k['hits@10']:.3f} | {result['speedup'][m]:.1f}x / {f'{cpu:.1f}x' if cpu else 'n/a'}{again} | "
                   f"{g['peak_rss_mb']:.0f} / {k['peak_rss_mb']:.0f} |")
    seeds = result.get("mrr_over_seeds", {})
    for m in ("transe", "complex", "rotate"):
        g, k = seeds.get(f"{m}/graphguard"), seeds.get(f"{m}/pykeen")
        if not g or not k:
            continue
        runs = [v for key, v in result.get("by_seed", {}).items() if key.startswith(f"{m}/")]
        wall = ", ".join(f"{v['speedup']:.1f}" for v in runs)
        cpu = ", ".join(f"{v['speedup_cpu']:.1f}" if v["speedup_cpu"] else "n/a" for v in runs)
        out.append(f"| {PYKEEN_NAMES[m]}, mean ± std over {g['n']} seeds | {by[('graphguard', m)]['epochs']} | "
                   f"MRR {g['mean']:.3f} ± {g['std']:.3f} | MRR {k['mean']:.3f} ± {k['std']:.3f} | "
                   f"per seed: {wall} / {cpu} | |")
    b = by.get(("graphguard", "best"))
    if b:
        out.append(f"| ComplEx default preset (1vsAll + N3, {result['best_preset']['epochs']} epochs) | | "
                   f"**{b['mrr']:.3f} / {b['hits@10']:.3f}** | | | {b['peak_rss_mb']:.0f} |")
    for name, v in result.get("published", {}).items():
        out.append(f"| {name}, published | | {v['mrr']:.2f} / {v['hits@10']:.2f} | | | |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
