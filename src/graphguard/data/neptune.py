"""Amazon Neptune / Gremlin bulk-load CSV: read a graph, write it back, and write predictions.

Vertex files have the header ``~id[,~label],name:Type,...`` and edge files ``~id,~from,~to[,~label],...``
(RFC 4180 CSV, optionally gzip'd; several files per type; file names do not matter). Property types
follow the Neptune loader: ``Bool``/``Boolean``, ``Byte``, ``Short``, ``Int``, ``Long``, ``Float``,
``Double``, ``String``, ``Date`` (case-insensitive), ``Type[]`` for ``;``-separated arrays, an
optional ``(single)``/``(set)`` cardinality, and no type meaning ``String``. A missing ``~label``
is ``vertex`` / ``edge`` as in TinkerPop; a vertex with several labels (``a;b``) takes the first.

How properties become a graph (see ``graphguard.data.frames`` for the encoding):

* the label property the user names (``label=``) becomes ``y`` (``1``/``true`` fraud, ``0``/``false``
  normal, empty unlabelled = -1) on the vertex type that carries it (the target type);
* a ``Date`` property becomes ``node_time`` / ``edge_time`` (epoch seconds): the one named ``time``,
  the one named by ``time=``, or the only ``Date`` column;
* a ``split`` property (``train``/``val``/``test``) becomes the masks; ``is_synthetic:Bool`` marks
  generated nodes; numeric array properties contribute their mean and count;
* every other typed property becomes features (strings one-hot with a bounded vocabulary).

One vertex label and one edge label give ``Data``; more give ``HeteroData`` with node types = vertex
labels and relations = edge labels (``rev_<label>`` added for the reverse direction when
``undirected``). Predictions go back as new vertex properties, as Neptune ML writes them.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from graphguard.data.frames import (
    Files,
    assemble,
    feature_columns,
    format_dates,
    merge_repeated_edge_ids,
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

NUMERIC = {"byte", "short", "int", "integer", "long", "float", "double"}
TYPES = NUMERIC | {"bool", "boolean", "string", "date"}
_TYPE_RE = re.compile(r"^(?P<type>[A-Za-z]+)(?P<array>\[\])?(?:\((?P<card>single|set)\))?$", re.IGNORECASE)
SYSTEM_VERTEX = {"~id", "~label"}
SYSTEM_EDGE = {"~id", "~from", "~to", "~label"}


# ------------------------------------------------------------------ header

_PROP_RE = re.compile(r"^(?P<name>(?:[^:\\]|\\.)*)(?::(?P<type>[^:]*))?$")  # the last colon not escaped as \:


def split_property(col: str) -> tuple[str, str | None, bool]:
    """``(name, type, is_array)`` of a property column: ``age:Int(single)`` -> ``('age', 'Int', False)``,
    ``tags:String[]`` -> ``('tags', 'String', True)``, ``note`` -> ``('note', None, False)``.

    Every Neptune reader goes through here, so a cardinality suffix or an escaped colon means the same
    everywhere. The type keeps its spelling; an unrecognised one comes back as written, for the caller
    to reject.
    """
    m = _PROP_RE.match(col)
    if m is None:
        return col, None, False
    name, tspec = m.group("name").replace("\\:", ":"), m.group("type")
    if tspec is None:
        return name, None, False
    tm = _TYPE_RE.match(tspec)
    if tm is None:
        return name, tspec, False
    return name, tm.group("type"), bool(tm.group("array"))


def parse_header(columns: list[str], path) -> tuple[str, list[tuple[str, str, str, bool]]]:
    """``(kind, [(column, property, type, is_array)])`` for one file; ``kind`` is vertex or edge."""
    system = [c for c in columns if c.startswith("~")]
    is_edge = "~from" in system or "~to" in system
    allowed = SYSTEM_EDGE if is_edge else SYSTEM_VERTEX
    for c in system:
        if c not in allowed:
            raise DataError(path, f"unknown system column '{c}' in a {'edge' if is_edge else 'vertex'} file "
                                  f"(allowed: {', '.join(sorted(allowed))})")
    need = ["~from", "~to"] if is_edge else ["~id"]
    missing = [c for c in need if c not in system]
    if missing:
        raise DataError(path, f"missing column(s) {', '.join(missing)} in the header "
                              f"({'edge' if is_edge else 'vertex'} file)")
    props, seen = [], set()
    for c in columns:
        if c.startswith("~"):
            continue
        if not c:
            raise DataError(path, "empty column name in the header")
        name, typ, is_array = split_property(c)
        typ = (typ or "string").lower()
        if typ not in TYPES:
            raise DataError(path, f"column '{c}' has unknown type '{c.rpartition(':')[2]}' "
                                  f"(known: Bool, Byte, Short, Int, Long, Float, Double, String, Date)")
        if name in seen:
            raise DataError(path, f"property '{name}' appears twice in the header")
        seen.add(name)
        props.append((c, name, typ, is_array))
    return ("edge" if is_edge else "vertex"), props


def read_header(path: Path, errors: str = "strict") -> list[str]:
    """The header's column names, CSV-unquoted (``"~id","~label"`` is what pyarrow writes); a UTF-8 BOM
    (Excel's "CSV UTF-8") is dropped, or it would hide ``~id``. ``errors="replace"`` lets format
    detection look at a file that is not UTF-8 throughout."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors=errors, newline="") as f:
            return next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, EOFError) as e:
        raise DataError(path, f"cannot read ({type(e).__name__}: {e})") from None


def is_neptune_header(columns: list[str]) -> bool:
    """A vertex header starts with ``~id``; an edge header has ``~from``."""
    return bool(columns) and (columns[0] in ("~id", "~from") or "~from" in columns)


# ------------------------------------------------------------------ one file

def _array_values(raw: pd.Series, frame, files, name, typ) -> tuple[np.ndarray, np.ndarray]:
    """Mean and count of a ``;``-separated numeric/bool/date array column."""
    tokens = raw.fillna("").astype(str).str.split(";").explode()
    tokens = tokens[tokens.str.strip() != ""]
    pos = pd.Series(np.arange(len(raw)), index=raw.index).loc[tokens.index].to_numpy()
    sub = frame.iloc[pos]
    if typ in NUMERIC:
        vals = parse_number(tokens, sub, files, name, typ.capitalize())
    elif typ in ("bool", "boolean"):
        vals = parse_bool(tokens, sub, files, name)
    else:
        vals = parse_date(tokens, sub, files, name)
    count = np.bincount(pos, minlength=len(raw)).astype(np.float64)
    total = np.bincount(pos, weights=vals, minlength=len(raw))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count


def _read_file(path: Path, files: Files, kinds: dict[str, str], origin: dict[str, str]):
    header = read_header(path)
    if not header:
        raise DataError(path, "file is empty (no header)")
    kind, props = parse_header(header, path)
    try:
        raw = read_text_csv(path, header)
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, EOFError) as e:
        raise DataError(path, f"cannot parse CSV ({type(e).__name__}: {str(e).splitlines()[0]})") from None
    fid = files.add(path)
    out = pd.DataFrame({"~file": np.full(len(raw), fid, np.int32), "~row": np.arange(len(raw), dtype=np.int64)})
    out["~id"] = raw["~id"].str.strip() if "~id" in raw else ""
    if kind == "vertex":
        lab = raw["~label"] if "~label" in raw else pd.Series("vertex", index=raw.index)
        if lab.str.contains(";", regex=False).any():  # several labels: the first one is the type
            lab = lab.str.split(";").str[0]
        out["~label"] = lab.str.strip().replace("", "vertex").to_numpy()
        empty = (out["~id"] == "").to_numpy()
        files.fail(out, empty, "vertex has an empty ~id", "empty ids")
    else:
        lab = raw["~label"] if "~label" in raw else pd.Series("edge", index=raw.index)
        out["~label"] = lab.str.strip().replace("", "edge").to_numpy()
        out["~from"] = raw["~from"].str.strip().to_numpy()
        out["~to"] = raw["~to"].str.strip().to_numpy()
        empty = (out["~id"] == "").to_numpy()
        if empty.any():  # ~id is required by Neptune; be lenient and name the edge by file and line
            gen = np.char.add(f"{path.name}:", (np.arange(len(raw)) + 2).astype(str))
            out["~id"] = np.where(empty, gen, out["~id"].to_numpy(dtype=str))
    for col, name, typ, array in props:
        if typ in NUMERIC or typ in ("bool", "boolean") or typ == "date":
            k = "date" if (typ == "date" and not array) else "num"
        else:
            k = "multi" if array else "cat"
        prev = kinds.get(name)
        if prev is not None and (prev in ("cat", "multi")) != (k in ("cat", "multi")):
            raise DataError(path, f"property '{name}' is typed {typ} here but differently in {origin[name]}")
        kinds.setdefault(name, k)
        origin.setdefault(name, str(path))
        v = raw[col]
        if array and k == "num":
            mean, count = _array_values(v, out, files, name, typ)
            out[name] = mean
            out[f"{name}_count"] = count
            kinds.setdefault(f"{name}_count", "num")
        elif typ in NUMERIC:
            out[name] = parse_number(v, out, files, name, typ.capitalize())
        elif typ in ("bool", "boolean"):
            out[name] = parse_bool(v, out, files, name)
        elif typ == "date":
            out[name] = parse_date(v, out, files, name)
        else:
            out[name] = v.to_numpy()
    return kind, out


def _list_files(path) -> tuple[list[Path], str]:
    if isinstance(path, (list, tuple)):
        paths = [Path(p) for p in path]
        source = paths[0].parent if paths else "<neptune>"
    else:
        p = Path(path)
        if not p.exists():
            raise DataError(p, "file or folder not found")
        paths = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")
                       and f.name.lower().endswith((".csv", ".csv.gz"))) if p.is_dir() else [p]
        source = p
    if not paths:
        raise DataError(source, "no Neptune CSV files (*.csv, *.csv.gz) found")
    for f in paths:
        if not f.is_file():
            raise DataError(f, "file not found")
    return paths, str(source)


def read_neptune(
    path,
    label: str | None = None,
    target: str | None = None,
    *,
    time: str | None = None,
    edge_time: str | None = None,
    split: str | None = "split",
    relations: list[str] | None = None,
    undirected: bool = True,
    max_categories: int = 32,
):
    """Read Neptune bulk-load CSV files (a folder, one file, or a list of files) into a graph.

    ``label`` names the label property; without it a property called ``label`` is used if present.
    ``target`` names the vertex type to predict on (default: the one carrying the label).
    ``relations`` keeps only those edge labels. ``undirected`` adds the reverse of every edge so that
    messages flow both ways (write-back writes each such edge once).
    """
    paths, source = _list_files(path)
    files = Files()
    kinds_v: dict[str, str] = {}
    kinds_e: dict[str, str] = {}
    origin: dict[str, str] = {}
    vframes, eframes = [], []
    for f in paths:
        kind, frame = _read_file(f, files, kinds_e if _is_edge_file(f) else kinds_v, origin)
        (eframes if kind == "edge" else vframes).append(frame)
    if not vframes:
        raise DataError(source, "graph is empty (no vertex files)")
    nodes = pd.concat(vframes, ignore_index=True, sort=False)
    edges = (pd.concat(eframes, ignore_index=True, sort=False) if eframes
             else pd.DataFrame(columns=["~id", "~from", "~to", "~label", "~file", "~row"]))
    edges = merge_repeated_edge_ids(edges, files)
    return assemble(nodes, kinds_v, edges, kinds_e, files, source=source,
                    label=label if label is not None else "label", label_required=label is not None,
                    target=target, time=time, edge_time=edge_time, split=split, relations=relations,
                    undirected=undirected, max_categories=max_categories)


def _is_edge_file(path: Path) -> bool:
    head = read_header(path)
    return "~from" in head or "~to" in head


# ------------------------------------------------------------------ writing

def _safe(name: str) -> str:
    """A property name Neptune accepts: no space, comma, CR or LF; colons escaped."""
    return re.sub(r"[\s,]", "_", str(name)).replace(":", "\\:")


def _open_out(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "wb"), encoding="utf-8", newline="")
    return open(path, "w", encoding="utf-8", newline="")


def _write_frame(df: pd.DataFrame, path: Path) -> Path:
    with _open_out(path) as f:
        df.to_csv(f, index=False, lineterminator="\n")
    return path


def write_neptune(graph: Graph, out_dir, *, label: str = "label", vertex_label: str = "node",
                  edge_label: str = "to", split: str | None = "split") -> list[Path]:
    """Write ``graph`` as Neptune bulk-load CSV: one vertex file per node type, one edge file per relation.

    Features are written as ``Float`` properties named by ``feature_names``; ``y`` as ``<label>:Int``
    (empty when unlabelled); masks as ``split:String``; ``node_time``/``edge_time`` as ``time:Date``;
    ``is_synthetic`` as ``is_synthetic:Bool``. Symmetric relations (and ``rev_*`` mirrors) are written
    once, since ``read_neptune(undirected=True)`` restores the other direction.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hetero = is_hetero(graph)
    ntypes = list(graph.node_types) if hetero else [vertex_label]
    ids = {t: node_ids(graph[t] if hetero else graph, t) for t in ntypes}
    all_ids = pd.Series(np.concatenate(list(ids.values())))
    if all_ids.duplicated().any():
        raise DataError(out, f"vertex id '{all_ids[all_ids.duplicated()].iat[0]}' is used twice; "
                             f"Neptune ids must be unique across vertex labels")
    written = []
    for t in ntypes:
        s = graph[t] if hetero else graph
        n = int(s.num_nodes)
        cols = {"~id": ids[t], "~label": np.full(n, t, dtype=object)}
        reserved = {label, split or "", "time", "is_synthetic"}
        cols.update({f"{nm}:Float": v for nm, v in feature_columns(s, reserved, _safe).items()})
        if "y" in s:
            y = s.y.cpu().numpy()
            cols[f"{_safe(label)}:Int"] = pd.Series(y, dtype="Int64").mask(y < 0).to_numpy()
        sp = split_column(s) if split else None
        if sp is not None:
            cols[f"{_safe(split)}:String"] = sp
        if "node_time" in s:
            cols["time:Date"] = format_dates(s.node_time.cpu().numpy())
        if "is_synthetic" in s:
            cols["is_synthetic:Bool"] = np.where(s.is_synthetic.cpu().numpy(), "true", "false")
        written.append(_write_frame(pd.DataFrame(cols), out / f"vertices_{_file_part(t)}.csv"))
    for st, rel, dt, s, keep in written_edges(graph, vertex_label, edge_label):
        ei = s.edge_index.cpu().numpy()[:, keep]
        eid = (np.asarray(s.edge_id, dtype=str)[keep] if "edge_id" in s and len(s.edge_id) == s.edge_index.shape[1]
               else np.char.add(f"{rel}-", np.arange(len(keep)).astype(str)))
        cols = {"~id": eid, "~from": ids[st][ei[0]], "~to": ids[dt][ei[1]], "~label": np.full(len(keep), rel, object)}
        if "edge_time" in s:
            cols["time:Date"] = format_dates(s.edge_time.cpu().numpy()[keep])
        if "edge_attr" in s and s.edge_attr is not None:
            a = s.edge_attr.detach().cpu().numpy()[keep]
            a = a[:, None] if a.ndim == 1 else a
            names = list(getattr(s, "edge_attr_names", None) or [])
            if len(names) != a.shape[1]:
                names = [f"attr{j}" for j in range(a.shape[1])]
            for j, nm in enumerate(names):
                cols[f"{_safe(nm)}:Float"] = a[:, j]
        name = f"edges_{_file_part(st)}_{_file_part(rel)}_{_file_part(dt)}.csv"
        written.append(_write_frame(pd.DataFrame(cols), out / name))
    return written


def _file_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))


def write_neptune_predictions(node_ids, scores, labels, out_path, *, vertex_label: str = "node",
                              score_property: str = "pred_score", label_property: str = "pred_label") -> Path:
    """Predictions as new vertex properties (``~id,~label,pred_score:Double,pred_label:Int``).

    Loading the file into Neptune adds the two properties to the existing vertices, which is how
    Neptune ML hands inference results back to Gremlin queries. ``.gz`` in ``out_path`` compresses.
    """
    ids = np.asarray(node_ids, dtype=str)
    sc = np.asarray(scores, dtype=np.float64).reshape(-1)
    lb = np.asarray(labels).reshape(-1)
    if not (len(ids) == len(sc) == len(lb)):
        raise DataError(out_path, f"{len(ids)} ids, {len(sc)} scores and {len(lb)} labels; they must match")
    if not np.isfinite(sc).all():
        raise DataError(out_path, f"scores contain NaN or inf (first at position {int(np.flatnonzero(~np.isfinite(sc))[0])})")
    if not np.isin(lb, (0, 1)).all():
        raise DataError(out_path, "predicted labels must be 0 or 1")
    df = pd.DataFrame({"~id": ids, "~label": vertex_label, f"{_safe(score_property)}:Double": sc,
                       f"{_safe(label_property)}:Int": lb.astype(np.int64)})
    return _write_frame(df, Path(out_path))
