import numpy as np
import pandas as pd
import pytest
import torch

from graphguard.data import load_graph
from graphguard.data.tables import read_tables, write_tables


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_homogeneous(tmp_path, fraud_graph, fmt):
    g = fraud_graph.clone()
    g.is_synthetic = torch.arange(g.num_nodes) % 50 == 0
    write_tables(g, tmp_path, format=fmt)
    h = load_graph(tmp_path)  # detected as tables
    assert torch.equal(h.x, g.x) and torch.equal(h.y, g.y)
    assert torch.equal(h.node_time, g.node_time)  # CSV floats are written at full precision
    assert torch.equal(h.is_synthetic, g.is_synthetic)
    for m in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(h[m], g[m])
    assert list(h.node_id) == list(g.node_id)
    pairs = lambda d: sorted(zip(map(tuple, d.edge_index.t().tolist()), d.edge_time.tolist()))  # noqa: E731
    assert pairs(h) == pairs(g)


def test_round_trip_heterogeneous(tmp_path, hetero_fraud_graph):
    g = hetero_fraud_graph
    write_tables(g, tmp_path, format="parquet")
    h = read_tables(tmp_path)
    assert h.target_node_type == "review"
    for t in g.node_types:
        assert torch.equal(h[t].x, g[t].x)
    for et in g.edge_types:
        assert set(map(tuple, h[et].edge_index.t().tolist())) == set(map(tuple, g[et].edge_index.t().tolist()))


def test_types_relations_text_features_and_dates(tmp_path):
    pd.DataFrame({
        "id": ["u1", "u2", "u3", "s1"],
        "type": ["user", "user", "user", "shop"],
        "fraud": ["1", "0", "", ""],
        "time": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-01"],
        "age": ["31", "", "40", ""],
        "plan": ["gold", "free", "free", ""],
    }).to_csv(tmp_path / "nodes.csv", index=False)
    pd.DataFrame({"src": ["u1", "u2", "u1"], "dst": ["s1", "s1", "u3"], "relation": ["buys", "buys", "refers"],
                  "amount": [3.0, 4.5, np.nan]}).to_parquet(tmp_path / "edges.parquet")
    g = read_tables(tmp_path, label="fraud")
    assert g.target_node_type == "user" and g["user"].y.tolist() == [1, 0, -1]
    assert g["user"].feature_names == ["age", "age__missing", "plan=free", "plan=gold"]
    assert g["user"].node_time[1].item() - g["user"].node_time[0].item() == 86400
    assert set(g.edge_types) == {("user", "buys", "shop"), ("shop", "rev_buys", "user"), ("user", "refers", "user")}
    assert g["user", "buys", "shop"].edge_attr[:, 0].tolist() == [3.0, 4.5]
    assert g["user", "refers", "user"].edge_index.shape[1] == 2


def test_node_csv_with_utf8_bom_is_read(tmp_path):
    """Excel's "CSV UTF-8" starts the file with a BOM; it must not hide the ``id`` column."""
    (tmp_path / "nodes.csv").write_bytes(b"\xef\xbb\xbfid,label,amount\nn0,1,1.5\nn1,0,2.5\n")
    (tmp_path / "edges.csv").write_text("src,dst\nn0,n1\n")
    g = read_tables(tmp_path, label="label")
    assert list(g.node_id) == ["n0", "n1"] and g.y.tolist() == [1, 0]


def test_per_type_layout_with_ids_repeated_across_types(tmp_path):
    """nodes/<type>.* and edges/<src>__<rel>__<dst>.*, as ingest reads and generate writes: ids are
    unique within a type only, so an edge's endpoints are looked up in the types its file names."""
    (tmp_path / "nodes").mkdir()
    (tmp_path / "edges").mkdir()
    pd.DataFrame({"id": [1, 2, 3], "label": [1, 0, 0], "amount": [1.0, 2.0, 3.0]}).to_parquet(
        tmp_path / "nodes" / "account.parquet")
    (tmp_path / "nodes" / "shop.csv").write_text("id,rating\n1,4.5\n2,3\n")
    pd.DataFrame({"src": [1, 3], "dst": [2, 1], "time": [10.0, 20.0]}).to_parquet(
        tmp_path / "edges" / "account__pays__shop.parquet")
    (tmp_path / "edges" / "account__sends__account.csv").write_text("src,dst\n1,2\n")
    g = load_graph(tmp_path)
    assert g.target_node_type == "account" and g["account"].y.tolist() == [1, 0, 0]
    assert list(g["shop"].node_id) == ["1", "2"] and g["shop"].feature_names == ["rating"]
    assert g["account", "pays", "shop"].edge_index.tolist() == [[0, 2], [1, 0]]
    assert g["account", "pays", "shop"].edge_time.tolist() == [10.0, 20.0]
    assert g["account", "sends", "account"].edge_index.shape[1] == 2


def test_per_type_layout_edge_to_a_type_without_nodes(tmp_path):
    from graphguard.errors import DataError

    (tmp_path / "nodes").mkdir()
    (tmp_path / "edges").mkdir()
    (tmp_path / "nodes" / "account.csv").write_text("id\n1\n")
    (tmp_path / "edges" / "account__pays__shop.csv").write_text("src,dst\n1,1\n")
    with pytest.raises(DataError, match=r"account__pays__shop\.csv: node type 'shop' has no node table \(known: account\)"):
        read_tables(tmp_path)
