"""GADBench splits of an augmented file: synthetic nodes are training data, never validation or test."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.augment import RandomOversampler
from graphguard.data.splits import gadbench_ratios
from graphguard.data.synthetic import make_fraud_graph
from graphguard.tasks.node.protocol import ProtocolConfig, trial_masks


@pytest.fixture(scope="module")
def real_and_augmented():
    real = make_fraud_graph(num_nodes=1500, fraud_ratio=0.08, seed=3)
    aug = RandomOversampler(ratio=1.0, seed=0).augment(real)
    assert aug.is_synthetic.sum() > 0
    return real, aug


@pytest.mark.parametrize("protocol", ["full", "semi"])
def test_resplitting_keeps_synthetic_nodes_in_training(real_and_augmented, protocol):
    real, aug = real_and_augmented
    n = real.num_nodes
    cfg = ProtocolConfig(protocol=protocol)
    for trial in range(3):
        tr, va, te = trial_masks(aug, cfg, trial)
        syn = aug.is_synthetic.numpy()
        assert tr[syn].all() and not va[syn].any() and not te[syn].any()
        # the real nodes get exactly the split they get without augmentation
        for got, want in zip((tr, va, te), trial_masks(real, cfg, trial)):
            assert np.array_equal(got[:n], want)


@pytest.mark.parametrize("path,ratios", [
    ("data/tolokers", (0.5, 0.25, 0.25)),               # GADBench's preprocess.ipynb: 0.5 / 0.25 / rest
    ("data/tolokers/tolokers.npz", (0.5, 0.25, 0.25)),
    ("data/Questions/graph.npz", (0.5, 0.25, 0.25)),
    ("data/t-finance", (0.4, 0.2, 0.4)),
    ("data/T_Social.npz", (0.4, 0.2, 0.4)),
    ("data/yelpchi", (0.4, 0.2, 0.4)),                   # not one of GADBench's ratio datasets: the default
    ("my_graph.npz", (0.4, 0.2, 0.4)),
])
def test_full_protocol_ratios_follow_gadbench_per_dataset(path, ratios):
    assert gadbench_ratios(path) == ratios


@pytest.mark.parametrize("path,kind", [
    ("data/tolokers/tolokers.npz", "stratified"),       # GADBench draws its own 50/25/25 splits, not the file's
    ("data/t-finance", "stratified"),
    ("shared/data/yelpchi/metadata.gz", "official"),    # DGL's FraudYelpDataset split, the same in all trials
    ("data/yelp", "official"),                          # GADBench's own file name
    ("Amazon.mat", "official"),
    ("data/elliptic/graph.npz", "official"),
    ("DGraph-Fin.npz", "official"),
    ("my_graph.npz", "stratified"),
])
def test_full_protocol_split_kind_follows_gadbench_per_dataset(path, kind):
    from graphguard.data.splits import gadbench_full_split

    assert gadbench_full_split(path) == kind


def _without_masks(g):
    g = g.clone()
    for m in ("train_mask", "val_mask", "test_mask"):
        del g[m]
    return g


def test_official_yelpchi_split_is_dgls_seed_717_split_in_every_trial():
    g = _without_masks(make_fraud_graph(num_nodes=1000, seed=1))
    cfg = ProtocolConfig(masks="official", dataset="yelpchi")
    tr, va, te = trial_masks(g, cfg, 0)
    perm = np.random.RandomState(717).permutation(1000)   # DGL FraudDataset._random_split: 70 % / rest / last 10 %
    assert np.array_equal(np.flatnonzero(tr), np.sort(perm[:700]))
    assert np.array_equal(np.flatnonzero(va), np.sort(perm[900:]))
    assert np.array_equal(np.flatnonzero(te), np.sort(perm[700:900]))
    for trial in (1, 4):
        assert all(np.array_equal(a, b) for a, b in zip(trial_masks(g, cfg, trial), (tr, va, te)))


def test_official_amazon_split_leaves_out_the_first_3305_unlabelled_users():
    g = _without_masks(make_fraud_graph(num_nodes=4000, seed=1))
    tr, va, te = trial_masks(g, ProtocolConfig(masks="official", dataset="amazon"), 0)
    assert not (tr | va | te)[:3305].any() and (tr | va | te)[3305:].all()
    assert (tr.sum(), va.sum()) == (int(0.7 * 695), int(0.1 * 695))


def test_official_split_of_data_with_masks_is_its_split_0_in_every_trial():
    g = make_fraud_graph(num_nodes=1000, seed=1)
    cfg = ProtocolConfig(masks="official", dataset="elliptic")
    for trial in (0, 3):
        got = trial_masks(g, cfg, trial)
        assert all(np.array_equal(a, g[m].numpy()) for a, m in zip(got, ("train_mask", "val_mask", "test_mask")))


def test_official_split_without_masks_or_a_recipe_is_one_line_error():
    from graphguard.errors import DataError

    g = _without_masks(make_fraud_graph(num_nodes=500, seed=1))
    with pytest.raises(DataError, match="elliptic on its official split and the data carries no split masks"):
        trial_masks(g, ProtocolConfig(masks="official", dataset="elliptic"), 0, source="elliptic.npz")


@pytest.mark.parametrize("name", ["tolokers.npz", "yelpchi.npz", "my_graph.npz"])
@pytest.mark.parametrize("protocol", ["full", "semi"])
def test_train_and_evaluate_masks_are_bench_trial_zero(tmp_path, name, protocol):
    """`node train/evaluate --masks full|semi` use the split `node bench` draws in its first trial for
    the dataset (they used 40/20/40 everywhere, so a Tolokers model was trained on another split)."""
    from graphguard.cli_node import _apply_masks, _bench_split
    from graphguard.data.splits import gadbench_dataset

    g = make_fraud_graph(num_nodes=1200, fraud_ratio=0.08, seed=5)
    path = tmp_path / name
    split, ratios = _bench_split(protocol, "gadbench", None, path, g)
    cfg = ProtocolConfig(protocol=protocol, masks="official" if split.startswith("official") else "gadbench",
                         ratios=ratios or (0.4, 0.2, 0.4), dataset=gadbench_dataset(path))
    got = _apply_masks(g, protocol, 0, path)
    for mask, want in zip((got.train_mask, got.val_mask, got.test_mask), trial_masks(g, cfg, 0)):
        assert np.array_equal(mask.numpy(), want)
    if protocol == "full" and name == "tolokers.npz":
        assert got.train_mask.sum().item() == pytest.approx(0.5 * g.num_nodes, abs=2)
