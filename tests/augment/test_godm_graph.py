"""What GODM hands back: types and shapes, the split rule, and an untouched input graph."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from graphguard.augment import GODM, GODMConfig
from graphguard.errors import ConfigError, NotFittedError


def test_hetero_augmented_graph_shapes_and_types(small_hetero, fitted_hetero):
    g = small_hetero
    a = fitted_hetero.augment(g, ratio=0.5, merge="connected")
    r0, r = g["review"], a["review"]
    n0 = r0.num_nodes
    n_train_fraud = int((r0.train_mask & (r0.y == 1)).sum())
    n_syn = int(round(0.5 * n_train_fraud))
    assert r.num_nodes == n0 + n_syn
    assert r.x.shape == (n0 + n_syn, r0.x.shape[1]) and r.x.dtype == torch.float32
    assert r.y.dtype == torch.int64 and (r.y[n0:] == 1).all()
    assert r.is_synthetic.dtype == torch.bool and r.is_synthetic[n0:].all() and not r.is_synthetic[:n0].any()
    assert r.node_time.shape == (n0 + n_syn,) and r.node_time.dtype == r0.node_time.dtype
    lo, hi = float(r0.node_time.min()), float(r0.node_time.max())
    assert float(r.node_time[n0:].min()) >= lo - 1e-6 and float(r.node_time[n0:].max()) <= hi + 1e-6
    assert list(r.node_id[n0:][:2]) == ["syn0", "syn1"]
    assert torch.equal(a["user"].x, g["user"].x)
    for et in g.edge_types:
        ei = a[et].edge_index
        assert ei.dtype == torch.long
        assert int(ei[0].max()) < a[et[0]].num_nodes and int(ei[1].max()) < a[et[2]].num_nodes
        assert torch.equal(ei[:, : g[et].edge_index.shape[1]], g[et].edge_index)  # real edges first, unchanged
        if "edge_time" in g[et]:
            assert a[et].edge_time.shape[0] == ei.shape[1]
    rel = a["review", "related", "review"].edge_index
    new = rel[:, g["review", "related", "review"].edge_index.shape[1]:]
    assert (new[0] >= n0).any() and ((new[0] >= n0) & (new[1] < n0)).any(), "synthetic nodes wired to real ones"
    # the mirrored relation stays the exact flip of its partner
    w, wb = a["user", "writes", "review"].edge_index, a["review", "written_by", "user"].edge_index
    assert w.shape[1] > g["user", "writes", "review"].edge_index.shape[1]
    assert torch.equal(torch.sort(w[0] * 10**6 + w[1]).values, torch.sort(wb[1] * 10**6 + wb[0]).values)


def test_synthetic_nodes_only_in_training_and_input_untouched(small_homo, fitted_homo):
    g = small_homo
    before = {k: (v.clone() if isinstance(v, torch.Tensor) else np.copy(v)) for k, v in g.items()}
    a = fitted_homo.augment(g)
    syn = a.is_synthetic
    assert syn.sum() > 0
    assert a.train_mask[syn].all()
    assert not (a.val_mask | a.test_mask)[syn].any()
    assert a.val_mask[: g.num_nodes].sum() == g.val_mask.sum() and a.test_mask[: g.num_nodes].sum() == g.test_mask.sum()
    for k, v in g.items():
        assert (torch.equal(v, before[k]) if isinstance(v, torch.Tensor) else np.array_equal(v, before[k])), k
    assert "is_synthetic" not in g


def test_connected_merge_keeps_an_undirected_input_symmetric(small_homo, fitted_homo):
    ei = fitted_homo.augment(small_homo, merge="connected").edge_index
    n = int(ei.max()) + 1
    assert torch.equal(torch.sort(ei[0] * n + ei[1]).values, torch.sort(ei[1] * n + ei[0]).values)


def test_disconnected_merge_links_only_synthetic_nodes(small_homo, fitted_homo):
    a = fitted_homo.augment(small_homo, merge="disconnected")
    n0 = small_homo.num_nodes
    new = a.edge_index[:, small_homo.edge_index.shape[1]:]
    assert new.numel() and (new >= n0).all()


def _in_edges(ei: torch.Tensor, n_src: int) -> torch.Tensor:
    return torch.sort(ei[1] * (n_src + 10**6) + ei[0]).values


@pytest.mark.parametrize("which", ["homo", "hetero"])
def test_inbound_merge_leaves_every_real_target_neighbourhood_unchanged(which, small_homo, fitted_homo, small_hetero,
                                                                         fitted_hetero):
    """Inbound wiring = the connected wiring minus the synthetic -> real target edges: real target nodes
    read the real graph; edges to other types (a review's author) stay, so mirrored pairs stay mirrored."""
    g, model = (small_homo, fitted_homo) if which == "homo" else (small_hetero, fitted_hetero)
    a = model.augment(g, merge="inbound")
    c = model.augment(g, merge="connected")
    stores = [(None, g, a, c)] if which == "homo" else [(et, g[et], a[et], c[et]) for et in g.edge_types]
    target = "review"
    n0 = g.num_nodes if which == "homo" else g[target].num_nodes
    into_syn = to_other = 0
    for et, real, inb, con in stores:
        src_t, dst_t = (target, target) if et is None else (et[0], et[2])
        ei, eic = inb.edge_index, con.edge_index
        if dst_t != target:  # target -> other type: exactly the connected wiring
            assert torch.equal(_in_edges(ei, 10**6), _in_edges(eic, 10**6)), et
            to_other += int((ei[0] >= n0).sum()) if src_t == target else 0
            continue
        syn_dst = ei[1] >= n0
        syn_src = ei[0] >= n0 if src_t == target else torch.zeros(ei.shape[1], dtype=torch.bool)
        assert not (syn_src & ~syn_dst).any(), f"{et}: an edge runs from a synthetic node to a real target node"
        # every real target node has exactly the in-edges it has in the real graph
        assert torch.equal(_in_edges(ei[:, ~syn_dst], n0), _in_edges(real.edge_index, n0)), et
        into_syn += int((syn_dst & ~syn_src).sum())
        # and the edges into synthetic nodes are the connected wiring's
        assert torch.equal(_in_edges(ei[:, syn_dst], n0), _in_edges(eic[:, eic[1] >= n0], n0)), et
    assert into_syn > 0, "synthetic nodes receive edges from real nodes"
    if which == "hetero":
        assert to_other > 0, "synthetic reviews keep their edges to users"
        fw, bw = a["user", "writes", "review"].edge_index, a["review", "written_by", "user"].edge_index
        assert torch.equal(_in_edges(fw, 10**6), _in_edges(bw.flip(0), 10**6)), "writes / written_by stay mirrored"


def test_sample_matches_feature_types(small_homo, fitted_homo):
    s = fitted_homo.sample(30, label=1)
    assert s.x.shape == (30, small_homo.x.shape[1]) and torch.isfinite(s.x).all()
    assert s.z.shape == (30, fitted_homo.config.latent_dim)


def test_unfitted_and_bad_options():
    with pytest.raises(NotFittedError):
        GODM().sample(3)
    with pytest.raises(ConfigError, match="num_layers must be between 1 and 4"):
        GODMConfig(num_layers=5)
    with pytest.raises(ConfigError, match="merge must be"):
        GODM(merge="sideways")


def test_augmentation_by_name(small_homo, fast_config):
    from graphguard.augment import augment_graph as apply_augmentation

    assert apply_augmentation(small_homo, "none") is small_homo
    a = apply_augmentation(small_homo, "oversample", seed=1, ratio=0.2)
    assert int(a.is_synthetic.sum()) == round(0.2 * int((small_homo.train_mask & (small_homo.y == 1)).sum()))
    with pytest.raises(ConfigError, match="unknown augmentation 'magic'"):
        apply_augmentation(small_homo, "magic")
    with pytest.raises(ConfigError, match="unknown augmentation 'godm-sideways'"):
        apply_augmentation(small_homo, "godm-sideways")
    with pytest.raises(ConfigError, match="merge must be one of connected, inbound, disconnected"):
        GODM(merge="sideways")


def test_decoded_numeric_features_stay_in_the_observed_range():
    """Rates in [0, 1] with point masses at the bounds (as Tolokers') must decode inside [0, 1]."""
    from graphguard.augment.typed import FeatureCodec

    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [0.3, 2.0], [1.0, 1.0], [0.7, 2.0]])
    codec = FeatureCodec.fit(x, max_categories=3)  # column 1 is categorical {0, 1, 2}
    assert codec.numeric == [0]
    out = torch.tensor([[-50.0, 9.0, 0.0, 0.0], [50.0, 0.0, 0.0, 9.0], [0.0, 0.0, 9.0, 0.0]])
    dec = codec.decode(out, torch.Generator().manual_seed(0))
    assert dec[:, 0].tolist() == [0.0, 1.0, pytest.approx(0.4)]
    assert dec[:, 1].tolist() == [0.0, 2.0, 1.0]
    old = FeatureCodec(**{**codec.__dict__, "lo": None, "hi": None})  # a codec saved before the range existed
    assert float(old.decode(out, None)[0, 0]) < -1.0
    with pytest.raises(ConfigError):
        GODMConfig(diff_ema=1.0)


@pytest.mark.parametrize("option, value, problem", [
    ("ratio", float("nan"), "ratio must be a positive finite number"),
    ("ratio", float("inf"), "ratio must be a positive finite number"),
    ("checkpoint_every", 0, "checkpoint_every must be at least 1"),
    ("anchors", 0, "anchors must be at least 1"),
    ("lr", -1.0, "lr must be a positive finite number"),
    ("p_uncond", 2.0, "p_uncond must be in"),
    ("temperature", -1.0, "temperature must be a non-negative"),
    ("guidance", float("nan"), "guidance must be a non-negative finite"),
    ("sigma_min", 100.0, "sigma_min .* must be below sigma_max"),
    ("ratio", "abc", "ratio must be of type float"),
    ("diffusion", "yes", "diffusion must be of type bool"),
    ("epochs", 2.5, "epochs must be of type int"),
])
def test_out_of_range_options_are_refused_up_front(option, value, problem):
    """Each of these used to pass the config and fail (or be ignored) deep inside a long fit."""
    with pytest.raises(ConfigError, match=problem):
        GODMConfig(**{option: value})


@pytest.mark.parametrize("ratio", ["nan", "inf", "0"])
def test_cli_bad_ratio_is_one_line_before_fitting(tmp_path, small_homo, ratio, monkeypatch):
    from typer.testing import CliRunner

    from graphguard.cli import app
    from graphguard.data.npz import write_npz

    monkeypatch.setattr(GODM, "fit", lambda *a, **k: pytest.fail("fitted before checking --ratio"))
    src = write_npz(small_homo, tmp_path / "g.npz")
    r = CliRunner().invoke(app, ["augment", "--data", str(src), "--out", str(tmp_path / "o.npz"), "--ratio", ratio,
                                 "--quiet"])
    assert isinstance(r.exception, ConfigError) and "ratio must be a positive finite number" in str(r.exception)
