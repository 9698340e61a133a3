import gzip

import numpy as np
import pandas as pd
import pytest
import torch

from graphguard.data import load_graph
from graphguard.data.neptune import read_neptune, write_neptune, write_neptune_predictions
from graphguard.errors import DataError


def test_typed_properties_become_features_labels_and_time(neptune_dir):
    g = read_neptune(neptune_dir, label="is_fraud")
    assert g.target_node_type == "account"
    acc = g["account"]
    assert list(acc.node_id) == ["a1", "a2", "a3", "a4"]  # files in name order, rows in file order
    assert acc.y.tolist() == [1, 0, -1, 0]
    names = acc.feature_names
    col = {n: acc.x[:, i].tolist() for i, n in enumerate(names)}
    assert col["age"] == [30, 0, 45, 22] and col["age__missing"] == [0, 1, 0, 0]
    assert col["country=US"] == [1, 0, 1, 0] and col["country=DE"] == [0, 0, 0, 1]
    assert col["scores"] == [2, 0, 4, 0] and col["scores_count"] == [3, 0, 1, 0]
    assert col["tags=new"] == [1, 1, 0, 0] and col["tags=vip"] == [1, 0, 0, 0]
    assert "is_fraud" not in names and "joined" not in names
    assert acc.node_time[1].item() == pd.Timestamp("2020-02-01T10:00:00Z").timestamp()
    assert g["merchant"].feature_names == ["risk"]
    pays = g["account", "pays", "merchant"]
    assert pays.edge_index.tolist() == [[0, 1, 3], [0, 1, 0]]
    assert pays.edge_attr_names == ["amount"] and pays.edge_attr[:, 0].tolist() == [10.5, 3.0, 7.25]
    assert pays.edge_time[0].item() == pd.Timestamp("2020-05-01", tz="UTC").timestamp()
    assert list(pays.edge_id) == ["p1", "p2", "p3"]
    assert g["merchant", "rev_pays", "account"].edge_index.tolist() == [[0, 1, 0], [0, 1, 3]]
    knows = g["account", "knows", "account"].edge_index
    assert sorted(map(tuple, knows.t().tolist())) == [(0, 1), (1, 0), (2, 3), (3, 2)]


def test_directed_read_keeps_edges_as_written(neptune_dir):
    g = read_neptune(neptune_dir, label="is_fraud", undirected=False)
    assert ("merchant", "rev_pays", "account") not in g.edge_types
    assert g["account", "knows", "account"].edge_index.shape[1] == 2


def test_one_vertex_and_one_edge_label_give_data(tmp_path, write_file):
    write_file(tmp_path / "v.csv", """
    ~id,name,label:Int
    x,a,1
    y,b,0
    z,,
    """)
    write_file(tmp_path / "e.csv.gz", """
    ~id,~from,~to,~label
    e1,x,y,link
    e2,y,z,link
    """)
    g = load_graph(tmp_path)  # detected as neptune; 'label' used by default
    assert type(g).__name__ == "Data"
    assert g.y.tolist() == [1, 0, -1]
    assert g.edge_index.shape[1] == 4
    assert g.feature_names == ["name=a", "name=b"]  # untyped column is a String


def test_string_vocabulary_is_bounded_and_identifiers_are_dropped(tmp_path):
    n = 400
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"~id": [f"v{i}" for i in range(n)], "~label": "user",
                       "city:String": rng.choice([f"c{i}" for i in range(20)], n),
                       "email:String": [f"u{i}@x" for i in range(n)]})
    df.to_csv(tmp_path / "v.csv", index=False)
    g = read_neptune(tmp_path, max_categories=5)
    assert len(g.feature_names) == 6 and g.feature_names[-1] == "city=<other>"
    assert not any(f.startswith("email") for f in g.feature_names)
    assert torch.all(g.x.sum(1) == 1)


def test_round_trip_homogeneous(tmp_path, fraud_graph):
    g = fraud_graph.clone()
    g.is_synthetic = torch.zeros(g.num_nodes, dtype=torch.bool)
    g.is_synthetic[:7] = True
    files = write_neptune(g, tmp_path / "out")
    head = files[0].read_text().splitlines()[0]
    assert head.startswith("~id,~label,f0:Float") and "is_synthetic:Bool" in head and "label:Int" in head
    h = read_neptune(tmp_path / "out", label="label")
    assert torch.equal(h.x, g.x) and torch.equal(h.y, g.y)
    for m in ("train_mask", "val_mask", "test_mask"):
        assert torch.equal(h[m], g[m])
    assert torch.equal(h.is_synthetic, g.is_synthetic)
    assert torch.allclose(h.node_time, g.node_time, atol=1e-3)
    assert list(h.node_id) == list(g.node_id)
    assert set(map(tuple, h.edge_index.t().tolist())) == set(map(tuple, g.edge_index.t().tolist()))
    assert h.edge_index.shape == g.edge_index.shape


def test_round_trip_heterogeneous(tmp_path, hetero_fraud_graph):
    g = hetero_fraud_graph
    write_neptune(g, tmp_path / "out")
    h = read_neptune(tmp_path / "out")
    assert h.target_node_type == "review"
    for t in g.node_types:
        assert torch.equal(h[t].x, g[t].x)
        assert list(h[t].node_id) == list(g[t].node_id)
    assert torch.equal(h["review"].y, g["review"].y)
    for et in g.edge_types:
        a = set(map(tuple, g[et].edge_index.t().tolist()))
        assert set(map(tuple, h[et].edge_index.t().tolist())) == a


def test_predictions_are_new_vertex_properties(tmp_path):
    p = write_neptune_predictions(["a1", "a2"], [0.9, 0.1], [1, 0], tmp_path / "pred.csv.gz",
                                  vertex_label="account")
    with gzip.open(p, "rt") as f:
        lines = f.read().splitlines()
    assert lines[0] == "~id,~label,pred_score:Double,pred_label:Int"
    assert lines[1] == "a1,account,0.9,1"
    back = load_graph(p)  # a single file of the same format, detected from its header
    assert back.feature_names == ["pred_score", "pred_label"]
    assert back.x[:, 0].tolist() == pytest.approx([0.9, 0.1])


def test_predictions_with_mismatched_lengths_fail(tmp_path):
    with pytest.raises(DataError, match=r"pred\.csv: 2 ids, 1 scores and 2 labels"):
        write_neptune_predictions(["a", "b"], [0.5], [1, 0], tmp_path / "pred.csv")


def test_bad_value_names_file_line_and_type(tmp_path, write_file):
    write_file(tmp_path / "v.csv", """
    ~id,age:Int
    a,3
    b,old
    """)
    with pytest.raises(DataError, match=r"v\.csv: line 3: property 'age' value 'old' is not a Int$"):
        read_neptune(tmp_path)


def test_unknown_type_in_header(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,age:Integerish\na,3\n")
    with pytest.raises(DataError, match=r"v\.csv: column 'age:Integerish' has unknown type"):
        read_neptune(tmp_path)


def test_named_label_property_must_exist(neptune_dir):
    with pytest.raises(DataError, match=r"label property 'fraud' not found in any vertex file"):
        read_neptune(neptune_dir, label="fraud")


def test_vertex_with_several_labels_takes_the_first(tmp_path, write_file):
    write_file(tmp_path / "v.csv", "~id,~label\na,person;vip\nb,shop\n")
    write_file(tmp_path / "e.csv", "~id,~from,~to,~label\ne1,a,b,visits\n")
    g = read_neptune(tmp_path)
    assert sorted(g.node_types) == ["person", "shop"]


def test_writer_refuses_ids_shared_by_two_vertex_labels(tmp_path, hetero_fraud_graph):
    g = hetero_fraud_graph.clone()
    g["user"].node_id = np.asarray(g["review"].node_id[: g["user"].num_nodes])
    with pytest.raises(DataError, match=r"vertex id 'n0' is used twice"):
        write_neptune(g, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_split_property_reads_cardinality_arrays_and_escaped_colons():
    from graphguard.data.neptune import split_property

    assert split_property("age:Int(single)") == ("age", "Int", False)
    assert split_property("tags:String[](set)") == ("tags", "String", True)
    assert split_property("a\\:b:Date") == ("a:b", "Date", False)
    assert split_property("note") == ("note", None, False)


def test_generated_neptune_folder_with_quoted_headers_is_detected(tmp_path):
    """``graphguard generate --format neptune`` quotes its header names (``"~id","~label",...``); the
    folder is still recognised as Neptune CSV (it used to fall through to tables: "missing nodes.csv")."""
    from graphguard.data.generate import generate
    from graphguard.data.io import detect_format

    generate(tmp_path / "g", 300, 2000, seed=1, format="neptune")
    assert (tmp_path / "g" / "nodes_account.csv").read_text().startswith('"~id"')
    assert detect_format(tmp_path / "g") == "neptune"
    g = load_graph(tmp_path / "g")
    assert g["account"].num_nodes == 240 and int(g["account"].y.sum()) > 0


def test_vertex_file_with_utf8_bom_is_read(neptune_dir):
    """Excel's "CSV UTF-8" starts the file with a BOM; it must not hide ``~id`` (nor the format)."""
    f = neptune_dir / "accounts_1.csv"
    f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    g = load_graph(neptune_dir, label="is_fraud")  # detected as neptune through the BOM
    assert list(g["account"].node_id) == ["a1", "a2", "a3", "a4"]
    assert g["account"].y.tolist() == [1, 0, -1, 0]


@pytest.mark.parametrize("name,content,fmt", [
    ("v.csv", b"~id,~label,age:Int\na,user,3\n", "neptune"),
    ("e.csv", b"~from,~to\na,b\n", "neptune"),
    ("e2.csv", b"~label,~from,~to\nx,a,b\n", "neptune"),
    ("q.csv", b'"~id","~label"\n"a","user"\n', "neptune"),
    ("bom.csv", b"\xef\xbb\xbf~id,~label\na,user\n", "neptune"),
    ("v.csv.gz", gzip.compress(b"~id,~label\na,user\n"), "neptune"),
    ("latin1.csv", b"~id,name\na,Jos\xe9\n", "neptune"),  # not UTF-8 further down: the header still tells
    ("mols.csv", b"SMILES,label\nCCO,1\n", "smiles"),
    ("plain.csv", b"id,label\na,1\n", None),
    ("empty.csv", b"", None),
])
def test_detect_format_of_one_csv_file(tmp_path, name, content, fmt):
    """Format detection reads the header through ``neptune.read_header``; this pins what it decides."""
    from graphguard.data.io import detect_format
    from graphguard.errors import DataError

    p = tmp_path / name
    p.write_bytes(content)
    if fmt is None:
        with pytest.raises(DataError, match="cannot tell the format"):
            detect_format(p)
    else:
        assert detect_format(p) == fmt
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / name).write_bytes(content)
    assert detect_format(folder) == ("neptune" if fmt == "neptune" else "tables")


def test_repeated_edge_id_with_same_ends_is_one_edge_with_merged_properties(tmp_path, write_file):
    # Neptune's loader: same ~id, same ends and label = the same edge; the repeat only fills empty properties
    write_file(tmp_path / "v.csv", "~id,~label\nu1,user\nu2,user\nm1,shop\n")
    write_file(tmp_path / "e.csv", "~id,~from,~to,~label,w:Double\n"
                                   "p1,u1,m1,pays,\np2,u2,m1,pays,5.0\np1,u1,m1,pays,3.0\n")
    g = read_neptune(tmp_path)
    s = g["user", "pays", "shop"]
    assert s.edge_index.tolist() == [[0, 1], [0, 0]]
    assert s.edge_id.tolist() == ["p1", "p2"]
    assert s.edge_attr[:, 0].tolist() == [3.0, 5.0]
