"""Training options are checked up front: no slcwa run without negatives, no negative regulariser weight,
and no sLCWA-only option silently ignored (and recorded) under 1-N training."""

from __future__ import annotations

import json

import pytest

from graphguard.data.triples import load_triples
from graphguard.errors import ConfigError
from graphguard.tasks.link import LinkPredictor


@pytest.mark.parametrize("negatives", [0, -3])
def test_slcwa_needs_at_least_one_negative(negatives):
    with pytest.raises(ConfigError, match=r"num_negatives must be an integer >= 1 for slcwa training"):
        LinkPredictor("transe", num_negatives=negatives)


def test_regulariser_weight_is_not_negative():
    with pytest.raises(ConfigError, match=r"reg_weight must be a finite number >= 0 \(got -1"):
        LinkPredictor("complex", reg_weight=-1.0)


@pytest.mark.parametrize("options, named", [(dict(loss="margin", num_negatives=5), "loss and num_negatives are"),
                                            (dict(num_negatives=5), "num_negatives is"),
                                            (dict(margin=2.0), "margin is")])
def test_slcwa_only_options_are_refused_under_1vsall(options, named):
    with pytest.raises(ConfigError, match=rf"^{named} used only by training='slcwa'; complex trains with '1vsall'"):
        LinkPredictor("complex", **options)


def test_used_options_are_recorded_and_reload(tiny_kg, tmp_path):
    ts = load_triples(tiny_kg)
    LinkPredictor("complex", dim=4, epochs=1, loss="ce").fit(ts).save(tmp_path / "a")
    LinkPredictor("complex", dim=4, epochs=1, training="slcwa", loss="margin", num_negatives=5).fit(ts).save(tmp_path / "b")
    b = json.loads((tmp_path / "b" / "config.json").read_text())["params"]
    assert (b["training"], b["loss"], b["num_negatives"]) == ("slcwa", "margin", 5)
    assert LinkPredictor.load(tmp_path / "a").loss == "ce"
    assert LinkPredictor.load(tmp_path / "b").num_negatives == 5


def test_cli_refuses_negatives_0_in_one_line(tiny_kg, tmp_path, cli):
    r = cli("link", "train", "--data", tiny_kg, "--model", "transe", "--negatives", "0", "--epochs", "1",
            "--out", tmp_path / "m", "-q", ok=False)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "num_negatives must be" in r.stderr
