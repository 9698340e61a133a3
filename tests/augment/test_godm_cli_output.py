"""``graphguard augment``'s output: never over the input or an earlier output, at the path it reports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from graphguard.augment import GODM, RandomOversampler
from graphguard.cli import app
from graphguard.errors import DataError

EXPORT = Path(__file__).resolve().parents[2] / "examples" / "fraud_export"


@pytest.fixture()
def src(tmp_path, small_homo, fast_config):
    from graphguard.data.npz import write_npz

    (tmp_path / "fast.json").write_text(json.dumps(fast_config.to_dict()))
    return write_npz(small_homo, tmp_path / "in.npz")


def _augment(src: Path, out: Path, *extra: str):
    return CliRunner().invoke(app, ["augment", "--data", str(src), "--out", str(out), "--config",
                                    str(src.parent / "fast.json"), "--quiet", "--threads", "1", *extra])


def _no_fit(monkeypatch):
    monkeypatch.setattr(GODM, "fit", lambda *a, **k: pytest.fail("fitted although the output is refused"))


def test_existing_output_is_refused_before_fitting_and_replaced_with_force(src, monkeypatch):
    out = src.parent / "out.npz"
    out.write_bytes(b"an earlier result")
    with monkeypatch.context() as m:
        _no_fit(m)
        r = _augment(src, out)
    assert isinstance(r.exception, DataError) and "already exists" in str(r.exception) and "--force" in str(r.exception)
    assert out.read_bytes() == b"an earlier result"
    r = _augment(src, out, "--force")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["synthetic_nodes"] > 0


def test_output_inside_the_input_is_refused(tmp_path, small_homo, fast_config, monkeypatch):
    from graphguard.data.neptune import write_neptune

    write_neptune(small_homo, tmp_path / "export")
    (tmp_path / "fast.json").write_text(json.dumps(fast_config.to_dict()))
    before = sorted(p.name for p in (tmp_path / "export").iterdir())
    _no_fit(monkeypatch)
    for out in (tmp_path / "export", tmp_path / "export" / "augmented", tmp_path):
        r = CliRunner().invoke(app, ["augment", "--data", str(tmp_path / "export"), "--out", str(out), "--force",
                                     "--config", str(tmp_path / "fast.json"), "--quiet"])
        assert isinstance(r.exception, DataError) and "must not be the input" in str(r.exception)
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == before


def test_force_replaces_only_an_earlier_neptune_output(tmp_path, small_homo, fast_config, monkeypatch):
    from graphguard.data.neptune import write_neptune

    write_neptune(small_homo, tmp_path / "export")
    (tmp_path / "fast.json").write_text(json.dumps(fast_config.to_dict()))
    out = tmp_path / "my_folder"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    _no_fit(monkeypatch)
    r = CliRunner().invoke(app, ["augment", "--data", str(tmp_path / "export"), "--out", str(out), "--force",
                                 "--config", str(tmp_path / "fast.json"), "--quiet"])
    assert isinstance(r.exception, DataError) and "will not delete" in str(r.exception)
    assert (out / "notes.txt").read_text() == "mine"
    monkeypatch.undo()
    write_neptune(small_homo, out := tmp_path / "earlier_output")  # an earlier result is replaced
    r = CliRunner().invoke(app, ["augment", "--data", str(tmp_path / "export"), "--out", str(out), "--force",
                                 "--config", str(tmp_path / "fast.json"), "--quiet", "--threads", "1", "--merge", "connected"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.strip().splitlines()[-1])["synthetic_nodes"] > 0


def test_npz_output_reports_the_path_it_wrote(src):
    r = _augment(src, src.parent / "result")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["out"] == str(src.parent / "result.npz") and Path(summary["out"]).is_file()
    assert summary["format"] == "npz"


def test_label_property_reads_the_shipped_export(tmp_path, fast_config):
    """The export's label is ``is_fraud:Bool``; without naming it GODM finds no labels."""
    opts = {k: v for k, v in fast_config.to_dict().items() if k != "merge"}  # Neptune output: connected
    (tmp_path / "fast.json").write_text(json.dumps(opts))
    args = ["augment", "--data", str(EXPORT), "--out", str(tmp_path / "out"), "--config", str(tmp_path / "fast.json"),
            "--quiet", "--threads", "1"]
    r = CliRunner().invoke(app, args)
    assert isinstance(r.exception, DataError) and str(r.exception) == (
        f"{EXPORT}: no node labels to condition GODM on (name the label property with --label-property, e.g. is_fraud)")
    r = CliRunner().invoke(app, args + ["--label-property", "is_fraud"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["format"] == "neptune" and summary["synthetic_nodes"] > 0


def test_augmenting_an_augmented_graph_keeps_ids_unique(tmp_path):
    from graphguard.data.synthetic import make_fraud_graph

    g = make_fraud_graph(num_nodes=300, seed=2)
    g.node_id = np.asarray([f"n{i}" for i in range(g.num_nodes)] [:-1] + ["syn3"])  # a real id that looks synthetic
    twice = RandomOversampler(ratio=1.0, seed=1).augment(RandomOversampler(ratio=1.0, seed=0).augment(g))
    ids = np.asarray(twice.node_id)
    assert len(set(ids.tolist())) == ids.size
    assert int(twice.is_synthetic.sum()) == ids.size - g.num_nodes


def test_save_model_into_a_folder_that_is_not_a_model_is_refused_before_fitting(src, monkeypatch):
    project = src.parent / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    with monkeypatch.context() as m:
        _no_fit(m)
        r = _augment(src, src.parent / "out.npz", "--save-model", str(project))
    assert isinstance(r.exception, DataError)
    assert str(r.exception).startswith(f"{project}: is a folder with other files and not a graphguard model")
    assert [p.name for p in project.iterdir()] == ["config.json"] and not (src.parent / "out.npz").exists()


@pytest.mark.parametrize("out,extra,problem", [
    ("out.npz", ["--save-model", "out.npz"], "--save-model must not be --out {d}/out.npz"),
    ("result", ["--save-model", "result.npz"], "--save-model must not be --out {d}/result.npz"),  # numpy adds .npz
    ("out.npz", ["--save-model", "out.npz/model"], "--save-model must not be --out {d}/out.npz"),
    ("out.npz", ["--save-model", "m", "--checkpoint", "m"], "--checkpoint must not be --save-model {d}/m"),
    ("out.npz", ["--save-model", "out.npz.report.png", "--report"],
     "the --report image must not be --save-model {d}/out.npz.report.png"),
])
def test_colliding_output_paths_are_refused_before_fitting(src, monkeypatch, out, extra, problem):
    d = src.parent
    extra = [str(d / a) if not a.startswith("--") else a for a in extra]
    _no_fit(monkeypatch)  # the model is saved after the fit: a clash found then wasted the training
    r = _augment(src, d / out, *extra)
    assert isinstance(r.exception, DataError) and problem.format(d=d) in str(r.exception)
    assert "\n" not in str(r.exception) and sorted(p.name for p in d.iterdir()) == ["fast.json", "in.npz"]


def test_save_model_inside_the_input_folder_is_refused_before_fitting(tmp_path, small_homo, fast_config,
                                                                       monkeypatch):
    from graphguard.data.neptune import write_neptune

    write_neptune(small_homo, tmp_path / "export")
    (tmp_path / "fast.json").write_text(json.dumps(fast_config.to_dict()))
    _no_fit(monkeypatch)
    r = CliRunner().invoke(app, ["augment", "--data", str(tmp_path / "export"), "--out", str(tmp_path / "out"),
                                 "--save-model", str(tmp_path / "export" / "model"), "--config",
                                 str(tmp_path / "fast.json"), "--quiet"])
    assert isinstance(r.exception, DataError)
    assert str(r.exception).startswith(f"{tmp_path / 'export' / 'model'}: --save-model must not be --data")


def test_augment_without_quiet_leaves_no_blank_lines_on_stderr(src, cli):
    """Each of the fit's progress bars ended with an empty line on stderr off a terminal (two per run)."""
    r = cli("augment", "--data", src, "--out", src.parent / "out.npz", "--config", src.parent / "fast.json",
            "--threads", "1")
    assert (src.parent / "out.npz").is_file() and "synthetic nodes" in r.stderr
    assert "" not in r.stderr.splitlines(), repr(r.stderr)
