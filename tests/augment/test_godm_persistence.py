"""Reproducibility, save/load and resuming an interrupted fit."""

from __future__ import annotations

import pytest
import torch

from graphguard.augment import GODM
from graphguard.errors import DataError


def _same(a, b):
    return torch.equal(a.x, b.x) and torch.equal(a.edge_index, b.edge_index) and torch.equal(a.node_time, b.node_time)


def test_same_seed_same_graph(small_homo, fast_config, fitted_homo):
    again = GODM(fast_config).fit(small_homo)
    assert _same(fitted_homo.augment(small_homo), again.augment(small_homo))
    other = GODM(fast_config.replace(seed=6)).fit(small_homo)
    assert not torch.equal(other.augment(small_homo).x, fitted_homo.augment(small_homo).x)


def test_save_load_round_trip(tmp_path, small_homo, fitted_homo):
    fitted_homo.save(tmp_path / "m")
    assert (tmp_path / "m" / "weights.safetensors").is_file() and (tmp_path / "m" / "config.json").is_file()
    loaded = GODM.load(tmp_path / "m")
    assert loaded.config == fitted_homo.config
    assert _same(fitted_homo.augment(small_homo), loaded.augment(small_homo))


def test_load_rejects_other_directories(tmp_path):
    with pytest.raises(DataError, match="model directory not found"):
        GODM.load(tmp_path / "missing")


class _Killed(Exception):
    pass


class _DiesAfter(GODM):
    """Raises after the n-th checkpoint, like a run killed right after writing it."""

    def __init__(self, *a, die_after: int, **kw):
        super().__init__(*a, **kw)
        self._left = die_after

    def _checkpoint(self, *a, **kw):
        super()._checkpoint(*a, **kw)
        self._left -= 1
        if self._left == 0:
            raise _Killed


@pytest.mark.parametrize("die_after", [1, 5])  # during the VAE stage, and during the diffusion stage
def test_resume_after_interruption_gives_the_same_model(tmp_path, small_homo, fast_config, fitted_homo, die_after):
    ck = tmp_path / "ck"
    with pytest.raises(_Killed):
        _DiesAfter(fast_config, checkpoint_dir=ck, die_after=die_after).fit(small_homo)
    assert (ck / "train_state.json").is_file()
    resumed = GODM(fast_config, checkpoint_dir=ck).fit(small_homo)
    assert _same(fitted_homo.augment(small_homo), resumed.augment(small_homo))


def test_checkpoint_of_another_config_is_not_resumed(tmp_path, small_homo, fast_config):
    ck = tmp_path / "ck"
    with pytest.raises(_Killed):
        _DiesAfter(fast_config, checkpoint_dir=ck, die_after=1).fit(small_homo)
    from graphguard.augment.checkpoint import load_state

    assert load_state(ck, {"config": fast_config.replace(seed=99).to_dict()}) is None


def test_checkpoint_of_another_split_is_not_resumed(tmp_path, small_homo, fast_config):
    """Same features and edges, other training labels: the diffusion must not reuse what it learnt."""
    from graphguard.augment.godm import graph_fingerprint

    swapped = small_homo.clone()
    swapped.train_mask, swapped.test_mask = small_homo.test_mask.clone(), small_homo.train_mask.clone()
    assert graph_fingerprint(swapped) != graph_fingerprint(small_homo)
    relabelled = small_homo.clone()
    flip = torch.nonzero(small_homo.train_mask & (small_homo.y == 0)).view(-1)[:5]
    relabelled.y = small_homo.y.clone()
    relabelled.y[flip] = 1
    assert graph_fingerprint(relabelled) != graph_fingerprint(small_homo)
    ck = tmp_path / "ck"
    GODM(fast_config, checkpoint_dir=ck).fit(small_homo)  # a finished state for the original split
    fresh = GODM(fast_config).fit(swapped)
    assert _same(fresh.augment(swapped), GODM(fast_config, checkpoint_dir=ck).fit(swapped).augment(swapped))


def test_save_refuses_a_folder_of_other_files_and_saves_again_over_its_own_model(tmp_path, fitted_homo):
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"project": "mine"}')
    with pytest.raises(DataError, match=rf"^{project}: is a folder with other files and not a graphguard model"):
        fitted_homo.save(project)
    assert [p.name for p in project.iterdir()] == ["config.json"]
    fitted_homo.save(tmp_path / "m")
    fitted_homo.save(tmp_path / "m")
    assert GODM.load(tmp_path / "m").config == fitted_homo.config


def test_set_params_after_fit_keeps_the_fitted_model_through_save_and_load(tmp_path, small_homo, fitted_homo):
    """The saved config is the one the networks were fitted with (load used to build them with the new
    ``hidden`` and fail); the change is kept apart and set again, for the next fit."""
    import copy
    import json

    m = copy.deepcopy(fitted_homo)
    fitted = m.config
    m.set_params(hidden=fitted.hidden * 2)
    assert _same(m.augment(small_homo), fitted_homo.augment(small_homo))
    m.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["config"] == fitted.to_dict() and cfg["params_set_after_fit"] == {"hidden": fitted.hidden * 2}
    loaded = GODM.load(tmp_path / "m")
    assert loaded.config == m.config
    assert _same(loaded.augment(small_homo), fitted_homo.augment(small_homo))
