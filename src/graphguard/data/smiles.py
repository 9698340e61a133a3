"""A CSV of SMILES strings and labels -> a list of molecular graphs (one per row).

The SMILES column is the first column whose name contains ``smiles`` (or ``smiles_col``); the
label column is ``target`` or, by default, the last column. A row RDKit cannot parse raises a
``DataError`` naming the file and row, unless ``skip_invalid`` is set, in which case it is left
out and counted in the returned list's ``skipped`` attribute.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from graphguard.builders.molecule import smiles_to_graph
from graphguard.errors import DataError


class GraphList(list):
    """A list of graphs that remembers where it came from and what was skipped."""

    source: str = ""
    skipped: list[int]
    target: str | None = None

    def __init__(self, graphs=(), source: str = "", skipped=None, target=None):
        super().__init__(graphs)
        self.source = source
        self.skipped = list(skipped or [])
        self.target = target


def read_smiles_csv(path: str | Path, target: str | None = None, smiles_col: str | None = None,
                    skip_invalid: bool = False, task: str = "classification") -> GraphList:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        df = pd.read_csv(path)
    except Exception as e:  # pandas raises many types for bad CSV
        raise DataError(path, f"cannot read CSV ({type(e).__name__}: {e})") from None
    if smiles_col is None:
        cands = [c for c in df.columns if "smiles" in str(c).lower()]
        if not cands:
            raise DataError(path, f"no SMILES column (columns: {', '.join(map(str, df.columns))}); name it with --smiles-col")
        smiles_col = cands[0]
    elif smiles_col not in df.columns:
        raise DataError(path, f"no column '{smiles_col}' (columns: {', '.join(map(str, df.columns))})")
    if target is None:
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
        if task == "classification":
            try:
                labels = col.astype(np.int64).to_numpy()
            except (ValueError, TypeError):
                raise DataError(path, f"label column '{target}' must hold integer classes") from None
        else:
            labels = col.astype(np.float32).to_numpy()
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
        graphs.append(g)
    if not graphs:
        raise DataError(path, "no valid molecules")
    return GraphList(graphs, source=str(path), skipped=skipped, target=target)
