import numpy as np
import pandas as pd
import torch

from graphguard.data import load_graph
from graphguard.data.yelpchi import group_pairs, read_metadata, yelpchi_features


def test_rebuild_matches_published_counts(yelpchi):
    s = yelpchi["review"]
    assert s.num_nodes == 45954
    assert int(s.y.sum()) == 6677
    n_edges = {r: yelpchi["review", r, "review"].edge_index.shape[1] // 2 for r in ("rur", "rsr", "rtr")}
    assert n_edges == {"rur": 49315, "rsr": 3402743, "rtr": 206412}
    assert yelpchi.target_node_type == "review"
    assert s.node_time.dtype == torch.float64 and s.node_time.min() > 1.0e9  # epoch seconds, 2004 and later


def test_nodes_follow_care_gnn_order(yelpchi, yelpchi_path):
    raw = read_metadata(yelpchi_path)
    lines = np.array([int(i[1:]) for i in yelpchi["review"].node_id]) - 1
    users = raw["user"].to_numpy()[lines]
    block_start = np.r_[True, users[1:] != users[:-1]]
    assert block_start.sum() == 29431  # each user is one contiguous block
    kept = raw[raw.groupby("prod")["prod"].transform("size") <= 800]
    assert list(users[block_start]) == list(pd.unique(kept["user"]))  # users by first appearance


def test_relations_are_symmetric_and_loop_free(yelpchi):
    ei = yelpchi["review", "rur", "review"].edge_index
    assert (ei[0] != ei[1]).all()
    assert torch.equal(torch.sort(ei[0] * 10**6 + ei[1]).values, torch.sort(ei[1] * 10**6 + ei[0]).values)


def test_features_are_finite_and_do_not_read_the_label(yelpchi, yelpchi_path):
    x = yelpchi["review"].x
    assert torch.isfinite(x).all() and x.shape[1] == len(yelpchi["review"].feature_names) >= 40
    df = read_metadata(yelpchi_path).head(3000)
    shuffled = df.assign(label=np.random.default_rng(0).permutation(df["label"].to_numpy()))
    assert np.array_equal(yelpchi_features(df)[0], yelpchi_features(shuffled)[0])


def test_features_carry_signal(yelpchi):
    from xgboost import XGBClassifier

    from graphguard.data.splits import gadbench_split
    from graphguard.metrics import auroc

    s = yelpchi["review"]
    x, y = s.x.numpy(), s.y.numpy()
    tr, _, te = gadbench_split(y, "full", 0)
    m = XGBClassifier(n_estimators=30, max_depth=4, learning_rate=0.3, n_jobs=1).fit(x[tr], y[tr])
    assert auroc(y[te], m.predict_proba(x[te])[:, 1]) > 0.78


def test_homogeneous_union(yelpchi, yelpchi_path):
    g = load_graph(yelpchi_path, homo=True, relations=["rur", "rtr"])
    assert type(g).__name__ == "Data" and g.num_nodes == 45954
    n = g.num_nodes
    union = set()
    for r in ("rur", "rtr"):
        ei = yelpchi["review", r, "review"].edge_index
        union |= set((ei[0] * n + ei[1]).tolist())
    assert set((g.edge_index[0] * n + g.edge_index[1]).tolist()) == union
    assert torch.equal(g.x, yelpchi["review"].x)


def test_group_pairs_matches_brute_force():
    keys = np.random.default_rng(1).integers(0, 7, 60)
    a, b = group_pairs(keys)
    brute = {(i, j) for i in range(60) for j in range(i + 1, 60) if keys[i] == keys[j]}
    assert set(zip(a.tolist(), b.tolist())) == brute and len(a) == len(brute)
