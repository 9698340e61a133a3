import numpy as np
import pytest

from graphguard.data.graphset import load_graph_dataset, read_graphs, write_graphs
from graphguard.data.io import load_graph
from graphguard.data.tu import read_tu
from graphguard.errors import DataError
from graphguard.tasks.graph.protocols import murcko_scaffold, scaffold_split


def test_mutag_reads_as_published(data_dir):
    gs = load_graph(data_dir / "mutag")
    assert len(gs) == 188 and sum(int(g.y) == 1 for g in gs) == 125 and gs.classes == [-1, 1]
    assert gs[0].x.shape[1] == 7 and gs[0].edge_attr.shape[1] == 4
    assert sum(g.num_nodes for g in gs) == 3371 and sum(g.edge_index.shape[1] for g in gs) == 7442


def test_tu_errors_name_the_file(tmp_path):
    (tmp_path / "X_graph_indicator.txt").write_text("1\n1\n")
    with pytest.raises(DataError, match="missing X_A.txt"):
        read_tu(tmp_path)
    (tmp_path / "X_A.txt").write_text("1, 5\n")
    (tmp_path / "X_graph_labels.txt").write_text("1\n")
    with pytest.raises(DataError, match=r"X_A.txt: node ids must be within 1..2"):
        read_tu(tmp_path)


def test_bbbp_reads_with_default_target(data_dir):
    gs = load_graph_dataset(data_dir / "bbbp" / "bbbp.csv")
    assert len(gs) == 2039 and gs.target == "p_np" and sum(int(g.y) for g in gs) == 1560


def test_collection_round_trip(tmp_path, data_dir):
    gs = read_tu(data_dir / "mutag")[:5]
    p = write_graphs(gs, tmp_path / "m")
    back = read_graphs(p)
    assert str(p).endswith(".graphs.npz") and len(back) == 5
    for a, b in zip(gs, back):
        assert np.array_equal(a.x, b.x) and np.array_equal(a.edge_index, b.edge_index)
        assert np.array_equal(a.edge_attr, b.edge_attr) and int(a.y) == int(b.y)


def test_scaffold_split_keeps_scaffolds_apart():
    smiles = ["c1ccccc1CC", "c1ccccc1CCC", "c1ccccc1O", "C1CCCCC1N", "C1CCCCC1O", "c1ccncc1", "CCO", "CCN",
              "c1ccc2ccccc2c1", "C1CC1C"]
    tr, va, te = scaffold_split(smiles, frac=(0.6, 0.2, 0.2))
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(10))
    sc = [murcko_scaffold(s) for s in smiles]
    parts = [{sc[i] for i in p} for p in (tr, va, te)]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert set(tr.tolist()) >= {0, 1, 2}  # the largest scaffold group (benzene) goes to train
    a, b = scaffold_split(smiles, frac=(0.6, 0.2, 0.2), seed=1), scaffold_split(smiles, frac=(0.6, 0.2, 0.2), seed=2)
    assert any(not np.array_equal(x, y) for x, y in zip(a, b))


def _tu(folder, node_labels, graph_labels):
    """A TU folder X of path graphs: ``node_labels`` one list per graph, one graph label each."""
    folder.mkdir()
    gi, A, start = [], [], 1
    for k, nl in enumerate(node_labels):
        gi += [k + 1] * len(nl)
        A += [(start + i, start + i + 1) for i in range(len(nl) - 1)]
        start += len(nl)
    (folder / "X_graph_indicator.txt").write_text("\n".join(map(str, gi)) + "\n")
    (folder / "X_A.txt").write_text("\n".join(f"{a}, {b}" for a, b in A) + "\n")
    (folder / "X_node_labels.txt").write_text("\n".join(str(v) for nl in node_labels for v in nl) + "\n")
    (folder / "X_graph_labels.txt").write_text("\n".join(map(str, graph_labels)) + "\n")
    return folder


def test_tu_keeps_label_ids_and_reads_a_subset_with_the_given_encoding(tmp_path):
    full = read_tu(_tu(tmp_path / "full", [[0, 3, 7], [3, 3], [7, 0], [0, 0]], [-1, 1, 1, 2]))
    assert full.task == "classification" and [int(g.y) for g in full] == [-1, 1, 1, 2]  # 3 classes in 4 graphs
    assert full.encodings == {"node_labels": [[0, 3, 7]]}
    sub = read_tu(_tu(tmp_path / "sub", [[3, 3], [7, 7]], [1, 1]), encodings=full.encodings)
    assert [int(g.y) for g in sub] == [1, 1]
    assert sub[0].x.tolist() == [[0, 1, 0], [0, 1, 0]] and sub[1].x.tolist() == [[0, 0, 1], [0, 0, 1]]
    with pytest.raises(DataError, match=r"X_node_labels.txt: label 5 was not seen when the model was trained"):
        read_tu(_tu(tmp_path / "new", [[3, 5]], [1]), encodings=full.encodings)
