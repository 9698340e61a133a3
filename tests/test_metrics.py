"""GADBench's node metrics: labels are checked, not truncated."""

from __future__ import annotations

import numpy as np
import pytest

from graphguard.errors import DataError
from graphguard.metrics import auroc, node_metrics, recall_at_k


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


def test_recall_at_k_of_a_perfect_ranking_is_one():
    y = np.array([0, 1, 0, 1, 1, 0, 0, 0])
    assert recall_at_k(y, y + 0.5) == 1.0 and recall_at_k(y, -y) == 0.0
