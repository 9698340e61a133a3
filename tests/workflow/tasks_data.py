"""Tiny generated data sets for the node regression, link prediction and graph classification runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def make_triples(out: Path, n: int = 40, seed: int = 0) -> Path:
    """A ring of entities with ``next``/``prev`` (inverses) and ``group`` links: learnable by any KGE model."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        rows.append((f"e{i}", "next", f"e{(i + 1) % n}"))
        rows.append((f"e{(i + 1) % n}", "prev", f"e{i}"))
        rows.append((f"e{i}", "group", f"g{i // 5}"))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    held = [rows[k] for k in order if rows[k][1] != "group"][:2 * max(4, n // 8)]
    valid, test = held[: len(held) // 2], held[len(held) // 2:]
    train = [r for r in rows if r not in set(held)]
    for name, part in (("train", train), ("valid", valid), ("test", test)):
        (out / f"{name}.txt").write_text("".join("\t".join(r) + "\n" for r in part))
    return out


def make_regression_tables(out: Path, n: int = 400, seed: int = 0) -> Path:
    """Nodes whose target is the mean of their neighbours' ``f1`` (plus noise): only the graph explains it."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    f1 = rng.normal(0, 1, n)
    src = rng.integers(0, n, 4 * n)
    dst = rng.integers(0, n, 4 * n)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    total, deg = np.zeros(n), np.zeros(n)
    for a, b in ((src, dst), (dst, src)):
        np.add.at(total, a, f1[b])
        np.add.at(deg, a, 1)
    target = np.round(10 * total / np.maximum(deg, 1) + rng.normal(0, 0.5, n), 3)
    nodes = pd.DataFrame({"id": [f"n{i}" for i in range(n)], "f1": np.round(f1, 4),
                          "colour": rng.choice(["red", "blue"], n), "target": target})
    nodes.loc[rng.choice(n, 10, replace=False), "target"] = np.nan  # no target: predicted, not trained on
    nodes.to_csv(out / "nodes.csv", index=False)
    pd.DataFrame({"src": [f"n{i}" for i in src], "dst": [f"n{i}" for i in dst]}).to_csv(out / "edges.csv", index=False)
    return out


def flatten_target(tables: Path, value: float = 2.5) -> Path:
    """Give every node that has a target the same ``value``: R² (1 - SSE / spread) is then undefined."""
    nodes = pd.read_csv(tables / "nodes.csv")
    nodes.loc[nodes["target"].notna(), "target"] = value
    nodes.to_csv(tables / "nodes.csv", index=False)
    return tables


ACIDS = ["CC(=O)O", "CCC(=O)O", "CCCC(=O)O", "OC(=O)c1ccccc1", "CC(C)C(=O)O", "OC(=O)CCl", "OC(=O)CC(=O)O",
         "CCCCC(=O)O", "OC(=O)C=C", "CC(O)C(=O)O", "OC(=O)CO", "OC(=O)c1ccncc1", "CCCCCC(=O)O", "OC(=O)CCc1ccccc1",
         "CC(=O)CC(=O)O", "OC(=O)C1CCCCC1", "OC(=O)CN", "CSCC(=O)O", "OC(=O)c1ccc(Cl)cc1", "CCOC(=O)CC(=O)O"]
OTHERS = ["CCO", "CCCO", "CCN", "CCCC", "c1ccccc1", "CC(C)O", "CCOCC", "CC(=O)C", "CCCl", "c1ccncc1", "CCCCN",
          "CCS", "C1CCCCC1", "CCOC(C)=O", "CC(C)(C)O", "Cc1ccccc1", "CCCCCO", "NCCO", "CC=C", "COc1ccccc1"]


def make_smiles_csv(path: Path) -> Path:
    """Carboxylic acids (label 1) against other small molecules (label 0)."""
    df = pd.DataFrame({"smiles": ACIDS + OTHERS, "acid": [1] * len(ACIDS) + [0] * len(OTHERS)})
    df.to_csv(path, index=False)
    return path
