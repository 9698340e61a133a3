"""A diverged model never looks good: NaN scores rank last, and training stops at the first non-finite loss."""

from __future__ import annotations

import math

import pytest
import torch

from graphguard.data.triples import load_triples
from graphguard.errors import ConfigError
from graphguard.tasks.link import LinkPredictor
from graphguard.tasks.link.evaluation import rank_metrics, realistic_ranks


def test_non_finite_scores_never_rank_well():
    nan, inf = float("nan"), float("inf")
    scores = torch.tensor([
        [nan, nan, nan, nan],  # all NaN: the true entity ranks last, not first
        [0.1, inf, 0.3, 0.2],  # an infinite true score is as bad as NaN
        [nan, 0.5, 0.9, inf],  # non-finite competitors do not outrank the true entity
    ])
    ranks = realistic_ranks(scores, torch.tensor([0, 1, 1]))
    assert ranks.tolist() == [4.0, 4.0, 2.0]
    m = rank_metrics(ranks[:1])
    assert m["mrr"] == 0.25 and m["hits@1"] == 0.0


def test_a_diverging_run_stops_with_one_line(tiny_kg):
    ts = load_triples(tiny_kg)
    with pytest.raises(ConfigError, match=r"^training diverged \(non-finite (loss|weights) at epoch \d+\); "
                                          r"lower the learning rate$"):
        LinkPredictor("distmult", dim=8, epochs=3, lr=1e30).fit(ts)


@pytest.mark.parametrize("lr", [-1.0, 0.0, math.nan, math.inf])
def test_learning_rate_is_checked_up_front(lr):
    with pytest.raises(ConfigError, match="lr must be a positive finite number"):
        LinkPredictor("distmult", lr=lr)


def test_cli_reports_divergence_in_one_line(tiny_kg, tmp_path, cli):
    r = cli("link", "train", "--data", tiny_kg, "--model", "distmult", "--lr", "1e30", "--epochs", "3",
            "--out", tmp_path / "m", "--json", "-q", ok=False)
    assert r.returncode == 2 and "training diverged" in r.stderr and r.stderr.strip().count("\n") == 0
    assert not (tmp_path / "m").exists()
