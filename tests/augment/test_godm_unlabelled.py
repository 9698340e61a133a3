"""The unlabelled option: nodes without a training label train the diffusion's null branch, and
their labels (validation and test) are still never read."""

from __future__ import annotations

import torch

from graphguard.augment import GODM
from graphguard.data.graph import target_store


def _relabelled_outside_training(g):
    """A copy of ``g`` whose labels outside the training mask are inverted."""
    h = g.clone()
    s = target_store(h)
    s.y = torch.where(s.train_mask.bool(), s.y, 1 - s.y)
    return h


def test_unlabelled_codes_train_the_null_branch_and_change_the_samples(small_homo, fast_config, fitted_homo):
    m = GODM(fast_config.replace(unlabelled=True)).fit(small_homo)
    s = target_store(small_homo)
    assert m.num_unlabelled_ == int((~s.train_mask.bool()).sum()) > 0
    assert fitted_homo.num_unlabelled_ == 0
    assert not torch.equal(m.sample(20).x, fitted_homo.sample(20).x)


def test_labels_outside_training_are_never_read(small_homo, fast_config):
    cfg = fast_config.replace(unlabelled=True)
    a = GODM(cfg).fit(small_homo).augment(small_homo)
    b = GODM(cfg).fit(_relabelled_outside_training(small_homo)).augment(small_homo)
    assert torch.equal(a.x, b.x) and torch.equal(a.edge_index, b.edge_index)
