"""The model behind the endpoint of a graph classification run: SMILES in, class and score out.

Only runs trained on molecules (a SMILES CSV) can score new input over HTTP: a SMILES string is
turned into a graph with the same featuriser as the training data. A run on TU graphs serves its
metadata only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from graphguard.errors import DataError
from graphguard.serve.run_files import FinishedRun


class BadSmiles(DataError):
    pass


class ServedGraphs(FinishedRun):
    def __init__(self, run_dir: str | Path):
        from graphguard.tasks.graph.base import GraphEstimator

        super().__init__(run_dir)
        self.model = GraphEstimator.load(self.run / "model")
        if self.model.task != "classification" or getattr(self.model, "classes_", None) is None:
            raise DataError(self.run / "model", f"holds a graph {self.model.task} model, which has no classes; "
                                                "a graph_classification run serves a classifier")
        self.molecules = bool(self.config.get("data", {}).get("molecules"))

    def info(self) -> dict:
        """``classes`` are the loaded model's, the ones its predicted labels are drawn from."""
        return {**self.base_info(), "classes": np.asarray(self.model.classes_).tolist(),
                "accepts_smiles": self.molecules}

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
