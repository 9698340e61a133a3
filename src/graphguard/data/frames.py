"""From node and edge tables to a PyG graph: the part the Neptune and plain-table readers share.

A reader parses its files into two pandas frames with system columns

* nodes: ``~id`` (str), ``~label`` (node type), ``~file`` (index into ``files``), ``~row`` (0-based data row);
* edges: ``~id``, ``~from``, ``~to``, ``~label`` (relation), ``~file``, ``~row``;

plus typed property columns, and a ``kinds`` map from property name to ``num`` (float), ``cat``
(string), ``multi`` (``;``-separated strings) or ``date`` (epoch seconds as float). ``assemble``
checks ids, labels and splits, encodes properties as features, and builds ``Data`` (one node type
and one relation) or ``HeteroData``. Everything is column-wise; no Python loop runs per row.

Feature encoding (per node type, over the properties that type has):

* numeric and Bool: the value; a missing value becomes 0 plus a ``<name>__missing`` indicator column;
* Date (other than the time property): days since 1970, missing as for numbers;
* String: one-hot over the ``max_categories`` most frequent values, the rest in ``<name>=<other>``;
  a column whose values are nearly all distinct (more than ``max_categories`` values and more than
  half of its rows distinct) is an identifier, not a category, and is left out;
* String arrays: multi-hot over the ``max_categories`` most frequent values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import Data, HeteroData

from graphguard._console import log
from graphguard.data.validate import validate_graph
from graphguard.errors import DataError

SYSTEM = ("~id", "~label", "~from", "~to", "~file", "~row")
SPLITS = ("train", "val", "test")
OTHER = "<other>"


@dataclass
class Files:
    """The files a frame came from, to name them (and the line) in errors."""

    paths: list[str] = field(default_factory=list)
    header_lines: list[int] = field(default_factory=list)  # 1 for CSV (line = row + 2), 0 for Parquet (row + 1)

    def add(self, path, header: bool = True) -> int:
        self.paths.append(str(path))
        self.header_lines.append(1 if header else 0)
        return len(self.paths) - 1

    def where(self, frame: pd.DataFrame, pos: int) -> tuple[str, str]:
        """(file, 'line N' / 'row N') of the row at position ``pos`` of ``frame``."""
        f = int(frame["~file"].iat[pos])
        r = int(frame["~row"].iat[pos])
        if self.header_lines[f]:
            return self.paths[f], f"line {r + 1 + self.header_lines[f]}"
        return self.paths[f], f"row {r + 1}"

    def fail(self, frame: pd.DataFrame, bad: np.ndarray, problem: str, count_what: str = "") -> None:
        """Raise a DataError at the first True of ``bad`` (a mask over ``frame``)."""
        pos = np.flatnonzero(bad)
        if pos.size == 0:
            return
        path, where = self.where(frame, int(pos[0]))
        more = f" ({pos.size} {count_what or 'such rows'})" if pos.size > 1 else ""
        raise DataError(path, f"{where}: {problem}{more}")  # problem is final text: ids may hold braces


def check_finite(values: np.ndarray, missing: np.ndarray, frame: pd.DataFrame, files: Files, name: str) -> None:
    """NaN or inf written in the file (not an empty cell) is an error: features must be finite."""
    bad = ~np.isfinite(values) & ~missing
    files.fail(frame, bad, f"property '{name}' is NaN or inf; features must be finite", "NaN/inf values")


def check_unique_ids(nodes: pd.DataFrame, files: Files, keys: pd.Series | None = None) -> None:
    dup = (nodes["~id"] if keys is None else keys).duplicated().to_numpy()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        files.fail(nodes, dup, f"duplicate vertex id '{nodes['~id'].iat[k]}'", "duplicated ids")


def _refuse_edge_id_reuse(edges: pd.DataFrame, files: Files, bad: np.ndarray, ref: np.ndarray, what: str) -> None:
    """Stop at the first row of ``bad``: its ``~id`` was given before (row ``ref``) with another ``what``."""
    if not bad.any():
        return
    k = int(np.argmax(bad))
    path, _ = files.where(edges, k)
    first_path, first_where = files.where(edges, int(ref[k]))
    first = first_where if first_path == path else f"{first_path} {first_where}"
    files.fail(edges, bad, f"edge id '{edges['~id'].iat[k]}' is used again with {what} than at {first} "
                           "(Neptune keeps one edge per ~id)")


def merge_repeated_edge_ids(edges: pd.DataFrame, files: Files) -> pd.DataFrame:
    """Rows that repeat an edge ``~id`` are that one edge, as Neptune's bulk loader treats them.

    Neptune keeps one edge per ``~id``, and an edge property holds one value: a row that repeats an
    id with the same ``~from``, ``~to`` and ``~label`` adds nothing new (the loader counts it as a
    duplicate) and its properties fill the ones the first row left empty; other ends, another label
    or a second value for a property are an error, named by file, line and id. Without this, a
    repeated id between two node types became two parallel edges sharing one ``edge_id``.
    """
    if not len(edges):
        return edges
    again = edges["~id"].duplicated().to_numpy()
    if not again.any():
        return edges
    code, _ = pd.factorize(edges["~id"])
    _, first_pos = np.unique(code, return_index=True)
    ref = first_pos[code]  # each row's first row with the same id
    for col, what in (("~from", "another ~from"), ("~to", "another ~to"), ("~label", "another ~label")):
        v = edges[col].to_numpy()
        _refuse_edge_id_reuse(edges, files, again & (v != v[ref]), ref, what)
    props = [c for c in edges.columns if c not in SYSTEM]
    keep = ~again
    merged = edges[keep].copy()
    for c in props:
        v = edges[c].to_numpy()
        given = ~pd.isna(v)
        _refuse_edge_id_reuse(edges, files, again & given & given[ref] & (v != v[ref]), ref,
                              f"another value of property '{c}'")
        if (again & given & ~given[ref]).any():  # first non-empty value per id, in first-row order
            merged[c] = edges[c].groupby(code, sort=True).first().to_numpy()
    log(f"[dim]{int(again.sum()):,} edge rows repeat an edge ~id with the same ends and label: "
        f"one edge each, as Neptune loads them[/dim]")
    return merged


# ------------------------------------------------------------------ features

def _encode_categorical(values: pd.Series, name: str, max_categories: int, multi: bool):
    s = values.fillna("").astype(str)
    if multi:
        tokens = s.str.split(";").explode()
        tokens = tokens[tokens != ""]
    else:
        tokens = s[s != ""]
    if tokens.empty:
        return None, []
    counts = tokens.value_counts()
    if not multi and len(counts) > max_categories and len(counts) > 0.5 * len(tokens):
        log(f"[dim]property '{name}' looks like an identifier ({len(counts)} distinct values); left out[/dim]")
        return None, []
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    vocab = list(counts.index[:max_categories])
    rest = len(counts) > len(vocab)
    cols = vocab + ([OTHER] if rest else [])
    out = np.zeros((len(s), len(cols)), np.float32)
    codes = pd.Index(vocab).get_indexer(tokens.to_numpy())
    rows = pd.Series(np.arange(len(s)), index=values.index).loc[tokens.index].to_numpy()
    if rest:
        codes = np.where(codes < 0, len(vocab), codes)
    keep = codes >= 0
    out[rows[keep], codes[keep]] = 1.0
    return out, [f"{name}={c}" for c in cols]


def bias_feature(n: int) -> tuple[np.ndarray, list[str]]:
    """The one constant column a node type or relation without any property column gets, so that
    every type still has an ``x`` for the encoders (every Neptune reader uses this)."""
    return np.ones((n, 1), np.float32), ["bias"]


def encode_features(frame: pd.DataFrame, kinds: dict[str, str], skip: set[str], max_categories: int):
    """Feature matrix and names for the property columns of ``frame`` (one node type or relation)."""
    blocks, names = [], []
    for col, kind in kinds.items():
        if col in skip or col not in frame:
            continue
        v = frame[col]
        if v.isna().all() or (kind in ("cat", "multi") and (v.fillna("").astype(str) == "").all()):
            continue
        if kind in ("num", "date"):
            arr = v.to_numpy(dtype=np.float64, na_value=np.nan)
            if kind == "date":
                arr = arr / 86400.0
            miss = np.isnan(arr)
            blocks.append(np.nan_to_num(arr, nan=0.0)[:, None])
            names.append(col)
            if miss.any():
                blocks.append(miss[:, None].astype(np.float64))
                names.append(f"{col}__missing")
        else:
            out, cols = _encode_categorical(v, col, max_categories, multi=kind == "multi")
            if out is not None:
                blocks.append(out)
                names.extend(cols)
    if not blocks:
        return bias_feature(len(frame))
    return np.concatenate([b.astype(np.float32) for b in blocks], 1), names


# ------------------------------------------------------------------ labels, splits, time

def _labels(frame: pd.DataFrame, col: str, files: Files) -> np.ndarray:
    v = frame[col]
    if v.dtype == object or pd.api.types.is_string_dtype(v):
        low = v.fillna("").astype(str).str.strip().str.lower()
        mapped = low.map({"": np.nan, "0": 0, "1": 1, "-1": -1, "true": 1, "false": 0, "0.0": 0, "1.0": 1})
        bad = mapped.isna().to_numpy() & (low != "").to_numpy()
        files.fail(frame, bad, f"label '{col}' must be 0 or 1 (or empty), found '{v.iat[int(np.flatnonzero(bad)[0])] if bad.any() else ''}'",
                   "bad labels")
        arr = mapped.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = v.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isnan(arr) & ~np.isin(arr, (0.0, 1.0, -1.0))
        if bad.any():
            files.fail(frame, bad, f"label '{col}' must be 0 or 1 (or empty), found {arr[np.flatnonzero(bad)[0]]:g}",
                       "bad labels")
    return np.where(np.isnan(arr), -1, arr).astype(np.int64)


def _split_masks(frame: pd.DataFrame, col: str, files: Files) -> dict[str, np.ndarray]:
    v = frame[col].fillna("").astype(str).str.strip().str.lower()
    v = v.replace({"valid": "val", "validation": "val"})
    bad = ~v.isin(SPLITS + ("",))
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        files.fail(frame, bad.to_numpy(), f"split '{col}' must be train, val or test (or empty), "
                                          f"found '{frame[col].iat[k]}'", "bad split values")
    return {f"{s}_mask": (v == s).to_numpy() for s in SPLITS}


def pick_time(kinds: dict[str, str], explicit: str | None, default_name: str | None = None) -> str | None:
    """The property used as node/edge time: the named one, a property called ``time``, or the only Date."""
    if explicit is not None:
        return explicit
    if default_name and default_name in kinds:
        return default_name
    dates = [c for c, k in kinds.items() if k == "date"]
    return dates[0] if len(dates) == 1 else None


# ------------------------------------------------------------------ assembly

def _positions(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """Position of each value in ``ids`` (-1 when absent), by arrow's hash lookup."""
    import pyarrow as pa
    import pyarrow.compute as pc

    as_text = lambda v: pa.array(v, from_pandas=True).cast(pa.string())  # noqa: E731
    pos = pc.index_in(as_text(values), value_set=as_text(ids))
    return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _typed_ids(types: pd.Series, ids: pd.Series) -> pd.Series:
    """``type<US>id``: a node's key when ids are unique only within a type."""
    return types.astype(str) + "\x1f" + ids.astype(str)


def _dedupe(ei: np.ndarray, n_dst: int, extra: list[np.ndarray | None]):
    code = ei[0].astype(np.int64) * max(n_dst, 1) + ei[1]
    _, first = np.unique(code, return_index=True)
    first.sort()
    return ei[:, first], [None if e is None else e[first] for e in extra]


def _note_text_edge_properties(edge_kinds: dict[str, str]) -> None:
    """``edge_attr`` holds numbers only; say which text edge properties that leaves out, not silently."""
    text = [c for c, k in edge_kinds.items() if k in ("cat", "multi")]
    if text:
        log(f"[dim]edge propert{'y' if len(text) == 1 else 'ies'} {', '.join(text)} "
            f"{'is' if len(text) == 1 else 'are'} text; edge_attr takes numbers only, so left out[/dim]")


def assemble(
    nodes: pd.DataFrame,
    node_kinds: dict[str, str],
    edges: pd.DataFrame,
    edge_kinds: dict[str, str],
    files: Files,
    *,
    source,
    label: str | None,
    label_required: bool,
    target: str | None = None,
    time: str | None = None,
    edge_time: str | None = None,
    split: str | None = "split",
    relations: list[str] | None = None,
    undirected: bool = True,
    max_categories: int = 32,
) -> Data | HeteroData:
    if len(nodes) == 0:
        raise DataError(source, "graph is empty (no vertices)")
    # edges that name their endpoint types (per-type tables) need ids unique within a type only
    typed_ends = "~from_type" in edges
    node_keys = _typed_ids(nodes["~label"], nodes["~id"]) if typed_ends else nodes["~id"]
    check_unique_ids(nodes, files, node_keys)
    # relation filter and unknown names
    rel_names = list(pd.unique(edges["~label"])) if len(edges) else []
    if relations is not None:
        unknown = [r for r in relations if r not in rel_names]
        if unknown:
            raise DataError(source, f"unknown relation '{unknown[0]}' (known: {', '.join(map(str, rel_names)) or 'none'})")
        edges = edges[edges["~label"].isin(relations)]
        rel_names = [r for r in rel_names if r in relations]
    # labels
    if label is not None and label not in node_kinds:
        if label_required:
            props = ", ".join(c for c in node_kinds) or "none"
            raise DataError(source, f"label property '{label}' not found in any vertex file (properties: {props})")
        label = None
    types = list(pd.unique(nodes["~label"]))
    type_code = pd.Index(types).get_indexer(nodes["~label"].to_numpy())
    local = nodes.groupby("~label", sort=False).cumcount().to_numpy()
    y_all = _labels(nodes, label, files) if label else None
    if target is None:
        if y_all is not None:
            has = [t for t in types if (y_all[type_code == types.index(t)] >= 0).any()]
            if len(has) > 1:
                raise DataError(source, f"label '{label}' appears on vertex types {', '.join(has)}; "
                                        f"name the target type")
            target = has[0] if has else types[0]
        else:
            target = types[0]
    elif target not in types:
        raise DataError(source, f"unknown target vertex type '{target}' (known: {', '.join(types)})")
    time = pick_time(node_kinds, time, "time")
    if time is not None and time not in node_kinds:
        raise DataError(source, f"time property '{time}' not found in any vertex file")
    masks_all = _split_masks(nodes, split, files) if split and split in node_kinds else None
    skip = {c for c in (label, time, split, "is_synthetic") if c}
    hetero = len(types) > 1 or len(rel_names) > 1
    g = HeteroData() if hetero else Data()
    stores = {}
    for ti, t in enumerate(types):
        sel = type_code == ti
        part = nodes[sel]
        s = g[t] if hetero else g
        x, names = encode_features(part, node_kinds, skip, max_categories)
        s.x = torch.from_numpy(x)
        s.num_nodes = len(part)
        s.feature_names = names
        s.node_id = part["~id"].to_numpy(dtype=str)
        if y_all is not None and t == target:
            s.y = torch.from_numpy(y_all[sel])
        if masks_all is not None and t == target:
            for k, m in masks_all.items():
                if m[sel].any():
                    s[k] = torch.from_numpy(m[sel])
        if time is not None and part[time].notna().any():
            s.node_time = torch.from_numpy(part[time].to_numpy(dtype=np.float64, na_value=np.nan).copy())
        if "is_synthetic" in part and part["is_synthetic"].notna().any():
            s.is_synthetic = torch.from_numpy(part["is_synthetic"].fillna(0).to_numpy(dtype=np.float64) > 0)
        stores[t] = s
    if hetero:
        g.target_node_type = target
    # edges: ids to (type, position)
    n_edges_per = {}
    if len(edges):
        src = _positions(_typed_ids(edges["~from_type"], edges["~from"]) if typed_ends else edges["~from"], node_keys)
        dst = _positions(_typed_ids(edges["~to_type"], edges["~to"]) if typed_ends else edges["~to"], node_keys)
        for end, pos in (("~from", src), ("~to", dst)):
            bad = pos < 0
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                files.fail(edges, bad, f"edge '{edges['~id'].iat[k]}' points to unknown vertex id "
                                       f"'{edges[end].iat[k]}'", "edges to unknown ids")
        et_time = pick_time(edge_kinds, edge_time, "time")
        _note_text_edge_properties(edge_kinds)
        attr_skip = {et_time} if et_time else set()
        rel_code = pd.Index(rel_names).get_indexer(edges["~label"].to_numpy())
        group = (type_code[src].astype(np.int64) * len(rel_names) + rel_code) * len(types) + type_code[dst]
        for gcode in pd.unique(group):
            sel = group == gcode
            part = edges[sel]
            st, dt = types[type_code[src[sel][0]]], types[type_code[dst[sel][0]]]
            rel = rel_names[rel_code[np.flatnonzero(sel)[0]]]
            ei = np.stack([local[src[sel]], local[dst[sel]]]).astype(np.int64)
            et = (part[et_time].to_numpy(dtype=np.float64, na_value=np.nan).copy()
                  if et_time and et_time in part and part[et_time].notna().any() else None)
            attr_cols = [c for c in edge_kinds if c not in attr_skip and edge_kinds[c] in ("num", "date")
                         and c in part and part[c].notna().any()]
            attr = (np.nan_to_num(part[attr_cols].to_numpy(dtype=np.float64, na_value=np.nan)).astype(np.float32)
                    if attr_cols else None)
            eid = part["~id"].to_numpy(dtype=str)
            key = (st, rel, dt)
            pieces = [(key, ei, et, attr, eid)]
            if undirected:
                if st == dt:
                    ei2 = np.concatenate([ei, ei[::-1]], 1)
                    ei2, (et2, attr2) = _dedupe(ei2, stores[dt].num_nodes,
                                                [None if et is None else np.concatenate([et, et]),
                                                 None if attr is None else np.concatenate([attr, attr])])
                    pieces = [(key, ei2, et2, attr2, None)]
                else:
                    pieces.append(((dt, f"rev_{rel}", st), ei[::-1].copy(), et, attr, None))
            for k, e, tt, a, ids in pieces:
                s = g[k] if hetero else g
                s.edge_index = torch.from_numpy(np.ascontiguousarray(e))
                if tt is not None:
                    s.edge_time = torch.from_numpy(tt)
                if a is not None:
                    s.edge_attr = torch.from_numpy(a)
                    s.edge_attr_names = attr_cols
                if ids is not None:
                    s.edge_id = ids
                n_edges_per[k] = e.shape[1]
    if not hetero and "edge_index" not in g:
        g.edge_index = torch.empty(2, 0, dtype=torch.long)
    return validate_graph(g, source)


# ------------------------------------------------------------------ typed parsing of text columns

_SPECIAL = {"nan": np.nan, "inf": np.inf, "+inf": np.inf, "-inf": -np.inf, "infinity": np.inf,
            "+infinity": np.inf, "-infinity": -np.inf}
_BOOL = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0}


def read_text_csv(path, columns: list[str]) -> pd.DataFrame:
    """A CSV file with every cell as text (empty = ``""``), parsed by pyarrow (gzip by extension)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    from graphguard.utils.threads import get_threads

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=get_threads() > 1, column_names=columns, skip_rows=1),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    return table.to_pandas()


def fast_float(raw: pd.Series):
    """``(values, missing)`` via pyarrow's parser, or ``None`` when some cell does not parse."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        a = pc.utf8_trim_whitespace(pa.array(raw, from_pandas=True).cast(pa.string()))
        missing = pc.fill_null(pc.equal(a, ""), True)
        vals = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), a), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return vals.to_numpy(zero_copy_only=False), np.asarray(missing.to_numpy(zero_copy_only=False), bool)


def parse_number(raw: pd.Series, frame: pd.DataFrame, files: Files, name: str, type_name: str = "number",
                 check: bool = True) -> np.ndarray:
    """Text to float64 (empty = NaN); a value that is not a number or not finite names file and line."""
    fast = fast_float(raw)
    if fast is not None:
        arr, missing = fast
        arr = np.where(missing, np.nan, arr)
        if check:
            check_finite(arr, missing, frame, files, name)
        return arr
    s = raw.fillna("").astype(str).str.strip()
    missing = (s == "").to_numpy()
    arr = pd.to_numeric(s.mask(missing), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    unparsed = np.isnan(arr) & ~missing
    if unparsed.any():
        special = s.str.lower().map(_SPECIAL).to_numpy(dtype=np.float64, na_value=np.nan)
        is_special = s.str.lower().isin(list(_SPECIAL)).to_numpy()
        bad = unparsed & ~is_special
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            files.fail(frame, bad, f"property '{name}' value '{s.iat[k]}' is not a {type_name}", "bad values")
        arr = np.where(is_special, special, arr)
    if check:
        check_finite(arr, missing, frame, files, name)
    return arr


def parse_bool(raw: pd.Series, frame: pd.DataFrame, files: Files, name: str) -> np.ndarray:
    s = raw.fillna("").astype(str).str.strip().str.lower()
    arr = s.map(_BOOL).to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(arr) & (s != "").to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        files.fail(frame, bad, f"property '{name}' value '{raw.iat[k]}' is not a Bool (true/false)", "bad values")
    return arr


def parse_date(raw: pd.Series, frame: pd.DataFrame, files: Files, name: str) -> np.ndarray:
    """ISO-8601 dates and times (``yyyy-MM-dd``, ``yyyy-MM-ddTHH:mm:ssZ``, ...) to epoch seconds."""
    s = raw.fillna("").astype(str).str.strip()
    missing = (s == "").to_numpy()
    dt = pd.to_datetime(s.mask(missing), format="ISO8601", utc=True, errors="coerce")
    bad = dt.isna().to_numpy() & ~missing
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        files.fail(frame, bad, f"property '{name}' value '{s.iat[k]}' is not a date (yyyy-MM-dd[THH:mm:ss[Z]])",
                   "bad dates")
    secs = (dt - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(seconds=1)
    return np.asarray(secs, dtype=np.float64)


def format_dates(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds to ISO-8601 UTC text with milliseconds (empty for NaN)."""
    secs = np.asarray(seconds, dtype=np.float64)
    ok = np.isfinite(secs)
    out = np.full(secs.shape, "", dtype=object)
    if ok.any():
        ms = np.round(secs[ok] * 1000).astype("int64")
        out[ok] = pd.to_datetime(ms, unit="ms", utc=True).strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    return out


# ------------------------------------------------------------------ helpers for the writers

def node_ids(store, ntype: str) -> np.ndarray:
    """The original ids, or ``<type>-<index>`` when the graph has none."""
    if "node_id" in store:
        return np.asarray(store.node_id, dtype=str)
    return np.char.add(f"{ntype}-", np.arange(int(store.num_nodes)).astype(str))


def feature_columns(store, reserved: set[str], clean=lambda n: n) -> dict[str, np.ndarray]:
    """``x`` as named columns (``feature_names`` when they fit, else ``f0..``), names made unique."""
    if "x" not in store or store.x is None:
        return {}
    from graphguard.data.graph import feature_names

    x = store.x.detach().cpu().numpy()
    names = feature_names(store) or [f"f{j}" for j in range(x.shape[1])]
    cols, used = {}, set(reserved)
    for j, nm in enumerate(names):
        nm = clean(nm)
        while nm in used:
            nm = f"{nm}_{j}"
        used.add(nm)
        cols[nm] = x[:, j]
    return cols


def written_edges(graph, ntype_default: str = "node", rel_default: str = "to"):
    """``(src_type, rel, dst_type, store, keep)`` per relation to write, each undirected edge once.

    A relation storing both directions of every edge keeps ``a <= b``; a ``rev_<rel>`` mirror of a
    written relation is skipped. Readers with ``undirected=True`` restore what is left out.
    """
    from graphguard.data.graph import is_hetero

    hetero = is_hetero(graph)
    etypes = list(graph.edge_types) if hetero else [(ntype_default, rel_default, ntype_default)]
    present = set(etypes)
    for et in etypes:
        st, rel, dt = et
        if rel.startswith("rev_") and (dt, rel[4:], st) in present:
            continue
        s = graph[et] if hetero else graph
        ei = s.edge_index.cpu().numpy()
        keep = np.arange(ei.shape[1])
        if st == dt and ei.shape[1]:
            n = int((graph[st] if hetero else graph).num_nodes)
            code = ei[0].astype(np.int64) * n + ei[1]
            rev = ei[1].astype(np.int64) * n + ei[0]
            if np.isin(rev, code).all():
                keep = np.flatnonzero(ei[0] <= ei[1])
        yield st, rel, dt, s, keep


def split_column(store) -> np.ndarray | None:
    if not any(m in store for m in ("train_mask", "val_mask", "test_mask")):
        return None
    sp = np.full(int(store.num_nodes), "", dtype=object)
    for name in SPLITS:
        if f"{name}_mask" in store:
            sp[store[f"{name}_mask"].cpu().numpy()] = name
    return sp
