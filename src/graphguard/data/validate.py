"""Validation at the boundary: every reader and every estimator entry point calls this once.

Each check raises ``DataError(source, problem)``, a single line naming the file and the problem.
Inner code trusts a validated graph.
"""

from __future__ import annotations

import numpy as np
import torch

from graphguard.data.graph import MASKS, Graph, is_hetero, target_store
from graphguard.errors import DataError


def _check_features(x: torch.Tensor, source, where: str) -> None:
    if x is None:
        return
    if x.dim() != 2:
        raise DataError(source, f"{where}features must be a 2-D matrix, got shape {tuple(x.shape)}")
    if x.is_floating_point() and not torch.isfinite(x).all():
        bad = (~torch.isfinite(x)).any(1).nonzero().flatten()
        raise DataError(source, f"{where}features contain NaN or inf ({bad.numel()} nodes, first at row {int(bad[0])})")


def _check_labels(y: torch.Tensor, n: int, source, where: str) -> None:
    if y.numel() != n:
        raise DataError(source, f"{where}{y.numel()} labels for {n} nodes")
    if y.is_floating_point():  # 0.5 is no class: refuse it rather than let training truncate it to 0
        fractional = y != torch.round(y)  # NaN too: it never equals itself
        if fractional.any():
            raise DataError(source, f"{where}labels must be 0 or 1 (or -1 for unlabelled); {int(fractional.sum())} "
                                    f"of {n} nodes hold a fractional or NaN label, e.g. {float(y[fractional][0]):g}")
    outside = (y < -1) | (y > 1)  # torch.unique is slow on CPU (~0.7 s per 100k); unique only the bad ones
    if outside.any():
        bad = torch.unique(y[outside]).tolist()
        raise DataError(source, f"{where}labels must be 0 or 1 (or -1 for unlabelled), found {bad[:5]}")


def _check_masks(store, n: int, source, where: str) -> None:
    present = [(name, store[name]) for name in MASKS if name in store]
    for name, m in present:
        if m.dtype != torch.bool or m.numel() != n:
            raise DataError(source, f"{where}{name} must be a boolean mask over {n} nodes")
    for i in range(len(present)):
        for j in range(i + 1, len(present)):
            both = present[i][1] & present[j][1]
            if both.any():
                raise DataError(
                    source,
                    f"{where}{present[i][0]} and {present[j][0]} overlap on {int(both.sum())} nodes "
                    f"(first node {int(both.nonzero()[0])})",
                )
    if "y" in store:
        for name, m in present:
            if (store.y[m] < 0).any():
                raise DataError(source, f"{where}{name} contains unlabelled nodes (label -1)")


def _check_edges(ei: torch.Tensor, n_src: int, n_dst: int, source, where: str) -> None:
    if ei.dim() != 2 or ei.shape[0] != 2:
        raise DataError(source, f"{where}edge_index must have shape [2, E], got {tuple(ei.shape)}")
    if ei.numel() == 0:
        return
    if int(ei.min()) < 0 or int(ei[0].max()) >= n_src or int(ei[1].max()) >= n_dst:
        bad = ((ei[0] < 0) | (ei[0] >= n_src) | (ei[1] < 0) | (ei[1] >= n_dst)).nonzero().flatten()
        k = int(bad[0])
        raise DataError(
            source,
            f"{where}edge {k} ({int(ei[0, k])} -> {int(ei[1, k])}) points to a node that does not exist "
            f"({bad.numel()} such edges)",
        )


def validate_graph(g: Graph, source=None, *, require_labels: bool = False) -> Graph:
    """Check a graph and return it unchanged; raise ``DataError`` on the first problem found."""
    source = source if source is not None else "<graph>"
    if is_hetero(g):
        if not g.node_types:
            raise DataError(source, "graph is empty (no nodes)")
        for nt in g.node_types:
            s = g[nt]
            n = s.num_nodes or 0
            _check_features(s.get("x"), source, f"node type '{nt}': ")
            if "x" in s and s.x.shape[0] != n:
                raise DataError(source, f"node type '{nt}': {s.x.shape[0]} feature rows for {n} nodes")
            if "y" in s:
                _check_labels(s.y, n, source, f"node type '{nt}': ")
            _check_masks(s, n, source, f"node type '{nt}': ")
        for et in g.edge_types:
            src, _, dst = et
            if src not in g.node_types or dst not in g.node_types:
                raise DataError(source, f"relation {et} joins an unknown node type")
            ei = g[et].get("edge_index")
            if ei is not None:  # a store-backed relation has none: its CSR was checked when written
                _check_edges(ei, g[src].num_nodes, g[dst].num_nodes, source, f"relation '{et[1]}': ")
        if sum(g[nt].num_nodes or 0 for nt in g.node_types) == 0:
            raise DataError(source, "graph is empty (no nodes)")
    else:
        n = g.num_nodes or 0
        if n == 0:
            raise DataError(source, "graph is empty (no nodes)")
        _check_features(g.get("x"), source, "")
        if g.get("x") is not None and g.x.shape[0] != n:
            raise DataError(source, f"{g.x.shape[0]} feature rows for {n} nodes")
        if g.get("edge_index") is not None:
            _check_edges(g.edge_index, n, n, source, "")
        if "y" in g:
            _check_labels(g.y, n, source, "")
        _check_masks(g, n, source, "")
    if require_labels:
        require_binary_labels(g, source)
    return g


def require_binary_labels(g: Graph, source=None, mask_name: str = "train_mask") -> None:
    """A detector needs labels of both classes among its training nodes."""
    s = target_store(g)
    if "y" not in s:
        raise DataError(source, "graph has no labels (y); a supervised detector needs them")
    y = s.y
    if mask_name in s:
        y = y[s[mask_name]]
    y = y[y >= 0]
    if y.numel() == 0:
        raise DataError(source, f"no labelled nodes in {mask_name}")
    if not ((y == 0).any() and (y == 1).any()):
        raise DataError(source, f"labels in {mask_name} hold a single class ({int(y[0])}); both 0 and 1 are needed")


def check_relation(g: Graph, relation: str, source=None) -> None:
    """Raise if ``relation`` is not an edge type name of ``g``."""
    from graphguard.data.graph import relations

    names = sorted({r[1] for r in relations(g)})
    if relation not in names:
        raise DataError(source, f"unknown relation '{relation}' (known: {', '.join(names)})")


def check_node_ids_unique(ids: np.ndarray, source, what: str = "node") -> None:
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1]
        raise DataError(source, f"duplicate {what} id '{dup[0]}' ({len(dup)} duplicated ids)")
