"""Feature columns by name, so a saved detector reads a new export's columns as it was fitted.

Readers order one-hot columns by how often each value occurs, so the same properties can come back
in another column order from another export. A detector records each node type's column names at
fit time; at predict time the graph's columns are put back in that order (scikit-learn checks
``feature_names_in_`` for the same reason). Derived columns may differ without harm: a one-hot
column (``country=FR``) or a missing-value flag (``age__missing``) absent from the new data is all
zeros there, and one the model never saw (an unseen category) is dropped, as ``OneHotEncoder``
with ``handle_unknown="ignore"`` does. Any other difference is an error naming the columns.
"""

from __future__ import annotations

import copy

import torch

from graphguard.data.graph import Graph, feature_names, is_hetero
from graphguard.errors import DataError


def _stores(graph: Graph) -> dict[str, object]:
    return {t: graph[t] for t in graph.node_types} if is_hetero(graph) else {"_": graph}


def _derived(name: str) -> bool:
    return "=" in name or name.endswith("__missing")


def fitted_columns(graph: Graph) -> dict[str, list[str]]:
    """Column names of every node type that has them (``"_"`` for a homogeneous graph)."""
    out = {}
    for t, s in _stores(graph).items():
        names = feature_names(s)
        if names is not None:
            out[t] = names
    return out


def align_columns(graph: Graph, fitted: dict[str, list[str]] | None, source="predict") -> Graph:
    """``graph`` itself when its columns already match ``fitted``, else a shallow copy with ``x``
    reordered (and derived columns filled or dropped) to the fitted order."""
    if not fitted:
        return graph
    out = None
    for t, s in _stores(graph).items():
        want, have = fitted.get(t), feature_names(s)
        if want is None or have is None or have == want:
            continue
        pos = {n: j for j, n in enumerate(have)}
        missing = [n for n in want if n not in pos and not _derived(n)]
        extra = [n for n in have if n not in set(want) and not _derived(n)]
        if missing or extra:
            where = "" if t == "_" else f" of node type '{t}'"
            problems = ([f"lacks {', '.join(missing)}"] if missing else []) + \
                       ([f"has {', '.join(extra)}, unknown to the model"] if extra else [])
            raise DataError(source, f"feature columns{where} differ from the fitted ones: the data "
                                    f"{' and '.join(problems)}")
        x = torch.as_tensor(s.x)
        dst = [j for j, n in enumerate(want) if n in pos]
        cols = torch.zeros((x.shape[0], len(want)), dtype=x.dtype)
        cols[:, dst] = x[:, [pos[want[j]] for j in dst]]
        if out is None:
            out = copy.copy(graph)
        store = out[t] if t != "_" else out
        store.x, store.feature_names = cols, list(want)
    return graph if out is None else out


def check_width(where: str, fitted: int, have: int, source="predict") -> None:
    """Refuse features of another width than at fit (0: no ``x``), in one line naming ``where`` and both.

    Why here and not in the model: a missing ``x`` or another width otherwise surfaces deep inside a
    layer as a KeyError or a shape mismatch, or is silently read as the all-ones input of a type without
    features (HGT)."""
    if have == fitted:
        return
    was = f"had x with {fitted} columns at fit" if fitted else "had no x at fit"
    now = (f"has {have} now" if fitted else f"has {have} columns now") if have else "has none now"
    raise DataError(source, f"{where} {was}, {now}")


def width(store) -> int:
    """Columns of a node store's ``x`` (0 when it has none)."""
    return int(store.x.shape[1]) if "x" in store else 0
