"""Where generated graphs go: a graph store, Neptune bulk-load CSV, or Parquet edge/node tables.

Each writer consumes the generator's numpy chunks and writes them out as they come (pyarrow
builds the CSV/Parquet text in C++), so memory stays at one chunk for the file formats; the store
writer keeps one relation's int32 endpoints to sort them into CSR.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from graphguard import _console
from graphguard.data.generate import RELATIONS, FraudGraphGenerator, id_width, node_ids

SPLIT_NAMES = np.array(["train", "val", "test"])
INT_ID_BASE = 1_000_000_000  # tables use sparse integer ids: base + 3 * index


def _summary(gen: FraudGraphGenerator, out: Path, fmt: str, t0: float) -> dict:
    return {"out": str(out), "format": fmt, "num_nodes": dict(gen.n), "num_edges": gen.spec.num_edges,
            "num_fraud": int(gen.y.sum()), "seed": gen.spec.seed, "seconds": round(time.perf_counter() - t0, 3)}


def _edge_progress(gen):
    return _console.progress("generate edges", total=gen.spec.num_edges)


def write_store(gen: FraudGraphGenerator, out: Path) -> dict:
    from graphguard.data.store import StoreWriter

    t0 = time.perf_counter()
    w = StoreWriter(out)
    for nt, n in gen.n.items():
        w.set_num_nodes(nt, n)
        f = gen.spec.num_features if nt == "account" else 4
        x = w.node_array(nt, "x", (n, f), np.float32)
        labelled = nt == "account"
        if labelled:
            y = w.node_array(nt, "y", (n,), np.int64)
            nt_time = w.node_array(nt, "node_time", (n,), np.float64)
            masks = [w.node_array(nt, m, (n,), np.bool_) for m in ("train_mask", "val_mask", "test_mask")]
        ids = w.node_id_writer(nt)
        start = 0
        for chunk in gen.node_chunks(nt):
            stop = start + chunk["x"].shape[0]
            x[start:stop] = chunk["x"]
            if labelled:
                y[start:stop] = chunk["y"]
                nt_time[start:stop] = chunk["node_time"]
                for k, m in enumerate(masks):
                    m[start:stop] = chunk["split"] == k
            import pyarrow as pa

            ids.write_table(pa.table({"id": node_ids(nt, np.arange(start, stop), id_width(n))}))
            start = stop
        ids.close()
        del x
        if labelled:
            del y, nt_time, masks
    with _edge_progress(gen) as advance:
        for et in RELATIONS:
            src, dst, tm = [], [], []
            for s, d, t in gen.edge_chunks(et):
                src.append(s.astype(np.int32))
                dst.append(d.astype(np.int32))
                tm.append(t)
                advance(s.size)
            src, dst, tm = np.concatenate(src), np.concatenate(dst), np.concatenate(tm)
            w.add_undirected(et, src, dst, tm)
            del src, dst, tm
    w.finish("account", generator=_summary(gen, out, "store", t0))
    return _summary(gen, out, "store", t0)


def _node_table(gen, nt: str, chunk: dict, start: int, ids):
    import pyarrow as pa

    cols = {"id": ids}
    if "y" in chunk:
        cols["label"] = pa.array(chunk["y"])  # the column names read_tables and ingest both know
        cols["time"] = pa.array(chunk["node_time"])
        cols["split"] = pa.array(SPLIT_NAMES[chunk["split"]])
    for j in range(chunk["x"].shape[1]):
        cols[f"x{j}"] = pa.array(chunk["x"][:, j])
    return pa.table(cols)


def write_neptune(gen: FraudGraphGenerator, out: Path) -> dict:
    """Neptune Gremlin bulk-load CSV: ``nodes_<type>.csv`` and ``edges_<relation>.csv``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for nt, n in gen.n.items():
        writer = None
        start = 0
        for chunk in gen.node_chunks(nt):
            m = chunk["x"].shape[0]
            tab = _node_table(gen, nt, chunk, start, node_ids(nt, np.arange(start, start + m), id_width(n)))
            names = {"id": "~id", "label": "label:Int", "time": "time:Double", "split": "split:String"}
            tab = tab.rename_columns([names.get(c, f"{c}:Float") for c in tab.column_names])
            tab = tab.add_column(1, "~label", pa.array(np.full(m, nt)))
            if writer is None:
                writer = pacsv.CSVWriter(out / f"nodes_{nt}.csv", tab.schema)
            writer.write_table(tab)
            start += m
        writer.close()
    with _edge_progress(gen) as advance:
        eid = 0
        for et in RELATIONS:
            s_t, rel, d_t = et
            writer = None
            for s, d, t in gen.edge_chunks(et):
                m = s.size
                e_ids = pc.binary_join_element_wise("e", pc.cast(pa.array(np.arange(eid, eid + m)), pa.string()), "")
                tab = pa.table({"~id": e_ids, "~from": node_ids(s_t, s, id_width(gen.n[s_t])),
                                "~to": node_ids(d_t, d, id_width(gen.n[d_t])), "~label": pa.array(np.full(m, rel)),
                                "time:Double": pa.array(t.astype(np.float64))})
                if writer is None:
                    writer = pacsv.CSVWriter(out / f"edges_{rel}.csv", tab.schema)
                writer.write_table(tab)
                eid += m
                advance(m)
            writer.close()
    return _summary(gen, out, "neptune", t0)


def write_tables(gen: FraudGraphGenerator, out: Path) -> dict:
    """Parquet tables with integer ids: ``nodes/<type>.parquet`` (``id``, ``label``, ``time``, ``split``,
    ``x0``...) and ``edges/<src>__<rel>__<dst>.parquet`` (``src``, ``dst``, ``time``), the per-type
    layout that both ``ingest`` and ``read_tables`` (so ``node train``) read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    (out / "nodes").mkdir(parents=True, exist_ok=True)
    (out / "edges").mkdir(parents=True, exist_ok=True)
    for nt, n in gen.n.items():
        writer = None
        start = 0
        for chunk in gen.node_chunks(nt):
            m = chunk["x"].shape[0]
            tab = _node_table(gen, nt, chunk, start, pa.array(INT_ID_BASE + 3 * np.arange(start, start + m)))
            writer = writer or pq.ParquetWriter(out / "nodes" / f"{nt}.parquet", tab.schema)
            writer.write_table(tab)
            start += m
        writer.close()
    with _edge_progress(gen) as advance:
        for et in RELATIONS:
            writer = None
            for s, d, t in gen.edge_chunks(et):
                tab = pa.table({"src": INT_ID_BASE + 3 * s, "dst": INT_ID_BASE + 3 * d, "time": t})
                writer = writer or pq.ParquetWriter(out / "edges" / f"{'__'.join(et)}.parquet", tab.schema)
                writer.write_table(tab)
                advance(s.size)
            writer.close()
    return _summary(gen, out, "tables", t0)


SINKS = {"store": write_store, "neptune": write_neptune, "tables": write_tables}
