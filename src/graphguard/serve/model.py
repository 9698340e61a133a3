"""The model behind the endpoint: a finished run directory, loaded once, scored from memory.

Nodes of the input graph are scored once at start-up (their scores cannot change without new
data), so a request for known ids is a lookup. New nodes carried in a request are scored
inductively, as Neptune ML's real-time inference does: their raw properties are encoded with the
run's fitted encodings (or their feature vector is taken as is), they are attached to the graph by
their edges, and the detector scores them on the neighbourhood they reach, without retraining. The
neighbourhood is ``hops`` steps around the new nodes' neighbours; with ``hops`` at least the
detector's receptive field plus one, every degree and aggregate the detector sees is the one it
would see on the whole graph, so the score equals offline scoring of the grown graph.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from graphguard.errors import GraphGuardError
from graphguard.serve.run_files import FinishedRun, read_encodings


class UnknownIds(GraphGuardError):
    def __init__(self, ids: list[str], total: int, node_type: str | None = None):
        self.ids = ids
        shown = ", ".join(repr(i) for i in ids[:10]) + (" ..." if len(ids) > 10 else "")
        scores = f"; this run scores {node_type!r} nodes only" if node_type else ""
        super().__init__(f"unknown node id(s): {shown} ({len(ids)} of {total} not in the graph{scores})")


def _bad_value(value, kind: str) -> bool:
    """Whether ``value`` cannot be a ``kind`` property (the batch readers reject such a cell too)."""
    if value is None or value == "":
        return False  # missing, as an empty cell
    if kind == "numeric":
        if isinstance(value, bool):
            return False
        if isinstance(value, str):
            if value.strip().lower() in ("true", "false"):
                return False
            try:
                value = float(value)
            except ValueError:
                return True
        return not isinstance(value, (int, float)) or not math.isfinite(value)
    if kind == "datetime":
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError):
            return True
        return False
    if kind == "multi-category" and isinstance(value, list):  # Neptune's String[] as a JSON list
        return any(isinstance(t, (dict, list)) for t in value)
    return isinstance(value, (dict, list))


def _cells(properties: dict, separators: dict[str, str]) -> dict:
    """A new node's properties as table cells: a list becomes the separated string the encoder reads."""
    return {k: separators[k].join(str(t) for t in v) if isinstance(v, list) and k in separators else v
            for k, v in properties.items()}


def _check_values(node, kinds: dict[str, str]) -> None:
    for name, value in node.properties.items():
        if _bad_value(value, kinds.get(name, "none")):
            raise BadNodes(f"node '{node.id}': property '{name}' = {value!r} is not a valid {kinds[name]} value")


class BadNodes(GraphGuardError):
    """A request whose new nodes cannot be scored (bad features, edges to unknown nodes)."""


@dataclass
class NewNode:
    id: str
    properties: dict[str, Any] | None = None
    features: list[float] | None = None
    edges: list[str] = field(default_factory=list)


def receptive_field(det) -> int:
    """How many hops a detector looks at (default 2, the tree detectors' neighbour aggregation).

    A stacked model also aggregates its neighbours' first-stage scores over two more hops.
    """
    hops = 2
    for name in ("num_hops", "hops", "num_layers", "n_hops", "k"):
        v = getattr(det, name, None)
        if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 10:
            hops = v
            break
    if getattr(det, "stack", False) is True:
        hops += 2
    return hops


class ServedModel(FinishedRun):
    required = ("config.json", "metrics.json", "graph.npz", "model")
    dense_fraction = 0.5  # neighbourhoods larger than this share of the graph: score the whole grown graph
    def __init__(self, run_dir: str | Path, hops: int | None = None):
        from graphguard.data.npz import read_npz
        from graphguard.tasks.node.base import NodeDetector
        from graphguard.workflow.encoders import FeatureEncoder

        super().__init__(run_dir)
        self.detector = NodeDetector.load(self.run / "model")
        self.threshold = float(self.detector.threshold_)
        g = read_npz(self.run / "graph.npz", split=0)
        self.ids = np.asarray(g.node_id, dtype=str)
        del g.node_id
        self.graph = g
        self.index = {v: i for i, v in enumerate(self.ids.tolist())}
        enc = read_encodings(self.run)
        self.encoder = FeatureEncoder.from_json(enc) if enc is not None else None
        self.hops = int(hops) if hops else receptive_field(self.detector) + 1
        self.scores = self.detector.decision_function(g).astype(np.float64)
        self._lock = threading.Lock()  # one inductive scoring at a time bounds CPU and memory

    # ------------------------------------------------------------------ metadata
    def info(self) -> dict:
        return {
            **self.base_info(), "threshold": self.threshold,
            "nodes": int(self.ids.size), "features": int(self.graph.x.shape[1]),
            "inductive": {"hops": self.hops, "properties": [c["column"] for c in self._columns()]},
        }

    def _columns(self) -> list[dict]:
        return [c.to_json() for c in self.encoder.columns_ if c.kind != "none"] if self.encoder else []

    # ------------------------------------------------------------------ scoring
    def lookup(self, ids: list[str]) -> np.ndarray:
        idx = [self.index.get(i, -1) for i in ids]
        missing = [i for i, j in zip(ids, idx) if j < 0]
        if missing:
            raise UnknownIds(missing, len(ids), self.node_type)
        return np.asarray(idx, dtype=np.int64)

    def encode(self, nodes: list[NewNode]) -> np.ndarray:
        f = int(self.graph.x.shape[1])
        rows = np.zeros((len(nodes), f), dtype=np.float32)
        with_props = [k for k, n in enumerate(nodes) if n.properties is not None]
        if with_props:
            if self.encoder is None:
                raise BadNodes("this run has no recorded encodings; send 'features' vectors instead of 'properties'")
            known = {c.column for c in self.encoder.columns_}
            for k in with_props:
                extra = sorted(set(nodes[k].properties) - known)
                if extra:
                    raise BadNodes(f"node '{nodes[k].id}': unknown propert{'y' if len(extra) == 1 else 'ies'} "
                                   f"{', '.join(map(repr, extra[:5]))} (known: {', '.join(sorted(known))})")
            kinds = {c.column: c.kind for c in self.encoder.columns_}
            for k in with_props:
                _check_values(nodes[k], kinds)
            seps = {c.column: c.state["separator"] for c in self.encoder.columns_ if c.kind == "multi-category"}
            table = pd.DataFrame([_cells(nodes[k].properties, seps) for k in with_props])
            encoded = self.encoder.transform(table)
            self._check_finite(encoded, [nodes[k] for k in with_props])
            rows[with_props] = encoded
        for k, n in enumerate(nodes):
            if n.features is not None:
                v = np.asarray(n.features, dtype=np.float64)
                if v.shape != (f,):
                    raise BadNodes(f"node '{n.id}': 'features' has {v.size} values, the model expects {f}")
                if not np.isfinite(v).all():
                    raise BadNodes(f"node '{n.id}': 'features' contains NaN or inf")
                if (np.abs(v) > np.finfo(np.float32).max).any():
                    raise BadNodes(f"node '{n.id}': 'features' has values outside the float32 range")
                rows[k] = v
        return rows

    def _check_finite(self, encoded: np.ndarray, nodes: list[NewNode]) -> None:
        """A finite value can still overflow the float32 features once scaled (the detector refuses inf)."""
        bad = np.argwhere(~np.isfinite(encoded))
        if bad.size:
            row, col = bad[0]
            owner = [c.column for c in self.encoder.columns_ if c.kind != "none" for _ in c.names][col]
            value = nodes[row].properties.get(owner)
            raise BadNodes(f"node '{nodes[row].id}': property '{owner}' = {value!r} is out of range "
                           "(its encoded feature overflows float32)")

    def grown_graph(self, nodes: list[NewNode]):
        """The whole graph with the new nodes attached (the offline reference of inductive scoring)."""
        x_new, ei_new = self._attach(nodes)
        g = self.graph.clone()
        n0 = g.num_nodes
        g.x = torch.cat([g.x, torch.as_tensor(x_new)], 0)
        g.edge_index = torch.cat([g.edge_index, ei_new], 1)
        self._pad(g, n0, len(nodes))
        return g, np.arange(n0, n0 + len(nodes))

    def _attach(self, nodes: list[NewNode]) -> tuple[np.ndarray, torch.Tensor]:
        new_index = {}
        for k, n in enumerate(nodes):
            if n.id in self.index or n.id in new_index:
                raise BadNodes(f"node '{n.id}' already exists; new nodes need new ids")
            new_index[n.id] = self.ids.size + k
        x_new = self.encode(nodes)
        src, dst, unknown = [], [], []
        for k, n in enumerate(nodes):
            for e in n.edges:
                j = self.index.get(e, new_index.get(e, -1))
                if j < 0:
                    unknown.append(e)
                elif j != self.ids.size + k:
                    src.append(self.ids.size + k)
                    dst.append(j)
        if unknown:
            raise UnknownIds(sorted(set(unknown)), sum(len(n.edges) for n in nodes), self.node_type)
        pairs = np.unique(np.sort(np.asarray([src, dst], dtype=np.int64).reshape(2, -1), 0), axis=1)
        ei = torch.as_tensor(np.concatenate([pairs, pairs[::-1]], 1), dtype=torch.long)
        return x_new, ei

    @staticmethod
    def _pad(g, n0: int, k: int) -> None:
        """New nodes are unlabelled and in no split."""
        if "y" in g:
            g.y = torch.cat([g.y, torch.full((k,), -1, dtype=g.y.dtype)])
        for m in ("train_mask", "val_mask", "test_mask", "is_synthetic"):
            if m in g:
                g[m] = torch.cat([g[m], torch.zeros(k, dtype=torch.bool)])
        for t in ("node_time",):
            if t in g:
                del g[t]
        g.num_nodes = n0 + k

    def _reach(self, start: np.ndarray, steps: int, limit: int) -> np.ndarray | None:
        """Existing nodes within ``steps`` hops of ``start`` (CSR breadth-first); None once over ``limit``."""
        seen = np.zeros(self.ids.size, dtype=bool)
        seen[start] = True
        frontier = np.unique(start)
        for _ in range(steps):
            if frontier.size == 0:
                break
            nxt = np.unique(self._csr[frontier].indices)
            nxt = nxt[~seen[nxt]]
            seen[nxt] = True
            frontier = nxt
            if seen.sum() > limit:
                return None
        return np.flatnonzero(seen)

    def score_new(self, nodes: list[NewNode]) -> np.ndarray:
        """Inductive scores of new nodes, computed on their ``hops``-hop neighbourhood only.

        On a dense graph whose neighbourhood is most of the graph anyway, the grown whole graph is
        scored instead (the same result, without the cost of cutting a subgraph).
        """
        x_new, ei_new = self._attach(nodes)
        n0, k = self.ids.size, len(nodes)
        with self._lock:
            if not hasattr(self, "_csr"):
                import scipy.sparse as sp

                ei = self.graph.edge_index.numpy()
                self._csr = sp.csr_matrix((np.ones(ei.shape[1], dtype=np.int8), (ei[0], ei[1])), shape=(n0, n0))
            anchors = ei_new[1][(ei_new[0] >= n0) & (ei_new[1] < n0)].numpy()
            limit = int(self.dense_fraction * n0)
            old_np = self._reach(anchors, self.hops - 1, limit) if anchors.size else np.zeros(0, np.int64)
            if old_np is None:
                g = self.graph.clone()
                g.x = torch.cat([g.x, torch.as_tensor(x_new)], 0)
                g.edge_index = torch.cat([g.edge_index, ei_new], 1)
                self._pad(g, n0, k)
                return np.asarray(self.detector.decision_function(g)[n0:], dtype=np.float64)
            old = torch.as_tensor(old_np, dtype=torch.long)
            sub = self.graph.subgraph(old)
            n_old = old.numel()
            remap = torch.full((n0 + k,), -1, dtype=torch.long)
            remap[old] = torch.arange(n_old)
            remap[n0:] = torch.arange(n_old, n_old + k)
            keep = (remap[ei_new[0]] >= 0) & (remap[ei_new[1]] >= 0)
            sub.x = torch.cat([sub.x, torch.as_tensor(x_new)], 0)
            sub.edge_index = torch.cat([sub.edge_index, remap[ei_new[:, keep]]], 1)
            self._pad(sub, n_old, k)
            scores = self.detector.decision_function(sub)
        return np.asarray(scores[n_old:], dtype=np.float64)

    def explain(self, node_id: str, top: int = 10) -> dict:
        from graphguard.explain import explain_node

        idx = int(self.lookup([node_id])[0])
        return explain_node(self.run, node_id, top=top, detector=self.detector, graph=self.graph,
                            index=idx, feature_names=self.feature_names(), ids=self.ids)

    def feature_names(self) -> list[str] | None:
        return list(self.encoder.feature_names_) if self.encoder else None
