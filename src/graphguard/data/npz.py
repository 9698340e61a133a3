"""The npz layout of the heterophilous-graph benchmarks (Tolokers and friends).

Keys: ``node_features`` [N, F], ``node_labels`` [N], ``edges`` [E, 2] (each undirected edge once),
and optionally ``train_masks`` / ``val_masks`` / ``test_masks`` of shape [splits, N], and ``directed``
(a scalar True written for a graph whose edges are not symmetric, e.g. GODM's inbound merge: its
edges are then read exactly as stored, never mirrored), ``feature_names`` [F] (the columns' names,
written when the graph has them, e.g. from Neptune CSV). Split ``k``
of the file is put on the graph as its masks (``split=None`` leaves them off). The file is opened
with ``allow_pickle=False``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from graphguard.data.graph import feature_names, make_graph
from graphguard.data.validate import validate_graph
from graphguard.errors import DataError

REQUIRED = ("node_features", "node_labels", "edges")


def read_npz(path: str | Path, split: int | None = 0, undirected: bool = True):
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        z = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise DataError(path, f"not a plain npz file ({e})") from None
    except Exception as e:  # zipfile errors and friends
        raise DataError(path, f"cannot read npz ({type(e).__name__}: {e})") from None
    missing = [k for k in REQUIRED if k not in z.files]
    if missing:
        raise DataError(path, f"missing key(s) {', '.join(missing)} (has {', '.join(z.files)})")
    x = _numeric(z, "node_features", path, ndim=2)
    y = _numeric(z, "node_labels", path, ndim=1)
    edges = z["edges"]
    if edges.ndim != 2 or 2 not in edges.shape:
        raise DataError(path, f"'edges' must have shape [E, 2], got {edges.shape}")
    if edges.shape[1] != 2:
        edges = edges.T
    if not np.issubdtype(edges.dtype, np.integer):
        floating = np.issubdtype(edges.dtype, np.floating)
        whole = np.isfinite(edges) & (edges == np.round(edges)) if floating else np.zeros(edges.shape, bool)
        if not whole.all():  # a float id such as 183.5 would be truncated to another node
            raise DataError(path, f"'edges' must hold integer node ids; found {edges[~whole][0]!r} ({edges.dtype})")
        edges = edges.astype(np.int64)
    masks = {}
    if split is not None and "train_masks" in z.files:
        n_splits = z["train_masks"].shape[0] if z["train_masks"].ndim == 2 else 1
        if not 0 <= split < n_splits:
            raise DataError(path, f"split {split} requested but the file has {n_splits} splits")
        for name in ("train", "val", "test"):
            key = f"{name}_masks"
            if key in z.files:
                m = z[key]
                masks[f"{name}_mask"] = m[split] if m.ndim == 2 else m
    if "directed" in z.files and bool(z["directed"]):
        undirected = False
    node_time = z["node_time"] if "node_time" in z.files else None
    edge_time = z["edge_time"] if "edge_time" in z.files else None
    node_id = z["node_id"] if "node_id" in z.files else None
    g = make_graph(x, edges.T, y, undirected=undirected, node_time=node_time, edge_time=edge_time,
                   node_id=node_id, **masks)
    if "is_synthetic" in z.files:
        import torch
        g.is_synthetic = torch.as_tensor(z["is_synthetic"], dtype=torch.bool)
    if "feature_names" in z.files:
        if z["feature_names"].shape != (x.shape[1],):
            raise DataError(path, f"'feature_names' has {z['feature_names'].size} names for {x.shape[1]} feature columns")
        g.feature_names = [str(n) for n in z["feature_names"]]
    if "train_masks" in z.files:
        g.num_splits = int(z["train_masks"].shape[0]) if z["train_masks"].ndim == 2 else 1
    return validate_graph(g, path)


def _numeric(z, key: str, path: Path, ndim: int) -> np.ndarray:
    """``z[key]`` when it is a numeric array of ``ndim`` dimensions; text or a stray axis would reach torch as a
    TypeError or broadcast the labels into an [N, N] table."""
    a = z[key]
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
        kind = "text" if a.dtype.kind in "USO" else a.dtype.name
        example = f" such as '{a.flat[0]}'" if a.size else ""
        raise DataError(path, f"'{key}' must be numeric, got {kind}{example}")
    if a.ndim != ndim:
        shape = "[N, F]" if ndim == 2 else "[N]"
        raise DataError(path, f"'{key}' must have shape {shape}, got {a.shape}")
    return a


def write_npz(g, path: str | Path) -> Path:
    """Write a homogeneous graph in the same layout (each undirected edge once when symmetric)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ei = g.edge_index.numpy()
    n = int(g.num_nodes)
    code = ei[0].astype(np.int64) * n + ei[1]
    rev = ei[1].astype(np.int64) * n + ei[0]
    symmetric = bool(np.isin(rev, code).all())
    keep = ei[0] <= ei[1] if symmetric else np.ones(ei.shape[1], bool)  # self-loops too: read back once
    out = {"node_features": g.x.numpy(), "node_labels": g.y.numpy(), "edges": ei[:, keep].T}
    if not symmetric:
        out["directed"] = np.array(True)
    for name in ("train", "val", "test"):
        if f"{name}_mask" in g:
            out[f"{name}_masks"] = g[f"{name}_mask"].numpy()[None, :]
    for key in ("node_time", "is_synthetic"):
        if key in g:
            out[key] = g[key].numpy()
    if "edge_time" in g:
        out["edge_time"] = g.edge_time.numpy()[keep]  # one time per written edge, as the reader mirrors them
    if "node_id" in g:
        out["node_id"] = np.asarray(g.node_id, dtype=str)
    names = feature_names(g)
    if names is not None:
        out["feature_names"] = np.asarray(names, dtype=str)
    np.savez_compressed(path, **out)
    return path
