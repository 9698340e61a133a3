"""``graphguard explain RUN_DIR --node ID``: why a node scored as it did, as text and JSON.

Two views, both grouped back to the properties of the input data so an analyst can read them:

* **feature contributions**. Tree models give exact additive contributions in log-odds:
  xgboost's ``pred_contribs`` and LightGBM's ``pred_contrib`` (TreeSHAP). The trees see
  neighbour-aggregated columns; each column is traced back to the encoded feature it is computed
  from (by perturbing one input feature at a time on a small probe graph) and to the property
  that feature encodes, and split into the node's *own* value and its *neighbourhood*. Columns
  computed from the structure alone are "graph structure"; a stacked model's columns computed from
  neighbours' scores are "neighbours' scores". GNN detectors use ``torch_geometric.explain``'s
  GNNExplainer when they expose their torch module; any other detector falls back to occlusion
  (each property reset to its training mean, the score change measured).
* **important neighbours**: each edge of the node removed in turn (up to ``max_neighbours``, the
  highest-scored first) and the node re-scored on its neighbourhood; the score drop says how much
  that neighbour pushed the node up.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch

from graphguard.errors import DataError


# --------------------------------------------------------------------------- column provenance
def column_sources(det, num_features: int, num_columns: int) -> list[set[int]]:
    """For each column of ``det.transform``, the input features it depends on (probe-graph perturbation)."""
    from torch_geometric.data import Data

    rng = np.random.default_rng(0)
    n = 7
    ring = np.stack([np.arange(n), (np.arange(n) + 1) % n])
    chords = np.array([[0, 1, 2], [3, 5, 6]])
    ei = np.concatenate([ring, chords], 1)
    ei = torch.as_tensor(np.concatenate([ei, ei[::-1]], 1), dtype=torch.long)
    x0 = rng.normal(size=(n, num_features)).astype(np.float32)
    probe = Data(x=torch.as_tensor(x0), edge_index=ei, num_nodes=n)
    try:
        base = det.transform(probe)
    except DataError:  # a model fitted on typed relations refuses the untyped probe: provenance unknown
        return [set() for _ in range(num_columns)]
    if base.shape[1] != num_columns:
        return [set() for _ in range(num_columns)]
    out = [set() for _ in range(num_columns)]
    for j in range(num_features):
        x1 = x0.copy()
        x1[:, j] += rng.normal(size=n).astype(np.float32) + 1.0
        probe.x = torch.as_tensor(x1)
        changed = np.abs(det.transform(probe) - base).max(0) > 1e-6
        for c in np.flatnonzero(changed):
            out[c].add(j)
    return out


def property_of(feature_names: list[str] | None, encodings: dict | None) -> list[str]:
    """The input property each encoded feature comes from (its own name when unknown)."""
    if not feature_names:
        return []
    if not encodings:
        return list(feature_names)
    owner = {}
    for c in encodings.get("columns", []):
        for f in c.get("features", []):
            owner[f] = c["column"]
    return [owner.get(f, f) for f in feature_names]


# --------------------------------------------------------------------------- tree contributions
def tree_contributions(det, graph, index: int) -> tuple[np.ndarray, float, int] | None:
    """(contribution per column, bias, number of columns from ``transform``) or None for non-tree models."""
    if not hasattr(det, "transform"):
        return None
    if hasattr(det, "booster_"):
        import xgboost as xgb

        F = det.transform(graph)
        row = np.ascontiguousarray(F[index : index + 1], dtype=np.float32)
        c = det.booster_.predict(xgb.DMatrix(row), pred_contribs=True)[0]
        return c[:-1].astype(np.float64), float(c[-1]), F.shape[1]
    if hasattr(det, "boosters_"):
        F = det.transform(graph)
        X = F
        if len(det.boosters_) > 1:
            first = det.boosters_[0].predict(F)
            X = np.concatenate([F, det._stack_features(graph, first)], 1)
        c = det.boosters_[-1].predict(X[index : index + 1], pred_contrib=True)[0]
        return c[:-1].astype(np.float64), float(c[-1]), F.shape[1]
    return None


def _group_tree(contrib: np.ndarray, n_base: int, sources: list[set[int]], props: list[str],
                names: list[str]) -> dict[str, float]:
    groups: dict[str, float] = {}
    F = len(names)
    for c, v in enumerate(contrib):
        if c >= n_base:
            key = "neighbours' scores"
        else:
            src = sources[c] if c < len(sources) else set()
            if not src:
                key = "graph structure"
            else:
                owners = sorted({props[j] if j < len(props) else f"feature {j}" for j in src})
                own = c < F and src == {c}
                key = f"{'/'.join(owners)} ({'own value' if own else 'neighbourhood'})"
        groups[key] = groups.get(key, 0.0) + float(v)
    return groups


# --------------------------------------------------------------------------- model-agnostic parts
def _subgraph(graph, index: int, hops: int):
    from torch_geometric.utils import k_hop_subgraph

    subset, _, mapping, _ = k_hop_subgraph(int(index), hops, graph.edge_index, relabel_nodes=False,
                                           num_nodes=graph.num_nodes)
    g = graph.subgraph(subset)
    return g, int((subset == index).nonzero()[0, 0]), subset


def occlusion(det, graph, index: int, props: list[str], hops: int) -> dict[str, float]:
    """Score change when each property's features are reset to their training mean (score scale)."""
    g, local, _ = _subgraph(graph, index, hops)
    base = float(det.decision_function(g)[local])
    mean = graph.x[graph.train_mask].mean(0) if "train_mask" in graph else graph.x.mean(0)
    out = {}
    for p in dict.fromkeys(props):
        cols = [j for j, q in enumerate(props) if q == p]
        g2 = g.clone()
        g2.x = g.x.clone()
        g2.x[local, cols] = mean[cols]
        out[f"{p} (own value)"] = base - float(det.decision_function(g2)[local])
    return out


class _LogitOf(torch.nn.Module):
    """``forward(x, edge_index)`` over a detector module that reads a whole ``Data`` (GNNExplainer's calling form)."""

    def __init__(self, module: torch.nn.Module, view):
        super().__init__()
        self.module, self.view = module, view

    def forward(self, x, edge_index):
        d = self.view.clone()
        d.x, d.edge_index = x, edge_index
        out = self.module(d)
        if out.dim() == 2 and out.shape[1] == 2:  # two-class logits -> the fraud margin
            out = out[:, 1] - out[:, 0]
        return out.reshape(-1, 1)


def _edgewise_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``module`` that passes messages edge by edge, for GNNExplainer's edge masks.

    The masks go on the copy, so the detector's own module (which a server keeps scoring with) never
    carries them, even when an explanation fails half-way. The sparse products the module normally
    runs reorder the edges and merge duplicates (GCN also adds self-loops), so a mask made for
    ``edge_index`` would not line up with the messages.
    """
    caches = {id(m._op_cache): None for m in module.modules() if getattr(m, "_op_cache", None) is not None}
    out = copy.deepcopy(module, memo=caches)  # not the cached operators: they may hold the whole graph
    for m in out.modules():
        if hasattr(m, "sparse"):
            m.sparse = False
    return out.eval()


def gnn_explainer(det, graph, index: int, props: list[str], hops: int) -> dict | None:
    """GNNExplainer (torch_geometric.explain) over a GNN detector's module on the node's neighbourhood.

    Works with detectors that keep their torch module in ``model_`` (or ``module_``) and build the
    module's input with ``_view(graph, fit=False)``; returns None for anything else (occlusion is used).
    """
    module = getattr(det, "module_", None) or getattr(det, "model_", None)
    if not isinstance(module, torch.nn.Module):
        return None
    from torch_geometric.data import Data
    from torch_geometric.explain import Explainer, GNNExplainer

    from graphguard.train.features import scaled

    g, local, subset = _subgraph(graph, index, hops)
    view = scaled(det._view(g, fit=False)) if hasattr(det, "_view") else g
    if not isinstance(view, Data):
        return None
    explainer = Explainer(model=_LogitOf(_edgewise_copy(module), view), algorithm=GNNExplainer(epochs=60),
                          explanation_type="model", node_mask_type="attributes", edge_mask_type="object",
                          model_config=dict(mode="binary_classification", task_level="node", return_type="raw"))
    torch.manual_seed(0)
    try:
        exp = explainer(view.x, view.edge_index, index=local)
    except (TypeError, RuntimeError, ValueError, IndexError):
        return None
    feat = exp.node_mask[local].detach().numpy()
    groups: dict[str, float] = {}
    for j, v in enumerate(feat):
        key = f"{props[j] if j < len(props) else f'feature {j}'} (own value)"
        groups[key] = groups.get(key, 0.0) + float(v)
    em = exp.edge_mask.detach().numpy()
    ei = view.edge_index.numpy()
    sub = subset.numpy()
    edges = [(int(sub[ei[0, e]]), int(sub[ei[1, e]]), float(em[e])) for e in np.argsort(-em)[:10]]
    return {"features": groups, "edges": edges,
            "method": "GNNExplainer (torch_geometric.explain): feature and edge mask importance in [0, 1]"}


def neighbour_effects(det, graph, index: int, scores: np.ndarray, hops: int, max_neighbours: int) -> list[dict]:
    """Score drop when the edge to each neighbour is removed (highest-scored neighbours first)."""
    ei = graph.edge_index
    nbrs = np.unique(ei[1, ei[0] == index].numpy())
    nbrs = nbrs[nbrs != index]
    if nbrs.size == 0:
        return []
    chosen = nbrs[np.argsort(-scores[nbrs], kind="stable")[:max_neighbours]]
    g, local, subset = _subgraph(graph, index, hops)
    base = float(det.decision_function(g)[local])
    pos = {int(v): k for k, v in enumerate(subset.tolist())}
    out = []
    for u in chosen.tolist():
        lu = pos[u]
        e = g.edge_index
        keep = ~(((e[0] == local) & (e[1] == lu)) | ((e[0] == lu) & (e[1] == local)))
        g2 = g.clone()
        g2.edge_index = e[:, keep]
        out.append({"neighbour": u, "score_without": float(det.decision_function(g2)[local]),
                    "effect": base - float(det.decision_function(g2)[local])})
    out.sort(key=lambda r: -abs(r["effect"]))
    return out


# --------------------------------------------------------------------------- entry points
def explain_node(run_dir: str | Path, node_id: str, *, top: int = 10, max_neighbours: int = 10, detector=None,
                 graph=None, index: int | None = None, feature_names: list[str] | None = None,
                 ids: np.ndarray | None = None) -> dict:
    """A JSON-ready explanation of one node of a finished run (or of ``detector`` on ``graph``)."""
    from graphguard.serve.model import receptive_field

    run = Path(run_dir)
    if detector is None or graph is None:
        from graphguard.data.npz import read_npz
        from graphguard.tasks.node.base import NodeDetector

        from graphguard.serve.run_files import read_run_config, scored_node_type

        if not run.is_dir():
            raise DataError(run, "run directory not found")
        config, task = read_run_config(run) if (run / "config.json").is_file() else ({}, "node_classification")
        if task != "node_classification":
            raise DataError(run, f"this is a {task} run; explain is for node_classification runs")
        for name in ("model", "graph.npz"):
            if not (run / name).exists():
                raise DataError(run, f"not a finished run directory (missing {name})")
        detector = NodeDetector.load(run / "model")
        graph = read_npz(run / "graph.npz", split=0)
        ids = np.asarray(graph.node_id, dtype=str)
        del graph.node_id
        hit = np.flatnonzero(ids == str(node_id))
        if hit.size == 0:
            node_type = scored_node_type(config)
            scores = f" (this run scores {node_type!r} nodes only)" if node_type else ""
            raise DataError(run, f"unknown node id '{node_id}'{scores}")
        index = int(hit[0])
    elif ids is None:
        ids = np.asarray([str(i) for i in range(int(graph.num_nodes))])
    from graphguard.serve.run_files import read_encodings

    enc = read_encodings(run)
    if feature_names is None:
        feature_names = enc.get("feature_names") if enc else None
    F = int(graph.x.shape[1])
    names = list(feature_names or [f"feature {j}" for j in range(F)])
    props = property_of(names, enc)
    hops = receptive_field(detector) + 1
    scores = detector.decision_function(graph)
    score = float(scores[index])
    result: dict = {"id": str(node_id), "score": score, "threshold": float(detector.threshold_),
                    "label": int(score >= detector.threshold_), "detector": detector.name}
    if "y" in graph:
        y = int(graph.y[index])
        result["known_label"] = None if y < 0 else y
    tree = tree_contributions(detector, graph, index)
    if tree is not None:
        contrib, bias, n_base = tree
        sources = column_sources(detector, F, n_base)
        groups = _group_tree(contrib, n_base, sources, props, names)
        result["method"] = ("xgboost pred_contribs" if hasattr(detector, "booster_") else "LightGBM pred_contrib "
                            "(TreeSHAP)") + ", log-odds, grouped by input property"
        result["bias"] = bias
    else:
        gx = gnn_explainer(detector, graph, index, props, hops)
        if gx is not None:
            groups = gx["features"]
            result["method"] = gx["method"]
            result["signed"] = False
            result["important_edges"] = [{"from": str(ids[a]), "to": str(ids[b]), "importance": w}
                                         for a, b, w in gx["edges"]]
        else:
            groups = occlusion(detector, graph, index, props, hops)
            result["method"] = "occlusion: score change when a property is reset to its training mean"
    ranked = sorted(groups.items(), key=lambda kv: -abs(kv[1]))[:top]
    result["contributions"] = [{"feature": k, "contribution": v} for k, v in ranked]
    effects = neighbour_effects(detector, graph, index, scores, hops, max_neighbours)
    result["neighbours"] = [{"id": str(ids[r["neighbour"]]), "score": float(scores[r["neighbour"]]),
                             "known_label": (None if "y" not in graph or int(graph.y[r["neighbour"]]) < 0
                                             else int(graph.y[r["neighbour"]])),
                             "effect": r["effect"]} for r in effects]
    return result


def format_explanation(e: dict) -> str:
    """The explanation as a few lines of text for the terminal."""
    verdict = "FLAGGED" if e["label"] else "not flagged"
    known = {None: "unlabelled", 0: "known normal", 1: "known fraud"}.get(e.get("known_label"), "unlabelled")
    lines = [f"node {e['id']}: score {e['score']:.4f} (threshold {e['threshold']:.4f}) -> {verdict}; {known}",
             f"why ({e['method']}):"]
    for c in e["contributions"]:
        if e.get("signed", True):
            sign = "raises" if c["contribution"] > 0 else "lowers"
            lines.append(f"  {c['contribution']:+.4f}  {c['feature']}  ({sign} the score)")
        else:
            lines.append(f"  {c['contribution']:.4f}  {c['feature']}  (importance)")
    if e.get("important_edges"):
        lines.append("important edges (GNNExplainer):")
        for r in e["important_edges"]:
            lines.append(f"  {r['importance']:.3f}  {r['from']} -> {r['to']}")
    if e.get("neighbours"):
        lines.append("neighbours (score change if the edge were removed):")
        for r in e["neighbours"]:
            kl = {None: "unlabelled", 0: "normal", 1: "fraud"}[r["known_label"]]
            lines.append(f"  {r['effect']:+.4f}  {r['id']}  (score {r['score']:.3f}, {kl})")
    return "\n".join(lines)
