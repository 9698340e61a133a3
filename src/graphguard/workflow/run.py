"""``graphguard run job.yaml``: from a job file to a run directory with a model, metrics and a report.

The run directory holds everything needed to look at, explain and serve the result::

    RUN_DIR/job.yaml            the job as given
    RUN_DIR/config.json         the validated job, its digest, versions and the data summary
    RUN_DIR/encodings.json      the encoding picked for every property, why, and its fitted state
    RUN_DIR/graph.npz           the encoded graph (features, edges, labels, split, node ids)
    RUN_DIR/properties.parquet  the raw properties of the target nodes (for the report and explanations)
    RUN_DIR/trials.jsonl        one line per finished tuning trial
    RUN_DIR/model/              the chosen detector (config.json + weights.safetensors)
    RUN_DIR/predictions.csv     id, score, predicted label, true label, split for every node
    RUN_DIR/metrics.json        validation and test metrics, threshold, best trial
    RUN_DIR/report.html         the self-contained report
    RUN_DIR/status.json         the last finished stage

Every stage writes its files atomically and then records itself in ``status.json``; ``--resume``
skips the stages already done and the tuning trials already finished.

This module runs node classification; node regression, link prediction and graph classification
go through ``workflow.driver`` with the same stages and bookkeeping (their data files differ:
``targets.npy``, ``triples/``, ``graphs.graphs.npz`` + ``split.json``).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd

from graphguard._console import log
from graphguard.errors import ConfigError, GraphGuardError
from graphguard.workflow.job import LoadedJob, load_job

STAGES = ("data", "tune", "model", "evaluate", "report")


# --------------------------------------------------------------------------- small file helpers
def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_json(path: Path, obj) -> None:
    """``obj`` as strict JSON: an undefined (NaN or infinite) number is written as ``null``, never as ``NaN``."""
    from graphguard.utils.serialization import strict_json

    write_atomic(path, strict_json(obj, indent=2, sort_keys=True, default=_json_default))


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


class RunDir:
    """Paths and stage bookkeeping of one run directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __truediv__(self, name: str) -> Path:
        return self.root / name

    @property
    def status(self) -> dict:
        p = self.root / "status.json"
        return read_json(p) if p.is_file() else {"done": []}

    def done(self, stage: str) -> bool:
        return stage in self.status["done"]

    def mark(self, stage: str) -> None:
        st = self.status
        if stage not in st["done"]:
            st["done"].append(stage)
        st["complete"] = all(s in st["done"] for s in STAGES)
        st["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        write_json(self.root / "status.json", st)

    def check(self) -> "RunDir":
        if not self.root.is_dir():
            raise GraphGuardError(f"{self.root}: run directory not found")
        if not (self.root / "config.json").is_file():
            raise GraphGuardError(f"{self.root}: not a graphguard run directory (no config.json)")
        return self


# --------------------------------------------------------------------------- metrics
def metric_fn(name: str):
    from graphguard import metrics

    return {"auroc": metrics.auroc, "auprc": metrics.auprc, "rec_at_k": metrics.recall_at_k}[name]


def _threshold_metrics(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    pred = scores >= threshold
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    tn = int((~pred & (y == 0)).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def evaluate_split(y: np.ndarray, scores: np.ndarray, threshold: float, model: str = "metrics") -> dict:
    from graphguard.metrics import node_metrics

    out = node_metrics(y, scores, model)
    out.update(_threshold_metrics(y, scores, threshold))
    out["nodes"] = int(y.size)
    out["positives"] = int(y.sum())
    return out


# --------------------------------------------------------------------------- stages
def encode_table(job: LoadedJob, table):
    """The node properties as a feature matrix, with the encodings picked (and overridden) per column."""
    from graphguard.workflow.encoders import FeatureEncoder
    from graphguard.workflow.source import NOT_FEATURES

    spec = job.spec
    exclude = [c for c in spec.features.exclude if c not in NOT_FEATURES]  # those are never features anyway
    for col in list(spec.features.overrides) + exclude:
        if col not in table.props.columns:
            loc = ("features", "overrides", col) if col in spec.features.overrides else ("features", "exclude")
            why = ("; the data's split, timestamp and generated-node marker are never features (docs/data.md): "
                   "copy the column under another name to use it as one" if col in NOT_FEATURES else "")
            raise job.error(loc, f"no node property '{col}' (properties: {', '.join(map(str, table.props.columns))})"
                                 f"{why}")
    overrides = {k: v.model_dump(exclude_unset=True) | {"kind": v.kind} for k, v in spec.features.overrides.items()}
    enc = FeatureEncoder(overrides, exclude, table.declared).fit(table.props)
    return enc.transform(table.props), enc


def write_properties(rd: RunDir, table) -> None:
    """The raw properties of the target nodes, for the report and explanations."""
    props = table.props.copy()
    props.insert(0, "id", table.ids)
    props["__label__"] = table.labels.astype("string")
    for c in props.columns:  # parquet wants one type per column: keep text as text
        if props[c].dtype == object:
            props[c] = props[c].astype("string")
    tmp = rd / "properties.parquet.tmp"
    props.to_parquet(tmp, index=False)
    os.replace(tmp, rd / "properties.parquet")


def log_encodings(enc) -> None:
    for row in enc.summary():
        log(f"  {row['column']:<20} {row['kind']:<15} {row['features']:>4} feature(s)  ({row['reason']})")


def _stage_report(rd: RunDir) -> None:
    """Write the run's HTML report once (every task; a resumed run skips it when done)."""
    if rd.done("report"):
        return
    from graphguard.report import write_report

    log("[5/5] writing the report")
    write_report(rd.root)
    rd.mark("report")


def _stage_data(job: LoadedJob, rd: RunDir) -> None:
    from graphguard.data.graph import make_graph
    from graphguard.data.npz import write_npz
    from graphguard.data.splits import stratified_split
    from graphguard.data.validate import validate_graph
    from graphguard.workflow.source import binary_labels, read_node_table

    spec = job.spec
    table = read_node_table(job)
    x, enc = encode_table(job, table)
    y = binary_labels(table.labels, spec.target.positive, f"{job.path}: target.property '{spec.target.property}'")
    if table.masks is not None and spec.split.use_file_masks:
        masks = {k: m & (y >= 0) for k, m in table.masks.items()}
    else:
        tr, va, te = stratified_split(np.where(y >= 0, y, -1), (spec.split.train, spec.split.val, spec.split.test),
                                      spec.split.seed)
        masks = {"train_mask": tr, "val_mask": va, "test_mask": te}
    g = make_graph(x, table.edges, y, node_id=table.ids, undirected=True, **masks)
    validate_graph(g, job.path)
    write_npz(g, rd / "graph.npz")
    write_json(rd / "encodings.json", enc.to_json() | {"feature_names": enc.feature_names_})
    write_properties(rd, table)
    cfg = read_json(rd / "config.json")
    cfg["data"] = {
        "nodes": int(g.num_nodes), "edges": int(g.edge_index.shape[1] // 2), "features": int(x.shape[1]),
        "labelled": int((y >= 0).sum()), "positives": int((y == 1).sum()), "node_type": table.node_type,
        "notes": table.notes, "split": {k: int(m.sum()) for k, m in masks.items()},
    }
    write_json(rd / "config.json", cfg)
    log_encodings(enc)


def load_run_graph(rd: RunDir):
    from graphguard.data.npz import read_npz

    g = read_npz(rd / "graph.npz", split=0)
    return g


def _make(name: str, params: dict, seed: int):
    from graphguard.tasks.node.registry import detector_class

    cls = detector_class(name)
    accepted = set(__import__("inspect").signature(cls.__init__).parameters)
    params = dict(params)
    for key in ("seed", "random_state"):
        if key in accepted and key not in params:
            params[key] = seed
    return cls(**{k: v for k, v in params.items() if k in accepted})


def _fit(name: str, params: dict, g, seed: int):
    from graphguard.utils.seed import seed_everything

    seed_everything(seed)
    det = _make(name, params, seed)
    det.fit(g)
    return det


def _stage_tune(job: LoadedJob, rd: RunDir, g) -> dict:
    from graphguard.tasks.node.registry import detector_class
    from graphguard.workflow.tune import tune

    spec = job.spec
    y = g.y.numpy()
    val = g.val_mask.numpy()
    score = metric_fn(spec.metric)

    def objective(name: str, params: dict) -> float:
        det = _fit(name, params, g, spec.seed)
        return score(y[val], det.decision_function(g)[val])

    return tune(spec.model.candidates, objective, trials=spec.budget.trials, seconds=spec.budget.seconds,
                seed=spec.seed, log_path=rd / "trials.jsonl", fixed=spec.model.params, resolve=detector_class)


def save_model(model, rd: RunDir) -> None:
    """``model.save`` into ``rd/model`` through a temporary folder, so a killed run never leaves half a model."""
    tmp = rd / "model.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    model.save(tmp)
    if (rd / "model").exists():
        shutil.rmtree(rd / "model")
    os.replace(tmp, rd / "model")


def _stage_model(job: LoadedJob, rd: RunDir, g, best: dict):
    det = _fit(best["detector"], best["params"], g, job.spec.seed)
    save_model(det, rd)
    return det


def _stage_evaluate(job: LoadedJob, rd: RunDir, g, det, best: dict) -> dict:
    from graphguard.workflow.tune import read_trials

    y = g.y.numpy()
    scores = det.decision_function(g)
    thr = float(det.threshold_)
    split = np.full(y.size, "unlabelled", dtype=object)
    for name in ("train", "val", "test"):
        split[g[f"{name}_mask"].numpy()] = name
    split[(y >= 0) & (split == "unlabelled")] = "unused"
    pred = pd.DataFrame({"id": np.asarray(g.node_id), "score": scores, "predicted": (scores >= thr).astype(int),
                         "label": y, "split": split})
    tmp = rd / "predictions.csv.tmp"
    pred.to_csv(tmp, index=False, float_format="%.6g")
    os.replace(tmp, rd / "predictions.csv")
    metrics = {"task": job.spec.task, "metric": job.spec.metric, "threshold": thr,
               "detector": best["detector"], "params": best["params"], "best_trial": best["number"],
               "trials": len(read_trials(rd / "trials.jsonl"))}
    for name in ("val", "test"):
        m = g[f"{name}_mask"].numpy()
        if m.any() and np.unique(y[m]).size == 2:
            metrics[name] = evaluate_split(y[m], scores[m], thr, str(rd / "model"))
    write_json(rd / "metrics.json", metrics)
    return metrics


# --------------------------------------------------------------------------- entry point
def default_run_dir(job: LoadedJob) -> Path:
    return Path("runs") / job.spec.name


def _resume_blocker(job: LoadedJob, rd: RunDir) -> str | None:
    """Why the run in ``rd`` cannot be continued with this job, or None when it can."""
    cfg_path = rd / "config.json"
    if not cfg_path.is_file():
        return "not a graphguard run directory (no config.json)"
    old = read_json(cfg_path).get("job_digest")
    if old != job.digest():
        return f"the job file changed since this run started (digest {old} != {job.digest()})"
    return None


def _prepare(job: LoadedJob, rd: RunDir, resume: bool, force: bool) -> bool:
    """Make ``rd`` ready: continue it (``resume``), replace it (``force``), or create it; True for a new run.

    ``resume`` with ``force`` continues the run when it can and starts over when it cannot.
    """
    from graphguard import __version__

    if rd.root.exists() and not rd.root.is_dir():
        raise ConfigError(f"{rd.root}: not a directory; pick another --out")
    exists = rd.root.exists() and any(rd.root.iterdir())
    if exists and resume:
        blocker = _resume_blocker(job, rd)
        if blocker is None:
            return False
        if not force:
            raise ConfigError(f"{rd.root}: cannot resume: {blocker}; start over with --force or use another --out")
        log(f"{rd.root}: cannot resume: {blocker}; --force: starting over")
    if exists and not force:
        raise ConfigError(f"{rd.root}: run directory already exists; continue it with --resume, "
                          "start over with --force, or pick another --out")
    if exists and not (rd / "config.json").is_file():
        raise ConfigError(f"{rd.root}: not a graphguard run directory (no config.json), so --force will not delete "
                          "it; pick another --out")
    if exists:
        shutil.rmtree(rd.root)
    elif resume:
        log(f"nothing to resume in {rd.root}; starting a new run")
    rd.root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(job.path, rd / "job.yaml")
    write_json(rd / "config.json", {
        "job": job.spec.model_dump(mode="json"), "job_digest": job.digest(), "job_file": str(job.path.resolve()),
        "graphguard_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    return True


def _discard_new_run(rd: RunDir, existed: bool) -> None:
    """Remove what a new run wrote before its data stage finished, so a retry is not refused.

    Everything inside ``rd`` is this run's (the folder was empty, or ``--force`` cleared it); the
    folder itself goes only if this run created it.
    """
    if not existed:
        shutil.rmtree(rd.root, ignore_errors=True)
        return
    for p in rd.root.iterdir():
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def run_job(job_path: str | Path, out: str | Path | None = None, *, resume: bool = False,
            force: bool = False, report: bool = True) -> Path:
    """Run a job file end to end (or continue it with ``resume=True``); returns the run directory.

    A new run that fails before its data stage finishes leaves no run directory behind.
    """
    job = load_job(job_path)
    rd = RunDir(out if out is not None else default_run_dir(job))
    existed = rd.root.exists()
    new_run = _prepare(job, rd, resume, force)
    try:
        return _run_stages(job, rd, report)
    except BaseException:
        if new_run and not rd.done("data"):
            _discard_new_run(rd, existed)
        raise


def _run_stages(job: LoadedJob, rd: RunDir, report: bool) -> Path:
    if job.spec.task != "node_classification":
        from graphguard.workflow.driver import drive

        return drive(job, rd, report=report)
    if not rd.done("data"):
        log(f"[1/5] reading and encoding {job.spec.data.path}")
        _stage_data(job, rd)
        rd.mark("data")
    g = load_run_graph(rd)
    if not rd.done("tune"):
        log(f"[2/5] tuning {', '.join(job.spec.model.candidates)} on validation {job.spec.metric}")
        best = _stage_tune(job, rd, g)
        write_json(rd / "best_trial.json", best)
        rd.mark("tune")
    best = read_json(rd / "best_trial.json")
    if not rd.done("model"):
        log(f"[3/5] fitting the best model: {best['detector']} {best['params']}")
        det = _stage_model(job, rd, g, best)
        rd.mark("model")
    else:
        from graphguard.tasks.node.base import NodeDetector

        det = NodeDetector.load(rd / "model")
    if not rd.done("evaluate"):
        log("[4/5] scoring every node")
        m = _stage_evaluate(job, rd, g, det, best)
        rd.mark("evaluate")
        if "test" in m:
            t = m["test"]
            log(f"      test AUROC {t['auroc']:.4f}  AUPRC {t['auprc']:.4f}  Recall@K {t['rec_at_k']:.4f}")
    if report:
        _stage_report(rd)
    return rd.root
