"""The model behind the endpoint of a node regression run: predicted values of known nodes.

Values are read from the run's ``predictions.csv`` (the model's output for every node, computed
once at the end of the run), so a request is a lookup. Inductive scoring of new nodes is offered by
node classification runs only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from graphguard.serve.model import UnknownIds
from graphguard.serve.run_files import FinishedRun, read_predictions


class ServedRegression(FinishedRun):
    required = ("config.json", "metrics.json", "model", "predictions.csv")

    def __init__(self, run_dir: str | Path):
        super().__init__(run_dir)
        pred = read_predictions(self.run, ("id", "predicted"), dtype={"id": str})
        self.ids = pred["id"].to_numpy()
        self.values = pred["predicted"].to_numpy(dtype=np.float64)
        self.index = {v: i for i, v in enumerate(self.ids.tolist())}

    def info(self) -> dict:
        return {**self.base_info(), "target": self.config["job"]["target"]["property"], "nodes": int(self.ids.size)}

    def predict(self, ids: list[str]) -> list[dict]:
        idx = [self.index.get(i, -1) for i in ids]
        missing = [i for i, j in zip(ids, idx) if j < 0]
        if missing:
            raise UnknownIds(missing, len(ids), self.node_type)
        return [{"id": i, "value": float(self.values[j]), "new": False} for i, j in zip(ids, idx)]
