"""The graph store: CSR round trip, memory-mapped opening, PyG views, bad folders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphguard.data.store import GraphStore, StoreWriter, homogeneous_view, open_store, to_pyg
from graphguard.errors import DataError


def test_csr_round_trip_keeps_every_edge_and_its_time(tmp_path):
    rng = np.random.default_rng(0)
    n_a, n_b, e = 500, 70, 5000
    src = rng.integers(0, n_a, e)
    dst = rng.integers(0, n_b, e)
    src[:10], dst[:10] = 3, 4  # duplicates are kept
    t = (src * 1000 + dst).astype(np.float32)  # a time that names its edge
    w = StoreWriter(tmp_path / "s")
    w.set_num_nodes("a", n_a)
    w.set_num_nodes("b", n_b)
    w.add_relation(("a", "r", "b"), src, dst, t)
    w.finish("a")
    s = open_store(tmp_path / "s")
    indptr, indices = s.csr(("a", "r", "b"))
    assert indices.dtype == np.int32 and indptr.shape == (n_b + 1,) and indptr[-1] == e
    assert isinstance(indices, np.memmap)
    g = to_pyg(s)
    ei = g["a", "r", "b"].edge_index.numpy()
    assert g["a", "r", "b"].edge_index.dtype == torch.int64
    got = sorted(zip(ei[0].tolist(), ei[1].tolist()))
    assert got == sorted(zip(src.tolist(), dst.tolist()))
    assert np.array_equal(g["a", "r", "b"].edge_time.numpy(), (ei[0] * 1000 + ei[1]).astype(np.float32))
    assert (np.diff(ei[1]) >= 0).all()  # grouped by destination


def test_undirected_relations_store_both_directions(tmp_path):
    w = StoreWriter(tmp_path / "s")
    w.set_num_nodes("u", 4)
    w.set_num_nodes("m", 2)
    w.add_undirected(("u", "knows", "u"), np.array([0, 1]), np.array([1, 2]))
    w.add_undirected(("u", "buys", "m"), np.array([3]), np.array([1]))
    w.finish("u")
    g = to_pyg(tmp_path / "s")
    assert sorted(map(tuple, g["u", "knows", "u"].edge_index.t().tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    assert g["m", "rev_buys", "u"].edge_index.tolist() == [[1], [3]]


def test_memory_mapped_open_does_not_read_the_feature_file(tmp_path):
    psutil = pytest.importorskip("psutil")
    n, f = 1_000_000, 16  # 64 MB of features
    w = StoreWriter(tmp_path / "s")
    w.set_num_nodes("n", n)
    x = w.node_array("n", "x", (n, f), np.float32)
    x[:] = 1.0
    x[123, :2] = [7.0, 8.0]
    x.flush()
    del x  # unmapped: the pages leave this process's RSS (they may stay in the page cache)
    w.finish("n")
    p = psutil.Process()
    mb = 2**20
    r0 = p.memory_info().rss
    g = to_pyg(tmp_path / "s", edge_index=False)
    opened = p.memory_info().rss - r0
    row = g["n"].x[123, :2].tolist()
    one_row = p.memory_info().rss - r0
    total = float(g["n"].x.sum())
    everything = p.memory_info().rss - r0
    assert row == [7.0, 8.0] and total == n * f - 2 + 15
    assert opened < 8 * mb and one_row < 8 * mb  # opening and reading a row touch a few pages
    assert everything > 48 * mb  # reading it all does page it in: the probe can see it


def test_views_are_backed_by_the_maps(small_store):
    g = homogeneous_view(small_store)
    s = GraphStore(small_store)
    assert g.num_nodes == s.num_nodes("account")
    assert g.edge_index.shape[1] == s.num_edges(("account", "transfers", "account"))
    x_map = s.node_array("account", "x")
    assert torch.equal(g.x[:5], torch.from_numpy(np.array(x_map[:5])))
    h = to_pyg(small_store, edge_index=False)
    assert "edge_index" not in h["account", "transfers", "account"]
    assert h.target_node_type == "account"


def test_bad_store_folders_are_one_line_errors(tmp_path):
    with pytest.raises(DataError, match="not a graphguard store"):
        open_store(tmp_path)
    (tmp_path / "graphguard_store.json").write_text("{broken")
    with pytest.raises(DataError, match="store metadata is not valid JSON"):
        open_store(tmp_path)
    w = StoreWriter(tmp_path / "s")
    w.set_num_nodes("u", 3)
    w.finish("u")
    with pytest.raises(DataError, match="no relation between 'u' nodes"):
        homogeneous_view(tmp_path / "s")


@pytest.mark.parametrize("with_time", [np.float32, np.float64, None])
def test_two_pass_csr_matches_one_counting_sort(monkeypatch, with_time):
    """The bucketed sort (big relations) gives exactly the one-pass result, order within a row kept;
    float64 times (epoch seconds) ride through it as input positions."""
    import graphguard.data.store as store

    rng = np.random.default_rng(1)
    n_dst, n_src, e = 3001, 800, 40_000
    dst = (n_dst * rng.random(e) ** 2).astype(np.int32)  # skewed: some buckets much fuller than others
    src = rng.integers(0, n_src, e).astype(np.int32)
    t = (1.7e9 + 1e6 * rng.random(e)).astype(with_time) if with_time else None
    one = store.build_csr(dst, src, n_dst, n_src, t)
    monkeypatch.setattr(store, "BUCKETED_MIN", 1)
    cut = [0, 7, 19_000, e]  # chunk lists, as ingestion hands them over
    parts = lambda a: None if a is None else [a[i:j] for i, j in zip(cut, cut[1:])]  # noqa: E731
    for threads in (1, 2):
        two = store.build_csr(parts(dst), parts(src), n_dst, n_src, parts(t), threads=threads)
        assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
        assert (one[2] is None and two[2] is None) or np.array_equal(one[2], two[2])
    assert np.array_equal(np.diff(one[0]), np.bincount(dst, minlength=n_dst))


def test_feature_names_survive_a_store_round_trip(tmp_path, fraud_graph):
    from graphguard.data.store import save_store

    g = fraud_graph.clone()
    g.feature_names = [f"col{j}" for j in range(g.x.shape[1])]
    back = homogeneous_view(save_store(g, tmp_path / "s"))
    assert back.feature_names == g.feature_names
    assert np.array_equal(back.x.numpy(), g.x.numpy())


def _epoch_second_graph():
    """Edge times in epoch seconds, one second apart: float32 holds them only to within 64-128 s."""
    from torch_geometric.data import Data

    ei = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 0]])
    t = torch.tensor([1_700_000_036.0, 1_700_000_037.0, 1_700_000_100.5, 1_731_000_063.0, 1_000.0], dtype=torch.float64)
    return Data(x=torch.zeros(5, 2), edge_index=ei, edge_time=t, node_time=t.clone(), num_nodes=5)


def test_save_store_keeps_epoch_second_edge_times_exactly(tmp_path):
    """Edge times went through float32 and came back off by up to 64 s, while node times were exact."""
    from graphguard.data.store import save_store

    g = _epoch_second_graph()
    back = to_pyg(save_store(g, tmp_path / "s"))["node", "to", "node"]
    src, dst = back.edge_index
    want = {(int(a), int(b)): float(t) for a, b, t in zip(*g.edge_index, g.edge_time)}
    got = {(int(a), int(b)): float(t) for a, b, t in zip(src, dst, back.edge_time)}
    assert got == want and back.edge_time.dtype == torch.float64


def test_edge_times_exact_in_float32_stay_float32_for_the_fast_csr_sort(tmp_path):
    """Times that float32 holds exactly (the generator's relative times, small whole numbers) keep the
    4-byte layout the two-pass CSR sort needs; only times float32 would round are widened."""
    from torch_geometric.data import Data

    from graphguard.data.store import save_store

    ei = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    for t, dtype in ((torch.tensor([0.25, 0.5, 3.0, 7.0], dtype=torch.float64), np.float32),
                     (torch.tensor([0.1, 0.5, 3.0, 7.0], dtype=torch.float64), np.float64)):
        path = save_store(Data(x=torch.zeros(4, 1), edge_index=ei, edge_time=t, num_nodes=4), tmp_path / str(dtype))
        stored = np.load(path / "edges" / "node__to__node" / "edge_time.npy")
        assert stored.dtype == dtype
        back = to_pyg(path)["node", "to", "node"]
        got = {(int(a), int(b)): float(x) for a, b, x in zip(*back.edge_index, back.edge_time)}
        assert got == {(int(a), int(b)): float(x) for a, b, x in zip(*ei, t)}


def test_a_store_written_with_float32_edge_times_still_opens(tmp_path):
    from graphguard.data.store import save_store

    path = save_store(_epoch_second_graph(), tmp_path / "s")
    f = path / "edges" / "node__to__node" / "edge_time.npy"
    np.save(f, np.load(f).astype(np.float32))  # as stores were written before
    back = to_pyg(path)["node", "to", "node"]
    assert back.edge_time.dtype == torch.float32 and back.edge_time.shape == (5,)


def test_save_store_names_the_edge_attributes_it_leaves_out(tmp_path, monkeypatch):
    """edge_attr vanished without a word; with as many edges as nodes it was even stored as a node array."""
    from graphguard import _console
    from graphguard.data.store import save_store

    said = []
    monkeypatch.setattr(_console, "log", said.append)
    g = _epoch_second_graph()
    g.edge_attr = torch.ones(5, 3)  # 5 edges and 5 nodes
    path = save_store(g, tmp_path / "s")
    assert len(said) == 1 and said[0].endswith("edge attributes left out (a store keeps the edges and their "
                                               "edge_time only): edge_attr"), said
    assert "edge_attr" not in to_pyg(path)["node"]
    said.clear()
    save_store(_epoch_second_graph(), tmp_path / "s2")
    assert said == []
    h = g.to_heterogeneous(node_type_names=["acct"], edge_type_names=[("acct", "pays", "acct")])
    save_store(h, tmp_path / "s3")
    assert said[0].endswith(": edge_attr (pays)"), said


@pytest.mark.parametrize("bucketed,with_time", [(False, True), (True, True), (True, False), ("keys too wide", True),
                                               (True, "epoch seconds")])
def test_undirected_same_type_relation_stores_each_pair_once_with_its_first_time(tmp_path, monkeypatch, bucketed,
                                                                                 with_time):
    """As ``read_neptune``/``read_tables`` build it: repeated and reversed edges give one entry per
    direction, with the time of the first row naming it (forward rows first, then the reversed ones).
    Bucketed, the buckets drop repeats themselves (one sort of packed keys each); when the keys would
    not fit in int64, the whole-CSR row sort does it."""
    import graphguard.data.store as store

    if bucketed:
        monkeypatch.setattr(store, "BUCKETED_MIN", 1)
    if bucketed == "keys too wide":
        monkeypatch.setattr(store, "KEY_BITS", 0)
    rng = np.random.default_rng(2)
    n, e = 300, 4000
    src, dst = rng.integers(0, n, e).astype(np.int32), rng.integers(0, n, e).astype(np.int32)
    t = np.arange(e, dtype=np.float32)  # a time that names its row
    if with_time == "epoch seconds":  # float64 in the store (not exact in float32): the bucketed pass carries slots
        t = 1.7e9 + np.arange(e, dtype=np.float64) + 0.5
    first: dict = {}
    for a, b, tt in zip(np.concatenate([src, dst]), np.concatenate([dst, src]), np.concatenate([t, t])):
        first.setdefault((int(a), int(b)), float(tt))
    chunks = lambda a: [a[:1000], a[1000:]]  # noqa: E731
    for threads in (1, 2):
        monkeypatch.setattr("graphguard.utils.threads._threads", threads)  # the row sort splits over threads
        w = StoreWriter(tmp_path / f"s{threads}")
        w.set_num_nodes("u", n)
        w.add_undirected(("u", "r", "u"), chunks(src), chunks(dst), chunks(t) if with_time else None)
        w.finish("u")
        s = open_store(tmp_path / f"s{threads}")
        indptr, indices = s.csr(("u", "r", "u"))
        rows = np.repeat(np.arange(n), np.diff(indptr))
        assert s.num_edges(("u", "r", "u")) == indices.size == len(first)
        assert all((np.diff(indices[a:b]) > 0).all() for a, b in zip(indptr[:-1], indptr[1:]))
        if with_time:
            times = s.edge_array(("u", "r", "u"), "edge_time")
            assert {(int(a), int(b)): float(tt) for a, b, tt in zip(indices, rows, times)} == first
        else:
            assert set(zip(indices.tolist(), rows.tolist())) == set(first)
