"""GADBench's node metrics: labels are checked, not truncated, and Recall@K is GADBench's own formula."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.errors import DataError
from graphguard.metrics import auroc, node_metrics, recall_at_k


def gadbench_recall_at_k(labels: np.ndarray, probs: np.ndarray) -> float:
    """GADBench's ``BaseDetector.eval``: ``sum(labels[probs.argsort()[-k:]]) / sum(labels)``, k = #anomalies."""
    k = labels.sum()
    return sum(labels[probs.argsort()[-k:]]) / sum(labels)


@pytest.mark.parametrize("labels, shown", [([0.7, 0, 1, 0.2], "0.7"), ([0.5, 1, 0, 0], "0.5"),
                                           ([np.nan, 1, 0, 0], "nan")])
def test_fractional_or_missing_labels_are_refused_not_truncated(labels, shown):
    """[0.7, 0, 1, 0.2] became [0, 0, 1, 0] and scored AUROC 0.667 without a word."""
    with pytest.raises(DataError, match=rf"^metrics: labels must be 0/1, got {shown} \(\d of 4 labels are not whole"):
        node_metrics(np.array(labels), np.array([0.9, 0.1, 0.8, 0.3]))


def test_whole_float_and_boolean_labels_are_accepted():
    scores = np.array([0.9, 0.1, 0.8, 0.3])
    assert node_metrics(np.array([1.0, 0.0, 1.0, 0.0]), scores) == node_metrics(np.array([1, 0, 1, 0]), scores)
    assert auroc(np.array([True, False, True, False]), scores) == 1.0


def test_recall_at_k_breaks_ties_as_gadbench_does():
    """All scores tied, anomalies at 3, 4 and 9: GADBench takes the last three of its argsort (1/3)."""
    y = np.array([0, 0, 0, 1, 1, 0, 0, 0, 0, 1])
    for scores in (np.zeros(10), np.zeros(10, np.float32)):
        assert recall_at_k(y, scores) == gadbench_recall_at_k(y, scores)


def test_recall_at_k_matches_gadbench_on_scores_with_many_ties():
    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.1).astype(np.int64)
    for scores in (np.round(rng.random(5000), 2), np.round(rng.random(5000), 2).astype(np.float32),
                   rng.random(5000)):
        assert recall_at_k(y, scores) == gadbench_recall_at_k(y, scores)


def test_recall_at_k_of_a_perfect_ranking_is_one():
    y = np.array([0, 1, 0, 1, 1, 0, 0, 0])
    assert recall_at_k(y, y + 0.5) == 1.0 and recall_at_k(y, -y) == 0.0


def test_the_reports_recall_curve_reads_recall_at_k_at_k_equal_to_the_fraud_count(monkeypatch):
    """The report's curve sorted ties its own way, so its 'K = #fraud' label could disagree with the card."""
    import matplotlib.axes

    from graphguard.report import plots

    said = []
    monkeypatch.setattr(matplotlib.axes.Axes, "annotate", lambda self, text, *a, **k: said.append(text))
    y = np.array([0, 0, 0, 1, 1, 0, 0, 0, 0, 1])
    plots.recall_at_k(y, np.zeros(10))
    assert said == [f"K = #fraud = 3: recall {recall_at_k(y, np.zeros(10)):.2f}"]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_scores_that_are_not_finite_are_one_line_naming_the_model_and_how_many(bad):
    """They reached scikit-learn, whose multi-line 'Input contains NaN' named neither the model nor the count."""
    scores = np.array([0.9, bad, 0.8, bad], dtype=np.float32)
    with pytest.raises(DataError, match=r"^runs/m: the model's scores are not finite: 2 of 4 are NaN or inf") as e:
        node_metrics(np.array([1, 0, 1, 0]), scores, model="runs/m")
    assert "\n" not in str(e.value)


def test_a_metric_the_split_cannot_define_says_why_in_log_lines():
    from graphguard.metrics import metric_text

    assert metric_text("r2", float("nan")) == "undefined (constant target)"
    assert metric_text("rmse", float("inf")) == "undefined"
    assert metric_text("r2", 0.51234) == "0.5123"
