"""A CSV of SMILES strings and labels -> a list of molecular graphs (one per row).

The SMILES column is the first column whose name contains ``smiles`` (or ``smiles_col``); the
label column is ``target`` or, by default, the last column. ``task="auto"`` reads a column of
non-integer numbers as a regression target and integers as classes (scikit-learn's
``type_of_target`` rule); a label that is not a number is an error naming its row. A row RDKit cannot parse raises a
``DataError`` naming the file and row, unless ``skip_invalid`` is set, in which case it is left
out and counted in the returned list's ``skipped`` attribute.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from graphguard.builders.molecule import smiles_to_graph
from graphguard.errors import DataError, reason


class GraphList(list):
    """A list of graphs that remembers where it came from and what was skipped."""

    source: str = ""
    skipped: list[int]
    target: str | None = None
    task: str | None = None  # "classification" / "regression" when the reader knows

    def __init__(self, graphs=(), source: str = "", skipped=None, target=None, task=None):
        super().__init__(graphs)
        self.source = source
        self.skipped = list(skipped or [])
        self.target = target
        self.task = task


ID_COLUMNS = ("id", "name")  # a column kept as each graph's ``name`` (so predictions can be matched)


def read_smiles_csv(path: str | Path, target: str | None = None, smiles_col: str | None = None,
                    skip_invalid: bool = False, task: str = "auto", labelled: bool = True) -> GraphList:
    """Molecules of a CSV; ``labelled=False`` (prediction) reads no label column at all."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        df = pd.read_csv(path)
    except Exception as e:  # pandas raises many types for bad CSV
        raise DataError(path, f"cannot read CSV ({reason(e)})") from None
    if smiles_col is None:
        cands = [c for c in df.columns if "smiles" in str(c).lower()]
        if not cands:
            raise DataError(path, f"no SMILES column (columns: {', '.join(map(str, df.columns))}); name it with --smiles-col")
        smiles_col = cands[0]
    elif smiles_col not in df.columns:
        raise DataError(path, f"no column '{smiles_col}' (columns: {', '.join(map(str, df.columns))})")
    ids = next((c for c in df.columns if c != smiles_col and str(c).lower() in ID_COLUMNS), None)
    if not labelled:
        target = None
    elif target is None:
        others = [c for c in df.columns if c != smiles_col]
        target = others[-1] if others else None
    elif target not in df.columns:
        raise DataError(path, f"no label column '{target}' (columns: {', '.join(map(str, df.columns))})")
    labels = None
    if target is not None:
        col = df[target]
        if col.isna().any():
            row = int(np.flatnonzero(col.isna().to_numpy())[0]) + 2
            raise DataError(path, f"row {row}: label '{target}' is empty")
        numeric = pd.to_numeric(col, errors="coerce")
        if numeric.isna().any():
            i = int(np.flatnonzero(numeric.isna().to_numpy())[0])
            raise DataError(path, f"row {i + 2}: label '{target}' is not a number ({col.iloc[i]!r}); "
                                  "name a numeric column with --target")
        infinite = np.isinf(numeric.to_numpy(dtype=np.float64))
        if infinite.any():  # sklearn's and xgboost's own checks end in a traceback
            i = int(np.flatnonzero(infinite)[0])
            raise DataError(path, f"row {i + 2}: label '{target}' is {numeric.iloc[i]:g}; labels must be finite")
        from graphguard.tasks.graph.base import infer_task

        task = infer_task(numeric.to_numpy(), task, str(path))
        values = numeric.to_numpy()
        if task == "classification":
            if not np.all(np.mod(values, 1) == 0):
                raise DataError(path, f"label column '{target}' holds non-integer values; "
                                      "use --task regression or integer classes")
            labels = values.astype(np.int64)
        else:
            labels = values.astype(np.float32)
    else:
        task = None
    graphs, skipped = [], []
    for i, s in enumerate(df[smiles_col].tolist()):
        row = i + 2  # 1-based line number in the file, after the header
        try:
            g = smiles_to_graph(s if isinstance(s, str) else "", source=f"{path} row {row}")
        except DataError:
            if skip_invalid:
                skipped.append(row)
                continue
            raise
        if labels is not None:
            g.y = torch.tensor([labels[i]])
        g.row = row
        if ids is not None and ids != target:
            g.name = "" if pd.isna(df[ids].iloc[i]) else str(df[ids].iloc[i])
        graphs.append(g)
    if not graphs:
        raise DataError(path, "no valid molecules")
    return GraphList(graphs, source=str(path), skipped=skipped, target=target, task=task)
