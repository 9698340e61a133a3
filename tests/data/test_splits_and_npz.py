import numpy as np
import pytest

from graphguard.data import gadbench_split, load_graph, trial_seed
from graphguard.data.npz import write_npz
from graphguard.errors import DataError


def test_trial_seeds_follow_gadbench():
    assert [trial_seed(i) for i in range(3)] == [3407, 3417, 3427]


def test_full_split_is_stratified_and_disjoint():
    y = np.array([0] * 900 + [1] * 100)
    tr, va, te = gadbench_split(y, "full", 0)
    assert not (tr & va).any() and not (tr & te).any() and not (va & te).any()
    assert (tr | va | te).all()
    assert y[tr].sum() == 40 and y[va].sum() == 20 and y[te].sum() == 40


def test_semi_split_sizes():
    y = np.array([0] * 900 + [1] * 100)
    tr, va, te = gadbench_split(y, "semi", 1)
    assert tr.sum() == 100 and y[tr].sum() == 20
    assert va.sum() == 100 and y[va].sum() == 20
    assert te.sum() == 800


def test_split_differs_by_trial():
    y = np.array([0] * 900 + [1] * 100)
    assert not np.array_equal(gadbench_split(y, "full", 0)[0], gadbench_split(y, "full", 1)[0])


def test_tolokers_npz_reads_with_published_counts(data_dir):
    g = load_graph(data_dir / "tolokers" / "tolokers.npz")
    assert g.num_nodes == 11758
    assert g.edge_index.shape[1] == 2 * 519000
    assert int(g.y.sum()) == 2566
    assert g.num_splits == 10
    assert abs(g.train_mask.float().mean().item() - 0.5) < 0.01


def test_npz_round_trip(tmp_path, fraud_graph):
    p = write_npz(fraud_graph, tmp_path / "g.npz")
    g = load_graph(p)
    assert g.num_nodes == fraud_graph.num_nodes
    assert np.array_equal(np.sort(g.edge_index.numpy(), 1), np.sort(fraud_graph.edge_index.numpy(), 1))
    assert np.array_equal(g.x.numpy(), fraud_graph.x.numpy())
    assert np.array_equal(g.train_mask.numpy(), fraud_graph.train_mask.numpy())


def _toy_graph_with_a_self_loop():
    import torch
    from torch_geometric.data import Data

    g = Data(x=torch.zeros(3, 2), y=torch.tensor([0, 1, 0]),
             edge_index=torch.tensor([[0, 1, 2, 1, 2], [1, 0, 2, 2, 1]]),
             edge_time=torch.tensor([5.0, 5.0, 7.0, 9.0, 9.0], dtype=torch.float64))
    g.num_nodes = 3
    return g


def test_npz_round_trip_keeps_a_self_loop_once(tmp_path):
    """A symmetric graph's self-loop survives write/read exactly once (the writer used to keep only
    ``a < b`` and drop it; the reader must not mirror it into a second copy either), and each edge
    keeps its own time (the writer used to store every time next to half the edges)."""
    g = _toy_graph_with_a_self_loop()
    h = load_graph(write_npz(g, tmp_path / "g.npz"))
    assert "directed" not in np.load(tmp_path / "g.npz").files
    def timed(graph):
        return sorted(zip(map(tuple, graph.edge_index.t().tolist()), graph.edge_time.tolist()))

    assert timed(h) == timed(g)


def test_npz_keeps_feature_names(tmp_path, fraud_graph):
    g = fraud_graph.clone()
    g.feature_names = [f"col{j}" for j in range(g.x.shape[1])]
    assert load_graph(write_npz(g, tmp_path / "g.npz")).feature_names == g.feature_names
    assert "feature_names" not in load_graph(write_npz(fraud_graph, tmp_path / "plain.npz"))


def test_npz_feature_names_of_the_wrong_length_is_one_line(tmp_path, fraud_graph):
    p = write_npz(fraud_graph, tmp_path / "g.npz")
    z = dict(np.load(p))
    z["feature_names"] = np.asarray(["only_one"])
    np.savez(p, **z)
    with pytest.raises(DataError, match=r"g\.npz: 'feature_names' has 1 names for \d+ feature columns"):
        load_graph(p)


def test_npz_missing_key_names_file_and_key(tmp_path):
    p = tmp_path / "bad.npz"
    np.savez(p, node_features=np.zeros((3, 2)), edges=np.zeros((1, 2), dtype=int))
    with pytest.raises(DataError, match=r"bad\.npz: missing key\(s\) node_labels"):
        load_graph(p)


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_graph(tmp_path / "nope.npz")


def test_npz_format_on_a_folder_without_npz_is_one_line(tmp_path):
    """``--format npz`` on a folder of other files (a Neptune export, say) names the folder, no StopIteration."""
    (tmp_path / "nodes.csv").write_text("~id,~label\na,account\n")
    with pytest.raises(DataError) as e:
        load_graph(tmp_path, format="npz")
    assert str(e.value) == f"{tmp_path}: no .npz file in this folder"
