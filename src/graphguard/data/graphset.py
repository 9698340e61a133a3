"""A collection of graphs in one ``.graphs.npz`` file: what ``graphguard build`` writes and
``graphguard graph train|evaluate|predict`` read.

Layout (numpy arrays, opened with ``allow_pickle=False``), for G graphs with N nodes and E edges
in total:

* ``x`` [N, F] float32, ``edge_index`` [2, E] int64 with node ids local to each graph;
* ``node_ptr`` [G+1] and ``edge_ptr`` [G+1]: graph ``k`` owns nodes ``node_ptr[k]:node_ptr[k+1]``
  and edges ``edge_ptr[k]:edge_ptr[k+1]``;
* optional ``edge_attr`` [E, D] float32, ``edge_type`` [E] int64, ``pos`` [N, 3] float32;
* optional ``y`` [G] (graph labels), ``node_y`` [N] (node labels, e.g. document box labels);
* optional ``name`` [G] and ``smiles`` [G] (unicode strings);
* optional ``pairs`` [P, 2] with ``pair_ptr`` [G+1] (node pairs, e.g. question -> answer).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data

from graphguard.data.smiles import GraphList
from graphguard.errors import DataError

SUFFIX = ".graphs.npz"


def _in_all(graphs, key: str, path: Path) -> bool:
    """Whether every graph has ``key``; some but not all is an error, since the file keeps a field for
    all graphs or none and dropping it would silently lose labels (or pairs, edge features...)."""
    has = [getattr(g, key, None) is not None for g in graphs]
    if any(has) and not all(has):
        i = has.index(False)
        name = getattr(graphs[i], "name", None)
        raise DataError(path, f"'{key}' is given for {sum(has)} of {len(has)} graphs but not for graph {i}"
                              f"{f' ({name})' if isinstance(name, str) else ''}; give it for all or write them apart")
    return all(has)


def write_graphs(graphs, path: str | Path) -> Path:
    path = Path(path)
    if not str(path).endswith(SUFFIX):
        path = Path(str(path) + SUFFIX) if path.suffix != ".npz" else path
    graphs = list(graphs)
    if not graphs:
        raise DataError(path, "no graphs to write")
    arr: dict[str, np.ndarray] = {
        "x": np.concatenate([g.x.numpy() for g in graphs]).astype(np.float32),
        "edge_index": np.concatenate([g.edge_index.numpy() for g in graphs], 1).astype(np.int64),
        "node_ptr": np.cumsum([0] + [int(g.num_nodes) for g in graphs]),
        "edge_ptr": np.cumsum([0] + [int(g.edge_index.shape[1]) for g in graphs]),
    }
    for key in ("edge_attr", "edge_type", "pos"):
        if _in_all(graphs, key, path):
            arr[key] = np.concatenate([getattr(g, key).numpy() for g in graphs])
    if _in_all(graphs, "y", path):
        ys = [g.y.numpy().reshape(-1) for g in graphs]
        if all(len(v) == 1 for v in ys):
            arr["y"] = np.concatenate(ys)
        elif all(len(v) == int(g.num_nodes) for v, g in zip(ys, graphs)):
            arr["node_y"] = np.concatenate(ys)
    for key in ("name", "smiles"):
        if all(isinstance(getattr(g, key, None), str) for g in graphs):
            arr[key] = np.asarray([getattr(g, key) for g in graphs], dtype=str)
    if _in_all(graphs, "pairs", path):
        arr["pairs"] = np.concatenate([g.pairs.numpy().reshape(-1, 2) for g in graphs]).astype(np.int64)
        arr["pair_ptr"] = np.cumsum([0] + [int(g.pairs.shape[0]) for g in graphs])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arr)
    return path


def read_graphs(path: str | Path) -> GraphList:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        z = dict(np.load(path, allow_pickle=False))
    except Exception as e:
        raise DataError(path, f"cannot read graph collection ({type(e).__name__}: {e})") from None
    missing = [k for k in ("x", "edge_index", "node_ptr", "edge_ptr") if k not in z]
    if missing:
        raise DataError(path, f"not a graph collection: missing {', '.join(missing)}")
    npt, ept = z["node_ptr"], z["edge_ptr"]
    if len(npt) != len(ept) or npt[-1] != len(z["x"]) or ept[-1] != z["edge_index"].shape[1]:
        raise DataError(path, "node_ptr/edge_ptr do not match x/edge_index")
    out = []
    for k in range(len(npt) - 1):
        a, b, c, d = npt[k], npt[k + 1], ept[k], ept[k + 1]
        g = Data(x=torch.from_numpy(z["x"][a:b]), edge_index=torch.from_numpy(z["edge_index"][:, c:d]))
        g.num_nodes = int(b - a)
        for key in ("edge_attr", "edge_type"):
            if key in z:
                setattr(g, key, torch.from_numpy(z[key][c:d]))
        if "pos" in z:
            g.pos = torch.from_numpy(z["pos"][a:b])
        if "y" in z:
            g.y = torch.from_numpy(z["y"][k:k + 1])
        if "node_y" in z:
            g.y = torch.from_numpy(z["node_y"][a:b])
        for key in ("name", "smiles"):
            if key in z:
                setattr(g, key, str(z[key][k]))
        if "pairs" in z:
            g.pairs = torch.from_numpy(z["pairs"][z["pair_ptr"][k]:z["pair_ptr"][k + 1]])
        out.append(g)
    return GraphList(out, source=str(path), target="y" if "y" in z else None)


def load_graph_dataset(path: str | Path, target: str | None = None, skip_invalid: bool = False,
                       smiles_col: str | None = None, task: str = "auto", encodings: dict | None = None,
                       labelled: bool = True) -> GraphList:
    """A TU folder, a SMILES CSV or a ``.graphs.npz`` collection, as a list of labelled graphs.

    ``task`` (auto, classification or regression) says how a SMILES CSV's label column is read;
    the returned list's ``task`` is what was decided (None where the labels decide later).
    ``encodings`` (a trained model's ``encodings_``) makes a TU folder's one-hot columns the model's;
    ``labelled=False`` (prediction) reads a SMILES CSV without a label column."""
    from graphguard.data.io import detect_format

    p = Path(path)
    if str(p).endswith(".npz") and p.is_file():
        return read_graphs(p)
    if p.is_file() and p.suffix.lower() == ".csv":
        from graphguard.data.smiles import read_smiles_csv

        return read_smiles_csv(p, target=target, smiles_col=smiles_col, skip_invalid=skip_invalid, task=task,
                               labelled=labelled)
    fmt = detect_format(p)
    if fmt == "tu":
        from graphguard.data.tu import read_tu

        if task == "regression":
            raise DataError(p, "TU graph labels are class labels; a regression task does not apply")
        return read_tu(p, encodings=encodings)
    raise DataError(p, f"not a graph-level dataset (TU folder, SMILES CSV or {SUFFIX}); detected '{fmt}'")
