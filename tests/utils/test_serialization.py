"""A damaged model or run file is one line naming the file, not a JSON or safetensors traceback."""

from __future__ import annotations

import pytest
import torch

from graphguard.errors import DataError
from graphguard.utils.serialization import load_model_dir, save_model_dir


@pytest.fixture()
def model_dir(tmp_path):
    return save_model_dir(tmp_path / "m", {"detector": "x", "params": {}}, {"w": torch.arange(1000.0)})


def test_round_trip(model_dir):
    config, tensors = load_model_dir(model_dir)
    assert config["detector"] == "x" and torch.equal(tensors["w"], torch.arange(1000.0))


@pytest.mark.parametrize("content, problem", [('{"detector": ', "not valid JSON"), ("[1, 2]", "must hold a JSON object")])
def test_damaged_config(model_dir, content, problem):
    (model_dir / "config.json").write_text(content)
    with pytest.raises(DataError, match=rf"config\.json: {problem}") as e:
        load_model_dir(model_dir)
    assert "\n" not in str(e.value)


def test_truncated_weights(model_dir):
    w = model_dir / "weights.safetensors"
    w.write_bytes(w.read_bytes()[:100])
    with pytest.raises(DataError, match=r"weights\.safetensors: cannot be read .*the model directory is damaged") as e:
        load_model_dir(model_dir)
    assert "\n" not in str(e.value)


def _save(path):
    return save_model_dir(path, {"detector": "y", "params": {}}, {"w": torch.ones(3)})


def test_saves_into_a_new_or_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    for target in (tmp_path / "new" / "deeper", tmp_path / "empty"):
        assert load_model_dir(_save(target))[0]["detector"] == "y"


def test_saves_over_an_earlier_model_directory_and_keeps_files_beside_it(model_dir):
    (model_dir / "metrics.json").write_text("{}")  # node train writes its metrics beside the model
    _save(model_dir)
    assert load_model_dir(model_dir)[0]["detector"] == "y"
    assert (model_dir / "metrics.json").read_text() == "{}"


@pytest.mark.parametrize("files", [
    {"config.json": '{"name": "my project"}', "notes.txt": "mine"},  # someone's own config.json
    {"notes.txt": "mine"},
    {"config.json": '{"job": {}, "job_digest": "x"}', "weights.safetensors": "x"},  # a graphguard run, not a model
    {"config.json": '{"class": ', "weights.safetensors": "x"},  # not JSON
])
def test_refuses_a_folder_that_is_not_a_model_directory_and_writes_nothing(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(DataError, match=rf"^{tmp_path}: is a folder with other files and not a graphguard model "
                                        r"directory .*give a new or empty folder$") as e:
        _save(tmp_path)
    assert "\n" not in str(e.value)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == files


def test_refuses_a_file_and_a_path_under_a_file(tmp_path):
    f = tmp_path / "model.bin"
    f.write_text("mine")
    with pytest.raises(DataError, match=rf"^{f}: is a file, not a folder"):
        _save(f)
    with pytest.raises(DataError, match=rf"^{f / 'm'}: cannot create the model directory"):
        _save(f / "m")
    assert f.read_text() == "mine"


def test_undefined_numbers_are_written_as_null_not_the_bare_nan_token(tmp_path):
    """Python's json wrote NaN/Infinity into metrics.json, which strict readers (the server's encoder) refuse."""
    import json

    import numpy as np

    from graphguard.workflow.run import write_json

    write_json(tmp_path / "m.json", {"test": {"r2": float("nan"), "x": np.float32("inf"), "rmse": np.float64(0.5)},
                                     "curve": np.array([1.0, -np.inf]), "pair": (2, float("nan"))})
    text = (tmp_path / "m.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"test": {"r2": None, "x": None, "rmse": 0.5}, "curve": [1.0, None], "pair": [2, None]}
