"""The model behind the endpoint of a node regression run: predicted values of known nodes.

Values are read from the run's ``predictions.csv`` (the model's output for every node, computed
once at the end of the run), so a request is a lookup. Inductive scoring of new nodes is offered by
node classification runs only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from graphguard.errors import DataError
from graphguard.serve.model import UnknownIds


class ServedRegression:
    def __init__(self, run_dir: str | Path):
        self.run = Path(run_dir)
        for name in ("config.json", "metrics.json", "model", "predictions.csv"):
            if not (self.run / name).exists():
                raise DataError(self.run, f"not a finished run directory (missing {name})")
        self.config = json.loads((self.run / "config.json").read_text())
        self.metrics = json.loads((self.run / "metrics.json").read_text())
        self.task = self.config["job"]["task"]
        pred = pd.read_csv(self.run / "predictions.csv", dtype={"id": str})
        self.ids = pred["id"].to_numpy()
        self.values = pred["predicted"].to_numpy(dtype=np.float64)
        self.index = {v: i for i, v in enumerate(self.ids.tolist())}

    def info(self) -> dict:
        job = self.config["job"]
        return {"name": job["name"], "task": self.task, "detector": self.metrics.get("detector"),
                "params": self.metrics.get("params"), "metric": job.get("metric"),
                "target": job["target"]["property"], "nodes": int(self.ids.size),
                "metrics": {k: self.metrics[k] for k in ("val", "test") if k in self.metrics},
                "created": self.config.get("created"), "graphguard_version": self.config.get("graphguard_version")}

    def predict(self, ids: list[str]) -> list[dict]:
        idx = [self.index.get(i, -1) for i in ids]
        missing = [i for i, j in zip(ids, idx) if j < 0]
        if missing:
            raise UnknownIds(missing, len(ids))
        return [{"id": i, "value": float(self.values[j]), "new": False} for i, j in zip(ids, idx)]
