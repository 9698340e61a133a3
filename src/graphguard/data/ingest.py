"""Columnar ingestion of big graphs into a graph store: Neptune bulk-load CSV or node/edge tables.

Files are read by pyarrow in large record batches (multi-threaded CSV parsing, Parquet column
chunks), ids are mapped to rows by the vectorised hash join of :mod:`graphguard.data.id_index`,
and each relation's edges become CSR by a counting sort. No Python code runs per row.

Two layouts are read:

* **Neptune** (Gremlin bulk-load CSV, optionally ``.gz``): node files have ``~id`` and ``~label``,
  edge files ``~from``, ``~to``, ``~label``; ids are unique across labels. Numeric node properties
  become features, except ``label`` (the class, 1 = fraud), ``time`` and ``split``
  (``train``/``val``/``test``). An empty cell is 0 plus a ``<name>__missing`` indicator column, and the
  feature names are kept in the store, as the in-memory reader does. Dates too are read as there:
  without a ``time`` property the only ``Date`` one is the time (of nodes, and of edges); any other
  ``Date`` is a feature in days since 1970. Other edge properties are left out, with a line naming them.
* **Tables** (Parquet or CSV): ``nodes/<type>.parquet`` with an ``id`` column (plus the same
  optional columns) and ``edges/<src>__<relation>__<dst>.parquet`` with ``src``, ``dst`` and an
  optional ``time``. Ids may be integers or strings.

An edge naming a node that is not in the node files is counted and reported with examples; it is
dropped (``on_missing='drop'``) or stops the run (``on_missing='error'``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from graphguard import _console
from graphguard.data.frames import bias_feature
from graphguard.data.id_index import IdIndex, id_keys
from graphguard.data.neptune import split_property
from graphguard.data.store import StoreWriter
from graphguard.errors import ConfigError, DataError

BATCH_BYTES = 64 << 20  # CSV block size handed to pyarrow
BATCH_ROWS = 1 << 22  # Parquet rows per batch
SPECIAL = {"label": "y", "y": "y", "time": "node_time", "node_time": "node_time", "split": "split",
           "is_synthetic": "is_synthetic"}  # augmentation's marker: kept per node, never a feature


def _special(label: str | None) -> dict[str, str]:
    """Column name -> role; a named label property replaces ``label``/``y`` as the class (as in
    ``read_neptune``), so that it is never read as a feature."""
    if label is None:
        return SPECIAL
    return {**{k: r for k, r in SPECIAL.items() if r != "y"}, label: "y"}


def _check_label_exists(label: str | None, names: list[str], source) -> None:
    if label is not None and label not in names:
        raise DataError(source, f"label property '{label}' not found in any node file "
                                f"(properties: {', '.join(dict.fromkeys(names)) or 'none'})")
SPLITS = {"train": 0, "val": 1, "valid": 1, "test": 2}
EXAMPLES = 5


@dataclass
class IngestReport:
    """What ingestion did: rows read, edges kept, missing-node edges and speed.

    ``edges_kept`` counts distinct edges: within one type (undirected), a pair given twice or both ways
    is one edge and its other rows are ``edges_merged``. ``relations`` is what the store holds per
    relation (both directions, ``rev_<rel>`` included), read from its metadata after the build.
    """

    node_rows: int = 0
    edge_rows: int = 0
    edges_kept: int = 0
    edges_merged: int = 0
    missing: int = 0
    missing_examples: list[str] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    relations: dict = field(default_factory=dict)

    @property
    def edges_per_second(self) -> float:
        return self.edge_rows / max(self.seconds.get("edges", 0.0), 1e-9)

    @property
    def edges_stored(self) -> int:
        return sum(self.relations.values())

    def as_dict(self) -> dict:
        return {"node_rows": self.node_rows, "edge_rows": self.edge_rows, "edges_kept": self.edges_kept,
                "edges_merged": self.edges_merged, "edges_stored": self.edges_stored,
                "missing": self.missing, "missing_examples": self.missing_examples, "seconds": self.seconds,
                "edges_per_second": round(self.edges_per_second), "relations": self.relations}


class _RowProgress:
    """A progress bar over bytes read that shows rows per second (drawn only where ``progress`` draws one)."""

    def __init__(self, desc: str, total_bytes: int):
        self.rows, self.t0, self.desc = 0, time.perf_counter(), desc
        self._p = None
        if _console.shows_progress():
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._p = Progress(TextColumn("{task.description}"), BarColumn(),
                               TextColumn("{task.fields[rows]} rows  {task.fields[rate]} rows/s"),
                               TimeElapsedColumn(), console=_console.console, transient=True)
            self._task = self._p.add_task(desc, total=total_bytes, rows="0", rate="-")
            self._p.start()

    def update(self, rows: int, done_bytes: int) -> None:
        self.rows += rows
        if self._p is not None:
            rate = self.rows / max(time.perf_counter() - self.t0, 1e-9)
            self._p.update(self._task, completed=done_bytes, rows=f"{self.rows:,}", rate=f"{rate:,.0f}")

    def close(self) -> None:
        if self._p is not None:
            self._p.stop()
        rate = self.rows / max(time.perf_counter() - self.t0, 1e-9)
        _console.log(f"{self.desc}: {self.rows:,} rows, {rate:,.0f} rows/s")


# ---------------------------------------------------------------------------- reading batches
PREFETCH = 2  # batches read ahead in a thread


def _prefetch(batches, depth: int = PREFETCH):
    """Yield from ``batches`` while a thread reads the next ones.

    pyarrow parses and decodes with the GIL released, so the next batch is read while numpy maps
    the ids of this one (the two overlap on a second core); errors come through in order.
    """
    import queue
    import threading

    q: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def run():
        try:
            for b in batches:
                if not put((True, b)):
                    return
            put((False, None))
        except BaseException as e:  # handed to the consumer, raised there
            put((False, e))

    t = threading.Thread(target=run, name="graphguard-ingest-read", daemon=True)
    t.start()
    try:
        while True:
            ok, item = q.get()
            if ok:
                yield item
            elif item is None:
                return
            else:
                raise item
    finally:
        stop.set()
        t.join()


def _csv_batches(path: Path, column_types: dict, include: list[str]):
    return _prefetch(_csv_batches_now(path, column_types, include))


def _parquet_batches(path: Path, columns: list[str]):
    return _prefetch(_parquet_batches_now(path, columns))


def _csv_batches_now(path: Path, column_types: dict, include: list[str]):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # the position reported is in the file on disk: a decompressing stream cannot tell() its own
    raw = pa.OSFile(str(path))
    stream = pa.CompressedInputStream(raw, "gzip") if path.name.endswith(".gz") else raw
    try:
        reader = pacsv.open_csv(stream, read_options=pacsv.ReadOptions(block_size=BATCH_BYTES),
                                convert_options=pacsv.ConvertOptions(column_types=column_types,
                                                                     include_columns=include))
        for batch in reader:
            yield batch, raw.tell()
    except pa.ArrowInvalid as e:
        raise DataError(path, f"cannot parse CSV ({str(e).splitlines()[0]})") from None
    finally:
        stream.close()


def _parquet_batches_now(path: Path, columns: list[str]):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        f = pq.ParquetFile(path)
        size, done = path.stat().st_size, 0
        for batch in f.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            done += batch.num_rows
            yield batch, int(size * done / max(1, f.metadata.num_rows))
    except (pa.ArrowInvalid, OSError) as e:
        raise DataError(path, f"cannot read Parquet ({str(e).splitlines()[0]})") from None


def _schema(path: Path):
    """The Arrow schema of a file: Parquet's own, or the types pyarrow infers from a CSV's first 64 KiB."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_schema(path)
    with pa.input_stream(str(path)) as s:
        try:
            r = pacsv.open_csv(s, read_options=pacsv.ReadOptions(block_size=1 << 16),
                               convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=False))
        except pa.ArrowInvalid as e:
            raise DataError(path, f"cannot parse CSV ({str(e).splitlines()[0]})") from None
        return r.schema


def _header(path: Path) -> list[str]:
    return _schema(path).names


# ---------------------------------------------------------------------------- nodes
class _NodeTypeBuffer:
    """Columns of one node type, gathered batch by batch."""

    def __init__(self):
        self.exact = True  # integer ids (compared exactly) rather than hashed strings
        self.keys, self.x, self.y, self.time, self.split, self.ids = [], [], [], [], [], []
        self.synthetic: list[np.ndarray] = []
        self.nulls: list[dict[int, np.ndarray]] = []  # per batch: feature column -> rows with no value
        self.feature_names: list[str] | None = None  # the columns as in the files

    def features(self, neptune: bool) -> tuple[np.ndarray, list[str]] | None:
        """``x`` and its column names (for Neptune headers the property, without ``:Type``), as
        :func:`graphguard.data.neptune.read_neptune` gives them: a column with some values missing is
        followed by its ``<name>__missing`` indicator, a column with none present is dropped, and a
        type left without any column gets a constant ``bias`` feature."""
        if not self.x:
            return None
        x = np.concatenate(self.x)
        blocks, names, changed = [], [], False
        for j, col in enumerate(self.feature_names):
            name = _prop_name(col)[0] if neptune else col
            miss = None
            if any(j in b for b in self.nulls):
                miss = np.concatenate([b.get(j, np.zeros(len(c), bool)) for b, c in zip(self.nulls, self.x)])
            if miss is not None and miss.all():
                changed = True  # no value at all: nothing to learn from, as read_neptune drops it
                continue
            blocks.append(x[:, j:j + 1])
            names.append(name)
            if miss is not None:
                blocks.append(miss[:, None].astype(np.float32))
                names.append(f"{name}__missing")
                changed = True
        if not blocks:
            return bias_feature(len(x))
        return (np.concatenate(blocks, 1) if changed else x), names

    @property
    def count(self) -> int:
        return int(sum(k.size for k in self.keys))


def _prop_name(col: str) -> tuple[str, str]:
    """``(name, lower-case type)``; an array type keeps its ``[]`` so that it never counts as numeric."""
    name, typ, is_array = split_property(col)
    return name, (typ or "").lower() + ("[]" if is_array else "")


NUMERIC = {"int", "long", "float", "double", "byte", "short", "bool", "boolean"}


def _seconds(col, source, name: str) -> np.ndarray:
    """A time column as epoch seconds (NaN when empty): numbers as they are, dates and Neptune ``Date``
    text (``yyyy-MM-dd[THH:mm[:ss[.SSS]]][Z]``, as ``write_neptune`` writes) as UTC."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        text = pc.replace_substring_regex(col, r"Z$", "")  # UTC; arrow reads zone-less text as UTC
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
        try:
            col = pc.cast(text, pa.timestamp("ms"))
        except pa.ArrowInvalid as e:
            raise DataError(source, f"property '{name}' is not a Neptune Date "
                                    f"(yyyy-MM-dd[THH:mm[:ss[.SSS]]][Z]): {str(e).splitlines()[0]}") from None
    if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
        ms = pc.cast(pc.cast(col, pa.timestamp("ms", tz=getattr(col.type, "tz", None))), pa.int64())
        return ms.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False) / 1000.0
    return col.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)


def _date_days(col, source, name: str):
    """A Date feature as float32 days since 1970 (null when empty), the unit ``encode_features`` uses."""
    import pyarrow as pa

    return pa.array(_seconds(col, source, name) / 86400.0, pa.float32(), from_pandas=True)


def _only_date(props: list[tuple[str, str]], special: dict[str, str], role: str) -> str | None:
    """The time property when none has a name meaning ``role`` (``time``): the only Date property,
    as ``read_neptune`` picks it. ``props`` are ``(name, type)`` over all files of nodes or edges."""
    if any(special.get(n) == role for n, _ in props):
        return None
    dates = {n for n, t in props if t == "date"}
    return dates.pop() if len(dates) == 1 else None


def _split_codes(col, source) -> np.ndarray:
    import pyarrow.compute as pc

    vals = pc.utf8_lower(col.cast("string")).fill_null("").to_numpy(zero_copy_only=False)
    out = np.full(len(vals), -1, np.int8)
    for name, code in SPLITS.items():
        out[vals == name] = code
    bad = (out < 0) & (vals != "")
    if bad.any():
        raise DataError(source, f"split must be train/val/test, found '{vals[bad][0]}' ({int(bad.sum())} rows)")
    return out


def _take_node_columns(buf: _NodeTypeBuffer, batch, names: dict[str, str], source) -> None:
    """``names`` maps a column of ``batch`` to its role: id, y, node_time, split or feature."""
    import pyarrow as pa

    feats = [c for c, role in names.items() if role in ("feature", "date")]
    if buf.feature_names is None:
        buf.feature_names = feats
    elif buf.feature_names != feats:
        raise DataError(source, f"node files of one type disagree on the feature columns ({feats} vs {buf.feature_names})")
    id_col = next(c for c, r in names.items() if r == "id")
    ids = batch.column(id_col)
    if ids.null_count:
        raise DataError(source, f"{ids.null_count} node rows have no id")
    keys, exact = id_keys(ids)
    buf.exact &= exact
    buf.keys.append(keys)
    buf.ids.append(ids.cast(pa.string()) if not pa.types.is_string(ids.type) else ids)
    if feats:
        cols = [_date_days(batch.column(c), source, c) if names[c] == "date" else batch.column(c).cast(pa.float32())
                for c in feats]
        buf.nulls.append({j: c.is_null().to_numpy(zero_copy_only=False) for j, c in enumerate(cols) if c.null_count})
        buf.x.append(np.stack([c.fill_null(0).to_numpy(zero_copy_only=False) for c in cols], 1).astype(np.float32, copy=False))
    role_column = {r: c for c, r in reversed(names.items())}  # the first column of each role
    if "y" in role_column:
        buf.y.append(batch.column(role_column["y"]).cast(pa.float64()).fill_null(-1).to_numpy(zero_copy_only=False))
    if "node_time" in role_column:
        c = role_column["node_time"]
        buf.time.append(_seconds(batch.column(c), source, c))
    if "is_synthetic" in role_column:
        col = batch.column(role_column["is_synthetic"])
        buf.synthetic.append(col.cast(pa.bool_()).fill_null(False).to_numpy(zero_copy_only=False))
    c = next((c for c, r in names.items() if r == "split"), None)
    if c is not None:
        buf.split.append(_split_codes(batch.column(c), source))


class _Nodes:
    """All node types: their buffers, then one id index (global for Neptune, per type for tables)."""

    def __init__(self):
        self.buffers: dict[str, _NodeTypeBuffer] = {}
        self.order: list[str] = []
        self.neptune = False  # Neptune headers (set by the Neptune reader): features named without ':Type'

    def buffer(self, ntype: str) -> _NodeTypeBuffer:
        if ntype not in self.buffers:
            self.buffers[ntype] = _NodeTypeBuffer()
            self.order.append(ntype)
        return self.buffers[ntype]

    def build_index(self, types: list[str], source) -> tuple[IdIndex, np.ndarray, np.ndarray]:
        """One index over ``types``: returns it with the type code and local row of each entry."""
        keys = [np.concatenate(self.buffers[t].keys) if self.buffers[t].keys else np.empty(0, np.uint64)
                for t in types]
        code = np.concatenate([np.full(k.size, i, np.int8) for i, k in enumerate(keys)])
        local = np.concatenate([np.arange(k.size, dtype=np.int64) for k in keys])
        allk = np.concatenate(keys)

        def dup(first, again, count):
            t1, t2 = types[code[first]], types[code[again]]
            i1 = self._id(t1, int(local[first]))
            i2 = self._id(t2, int(local[again]))
            if i1 != i2:  # pragma: no cover - a 64-bit hash collision
                raise DataError(source, f"node ids '{i1}' and '{i2}' share a 64-bit hash; rename one")
            where = f"'{t1}'" if t1 == t2 else f"'{t1}' and '{t2}'"
            raise DataError(source, f"duplicate node id '{i1}' (node type {where}; {count}+ duplicated ids)")

        exact = all(self.buffers[t].exact for t in types)
        return IdIndex(allk, exact=exact, on_duplicate=dup), code, local

    def _id(self, ntype: str, row: int) -> str:
        for chunk in self.buffers[ntype].ids:
            if row < len(chunk):
                return str(chunk[row])
            row -= len(chunk)
        return "?"

    def write(self, w: StoreWriter, split_seed: int) -> None:
        for t in self.order:
            b = self.buffers[t]
            n = b.count
            w.set_num_nodes(t, n)
            feats = b.features(self.neptune)
            if feats is not None:
                w.save_node_array(t, "x", feats[0])
                w.set_feature_names(t, feats[1])
            if b.y:
                y = np.concatenate(b.y)
                bad = ~np.isin(y, (-1, 0, 1))
                if bad.any():
                    raise DataError(t, f"labels must be 0 or 1 (or empty), found {y[bad][0]:g} ({int(bad.sum())} rows)")
                w.save_node_array(t, "y", y.astype(np.int64))
            if b.time:
                w.save_node_array(t, "node_time", np.concatenate(b.time))
            if b.synthetic:
                w.save_node_array(t, "is_synthetic", np.concatenate(b.synthetic).astype(bool))
            if b.split:
                split = np.concatenate(b.split)
                for k, m in enumerate(("train_mask", "val_mask", "test_mask")):
                    w.save_node_array(t, m, split == k)
            ids = w.node_id_writer(t)
            import pyarrow as pa

            for chunk in b.ids:
                ids.write_table(pa.table({"id": chunk}))
            ids.close()
            b.x = b.y = b.time = b.split = b.nulls = b.synthetic = []


# ---------------------------------------------------------------------------- edges
def _narrow(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.int32 or not a.size or a.max() >= 2**31 - 1:
        return a
    return a.astype(np.int32)


class _Edges:
    """Edges mapped to rows, kept as int32 numpy chunks per relation, plus the missing-node report."""

    def __init__(self, on_missing: str):
        self.parts: dict[tuple, tuple[list, list, list]] = {}
        self.on_missing = on_missing
        self.report = IngestReport()
        self.rows: dict[tuple, int] = {}  # rows kept per relation, as read
        self.self_loops: dict[tuple, int] = {}  # distinct loops of the relations stored without repeats

    def add(self, et, src: np.ndarray, dst: np.ndarray, t: np.ndarray | None) -> None:
        s, d, tt = self.parts.setdefault(et, ([], [], []))
        s.append(_narrow(src))
        d.append(_narrow(dst))
        if t is not None:
            tt.append(np.asarray(t))  # the store keeps float64 unless every time is exactly a float32

    def missing(self, source, ids, bad: np.ndarray) -> None:
        """Record the edges whose endpoint ``ids`` (an Arrow column) are missing where ``bad``."""
        k = int(bad.sum())
        if not k:
            return
        self.report.missing += k
        if len(self.report.missing_examples) < EXAMPLES:
            pos = np.flatnonzero(bad)[: EXAMPLES - len(self.report.missing_examples)]
            self.report.missing_examples += [str(v) for v in ids.take(pos).to_pylist()]
        if self.on_missing == "error":
            ex = ", ".join(f"'{e}'" for e in self.report.missing_examples)
            raise DataError(source, f"{self.report.missing}+ edges name nodes that are not in the node files "
                            f"(e.g. {ex}); pass on_missing='drop' (--on-missing drop) to skip them")

    def write(self, w: StoreWriter, undirected: bool, ets: list | None = None) -> None:
        """Sort relations ``ets`` (default: all left) into CSR and store them; their buffers are freed."""
        for et in list(self.parts) if ets is None else ets:
            s, d, t = self.parts.pop(et)  # chunk lists: the CSR builder reads them without joining
            n = int(sum(x.size for x in s))
            tm = t if t and sum(x.size for x in t) == n else None
            self.rows[et] = n
            if undirected and et[0] == et[2]:
                self.self_loops[et] = _distinct_self_loops(s, d)
            if undirected:
                w.add_undirected(et, s, d, tm)
            else:
                w.add_relation(et, s, d, tm)
            del s, d, t, tm

    def count_stored(self, edge_types: list[dict]) -> None:
        """Fill the report from the store's metadata (``edge_types`` after every relation was written).

        A relation stored without repeats holds each distinct edge both ways and each distinct loop once,
        so its distinct edges are ``(stored + loops) / 2``; the rest of its rows were merged into them.
        """
        rep = self.report
        rep.relations = {"__".join(e["type"]): int(e["num_edges"]) for e in edge_types}
        for et, rows in self.rows.items():
            if et in self.self_loops:
                distinct = (rep.relations["__".join(et)] + self.self_loops[et]) // 2
            else:
                distinct = rows
            rep.edges_kept += distinct
            rep.edges_merged += rows - distinct


def _distinct_self_loops(src: list[np.ndarray], dst: list[np.ndarray]) -> int:
    """How many distinct nodes have a loop among the rows (chunk lists): a linear pass, loops are few."""
    loops = [a[a == b] for a, b in zip(src, dst)]
    return int(np.unique(np.concatenate(loops)).size) if loops else 0


# ---------------------------------------------------------------------------- Neptune
def _neptune_files(path: Path) -> tuple[list[Path], list[Path]]:
    files = sorted(f for f in path.iterdir() if f.is_file() and (f.suffix == ".csv" or f.name.endswith(".csv.gz")))
    nodes, edges = [], []
    for f in files:
        head = _header(f)
        if "~from" in head and "~to" in head:
            edges.append(f)
        elif "~id" in head:
            nodes.append(f)
    if not nodes:
        raise DataError(path, "no Neptune node files (CSV with a ~id column and no ~from)")
    if not edges:
        raise DataError(path, "no Neptune edge files (CSV with ~from and ~to columns)")
    return nodes, edges


def _neptune_node_roles(head: list[str], source, special: dict[str, str]) -> tuple[dict, dict]:
    import pyarrow as pa

    roles, types = {}, {}
    for c in head:
        if c in ("~id", "~label"):
            roles[c] = "id" if c == "~id" else "type"
            types[c] = pa.string()
            continue
        name, typ = _prop_name(c)
        if name in special:
            roles[c] = special[name]
            types[c] = (pa.string() if roles[c] == "split" or typ == "date" else  # Date: text, see _seconds
                        pa.bool_() if typ in ("bool", "boolean") else pa.float64())  # true/false labels too
        elif typ in NUMERIC:
            roles[c] = "feature"
            types[c] = pa.bool_() if typ in ("bool", "boolean") else pa.float32()  # true/false, then 1.0/0.0
        elif typ == "date":
            roles[c] = "date"  # a feature in days since 1970, as read_neptune encodes it
            types[c] = pa.string()
    if "~label" not in roles:
        raise DataError(source, "node file has no ~label column")
    return roles, types


def _read_neptune_nodes(files: list[Path], nodes: _Nodes, report: IngestReport, label: str | None) -> None:
    import pyarrow.compute as pc

    heads = {f: _header(f) for f in files}
    _check_label_exists(label, [_prop_name(c)[0] for h in heads.values() for c in h if not c.startswith("~")],
                        files[0].parent)

    special = _special(label)
    props = [_prop_name(c) for h in heads.values() for c in h if not c.startswith("~")]
    only_date = _only_date(props, special, "node_time")
    if only_date is not None:
        special = {**special, only_date: "node_time"}
    total = sum(f.stat().st_size for f in files)
    prog, done = _RowProgress("read nodes", total), 0
    nodes.neptune = True
    left_out: dict[str, None] = {}
    for f in files:
        roles, types = _neptune_node_roles(heads[f], f, special)
        left_out.update(dict.fromkeys(c for c in heads[f] if c not in roles))
        last = 0
        for batch, pos in _csv_batches(f, types, list(roles)):
            labels = batch.column("~label")
            uniq = pc.unique(labels).to_pylist()
            for lab in uniq:
                if lab is None or lab == "":
                    raise DataError(f, "node rows with an empty ~label")
                part = batch if len(uniq) == 1 else batch.filter(pc.equal(labels, lab))
                _take_node_columns(nodes.buffer(lab), part, {c: r for c, r in roles.items() if r != "type"}, f)
            report.node_rows += batch.num_rows
            prog.update(batch.num_rows, done + pos)
            last = pos
        done += last
    prog.close()
    if left_out:
        _console.log(f"{files[0].parent}: node properties left out of the features (the store keeps numbers, "
                     f"booleans and dates; read_neptune encodes text and lists): {', '.join(left_out)}")


def _read_neptune_edges(files, nodes: _Nodes, edges: _Edges) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    types = list(nodes.order)
    index, code, local = nodes.build_index(types, files[0].parent)
    heads = {f: _header(f) for f in files}
    props = [_prop_name(c) for h in heads.values() for c in h if not c.startswith("~")]
    time_name = _only_date(props, {"time": "time"}, "time") or "time"
    left_out = list(dict.fromkeys(n for n, _ in props if n != time_name))
    if left_out:
        _console.log(f"edge properties left out (the store keeps only the edge time): {', '.join(left_out)}")
    total = sum(f.stat().st_size for f in files)
    prog, done = _RowProgress("read edges", total), 0
    for f in files:
        head = heads[f]
        tcol = next((c for c in head if _prop_name(c)[0] == time_name), None)
        cols = {"~from": pa.string(), "~to": pa.string(), "~label": pa.string()}
        if tcol:
            cols[tcol] = pa.string() if _prop_name(tcol)[1] == "date" else pa.float64()
        last = 0
        for batch, pos in _csv_batches(f, cols, list(cols)):
            src_ids, dst_ids = batch.column("~from"), batch.column("~to")
            gs = index.lookup(id_keys(src_ids)[0])
            gd = index.lookup(id_keys(dst_ids)[0])
            ok = (gs >= 0) & (gd >= 0)
            edges.missing(f, src_ids, gs < 0)
            edges.missing(f, dst_ids, (gd < 0) & (gs >= 0))
            t = _seconds(batch.column(tcol), f, tcol) if tcol else None
            enc = pc.dictionary_encode(batch.column("~label")).combine_chunks() \
                if isinstance(batch.column("~label"), pa.ChunkedArray) else pc.dictionary_encode(batch.column("~label"))
            rel_names = enc.dictionary.to_pylist()
            rel = enc.indices.to_numpy(zero_copy_only=False)
            gs, gd = gs[ok], gd[ok]
            key = (code[gs].astype(np.int64) * len(rel_names) + rel[ok]) * len(types) + code[gd]
            t = t[ok] if t is not None else None
            kmin, kmax = (int(key.min()), int(key.max())) if key.size else (0, -1)
            groups = [kmin] if kmin == kmax else np.unique(key).tolist()
            for g in groups:
                sel = None if kmin == kmax else key == g
                st, rest = divmod(g, len(rel_names) * len(types))
                r, dt = divmod(rest, len(types))
                et = (types[st], rel_names[r], types[dt])
                pick = (lambda a: a) if sel is None else (lambda a: a[sel])
                edges.add(et, local[pick(gs)], local[pick(gd)], None if t is None else pick(t))
            edges.report.edge_rows += batch.num_rows
            prog.update(batch.num_rows, done + pos)
            last = pos
        done += last
    prog.close()


# ---------------------------------------------------------------------------- tables
def _table_files(path: Path):
    nd, ed = path / "nodes", path / "edges"
    if not nd.is_dir() or not ed.is_dir():
        raise DataError(path, "a tables folder needs nodes/ and edges/ subfolders")

    def listing(d):
        return sorted(f for f in d.iterdir() if f.suffix in (".parquet", ".csv") or f.name.endswith(".csv.gz"))

    nodes, edges = listing(nd), listing(ed)
    if not nodes:
        raise DataError(nd, "no node tables (<type>.parquet or <type>.csv)")
    if not edges:
        raise DataError(ed, "no edge tables (<src>__<relation>__<dst>.parquet)")
    return nodes, edges


def _stem(f: Path) -> str:
    return f.name.split(".")[0]


def _batches(f: Path, columns: list[str], types: dict):
    if f.suffix == ".parquet":
        return _parquet_batches(f, columns)
    return _csv_batches(f, types, columns)


def _read_table_nodes(files, nodes: _Nodes, report: IngestReport, label: str | None) -> None:
    import pyarrow as pa

    schemas = {f: _schema(f) for f in files}
    _check_label_exists(label, [c for sc in schemas.values() for c in sc.names if c != "id"], files[0].parent.parent)
    special = _special(label)
    total = sum(f.stat().st_size for f in files)
    prog, done = _RowProgress("read nodes", total), 0
    for f in files:
        schema = schemas[f]
        head = schema.names
        if "id" not in head:
            raise DataError(f, f"node table has no 'id' column (columns: {', '.join(head[:8])})")
        roles = {"id": "id"}
        for c in head:
            if c != "id":
                roles[c] = special.get(c, "feature")
        types = {"id": pa.string()}
        for c, r in roles.items():
            if r == "split":
                types[c] = pa.string()
            elif r == "y":
                types[c] = pa.bool_() if pa.types.is_boolean(schema.field(c).type) else pa.float64()
        # numbers and booleans are features; text columns are left out (a CSV's types are pinned from its
        # first block, so a later non-number in a number column is a one-line parse error, not a crash)
        numeric = lambda t: pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)  # noqa: E731
        left_out = [c for c, r in roles.items() if r == "feature" and not numeric(schema.field(c).type)]
        roles = {c: r for c, r in roles.items() if c not in left_out}
        types.update({c: pa.bool_() if pa.types.is_boolean(schema.field(c).type) else pa.float32()
                      for c, r in roles.items() if r == "feature"})
        if left_out:
            _console.log(f"{f.name}: non-numeric columns left out of the features: {', '.join(left_out)}")
        buf = nodes.buffer(_stem(f))
        last = 0
        for batch, pos in _batches(f, list(roles), types):
            _take_node_columns(buf, batch, roles, f)
            report.node_rows += batch.num_rows
            prog.update(batch.num_rows, done + pos)
            last = pos
        done += last
    prog.close()


def _read_table_edges(files, nodes: _Nodes, edges: _Edges, done=None) -> None:
    """Read every edge table; ``done(et)`` is called once a relation's last file has been read."""
    import pyarrow as pa

    indexes = {}
    left: dict[tuple, int] = {}
    for f in files:
        left[tuple(_stem(f).split("__"))] = left.get(tuple(_stem(f).split("__")), 0) + 1
    total = sum(f.stat().st_size for f in files)
    prog, read = _RowProgress("read edges", total), 0
    # biggest files first: their relations' CSR sort overlaps with reading the smaller ones
    for f in sorted(files, key=lambda f: -f.stat().st_size):
        et = tuple(_stem(f).split("__"))
        if len(et) != 3:
            raise DataError(f, "edge table names must be <src type>__<relation>__<dst type>")
        for t in (et[0], et[2]):
            if t not in nodes.buffers:
                raise DataError(f, f"node type '{t}' has no node table (known: {', '.join(nodes.order)})")
            if t not in indexes:
                indexes[t] = nodes.build_index([t], f)[0]
        head = _header(f)
        for c in ("src", "dst"):
            if c not in head:
                raise DataError(f, f"edge table has no '{c}' column (columns: {', '.join(head[:8])})")
        cols = ["src", "dst"] + (["time"] if "time" in head else [])
        last = 0
        for batch, pos in _batches(f, cols, {"src": pa.string(), "dst": pa.string(), "time": pa.float64()}):
            src_ids, dst_ids = batch.column("src"), batch.column("dst")
            s = _lookup(indexes[et[0]], src_ids, f, et[0])
            d = _lookup(indexes[et[2]], dst_ids, f, et[2])
            edges.missing(f, src_ids, s < 0)
            edges.missing(f, dst_ids, (d < 0) & (s >= 0))
            ok = (s >= 0) & (d >= 0)
            t = batch.column("time").to_numpy(zero_copy_only=False) if "time" in cols else None
            if ok.all():
                edges.add(et, s, d, t)
            else:
                edges.add(et, s[ok], d[ok], None if t is None else t[ok])
            edges.report.edge_rows += batch.num_rows
            prog.update(batch.num_rows, read + pos)
            last = pos
        read += last
        left[et] -= 1
        if done is not None and not left[et] and et in edges.parts:
            done(et)
    prog.close()


def _lookup(index: IdIndex, ids, source, ntype: str) -> np.ndarray:
    keys, exact = id_keys(ids)
    if exact != index.exact and len(ids):
        kinds = ("integers", "strings")
        raise DataError(source, f"ids are {kinds[not exact]} here but {kinds[not index.exact]} in the "
                        f"'{ntype}' node table; use one id type in both")
    return index.lookup(keys)


# ---------------------------------------------------------------------------- entry point
def detect_layout(path: Path) -> str:
    if (path / "nodes").is_dir() and (path / "edges").is_dir():
        return "tables"
    return "neptune"


def ingest(path: str | Path, out: str | Path, *, format: str | None = None, on_missing: str = "drop",
           undirected: bool = True, target_node_type: str | None = None, seed: int = 0,
           label: str | None = None) -> IngestReport:
    """Read a Neptune CSV folder or a tables folder at ``path`` into a graph store at ``out``.

    ``undirected`` stores both directions (``rev_<relation>`` between different types), as
    graphguard's graphs do; within one type a pair given twice or both ways is one edge each way,
    the edge set ``load_graph`` reads from the same files. ``label`` names the class property (0/1
    or true/false, empty = unlabelled); without it a property called ``label`` or ``y`` is the
    class. The target node type defaults to the one that has labels.
    """
    path, out = Path(path), Path(out)
    if on_missing not in ("drop", "error"):
        raise ConfigError(f"on_missing must be 'drop' or 'error' (got '{on_missing}')")
    if not path.is_dir():
        raise DataError(path, "folder not found")
    fmt = format or detect_layout(path)
    if fmt not in ("neptune", "tables"):
        raise ConfigError(f"unknown ingest format '{fmt}' (known: neptune, tables)")
    from concurrent.futures import ThreadPoolExecutor

    nodes, edges = _Nodes(), _Edges(on_missing)
    rep = edges.report
    t0 = time.perf_counter()
    if fmt == "neptune":
        node_files, edge_files = _neptune_files(path)
        _read_neptune_nodes(node_files, nodes, rep, label)
    else:
        node_files, edge_files = _table_files(path)
        _read_table_nodes(node_files, nodes, rep, label)
    labelled = [t for t in nodes.order if nodes.buffers[t].y]
    w = StoreWriter(out)
    nodes.write(w, seed)  # node arrays go to disk (and leave memory) before the edges are read
    t1 = time.perf_counter()
    # a relation whose files are all read is sorted into CSR in a thread while the next files are
    # read (SciPy's counting sort and pyarrow both release the GIL); Neptune files mix relations
    with ThreadPoolExecutor(1, thread_name_prefix="graphguard-csr") as pool:
        jobs = []
        if fmt == "neptune":
            _read_neptune_edges(edge_files, nodes, edges)
        else:
            _read_table_edges(edge_files, nodes, edges,
                              done=lambda et: jobs.append(pool.submit(edges.write, w, undirected, [et])))
        t2 = time.perf_counter()
        for j in jobs:
            j.result()  # raises what the thread raised
    if rep.missing:
        ex = ", ".join(f"'{e}'" for e in rep.missing_examples)
        _console.log(f"[yellow]dropped {rep.missing:,} edges that name missing nodes (e.g. {ex})[/yellow]")
    edges.write(w, undirected)
    if fmt == "tables":  # relations were sorted biggest first; list them in file order, each before its rev_
        rank = {tuple(_stem(f).split("__")): i for i, f in enumerate(edge_files)}

        def base(e):
            s_, r, d = e["type"]
            return (rank.get((s_, r, d), rank.get((d, r[4:], s_), len(rank))), r.startswith("rev_"))

        w.meta["edge_types"].sort(key=base)
    edges.count_stored(w.meta["edge_types"])
    if rep.edges_merged:
        _console.log(f"merged {rep.edges_merged:,} repeated rows into existing edges "
                     "(within one type, a pair given twice or both ways is one edge)")
    target = target_node_type or (labelled[0] if labelled else nodes.order[0])
    w.finish(target, ingest={"source": str(path), "format": fmt, "missing": rep.missing,
                             "missing_examples": rep.missing_examples, "merged": rep.edges_merged})
    t3 = time.perf_counter()
    rep.seconds = {"nodes": round(t1 - t0, 3), "edges": round(t2 - t1, 3), "store": round(t3 - t2, 3),
                   "total": round(t3 - t0, 3)}
    return rep
