"""What every served run shares: a finished run directory's config, metrics and common metadata."""

from __future__ import annotations

from pathlib import Path

from graphguard.errors import DataError
from graphguard.utils.serialization import read_json, undefined_as_null


def read_run_config(run: str | Path) -> tuple[dict, str]:
    """A run's ``config.json`` and its task; a damaged file or an unknown task is one line naming the file."""
    from graphguard.workflow.job import TASKS

    path = Path(run) / "config.json"
    config = read_json(path)
    job = config.get("job")
    task = job.get("task") if isinstance(job, dict) else None
    if task not in TASKS:
        raise DataError(path, f"job.task is {task!r}, not one of {', '.join(TASKS)}; the file is damaged "
                              "or was not written by graphguard run")
    return config, task


def scored_node_type(config: dict) -> str | None:
    """The node type a run scores (``data.node_type`` in its config), named when an id is not one of them."""
    data = config.get("data")
    node_type = data.get("node_type") if isinstance(data, dict) else None
    return node_type if isinstance(node_type, str) else None


def read_encodings(run: str | Path) -> dict | None:
    """A run's ``encodings.json`` (None when the run has none); a damaged file is one line naming it."""
    path = Path(run) / "encodings.json"
    if not path.is_file():
        return None
    enc = read_json(path)
    columns = enc.get("columns")
    keys = {"column", "kind", "reason", "features"}
    if not isinstance(columns, list) or not all(isinstance(c, dict) and keys <= set(c) and isinstance(c["features"], list)
                                                for c in columns):
        raise DataError(path, "needs a 'columns' list whose entries name column, kind, reason and features; "
                              "the file is damaged")
    return enc


def read_predictions(run: str | Path, columns: tuple[str, ...], dtype: dict | None = None):
    """A run's ``predictions.csv`` with the ``columns`` its reader needs; a damaged file is one line naming it."""
    import pandas as pd

    path = Path(run) / "predictions.csv"
    if not path.is_file():
        raise DataError(run, "missing predictions.csv; is the run finished? (graphguard run JOB --resume)")
    try:
        pred = pd.read_csv(path, dtype=dtype)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError, UnicodeDecodeError) as e:
        raise DataError(path, f"cannot be read ({type(e).__name__}: {e}); the file is damaged") from None
    missing = [c for c in columns if c not in pred.columns]
    if missing:
        raise DataError(path, f"missing column(s) {', '.join(missing)} (has {', '.join(map(str, pred.columns))}); "
                              "the file is damaged")
    return pred


class FinishedRun:
    """Checks that ``run_dir`` holds a finished run and reads its ``config.json`` and ``metrics.json``.

    Subclasses name the extra files their task needs in ``required`` and add task-specific fields to
    :meth:`info` on top of :meth:`base_info`.
    """

    required: tuple[str, ...] = ("config.json", "metrics.json", "model")

    def __init__(self, run_dir: str | Path):
        self.run = Path(run_dir)
        for name in self.required:
            if not (self.run / name).exists():
                raise DataError(self.run, f"not a finished run directory (missing {name})")
        self.config, self.task = read_run_config(self.run)
        # a metric the split could not define is null; an older or foreign writer may have left NaN instead
        self.metrics = undefined_as_null(read_json(self.run / "metrics.json"))
        self.node_type = scored_node_type(self.config)

    def base_info(self) -> dict:
        """The metadata of ``GET /v1/model`` that every task reports."""
        job = self.config["job"]
        return {"name": job["name"], "task": self.task, "detector": self.metrics.get("detector"),
                "params": self.metrics.get("params"), "metric": job.get("metric"),
                "metrics": {k: self.metrics[k] for k in ("val", "test") if k in self.metrics},
                "created": self.config.get("created"), "graphguard_version": self.config.get("graphguard_version")}
