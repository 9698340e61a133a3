"""R-GCN + DistMult link prediction, full-graph encoder pass vs neighbour-sampled mini-batches.

Two parts, every arm in its own subprocess (so ``ru_maxrss`` is that arm's peak RSS), one thread:

* **UMLS**: ``LinkPredictor("distmult", encoder="rgcn", training="slcwa")`` trained with the full
  graph in every batch, then with ``full_batch_max_edges=0`` (sampled, fanout ``--fanout``);
  filtered test MRR / Hits@10 (checkpoint on valid MRR) and seconds per epoch.
* **generated KGs** (``--sizes``, triples; entities = triples / 2, ``--relations`` relations,
  endpoints drawn by rank ``n * u**2`` so degrees are skewed): the same model and trainer as
  ``fit`` uses, run for ``--budget`` seconds of steps (the epoch time is measured when the epoch
  ends within the budget, else extrapolated from the steps done and flagged), then one no-grad pass
  over every entity (the plain forward in full mode, layer-wise in sampled mode, as ranking does).
  Peak RSS of the arm and the subgraph sizes are recorded.

    python bench/link_sampled.py [--epochs 30] [--sizes 250000,1000000] [--budget 90] [--parts umls,big] [--data DIR]

The UMLS part reads ``umls/umls.tar.gz`` of ``--data`` (default ``$GRAPHGUARD_DATA``) and stops before any arm
when it is missing; every UMLS arm gets the same folder on its command line.

Writes bench/results/link_sampled.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from _data import UMLS, add_data_argument, require_data  # noqa: E402

OUT = ROOT / "bench" / "results" / "link_sampled.json"
UMLS_CFG = dict(dim=64, training="slcwa", num_negatives=32, lr=0.01, batch_size=256)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> float:
    """Reset this process's peak RSS (VmHWM) and return the current RSS, so a phase's own peak can be read."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def generated_kg(num_triples: int, num_relations: int, seed: int = 0):
    import numpy as np

    from graphguard.data.triples import TripleSet

    rng = np.random.default_rng(seed)
    n = max(2, num_triples // 2)
    perm = rng.permutation(n)
    h = perm[(n * rng.random(num_triples) ** 2).astype(np.int64)]
    t = perm[(n * rng.random(num_triples) ** 2).astype(np.int64)]
    r = rng.integers(num_relations, size=num_triples)
    train = np.stack([h, r, t], 1).astype(np.int64)
    return TripleSet([f"e{i}" for i in range(n)], [f"r{i}" for i in range(num_relations)], train,
                     source=f"generated({num_triples})")


def worker_umls(args) -> dict:
    from graphguard import _console
    from graphguard.data.triples import load_triples
    from graphguard.tasks.link import LinkPredictor

    _console.set_quiet(True)
    ts = load_triples(Path(args.data) / UMLS.path)  # the folder the parent resolved
    sampled = args.mode in ("sampled", "sparse")
    m = LinkPredictor("distmult", **UMLS_CFG, epochs=args.epochs, eval_every=5, encoder="rgcn", seed=args.seed,
                      num_neighbors=args.fanout if sampled else None, full_batch_max_edges=0 if sampled else 10**9,
                      sparse_entities=args.mode == "sparse")
    m.fit(ts)
    res = m.evaluate(ts, "test")
    return {"part": "umls", "mode": args.mode, "sampled": m.sampled_, "fanout": args.fanout if sampled else None,
            "epochs": len(m.history_), "mrr": res["mrr"], "hits@10": res["hits@10"],
            "best_valid_mrr": m.best_valid_mrr_,
            "seconds_per_epoch": m.train_seconds_ / max(1, len(m.history_)),
            "cpu_seconds_per_epoch": m.train_cpu_seconds_ / max(1, len(m.history_)), "peak_rss_mb": _peak_mb(),
            "config": dict(UMLS_CFG, epochs=args.epochs, model="distmult", encoder="rgcn", encoder_layers=2)}


def worker_big(args) -> dict:
    import torch

    from graphguard.tasks.link import LinkPredictor
    from graphguard.tasks.link.neighbourhood import EntitySampler
    from graphguard.tasks.link.sampling import head_probabilities
    from graphguard.tasks.link.training import Trainer

    t0 = time.perf_counter()
    ts = generated_kg(args.size, args.relations, args.seed)
    sampled = args.mode in ("sampled", "sparse")
    est = LinkPredictor("distmult", dim=args.dim, training="slcwa", num_negatives=args.negatives, lr=0.01,
                        batch_size=args.batch_size, encoder="rgcn", num_neighbors=args.fanout if sampled else None,
                        full_batch_max_edges=0 if sampled else 10**12, seed=args.seed,
                        sparse_entities=args.mode == "sparse")
    torch.manual_seed(args.seed)
    model = est._build(ts.num_entities, ts.num_relations, ts.train)  # what fit() builds
    nbr = None
    if sampled:
        enc = model.encoder
        nbr = EntitySampler(enc.edge_index, enc.edge_type, ts.num_entities, est._fanouts(), seed=args.seed)
    sizes = []
    if nbr is not None:  # record the subgraph sizes the trainer will see
        orig = nbr.sample

        def recording(seeds):
            sub = orig(seeds)
            sizes.append((int(seeds.numel()), int(sub.nodes.numel()), int(sub.edge_type.numel())))
            return sub

        nbr.sample = recording
    gen = torch.Generator().manual_seed(args.seed)
    est.model_ = model
    opt = est._sparse_optimizer() if args.mode == "sparse" else est._optimizer(model.parameters(), fused=sampled)
    trainer = Trainer(model, ts.train, training="slcwa", loss=est.loss, num_negatives=args.negatives,
                      head_prob=head_probabilities(ts.train, ts.num_relations, "bernoulli"), margin=est.margin,
                      temperature=est.temperature, regularizer=None, reg_weight=0.0, label_smoothing=0.0,
                      batch_size=args.batch_size, optimizer=opt,
                      generator=gen, sampler=nbr)
    setup_s = time.perf_counter() - t0
    hwm_setup = _status_mb("VmHWM")  # read before the resets, which also reset ru_maxrss
    rss_static = _reset_peak()  # graph, entity table, optimizer: what both modes hold before the first step
    model.train()
    perm = torch.randperm(trainer.num_items, generator=gen)
    steps_per_epoch = (trainer.num_items + args.batch_size - 1) // args.batch_size
    t1, steps, losses = time.perf_counter(), 0, []
    while steps < steps_per_epoch and time.perf_counter() - t1 < args.budget:
        idx = perm[steps * args.batch_size:(steps + 1) * args.batch_size]
        losses.append(float(trainer.step(idx)))
        steps += 1
    train_s = time.perf_counter() - t1
    rss_train = _status_mb("VmHWM")
    model.eval()
    rss_before_score = _reset_peak()
    t2 = time.perf_counter()
    with torch.no_grad():
        E = model.entities()
    score_s = time.perf_counter() - t2
    rss_score = _status_mb("VmHWM")
    out = {"part": "big", "mode": args.mode, "triples": args.size, "entities": ts.num_entities,
           "relations": ts.num_relations, "message_edges": 2 * args.size, "dim": args.dim,
           "batch_size": args.batch_size, "negatives": args.negatives, "fanout": est._fanouts() if sampled else None,
           "setup_seconds": setup_s, "steps": steps, "steps_per_epoch": steps_per_epoch,
           "seconds_per_step": train_s / max(steps, 1), "epoch_complete": steps == steps_per_epoch,
           "epoch_seconds": train_s if steps == steps_per_epoch else train_s / max(steps, 1) * steps_per_epoch,
           "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None,
           "all_entities_seconds": score_s, "embeddings_finite": bool(torch.isfinite(E).all()),
           "peak_rss_mb": max(hwm_setup, rss_train, rss_score), "rss_static_mb": rss_static,
           "train_peak_rss_mb": rss_train,
           "train_overhead_mb": rss_train - rss_static, "all_entities_overhead_mb": rss_score - rss_before_score}
    if sizes:
        import numpy as np

        s = np.array(sizes)
        out.update(mean_seeds=float(s[:, 0].mean()), mean_subgraph_nodes=float(s[:, 1].mean()),
                   mean_subgraph_edges=float(s[:, 2].mean()), max_subgraph_nodes=int(s[:, 1].max()))
    return out


def run_arm(argv: list[str], timeout: float, cap_mb: float) -> dict:
    """One arm in a subprocess; killed above ``cap_mb`` RSS or after ``timeout`` seconds."""
    import psutil

    env = dict(os.environ, OMP_NUM_THREADS="1", GRAPHGUARD_THREADS="1", PYTHONPATH=str(ROOT / "src"))
    p = subprocess.Popen([sys.executable, __file__, "--worker", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    proc, t0, peak, why = psutil.Process(p.pid), time.time(), 0.0, None
    while p.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            break
        if peak > cap_mb:
            why = f"killed above the {cap_mb:.0f} MB cap"
        elif time.time() - t0 > timeout:
            why = f"killed after {timeout:.0f} s"
        if why:
            p.kill()
            break
        time.sleep(0.2)
    out, err = p.communicate()
    if why or p.returncode != 0:
        return {"part": argv[argv.index("--part") + 1], "argv": argv, "error": why or err.strip().splitlines()[-1],
                "polled_peak_rss_mb": peak}
    res = json.loads(out.strip().splitlines()[-1])
    res.update(polled_peak_rss_mb=peak, wall_seconds=time.time() - t0)
    return res


def table(results: list[dict]) -> str:
    lines = ["| part | mode | size | MRR / H@10 | s/epoch | s/step | all-entity pass (s) | peak RSS MB "
             "| training above static MB |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {' '.join(r['argv'])} | error: {r['error']} | | | | | | |")
            continue
        if r["part"] == "umls":
            lines.append(f"| UMLS | {r['mode']}{' ' + str(r['fanout']) if r['fanout'] else ''} | 5,216 triples | "
                         f"{r['mrr']:.3f} / {r['hits@10']:.3f} | {r['seconds_per_epoch']:.2f} | | | "
                         f"{r['peak_rss_mb']:.0f} | |")
        else:
            ep = f"{r['epoch_seconds']:.0f}{'' if r['epoch_complete'] else ' (extrapolated)'}"
            lines.append(f"| generated | {r['mode']}{' ' + str(r['fanout']) if r['fanout'] else ''} | "
                         f"{r['triples']:,} triples, {r['entities']:,} entities | | {ep} | {r['seconds_per_step']:.3f} "
                         f"| {r['all_entities_seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
                         f"{r.get('train_overhead_mb', float('nan')):.0f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--part", default="umls")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--parts", default="umls,big")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--sizes", default="250000,1000000")
    ap.add_argument("--size", type=int, default=0)
    ap.add_argument("--relations", type=int, default=8)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--negatives", type=int, default=8)
    ap.add_argument("--fanout", default="10,10")
    ap.add_argument("--budget", type=float, default=90.0)
    ap.add_argument("--cap-mb", type=float, default=6000.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tag", default="")
    ap.add_argument("--modes", default="full,sampled", help="comma list of full, sampled, sparse (sampled + "
                    "sparse_entities)")
    add_data_argument(ap)
    args = ap.parse_args()
    args.fanout = [int(v) for v in args.fanout.split(",")]
    if args.worker:
        print(json.dumps(worker_umls(args) if args.part == "umls" else worker_big(args)))
        return
    data = require_data(args.data, UMLS) if "umls" in args.parts else None
    common = ["--seed", str(args.seed), "--fanout", ",".join(map(str, args.fanout))]
    results = []
    if "umls" in args.parts:
        for mode in args.modes.split(","):
            results.append(run_arm(["--part", "umls", "--mode", mode, "--epochs", str(args.epochs),
                                    "--data", str(data), *common], 900, args.cap_mb))
            print(table(results[-1:]), flush=True)
    if "big" in args.parts:
        for size in [int(float(s)) for s in args.sizes.split(",")]:
            for mode in args.modes.split(","):
                results.append(run_arm(["--part", "big", "--mode", mode, "--size", str(size), "--budget",
                                        str(args.budget), "--relations", str(args.relations), "--dim", str(args.dim),
                                        "--batch-size", str(args.batch_size), "--negatives", str(args.negatives),
                                        *common], args.budget + 600, args.cap_mb))
                print(table(results[-1:]), flush=True)
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for r in results:
        r.update(date=date, tag=args.tag, load_average=os.getloadavg())
    key = lambda r: (r.get("part"), r.get("mode"), r.get("triples"))  # noqa: E731
    ran = {key(r) for r in results}
    if OUT.exists():  # keep the arms of an earlier run that this one did not rerun
        results = [r for r in json.loads(OUT.read_text())["results"] if key(r) not in ran] + results
    print(table(results))
    doc = {"date": date, "tag": args.tag, "threads": 1, "results": results,
           "notes": "shared 2-core machine; each arm in its own subprocess, one thread; peak_rss_mb is the arm's "
                    "ru_maxrss, polled_peak_rss_mb the parent's psutil poll"}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
