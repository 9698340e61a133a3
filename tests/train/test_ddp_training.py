"""Data-parallel training on gloo with two real torchrun processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from graphguard.train.ddp import launch_cli, launch_module, shard, strip_nproc, torchrun_command

JOB = Path(__file__).with_name("ddp_job.py")


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", GRAPHGUARD_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(Path(__file__).parents[2] / "src"),
                                                     env.get("PYTHONPATH", "")] if p)
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    return env


def test_two_ranks_stay_in_sync_and_match_single_process(tmp_path):
    from graphguard.data.store import save_store
    from graphguard.data.synthetic import make_fraud_graph

    store = save_store(make_fraud_graph(num_nodes=800, seed=1), tmp_path / "store")
    multi, single = tmp_path / "ddp", tmp_path / "single"
    multi.mkdir()
    single.mkdir()
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(JOB), str(multi),
           str(store)]
    r = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run([sys.executable, str(JOB), str(single), str(store)], env=_env(), capture_output=True,
                       text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    w0, w1 = load_file(str(multi / "rank0.safetensors")), load_file(str(multi / "rank1.safetensors"))
    assert w0.keys() == w1.keys()
    for k in w0:  # gradients were all-reduced: both ranks hold the same weights
        assert torch.equal(w0[k], w1[k]), k
    ws = load_file(str(single / "rank0.safetensors"))
    assert any(not torch.equal(w0[k], ws[k]) for k in w0)  # it really trained differently (sharded seeds)
    assert (multi / "model" / "weights.safetensors").is_file()
    for rank in (0, 1):  # both ranks read the one store through memory maps, neither holds a copy
        maps = json.loads((multi / f"rank{rank}_maps.json").read_text())
        assert maps["adjacency"] == str(store / "edges" / "node__to__node" / "indices.npy")
        assert maps["features"] == str(store / "nodes" / "node" / "x.npy")
        assert maps["edge_index"] is False
    m = json.loads((multi / "metrics.json").read_text())
    s = json.loads((single / "metrics.json").read_text())
    assert m["world"] == 2 and s["world"] == 1 and m["mode"] == "minibatch"
    assert s["auroc"] > 0.8
    assert abs(m["auroc"] - s["auroc"]) < 0.05
    assert abs(m["auprc"] - s["auprc"]) < 0.12


def test_shard_gives_equal_shares_that_cover_every_node():
    idx = np.arange(11)
    a, b = shard(idx, 0, 2), shard(idx, 1, 2)
    assert len(a) == len(b) == 6 and set(a) | set(b) == set(idx.tolist()) and len(set(a) & set(b)) == 1
    parts = [shard(np.arange(2), r, 3) for r in range(3)]  # fewer nodes than ranks: still one each
    assert [len(p) for p in parts] == [1, 1, 1]


def test_nproc_refuses_a_tree_detector():
    from typer.testing import CliRunner

    from graphguard.cli import app
    from graphguard.errors import ConfigError

    r = CliRunner().invoke(app, ["node", "train", "--data", "x.npz", "--model", "xgbgraph", "--out", "m", "--nproc", "2"])
    assert isinstance(r.exception, ConfigError) and "--nproc applies to GNN detectors" in str(r.exception)


def test_launcher_strips_nproc_and_returns_exit_code():
    assert strip_nproc(["node", "train", "--nproc", "2", "--data", "x"]) == ["node", "train", "--data", "x"]
    assert strip_nproc(["--nproc=4", "demo"]) == ["demo"]
    cmd = torchrun_command(3, ["graphguard", "demo"])
    assert "--nproc_per_node=3" in cmd and cmd[-2:] == ["graphguard", "demo"]
    env = _env()
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        assert launch_module(2, "json.tool", ["--help"]) == 0
        assert launch_cli(2, ["no-such-command", "--nproc", "2"]) != 0
    finally:
        os.environ.clear()
        os.environ.update(old)


CLI_JOB = Path(__file__).with_name("ddp_cli_job.py")


def test_cli_train_on_a_store_shares_it_across_two_ranks(tmp_path):
    """``graphguard node train --data STORE`` under torchrun: ranks read the store in place, stay in sync."""
    from graphguard.data.store import save_store
    from graphguard.data.synthetic import make_fraud_graph

    store = save_store(make_fraud_graph(num_nodes=800, seed=1), tmp_path / "store")
    multi, single = tmp_path / "ddp", tmp_path / "single"
    multi.mkdir()
    single.mkdir()
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                        str(CLI_JOB), str(multi), str(store)], env=_env(), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run([sys.executable, str(CLI_JOB), str(single), str(store)], env=_env(), capture_output=True,
                       text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    w0, w1 = load_file(str(multi / "rank0.safetensors")), load_file(str(multi / "rank1.safetensors"))
    for k in w0:  # gradients were all-reduced: both ranks hold the same weights
        assert torch.equal(w0[k], w1[k]), k
    ws = load_file(str(single / "rank0.safetensors"))
    assert any(not torch.equal(w0[k], ws[k]) for k in w0)  # sharded seeds: it really trained differently
    for rank in (0, 1):  # the CLI loaded no edge_index; the sampler reads the store's indices map
        maps = json.loads((multi / f"rank{rank}_maps.json").read_text())
        assert maps["edge_index"] is False
        assert maps["adjacency"] == str(store / "edges" / "node__to__node" / "indices.npy")
        assert maps["features"] == str(store / "nodes" / "node" / "x.npy")
    m = json.loads((multi / "model" / "metrics.json").read_text())
    s = json.loads((single / "model" / "metrics.json").read_text())
    assert s["test"]["auroc"] > 0.8
    assert abs(m["test"]["auroc"] - s["test"]["auroc"]) < 0.05
    assert abs(m["test"]["auprc"] - s["test"]["auprc"]) < 0.12
