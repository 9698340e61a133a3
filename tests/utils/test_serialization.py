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
