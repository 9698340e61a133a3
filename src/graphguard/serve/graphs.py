"""The model behind the endpoint of a graph classification run: SMILES in, class and score out.

Only runs trained on molecules (a SMILES CSV) can score new input over HTTP: a SMILES string is
turned into a graph with the same featuriser as the training data. A run on TU graphs serves its
metadata only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from graphguard.errors import DataError


class BadSmiles(DataError):
    pass


class ServedGraphs:
    def __init__(self, run_dir: str | Path):
        from graphguard.tasks.graph.base import GraphEstimator

        self.run = Path(run_dir)
        for name in ("config.json", "metrics.json", "model"):
            if not (self.run / name).exists():
                raise DataError(self.run, f"not a finished run directory (missing {name})")
        self.config = json.loads((self.run / "config.json").read_text())
        self.metrics = json.loads((self.run / "metrics.json").read_text())
        self.task = self.config["job"]["task"]
        self.model = GraphEstimator.load(self.run / "model")
        self.molecules = bool(self.config.get("data", {}).get("molecules"))

    def info(self) -> dict:
        job = self.config["job"]
        return {"name": job["name"], "task": self.task, "detector": self.metrics.get("detector"),
                "params": self.metrics.get("params"), "metric": job.get("metric"),
                "classes": self.metrics.get("classes"), "accepts_smiles": self.molecules,
                "metrics": {k: self.metrics[k] for k in ("val", "test") if k in self.metrics},
                "created": self.config.get("created"), "graphguard_version": self.config.get("graphguard_version")}

    def predict_smiles(self, smiles: list[str]) -> list[dict]:
        from graphguard.builders.molecule import smiles_to_graph

        graphs = []
        for i, s in enumerate(smiles):
            try:
                graphs.append(smiles_to_graph(s, source=f"smiles.{i}"))
            except DataError as e:
                raise BadSmiles(f"smiles.{i}", e.problem) from None
        proba = np.asarray(self.model.predict_proba(graphs), dtype=np.float64)
        classes = np.asarray(self.model.classes_)
        return [{"smiles": s, "label": classes[p.argmax()].item(),
                 "score": float(p[1]) if classes.size == 2 else float(p.max())} for s, p in zip(smiles, proba)]
