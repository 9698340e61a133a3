"""Plain node and edge tables (CSV or Parquet) as a graph, and the writer for the same layout.

A folder with ``nodes.csv`` or ``nodes.parquet`` and ``edges.csv`` or ``edges.parquet``:

* nodes: ``id`` (required), optional ``label`` (1 fraud, 0 normal, empty unlabelled), ``type`` (node
  type), ``time`` (a number in any monotone unit, or a date as epoch seconds), ``split``
  (train/val/test), ``is_synthetic``; every other column is a feature (numbers as they are, text
  one-hot with a bounded vocabulary, as in the Neptune reader);
* edges: ``src`` and ``dst`` (node ids, required), optional ``relation`` and ``time``; other numeric
  columns become ``edge_attr``.

One node type and one relation give ``Data``; otherwise ``HeteroData`` (node types from ``type``,
relations ``(type(src), relation, type(dst))``). Edges are made undirected by default.

The per-type layout that ``graphguard ingest`` reads and ``graphguard generate --format tables``
writes is read too: ``nodes/<type>.{parquet,csv}`` (the type from the file name, ids unique within
a type) and ``edges/<src type>__<relation>__<dst type>.{parquet,csv}``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from graphguard.data.frames import (
    Files,
    assemble,
    check_finite,
    fast_float,
    feature_columns,
    node_ids,
    parse_bool,
    parse_date,
    parse_number,
    read_text_csv,
    split_column,
    written_edges,
)
from graphguard.data.graph import Graph, is_hetero
from graphguard.errors import DataError

NODE_SYSTEM = {"id": "~id", "type": "~label"}
EDGE_SYSTEM = {"src": "~from", "dst": "~to", "relation": "~label"}


def _find(folder: Path, stem: str) -> Path | None:
    for ext in (".parquet", ".csv", ".csv.gz"):
        p = folder / f"{stem}{ext}"
        if p.is_file():
            return p
    return None


def _read_raw(path: Path) -> tuple[pd.DataFrame, dict | None]:
    """The table, and for Parquet the null mask of each column (CSV cells are text: ``None``)."""
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            nulls = {name: table.column(name).is_null().to_numpy(zero_copy_only=False)
                     for name in table.column_names}
            return table.to_pandas(), nulls
        return read_text_csv(path, _csv_header(path)), None
    except DataError:
        raise  # already one line naming the file (a DataError is a ValueError too)
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, ValueError) as e:
        raise DataError(path, f"cannot read table ({type(e).__name__}: {str(e).splitlines()[0]})") from None


def _csv_header(path: Path) -> list[str]:
    from graphguard.data.neptune import read_header

    header = read_header(path)
    if not header:
        raise DataError(path, "file is empty (no header)")
    return header


def _typed(v: pd.Series, frame: pd.DataFrame, files: Files, name: str, nulls, time: bool = False):
    """``(kind, values)`` for one property column, inferred from its contents."""
    if nulls is None:
        fast = fast_float(v)
        if fast is not None:
            arr, missing = fast
            arr = np.where(missing, np.nan, arr)
            check_finite(arr, missing, frame, files, name)
            return "num", arr
        s = v.astype(str).str.strip()
        filled = s[s != ""]
        num = pd.to_numeric(filled, errors="coerce")
        low = filled.str.lower()
        special = low.isin(["nan", "inf", "-inf", "+inf", "infinity", "-infinity"])
        numeric = (num.notna() | special).to_numpy()
        if filled.empty or numeric.all():
            return "num", parse_number(s, frame, files, name)
        if 2 * numeric.sum() > len(filled):
            _fail_mostly_numeric(s, numeric, frame, files, name)
        if low.isin(["true", "false"]).all():
            return "num", parse_bool(s, frame, files, name)
        if time:
            return "date", parse_date(s, frame, files, name)
        return "cat", s.to_numpy(dtype=object)
    if pd.api.types.is_bool_dtype(v):
        return "num", v.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(v):
        arr = v.to_numpy(dtype=np.float64, na_value=np.nan)
        check_finite(arr, nulls, frame, files, name)
        return "num", arr
    if pd.api.types.is_datetime64_any_dtype(v):
        dt = pd.to_datetime(v, utc=True)
        return "date", np.asarray((dt - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(seconds=1), np.float64)
    if time:
        return "date", parse_date(v.astype(str).where(v.notna(), ""), frame, files, name)
    return "cat", v.astype(str).where(v.notna(), "").to_numpy(dtype=object)


def _fail_mostly_numeric(s: pd.Series, numeric: np.ndarray, frame: pd.DataFrame, files: Files, name: str) -> None:
    """A column whose cells are mostly numbers and a few text is a typo, not a category: one-hot
    encoding it (or leaving it out of ``edge_attr``) would silently change what the column means."""
    bad = np.array(s != "", dtype=bool)
    bad[bad] = ~numeric
    k = int(np.flatnonzero(bad)[0])
    files.fail(frame, bad, f"property '{name}' value '{s.iat[k]}' is not a number, but {int(numeric.sum())} of "
                           f"{int(numeric.size)} values are (leave the cell empty for a missing value)", "bad values")


def _load(path: Path, system: dict[str, str], required: list[str], files: Files, time_col: str = "time"):
    raw, nulls = _read_raw(path)
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise DataError(path, f"missing column(s) {', '.join(missing)} (has {', '.join(map(str, raw.columns)) or 'none'})")
    fid = files.add(path, header=nulls is None)
    out = pd.DataFrame({"~file": np.full(len(raw), fid, np.int32), "~row": np.arange(len(raw), dtype=np.int64)})
    kinds: dict[str, str] = {}
    for col in raw.columns:
        name = str(col)
        v = raw[col]
        if name in system:
            out[system[name]] = v.astype("str").str.strip().fillna("").to_numpy()
            continue
        kind, values = _typed(v, out, files, name, None if nulls is None else nulls[col], time=name == time_col)
        kinds[name] = kind
        out[name] = values
    return out, kinds


def read_tables(
    path,
    label: str | None = None,
    target: str | None = None,
    *,
    time: str | None = None,
    split: str | None = "split",
    relations: list[str] | None = None,
    undirected: bool = True,
    max_categories: int = 32,
):
    """Read ``nodes.{csv,parquet}`` and ``edges.{csv,parquet}`` from a folder into a graph.

    ``label`` names the label column (default ``label`` when present); ``target`` the node type
    that carries it; ``relations`` keeps only those relation names.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(folder, "expected a folder holding nodes.csv|nodes.parquet and edges.csv|edges.parquet")
    npath, epath = _find(folder, "nodes"), _find(folder, "edges")
    files = Files()
    time_col = time or "time"
    if is_per_type(folder):
        nodes, nkinds, edges, ekinds = _read_per_type(folder, files, time_col)
    elif npath is None:
        raise DataError(folder, "missing nodes.csv or nodes.parquet (or a nodes/ folder of <type> tables)")
    else:
        nodes, nkinds = _load(npath, NODE_SYSTEM, ["id"], files, time_col=time_col)
        if "~label" not in nodes:
            nodes["~label"] = "node"
        nodes["~label"] = nodes["~label"].replace("", "node")
        if epath is not None:
            edges, ekinds = _load(epath, EDGE_SYSTEM, ["src", "dst"], files)
            if "~label" not in edges:
                edges["~label"] = "to"
            edges["~label"] = edges["~label"].replace("", "to")
        else:
            edges, ekinds = pd.DataFrame(columns=["~id", "~from", "~to", "~label", "~file", "~row"]), {}
    files.fail(nodes, (nodes["~id"] == "").to_numpy(), "node has an empty id", "empty ids")
    edges["~id"] = edges["~from"].astype("str") + "->" + edges["~to"].astype("str")
    return assemble(nodes, nkinds, edges, ekinds, files, source=folder,
                    label=label if label is not None else "label", label_required=label is not None,
                    target=target, time=time, split=split, relations=relations,
                    undirected=undirected, max_categories=max_categories)


def _tables_in(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir() if f.is_file() and f.name.endswith((".parquet", ".csv", ".csv.gz")))


def is_per_type(folder: Path) -> bool:
    """The folder holds the per-type layout: a ``nodes/`` folder and no flat ``nodes.*`` table (which wins)."""
    return _find(folder, "nodes") is None and (folder / "nodes").is_dir()


def per_type_files(folder: Path) -> tuple[list[tuple[str, Path]], list[tuple[tuple[str, str, str], Path]]]:
    """The node tables as ``(type, path)`` and the edge tables as ``((src type, relation, dst type), path)``
    of a per-type folder, with the types named by the file names checked, so that every reader of the
    layout (``read_tables``, the workflow) finds the same files and refuses the same names."""
    node_files = [(_stem(f), f) for f in _tables_in(folder / "nodes")]
    if not node_files:
        raise DataError(folder / "nodes", "no node tables (<type>.parquet or <type>.csv)")
    types = [t for t, _ in node_files]
    edge_dir = folder / "edges"
    edge_files = []
    for f in _tables_in(edge_dir) if edge_dir.is_dir() else []:
        et = _stem(f).split("__")
        if len(et) != 3:
            raise DataError(f, "edge table names must be <src type>__<relation>__<dst type>")
        for t in (et[0], et[2]):
            if t not in types:
                raise DataError(f, f"node type '{t}' has no node table (known: {', '.join(types)})")
        edge_files.append(((et[0], et[1], et[2]), f))
    return node_files, edge_files


def _read_per_type(folder: Path, files: Files, time_col: str):
    """``nodes/<type>.*`` and ``edges/<src>__<relation>__<dst>.*``: types and relations come from the
    file names, and edges carry their endpoint types (``~from_type``, ``~to_type``) because ids need
    only be unique within a type."""
    node_files, edge_files = per_type_files(folder)
    nframes, nkinds = [], {}
    for node_type, f in node_files:
        frame, kinds = _load(f, {"id": "~id"}, ["id"], files, time_col=time_col)
        frame["~label"] = node_type
        _merge_kinds(nkinds, kinds, f)
        nframes.append(frame)
    eframes, ekinds = [], {}
    for et, f in edge_files:
        frame, kinds = _load(f, {"src": "~from", "dst": "~to"}, ["src", "dst"], files)
        frame["~from_type"], frame["~label"], frame["~to_type"] = et
        _merge_kinds(ekinds, kinds, f)
        eframes.append(frame)
    nodes = pd.concat(nframes, ignore_index=True, sort=False)
    edges = (pd.concat(eframes, ignore_index=True, sort=False) if eframes else
             pd.DataFrame(columns=["~from", "~to", "~label", "~file", "~row", "~from_type", "~to_type"]))
    return nodes, nkinds, edges, ekinds


def _stem(f: Path) -> str:
    return f.name.split(".")[0]


def _merge_kinds(kinds: dict[str, str], new: dict[str, str], path: Path) -> None:
    """One property means one thing across files: a column numeric in one table and text in another is an error."""
    for name, kind in new.items():
        if kinds.setdefault(name, kind) != kind:
            raise DataError(path, f"property '{name}' is {kind} here but {kinds[name]} in an earlier table")


def write_tables(graph: Graph, out_dir, *, format: str = "csv", label: str = "label",
                 node_type: str = "node", relation: str = "to") -> list[Path]:
    """Write ``graph`` as ``nodes.<format>`` and ``edges.<format>`` (``csv`` or ``parquet``).

    Node ids must be unique across node types (edges name nodes by id only). Symmetric relations
    are written once per undirected edge; ``read_tables`` restores both directions.
    """
    if format not in ("csv", "parquet"):
        raise DataError(out_dir, f"unknown table format '{format}' (csv or parquet)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hetero = is_hetero(graph)
    ntypes = list(graph.node_types) if hetero else [node_type]
    frames, ids = [], {}
    for t in ntypes:
        s = graph[t] if hetero else graph
        ids[t] = node_ids(s, t)
        cols = {"id": ids[t]}
        if hetero:
            cols["type"] = np.full(len(ids[t]), t, dtype=object)
        if "y" in s:
            y = s.y.cpu().numpy()
            cols[label] = pd.Series(y, dtype="Int64").mask(y < 0).to_numpy()
        sp = split_column(s)
        if sp is not None:
            cols["split"] = sp
        if "node_time" in s:
            cols["time"] = s.node_time.cpu().numpy()
        if "is_synthetic" in s:
            cols["is_synthetic"] = s.is_synthetic.cpu().numpy()
        reserved = {"id", "type", label, "split", "time", "is_synthetic"}
        cols.update(feature_columns(s, reserved))
        frames.append(pd.DataFrame(cols))
    nodes = pd.concat(frames, ignore_index=True, sort=False)
    if nodes["id"].duplicated().any():
        raise DataError(out, f"node id '{nodes['id'][nodes['id'].duplicated()].iat[0]}' is used by two node types; "
                             f"tables need ids unique across types")
    eframes = []
    for st, rel, dt, s, keep in written_edges(graph, node_type, relation):
        ei = s.edge_index.cpu().numpy()[:, keep]
        cols = {"src": ids[st][ei[0]], "dst": ids[dt][ei[1]], "relation": np.full(len(keep), rel, dtype=object)}
        if "edge_time" in s:
            cols["time"] = s.edge_time.cpu().numpy()[keep]
        if "edge_attr" in s and s.edge_attr is not None:
            a = s.edge_attr.detach().cpu().numpy()[keep]
            a = a[:, None] if a.ndim == 1 else a
            names = list(getattr(s, "edge_attr_names", None) or [])
            if len(names) != a.shape[1]:
                names = [f"attr{j}" for j in range(a.shape[1])]
            cols.update({nm: a[:, j] for j, nm in enumerate(names)})
        eframes.append(pd.DataFrame(cols))
    edges = pd.concat(eframes, ignore_index=True, sort=False) if eframes else pd.DataFrame(columns=["src", "dst"])
    paths = [out / f"nodes.{format}", out / f"edges.{format}"]
    for df, p in zip((nodes, edges), paths):
        if format == "csv":
            df.to_csv(p, index=False)
        else:
            df.to_parquet(p, index=False)
    return paths
