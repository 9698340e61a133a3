"""Scale benchmark: generated fraud graphs of 1e6, 1e7 (and with --big 1e8) edges.

Every stage runs in its own subprocess so its peak RSS is its own (``ru_maxrss``); the parent
also polls the child's RSS with psutil and kills it above ``--cap-gb`` (the shared machine must
survive), recording what happened. Stages, with the naive path side by side:

* ingest: graphguard (pyarrow + vectorised hash join + CSR) on Parquet tables and on Neptune CSV,
  against pandas ``read_csv`` + a Python dict id map on the same Neptune CSV;
* sample: sampled edges per second with ``graphguard.train.sampler`` (fanout 10, 5);
* sage: one epoch of graphguard's mini-batch GraphSAGE loop and layer-wise scoring of all nodes,
  against PyG full-batch GraphSAGE (one epoch + one scoring pass) while it fits;
* tree: the tree detector's neighbour aggregation as sparse products on the store's CSR, one
  XGBoost fit on the training nodes and scoring of all nodes;
* ddp: one mini-batch epoch with 1 and 2 processes (when graphguard.train.ddp is available);
* cli_ddp: ``graphguard node train --data STORE --nproc 1|2`` (one GraphSAGE epoch through the CLI),
  each rank's peak Rss and the ranks' summed Pss polled from outside.

Usage: ``python bench/scale.py [--sizes 1e6,1e7] [--cap-gb 14] [--work /tmp/gg_scale]``.
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
SRC = Path(os.environ.get("GRAPHGUARD_SRC", ROOT / "src"))  # which graphguard source tree to benchmark
RESULTS = ROOT / "bench" / "results" / "scale.json"
FANOUT = [10, 5]
BATCH = 2048
HIDDEN = 64
FULL_BATCH_MAX_EDGES = 3e7  # directed edges; above this the naive PyG full batch does not fit in the cap


# ----------------------------------------------------------------------------- child stages
def _peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # GiB (ru_maxrss is KiB on Linux)


def stage_generate(a):
    from graphguard import _console
    from graphguard.data.generate import generate

    _console.set_quiet(True)
    s = generate(a["out"], a["nodes"], a["edges"], seed=0, format=a["format"])
    return {"seconds": s["seconds"]}


def stage_ingest(a):
    from graphguard import _console
    from graphguard.data.ingest import ingest

    _console.set_quiet(True)
    rep = ingest(a["src"], a["out"], format=a["format"])
    return {"seconds": rep.seconds["total"], "edge_seconds": rep.seconds["edges"],
            "rows_per_s": rep.edge_rows / rep.seconds["total"], "edge_read_rows_per_s": rep.edges_per_second,
            "edge_rows": rep.edge_rows}


def stage_naive_ingest(a):
    """pandas read_csv + a Python dict from id to row, as a script without graphguard would do."""
    import numpy as np
    import pandas as pd

    src = Path(a["src"])
    t0 = time.perf_counter()
    mapping: dict[str, int] = {}
    for f in sorted(src.glob("nodes_*.csv")):
        ids = pd.read_csv(f, usecols=["~id"])["~id"]
        mapping.update(zip(ids, range(len(mapping), len(mapping) + len(ids))))
    rows = 0
    for f in sorted(src.glob("edges_*.csv")):
        e = pd.read_csv(f, usecols=["~from", "~to", "time:Double"])
        s = e["~from"].map(mapping).to_numpy(np.int64)
        d = e["~to"].map(mapping).to_numpy(np.int64)
        rows += len(e)
        del e, s, d
    sec = time.perf_counter() - t0
    return {"seconds": sec, "rows_per_s": rows / sec, "edge_rows": rows}


def _homogeneous(a, edge_index: bool = False):
    """The store's account graph: node arrays and the CSR memory-mapped, ``edge_index`` only if asked."""
    from graphguard.data.store import homogeneous_view

    return homogeneous_view(a["store"], edge_index=edge_index)


def _plain(g):
    """The previous path: the same graph as an in-memory edge_index, with no store adjacency."""
    from torch_geometric.data import Data

    return Data(x=g.x, y=g.y, train_mask=g.train_mask, edge_index=g.edge_index, num_nodes=g.num_nodes)


def stage_sample(a):
    import numpy as np
    import torch

    from graphguard.train.sampler import NeighborSampler
    from torch_geometric.sampler import NodeSamplerInput

    t0 = time.perf_counter()
    if a.get("previous"):  # edge_index materialised from the store, then sorted into a CSC copy
        g = _plain(_homogeneous(a, edge_index=True))
    else:  # the store's CSR read in place
        g = _homogeneous(a)
    sampler = NeighborSampler(g, FANOUT, seed=0)
    build = time.perf_counter() - t0
    seeds = np.flatnonzero(g.train_mask.numpy())
    rng = np.random.default_rng(0)
    seeds = rng.permutation(seeds)
    edges, t0, i = 0, time.perf_counter(), 0
    while time.perf_counter() - t0 < a.get("seconds", 20) and i * BATCH < seeds.size:
        idx = torch.as_tensor(seeds[i * BATCH:(i + 1) * BATCH])
        out = sampler.sample_from_nodes(NodeSamplerInput(input_id=None, node=idx))
        edges += int(out.row.numel())
        i += 1
    sec = time.perf_counter() - t0
    return {"sampler_build_s": build, "sampled_edges_per_s": edges / sec, "batches": i}


def stage_sage(a):
    import numpy as np
    import torch

    from graphguard.nn.sage import GraphSAGE
    from graphguard.train.loop import TrainConfig, score_nodes, train_node_model

    torch.manual_seed(0)
    g = _homogeneous(a)
    train = np.flatnonzero(g.train_mask.numpy())
    model = GraphSAGE(g.num_features, HIDDEN, num_layers=2, out_dim=2)
    cfg = TrainConfig(epochs=1, batch_size=BATCH, num_neighbors=FANOUT, chunk=1 << 16)
    res = {"train_nodes": int(train.size)}
    t0 = time.perf_counter()
    if a.get("max_seconds"):
        res.update(_sage_deadline(model, g, train, a["max_seconds"]))
    else:
        train_node_model(model, g, train, None, cfg, num_hops=2)
    epoch = time.perf_counter() - t0
    t0 = time.perf_counter()
    p = score_nodes(model, g, cfg)
    score = time.perf_counter() - t0
    res.update({"epoch_s": res.get("projected_epoch_s", epoch), "score_all_s": score, "scored": int(p.shape[0])})
    return res


def _sage_deadline(model, g, train, max_seconds: float) -> dict:
    """The same sampler, loader, model and loss as the training loop, stopped at a deadline.

    Used where a full epoch would not finish on the shared machine: memory is at its peak from
    the first batch (the graph view and the sampler's CSC), and the epoch time is projected from
    the batches done.
    """
    import torch

    from graphguard.train.sampler import node_loader

    loader = node_loader(g, train, FANOUT, batch_size=BATCH, shuffle=True, seed=0)  # sampler on the store CSR
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    t0, done = time.perf_counter(), 0
    setup = None
    for batch in loader:
        if setup is None:
            setup = time.perf_counter() - t0
        opt.zero_grad()
        out = model(batch)[: batch.batch_size]
        torch.nn.functional.cross_entropy(out, batch.y[: batch.batch_size]).backward()
        opt.step()
        done += 1
        if time.perf_counter() - t0 > max_seconds:
            break
    total = (train.size + BATCH - 1) // BATCH
    spent = time.perf_counter() - t0
    return {"batches_done": done, "batches_total": int(total), "partial_epoch": done < total,
            "setup_s": setup, "measured_s": spent,
            "projected_epoch_s": spent / done * total if done else None}


def stage_sage_full(a):
    """The naive path: PyG's GraphSAGE on the whole graph in memory, one epoch + one scoring pass."""
    import torch
    from torch_geometric.nn import GraphSAGE

    torch.manual_seed(0)
    g = _homogeneous(a, edge_index=True)
    x = g.x.clone()  # full batch means everything in memory
    y, m = g.y.clone(), g.train_mask.clone()
    model = GraphSAGE(x.shape[1], HIDDEN, num_layers=2, out_channels=2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    t0 = time.perf_counter()
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x, g.edge_index)[m], y[m])
    loss.backward()
    opt.step()
    epoch = time.perf_counter() - t0
    t0 = time.perf_counter()
    with torch.no_grad():
        model(x, g.edge_index)
    return {"epoch_s": epoch, "score_all_s": time.perf_counter() - t0}


def stage_tree(a):
    """Tree detector: 2-hop mean aggregation as sparse products on the stored CSR, XGBoost, scoring."""
    import numpy as np
    import scipy.sparse as sp
    import xgboost as xgb

    from graphguard.data.store import open_store
    from graphguard.utils.threads import get_threads

    gs = open_store(a["store"])
    t = gs.target_node_type
    et = next(e for e in gs.edge_types if e[0] == t and e[2] == t)
    indptr, indices = gs.csr(et)
    n = gs.num_nodes(t)
    t0 = time.perf_counter()
    adj = sp.csr_matrix((np.ones(indices.size, np.float32), indices, indptr), shape=(n, n))
    deg = np.diff(indptr).astype(np.float32)
    inv = (1.0 / np.maximum(deg, 1)).astype(np.float32)[:, None]
    x = np.asarray(gs.node_array(t, "x"))
    h1 = (adj @ x) * inv
    h2 = (adj @ h1) * inv
    feats = np.concatenate([x, h1, h2, np.log1p(deg)[:, None]], 1)
    agg = time.perf_counter() - t0
    y = np.asarray(gs.node_array(t, "y"))
    train = np.asarray(gs.node_array(t, "train_mask"))
    t0 = time.perf_counter()
    clf = xgb.XGBClassifier(n_estimators=100, max_depth=6, tree_method="hist", n_jobs=get_threads())
    clf.fit(feats[train], y[train])
    fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    p = clf.predict_proba(feats)[:, 1]
    score = time.perf_counter() - t0
    from graphguard.metrics import auprc

    test = np.asarray(gs.node_array(t, "test_mask"))
    return {"aggregate_s": agg, "fit_s": fit, "epoch_s": agg + fit, "score_all_s": score,
            "test_auprc": float(auprc(y[test], p[test]))}


def stage_ddp(a):
    """One mini-batch epoch under torchrun with ``nproc`` gloo processes (wall time of the launch)."""
    nproc = a["nproc"]
    code = ("import sys,json,resource,numpy as np,torch;sys.argv=['x'];"
            "from graphguard.data.store import homogeneous_view;from graphguard.nn.sage import GraphSAGE;"
            "from graphguard.train.loop import TrainConfig,train_node_model;torch.manual_seed(0);"
            f"g=homogeneous_view({a['store']!r},edge_index=False);tr=np.flatnonzero(g.train_mask.numpy());"
            f"m=GraphSAGE(g.num_features,{HIDDEN},num_layers=2,out_dim=2);"
            f"train_node_model(m,g,tr,None,TrainConfig(epochs=1,batch_size={BATCH},num_neighbors={FANOUT}),num_hops=2);"
            "r={l.split(':')[0]:int(l.split()[1]) for l in open('/proc/self/smaps_rollup') if l.split(':')[0] in ('Rss','Pss')};"
            "print('RANKMEM',json.dumps({'rss_gb':r['Rss']/2**20,'pss_gb':r['Pss']/2**20,"
            "'peak_rss_gb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/2**20}),flush=True)")
    script = Path(a["store"]) / f"_ddp_{nproc}.py"
    script.write_text(code)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
                        str(script)], check=True, capture_output=True, text=True)
    ranks = [json.loads(line.split("RANKMEM", 1)[1]) for line in r.stdout.splitlines() if "RANKMEM" in line]
    # Rss counts the store's pages in every rank; Pss splits shared pages between the ranks that map them
    return {"nproc": nproc, "epoch_wall_s": time.perf_counter() - t0, "ranks": ranks}


def _smaps(pid: int) -> dict:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return {ln.split(":")[0]: int(ln.split()[1]) for ln in f if ln.split(":")[0] in ("Rss", "Pss")}
    except OSError:
        return {}


def stage_cli_ddp(a):
    """``graphguard node train --data STORE --nproc N`` (the CLI path), one GraphSAGE epoch.

    The ranks' memory is polled from outside (``/proc/<pid>/smaps_rollup`` every 0.2 s): the peak
    Rss of each rank, which counts the store pages it maps, and the peak of the ranks' summed Pss,
    which counts a page shared by two ranks once (half in each), i.e. what the job really holds.
    """
    import psutil

    params = json.dumps({"hidden": HIDDEN, "epochs": 1, "patience": 0, "batch_size": BATCH, "num_neighbors": FANOUT})
    out = Path(a["store"]).parent / f"cli_model_{a['nproc']}"
    cmd = [sys.executable, "-m", "graphguard", "node", "train", "--data", a["store"], "--model", "graphsage",
           "--out", str(out), "--params", params, "--quiet", "--threads", "1", "--nproc", str(a["nproc"])]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    me = psutil.Process(proc.pid)
    rank_rss: dict[int, float] = {}
    pss_sum = 0.0
    while proc.poll() is None:
        try:
            kids = [c for c in me.children(recursive=True) if "torch.distributed.run" not in " ".join(c.cmdline())]
        except psutil.Error:
            kids = []
        ranks = [c for c in kids if c.pid != proc.pid] if a["nproc"] > 1 else [me]
        mem = {c.pid: _smaps(c.pid) for c in ranks}
        for pid, m in mem.items():
            rank_rss[pid] = max(rank_rss.get(pid, 0.0), m.get("Rss", 0) / 2**20)
        pss_sum = max(pss_sum, sum(m.get("Pss", 0) for m in mem.values()) / 2**20)
        time.sleep(0.2)
    err = proc.stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}")
    metrics = json.loads((out / "metrics.json").read_text())
    return {"nproc": a["nproc"], "wall_s": time.perf_counter() - t0, "fit_s": metrics.get("fit_seconds"),
            "rank_peak_rss_gb": sorted(rank_rss.values(), reverse=True)[: a["nproc"]],
            "max_rank_rss_gb": max(rank_rss.values(), default=0.0), "peak_pss_sum_gb": pss_sum,
            "test_auprc": metrics.get("test", {}).get("auprc")}


STAGES = {k[6:]: v for k, v in globals().items() if k.startswith("stage_")}


# ----------------------------------------------------------------------------- parent
def run_stage(name: str, args: dict, cap_gb: float, timeout: float, src: Path | None = None) -> dict:
    import psutil

    env = dict(os.environ, PYTHONPATH=str(src or SRC), GRAPHGUARD_THREADS=os.environ.get("GRAPHGUARD_THREADS", "1"),
               OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    proc = subprocess.Popen([sys.executable, __file__, "--child", name, json.dumps(args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak, t0, status = 0.0, time.perf_counter(), "ok"
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
        except psutil.Error:
            rss = 0
        peak = max(peak, rss / 2**30)
        if peak > cap_gb:
            status = f"killed: RSS above the {cap_gb:g} GB cap"
        elif time.perf_counter() - t0 > timeout:
            status = f"killed: over the {timeout:g}s time limit"
        if status != "ok":
            for c in ps.children(recursive=True):
                c.kill()
            proc.kill()
            break
        time.sleep(0.2)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    res = {"stage": name, "status": status, "wall_s": round(wall, 2), "polled_peak_gb": round(peak, 3)}
    if status == "ok" and proc.returncode != 0:
        res["status"] = "failed: " + (err.strip().splitlines() or ["?"])[-1][:300]
    if status == "ok" and proc.returncode == 0:
        res.update(json.loads(out.strip().splitlines()[-1]))
    print(f"  {name:12s} {res['status']:>8s}  {json.dumps({k: v for k, v in res.items() if k not in ('stage', 'status')})}",
          flush=True)
    return res


def available(mod: str) -> bool:
    import importlib.util

    sys.path.insert(0, str(SRC))
    try:
        return importlib.util.find_spec(mod) is not None
    finally:
        sys.path.pop(0)


def bench_size(edges: int, work: Path, cap: float, timeout: float, naive_max: float, ddp_max: float,
               epoch_seconds: float | None, opts: argparse.Namespace) -> dict:
    """Run the stages for one size; ``opts`` carries --stages, --reuse, --ref-src and --repeat."""
    nodes = max(1000, edges // 20)
    d = work / f"e{edges:.0e}".replace("+", "")
    tables, neptune, store, store_csv = d / "tables", d / "neptune", d / "store", d / "store_csv"
    print(f"== {edges:,} edges, {nodes:,} nodes", flush=True)
    r: dict = {"edges": edges, "nodes": nodes, "stages": {}}
    S = r["stages"]
    want = set(opts.stages.split(",")) if opts.stages else None

    def on(name: str) -> bool:
        return want is None or name in want

    def ingest_pair(key: str, args: dict) -> None:
        """graphguard's ingest, and the reference source tree's on the same files, alternating."""
        runs = {key: [], key + "_ref": []}
        for _ in range(opts.repeat):
            if opts.ref_src:
                runs[key + "_ref"].append(run_stage("ingest", args, cap, timeout, src=Path(opts.ref_src)))
            runs[key].append(run_stage("ingest", args, cap, timeout))
        for k, rs in runs.items():
            if rs:
                ok = [x for x in rs if x["status"] == "ok"]
                best = dict(min(ok, key=lambda x: x["seconds"]) if ok else rs[0])
                best["repeats_s"] = [x.get("seconds") for x in rs]
                if k.endswith("_ref"):
                    best["source"] = str(opts.ref_src)
                S[k] = best

    with_csv = edges <= naive_max
    for fmt, folder in (("tables", tables), ("neptune", neptune)):
        if fmt == "neptune" and not with_csv:
            continue
        if opts.reuse and folder.is_dir():
            print(f"  reusing {folder}", flush=True)
        elif on("generate"):
            S[f"generate_{fmt}"] = run_stage("generate", {"out": str(folder), "nodes": nodes, "edges": edges,
                                                           "format": fmt}, cap, timeout)
    if on("ingest"):
        ingest_pair("ingest_tables", {"src": str(tables), "out": str(store), "format": "tables"})
        if with_csv:
            ingest_pair("ingest_neptune", {"src": str(neptune), "out": str(store_csv), "format": "neptune"})
    if with_csv and on("naive_ingest"):
        S["naive_ingest_neptune"] = run_stage("naive_ingest", {"src": str(neptune)}, cap, timeout)
    if not (store / "graphguard_store.json").is_file():
        return r
    a = {"store": str(store)}
    if on("sample"):
        S["sample"] = run_stage("sample", a, cap, timeout)
        S["sample_previous"] = run_stage("sample", {**a, "previous": True}, cap, timeout)
    if on("sage"):
        S["sage_minibatch"] = run_stage("sage", {**a, "max_seconds": epoch_seconds}, cap, timeout)
    directed = 2 * 0.6 * edges
    if on("sage_full"):
        if directed <= FULL_BATCH_MAX_EDGES:
            S["sage_fullbatch_pyg"] = run_stage("sage_full", a, cap, timeout)
        else:
            S["sage_fullbatch_pyg"] = {"status": f"skipped: {directed:.1e} directed edges do not fit a full batch in the "
                                                 f"cap (>= {directed * 2 * (16 + HIDDEN) * 4 / 2**30:.0f} GB of messages)"}
    if on("tree"):
        S["tree"] = run_stage("tree", a, cap, timeout)
    if on("ddp") and edges <= ddp_max:
        S["ddp_1"] = run_stage("ddp", {**a, "nproc": 1}, cap, timeout)
        S["ddp_2"] = run_stage("ddp", {**a, "nproc": 2}, cap, timeout)
    if on("cli_ddp") and edges <= ddp_max:  # the CLI path, and the reference tree's CLI on the same store
        for n in [int(v) for v in opts.cli_nproc.split(",")]:
            if opts.ref_src:
                S[f"cli_ddp_{n}_ref"] = run_stage("cli_ddp", {**a, "nproc": n}, cap, timeout, src=Path(opts.ref_src))
                S[f"cli_ddp_{n}_ref"]["source"] = str(opts.ref_src)
            S[f"cli_ddp_{n}"] = run_stage("cli_ddp", {**a, "nproc": n}, cap, timeout)
    return r


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        name, args = sys.argv[2], json.loads(sys.argv[3])
        res = STAGES[name](args)
        res["peak_rss_gb"] = round(_peak(), 3)
        ru = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        res["cpu_s"] = round(sum(r.ru_utime + r.ru_stime for r in ru), 2)  # less sensitive to a busy machine than wall time
        print(json.dumps(res))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--cap-gb", type=float, default=14.0)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--naive-max", type=float, default=1e7, help="largest size for CSV, pandas and DDP stages")
    ap.add_argument("--ddp-max", type=float, default=1e6, help="largest size for the 1 vs 2 process DDP stage")
    ap.add_argument("--epoch-seconds", type=float, default=None,
                    help="stop the GraphSAGE epoch after this long and project its time (for 1e8 on a busy machine)")
    ap.add_argument("--plot", default=None, help="write the peak-memory plot (PNG) here and exit")
    ap.add_argument("--work", default="/tmp/gg_scale")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--reuse", action="store_true", help="use generated folders already under --work")
    ap.add_argument("--stages", default=None,
                    help="comma list of generate,ingest,naive_ingest,sample,sage,sage_full,tree,ddp,cli_ddp (default all)")
    ap.add_argument("--ref-src", default=None,
                    help="a graphguard src/ tree (e.g. git archive of an older commit) whose ingest runs "
                         "alternately with this one on the same files")
    ap.add_argument("--repeat", type=int, default=1, help="ingest runs per source (best one reported)")
    ap.add_argument("--tag", default=None, help="label stored in every stage of this run")
    ap.add_argument("--cli-nproc", default="1,2", help="process counts for the cli_ddp stage")
    args = ap.parse_args()
    if args.plot:
        plot(json.loads(RESULTS.read_text()), Path(args.plot))
        return
    work = Path(args.work)
    old = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results = {str(int(r["edges"])): r for r in old.get("runs", [])}
    for e in [int(float(s)) for s in args.sizes.split(",")]:
        new = bench_size(e, work, args.cap_gb, args.timeout, args.naive_max, args.ddp_max,
                         args.epoch_seconds if e > 2e7 else None, args)
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        for st in new["stages"].values():  # which rows come from which run
            st.setdefault("date", stamp)
            st["machine"] = machine()
            if args.tag:
                st["run"] = args.tag
        old_run = results.get(str(e))
        if old_run is not None and args.stages:  # a partial run updates only the stages it ran
            old_run["stages"].update(new["stages"])
        else:
            results[str(e)] = new
        results[str(e)]["date"] = stamp
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"machine": machine(), "cap_gb": args.cap_gb,
                                       "runs": sorted(results.values(), key=lambda r: r["edges"])}, indent=1))
        if not args.keep:
            import shutil

            shutil.rmtree(work / f"e{e:.0e}".replace("+", ""), ignore_errors=True)
    table(json.loads(RESULTS.read_text()))


def machine() -> dict:
    import platform

    return {"cpus": os.cpu_count(), "threads": os.environ.get("GRAPHGUARD_THREADS", "1"), "python": platform.python_version(),
            "load_avg_1m": os.getloadavg()[0]}


def _fmt(s: dict, key: str, scale: float = 1.0, fmt: str = "{:.1f}") -> str:
    if not s or s.get("status") != "ok" or key not in s:
        return (s or {}).get("status", "-").split(":")[0]
    projected = key == "epoch_s" and s.get("partial_epoch")  # extrapolated from the batches done
    return ("~" if projected else "") + fmt.format(s[key] * scale)


def table(res: dict) -> None:
    rows = [("edges", lambda r: f"{r['edges']:.0e}")]
    spec = [
        ("ingest Parquet (M edges/s)", "ingest_tables", "rows_per_s", 1e-6, "{:.2f}"),
        ("  of which edge rows read + ids mapped (M/s)", "ingest_tables", "edge_read_rows_per_s", 1e-6, "{:.2f}"),
        ("ingest Parquet total (s)", "ingest_tables", "seconds", 1, "{:.1f}"),
        ("  previous code, same files (M/s)", "ingest_tables_ref", "rows_per_s", 1e-6, "{:.2f}"),
        ("  previous code: edge pass (M/s)", "ingest_tables_ref", "edge_read_rows_per_s", 1e-6, "{:.2f}"),
        ("ingest Neptune CSV (M/s)", "ingest_neptune", "rows_per_s", 1e-6, "{:.2f}"),
        ("  of which edge pass (M/s)", "ingest_neptune", "edge_read_rows_per_s", 1e-6, "{:.2f}"),
        ("  previous code, same files (M/s)", "ingest_neptune_ref", "rows_per_s", 1e-6, "{:.2f}"),
        ("  previous code: edge pass (M/s)", "ingest_neptune_ref", "edge_read_rows_per_s", 1e-6, "{:.2f}"),
        ("naive pandas+dict (M/s)", "naive_ingest_neptune", "rows_per_s", 1e-6, "{:.2f}"),
        ("ingest Parquet peak RSS (GB)", "ingest_tables", "peak_rss_gb", 1, "{:.2f}"),
        ("naive ingest peak RSS (GB)", "naive_ingest_neptune", "peak_rss_gb", 1, "{:.2f}"),
        ("sampled edges/s (M)", "sample", "sampled_edges_per_s", 1e-6, "{:.2f}"),
        ("sample stage peak RSS (GB)", "sample", "peak_rss_gb", 1, "{:.2f}"),
        ("sampler build on the store CSR (s)", "sample", "sampler_build_s", 1, "{:.1f}"),
        ("sampler build, previous path: edge_index + sort (s)", "sample_previous", "sampler_build_s", 1, "{:.1f}"),
        ("  previous path peak RSS (GB)", "sample_previous", "peak_rss_gb", 1, "{:.2f}"),
        ("SAGE mini-batch epoch (s)", "sage_minibatch", "epoch_s", 1, "{:.1f}"),
        ("SAGE score all, layer-wise (s)", "sage_minibatch", "score_all_s", 1, "{:.1f}"),
        ("SAGE mini-batch peak RSS (GB)", "sage_minibatch", "peak_rss_gb", 1, "{:.2f}"),
        ("PyG full-batch epoch (s)", "sage_fullbatch_pyg", "epoch_s", 1, "{:.1f}"),
        ("PyG full-batch peak RSS (GB)", "sage_fullbatch_pyg", "peak_rss_gb", 1, "{:.2f}"),
        ("tree epoch: aggregate+fit (s)", "tree", "epoch_s", 1, "{:.1f}"),
        ("tree score all (s)", "tree", "score_all_s", 1, "{:.1f}"),
        ("tree test AUPRC", "tree", "test_auprc", 1, "{:.3f}"),
        ("DDP 1 proc epoch wall (s)", "ddp_1", "epoch_wall_s", 1, "{:.1f}"),
        ("DDP 2 proc epoch wall (s)", "ddp_2", "epoch_wall_s", 1, "{:.1f}"),
        ("CLI node train on the store, 2 proc: wall (s)", "cli_ddp_2", "wall_s", 1, "{:.1f}"),
        ("  peak Rss of one rank (GB)", "cli_ddp_2", "max_rank_rss_gb", 1, "{:.2f}"),
        ("  peak Pss of both ranks (GB)", "cli_ddp_2", "peak_pss_sum_gb", 1, "{:.2f}"),
        ("  previous code (edge_index per rank): wall (s)", "cli_ddp_2_ref", "wall_s", 1, "{:.1f}"),
        ("  previous code: peak Rss of one rank (GB)", "cli_ddp_2_ref", "max_rank_rss_gb", 1, "{:.2f}"),
        ("  previous code: peak Pss of both ranks (GB)", "cli_ddp_2_ref", "peak_pss_sum_gb", 1, "{:.2f}"),
        ("CLI node train on the store, 1 proc: wall (s)", "cli_ddp_1", "wall_s", 1, "{:.1f}"),
        ("  peak Rss (GB)", "cli_ddp_1", "max_rank_rss_gb", 1, "{:.2f}"),
        ("  previous code: peak Rss (GB)", "cli_ddp_1_ref", "max_rank_rss_gb", 1, "{:.2f}"),
    ]
    runs = res["runs"]
    lines = ["| metric | " + " | ".join(f"{r['edges']:.0e}" for r in runs) + " |",
             "|---|" + "---|" * len(runs)]
    for label, st, key, sc, fmt in spec:
        lines.append(f"| {label} | " + " | ".join(_fmt(r["stages"].get(st, {}), key, sc, fmt) for r in runs) + " |")
    print("\n".join(lines))
    del rows


def plot(res: dict, out: Path) -> None:
    """Peak RSS of each stage against edges on linear axes (a straight line = linear growth)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = res["runs"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for st, label in [("ingest_tables", "ingest (Parquet)"), ("sage_minibatch", "GraphSAGE mini-batch epoch"),
                      ("tree", "tree detector epoch"), ("sage_fullbatch_pyg", "PyG full batch (naive)"),
                      ("naive_ingest_neptune", "pandas + dict ingest (naive)")]:
        # a stage stopped before its end still has the parent's polled peak
        pts = [(r["edges"], r["stages"][st].get("peak_rss_gb", r["stages"][st].get("polled_peak_gb"))) for r in runs
               if r["stages"].get(st, {}).get("peak_rss_gb", r["stages"].get(st, {}).get("polled_peak_gb"))]
        if pts:
            ax.plot(*zip(*pts), marker="o", label=label)
    xs = [r["edges"] for r in runs]
    if xs:
        ax.axhline(24.0, color="k", ls="--", lw=0.8, label="24 GB target")
        ax.set_xlim(0, max(xs) * 1.05)
        ax.set_ylim(0, 26)
    ax.set_xlabel("edges (records; stored twice, both directions)")
    ax.set_ylabel("peak RSS (GB)")
    ax.set_title("graphguard scale: peak memory per stage")
    ax.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    main()
