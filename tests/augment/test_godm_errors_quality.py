"""Clear errors on unusable labels, the CLI end to end, baselines, and a quality floor."""

from __future__ import annotations

import json

import pytest
import torch

from graphguard.augment import GODM, RandomOversampler, SMOTEAugmenter
from graphguard.errors import ConfigError, DataError


def test_error_without_labels(small_homo, fast_config):
    g = small_homo.clone()
    del g.y
    with pytest.raises(DataError, match="^graph: GODM needs node labels"):
        GODM(fast_config).fit(g)


def test_error_with_a_single_class(small_homo, fast_config):
    g = small_homo.clone()
    g.y = torch.zeros_like(g.y)
    with pytest.raises(DataError, match="^graph: GODM needs both classes among the training labels; found only class 0"):
        GODM(fast_config).fit(g)


@pytest.mark.parametrize("cls", [RandomOversampler, SMOTEAugmenter])
def test_baselines_add_training_only_nodes(small_homo, cls):
    a = cls(ratio=0.5, seed=1).augment(small_homo)
    syn = a.is_synthetic
    n_syn = int(syn.sum())
    assert n_syn == round(0.5 * int((small_homo.train_mask & (small_homo.y == 1)).sum()))
    assert a.train_mask[syn].all() and not (a.val_mask | a.test_mask)[syn].any() and (a.y[syn] == 1).all()
    new = a.edge_index[:, small_homo.edge_index.shape[1]:]
    assert new.numel() and ((new >= small_homo.num_nodes).any(0)).all()
    fraud = small_homo.x[small_homo.train_mask & (small_homo.y == 1)]
    assert (a.x[syn] >= fraud.min(0).values - 1e-5).all() and (a.x[syn] <= fraud.max(0).values + 1e-5).all()


@pytest.mark.parametrize("cls", [RandomOversampler, SMOTEAugmenter])
def test_inbound_baselines_copy_only_in_edges(small_homo, cls):
    """Among target nodes a copy gets only in-edges (see the typed case below)."""
    a = cls(ratio=0.5, seed=1, merge="inbound").augment(small_homo)
    c = cls(ratio=0.5, seed=1).augment(small_homo)
    n0, e0 = small_homo.num_nodes, small_homo.edge_index.shape[1]
    new, new_c = a.edge_index[:, e0:], c.edge_index[:, e0:]
    assert new.numel() and (new[1] >= n0).all() and (new[0] < n0).all()
    assert new.shape[1] == int((new_c[1] >= n0).sum())  # exactly the copies' in-edges
    with pytest.raises(ConfigError, match="merge must be 'connected' or 'inbound'"):
        cls(merge="disconnected")


def test_inbound_oversampling_keeps_edges_to_other_types(small_hetero):
    """A copied review keeps its author edge, mirrored; no real review gains a neighbour."""
    a = RandomOversampler(ratio=0.5, seed=1, merge="inbound").augment(small_hetero)
    n0 = small_hetero["review"].num_nodes
    out = a["review", "written_by", "user"].edge_index
    assert int((out[0] >= n0).sum()) == int(a["review"].num_nodes - n0)  # one author per copy, as in the data
    back = a["user", "writes", "review"].edge_index
    assert torch.equal(torch.sort(out[0] * 10**6 + out[1]).values, torch.sort(back[1] * 10**6 + back[0]).values)
    for et in a.edge_types:
        if et[0] == "review" and et[2] == "review":
            ei = a[et].edge_index
            assert not ((ei[0] >= n0) & (ei[1] < n0)).any(), et


def _auprc_of_tree(g) -> float:
    from sklearn.linear_model import LogisticRegression

    from graphguard.metrics import auprc

    x, ei = g.x, g.edge_index
    deg = torch.bincount(ei[1], minlength=x.shape[0]).clamp_min(1).float()[:, None]
    f = torch.cat([x, torch.zeros_like(x).index_add_(0, ei[1], x[ei[0]]) / deg, torch.log(deg)], 1).numpy()
    tr, te = g.train_mask.numpy(), g.test_mask.numpy()
    clf = LogisticRegression(max_iter=500, class_weight="balanced").fit(f[tr], g.y.numpy()[tr])
    return auprc(g.y.numpy()[te], clf.predict_proba(f)[te, 1])


def test_quality_floor_augmentation_does_not_reduce_auprc(fast_config):
    from graphguard.data.synthetic import make_fraud_graph

    g = make_fraud_graph(num_nodes=800, fraud_ratio=0.04, signal=0.4, seed=11)
    base = _auprc_of_tree(g)
    aug = GODM(fast_config.replace(min_steps=40, diff_steps=200)).fit(g).augment(g)
    assert aug.num_nodes > g.num_nodes
    assert _auprc_of_tree(aug) >= base - 0.01, (base, _auprc_of_tree(aug))


def _cli(*args) -> list[str]:
    """The arguments of ``graphguard augment ...``; typer drops the command name while it is the only command."""
    from graphguard.cli import app

    alone = len(app.registered_commands) + len(app.registered_groups) == 1
    return [*([] if alone else ["augment"]), *args]


def test_cli_augment_end_to_end(tmp_path, small_homo, fast_config, cli):
    from graphguard.data.npz import read_npz, write_npz

    src = write_npz(small_homo, tmp_path / "in.npz")
    out = tmp_path / "out.npz"
    (tmp_path / "fast.json").write_text(json.dumps(fast_config.to_dict()))
    cmd = _cli("--data", str(src), "--out", str(out), "--ratio", "0.5", "--config", str(tmp_path / "fast.json"),
               "--report", "--quiet")
    r = cli(*cmd)
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    g = read_npz(out)
    assert g.num_nodes == small_homo.num_nodes + summary["synthetic_nodes"]
    assert int(g.is_synthetic.sum()) == summary["synthetic_nodes"] > 0
    assert not (g.val_mask | g.test_mask)[g.is_synthetic].any()
    assert (tmp_path / "out.npz.report.png").stat().st_size > 1000


def test_cli_reports_single_class_as_one_line(tmp_path, small_homo):
    """The error that cli.main prints as one line."""
    from typer.testing import CliRunner

    from graphguard.cli import app
    from graphguard.data.npz import write_npz

    g = small_homo.clone()
    g.y = torch.zeros_like(g.y)
    g.y[:3] = 1  # positives exist only outside training
    g.train_mask = torch.zeros_like(g.train_mask)
    g.train_mask[3:300] = True
    g.val_mask = torch.zeros_like(g.val_mask)
    g.val_mask[:3] = True
    g.test_mask = torch.zeros_like(g.test_mask)
    g.test_mask[300:] = True
    src = write_npz(g, tmp_path / "one.npz")
    args = _cli("--data", str(src), "--out", str(tmp_path / "o.npz"), "--quiet")
    r = CliRunner().invoke(app, args)
    assert isinstance(r.exception, DataError)
    msg = str(r.exception)
    assert "\n" not in msg and msg.endswith("found only class 0"), msg


def test_cli_inbound_merge_round_trips_through_npz(tmp_path, small_homo, fast_config):
    """The npz output marks itself directed, so reading it back does not mirror the inbound edges."""
    from typer.testing import CliRunner

    from graphguard.cli import app
    from graphguard.data.npz import read_npz, write_npz

    src = write_npz(small_homo, tmp_path / "in.npz")
    (tmp_path / "fast.json").write_text(json.dumps(fast_config.to_dict()))
    out = tmp_path / "out.npz"
    args = _cli("--data", str(src), "--out", str(out), "--ratio", "0.5", "--config", str(tmp_path / "fast.json"),
                "--merge", "inbound", "--quiet")
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    g = read_npz(out)
    n0, syn = small_homo.num_nodes, g.is_synthetic
    ei = g.edge_index
    assert int(syn.sum()) > 0 and ((ei[0] < n0) & (ei[1] >= n0)).any()
    assert not ((ei[0] >= n0) & (ei[1] < n0)).any(), "synthetic -> real edges came back after the round trip"
    real = ei[:, ei[1] < n0]
    assert real.shape[1] == small_homo.edge_index.shape[1]


def test_cli_inbound_merge_refuses_neptune_output(tmp_path, small_homo):
    from typer.testing import CliRunner

    from graphguard.cli import app
    from graphguard.data.neptune import write_neptune

    write_neptune(small_homo, tmp_path / "in")
    args = _cli("--data", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--merge", "inbound", "--quiet")
    r = CliRunner().invoke(app, args)
    assert isinstance(r.exception, DataError)
    assert "cannot be written as Neptune CSV" in str(r.exception) and "\n" not in str(r.exception)
    assert not (tmp_path / "out").exists()


def test_cli_neptune_output_defaults_to_the_connected_merge(tmp_path, small_homo, fast_config):
    """Neptune CSV is read back undirected, so without --merge the file gets the connected wiring."""
    from typer.testing import CliRunner

    from graphguard.cli import app
    from graphguard.data.neptune import read_neptune, write_neptune

    write_neptune(small_homo, tmp_path / "in")
    opts = {k: v for k, v in fast_config.to_dict().items() if k != "merge"}  # merge left to the default
    (tmp_path / "fast.json").write_text(json.dumps(opts))
    args = _cli("--data", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--ratio", "0.5",
                "--config", str(tmp_path / "fast.json"), "--quiet")
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    g = read_neptune(tmp_path / "out")
    n0 = small_homo.num_nodes
    syn = g.is_synthetic
    assert int(syn.sum()) == round(0.5 * int((small_homo.train_mask & (small_homo.y == 1)).sum()))
    ei = g.edge_index
    assert ((ei[0] >= n0) & (ei[1] < n0)).any() and ((ei[0] < n0) & (ei[1] >= n0)).any()
