"""The five stages of a run (data, tune, model, evaluate, report) for every task but node classification.

Each task supplies a ``TaskRun``: how to read and store its data, which estimator a candidate name
makes, how a fitted model scores on validation, and what its evaluation writes. The driver runs
the stages in order and records each in ``status.json``, so ``--resume`` skips finished stages and
replays finished tuning trials exactly as node classification runs do.
"""

from __future__ import annotations

import inspect

from graphguard._console import log
from graphguard.errors import DataError
from graphguard.utils.seed import seed_everything
from graphguard.workflow.job import LoadedJob
from graphguard.workflow.run import RunDir, _stage_report, read_json, save_model, write_json


class TaskRun:
    """One task's stages; subclasses fill in the hooks. ``self.data`` is what ``load`` returned."""

    task = ""
    direction = "maximize"
    formats: tuple[str, ...] = ()  # the data formats this task reads
    formats_hint = ""  # appended to "holds 'X' data": what this task reads instead

    def guess_format(self, path) -> str | None:
        """A format for data that ``detect_format`` cannot name or names outside ``formats``; None keeps its answer."""
        return None

    def __init__(self, job: LoadedJob, rd: RunDir):
        self.job, self.rd = job, rd
        self.data = None

    # hooks ------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Read the job's data, write it into the run directory and record a summary in config.json."""
        raise NotImplementedError

    def load(self):
        """The prepared data, read back from the run directory."""
        raise NotImplementedError

    def resolve(self, name: str):
        """The estimator class of a candidate (the tuner reads its tunable parameters)."""
        raise NotImplementedError

    def make(self, name: str, params: dict):
        raise NotImplementedError

    def fit(self, model):
        raise NotImplementedError

    def validation_score(self, model) -> float:
        raise NotImplementedError

    def load_model(self, path):
        raise NotImplementedError

    def evaluate(self, model, best: dict) -> dict:
        """Write predictions and return the metrics (the driver adds the tuning record and writes them)."""
        raise NotImplementedError

    def headline(self, metrics: dict) -> str:
        """The run log's test line; a metric the split cannot define says why ("r2 undefined (constant target)")."""
        from graphguard.metrics import metric_text

        t = metrics.get("test", {})
        return "test " + "  ".join(f"{k} {metric_text(k, t[k])}" for k in self.job_metrics()
                                   if isinstance(t.get(k), float))

    # shared -----------------------------------------------------------------------------
    def job_metrics(self) -> tuple[str, ...]:
        from graphguard.workflow.job import METRICS

        return METRICS[self.task]

    def source(self):
        """``(path, format)`` of the job's data, or an error on ``data.path`` when this task cannot read it."""
        from graphguard.data.io import detect_format

        job, spec = self.job, self.job.spec
        path = job.resolve_path(spec.data.path)
        fmt = spec.data.format
        if fmt is None:
            try:
                fmt = detect_format(path)
            except DataError:
                fmt = "unknown"
            if fmt not in self.formats:
                fmt = self.guess_format(path) or fmt
        if fmt not in self.formats:
            raise job.error(("data", "path"), f"holds '{fmt}' data{self.formats_hint}")
        return path, fmt

    def config_data(self, summary: dict) -> None:
        cfg = read_json(self.rd / "config.json")
        cfg["data"] = summary
        write_json(self.rd / "config.json", cfg)

    def build(self, name: str, params: dict):
        """``make`` with the job's seed added where the estimator takes one, and unknown keys dropped."""
        cls = self.resolve(name)
        accepted = set(inspect.signature(cls.__init__).parameters)
        params = dict(params)
        if "seed" in accepted:
            params.setdefault("seed", self.job.spec.seed)
        seed_everything(self.job.spec.seed)
        return self.make(name, {k: v for k, v in params.items() if k in accepted or k == "model"})


def task_run(job: LoadedJob, rd: RunDir) -> TaskRun:
    task = job.spec.task
    if task == "node_regression":
        from graphguard.workflow.regression import RegressionRun as cls
    elif task == "link_prediction":
        from graphguard.workflow.links import LinkRun as cls
    elif task == "graph_classification":
        from graphguard.workflow.graphs import GraphRun as cls
    else:
        raise ValueError(f"no TaskRun for {task}")
    return cls(job, rd)


def drive(job: LoadedJob, rd: RunDir, report: bool = True):
    """Run (or resume) the stages of a job in ``rd``; returns the run directory."""
    from graphguard.workflow.tune import read_trials, tune

    run = task_run(job, rd)
    spec = job.spec
    if not rd.done("data"):
        log(f"[1/5] reading {spec.data.path} for {spec.task}")
        run.prepare()
        rd.mark("data")
    run.data = run.load()
    if not rd.done("tune"):
        log(f"[2/5] tuning {', '.join(spec.model.candidates)} on validation {spec.metric}")

        def objective(name: str, params: dict) -> float:
            return run.validation_score(run.fit(run.build(name, params)))

        best = tune(spec.model.candidates, objective, trials=spec.budget.trials, seconds=spec.budget.seconds,
                    seed=spec.seed, log_path=rd / "trials.jsonl", fixed=spec.model.params, resolve=run.resolve,
                    direction=run.direction)
        write_json(rd / "best_trial.json", best)
        rd.mark("tune")
    best = read_json(rd / "best_trial.json")
    if not rd.done("model"):
        log(f"[3/5] fitting the best model: {best['detector']} {best['params']}")
        model = run.fit(run.build(best["detector"], best["params"]))
        save_model(model, rd)
        rd.mark("model")
    else:
        model = run.load_model(rd / "model")
    if not rd.done("evaluate"):
        log("[4/5] evaluating")
        metrics = {"task": spec.task, "metric": spec.metric, "detector": best["detector"], "params": best["params"],
                   "best_trial": best["number"], "trials": len(read_trials(rd / "trials.jsonl"))}
        metrics.update(run.evaluate(model, best))
        write_json(rd / "metrics.json", metrics)
        rd.mark("evaluate")
        log(f"      {run.headline(metrics)}")
    if report:
        _stage_report(rd)
    return rd.root
