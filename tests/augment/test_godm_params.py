"""GODM's scikit-learn parameters: every GODMConfig option by name, set_params checked by GODMConfig, clone."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from sklearn.base import clone

from graphguard.augment import GODM, GODMConfig
from graphguard.errors import ConfigError


def test_get_params_names_every_option_and_rebuilds_the_model(fast_config):
    m = GODM(fast_config, checkpoint_dir="ckpt")
    p = m.get_params(deep=True)
    assert p == {**fast_config.to_dict(), "checkpoint_dir": Path("ckpt")}
    assert GODM(**p).config == fast_config


def test_clone_gives_the_same_configuration():
    m = GODM(epochs=3, guidance=2.0, checkpoint_dir=Path("ckpt"))
    c = clone(m)
    assert c is not m and c.config == m.config and c.config is not m.config and c.checkpoint_dir == Path("ckpt")


def test_set_params_goes_through_godm_config():
    m = GODM(epochs=3)
    assert m.set_params(epochs=5, merge="connected") is m and (m.config.epochs, m.config.merge) == (5, "connected")
    with pytest.raises(ConfigError, match="epochs must be at least 1, got 0"):
        m.set_params(epochs=0)
    with pytest.raises(ValueError, match=r"^invalid parameter 'epoch' for GODM \(valid: hidden, latent_dim, .*epochs"):
        m.set_params(epoch=4)
    assert m.config == GODMConfig(epochs=5, merge="connected")


def test_a_clone_fits_the_same_model(small_homo, fitted_homo):
    again = clone(fitted_homo).fit(small_homo)
    assert torch.equal(again.augment(small_homo).x, fitted_homo.augment(small_homo).x)
