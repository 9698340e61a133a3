"""The data of a job as a table of node properties plus edges, before any encoding.

Encodings need the raw property values and their declared types, so the workflow reads the
sources itself into a ``NodeTable``: the target nodes' ids, their properties (a DataFrame), the
label column, and the edges among them.

* ``neptune``: a folder of Neptune bulk-load CSV files (``~id,~label,name:Type`` vertex files and
  ``~id,~from,~to,~label`` edge files, optionally gzipped). Nodes of other labels (devices, IPs,
  cards) are projected away: two target nodes that share one become linked (the "same device"
  meta-path, as YelpChi's R-U-R relation is built), with very large groups skipped so a shared
  hub cannot create a quadratic number of edges.
* ``tables``: a node file and an edge file (CSV or Parquet) with named id columns (a ``type`` column
  gives node types, read as the per-type layout's are, and is no feature), or the per-type
  layout ``graphguard generate --format tables`` writes (``nodes/<type>.*``,
  ``edges/<src>__<relation>__<dst>.*``), read like a multi-label Neptune export: the target type's
  nodes, linked where they share a node of another type.
* ``npz``: a numeric graph (Tolokers' layout); its feature columns are numeric properties and the
  file's own split is kept.

In ``neptune`` and ``tables`` data a ``split`` property (train/val/test) is the data's own split, used
when ``split.use_file_masks`` is on; neither it, the ``time`` property (the data's timestamp, which
``node train`` reads as ``node_time``) nor ``is_synthetic`` is ever a feature (docs/data.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphguard.data.frames import SPLITS, Files, check_finite, parse_number
from graphguard.data.neptune import NUMERIC, read_header, split_property
from graphguard.data.tables import is_per_type, per_type_files
from graphguard.errors import DataError

MAX_SHARED_GROUP = 200  # a non-target node linking more target nodes than this is a hub, not evidence
# the data's own split, its timestamp and the generated-node marker: what node train reads apart (docs/data.md)
NOT_FEATURES = ("split", "time", "is_synthetic")
TYPE_COLUMN = "type"  # a flat node table's node type, as graphguard.data.tables reads it
# what pandas reads as missing, less a written NaN: that is an error, as in the library readers (docs/data.md)
MISSING_TEXT = ["", "NA", "N/A", "n/a", "NULL", "null", "None", "<NA>", "#N/A", "#NA"]
NOT_FINITE_TEXT = {"nan", "-nan", "+nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


@dataclass
class NodeTable:
    ids: np.ndarray  # str, one per target node
    props: pd.DataFrame  # property columns only (no id, no label)
    labels: pd.Series | None  # raw values of the target property
    edges: np.ndarray  # [2, E] indices into ids, each undirected edge once
    declared: dict[str, str] = field(default_factory=dict)  # Neptune types per column
    masks: dict[str, np.ndarray] | None = None  # splits that come with the data
    node_type: str | None = None
    notes: list[str] = field(default_factory=list)


def _row_locator(path: Path, n: int, header: bool = True) -> tuple[pd.DataFrame, Files]:
    """The ``~file``/``~row`` frame and ``Files`` that ``graphguard.data.frames`` checks name lines with."""
    files = Files()
    files.add(path, header)
    return pd.DataFrame({"~file": np.zeros(n, np.int32), "~row": np.arange(n)}), files


def _file_masks(split: pd.Series, locate) -> dict[str, np.ndarray] | None:
    """The data's ``split`` column (train/val/test, empty = in none) as masks, as the library readers
    read it; ``None`` when no row has one. ``locate(k)`` gives the (file, line) of row ``k`` for errors."""
    v = split.fillna("").astype(str).str.strip().str.lower().replace({"valid": "val", "validation": "val"})
    bad = (~v.isin(SPLITS + ("",))).to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        path, where = locate(k)
        more = f" ({int(bad.sum())} bad split values)" if bad.sum() > 1 else ""
        raise DataError(path, f"{where}: split must be train, val or test (or empty), found '{split.iloc[k]}'{more}")
    if (v == "").all():
        return None
    return {f"{s}_mask": (v == s).to_numpy() for s in SPLITS}


# --------------------------------------------------------------------------- Neptune CSV
def _parse_header(col: str) -> tuple[str, str | None]:
    """``age:Int(single)`` -> ('age', 'Int'); ``tags:String[]`` -> ('tags', 'String[]'); system columns unchanged."""
    if col.startswith("~"):
        return col, None
    name, typ, is_array = split_property(col)
    return name, None if typ is None else typ + ("[]" if is_array else "")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], compression="infer",
                           encoding="utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as e:  # EOFError: a truncated .gz
        raise DataError(path, f"cannot read CSV ({type(e).__name__}: {e})") from None


def _check_numbers(path: Path, df: pd.DataFrame) -> None:
    """Declared numeric properties must hold numbers and be finite (an empty cell is missing), with the
    library reader's one-line error, so that ``run`` refuses what ``node train`` refuses."""
    rows, files = _row_locator(path, len(df))
    for col in df.columns:
        name, typ = _parse_header(col)
        if typ is not None and typ.lower() in NUMERIC:
            parse_number(df[col], rows, files, name, typ)


def read_neptune_tables(folder: Path, node_type: str | None, label: str) -> NodeTable:
    files = sorted(p for p in folder.iterdir() if p.is_file() and (p.suffix == ".csv" or p.name.endswith(".csv.gz")))
    if not files:
        raise DataError(folder, "no Neptune CSV files (*.csv, *.csv.gz) in this folder")
    vertices, edges = [], []
    for f in files:
        head = read_header(f)
        if "~from" in head and "~to" in head:
            edges.append((f, _read_csv(f)))
        elif "~id" in head:
            vertices.append((f, _read_csv(f)))
        else:
            raise DataError(f, "not a Neptune CSV file: the header has neither ~id nor ~from/~to")
    if not vertices:
        raise DataError(folder, "no vertex files (a header with ~id and no ~from)")
    frames, declared = [], {}
    for f, df in vertices:
        _check_numbers(f, df)
        ren = {}
        for c in df.columns:
            name, typ = _parse_header(c)
            ren[c] = name
            if typ:
                declared[name] = typ
        df = df.rename(columns=ren)
        if "~label" not in df.columns:
            df["~label"] = "vertex"
        df["~file"] = f.name
        df["~row"] = np.arange(len(df))
        frames.append(df)
    v = pd.concat(frames, ignore_index=True)
    labels_present = sorted(v["~label"].dropna().unique().tolist())
    if node_type is None:
        having = sorted(v.loc[v[label].notna(), "~label"].unique().tolist()) if label in v.columns else []
        if len(having) != 1:
            raise DataError(folder, f"cannot tell which vertex label to predict for (labels: {', '.join(labels_present)}); "
                            "set target.node_type")
        node_type = having[0]
    if node_type not in labels_present:
        raise DataError(folder, f"no vertices with ~label '{node_type}' (labels: {', '.join(labels_present)})")
    tv = v[v["~label"] == node_type].copy()
    if tv["~id"].isna().any():
        raise DataError(folder, f"{int(tv['~id'].isna().sum())} '{node_type}' vertices have an empty ~id")
    dup = tv["~id"][tv["~id"].duplicated()]
    if len(dup):
        raise DataError(folder, f"vertex id '{dup.iloc[0]}' appears {int((tv['~id'] == dup.iloc[0]).sum())} times")
    if label not in tv.columns:
        raise DataError(folder, f"the '{node_type}' vertices have no property '{label}' "
                        f"(they have: {', '.join(c for c in tv.columns if not c.startswith('~'))})")
    ids = tv["~id"].astype(str).to_numpy()
    pos = pd.Series(np.arange(len(ids)), index=ids)
    other = set(v.loc[v["~label"] != node_type, "~id"].astype(str))
    notes: list[str] = []
    direct, via = [], {}
    for f, e in edges:
        src, dst = e["~from"].astype(str), e["~to"].astype(str)
        unknown = ~(src.isin(pos.index) | src.isin(other)) | ~(dst.isin(pos.index) | dst.isin(other))
        if unknown.any():
            k = int(np.flatnonzero(unknown.to_numpy())[0])
            raise DataError(f, f"edge {e['~id'].iloc[k] if '~id' in e else k} points to an unknown vertex "
                            f"({src.iloc[k]} -> {dst.iloc[k]}; {int(unknown.sum())} such edges)")
        s_t, d_t = src.isin(pos.index).to_numpy(), dst.isin(pos.index).to_numpy()
        both = s_t & d_t
        direct.append(np.stack([pos[src[both]].to_numpy(), pos[dst[both]].to_numpy()]))
        # target -- other vertex: remember the membership for the shared-neighbour projection
        for t_col, o_col, mask in ((src, dst, s_t & ~d_t), (dst, src, d_t & ~s_t)):
            for o, t in zip(o_col[mask].tolist(), pos[t_col[mask]].tolist()):
                via.setdefault(o, []).append(t)
    proj, proj_notes = _shared_neighbour_edges(via, "label")
    notes.extend(proj_notes)
    ei = np.concatenate(direct + proj, 1) if (direct or proj) else np.zeros((2, 0), dtype=np.int64)
    ei = _undirected_unique(ei)
    masks = None
    if "split" in tv.columns and label != "split":
        masks = _file_masks(tv["split"], lambda k: (folder / tv["~file"].iloc[k], f"line {tv['~row'].iloc[k] + 2}"))
    props = tv.drop(columns=[c for c in tv.columns if c.startswith("~")] + [label]).reset_index(drop=True)
    props = props.drop(columns=[c for c in NOT_FEATURES if c != label], errors="ignore").dropna(axis=1, how="all")
    return NodeTable(ids, props, tv[label].reset_index(drop=True), ei,
                     {k: t for k, t in declared.items() if k in props.columns}, masks, node_type, notes)


def _shared_neighbour_edges(via: dict, kind: str) -> tuple[list[np.ndarray], list[str]]:
    """Target nodes that share a neighbour of another ``kind`` (label or type) become linked, so the
    nodes that are not encoded still carry their evidence; ``via`` maps each such neighbour to the
    target nodes it touches. Groups above ``MAX_SHARED_GROUP`` are hubs and skipped."""
    proj, skipped = [], 0
    for members in via.values():
        m = np.unique(members)
        if m.size < 2:
            continue
        if m.size > MAX_SHARED_GROUP:
            skipped += 1
            continue
        a, b = np.triu_indices(m.size, 1)
        proj.append(np.stack([m[a], m[b]]))
    notes = []
    if proj:
        notes.append(f"{sum(p.shape[1] for p in proj)} edges from target nodes sharing a neighbour of another {kind}")
    if skipped:
        notes.append(f"{skipped} shared neighbours with more than {MAX_SHARED_GROUP} target nodes were skipped as hubs")
    return proj, notes


def _undirected_unique(ei: np.ndarray) -> np.ndarray:
    ei = np.asarray(ei, dtype=np.int64).reshape(2, -1)
    ei = ei[:, ei[0] != ei[1]]
    return np.unique(np.sort(ei, 0), axis=1) if ei.size else ei


# --------------------------------------------------------------------------- plain tables
def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(path, "file not found")
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as e:  # pyarrow raises several types
            raise DataError(path, f"cannot read Parquet ({type(e).__name__}: {e})") from None
    return pd.read_csv(path, keep_default_na=False, na_values=MISSING_TEXT, compression="infer", encoding="utf-8-sig")


def _check_finite_table(path: Path, table: pd.DataFrame) -> None:
    """A NaN or inf written in a numeric column is an error, as the library's table reader says
    (docs/data.md); an empty cell (a null in Parquet) is missing."""
    parquet = path.suffix == ".parquet"
    rows, files = _row_locator(path, len(table), header=not parquet)
    numeric = [c for c in table.columns
               if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]
    nulls = {}
    if parquet and numeric:
        import pyarrow.parquet as pq

        read = pq.read_table(path, columns=[str(c) for c in numeric])
        nulls = {c: read.column(str(c)).is_null().to_numpy(zero_copy_only=False) for c in numeric}
    for col in table.columns:
        v = table[col]
        if col in numeric:
            missing = nulls[col] if col in nulls else v.isna().to_numpy()
            check_finite(v.to_numpy(np.float64, na_value=np.nan), missing, rows, files, str(col))
        elif not parquet and not pd.api.types.is_bool_dtype(v):
            text = v.dropna().astype(str).str.strip()
            text = text[text != ""]
            special = text.str.lower().isin(NOT_FINITE_TEXT)
            if special.any() and (special | pd.to_numeric(text, errors="coerce").notna()).all():
                parse_number(v, rows, files, str(col))  # a number column with NaN/inf written in it: raises


def read_plain_tables(folder: Path, spec, label: str, node_type: str | None = None) -> NodeTable:
    """A tables folder as ``node train`` reads it (``graphguard.data.tables``): one node and one edge
    file, or the per-type layout (``nodes/<type>.*``, ``edges/<src>__<relation>__<dst>.*``) that
    ``graphguard generate --format tables`` writes, of which the target node type is read."""
    if spec.nodes is None and is_per_type(folder):
        return _read_per_type_tables(folder, spec, label, node_type)
    return _read_flat_tables(folder, spec, label, node_type)


def _read_flat_tables(folder: Path, spec, label: str, node_type: str | None) -> NodeTable:
    """One node and one edge table; with a ``type`` column, the target type's nodes are read as from a
    per-type folder (nodes of other types link the target nodes that share them)."""
    def pick(name: str | None, stem: str) -> Path:
        if name:
            return folder / name
        for ext in (".parquet", ".csv", ".csv.gz"):
            if (folder / f"{stem}{ext}").is_file():
                return folder / f"{stem}{ext}"
        raise DataError(folder, f"no {stem}.csv or {stem}.parquet (nor a nodes/ folder of per-type tables); "
                        f"name the file with data.{stem}")

    node_file = pick(spec.nodes, "nodes")
    nodes = _read_table(node_file)
    _check_finite_table(node_file, nodes.drop(columns=[label], errors="ignore"))
    edges = _read_table(pick(spec.edges, "edges"))
    for col, where, what in ((spec.id_column, nodes, "node"), (spec.source_column, edges, "edge"),
                             (spec.target_column, edges, "edge")):
        if col not in where.columns:
            raise DataError(folder, f"the {what} table has no column '{col}' (it has: {', '.join(map(str, where.columns))})")
    if label not in nodes.columns:
        raise DataError(folder, f"the node table has no column '{label}'")
    ids = nodes[spec.id_column].astype(str).to_numpy()
    pos = pd.Series(np.arange(len(ids)), index=ids)
    if not pos.index.is_unique:
        raise DataError(folder, "node ids are not unique")
    s, d = edges[spec.source_column].astype(str), edges[spec.target_column].astype(str)
    bad = ~(s.isin(pos.index) & d.isin(pos.index))
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(folder, f"edge row {k} points to an unknown node ({s.iloc[k]} -> {d.iloc[k]}; {int(bad.sum())} such edges)")
    typed = TYPE_COLUMN != label and TYPE_COLUMN in nodes.columns
    types = _flat_types(nodes, label)
    node_type = _flat_target(node_file, nodes, types, label, node_type)
    target = types == node_type
    ei, notes = _target_edges(target, pos[s].to_numpy(), pos[d].to_numpy())
    nodes = nodes[target].drop(columns=[TYPE_COLUMN] if typed else [])
    if typed:  # properties only other types have, as a per-type folder or a Neptune export leaves them out
        nodes = nodes.drop(columns=[c for c in nodes.columns
                                    if c not in (spec.id_column, label) and nodes[c].isna().all()])
    return _target_table(nodes, node_file, spec.id_column, label, ids[target], ei, node_type if typed else None, notes)


def _flat_types(nodes: pd.DataFrame, label: str) -> np.ndarray:
    """Each node's type: the ``type`` column (empty = ``node``, as ``graphguard.data.tables`` reads it)."""
    if TYPE_COLUMN == label or TYPE_COLUMN not in nodes.columns:
        return np.full(len(nodes), "node", dtype=object)
    t = nodes[TYPE_COLUMN].astype("string").str.strip().fillna("")
    return t.mask(t == "", "node").to_numpy(dtype=object)


def _flat_target(node_file: Path, nodes: pd.DataFrame, types: np.ndarray, label: str, node_type: str | None) -> str:
    """``target.node_type``, the only type, or else the one type whose nodes have values of the label."""
    present = list(pd.unique(types))
    if node_type is not None:
        if node_type not in present:
            have = (f"types: {', '.join(present)}" if TYPE_COLUMN in nodes.columns and TYPE_COLUMN != label
                    else f"it has no '{TYPE_COLUMN}' column, so every node is of type 'node'")
            raise DataError(node_file, f"no nodes of target.node_type '{node_type}' in the node table ({have})")
        return node_type
    if len(present) == 1:
        return present[0]
    having = list(pd.unique(types[nodes[label].notna().to_numpy()]))
    if len(having) != 1:
        found = f"types with it: {', '.join(having)}" if having else f"none of {', '.join(present)} has it"
        raise DataError(node_file, f"cannot tell which node type to predict '{label}' for ({found}); "
                        "set target.node_type")
    return having[0]


def _target_edges(target: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Edges among the ``target`` nodes (renumbered among them), plus target nodes linked where they
    share a node of another type, as the per-type and Neptune readers link them."""
    new = np.cumsum(target) - 1
    s_t, d_t = target[src], target[dst]
    both = s_t & d_t
    direct = [np.stack([new[src[both]], new[dst[both]]])]
    one = s_t != d_t
    other, member = np.where(s_t, dst, src)[one], new[np.where(s_t, src, dst)[one]]
    via = pd.Series(member).groupby(other).agg(list).to_dict() if one.any() else {}
    proj, notes = _shared_neighbour_edges(via, "type")
    return _undirected_unique(np.concatenate(direct + proj, 1)), notes


def _where(path: Path, k: int) -> str:
    """Row ``k`` (0-based) of a table as a person finds it: a Parquet row, or a CSV line under the header."""
    return f"row {k + 1}" if path.suffix == ".parquet" else f"line {k + 2}"


def _target_table(nodes: pd.DataFrame, node_file: Path, id_column: str, label: str, ids: np.ndarray,
                  ei: np.ndarray, node_type: str | None = None, notes: list[str] | None = None) -> NodeTable:
    """The ``NodeTable`` of the target nodes' table: its split column as masks, the label apart, and
    the other columns as properties (none of ``NOT_FEATURES`` is a feature)."""
    masks = None
    if "split" in nodes.columns and label != "split":
        masks = _file_masks(nodes["split"], lambda k: (node_file, _where(node_file, int(nodes.index[k]))))
    props = nodes.drop(columns=[id_column, label]).reset_index(drop=True)
    props = props.drop(columns=[c for c in NOT_FEATURES if c != label], errors="ignore")
    labels = nodes[label].reset_index(drop=True)
    written_nan = labels.astype("string").str.strip().str.lower().eq("nan").fillna(False).to_numpy(bool)
    labels = labels.mask(written_nan)  # a NaN label stays unlabelled, as before NaN text was read as text
    return NodeTable(ids, props, labels, ei, masks=masks, node_type=node_type, notes=notes or [])


def _require_columns(path: Path, table: pd.DataFrame, *columns: str) -> None:
    for col in columns:
        if col not in table.columns:
            raise DataError(path, f"no column '{col}' (it has: {', '.join(map(str, table.columns))})")


def _read_per_type_tables(folder: Path, spec, label: str, node_type: str | None) -> NodeTable:
    """The target type's table of a per-type folder, as ``read_neptune_tables`` reads a multi-label
    export: edges among target nodes are kept, and target nodes that share a node of another type
    (a device, a merchant) become linked; the other types' properties are not encoded. Ids need only
    be unique within a type, so an edge's endpoints are looked up in the types its file name gives."""
    if spec.edges is not None:
        raise DataError(folder, "data.edges names one edge file, but this folder holds per-type tables whose "
                        "edges are all read from edges/<src type>__<relation>__<dst type>.*; leave data.edges out")
    node_files, edge_files = per_type_files(folder)
    tables: dict[str, tuple[Path, pd.DataFrame]] = {}
    for t, f in node_files:
        if t in tables:
            raise DataError(f, f"a second table of node type '{t}' (after {tables[t][0].name}); keep one file per type")
        tables[t] = (f, _read_table(f))
        _require_columns(f, tables[t][1], spec.id_column)
    node_type = _per_type_target(folder, {t: df for t, (_, df) in tables.items()}, label, node_type)
    node_file, nodes = tables[node_type]
    _require_columns(node_file, nodes, label)
    _check_finite_table(node_file, nodes.drop(columns=[label]))
    ids = nodes[spec.id_column].astype(str).to_numpy()
    dup = pd.Series(ids)[pd.Series(ids).duplicated()]
    if len(dup):
        raise DataError(node_file, f"node id '{dup.iloc[0]}' appears {int((ids == dup.iloc[0]).sum())} times")
    pos = pd.Series(np.arange(len(ids)), index=ids)
    known = {t: pd.Index(df[spec.id_column].astype(str)) for t, (_, df) in tables.items()}
    direct, via = [], {}
    for (st, _, dt), f in edge_files:
        e = _read_table(f)
        _require_columns(f, e, spec.source_column, spec.target_column)
        s, d = e[spec.source_column].astype(str), e[spec.target_column].astype(str)
        bad = ~(s.isin(known[st]) & d.isin(known[dt])).to_numpy()
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataError(f, f"{_where(f, k)}: edge points to an unknown node ({st} {s.iloc[k]} -> {dt} {d.iloc[k]}; "
                               f"{int(bad.sum())} such edges)")
        if st == dt == node_type:
            direct.append(np.stack([pos[s].to_numpy(), pos[d].to_numpy()]))
        elif node_type in (st, dt):  # target -- another type: remember the membership for the projection
            other_type, other, target = (dt, d, s) if st == node_type else (st, s, d)
            for o, t in zip(other.tolist(), pos[target].tolist()):
                via.setdefault((other_type, o), []).append(t)
    proj, notes = _shared_neighbour_edges(via, "type")
    ei = np.concatenate(direct + proj, 1) if (direct or proj) else np.zeros((2, 0), dtype=np.int64)
    return _target_table(nodes, node_file, spec.id_column, label, ids, _undirected_unique(ei), node_type, notes)


def _per_type_target(folder: Path, tables: dict[str, pd.DataFrame], label: str, node_type: str | None) -> str:
    """``target.node_type``, or else the one node type whose table has values of the label column."""
    types = ", ".join(tables)
    if node_type is not None:
        if node_type not in tables:
            raise DataError(folder / "nodes", f"no table for target.node_type '{node_type}' (node types: {types})")
        return node_type
    having = [t for t, df in tables.items() if label in df.columns and df[label].notna().any()]
    if len(having) != 1:
        found = f"types with it: {', '.join(having)}" if having else f"none of {types} has it"
        raise DataError(folder / "nodes", f"cannot tell which node type to predict '{label}' for ({found}); "
                        "set target.node_type")
    return having[0]


# --------------------------------------------------------------------------- npz (already numeric)
def read_npz_table(path: Path, split: int) -> NodeTable:
    from graphguard.data.io import load_graph

    g = load_graph(path, format="npz", split=split)
    x = g.x.numpy()
    props = pd.DataFrame(x, columns=[f"f{j}" for j in range(x.shape[1])])
    ids = np.asarray(g.node_id) if "node_id" in g else np.asarray([str(i) for i in range(g.num_nodes)])
    ei = g.edge_index.numpy()
    ei = ei[:, ei[0] < ei[1]]
    masks = {m: g[m].numpy() for m in ("train_mask", "val_mask", "test_mask") if m in g} or None
    return NodeTable(ids, props, pd.Series(g.y.numpy()), ei, {c: "Float" for c in props.columns}, masks)


def read_node_table(job) -> NodeTable:
    """The job's data as a ``NodeTable`` (node tasks)."""
    spec = job.spec.data
    path = job.resolve_path(spec.path)
    fmt = spec.format
    if fmt is None:
        from graphguard.data.io import detect_format

        fmt = detect_format(path)
    label = job.spec.target.property
    if fmt == "neptune":
        return read_neptune_tables(path if path.is_dir() else path.parent, job.spec.target.node_type, label)
    if fmt == "tables":
        return read_plain_tables(path, spec, label, job.spec.target.node_type)
    if fmt == "npz":
        return read_npz_table(path, spec.split)  # load_graph finds the file in a folder
    raise job.error(("data", "format"), f"format '{fmt}' does not hold node properties for a {job.spec.task} job "
                    "(use neptune, tables or npz)")


def binary_labels(raw: pd.Series, positive: list | None, source: str) -> np.ndarray:
    """Raw label values -> 1 (fraud), 0 (normal), -1 (missing = unlabelled)."""
    s = raw.astype("string").str.strip().str.lower()
    missing = s.isna() | (s == "")
    if positive is not None:
        pos = {str(p).strip().lower() for p in positive}
        y = s.isin(pos).fillna(False).to_numpy().astype(np.int64)
    else:
        known = {"1": 1, "0": 0, "true": 1, "false": 0, "1.0": 1, "0.0": 0, "yes": 1, "no": 0, "-1": -1}
        vals = set(s[~missing].unique().tolist())
        bad = sorted(vals - set(known))
        if bad:
            raise DataError(source, f"target values {bad[:5]} are not 0/1 or true/false; "
                            "list the values that mean fraud in target.positive")
        y = s.map(known).fillna(-1).to_numpy().astype(np.int64)
    y[missing.to_numpy()] = -1
    return y


# --------------------------------------------------------------------------- edges as triples (link tasks)
class NoRelation(DataError):
    """The export's edges carry no ``~label`` and the job named no relation."""


def read_neptune_triples(folder: Path, relation: str | None) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Every edge of a Neptune export as ``(from, ~label, to)``; returns the triples and the relations.

    Edges without a ``~label`` column take ``relation`` as their label; with neither, the export has
    no relation to learn and the caller reports it.
    """
    files = sorted(p for p in folder.iterdir() if p.is_file() and (p.suffix == ".csv" or p.name.endswith(".csv.gz")))
    triples: list[tuple[str, str, str]] = []
    unlabelled = []
    for f in files:
        head = read_header(f)
        if not ("~from" in head and "~to" in head):
            continue
        e = _read_csv(f)
        if e[["~from", "~to"]].isna().any().any():
            k = int(np.flatnonzero(e[["~from", "~to"]].isna().any(axis=1).to_numpy())[0])
            raise DataError(f, f"edge row {k + 2} has an empty ~from or ~to")
        if "~label" in e.columns:
            labels = e["~label"].fillna(relation or "").astype(str)
        elif relation is not None:
            labels = pd.Series([relation] * len(e))
        else:
            unlabelled.append(f.name)
            continue
        triples.extend(zip(e["~from"].astype(str), labels, e["~to"].astype(str)))
    if unlabelled:
        raise NoRelation(folder, f"edge file(s) {', '.join(unlabelled)} have no ~label column, so there is no "
                        "relation to learn; name it with target.relation")
    if not triples:
        raise DataError(folder, "no edge files (a header with ~from and ~to): nothing to learn links from")
    if any(r == "" for _, r, _ in triples):
        raise DataError(folder, "some edges have an empty ~label; name the relation with target.relation")
    return triples, sorted({r for _, r, _ in triples})
