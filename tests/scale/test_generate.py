"""The generator: deterministic for a seed, and the statistics it promises (power law, rings, signal)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from graphguard.data.generate import RELATIONS, GraphSpec, generate
from graphguard.data.store import open_store
from graphguard.errors import ConfigError


def _edges(gen, et):
    parts = list(gen.edge_chunks(et))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def test_same_seed_same_files_other_seed_differs(tmp_path, small_store):
    generate(tmp_path / "again", 4000, 60_000, seed=3, format="store")
    generate(tmp_path / "other", 4000, 60_000, seed=4, format="store")
    a, b, c = open_store(small_store), open_store(tmp_path / "again"), open_store(tmp_path / "other")
    for et in a.edge_types:
        assert np.array_equal(a.csr(et)[1], b.csr(et)[1])
        assert np.array_equal(a.edge_array(et, "edge_time"), b.edge_array(et, "edge_time"))
    assert np.array_equal(a.node_array("account", "x"), b.node_array("account", "x"))
    assert not np.array_equal(a.csr(a.edge_types[0])[1], c.csr(a.edge_types[0])[1])
    assert not np.array_equal(a.node_array("account", "y"), c.node_array("account", "y"))


def test_sizes_and_schema(small_generator, small_store):
    s = open_store(small_store)
    assert sum(s.num_nodes(t) for t in s.node_types) == 4000
    # every record stored both ways: the others as rev_ relations, transfers in one relation where a
    # pair given twice (or both ways) is one edge each way, as read_tables keeps it
    src, dst, _ = _edges(small_generator, RELATIONS[0])
    both = np.unique(np.concatenate([src, dst]).astype(np.int64) * 4000 + np.concatenate([dst, src]))
    assert s.num_edges(RELATIONS[0]) == both.size < 2 * src.size
    assert s.num_edges() == both.size + 2 * (60_000 - src.size)
    assert set(s.edge_types) >= set(RELATIONS)
    assert s.target_node_type == "account"
    y = s.node_array("account", "y")
    assert 0.015 < y.mean() < 0.03  # fraud ratio 2%
    masks = [s.node_array("account", m) for m in ("train_mask", "val_mask", "test_mask")]
    assert (sum(m.astype(int) for m in masks) == 1).all()


def test_power_law_degrees(small_generator):
    src, dst, _ = _edges(small_generator, RELATIONS[0])
    deg = np.bincount(np.concatenate([src, dst]), minlength=small_generator.n["account"])
    top = np.sort(deg)[::-1]
    assert top[0] > 20 * deg.mean()  # hubs
    assert top[: deg.size // 100].sum() > 0.08 * deg.sum()  # the top 1% hold 8x their share (a Poisson graph: ~1.5x)
    assert np.median(deg) < deg.mean()  # long tail


def test_communities_rings_and_camouflage(small_generator):
    g = small_generator
    src, dst, t = _edges(g, RELATIONS[0])
    comm = g._rank_of(np.arange(g.n["account"])) % g.num_comm
    assert (comm[src] == comm[dst]).mean() > 0.6  # most transfers stay in a community
    fraud = g.y.astype(bool)
    ff = fraud[src] & fraud[dst]
    expected = fraud.mean() ** 2
    assert ff.mean() > 10 * expected  # fraud rings: fraud-fraud edges far above chance
    ring = np.full(g.y.size, -1)
    ring[g.fraud[: g.num_rings * g.spec.ring_size]] = np.arange(g.num_rings * g.spec.ring_size) // g.spec.ring_size
    assert (ring[src[ff]] == ring[dst[ff]]).mean() > 0.9  # ... and inside one ring
    camo = (fraud[src] & ~fraud[dst]) | (~fraud[src] & fraud[dst])
    assert camo.sum() > ff.sum() * 0.3  # camouflage: fraudsters link to benign accounts too
    # ring transfers happen in bursts: their times spread far less than the background's
    assert t[ff].std() < t[~(fraud[src] | fraud[dst])].std()
    # rings share devices
    us, ud, _ = _edges(g, RELATIONS[2])
    f_dev = np.unique(ud[fraud[us]])
    b_dev = np.unique(ud[~fraud[us]])
    assert f_dev.size < 0.5 * b_dev.size


def test_features_carry_a_class_signal(small_store):
    s = open_store(small_store)
    x, y = np.asarray(s.node_array("account", "x")), np.asarray(s.node_array("account", "y"))
    f = x.shape[1]
    gap = x[y == 1, : f // 2].mean() - x[y == 0, : f // 2].mean()
    assert 0.2 < gap < 0.6
    nt = np.asarray(s.node_array("account", "node_time"))
    assert nt[y == 1].mean() > nt[y == 0].mean()  # fraudulent accounts are newer


def test_bad_sizes_are_one_line_errors():
    with pytest.raises(ConfigError, match="--nodes must be at least 30"):
        GraphSpec(num_nodes=5, num_edges=100)
    with pytest.raises(ConfigError, match="unknown --format 'xml'"):
        generate("/tmp/never", 100, 100, format="xml")


@pytest.mark.parametrize("features", [0, 1])
def test_fewer_than_two_features_is_a_one_line_error(tmp_path, features):
    """The community signal lives in the last two columns, so ``--features 0/1`` is refused up front
    (it used to crash with ``IndexError: index -2 is out of bounds``)."""
    from typer.testing import CliRunner

    from graphguard.cli import app

    with pytest.raises(ConfigError, match=f"--features must be at least 2 \\(got {features}\\)"):
        GraphSpec(num_nodes=100, num_edges=200, num_features=features)
    r = CliRunner().invoke(app, ["generate", "--nodes", "100", "--edges", "200", "--out", str(tmp_path / "g"),
                                 "--features", str(features), "--quiet"])
    assert isinstance(r.exception, ConfigError)  # main() prints it as one "error: ..." line
    assert str(r.exception) == f"--features must be at least 2 (got {features})"


def test_cli_generate_end_to_end(tmp_path, cli):
    """A real ``python -m graphguard`` process: ``--quiet`` silences everything it writes, native libraries too."""
    out = tmp_path / "g"
    r = cli.process("generate", "--nodes", "500", "--edges", "5000", "--out", out, "--format", "neptune", "--seed", "1",
                    "--quiet")
    assert r.stderr == ""  # --quiet
    head = (out / "edges_transfers.csv").read_text().splitlines()
    assert head[0] == '"~id","~from","~to","~label","time:Double"' and len(head) == 3001


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    from graphguard import cli

    monkeypatch.setattr(sys, "argv", ["graphguard", "generate", "--nodes", "5", "--edges", "5000",
                                      "--out", str(tmp_path / "g")])
    with pytest.raises(SystemExit) as e:
        cli.main()
    assert e.value.code == 2
    assert capsys.readouterr().err.strip() == "error: --nodes must be at least 30 (got 5)"


def test_generated_tables_train_and_evaluate(tmp_path):
    """``generate --format tables`` writes the per-type layout; ``node train``/``evaluate`` read it as it is."""
    from typer.testing import CliRunner

    from graphguard.cli import app

    run = lambda *a: CliRunner().invoke(app, [str(x) for x in a])  # noqa: E731
    r = run("generate", "--nodes", "200", "--edges", "1000", "--out", tmp_path / "g", "--format", "tables", "--quiet")
    assert r.exit_code == 0, r.output
    r = run("node", "train", "--data", tmp_path / "g", "--model", "xgboost", "--out", tmp_path / "m", "--quiet")
    assert r.exit_code == 0, r.exception
    r = run("node", "evaluate", "--data", tmp_path / "g", "--model-dir", tmp_path / "m", "--json", "--quiet")
    assert r.exit_code == 0, r.exception
    assert 0.0 <= json.loads(r.stdout)["auroc"] <= 1.0


def test_cli_generate_and_ingest_take_short_q(tmp_path, cli):
    """``-q`` as in every other long command: nothing on stdout or stderr, the files still written."""
    for cmd in (["generate", "--nodes", "60", "--edges", "200", "--out", str(tmp_path / "g"), "--format", "neptune"],
                ["ingest", str(tmp_path / "g"), "--out", str(tmp_path / "s")]):
        r = cli(*cmd, "-q")
        assert r.stdout == "" and r.stderr == ""
    assert open_store(tmp_path / "s").num_nodes("account") == 48


def test_cli_generate_and_ingest_print_their_summary_as_json_on_stdout(tmp_path, cli):
    """The summary was only a log line on stderr (gone with -q); ``--json`` gives it on stdout, as other commands do."""
    r = cli("generate", "--nodes", "60", "--edges", "200", "--out", tmp_path / "g", "--format", "neptune",
            "--json", "-q")
    made = json.loads(r.stdout)
    assert made["out"] == str(tmp_path / "g") and made["format"] == "neptune" and made["num_edges"] == 200
    assert sum(made["num_nodes"].values()) == 60 and made["seconds"] >= 0 and r.stderr == ""
    r = cli("ingest", tmp_path / "g", "--out", tmp_path / "s", "--json", "-q")
    read = json.loads(r.stdout)
    assert read["out"] == str(tmp_path / "s") and read["source"] == str(tmp_path / "g")
    assert (read["node_rows"], read["edge_rows"]) == (60, 200) and read["seconds"]["total"] >= 0
    store = open_store(tmp_path / "s")
    assert read["edges_stored"] == sum(store.num_edges(et) for et in store.edge_types)


def test_every_command_with_quiet_takes_short_q():
    """``--quiet`` comes with ``-q`` everywhere (generate, ingest and augment used to lack it)."""
    import typer

    from graphguard.cli import app

    def walk(cmd, path):
        if hasattr(cmd, "commands"):  # a group
            for name, sub in cmd.commands.items():
                yield from walk(sub, f"{path} {name}")
        else:
            yield path, cmd

    commands = list(walk(typer.main.get_command(app), "graphguard"))
    lacking = [path for path, cmd in commands for p in cmd.params if "--quiet" in p.opts and "-q" not in p.opts]
    assert lacking == []
    without_quiet = [path for path, cmd in commands if not any("--quiet" in p.opts for p in cmd.params)]
    assert without_quiet == [], "the README promises --quiet on every command"
