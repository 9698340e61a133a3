"""What every ``graphguard`` command shares: ``--version``, one ``error:`` line and exit 2 for a usage error, exit 130
on Ctrl-C, ``--threads`` on the long-running commands, results on stdout, and one spelling per concept."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import graphguard


def _one_error_line(r) -> str:
    assert r.stdout == "" and "Traceback" not in r.stderr and "╭" not in r.stderr, r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    return r.stderr


def test_version_prints_the_package_version(cli):
    assert cli("--version").stdout == f"graphguard {graphguard.__version__}\n"


@pytest.mark.parametrize("args, says", [
    (("node", "train", "--bogus"), "No such option: --bogus"),
    (("node", "evaluate", "--data", "x"), "Missing option '--model-dir'"),
    (("graph", "bench", "--data", "x", "--folds", "1"), "Invalid value for '--folds'"),
    (("link", "bench", "--data", "x", "--epochs", "many"), "Invalid value for '--epochs'"),
    (("nosuch",), "No such command 'nosuch'"),
])
def test_a_usage_error_is_one_error_line_and_exit_2_not_a_usage_box(cli, args, says):
    r = cli(*args, ok=False)
    assert r.returncode == 2
    line = _one_error_line(r)
    assert says in line and "--help" in line  # names the problem and where the options are listed


def test_ctrl_c_inside_a_command_exits_130_with_one_line(cli, tmp_path, monkeypatch):
    import graphguard.cli_graph

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(graphguard.cli_graph, "_setup", interrupted)
    r = cli("graph", "bench", "--data", tmp_path, ok=False)
    assert r.returncode == 130
    assert _one_error_line(r) == "error: interrupted\n"


@pytest.mark.parametrize("args", [
    ("graph", "evaluate", "--data", "{tmp}/missing.csv", "--model-dir", "{tmp}/m"),
    ("graph", "predict", "--data", "{tmp}/missing.csv", "--model-dir", "{tmp}/m"),
    ("link", "predict", "--model-dir", "{tmp}/m", "--relation", "r", "--head", "a"),
    ("link", "repurpose", "--data", "{tmp}/missing", "--disease", "D1"),
    ("report", "{tmp}/run"),
    ("explain", "{tmp}/run", "--node", "n0"),
])
def test_long_running_commands_accept_threads_and_quiet(cli, tmp_path, args):
    """Each fails on its missing input (one line naming it), not on ``--threads``."""
    r = cli(*[a.format(tmp=tmp_path) for a in args], "--threads", "1", "-q", ok=False)
    assert r.returncode == 2
    assert str(tmp_path) in _one_error_line(r)


def test_node_train_prints_its_metrics_on_stdout_and_as_json(cli, tmp_path, fraud_graph):
    from graphguard.data.npz import write_npz

    data = write_npz(fraud_graph, tmp_path / "g.npz")
    common = ("node", "train", "--data", data, "--model", "xgboost", "--params", '{"n_estimators": 10}', "-q")
    r = cli(*common, "--out", tmp_path / "a", "--json")
    res = json.loads(r.stdout)  # with -q it was silent: the metrics went to stderr, and only without -q
    assert {"model", "fit_seconds", "threshold", "val", "test"} <= set(res) and res["model"] == "xgboost"
    assert r.stderr == ""
    assert json.loads(cli(*common, "-o", tmp_path / "b").stdout)["model"] == "xgboost"


def test_graph_train_json_and_label_as_the_name_of_the_label_column(cli, tmp_path):
    csv = tmp_path / "mols.csv"
    csv.write_text("smiles,active,other\n" + "".join(f"{s},{i % 2},{i}\n" for i, s in enumerate(
        ["c1ccccc1", "CCO", "c1ccncc1", "CCN", "c1ccoc1", "CCC", "c1ccsc1", "CCCl"] * 2)))
    r = cli("graph", "train", "--data", csv, "--label", "active", "--model", "fingerprint", "-o", tmp_path / "m",
            "--json", "-q")
    res = json.loads(r.stdout)
    assert res == {"model_dir": str(tmp_path / "m"), "model": "fingerprint", "task": "classification",
                   "n_graphs": 16, "val_score": None}
    r = cli("graph", "evaluate", "--data", csv, "--label", "nosuch", "--model-dir", tmp_path / "m", ok=False)
    assert r.returncode == 2 and "nosuch" in _one_error_line(r)


def test_augment_names_the_class_to_generate_class_and_still_reads_label(cli, tmp_path):
    """``--label`` names the label property in node, graph and ingest; augment's class is ``--class`` now."""
    for option in ("--class", "--label"):
        r = cli("augment", "--data", tmp_path / "g.npz", "--out", tmp_path / "o.npz", option, "2", ok=False)
        assert r.returncode == 2 and _one_error_line(r) == "error: --class: must be 0 or 1, got 2\n"
    help_text = cli("augment", "--help").stdout
    assert "--class" in help_text and "--label " not in help_text


def test_repurpose_saves_with_save_model_as_augment_does(cli, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("not a model")
    for option in ("--save-model", "--save"):
        r = cli("link", "repurpose", "--data", tmp_path / "not-read", "--disease", "D1", option, project, "-q",
                ok=False)
        assert r.returncode == 2 and str(project) in _one_error_line(r)


def test_code_similar_counts_matches_with_top_as_link_and_explain_do(cli, tmp_path):
    (tmp_path / "a.py").write_text("def f(x):\n    return x + 1\n\ndef g(a):\n    return a + 1\n\n"
                                   "def h(s):\n    return s * 2\n")
    for option in ("--top", "-k", "--k"):
        r = cli("code", "similar", f"{tmp_path / 'a.py'}::f", "--in", tmp_path, option, "1", "--json", "-q")
        assert len(json.loads(r.stdout)) == 1


def test_every_commands_help_works_without_importing_torch():
    """``graphguard CMD --help`` for every command, in one fresh process, leaves torch unimported (~1 s, not ~6)."""
    code = """
import sys
from graphguard.cli import app, main
import typer.main
group = typer.main.get_command(app)
paths = [[name] + ([sub] if sub else []) for name, cmd in group.commands.items()
         for sub in (getattr(cmd, "commands", None) or [None])]
for path in paths:
    sys.argv = ["graphguard", *path, "--help"]
    try:
        main()
    except SystemExit as e:
        assert not e.code, (path, e.code)
print(len(paths), "torch" in sys.modules)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    count, torch_loaded = r.stdout.split()[-2:]
    assert int(count) >= 25 and torch_loaded == "False"
