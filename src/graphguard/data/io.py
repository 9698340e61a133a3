"""One entry point that opens any supported graph file or folder: ``load_graph(path, format=None)``.

Formats are registered by name with the reader's import path, so the CLI and job files name them
for free and heavy readers are imported only when used. ``detect_format`` picks one from the path.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from graphguard.errors import DataError

READERS: dict[str, str] = {
    "npz": "graphguard.data.npz:read_npz",
    "neptune": "graphguard.data.neptune:read_neptune",
    "tables": "graphguard.data.tables:read_tables",
    "yelpchi": "graphguard.data.yelpchi:read_yelpchi",
    "tu": "graphguard.data.tu:read_tu",
    "triples": "graphguard.data.triples:read_triples",
    "smiles": "graphguard.data.smiles:read_smiles_csv",
    "fdataset": "graphguard.data.drugrepo:read_fdataset",
    "graphs": "graphguard.data.graphset:read_graphs",
    "store": "graphguard.data.store:read_store",
}


def _resolve(spec: str):
    mod, fn = spec.split(":")
    return getattr(importlib.import_module(mod), fn)


def detect_format(path: str | Path) -> str:
    """Guess the format from the file name or the folder's contents."""
    p = Path(path)
    if not p.exists():
        raise DataError(p, "file or folder not found")
    name = p.name.lower()
    if p.is_file():
        if name.endswith(".graphs.npz"):
            return "graphs"
        if name.endswith(".npz"):
            return "npz"
        if name == "metadata.gz" or name.endswith(".metadata.gz"):
            return "yelpchi"
        if name.endswith(".tar.gz") or name.endswith(".tgz"):
            return "triples"
        if name.endswith((".csv", ".csv.gz")) and _is_neptune_file(p):
            return "neptune"
        if name.endswith(".csv") and _looks_like_smiles(p):
            return "smiles"
        raise DataError(p, "cannot tell the format from the file name; name it with --format")
    files = {f.name for f in p.iterdir()}
    if "graphguard_store.json" in files:
        return "store"
    if any(f.endswith("_graph_indicator.txt") for f in files):
        return "tu"
    if "train.txt" in files:  # valid.txt or test.txt missing: the triples reader names the one that is
        return "triples"
    if "DiDrAMat" in files:
        return "fdataset"
    if any(f.endswith("metadata.gz") for f in files):
        return "yelpchi"
    if any(f.endswith(".npz") for f in files) and len([f for f in files if f.endswith(".npz")]) == 1:
        return "npz"
    csvs = [f for f in p.iterdir() if f.suffix in (".csv", ".gz") and f.is_file()]
    for f in csvs:
        if _is_neptune_file(f):
            return "neptune"
    if any(f.endswith((".csv", ".parquet")) for f in files) or _per_type_tables(p):
        return "tables"
    if any(f.endswith((".tar.gz", ".tgz")) for f in files):
        return "triples"  # a folder that holds only the archive of train/valid/test.txt, as shipped for UMLS
    raise DataError(p, "folder holds no recognised graph files (Neptune CSV, npz, tables, TU, triples)")


def _per_type_tables(p: Path) -> bool:
    """``nodes/`` and ``edges/`` folders of per-type tables, as ``graphguard generate --format tables`` writes."""
    return (p / "nodes").is_dir() and (p / "edges").is_dir()


def _header(p: Path) -> list[str]:
    """The CSV header as the Neptune reader reads it; empty when the file cannot be read."""
    from graphguard.data.neptune import read_header

    try:
        return read_header(p, errors="replace")
    except DataError:
        return []


def _is_neptune_file(p: Path) -> bool:
    from graphguard.data.neptune import is_neptune_header

    return is_neptune_header(_header(p))


def _looks_like_smiles(p: Path) -> bool:
    return any("smiles" in c.lower() for c in _header(p))


def load_graph(path: str | Path, format: str | None = None, **kwargs):
    """Read a graph; ``format`` is one of ``READERS`` or detected from ``path``."""
    fmt = format or detect_format(path)
    if fmt not in READERS:
        raise DataError(path, f"unknown format '{fmt}' (known: {', '.join(sorted(READERS))})")
    p = Path(path)
    if fmt == "npz" and p.is_dir():
        p = _file_in(p, ".npz")
    if fmt == "yelpchi" and p.is_dir():
        p = _file_in(p, "metadata.gz")
    try:
        reader = _resolve(READERS[fmt])
    except (ImportError, AttributeError):
        raise DataError(path, f"the '{fmt}' reader is not available in this build") from None
    _check_options(reader, fmt, path, kwargs)
    return reader(p, **kwargs)


def _file_in(folder: Path, ending: str) -> Path:
    """The folder's file whose name ends in ``ending`` (the first by name), or a one-line error when a
    folder named with the wrong format has none."""
    found = sorted(f for f in folder.iterdir() if f.is_file() and f.name.endswith(ending))
    if not found:
        raise DataError(folder, f"no {ending} file in this folder")
    return found[0]


def _check_options(reader, fmt: str, path, kwargs: dict) -> None:
    """An option the format does not have (``--label`` on an npz file, say) is a one-line error, not a TypeError."""
    import inspect

    params = inspect.signature(reader).parameters
    if any(v.kind is inspect.Parameter.VAR_KEYWORD for v in params.values()):
        return
    known = [k for k, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY or
             (v.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and v.default is not inspect.Parameter.empty)]
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise DataError(path, f"the '{fmt}' format takes no option {', '.join(repr(u) for u in unknown)} "
                              f"(its options: {', '.join(known) or 'none'})")


def data_root(explicit: str | Path | None = None) -> Path | None:
    """Where the shared benchmark data lives: ``explicit``, ``$GRAPHGUARD_DATA``, or ``../shared/data``."""
    import os

    for cand in (explicit, os.environ.get("GRAPHGUARD_DATA"), Path.cwd().parent / "shared" / "data",
                 Path(__file__).resolve().parents[3].parent / "shared" / "data"):
        if cand and Path(cand).is_dir():
            return Path(cand)
    return None
