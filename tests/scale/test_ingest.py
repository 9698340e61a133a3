"""Ingestion: Neptune CSV and tables into a store, id mapping, and edges that name missing nodes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from graphguard.data.id_index import IdIndex, id_keys
from graphguard.data.ingest import ingest
from graphguard.data.store import open_store, to_pyg
from graphguard.errors import ConfigError, DataError

NODES = """~id,~label,label:Int,time:Double,split:String,amount:Float,age:Int,name:String
u1,user,0,1.0,train,0.5,30,ann
u2,user,1,2.0,train,1.5,22,bob
u3,user,0,3.0,val,0.1,41,cy
u4,user,,4.0,test,0.2,35,dee
m1,shop,,,,,,
"""
EDGES = """~id,~from,~to,~label,time:Double
e1,u1,u2,knows,10
e2,u2,u3,knows,11
e3,u1,m1,buys,12
e4,u9,u1,knows,13
e5,u3,ghost,buys,14
e6,u4,u3,knows,15
"""


@pytest.fixture
def neptune(tmp_path):
    d = tmp_path / "nep"
    d.mkdir()
    (d / "vertices.csv").write_text(NODES)
    (d / "edges.csv").write_text(EDGES)
    return d


def test_neptune_drop_reports_count_and_examples(neptune, tmp_path):
    rep = ingest(neptune, tmp_path / "s", on_missing="drop")
    assert rep.edge_rows == 6 and rep.missing == 2 and rep.edges_kept == 4
    assert rep.missing_examples == ["u9", "ghost"]
    s = open_store(tmp_path / "s")
    assert s.target_node_type == "user"
    assert s.meta["ingest"]["missing"] == 2
    g = to_pyg(s)
    assert g["user"].num_nodes == 4 and g["shop"].num_nodes == 1
    # knows kept: u1->u2, u2->u3, u4->u3, stored both ways (same type)
    pairs = set(map(tuple, g["user", "knows", "user"].edge_index.t().tolist()))
    assert pairs == {(0, 1), (1, 0), (1, 2), (2, 1), (3, 2), (2, 3)}
    assert g["user", "buys", "shop"].edge_index.tolist() == [[0], [0]]
    assert g["shop", "rev_buys", "user"].edge_index.tolist() == [[0], [0]]
    assert g["user"].y.tolist() == [0, 1, 0, -1]  # an empty label is unlabelled
    assert g["user"].x.shape == (4, 2)  # numeric properties; the String name is not a feature
    assert g["user"].train_mask.tolist() == [True, True, False, False]
    assert g["user"].test_mask.tolist() == [False, False, False, True]
    t = g["user", "knows", "user"].edge_time
    assert sorted(t.tolist()) == [10, 10, 11, 11, 15, 15]


def test_neptune_missing_nodes_can_fail_the_run(neptune, tmp_path):
    with pytest.raises(DataError) as e:
        ingest(neptune, tmp_path / "s", on_missing="error")
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(str(neptune / "edges.csv") + ": ")
    assert "edges name nodes that are not in the node files" in msg and "'u9'" in msg
    with pytest.raises(ConfigError, match="on_missing must be 'drop' or 'error'"):
        ingest(neptune, tmp_path / "s", on_missing="ignore")



def test_gzipped_neptune_files_ingest_like_plain_ones(neptune, tmp_path):
    """``.csv.gz`` node and edge files give the same store as plain CSV (the progress position used to
    call ``tell()`` on the decompressed stream, which is not seekable, and crashed)."""
    import gzip

    gz = tmp_path / "nep_gz"
    gz.mkdir()
    for f in neptune.iterdir():
        (gz / (f.name + ".gz")).write_bytes(gzip.compress(f.read_bytes()))
    ingest(neptune, tmp_path / "plain")
    rep = ingest(gz, tmp_path / "gz")
    assert rep.node_rows == 5 and rep.edge_rows == 6 and rep.edges_kept == 4
    ref, got = open_store(tmp_path / "plain"), open_store(tmp_path / "gz")
    assert sorted(got.edge_types) == sorted(ref.edge_types)
    for et in ref.edge_types:
        for a, b in zip(ref.csr(et), got.csr(et)):
            assert np.array_equal(a, b)
    assert np.array_equal(ref.node_array("user", "y"), got.node_array("user", "y"))

def test_duplicate_node_id_is_named(neptune, tmp_path):
    (neptune / "more.csv").write_text(NODES.splitlines()[0] + "\nu2,user,0,1,train,1,1,z\n")
    with pytest.raises(DataError, match="duplicate node id 'u2'"):
        ingest(neptune, tmp_path / "s")
    (neptune / "more.csv").write_text("~id,~label\nu7,user\n")
    with pytest.raises(DataError, match="node files of one type disagree on the feature columns"):
        ingest(neptune, tmp_path / "s")


def _tables(tmp_path, src_ids, dst_ids, node_ids):
    import pyarrow.parquet as pq

    d = tmp_path / "tab"
    (d / "nodes").mkdir(parents=True)
    (d / "edges").mkdir()
    pq.write_table(pa.table({"id": node_ids, "y": [0, 1, 0], "f": [1.0, 2.0, 3.0]}), d / "nodes" / "acct.parquet")
    pq.write_table(pa.table({"src": src_ids, "dst": dst_ids}), d / "edges" / "acct__pays__acct.parquet")
    return d


def test_tables_with_integer_ids_and_missing_nodes(tmp_path):
    d = _tables(tmp_path, [10, 20, 99, 30], [20, 30, 10, 77], [10, 20, 30])
    rep = ingest(d, tmp_path / "s")
    assert rep.missing == 2 and rep.missing_examples == ["99", "77"]
    ei = to_pyg(tmp_path / "s")["acct", "pays", "acct"].edge_index
    assert set(map(tuple, ei.t().tolist())) == {(0, 1), (1, 0), (1, 2), (2, 1)}


def test_tables_id_type_mismatch_is_one_line(tmp_path):
    d = _tables(tmp_path, ["10"], ["20"], [10, 20, 30])
    with pytest.raises(DataError, match="ids are strings here but integers in the 'acct' node table"):
        ingest(d, tmp_path / "s")


def test_ingest_matches_generated_store(tmp_path):
    """Generated Neptune CSV and Parquet tables ingest to the very CSR the generator stores."""
    from graphguard.data.generate import generate

    for fmt in ("store", "neptune", "tables"):
        generate(tmp_path / fmt, 600, 8000, seed=5, format=fmt)
    ref = open_store(tmp_path / "store")
    for fmt in ("neptune", "tables"):
        ingest(tmp_path / fmt, tmp_path / f"in_{fmt}")
        s = open_store(tmp_path / f"in_{fmt}")
        assert sorted(s.edge_types) == sorted(ref.edge_types)
        for et in ref.edge_types:
            for a, b in zip(ref.csr(et), s.csr(et)):
                assert np.array_equal(a, b)
            assert np.allclose(ref.edge_array(et, "edge_time"), s.edge_array(et, "edge_time"))
        assert np.array_equal(ref.node_array("account", "y"), s.node_array("account", "y"))
        assert np.array_equal(ref.node_array("account", "val_mask"), s.node_array("account", "val_mask"))
        assert np.allclose(ref.node_array("account", "x"), s.node_array("account", "x")[:, -16:], atol=1e-5)


def test_string_hash_index_is_exact():
    ids = pa.array(["", "a", "ab", "abcdefgh", "abcdefgh1", "abcdefgh2", "x" * 40, "x" * 39 + "y", "émoji✓"])
    keys, exact = id_keys(ids)
    assert not exact and np.unique(keys).size == len(ids)
    idx = IdIndex(keys)
    probe, _ = id_keys(pa.array(["abcdefgh2", "nope", "", "x" * 40, "abcdefgh"]))
    assert idx.lookup(probe).tolist() == [5, -1, 0, 6, 3]
    # sliced arrays (offset into the buffers) hash the same as fresh ones
    assert np.array_equal(id_keys(ids.slice(3, 4))[0], keys[3:7])
    rng = np.random.default_rng(0)
    big = rng.permutation(200_000)
    hidx = IdIndex(big.astype(np.uint64), exact=False)  # hashed path even for integers
    q = rng.integers(0, 250_000, 50_000)
    want = np.full(q.size, -1)
    inv = np.empty(200_000, np.int64)
    inv[big] = np.arange(big.size)
    want[q < 200_000] = inv[q[q < 200_000]]
    assert np.array_equal(hidx.lookup(q.astype(np.uint64)), want)
    didx = IdIndex(big.astype(np.uint64), exact=True)  # direct-address path
    assert didx.dense is not None and np.array_equal(didx.lookup(q.astype(np.uint64)), want)


def _ingest_vertices(tmp_path, vertices: str):
    """Ingest one Neptune vertex file (with a single edge u1 -> u2) and return the stored graph."""
    d = tmp_path / "nep"
    d.mkdir()
    (d / "v.csv").write_text(vertices)
    (d / "e.csv").write_text("~id,~from,~to,~label\ne1,u1,u2,knows\n")
    ingest(d, tmp_path / "s")
    return to_pyg(open_store(tmp_path / "s"))


def test_cardinality_suffix_keeps_a_numeric_property(tmp_path):
    """``amount:Float(single)`` is a numeric feature, as in the in-memory reader; an ``Int[]`` is not."""
    g = _ingest_vertices(tmp_path, "~id,~label,label:Int(single),amount:Float(single),age:Int,codes:Int[]\n"
                                   "u1,user,0,0.5,30,1;2\nu2,user,1,1.5,22,3\nu3,user,0,0.1,41,4\n")
    assert g["user"].x.tolist() == [[0.5, 30.0], [1.5, 22.0], [0.10000000149011612, 41.0]]
    assert g["user"].y.tolist() == [0, 1, 0]


def test_bool_property_is_a_zero_one_feature(tmp_path):
    """Neptune's Bool type is numeric for the model: true/false become 1/0 (it used to stop the run)."""
    g = _ingest_vertices(tmp_path, "~id,~label,label:Int,vip:Bool,score:Double\n"
                                   "u1,user,0,true,1.5\nu2,user,1,false,2.5\nu3,user,0,,0.5\n")
    assert g["user"].x.tolist() == [[1.0, 0.0, 1.5], [0.0, 0.0, 2.5], [0.0, 1.0, 0.5]]
    assert g["user"].feature_names == ["vip", "vip__missing", "score"]


def test_empty_cells_match_the_in_memory_reader(tmp_path):
    """An empty numeric cell is 0 plus a ``__missing`` indicator and a column with no value at all is
    dropped, so ingest gives the same columns, names and values as ``read_neptune`` (it used to give a
    bare 0, so a missing amount looked like a zero amount, and to keep an all-empty column as zeros)."""
    from graphguard.data.neptune import read_neptune

    v = ("~id,~label,label:Int,amount:Float,age:Int,score:Double\n"
         "u1,user,0,0.5,30,\nu2,user,1,,22,\nu3,user,0,0.25,41,\nu4,user,1,2.0,,\n")
    g = _ingest_vertices(tmp_path, v)
    assert g["user"].feature_names == ["amount", "amount__missing", "age", "age__missing"]
    assert g["user"].x.tolist() == [[0.5, 0, 30, 0], [0, 1, 22, 0], [0.25, 0, 41, 0], [2.0, 0, 0, 1]]
    ref = read_neptune(tmp_path / "nep")
    assert list(ref.feature_names) == g["user"].feature_names
    assert np.array_equal(ref.x.numpy(), g["user"].x.numpy())


def test_type_without_any_feature_value_gets_a_bias_column(tmp_path):
    """A node type whose every property cell is empty is left with one constant ``bias`` feature (as in
    ``read_neptune``) rather than all-zero columns a model would read as real zeros."""
    v = ("~id,~label,label:Int,amount:Float,age:Int\n"
         "u1,user,0,0.5,30\nu2,user,1,1.5,22\nm1,shop,,,\nm2,shop,,,\n")
    g = _ingest_vertices(tmp_path, v)
    assert g["shop"].feature_names == ["bias"] and g["shop"].x.tolist() == [[1.0], [1.0]]
    assert g["user"].feature_names == ["amount", "age"]


def _csv_tables(tmp_path, rows: str):
    d = tmp_path / "tb"
    (d / "nodes").mkdir(parents=True)
    (d / "edges").mkdir()
    (d / "nodes" / "user.csv").write_text("id,label,amount,name,vip\n" + rows)
    (d / "edges" / "user__knows__user.csv").write_text("src,dst\n1,2\n2,3\n")
    return d


def test_csv_tables_leave_text_columns_out_of_the_features(tmp_path):
    """A text column in a CSV node table is left out (as in Parquet), not a crash deep in pyarrow."""
    d = _csv_tables(tmp_path, "1,0,0.5,ann,true\n2,1,1.5,bob,false\n3,0,0.25,cy,true\n")
    ingest(d, tmp_path / "s")
    g = to_pyg(open_store(tmp_path / "s"))
    assert g["user"].x.tolist() == [[0.5, 1.0], [1.5, 0.0], [0.25, 1.0]]


def test_csv_tables_non_number_after_the_first_block_is_one_line(tmp_path):
    rows = "".join(f"{i},0,{i}.5,n{i},true\n" for i in range(1, 6000)) + "6000,1,oops,z,false\n"
    d = _csv_tables(tmp_path, rows)
    with pytest.raises(DataError) as e:
        ingest(d, tmp_path / "s")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(d / "nodes" / "user.csv") + ": ") and "oops" in msg


def test_csv_tables_ragged_first_block_is_one_line(tmp_path):
    d = _csv_tables(tmp_path, "1,0,0.5,ann,true\n2,1,1.5\n")
    with pytest.raises(DataError) as e:
        ingest(d, tmp_path / "s")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(d / "nodes" / "user.csv") + ": cannot parse CSV")


EXPORT = Path(__file__).resolve().parents[2] / "examples" / "fraud_export"


def test_named_label_property_becomes_y_and_never_a_feature(tmp_path):
    """``--label is_fraud`` on the shipped export: the Bool property is the class (empty = unlabelled),
    not the ``is_fraud``/``is_fraud__missing`` feature columns it used to leak into."""
    from typer.testing import CliRunner

    from graphguard.cli import app

    r = CliRunner().invoke(app, ["ingest", str(EXPORT), "--out", str(tmp_path / "s"), "--label", "is_fraud",
                                 "--quiet"])
    assert r.exit_code == 0, r.output
    s = open_store(tmp_path / "s")
    assert s.target_node_type == "account"
    y = s.node_array("account", "y")
    assert (y == 1).sum() == 92 and (y == 0).sum() == 1717 and (y == -1).sum() == 191
    names = to_pyg(s)["account"].feature_names
    assert "verified" in names and not any("is_fraud" in n for n in names)


def test_named_label_property_that_does_not_exist_is_one_line(neptune, tmp_path):
    with pytest.raises(DataError) as e:
        ingest(neptune, tmp_path / "s", label="is_fraud")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"{neptune}: label property 'is_fraud' not found")


def test_graphguards_own_neptune_csv_ingests_with_dates_and_synthetic_marker(tmp_path):
    """``write_neptune`` (what ``graphguard augment`` writes) round-trips through ingest: its ``time:Date``
    values (``1970-03-06T03:42:28.157Z``) are read as times (they used to stop the run with "cannot
    parse CSV"), and ``is_synthetic`` is kept as a node marker, never a feature column."""
    import torch
    from torch_geometric.data import Data

    from graphguard.data.neptune import write_neptune

    t = torch.tensor([5542948.157, 0.0, 86400.5, 1.7e9], dtype=torch.float64)
    g = Data(x=torch.randn(4, 3), y=torch.tensor([0, 1, 0, 1]), node_time=t,
             is_synthetic=torch.tensor([False, False, True, True]),
             edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]), edge_time=torch.tensor([10.0, 2e6, 3.5]))
    write_neptune(g, tmp_path / "nep")
    ingest(tmp_path / "nep", tmp_path / "s")
    h = to_pyg(open_store(tmp_path / "s"))["node"]
    assert np.array_equal(np.floor(h.node_time.numpy()), np.floor(t.numpy()))
    assert h.is_synthetic.tolist() == [False, False, True, True]
    assert h.y.tolist() == [0, 1, 0, 1]
    assert h.feature_names == ["f0", "f1", "f2"]
    assert sorted(to_pyg(open_store(tmp_path / "s"))["node", "to", "node"].edge_time.tolist()) == \
        [3.5, 3.5, 10.0, 10.0, 2e6, 2e6]


def test_neptune_date_that_does_not_parse_is_one_line(tmp_path):
    d = tmp_path / "nep"
    d.mkdir()
    (d / "v.csv").write_text("~id,~label,time:Date,a:Int\nu1,user,2024-01-02,1\nu2,user,2024-13-45T00:00Z,2\n")
    (d / "e.csv").write_text("~id,~from,~to,~label\ne1,u1,u2,knows\n")
    with pytest.raises(DataError) as e:
        ingest(d, tmp_path / "s")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"{d / 'v.csv'}: ") and "2024-13-45" in msg


@pytest.mark.parametrize("vertices,edges", [
    # a 'time' Date is the time; another Date is a feature in days since 1970
    ("~id,~label,label:Int,time:Date,joined:Date\nu1,user,0,2024-01-02,2020-01-01\n"
     "u2,user,1,2024-01-03,\nu3,user,0,2024-01-04,2020-01-03T12:00:00Z\n",
     "~id,~from,~to,~label,time:Date\ne1,u1,u2,knows,2024-02-01\ne2,u2,u3,knows,2024-02-02\n"),
    # no 'time': the only Date is the time, on vertices and edges alike
    ("~id,~label,label:Int,joined:Date,age:Int\nu1,user,0,2020-01-01,30\nu2,user,1,,22\nu3,user,0,2020-01-03,41\n",
     "~id,~from,~to,~label,since:Date\ne1,u1,u2,knows,2024-02-01\ne2,u2,u3,knows,2024-02-02\n"),
], ids=["time-and-another-date", "only-date-is-the-time"])
def test_date_properties_match_the_in_memory_reader(tmp_path, vertices, edges):
    """A Date property not called ``time`` used to be dropped without a word; ingest now reads it as
    ``read_neptune`` does (a feature in days, or the time when it is the only Date)."""
    from graphguard.data.neptune import read_neptune

    d = tmp_path / "nep"
    d.mkdir()
    (d / "v.csv").write_text(vertices)
    (d / "e.csv").write_text(edges)
    ingest(d, tmp_path / "s")
    g, ref = to_pyg(tmp_path / "s"), read_neptune(d)
    assert g["user"].feature_names == list(ref.feature_names)
    assert np.allclose(g["user"].x.numpy(), ref.x.numpy())
    assert np.array_equal(g["user"].node_time.numpy(), ref.node_time.numpy(), equal_nan=True)
    et = ("user", "knows", "user")
    assert sorted(g[et].edge_time.tolist()) == sorted(ref.edge_time.tolist())


def test_neptune_properties_the_store_cannot_hold_are_named(tmp_path, monkeypatch):
    """Text and list properties (``Date[]`` too) used to vanish from an ingested store without a word."""
    from graphguard import _console

    said = []
    monkeypatch.setattr(_console, "log", said.append)
    d = tmp_path / "nep"
    d.mkdir()
    (d / "v.csv").write_text("~id,~label,age:Int,nick:String,visits:Date[]\n"
                             "a,user,30,ann,2024-01-01;2024-02-01\nb,user,40,bob,2024-03-01\n")
    (d / "e.csv").write_text("~id,~from,~to,~label\ne1,a,b,knows\n")
    ingest(d, tmp_path / "s")
    assert to_pyg(tmp_path / "s")["user"].feature_names == ["age"]
    assert any("left out" in m and "nick:String" in m and "visits:Date[]" in m for m in said), said


def test_ingest_keeps_epoch_second_edge_times_exactly(tmp_path):
    """Edge times were stored as float32: 2024 dates came back up to 64 s off (node times were exact)."""
    d = tmp_path / "nep"
    d.mkdir()
    (d / "v.csv").write_text("~id,~label\na,user\nb,user\nc,user\n")
    (d / "e.csv").write_text("~id,~from,~to,~label,time:Date\n"
                             "e1,a,b,knows,2024-02-01T10:00:37Z\ne2,b,c,knows,2024-02-01T10:00:38.5Z\n")
    (d / "p.csv").write_text("~id,~from,~to,~label,time:Double\ne3,a,c,pays,1700000063.25\n")
    ingest(d, tmp_path / "s")
    g = to_pyg(tmp_path / "s")
    knows = 1706781637.0
    assert sorted(g["user", "knows", "user"].edge_time.tolist()) == [knows, knows, knows + 1.5, knows + 1.5]
    assert g["user", "pays", "user"].edge_time.tolist() == [1700000063.25, 1700000063.25]


def _repeated_rows_export(tmp_path, layout="neptune"):
    """Seven ``knows`` rows among users (a->b twice, b->a, c->b, b->c, the loop d->d twice: 3 distinct
    edges) and two identical ``buys`` rows from a user to a shop, as Neptune CSV or as tables."""
    d = tmp_path / layout
    knows = [("a", "b"), ("a", "b"), ("b", "a"), ("c", "b"), ("d", "d"), ("d", "d"), ("b", "c")]
    if layout == "tables":
        (d / "nodes").mkdir(parents=True)
        (d / "edges").mkdir()
        (d / "nodes" / "user.csv").write_text("id,y,amount\na,0,1\nb,1,2\nc,0,3\nd,1,4\n")
        (d / "nodes" / "shop.csv").write_text("id\ns\n")
        (d / "edges" / "user__knows__user.csv").write_text(
            "src,dst,time\n" + "".join(f"{u},{v},{i + 1}\n" for i, (u, v) in enumerate(knows)))
        (d / "edges" / "user__buys__shop.csv").write_text("src,dst,time\na,s,8\na,s,9\n")
        return d
    d.mkdir()
    (d / "v.csv").write_text("~id,~label,label:Int,amount:Double\n"
                             "a,user,0,1\nb,user,1,2\nc,user,0,3\nd,user,1,4\ns,shop,,\n")
    (d / "e.csv").write_text("~id,~from,~to,~label,time:Double\n"
                             + "".join(f"e{i + 1},{u},{v},knows,{i + 1}\n" for i, (u, v) in enumerate(knows))
                             + "e8,a,s,buys,8\ne9,a,s,buys,9\n")
    return d


def test_ingest_keeps_the_edge_set_load_graph_reads(tmp_path):
    """Repeated and reversed rows of a same-type relation are one edge each way in both readers (ingest
    used to keep every copy, so the same CSV gave GCN scores that depended on the reader); the time is
    that of the first row naming the pair. Between two types both readers keep every row."""
    from graphguard.data.io import load_graph

    d = _repeated_rows_export(tmp_path)
    ingest(d, tmp_path / "s")
    stored, read = to_pyg(tmp_path / "s"), load_graph(d)

    def edges(g, et):
        ei, t = g[et].edge_index, g[et].edge_time
        return sorted(zip(ei[0].tolist(), ei[1].tolist(), t.tolist()))

    assert sorted(stored.edge_types) == sorted(read.edge_types)
    for et in read.edge_types:
        assert edges(stored, et) == edges(read, et), et
    assert edges(read, ("user", "knows", "user")) == [(0, 1, 1), (1, 0, 3), (1, 2, 7), (2, 1, 4), (3, 3, 5)]


@pytest.mark.parametrize("layout", ["neptune", "tables"])
def test_ingest_report_counts_the_edges_the_store_holds(tmp_path, layout):
    """The report's relations are the store's edge counts and ``edges_kept`` the distinct edges, with the
    repeated rows counted as merged (it used to count the raw rows: 7 ``knows`` edges kept where the store
    holds 3, i.e. 5 entries both ways)."""
    rep = ingest(_repeated_rows_export(tmp_path, layout), tmp_path / "s")
    s = open_store(tmp_path / "s")
    held = {"__".join(e["type"]): e["num_edges"] for e in s.meta["edge_types"]}
    assert rep.relations == held == {"user__knows__user": 5, "user__buys__shop": 2, "shop__rev_buys__user": 2}
    assert (rep.edge_rows, rep.edges_kept, rep.edges_merged, rep.edges_stored) == (9, 5, 4, 9)
    d = rep.as_dict()
    assert (d["edges_kept"], d["edges_merged"], d["edges_stored"], d["relations"]) == (5, 4, 9, held)
    assert s.meta["ingest"]["merged"] == 4


def test_directed_ingest_merges_no_rows(tmp_path):
    rep = ingest(_repeated_rows_export(tmp_path), tmp_path / "s", undirected=False)
    assert rep.relations == {"user__knows__user": 7, "user__buys__shop": 2}
    assert (rep.edges_kept, rep.edges_merged, rep.edges_stored) == (9, 0, 9)


def test_cli_ingest_says_how_many_rows_were_merged(tmp_path, neptune, monkeypatch):
    from typer.testing import CliRunner

    from graphguard import _console
    from graphguard.cli import app

    said = []
    monkeypatch.setattr(_console, "log", lambda m, *a, **k: said.append(str(m)))
    r = CliRunner().invoke(app, ["ingest", str(_repeated_rows_export(tmp_path)), "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    summary = [m for m in said if m.startswith("ingested")]
    assert len(summary) == 1 and "kept 5 edges (9 stored in 3 relations)" in summary[0], said
    assert "merged 4 repeated rows into existing edges" in summary[0], said
    assert sum("merged 4 repeated rows" in m for m in said) == 2, said  # ingest's own line and the summary

    said.clear()
    r = CliRunner().invoke(app, ["ingest", str(neptune), "--out", str(tmp_path / "s2")])
    assert r.exit_code == 0, r.output
    assert not any("merged" in m for m in said), said
