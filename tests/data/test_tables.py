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
