"""The model behind the endpoint of a link prediction run: ``(head, relation) -> top tails``.

The run's ``LinkPredictor`` is loaded once; a query scores every entity as the tail and leaves out
the tails that already form a known triple (train, valid or test of the run) unless asked.
"""

from __future__ import annotations

from pathlib import Path

from graphguard.serve.model import UnknownIds
from graphguard.serve.run_files import FinishedRun


class UnknownName(UnknownIds):
    """An entity or relation the model has never seen (404)."""

    def __init__(self, kind: str, name: str, examples: list[str]):
        self.ids = [name]
        shown = ", ".join(repr(e) for e in examples[:5])
        Exception.__init__(self, f"unknown {kind} {name!r} (not in the model's vocabulary; e.g. {shown})")


class ServedLinks(FinishedRun):
    def __init__(self, run_dir: str | Path):
        from graphguard.tasks.link import LinkPredictor

        super().__init__(run_dir)
        self.model = LinkPredictor.load(self.run / "model")
        self._entities = set(self.model.entities_)
        self._relations = set(self.model.relations_)

    def info(self) -> dict:
        job = self.config["job"]
        return {"name": job["name"], "task": self.task, "detector": self.metrics.get("detector"),
                "params": self.metrics.get("params"), "metric": job.get("metric"),
                "metrics": {k: self.metrics[k] for k in ("val", "test") if k in self.metrics},
                "entities": len(self.model.entities_), "relations": list(self.model.relations_),
                "created": self.config.get("created"), "graphguard_version": self.config.get("graphguard_version")}

    def predict(self, head: str, relation: str, k: int, include_known: bool = False) -> list[dict]:
        if head not in self._entities:
            raise UnknownName("entity", head, self.model.entities_)
        if relation not in self._relations:
            raise UnknownName("relation", relation, self.model.relations_)
        out = self.model.predict(head=head, relation=relation, k=k, include_known=include_known)
        return [{"tail": p["entity"], "score": p["score"], "known": p["known"]} for p in out]
